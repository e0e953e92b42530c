"""Exercise 11, *Reproducing the classics*: ``variant_cell_forward``, ``adding_correct`` and
``reber_correct``.

What the text asks of ``variant_cell_forward(x, h_prev, c_prev, params, variant)``: one LSTM
step, x (B, D), h_prev and c_prev (B, H), params in the layout of ``lstm_cell_forward`` (gates
i, f, g, o), with the one change that ``variant`` names: "vanilla" (none), "no_input_gate"
(i = 1), "no_forget_gate" (f = 1), "no_output_gate" (o = 1), "no_input_activation" (g = a_g),
"no_output_activation" (h = o * c), "coupled_input_forget" (f = 1 - i); ``(h, c)``, each
(B, H), in the dtype of the inputs, inputs not modified. It may call ``sigmoid`` and ``tanh``
(the course's stand in while it is graded).

Of ``adding_correct(pred, target, tol=0.04)``: a (N,) bool array, True where
|pred - target| < tol (strictly), pred and target each (N,) or (N, 1).

Of ``reber_correct(outputs, allowed)``: a (N,) bool array, True at step t when the set of
symbols with outputs[t] > 0.5 (strictly) is the set where allowed[t] == 1; outputs and
allowed (N, 7), allowed of 0.0/1.0 or of bools.
"""

from __future__ import annotations

import itertools

import numpy as np

from ...numpy._checks import PARAM_KEYS
from ...numpy.variants import VARIANTS
from ...tasks import REBER_SYMBOLS, reber_stream
from ..cases import Call, Case, Outcome, Verdict
from ..judging import close, compare_array, shape_str, tolerances
from .common import STEP_KEY_HINT, STEP_MATMUL_HINT, STEP_SPLIT_HINT, sigmoid64, step_shape_verdict
from .spec import ExerciseSpec, FunctionSpec, reference

_F64 = np.float64

# ---------------------------------------------------------------- variant_cell_forward

# What each variant changes, in the words of the exercise's table.
_CHANGE = {
    "vanilla": "nothing changes: c = f * c_prev + i * g and h = o * tanh(c)",
    "no_input_gate": "i = 1, so c = f * c_prev + g",
    "no_forget_gate": "f = 1, so c = c_prev + i * g",
    "no_output_gate": "o = 1, so h = tanh(c)",
    "no_input_activation": "g = a_g, the candidate's pre-activation without tanh, so c = f * c_prev + i * a_g",
    "no_output_activation": "h = o * c, without the tanh on the cell state",
    "coupled_input_forget": "f = 1 - i, so c = (1 - i) * c_prev + i * g",
}
_FIXED = {"no_input_gate": "i", "no_forget_gate": "f", "no_output_gate": "o"}
_GATES = ("i", "f", "g", "o")
_LAYOUT = (
    "the blocks of the pre-activation are i, f, g, o: rows 0:H of the weights give i, H:2H f, "
    "2H:3H g, 3H:4H o, whatever the variant"
)

# Parts of the input that a probe zeroes, and the term each one removes.
_PROBES = {
    "x": "the input term x @ W_ih.T: with x zeroed your step is right",
    "h_prev": "the recurrent term h_prev @ W_hh.T: with h_prev zeroed your step is right",
    "c_prev": "the memory term of c (how c_prev enters c): with c_prev zeroed your step is right",
}


def _sizes(rng) -> tuple[int, int]:
    """(D, H) with D != H, so that a transposed weight cannot pass by accident."""
    H = int(rng.integers(2, 6))
    D = int(rng.choice([d for d in range(2, 7) if d != H]))
    return D, H


def _cell_inputs(rng, B, D, H, dtype) -> tuple:
    # Weights larger than init_lstm_params's keep the gates away from 0 and 1, so that a gate
    # fixed to the wrong value, or a tanh too many, shows in the outputs.
    p = {
        "weight_ih": rng.normal(0, 0.6, (4 * H, D)),
        "weight_hh": rng.normal(0, 0.6, (4 * H, H)),
        "bias_ih": rng.normal(0, 0.6, 4 * H),
        "bias_hh": rng.normal(0, 0.6, 4 * H),
    }
    p = {k: v.astype(dtype) for k, v in p.items()}
    x = rng.normal(0, 1, (B, D)).astype(dtype)
    h_prev = rng.uniform(-1, 1, (B, H)).astype(dtype)
    c_prev = rng.normal(0, 1.5, (B, H)).astype(dtype)
    return x, h_prev, c_prev, p


def _zeroed(args: tuple, part: str) -> tuple:
    x, h_prev, c_prev, p, variant = args
    z = np.zeros_like
    return (
        z(x) if part == "x" else x,
        z(h_prev) if part == "h_prev" else h_prev,
        z(c_prev) if part == "c_prev" else c_prev,
        p,
        variant,
    )


def _variant_cases(rng) -> list:
    """Every variant once, in a drawn order, and one more drawn variant; one case float32
    and one with a batch of one, each on a drawn variant other than vanilla."""
    order = [str(v) for v in rng.permutation(VARIANTS)] + [str(rng.choice(VARIANTS[1:]))]
    changed = [k for k, v in enumerate(order) if v != "vanilla"]
    f32, one = (int(k) for k in rng.choice(changed, size=2, replace=False))
    cases = []
    for k, variant in enumerate(order):
        B = 1 if k == one else int(rng.integers(2, 6))
        dtype = np.float32 if k == f32 else np.float64
        D, H = _sizes(rng)
        args = (*_cell_inputs(rng, B, D, H, dtype), variant)
        extra = ", float32 (h and c stay float32)" if k == f32 else ", a batch of one" if k == one else ""
        calls = (Call(args),) + tuple(Call(_zeroed(args, part)) for part in _PROBES)
        cases.append(Case(f"variant={variant!r}, B={B}, D={D}, H={H}{extra}", calls, probes=tuple(_PROBES)))
    return cases


def _blocks(x, h_prev, p, order=(0, 1, 2, 3)):
    """The pre-activation's four blocks in float64, read in ``order`` (i, f, g, o from blocks ...)."""
    x, h_prev = np.asarray(x, _F64), np.asarray(h_prev, _F64)
    w = {k: np.asarray(p[k], _F64) for k in PARAM_KEYS}
    a = x @ w["weight_ih"].T + w["bias_ih"] + h_prev @ w["weight_hh"].T + w["bias_hh"]
    blocks = np.split(a, 4, axis=1)
    return [blocks[k] for k in order]


def _step64(args, variant, *, order=(0, 1, 2, 3), fixed=None, fixed_to=1.0, coupled="1-i", g_act="tanh", h_rule=None):
    """The variant's step in float64 with one thing changed for a known mistake: the blocks
    read in ``order``, the gate ``fixed`` (default: the variant's) set to ``fixed_to``, the
    coupled forget gate ``coupled`` ("1-i", "i", "1-f"), the candidate's activation ``g_act``
    ("tanh", "none", "sigmoid"), the output ``h_rule`` ("o*tanh(c)", "o*c", "c", "tanh(c)")."""
    x, h_prev, c_prev, p, _ = args
    c_prev = np.asarray(c_prev, _F64)
    a_i, a_f, a_g, a_o = _blocks(x, h_prev, p, order)
    i, f, o = sigmoid64(a_i), sigmoid64(a_f), sigmoid64(a_o)
    if variant == "no_input_activation" and g_act == "tanh":
        g_act = "none"
    g = {"tanh": np.tanh(a_g), "none": a_g, "sigmoid": sigmoid64(a_g)}[g_act]
    gate = fixed if fixed is not None else _FIXED.get(variant)
    if gate == "i":
        i = np.full_like(i, fixed_to)
    elif gate == "f":
        f = np.full_like(f, fixed_to)
    elif gate == "o":
        o = np.full_like(o, fixed_to)
    if variant == "coupled_input_forget":
        f = {"1-i": 1 - i, "i": i, "1-f": 1 - f}[coupled]
    c = f * c_prev + i * g
    if h_rule is None:
        h_rule = "o*c" if variant == "no_output_activation" else "o*tanh(c)"
    h = {"o*tanh(c)": o * np.tanh(c), "o*c": o * c, "c": c, "tanh(c)": np.tanh(c)}[h_rule]
    return h, c


def _variant_mistakes(args) -> list:
    """(likely mistake, h, c) for the common mistakes on this case's variant."""
    variant = args[4]
    out = []
    with np.errstate(all="ignore"):
        if variant != "vanilla":
            out.append(
                (
                    f"the variant switch is ignored: with variant={variant!r} your step is the "
                    f"vanilla LSTM's; {variant} means {_CHANGE[variant]}",
                    *_step64(args, "vanilla"),
                )
            )
        if variant == "no_forget_gate":
            out.append(
                (
                    "no_forget_gate fixes f = 1, so c = c_prev + i * g keeps the memory c_prev "
                    "whole; your c drops c_prev (c = i * g, as with f = 0)",
                    *_step64(args, variant, fixed_to=0.0),
                )
            )
        elif variant in _FIXED:
            gate = _FIXED[variant]
            out.append(
                (
                    f"the fixed gate is set to 0: {variant} fixes {gate} = 1 (always open, "
                    f"letting everything through), not {gate} = 0; {_CHANGE[variant]}",
                    *_step64(args, variant, fixed_to=0.0),
                )
            )
        if variant in _FIXED:
            for other in "ifo":
                if other != _FIXED[variant]:
                    out.append(
                        (
                            f"{variant} fixes {_FIXED[variant]} = 1, not {other}: {_CHANGE[variant]}",
                            *_step64(args, variant, fixed=other),
                        )
                    )
        if variant == "coupled_input_forget":
            out.append(
                (
                    "the coupled gate is f = 1 - i, not f = i: one gate decides both, what "
                    "comes in (i) and what is kept (1 - i)",
                    *_step64(args, variant, coupled="i"),
                )
            )
            out.append(
                (
                    "the coupled gate is f = 1 - i, with i the input gate; yours is 1 - f, from "
                    "the forget gate's own block",
                    *_step64(args, variant, coupled="1-f"),
                )
            )
        if variant == "no_output_activation":
            out.append(
                (
                    "no_output_activation removes only the tanh: h = o * c, the output gate o stays",
                    *_step64(args, variant, h_rule="c"),
                )
            )
        if variant == "no_output_gate":
            out.append(
                (
                    "no_output_gate removes only the gate: h = tanh(c), the tanh stays",
                    *_step64(args, variant, h_rule="c"),
                )
            )
        if variant == "no_input_activation":
            out.append(
                (
                    "no_input_activation removes the tanh of the candidate, g = a_g; it does "
                    "not replace it with a sigmoid",
                    *_step64(args, variant, g_act="sigmoid"),
                )
            )
        for perm in itertools.permutations(range(4)):
            if perm == (0, 1, 2, 3):
                continue
            layout = [""] * 4
            for j, blk in enumerate(perm):
                layout[blk] = _GATES[j]
            out.append(
                (
                    f"the gates are read from the blocks of the pre-activation in the order "
                    f"{', '.join(layout)}; {_LAYOUT}",
                    *_step64(args, variant, order=perm),
                )
            )
        h, c = _step64(args, variant)
        out.append(("h and c are swapped: return (h, c), in that order", c, h))
    return out


def _reference_variant(args):
    x, h_prev, c_prev, p, variant = args
    return reference("variant_cell_forward")(
        x.copy(), h_prev.copy(), c_prev.copy(), {k: v.copy() for k, v in p.items()}, variant
    )


def _near(got, want, dtype, factor=10.0) -> bool:
    rtol, atol = tolerances(dtype)
    g, w = np.asarray(got, _F64), np.asarray(want, _F64)
    with np.errstate(all="ignore"):
        return g.shape == w.shape and bool((np.abs(g - w) <= factor * (atol + rtol * np.abs(w))).all())


def _h_of(args, c) -> np.ndarray:
    """The variant's h for a given c (the learner's), in float64."""
    x, h_prev, _, p, variant = args
    o = sigmoid64(_blocks(x, h_prev, p)[3])
    if variant == "no_output_gate":
        o = np.ones_like(o)
    c = np.asarray(c, _F64)
    return o * (c if variant == "no_output_activation" else np.tanh(c))


def _variant_where(case: Case, outcomes: list[Outcome], h, c, h_ref, c_ref) -> str:
    """Which part of the step is wrong, when no known mistake matches."""
    args = case.calls[0].args
    variant = args[4]
    dtype = h_ref.dtype
    h_eq = (
        "h = o * c"
        if variant == "no_output_activation"
        else "h = tanh(c)"
        if variant == "no_output_gate"
        else "h = o * tanh(c)"
    )
    if close(c, c_ref, dtype):
        return f"h: c is right, h is not; with variant={variant!r}, {h_eq}"
    if close(h, h_ref, dtype):
        return "the c you return: h is right, so c was right when h was computed from it; return the new c"
    for part, call, o in zip(case.probes, case.calls[case.graded :], outcomes[case.graded :], strict=False):
        if o.status != "ok":
            continue
        hp, cp = _reference_variant(call.args)
        if close(o.outputs["h"], hp, dtype) and close(o.outputs["c"], cp, dtype):
            return _PROBES[part]
    if _near(h, _h_of(args, c), dtype):
        return (
            f"c: {h_eq} is right for your c; with variant={variant!r}, {_CHANGE[variant]}"
            if variant != "vanilla"
            else f"c = f * c_prev + i * g; {h_eq} is right for your c"
        )
    return (
        f"the gates: h and c are both off and zeroing no single part of the input explains it; "
        f"with variant={variant!r}, {_CHANGE[variant]}"
    )


def _variant_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    args = case.calls[0].args
    h_ref, c_ref = _reference_variant(args)
    h, c = outcomes[0].outputs["h"], outcomes[0].outputs["c"]
    problems = compare_array("h", h, h_ref) + compare_array("c", c, c_ref)
    if not problems:
        return Verdict(True)
    dtype = h_ref.dtype
    if h.shape == h_ref.shape and c.shape == c_ref.shape:
        if close(h, h_ref) and close(c, c_ref):
            return Verdict(
                False,
                problems,
                f"h and c are right but {h.dtype}/{c.dtype} for {dtype} inputs: something "
                "promotes to float64 (np.ones and np.zeros default to float64: np.ones_like(i) "
                "keeps the gate's dtype; or .astype(np.float64), np.float64 constants)",
                "the dtype of h and c",
            )
        for text, hv, cv in _variant_mistakes(args):
            if close(h, hv.astype(dtype), dtype) and close(c, cv.astype(dtype), dtype):
                return Verdict(False, problems, text)
        return Verdict(False, problems, None, _variant_where(case, outcomes, h, c, h_ref, c_ref))
    return step_shape_verdict(problems, h, c, h_ref, c_ref)


VARIANT_CELL_FORWARD = FunctionSpec(
    name="variant_cell_forward",
    signature="variant_cell_forward(x, h_prev, c_prev, params, variant)",
    returns="a tuple (h, c), each of shape (B, H)",
    points=4.0,
    outputs=(("h", (0,)), ("c", (1,))),
    make_cases=_variant_cases,
    judge=_variant_judge,
    calls=("sigmoid", "tanh"),
    error_hints=(
        STEP_MATMUL_HINT,
        STEP_SPLIT_HINT,
        (
            "could not be broadcast together",
            "two arrays of different shapes meet: the gates, c_prev and c are all (B, H); a fixed gate "
            "is np.ones_like(i), of the gate's shape",
        ),
        STEP_KEY_HINT,
    ),
)

# ---------------------------------------------------------------- adding_correct

_DEFAULT_TOL = 0.04


def _errors(rng, N, tol) -> np.ndarray:
    """N errors pred - target: a third small (inside tol, either sign), the others outside it,
    some far below (pred much smaller than target: only the absolute value rejects them)."""
    small = rng.uniform(0.05, 0.95, N) * tol * rng.choice([-1.0, 1.0], N)
    large = rng.uniform(1.1, 8.0, N) * tol * rng.choice([-1.0, 1.0], N)
    err = np.where(rng.random(N) < 0.4, small, large)
    err[0], err[1], err[2] = -6 * tol, 0.5 * tol, -0.5 * tol
    return rng.permutation(err)


def _adding_cases(rng) -> list:
    cases = []
    N = int(rng.integers(8, 13))
    target = rng.uniform(0, 1, N)
    cases.append(
        Case(
            f"N={N}, pred and target (N,), the default tol (0.04); errors of both signs",
            (Call((target + _errors(rng, N, _DEFAULT_TOL), target)),),
        )
    )
    N = int(rng.integers(8, 13))
    target = rng.uniform(0, 1, N)
    cases.append(
        Case(
            f"N={N}, pred (N, 1) (as a network's output layer gives it), target (N,), the default tol",
            (Call(((target + _errors(rng, N, _DEFAULT_TOL))[:, None], target)),),
        )
    )
    N = int(rng.integers(8, 13))
    target = rng.uniform(0, 1, N)
    cases.append(
        Case(
            f"N={N}, pred (N,), target (N, 1), tol=0.04 given",
            (Call((target + _errors(rng, N, _DEFAULT_TOL), target[:, None]), {"tol": 0.04}),),
        )
    )
    # Multiples of 1/64: pred - target is exact, so an error of exactly tol is exactly tol.
    N = int(rng.integers(8, 13))
    target = rng.integers(8, 57, N) / 64.0
    steps = rng.choice([-6, -4, -3, -1, 1, 2, 3, 4, 6], N).astype(_F64)
    steps[:5] = (4, -4, 6, -6, 1)  # exactly +-tol, beyond it on both sides, inside it
    err = rng.permutation(steps) / 64.0
    cases.append(
        Case(
            f"N={N}, tol=0.0625, errors that are multiples of 1/64, some exactly +-tol (not below tol, so not correct)",
            (Call((target + err, target), {"tol": 0.0625}),),
        )
    )
    N = int(rng.integers(8, 13))
    target = rng.uniform(0, 1, N)
    tol = float(rng.choice([0.1, 0.15, 0.2]))
    cases.append(
        Case(
            f"N={N}, pred and target (N, 1), tol={tol:g} (not the default)",
            (Call(((target + _errors(rng, N, tol))[:, None], target[:, None]), {"tol": tol}),),
        )
    )
    return cases


def _adding_args(call: Call):
    pred, target = call.args
    tol = call.kwargs.get("tol", _DEFAULT_TOL)
    return np.asarray(pred, _F64).reshape(-1), np.asarray(target, _F64).reshape(-1), tol


def _bool_problems(name: str, got: np.ndarray, want: np.ndarray, describe) -> list[str]:
    """What differs between a (N,) bool result and the reference, naming one wrong entry."""
    if got.shape != want.shape:
        return [f"{name} has shape {shape_str(got.shape)}, expected {shape_str(want.shape)} (one bool per entry)"]
    problems = []
    if got.dtype != np.bool_:
        problems.append(f"{name} has dtype {got.dtype}, expected bool")
    bad = np.flatnonzero(got.astype(_F64) != want.astype(_F64))
    if bad.size:
        k = int(bad[0])
        problems.append(
            f"{name} is wrong at {bad.size} of {want.size} entries; at [{k}] ({describe(k)}) "
            f"it is {got[k].item()!r}, expected {bool(want[k])}"
        )
    return problems


def _adding_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    call = case.calls[0]
    pred, target, tol = _adding_args(call)
    N = len(pred)
    want = reference("adding_correct")(*(a.copy() for a in call.args), **call.kwargs)
    got = outcomes[0].outputs["correct"]
    err = pred - target

    def describe(k):
        return f"pred {pred[k]:.4g}, target {target[k]:.4g}, |pred - target| = {abs(err[k]):.4g}, tol {tol:g}"

    problems = _bool_problems("the result", got, want, describe)
    if not problems:
        return Verdict(True)
    if got.shape == (N, N):
        return Verdict(
            False,
            problems,
            "the result is (N, N): pred (N, 1) minus target (N,) (or the other "
            "way round) broadcasts to every pair; flatten both to (N,) first, "
            "np.ravel(pred) or pred.reshape(-1)",
            "the shape of the result",
        )
    if got.shape == (N, 1):
        return Verdict(
            False,
            problems,
            "the result is (N, 1): return one bool per sequence, (N,); flatten pred and target first, pred.reshape(-1)",
            "the shape of the result",
        )
    if got.shape == ():
        return Verdict(
            False,
            problems,
            "the result is one number: return one bool per sequence, (N,) "
            "(the fraction of correct sequences is its mean, taken afterwards)",
            "the shape of the result",
        )
    if got.shape != (N,):
        return Verdict(False, problems, f"return one bool per sequence, shape ({N},)", "the shape of the result")
    values = got.astype(_F64)
    if got.dtype != np.bool_ and np.array_equal(values, want.astype(_F64)):
        return Verdict(
            False,
            problems,
            f"the values are right but of dtype {got.dtype}: return the "
            "comparison itself, a bool array (np.abs(...) < tol is one)",
            "the dtype",
        )
    with np.errstate(all="ignore"):
        variants = (
            (
                "an error of exactly tol counts as correct: the criterion is strict, |pred - target| < tol, not <=",
                np.abs(err) <= tol,
            ),
            (
                "the absolute value is missing: (pred - target) < tol holds for every prediction far below "
                "its target; compare np.abs(pred - target) < tol",
                err < tol,
            ),
            (
                "the absolute value is missing: (target - pred) < tol holds for every prediction far above "
                "its target; compare np.abs(pred - target) < tol",
                -err < tol,
            ),
            ("tol is ignored: compare with the tol argument (0.04 is only its default)", np.abs(err) < _DEFAULT_TOL),
            (
                "the squared error is compared with tol: the criterion is on the absolute error, "
                "np.abs(pred - target) < tol",
                err**2 < tol,
            ),
            (
                "the error is divided by the target: the criterion is on the absolute error, "
                "np.abs(pred - target) < tol",
                np.abs(err) / np.abs(target) < tol,
            ),
            ("the result is inverted: True marks a correct sequence, |pred - target| < tol", np.abs(err) >= tol),
            ("the result is inverted: True marks a correct sequence, |pred - target| < tol", np.abs(err) > tol),
        )
    for text, alt in variants:
        if np.array_equal(values != 0, alt) and not np.array_equal(alt, want):
            return Verdict(False, problems, text)
    return Verdict(
        False,
        problems,
        None,
        "the comparison: a sequence is correct when "
        "np.abs(pred - target) < tol, with pred and target each flattened to (N,)",
    )


ADDING_CORRECT = FunctionSpec(
    name="adding_correct",
    signature="adding_correct(pred, target, tol=0.04)",
    returns="a bool array of shape (N,)",
    points=2.0,
    outputs=(("correct", ()),),
    make_cases=_adding_cases,
    judge=_adding_judge,
)

# ---------------------------------------------------------------- reber_correct

_SYMBOLS = len(REBER_SYMBOLS)


def _reber_allowed(rng, N) -> np.ndarray:
    """N consecutive steps of a continual embedded Reber stream: the sets allowed next."""
    while True:  # with enough steps of one allowed symbol and of two for _reber_outputs
        stream = reber_stream(int(rng.integers(6, 10)), rng=rng)
        start = int(rng.integers(0, max(1, len(stream.allowed) - N)))
        allowed = stream.allowed[start : start + N].copy()
        counts = allowed.sum(axis=1)
        if len(allowed) == N and (counts == 1).sum() >= 5 and (counts == 2).sum() >= 3:
            return allowed


def _reber_outputs(rng, allowed) -> np.ndarray:
    """Outputs that are right at most steps and wrong in each of the ways that matter at the others."""
    N = len(allowed)
    on = allowed == 1
    out = np.where(on, rng.uniform(0.55, 0.98, on.shape), rng.uniform(0.02, 0.45, on.shape))
    rows = rng.permutation(N)
    two = [int(r) for r in rows if on[r].sum() == 2]
    one = [int(r) for r in rows if on[r].sum() == 1]
    used = set()

    def take(pool):
        r = next(r for r in pool if r not in used)
        used.add(r)
        return r

    # A false positive: a symbol not allowed above 0.5, below the allowed one (argmax still right).
    r = take(one)
    k = int(rng.choice(np.flatnonzero(~on[r])))
    out[r, k] = rng.uniform(0.55, 0.7)
    out[r, on[r]] = 0.95
    # A miss: one of two allowed symbols below 0.5 (the argmax is still allowed).
    r = take(two)
    out[r, int(rng.choice(np.flatnonzero(on[r])))] = rng.uniform(0.2, 0.45)
    # Exactly 0.5 on a symbol not allowed: not above 0.5, so not predicted (right).
    r = take(one)
    out[r, int(rng.choice(np.flatnonzero(~on[r])))] = 0.5
    # Exactly 0.5 on an allowed symbol: not predicted, so the step is wrong.
    r = take(two)
    out[r, int(rng.choice(np.flatnonzero(on[r])))] = 0.5
    # A symbol not allowed rated highest, above the allowed one: wrong, and the argmax is wrong.
    r = take(one)
    out[r, on[r]] = rng.uniform(0.6, 0.75)
    out[r, int(rng.choice(np.flatnonzero(~on[r])))] = rng.uniform(0.8, 0.95)
    # Everything below 0.5 (no symbol predicted): wrong, though the argmax is allowed.
    r = take(one)
    out[r] = np.where(on[r], 0.45, rng.uniform(0.02, 0.3, _SYMBOLS))
    return out


def _reber_cases(rng) -> list:
    cases = []
    for label, as_bool in (
        ("allowed of 0.0/1.0 floats, as reber_stream gives it", False),
        ("allowed of bools", True),
        ("allowed of 0.0/1.0 floats", False),
    ):
        N = int(rng.integers(18, 31))
        allowed = _reber_allowed(rng, N)
        outputs = _reber_outputs(rng, allowed)
        cases.append(
            Case(
                f"N={N} steps of the continual embedded Reber stream, {label}; some steps with a symbol at exactly 0.5",
                (Call((outputs, allowed.astype(bool) if as_bool else allowed)),),
            )
        )
    return cases


def _reber_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    outputs, allowed = case.calls[0].args
    out, on = np.asarray(outputs, _F64), np.asarray(allowed, _F64) == 1
    N = len(out)
    want = reference("reber_correct")(outputs.copy(), allowed.copy())
    got = outcomes[0].outputs["correct"]

    def describe(k):
        names = REBER_SYMBOLS
        allowed_set = "{" + ", ".join(names[j] for j in np.flatnonzero(on[k])) + "}"
        rated = ", ".join(f"{names[j]} {out[k, j]:.2f}" for j in range(out.shape[1]))
        return f"outputs {rated}; allowed {allowed_set}"

    problems = _bool_problems("the result", got, want, describe)
    if not problems:
        return Verdict(True)
    if got.shape == out.shape:
        return Verdict(
            False,
            problems,
            "the result is (N, 7), one bool per symbol: a step is correct when all 7 agree, np.all(..., axis=1)",
            "the shape of the result",
        )
    if got.shape == (out.shape[1],):
        return Verdict(
            False,
            problems,
            "the result is (7,): reduce over the symbols of each step, axis=1, not over the steps (axis=0)",
            "the shape of the result",
        )
    if got.shape == ():
        return Verdict(
            False,
            problems,
            "the result is one number: return one bool per step, (N,) (the "
            "fraction of correct steps is its mean, taken afterwards)",
            "the shape of the result",
        )
    if got.shape != (N,):
        return Verdict(False, problems, f"return one bool per step, shape ({N},)", "the shape of the result")
    values = got.astype(_F64)
    if got.dtype != np.bool_ and np.array_equal(values, want.astype(_F64)):
        return Verdict(
            False,
            problems,
            f"the values are right but of dtype {got.dtype}: return a bool array (np.all(...) gives one)",
            "the dtype",
        )
    top = out.argmax(axis=1)
    one_hot = np.zeros_like(on)
    one_hot[np.arange(N), top] = True
    above = out > 0.5
    variants = (
        (
            "the step is judged by the argmax: the criterion is the set of symbols above 0.5, which must "
            "be exactly the allowed set (two symbols are often allowed, and a second symbol above 0.5 "
            "that is not allowed is an error)",
            on[np.arange(N), top],
        ),
        (
            "the step is judged by the argmax: the criterion is the set of symbols above 0.5, which must "
            "be exactly the allowed set (two symbols are often allowed)",
            np.all(one_hot == on, axis=1),
        ),
        (
            "an output of exactly 0.5 counts as predicted: the criterion is strict, outputs > 0.5, not >=",
            np.all((out >= 0.5) == on, axis=1),
        ),
        (
            "only the allowed symbols are compared: a symbol above 0.5 that the grammar does not allow "
            "makes the step wrong too (a false positive); compare all 7, "
            "np.all((outputs > 0.5) == (allowed == 1), axis=1)",
            np.all(above | ~on, axis=1),
        ),
        (
            "only the symbols not allowed are compared: an allowed symbol at or below 0.5 makes the step "
            "wrong too (a miss); compare all 7, np.all((outputs > 0.5) == (allowed == 1), axis=1)",
            np.all(~above | on, axis=1),
        ),
        (
            "np.any instead of np.all: a step is correct when every one of the 7 symbols agrees",
            np.any(above == on, axis=1),
        ),
        ("the result is inverted: True marks a correct step", ~np.all(above == on, axis=1)),
    )
    for text, alt in variants:
        if np.array_equal(values != 0, alt) and not np.array_equal(alt, want):
            return Verdict(False, problems, text)
    return Verdict(
        False,
        problems,
        None,
        "the comparison: step t is correct when the symbols with "
        "outputs[t] > 0.5 are exactly those with allowed[t] == 1, "
        "np.all((outputs > 0.5) == (allowed == 1), axis=1)",
    )


REBER_CORRECT = FunctionSpec(
    name="reber_correct",
    signature="reber_correct(outputs, allowed)",
    returns="a bool array of shape (N,)",
    points=2.0,
    outputs=(("correct", ()),),
    make_cases=_reber_cases,
    judge=_reber_judge,
)

EXERCISE = ExerciseSpec(
    "11_classic_experiments", "Reproducing the classics", (VARIANT_CELL_FORWARD, ADDING_CORRECT, REBER_CORRECT)
)
