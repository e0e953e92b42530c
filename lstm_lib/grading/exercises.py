"""What each exercise grades, in one place: ``check`` and ``lstm-course grade`` both read it.

Per exercise notebook: the functions it grades and the modules it forbids. Per
function: its points, what it returns, a case generator (the same generator
gives the public cases, from a fixed seed, and the hidden ones, from the
grading run's seed), and a judge that compares a call's outputs with the
reference implementation ``lstm_lib.numpy`` and names the likely mistake.
"""

from __future__ import annotations

import importlib
import itertools
import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..numpy._checks import PARAM_KEYS
from .cases import Call, Case, DType, Outcome, Rng, Verdict
from .judging import close, compare_array, failed, overflow_warnings, shape_str

PUBLIC_SEED = 20240917

# The NumPy exercises forbid the reference implementation and torch: importing
# either (directly, through importlib, or by reading their files) fails in the
# sandbox. ``lstm_lib.grading`` itself is never available there; ``check``
# imports in the notebooks are dropped by the parser.
NUMPY_FORBIDDEN = ("lstm_lib", "torch")


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    signature: str  # as the exercise states it, e.g. "sigmoid(x)"
    returns: str  # the expected return value, for messages
    points: float
    outputs: tuple  # ((name, path), ...): see outputs.extract
    make_cases: Callable[[np.random.Generator], list]
    judge: Callable[[Case, list], Verdict]


@dataclass(frozen=True)
class ExerciseSpec:
    key: str  # the notebook's stem, e.g. "01_gates_and_memory_cell"
    title: str
    functions: tuple
    forbidden: tuple = NUMPY_FORBIDDEN

    @property
    def max_score(self) -> float:
        return float(sum(f.points for f in self.functions))

    def function(self, name: str) -> FunctionSpec:
        for f in self.functions:
            if f.name == name:
                return f
        raise KeyError(name)


def reference(name: str):
    """The reference implementation of ``name`` (imported only in trusted processes)."""
    return getattr(importlib.import_module("lstm_lib.numpy"), name)


def public_cases(fspec: FunctionSpec) -> list:
    return fspec.make_cases(np.random.default_rng([PUBLIC_SEED, _stable(fspec.name)]))


def hidden_cases(fspec: FunctionSpec, seed: int) -> list:
    """Fresh inputs for a grading run; never the public ones (a different seed stream)."""
    return fspec.make_cases(np.random.default_rng([int(seed), _stable(fspec.name), 1]))


def _stable(text: str) -> int:
    return zlib.crc32(text.encode())


def _seed(rng) -> int:
    return int(rng.integers(2**31 - 1))


def _sigmoid64(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# ---------------------------------------------------------------- 01: sigmoid, tanh


def _activation_cases(rng, big32: float) -> list:
    B, H = (int(n) for n in rng.integers(2, 7, size=2))
    large = np.concatenate([[-1000.0, -800.0, -710.0, -100.0, 0.0, 100.0, 710.0, 800.0, 1000.0],
                            rng.uniform(-1000, 1000, size=3 * H - 9 if H > 3 else 3)])
    large = rng.permutation(large).reshape(3, -1)
    large32 = (rng.permutation(np.concatenate([[-big32, -90.0, 0.0, 90.0, big32],
                                               rng.uniform(-big32, big32, size=7)]))
               .reshape(2, 6).astype(np.float32))
    return [
        Case(f"x of shape ({B}, {H}), float64", (Call((rng.normal(0, 3, (B, H)),)),)),
        Case("x of shape (2, 3, 4), float64: elementwise on any shape",
             (Call((rng.normal(0, 3, (2, 3, 4)),)),)),
        Case(f"x of shape ({H},), float32: the result stays float32",
             (Call((rng.normal(0, 3, (H,)).astype(np.float32),)),)),
        Case("large |x| (up to 1000), float64: no overflow, no nan", (Call((large,)),)),
        Case(f"large |x| (up to {big32:g}), float32: no overflow, no nan", (Call((large32,)),)),
    ]


_STABLE_HINT = ("np.exp overflows for large |x| (exp(1000) is inf, and exp(89) already is in "
                "float32). Use exp(-|x|), which never exceeds 1: for x >= 0, 1 / (1 + e); "
                "for x < 0, e / (1 + e), with e = np.exp(-np.abs(x)).")


def _elementwise_judge(fname: str, variants: Callable) -> Callable:
    def judge(case: Case, outcomes: list[Outcome]) -> Verdict:
        v = failed(fname, outcomes)
        if v:
            return v
        x = case.calls[0].args[0]
        want = np.asarray(reference(fname)(x.copy()))
        got = outcomes[0].outputs["y"]
        problems = compare_array("the result", got, want)
        warns = overflow_warnings(outcomes)
        if warns:
            problems.append(f"NumPy warned while it ran: {warns[0]}")
        if not problems:
            return Verdict(True)
        return Verdict(False, problems, _elementwise_hint(got, want, x, warns, variants))

    return judge


def _elementwise_hint(got, want, x, warns, variants) -> str | None:
    if got.shape != want.shape:
        return f"return an array shaped like x: {shape_str(want.shape)}"
    g = got.astype(np.float64)
    finite = np.isfinite(want)
    if (finite & ~np.isfinite(g)).any() or (warns and any("overflow" in w for w in warns)):
        if np.abs(x).max() > 80:
            return _STABLE_HINT
    if close(got, want):  # values right: it is the dtype
        return (f"the values are right but the dtype is {got.dtype}: return x's dtype "
                f"({want.dtype}), e.g. end with .astype(x.dtype, copy=False)")
    x64 = x.astype(np.float64)
    for text, alt in variants(x64):
        with np.errstate(all="ignore"):
            if close(got, np.asarray(alt, dtype=np.float64), dtype=want.dtype):
                return text
    return None


def _sigmoid_variants(x):
    s = _sigmoid64
    return [
        ("this is sigmoid(-x) = 1 - sigmoid(x): check the sign inside exp; "
         "sigmoid(x) = 1 / (1 + exp(-x))", s(-x)),
        ("this is tanh(x), not sigmoid(x) = 1 / (1 + exp(-x))", np.tanh(x)),
        ("this is exp(-x) / (1 + exp(x))-like: for x < 0 use e / (1 + e) with e = exp(-|x|) "
         "= exp(x); for x >= 0 use 1 / (1 + e)", np.where(x < 0, 1.0 / (1.0 + np.exp(-np.abs(x))),
                                                         s(x))),
    ]


def _tanh_variants(x):
    s = _sigmoid64
    return [
        ("this is sigmoid(x); tanh(x) = 2 * sigmoid(2 * x) - 1", s(x)),
        ("this is 2 * sigmoid(x) - 1 = tanh(x / 2): the argument of sigmoid is 2 * x",
         2 * s(x) - 1),
        ("the - 1 is missing: tanh(x) = 2 * sigmoid(2 * x) - 1", 2 * s(2 * x)),
        ("the factor 2 in front is missing: tanh(x) = 2 * sigmoid(2 * x) - 1", s(2 * x) - 1),
        ("the sign is flipped: tanh(x) = 2 * sigmoid(2 * x) - 1", 1 - 2 * s(2 * x)),
    ]


SIGMOID = FunctionSpec(
    name="sigmoid",
    signature="sigmoid(x)",
    returns="an array shaped like x",
    points=2.0,
    outputs=(("y", ()),),
    make_cases=lambda rng: _activation_cases(rng, big32=200.0),
    judge=_elementwise_judge("sigmoid", _sigmoid_variants),
)

TANH = FunctionSpec(
    name="tanh",
    signature="tanh(x)",
    returns="an array shaped like x",
    points=1.0,
    outputs=(("y", ()),),
    make_cases=lambda rng: _activation_cases(rng, big32=100.0),
    judge=_elementwise_judge("tanh", _tanh_variants),
)


# ---------------------------------------------------------------- 02: init, cell step

_GATES = ("i", "f", "g", "o")
_LAYOUT = ("PyTorch's layout stacks the gates as i, f, g, o: rows 0:H input gate i, H:2H forget "
           "gate f, 2H:3H candidate g, 3H:4H output gate o")


def _sizes(rng, lo=2, hi=7) -> tuple[int, int]:
    """(D, H) with D != H, so that a transposed weight cannot pass by accident."""
    H = int(rng.integers(lo, hi))
    D = int(rng.choice([d for d in range(lo, hi + 1) if d != H]))
    return D, H


def _init_cases(rng) -> list:
    D, H = _sizes(rng)
    D2, H2 = _sizes(rng)
    s = _seed(rng)
    fb = float(rng.choice([0.5, 2.0, -1.0, 3.0]))
    return [
        Case(f"init_lstm_params({D}, {H}, rng=...): keys, shapes, dtype float64, forget bias 1",
             (Call((D, H), {"rng": Rng(s)}), Call((D, H))), kind="layout"),
        Case(f"init_lstm_params({D2}, {H2}, dtype=np.float32): every array is float32",
             (Call((D2, H2), {"rng": Rng(s + 1), "dtype": DType("float32")}),), kind="layout"),
        Case(f"init_lstm_params({4 * H + 8}, {4 * H + 2}, forget_bias=None): values uniform "
             "in (-1/sqrt(H), 1/sqrt(H))",
             (Call((4 * H + 8, 4 * H + 2), {"rng": Rng(s + 2), "forget_bias": None}),),
             kind="range"),
        Case(f"init_lstm_params({D}, {H}, forget_bias={fb:g}): bias_ih[H:2H] + bias_hh[H:2H] "
             "== forget_bias",
             (Call((D, H), {"rng": Rng(s + 3), "forget_bias": fb}),), kind="layout"),
        Case("deterministic: the same rng seed gives the same parameters, another seed others",
             (Call((D, H), {"rng": Rng(s + 4)}), Call((D, H), {"rng": Rng(s + 4)}),
              Call((D, H), {"rng": Rng(s + 5)})), kind="deterministic"),
    ]


def _init_layout(call: Call, out: dict, *, spread: bool) -> tuple[list[str], str | None]:
    D, H = call.args[:2]
    dtype = np.dtype(call.kwargs["dtype"].name) if "dtype" in call.kwargs else np.dtype(np.float64)
    fb = call.kwargs.get("forget_bias", 1.0)
    want = {"weight_ih": (4 * H, D), "weight_hh": (4 * H, H), "bias_ih": (4 * H,),
            "bias_hh": (4 * H,)}
    problems = [f"{k} has shape {shape_str(out[k].shape)}, expected {shape_str(want[k])} "
                f"with D={D}, H={H}" for k in PARAM_KEYS if out[k].shape != want[k]]
    if problems:
        hint = None
        if out["weight_ih"].shape == (D, 4 * H) or out["weight_hh"].shape == (H, 4 * H):
            hint = "the weights are transposed: weight_ih is (4H, D) and weight_hh is (4H, H)"
        return problems, hint
    problems += [f"{k} has dtype {out[k].dtype}, expected {dtype}" for k in PARAM_KEYS
                 if out[k].dtype != dtype]
    hint = None
    k_ = 1.0 / np.sqrt(H)
    for name in PARAM_KEYS:
        a = out[name].astype(np.float64)
        mask = np.ones(a.shape[0], dtype=bool)
        if name.startswith("bias") and fb is not None:
            mask[H:2 * H] = False
        vals = a[mask]
        if not np.isfinite(vals).all():
            problems.append(f"{name} has nan/inf values")
            continue
        if np.abs(vals).max() > k_ * (1 + 1e-6):
            problems.append(f"{name} has values up to {np.abs(vals).max():.3g} in size, outside "
                            f"(-1/sqrt(H), 1/sqrt(H)) = (-{k_:.3g}, {k_:.3g})")
            hint = hint or ("draw every value from the uniform distribution U(-k, k) with "
                            "k = 1/sqrt(H), as torch.nn.LSTM does: rng.uniform(-k, k, size=...)")
        elif spread and name.startswith("weight") and (vals.max() < 0.7 * k_ or
                                                       vals.min() > -0.7 * k_):
            problems.append(f"{name} only spans [{vals.min():.3g}, {vals.max():.3g}]; values "
                            f"uniform in (-{k_:.3g}, {k_:.3g}) would fill that range")
            if np.abs(vals).max() <= 1 / np.sqrt(D) * (1 + 1e-6) < k_:
                hint = hint or "k = 1/sqrt(H), with H the hidden size (not the input size D)"
            else:
                hint = hint or "draw from U(-k, k) with k = 1/sqrt(H): rng.uniform(-k, k, size)"
        elif spread and vals.size >= 16 and np.abs(vals).max() < 0.3 * k_:
            problems.append(f"{name} is (nearly) constant: expected draws from U(-{k_:.3g}, "
                            f"{k_:.3g})")
    if fb is not None:
        total = out["bias_ih"][H:2 * H].astype(np.float64) + out["bias_hh"][H:2 * H]
        if not (np.abs(total - fb) <= 1e-6 * max(1.0, abs(fb))).all():
            problems.append(f"the forget gate's total bias bias_ih[H:2H] + bias_hh[H:2H] is "
                            f"{_brief(total)}, expected {fb:g} everywhere")
            if (np.abs(out["bias_ih"][:H] - fb) < 1e-6).all():
                hint = ("the forget bias was put into rows 0:H, the input gate; " + _LAYOUT)
            elif (np.abs(out["bias_ih"][H:2 * H] - fb) < 1e-6).all():
                hint = ("bias_ih[H:2H] is right but bias_hh[H:2H] is not 0: set it to 0 so that "
                        "the forget gate's total bias is forget_bias")
            else:
                hint = hint or ("set bias_ih[H:2H] = forget_bias and bias_hh[H:2H] = 0 after the "
                                "uniform draw (" + _LAYOUT + ")")
    return problems, hint


def _brief(a: np.ndarray) -> str:
    vals = np.unique(np.round(a, 4))
    return ", ".join(f"{v:g}" for v in vals[:4]) + (", ..." if vals.size > 4 else "")


def _init_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    v = failed("init_lstm_params", outcomes)
    if v:
        return v
    problems, hint = [], None
    for n, (call, o) in enumerate(zip(case.calls, outcomes, strict=False)):
        p, h = _init_layout(call, o.outputs, spread=case.kind == "range")
        if len(case.calls) > 1 and p:
            p = [f"call {n + 1}, {call.text('init_lstm_params')}: {q}" for q in p]
        problems += p
        hint = hint or h
    a, b, c = (o.outputs for o in outcomes) if case.kind == "deterministic" else (None,) * 3
    if a is not None and all(a[k].shape == b[k].shape == c[k].shape for k in PARAM_KEYS):
        if not all(np.array_equal(a[k], b[k]) for k in PARAM_KEYS):
            problems.append("two calls with the same seed, rng=default_rng(s), gave different "
                            "parameters")
            hint = ("draw every value from the rng argument (rng.uniform), not from np.random.* "
                    "or a new default_rng()") + (f"; also: {hint}" if hint else "")
        elif all(np.array_equal(a[k], c[k]) for k in PARAM_KEYS):
            problems.append("calls with different seeds gave the same parameters")
            hint = "draw every value from the rng argument (rng.uniform)" + (
                f"; also: {hint}" if hint else "")
    return Verdict(not problems, problems, hint)


def _cell_inputs(rng, B, D, H, dtype) -> tuple:
    # Weights larger than init_lstm_params's keep every gate away from saturation
    # and make each mistake (a swapped gate, a missing bias) show in the outputs.
    p = {"weight_ih": rng.normal(0, 0.6, (4 * H, D)), "weight_hh": rng.normal(0, 0.6, (4 * H, H)),
         "bias_ih": rng.normal(0, 0.6, 4 * H), "bias_hh": rng.normal(0, 0.6, 4 * H)}
    p = {k: v.astype(dtype) for k, v in p.items()}
    x = rng.normal(0, 1, (B, D)).astype(dtype)
    h_prev = rng.uniform(-1, 1, (B, H)).astype(dtype)
    c_prev = rng.normal(0, 1.5, (B, H)).astype(dtype)
    return x, h_prev, c_prev, p


def _cell_cases(rng) -> list:
    cases = []
    for label, B, dtype in (("", int(rng.integers(2, 6)), np.float64),
                            (", a batch of one", 1, np.float64),
                            (", float32 (h and c stay float32)", int(rng.integers(2, 6)),
                             np.float32),
                            ("", int(rng.integers(3, 7)), np.float64)):
        D, H = _sizes(rng)
        args = _cell_inputs(rng, B, D, H, dtype)
        cases.append(Case(f"B={B}, D={D}, H={H}{label}", (Call(args),)))
    return cases


def _cell_variants(x, h_prev, c_prev, p) -> list:
    """(likely mistake, h, c) for the common mistakes, computed independently of the learner."""
    f64 = lambda a: np.asarray(a, dtype=np.float64)  # noqa: E731
    x, h_prev, c_prev = f64(x), f64(h_prev), f64(c_prev)
    W, U, b, d = (f64(p[k]) for k in PARAM_KEYS)
    s, t = _sigmoid64, np.tanh

    def blocks(bias_ih=True, bias_hh=True):
        a = x @ W.T + h_prev @ U.T + (b if bias_ih else 0) + (d if bias_hh else 0)
        return np.split(a, 4, axis=1)

    def step(bl, acts=(s, s, t, s), c_rule="ok", h_rule="ok"):
        i, f, g, o = (act(a) for act, a in zip(acts, bl, strict=True))
        c = {"ok": f * c_prev + i * g, "no_f": c_prev + i * g, "no_cprev": i * g,
             "no_i": f * c_prev + g}[c_rule]
        h = {"ok": o * t(c), "cprev": o * t(c_prev), "no_tanh": o * c,
             "sigmoid": o * s(c)}[h_rule]
        return h, c

    A = blocks()
    out = []
    with np.errstate(all="ignore"):
        for perm in itertools.permutations(range(4)):
            if perm == (0, 1, 2, 3):
                continue
            layout = [""] * 4
            for j, blk in enumerate(perm):
                layout[blk] = _GATES[j]
            out.append((f"the gates are read from the blocks of the pre-activation in the order "
                        f"{', '.join(layout)}; {_LAYOUT}", *step([A[k] for k in perm])))
        names = ("input gate i", "forget gate f", "candidate g", "output gate o")
        for j in range(4):
            acts = [s, s, t, s]
            acts[j] = s if j == 2 else t
            wrong, right = ("sigmoid", "tanh (values in (-1, 1))") if j == 2 else \
                ("tanh", "sigmoid (values in (0, 1))")
            out.append((f"the {names[j]} uses {wrong}; it should use {right}",
                        *step(A, acts=tuple(acts))))
        out.append(("bias_ih is missing from the pre-activation: a = x W_ih^T + b_ih + "
                    "h_prev W_hh^T + b_hh", *step(blocks(bias_ih=False))))
        out.append(("bias_hh is missing from the pre-activation: a = x W_ih^T + b_ih + "
                    "h_prev W_hh^T + b_hh", *step(blocks(bias_hh=False))))
        out.append(("both biases are missing from the pre-activation: a = x W_ih^T + b_ih + "
                    "h_prev W_hh^T + b_hh", *step(blocks(False, False))))
        out.append(("h uses the old cell state: h = o * tanh(c) with the new c, not c_prev",
                    *step(A, h_rule="cprev")))
        out.append(("the tanh in h = o * tanh(c) is missing", *step(A, h_rule="no_tanh")))
        out.append(("h = o * tanh(c) uses sigmoid instead of tanh", *step(A, h_rule="sigmoid")))
        out.append(("the forget gate is missing: c = f * c_prev + i * g",
                    *step(A, c_rule="no_f")))
        out.append(("the old cell state is dropped: c = f * c_prev + i * g",
                    *step(A, c_rule="no_cprev")))
        out.append(("the input gate is missing: c = f * c_prev + i * g", *step(A, c_rule="no_i")))
        h, c = step(A)
        out.append(("h and c are swapped: return (h, c, cache), in that order", c, h))
    return out


def _cell_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    v = failed("lstm_cell_forward", outcomes)
    if v:
        return v
    args = case.calls[0].args
    h_ref, c_ref, _ = reference("lstm_cell_forward")(*(a.copy() if isinstance(a, np.ndarray)
                                                      else dict(a) for a in args))
    h, c = outcomes[0].outputs["h"], outcomes[0].outputs["c"]
    problems = compare_array("h", h, h_ref) + compare_array("c", c, c_ref)
    if not problems:
        return Verdict(True)
    dtype = h_ref.dtype
    hint = None
    if h.shape == h_ref.shape and c.shape == c_ref.shape:
        variants = _cell_variants(*args)
        for text, hv, cv in variants:
            if close(h, hv, dtype) and close(c, cv, dtype):
                hint = text
                break
        else:
            if close(c, c_ref, dtype) and not close(h, h_ref, dtype):
                hint = "c is right but h is not: h = o * tanh(c), with the new c"
            elif close(h, h_ref, dtype) and close(c, c_ref, dtype):
                hint = None  # dtype only; compare_array said so
            else:
                for text, _, cv in variants:
                    if close(c, cv, dtype):
                        hint = f"c matches this mistake: {text}"
                        break
    elif h.shape == c_ref.shape[::-1]:
        hint = "h and c have shape (H, B); they should be (B, H): x is (B, D), one row per example"
    return Verdict(False, problems, hint)


def _cell_returns() -> str:
    return "a tuple (h, c, cache) with h and c of shape (B, H)"


INIT_LSTM_PARAMS = FunctionSpec(
    name="init_lstm_params",
    signature="init_lstm_params(input_size, hidden_size, *, rng=None, dtype=np.float64, "
              "forget_bias=1.0)",
    returns="a dict with keys weight_ih (4H, D), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,)",
    points=2.0,
    outputs=tuple((k, (k,)) for k in PARAM_KEYS),
    make_cases=_init_cases,
    judge=_init_judge,
)

LSTM_CELL_FORWARD = FunctionSpec(
    name="lstm_cell_forward",
    signature="lstm_cell_forward(x, h_prev, c_prev, params)",
    returns=_cell_returns(),
    points=4.0,
    outputs=(("h", (0,)), ("c", (1,))),
    make_cases=_cell_cases,
    judge=_cell_judge,
)


EXERCISES = {
    e.key: e
    for e in (
        ExerciseSpec("01_gates_and_memory_cell", "Gates and the memory cell", (SIGMOID, TANH)),
        ExerciseSpec("02_one_lstm_step", "One LSTM step", (INIT_LSTM_PARAMS, LSTM_CELL_FORWARD)),
    )
}


def find_function(name: str) -> tuple[ExerciseSpec, FunctionSpec] | None:
    """The exercise and spec of a graded function, by its name."""
    for ex in EXERCISES.values():
        for f in ex.functions:
            if f.name == name:
                return ex, f
    return None


def run_judge(fspec: FunctionSpec, case: Case, outcomes: list[Outcome]) -> Verdict:
    """The judge's verdict; a judge that fails on odd outputs counts as a failed case."""
    try:
        return fspec.judge(case, outcomes)
    except Exception as err:  # noqa: BLE001 - outputs are untrusted, a judge must not crash
        return Verdict(False, [f"the outputs could not be compared: {type(err).__name__}: {err}"])
