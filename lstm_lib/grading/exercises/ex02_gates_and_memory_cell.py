"""Exercise 2, *Gates and the memory cell*: ``sigmoid`` and ``tanh``.

What the text asks of both: elementwise on any shape, the dtype kept (float32
in, float32 out), no overflow for large |x|, inputs not modified. Of ``tanh``
also: no ready-made tanh (``np.tanh``, ``math.tanh``).
"""

from __future__ import annotations

import numpy as np

from ..cases import Call, Case
from .common import elementwise_judge, sigmoid64
from .spec import ExerciseSpec, FunctionSpec


def _activation_cases(rng, big32: float) -> list:
    B, H = (int(n) for n in rng.integers(2, 7, size=2))
    large = np.concatenate(
        [
            [-1000.0, -800.0, -710.0, -100.0, 0.0, 100.0, 710.0, 800.0, 1000.0],
            rng.uniform(-1000, 1000, size=3 * H - 9 if H > 3 else 3),
        ]
    )
    large = rng.permutation(large).reshape(3, -1)
    large32 = (
        rng.permutation(np.concatenate([[-big32, -90.0, 0.0, 90.0, big32], rng.uniform(-big32, big32, size=7)]))
        .reshape(2, 6)
        .astype(np.float32)
    )
    return [
        Case(f"x of shape ({B}, {H}), float64", (Call((rng.normal(0, 3, (B, H)),)),)),
        Case("x of shape (2, 3, 4), float64: elementwise on any shape", (Call((rng.normal(0, 3, (2, 3, 4)),)),)),
        Case(
            f"x of shape ({H},), float32: the result stays float32",
            (Call((rng.normal(0, 3, (H,)).astype(np.float32),)),),
        ),
        Case("large |x| (up to 1000), float64: no overflow, no nan", (Call((large,)),)),
        Case(f"large |x| (up to {big32:g}), float32: no overflow, no nan", (Call((large32,)),)),
    ]


# ---------------------------------------------------------------- sigmoid


def _sigmoid_variants(x):
    s = sigmoid64
    with np.errstate(all="ignore"):
        exp_x = np.exp(x)
    return [
        (
            "this is sigmoid(-x) = 1 - sigmoid(x): the sign inside exp is flipped, or the two "
            "branches of np.where are swapped; sigmoid(x) = 1 / (1 + exp(-x))",
            s(-x),
        ),
        (
            "this is sigmoid(|x|): right for x >= 0, but for x < 0, with e = exp(-|x|) = exp(x), "
            "sigmoid(x) = e / (1 + e), not 1 / (1 + e)",
            s(np.abs(x)),
        ),
        ("this is tanh(x), not sigmoid(x) = 1 / (1 + exp(-x))", np.tanh(x)),
        ("this is exp(x): the 1 + is missing from 1 / (1 + exp(-x))", exp_x),
        ("this is sigmoid(2x): the argument of exp is -x, not -2x", s(2 * x)),
        ("this is sigmoid(x / 2): the argument of exp is -x, not -x / 2", s(x / 2)),
    ]


SIGMOID_ADVICE = {
    "overflow": (
        "np.exp overflows for a large argument: exp(-x) is inf for x below -709 in "
        "float64 (below -88 in float32). Compute only e = exp(-|x|) = np.exp(-np.abs(x)), "
        "which is at most 1: sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for "
        "x < 0"
    ),
    "both_branches": (
        "np.where(x >= 0, a, b) computes both a and b for every x before it "
        "picks, so the branch it throws away still overflows (or divides by "
        "zero): compute "
        "e = np.exp(-np.abs(x)) first and build both branches from e"
    ),
    "dtype": (
        "the values are right but sigmoid returns {got} for {want} input: something "
        "promotes to float64 (dtype=float, np.float64(...), .astype(np.float64)); return "
        "x's dtype, e.g. end with .astype(x.dtype, copy=False)"
    ),
    "shape": (
        "sigmoid works elementwise: return an array shaped like x, {shape} (np.exp and "
        "np.where keep the shape; no reshape, no list)"
    ),
}

SIGMOID = FunctionSpec(
    name="sigmoid",
    signature="sigmoid(x)",
    returns="an array shaped like x",
    points=2.0,
    outputs=(("y", ()),),
    make_cases=lambda rng: _activation_cases(rng, big32=200.0),
    judge=elementwise_judge("sigmoid", _sigmoid_variants, SIGMOID_ADVICE),
)


# ---------------------------------------------------------------- tanh


def _tanh_variants(x):
    s = sigmoid64
    return [
        ("this is sigmoid(x), not tanh(x) = 2 * sigmoid(2 * x) - 1", s(x)),
        ("this is 2 * sigmoid(x) - 1 = tanh(x / 2): the argument of sigmoid is 2 * x", 2 * s(x) - 1),
        ("the - 1 is missing: tanh(x) = 2 * sigmoid(2 * x) - 1", 2 * s(2 * x)),
        ("the factor 2 in front is missing: tanh(x) = 2 * sigmoid(2 * x) - 1", s(2 * x) - 1),
        ("the sign is flipped (this is -tanh(x)): tanh(x) = 2 * sigmoid(2 * x) - 1", 1 - 2 * s(2 * x)),
        ("+ 1 where the identity has - 1: tanh(x) = 2 * sigmoid(2 * x) - 1", 2 * s(2 * x) + 1),
    ]


NO_TANH = (
    "tanh may not call a ready-made tanh (np.tanh, math.tanh): build it from your "
    "sigmoid, tanh(x) = 2 * sigmoid(2 * x) - 1"
)

TANH_ADVICE = {
    "overflow": (
        "an exp inside tanh overflows for large |x| (exp(2x) is inf for x above 355 "
        "in float64, above 44 in float32, and inf / inf is nan): build tanh from your "
        "stable sigmoid instead, tanh(x) = 2 * sigmoid(2 * x) - 1, which never "
        "overflows"
    ),
    "dtype": (
        "the values are right but tanh returns {got} for {want} input: something "
        "promotes to float64 (np.float64 constants, dtype=float, .astype(np.float64)); "
        "2 * sigmoid(2 * x) - 1 with plain Python numbers keeps x's dtype"
    ),
    "shape": ("tanh works elementwise: return an array shaped like x, {shape}"),
}

TANH = FunctionSpec(
    name="tanh",
    signature="tanh(x)",
    returns="an array shaped like x",
    points=1.0,
    outputs=(("y", ()),),
    make_cases=lambda rng: _activation_cases(rng, big32=100.0),
    judge=elementwise_judge("tanh", _tanh_variants, TANH_ADVICE),
    calls=("sigmoid",),
    banned={"numpy.tanh": NO_TANH, "math.tanh": NO_TANH},
)

EXERCISE = ExerciseSpec("02_gates_and_memory_cell", "Gates and the memory cell", (SIGMOID, TANH))
