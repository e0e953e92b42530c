"""Exercise 3, *One LSTM step*: ``init_lstm_params`` and ``lstm_cell_forward``.

What the text asks of ``init_lstm_params``: the four arrays in PyTorch's
layout and shapes, every value from U(-k, k) with k = 1/sqrt(H) drawn from
``rng`` (a Generator, an int seed or None), the forget gate's total bias
``bias_ih[H:2H] + bias_hh[H:2H]`` equal to ``forget_bias`` unless it is None,
arrays of ``dtype``. Of ``lstm_cell_forward``: h and c of shape (B, H) from the
step's equations, in the dtype of the inputs (float32 stays float32), inputs
not modified.
"""

from __future__ import annotations

import itertools

import numpy as np

from ...numpy._checks import PARAM_KEYS
from ..cases import Call, Case, DType, Outcome, Rng, Verdict
from ..judging import close, compare_array, shape_str, tolerances
from .common import STEP_KEY_HINT, STEP_MATMUL_HINT, STEP_SPLIT_HINT, sigmoid64, step_shape_verdict
from .spec import ExerciseSpec, FunctionSpec, draw_seed, reference

_GATES = ("i", "f", "g", "o")
_GATE_NAMES = ("the input gate i", "the forget gate f", "the candidate g", "the output gate o")
_LAYOUT = (
    "PyTorch's layout stacks the gates as i, f, g, o: rows 0:H input gate i, H:2H forget "
    "gate f, 2H:3H candidate g, 3H:4H output gate o"
)


def _sizes(rng, lo=2, hi=7) -> tuple[int, int]:
    """(D, H) with D != H, so that a transposed weight cannot pass by accident."""
    H = int(rng.integers(lo, hi))
    D = int(rng.choice([d for d in range(lo, hi + 1) if d != H]))
    return D, H


# ---------------------------------------------------------------- init_lstm_params


def _init_cases(rng) -> list:
    D, H = _sizes(rng)
    D2, H2 = _sizes(rng)
    s = draw_seed(rng)
    fb = float(rng.choice([0.5, 2.0, -1.0, 3.0]))
    # D3 far from H3 and from 4 * H3, so that a k from the wrong size shows.
    H3 = int(rng.integers(20, 31))
    D3 = 3 * H3 + int(rng.integers(1, 9))
    return [
        Case(
            f"init_lstm_params({D}, {H}, rng=...) and with rng=None: keys, shapes, dtype float64, forget gate bias 1",
            (Call((D, H), {"rng": Rng(s)}), Call((D, H))),
            kind="layout",
        ),
        Case(
            f"init_lstm_params({D2}, {H2}, dtype=np.float32): every array is float32",
            (Call((D2, H2), {"rng": Rng(s + 1), "dtype": DType("float32")}),),
            kind="layout",
        ),
        Case(
            f"init_lstm_params({D3}, {H3}, forget_bias=None): every value uniform in [-1/sqrt(H), 1/sqrt(H)]",
            (Call((D3, H3), {"rng": Rng(s + 2), "forget_bias": None}),),
            kind="range",
        ),
        Case(
            f"init_lstm_params({D}, {H}, forget_bias={fb:g}): bias_ih[H:2H] + bias_hh[H:2H] == forget_bias",
            (Call((D, H), {"rng": Rng(s + 3), "forget_bias": fb}),),
            kind="layout",
        ),
        Case(
            "rng a Generator: the same seed gives the same parameters, another seed others",
            (Call((D, H), {"rng": Rng(s + 4)}), Call((D, H), {"rng": Rng(s + 4)}), Call((D, H), {"rng": Rng(s + 5)})),
            kind="deterministic",
        ),
        Case(
            f"rng an int seed, init_lstm_params({D}, {H}, rng={s % 1000}) twice: the same parameters",
            (Call((D, H), {"rng": s % 1000}), Call((D, H), {"rng": s % 1000})),
            kind="deterministic",
        ),
    ]


def _k_hint(vals: np.ndarray, D: int, H: int) -> str:
    """The likely mistake behind values outside, or short of, U(-k, k) with k = 1/sqrt(H)."""
    k = 1.0 / np.sqrt(H)
    kmax = float(np.abs(vals).max())
    if vals.min() >= 0:
        return (
            "the values are all >= 0: draw from U(-k, k), rng.uniform(-k, k, size=...); "
            "rng.random() and rng.uniform(size=...) draw from [0, 1)"
        )
    if vals.size >= 30 and float(np.abs(vals).mean()) < 0.42 * kmax:
        return (
            "the values look normally distributed: draw from the uniform distribution, "
            "rng.uniform(-k, k, size=...) with k = 1/sqrt(H)"
        )
    wrong = [
        (1 / np.sqrt(D), "k = 1/sqrt(H), with H the hidden size, not 1/sqrt(D) (D is the input size)"),
        (1 / H, "k = 1/sqrt(H), not 1/H"),
        (1 / D, "k = 1/sqrt(H), with H the hidden size, not 1/D"),
        (
            1 / np.sqrt(4 * H),
            "k = 1/sqrt(H) with H = hidden_size, not 1/sqrt(4H): the 4H rows are four gates of H each",
        ),
        (1.0, "draw from U(-k, k) with k = 1/sqrt(H), not from U(-1, 1)"),
        (np.sqrt(H), "k = 1/sqrt(H), not sqrt(H)"),
    ]
    # The largest of many uniform draws is within a few percent of the k they were drawn with.
    wrong = [w for w in wrong if abs(np.log(w[0] / k)) > 0.03]
    best = min(wrong, key=lambda w: abs(np.log(kmax / w[0])))
    if abs(np.log(kmax / best[0])) < 0.04:
        return best[1]
    return f"draw every value from U(-k, k) with k = 1/sqrt(H) = {k:.3g} for H = {H}; yours reach {kmax:.3g}"


def _forget_diagnosis(out: dict, H: int, fb: float) -> str:
    k = 1.0 / np.sqrt(H)
    b_ih, b_hh = (out[n].astype(np.float64) for n in ("bias_ih", "bias_hh"))
    bi, bh = b_ih[H : 2 * H], b_hh[H : 2 * H]

    def equal(a, v):
        return bool((np.abs(a - v) <= 1e-6 * max(1.0, abs(v))).all())

    for j in (0, 2, 3):
        if equal(b_ih[j * H : (j + 1) * H], fb) or equal(b_hh[j * H : (j + 1) * H], fb):
            return (
                f"forget_bias went into rows {j * H}:{(j + 1) * H}, {_GATE_NAMES[j]}; the "
                f"forget gate is rows H:2H ({_LAYOUT})"
            )
    if equal(bi, fb) and equal(bh, fb):
        return (
            "forget_bias was put in both bias_ih and bias_hh, so the forget gate's total "
            "bias is 2 * forget_bias: put 0 in bias_hh[H:2H]"
        )
    if equal(bi, fb):
        return (
            "bias_hh[H:2H] still holds its uniform draw: set it to 0, so that "
            "bias_ih[H:2H] + bias_hh[H:2H] is forget_bias"
        )
    if equal(bh, fb):
        return (
            "bias_ih[H:2H] still holds its uniform draw: set it to 0, so that "
            "bias_ih[H:2H] + bias_hh[H:2H] is forget_bias"
        )
    if (np.abs(bi - fb) <= k * (1 + 1e-6)).all() and np.ptp(bi) > 0:
        return (
            "forget_bias was added to the draw (bias_ih[H:2H] += forget_bias): set it "
            "instead, bias_ih[H:2H] = forget_bias and bias_hh[H:2H] = 0"
        )
    if (np.abs(bi) <= k * (1 + 1e-6)).all() and (np.abs(bh) <= k * (1 + 1e-6)).all():
        return (
            "the forget gate's bias was not set: after the draw, set bias_ih[H:2H] = forget_bias and bias_hh[H:2H] = 0"
        )
    return "set bias_ih[H:2H] = forget_bias and bias_hh[H:2H] = 0 after the uniform draw (" + _LAYOUT + ")"


def _init_layout(call: Call, out: dict, *, spread: bool) -> tuple[list[str], str | None, str | None]:
    """(problems, likely mistake, where) for one call's parameters."""
    D, H = call.args[:2]
    dtype = np.dtype(call.kwargs["dtype"].name) if "dtype" in call.kwargs else np.dtype(np.float64)
    fb = call.kwargs.get("forget_bias", 1.0)
    want = {"weight_ih": (4 * H, D), "weight_hh": (4 * H, H), "bias_ih": (4 * H,), "bias_hh": (4 * H,)}
    wrong = [k for k in PARAM_KEYS if out[k].shape != want[k]]
    if wrong:
        problems = [
            f"{k} has shape {shape_str(out[k].shape)}, expected {shape_str(want[k])} with D={D}, H={H}" for k in wrong
        ]
        w_ih, w_hh = out["weight_ih"].shape, out["weight_hh"].shape
        if w_ih == (D, 4 * H) or w_hh == (H, 4 * H):
            hint = "the weights are transposed: weight_ih is (4H, D) and weight_hh is (4H, H)"
        elif w_ih == (4 * D, H) or w_ih == (H, D) or w_ih == (4 * H, H) and D != H:
            hint = "input_size and hidden_size are mixed up: D = input_size, H = hidden_size, weight_ih is (4H, D)"
        elif any(out[k].shape[:1] == (H,) for k in wrong):
            hint = "the four gates are stacked: each array has 4H rows, H per gate i, f, g, o"
        else:
            hint = "weight_ih is (4H, D), weight_hh (4H, H), bias_ih and bias_hh (4H,)"
        return problems, hint, f"the shape of {wrong[0]}"
    problems, hint, where = [], None, None
    bad_dtype = [k for k in PARAM_KEYS if out[k].dtype != dtype]
    if bad_dtype:
        problems += [f"{k} has dtype {out[k].dtype}, expected {dtype}" for k in bad_dtype]
        hint = f"return every array in the dtype asked for ({dtype} here): end with .astype(dtype)"
        where = f"the dtype of {bad_dtype[0]}"
    k_ = 1.0 / np.sqrt(H)
    pooled = []
    for name in PARAM_KEYS:
        a = out[name].astype(np.float64)
        mask = np.ones(a.shape[0], dtype=bool)
        if name.startswith("bias") and fb is not None:
            mask[H : 2 * H] = False
        vals = a[mask]
        pooled.append(vals.ravel())
        if not np.isfinite(vals).all():
            problems.append(f"{name} has nan/inf values")
            where = where or f"the values of {name}"
            if fb is None and name.startswith("bias") and np.isnan(a[H : 2 * H]).all():
                hint = hint or (
                    "with forget_bias=None the forget gate keeps its uniform draw: "
                    "set the bias only if forget_bias is not None (NumPy stores "
                    "None as nan)"
                )
            continue
        if np.abs(vals).max() > k_ * (1 + 1e-6):
            problems.append(
                f"{name} has values up to {np.abs(vals).max():.3g} in size, outside "
                f"[-1/sqrt(H), 1/sqrt(H)] = [-{k_:.3g}, {k_:.3g}]"
            )
            where = where or f"the values of {name}"
        elif spread and name.startswith("weight") and (vals.max() < 0.7 * k_ or vals.min() > -0.7 * k_):
            problems.append(
                f"{name} only spans [{vals.min():.3g}, {vals.max():.3g}]; values "
                f"uniform in [-{k_:.3g}, {k_:.3g}] would fill that range"
            )
            where = where or f"the values of {name}"
    range_hint = None
    if any(p.startswith(("weight", "bias")) and ("outside" in p or "spans" in p) for p in problems):
        allv = np.concatenate(pooled)
        range_hint = _k_hint(allv[np.isfinite(allv)], D, H)
    if fb is not None:
        total = out["bias_ih"][H : 2 * H].astype(np.float64) + out["bias_hh"][H : 2 * H]
        if not (np.abs(total - fb) <= 1e-6 * max(1.0, abs(fb))).all():
            problems.append(
                f"the forget gate's total bias bias_ih[H:2H] + bias_hh[H:2H] is "
                f"{_brief(total)}, expected {fb:g} everywhere"
            )
            hint = _forget_diagnosis(out, H, fb)
            where = "rows H:2H of bias_ih and bias_hh (the forget gate)"
    return problems, hint or range_hint, where


def _brief(a: np.ndarray) -> str:
    vals = np.unique(np.round(a, 4))
    return ", ".join(f"{v:g}" for v in vals[:4]) + (", ..." if vals.size > 4 else "")


def _init_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    problems, hint, where = [], None, None
    for n, (call, o) in enumerate(zip(case.calls, outcomes, strict=False)):
        p, h, w = _init_layout(call, o.outputs, spread=case.kind == "range")
        if len(case.calls) > 1 and p:
            p = [f"call {n + 1}, {call.text('init_lstm_params')}: {q}" for q in p]
        problems += p
        hint, where = hint or h, where or w
    outs = [o.outputs for o in outcomes]
    if case.kind == "deterministic" and all(out[k].shape == outs[0][k].shape for out in outs for k in PARAM_KEYS):
        same = all(np.array_equal(outs[0][k], outs[1][k]) for k in PARAM_KEYS)
        seeded = isinstance(case.calls[0].kwargs["rng"], Rng)
        found = None
        if not same:
            problems.append("two calls with the same seed gave different parameters")
            found = (
                ("draw every value from the rng argument (rng.uniform), not from np.random.* or a new default_rng()")
                if seeded
                else (
                    "rng may be an int seed: np.random.default_rng(rng) turns a seed, None or a "
                    "Generator into a Generator; draw every value from it"
                )
            )
        elif len(outs) > 2 and all(np.array_equal(outs[0][k], outs[2][k]) for k in PARAM_KEYS):
            problems.append("calls with different seeds gave the same parameters")
            found = (
                "draw every value from the rng argument (rng.uniform): a fixed seed inside "
                "the function ignores the one it is given"
            )
        if found:
            hint = f"{hint}; also, {found}" if hint else found
            where = where or "where the values come from"
    return Verdict(not problems, problems, hint, where)


_RNG_HINT = (
    "rng may be a Generator, an int seed or None: rng = np.random.default_rng(rng) turns any of them into a Generator"
)

INIT_LSTM_PARAMS = FunctionSpec(
    name="init_lstm_params",
    signature="init_lstm_params(input_size, hidden_size, *, rng=None, dtype=np.float64, forget_bias=1.0)",
    returns="a dict with keys weight_ih (4H, D), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,)",
    points=2.0,
    outputs=tuple((k, (k,)) for k in PARAM_KEYS),
    make_cases=_init_cases,
    judge=_init_judge,
    error_hints=(
        ("object has no attribute 'uniform'", _RNG_HINT),
        ("object has no attribute 'random'", _RNG_HINT),
        ("object has no attribute 'normal'", _RNG_HINT),
        (
            "'NoneType'",
            "with forget_bias=None the forget gate keeps its uniform draw: set the "
            "bias only if forget_bias is not None",
        ),
        ("without the key", "the dict's keys are PyTorch's names: weight_ih, weight_hh, bias_ih, bias_hh"),
    ),
)


# ---------------------------------------------------------------- lstm_cell_forward

# Parts of the input that a probe zeroes, and the term of the step each one removes.
_PROBES = {
    "x": "the input term x @ W_ih.T: with x zeroed your step is right",
    "h_prev": "the recurrent term h_prev @ W_hh.T: with h_prev zeroed your step is right",
    "c_prev": (
        "the memory term f * c_prev (the forget gate f, or how it multiplies c_prev): "
        "with c_prev zeroed your step is right"
    ),
    "bias_ih": "how bias_ih enters the pre-activation: with bias_ih zeroed your step is right",
    "bias_hh": "how bias_hh enters the pre-activation: with bias_hh zeroed your step is right",
    "biases": "the biases: with bias_ih and bias_hh both zeroed your step is right",
    "state": (
        "the terms with h_prev and c_prev: with both zeroed (as at the first step of a sequence) your step is right"
    ),
}


def _zeroed(args: tuple, part: str) -> tuple:
    x, h_prev, c_prev, p = args
    p = dict(p)
    z = np.zeros_like
    if part == "x":
        x = z(x)
    elif part == "h_prev":
        h_prev = z(h_prev)
    elif part == "c_prev":
        c_prev = z(c_prev)
    elif part == "state":
        h_prev, c_prev = z(h_prev), z(c_prev)
    elif part == "biases":
        p["bias_ih"], p["bias_hh"] = z(p["bias_ih"]), z(p["bias_hh"])
    else:
        p[part] = z(p[part])
    return x, h_prev, c_prev, p


def _cell_inputs(rng, B, D, H, dtype) -> tuple:
    # Weights larger than init_lstm_params's keep every gate away from saturation
    # and make each mistake (a swapped gate, a missing bias) show in the outputs.
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


def _cell_cases(rng) -> list:
    cases = []
    for label, B, dtype in (
        ("", int(rng.integers(2, 6)), np.float64),
        (", a batch of one", 1, np.float64),
        (", float32 (h and c stay float32)", int(rng.integers(2, 6)), np.float32),
        ("", int(rng.integers(3, 7)), np.float64),
    ):
        D, H = _sizes(rng)
        args = _cell_inputs(rng, B, D, H, dtype)
        calls = (Call(args),) + tuple(Call(_zeroed(args, part)) for part in _PROBES)
        cases.append(Case(f"B={B}, D={D}, H={H}{label}", calls, probes=tuple(_PROBES)))
    return cases


def _gates(x, h_prev, c_prev, p):
    """The reference's i, f, g, o and pre-activation blocks, in float64."""
    f64 = lambda a: np.asarray(a, dtype=np.float64)  # noqa: E731
    a = f64(x) @ f64(p["weight_ih"]).T + f64(p["bias_ih"]) + f64(h_prev) @ f64(p["weight_hh"]).T + f64(p["bias_hh"])
    blocks = np.split(a, 4, axis=1)
    i, f, o = (sigmoid64(blocks[j]) for j in (0, 1, 3))
    return i, f, np.tanh(blocks[2]), o, blocks


def _cell_variants(x, h_prev, c_prev, p) -> list:
    """(likely mistake, h, c) for the common mistakes, computed independently of the learner."""
    f64 = lambda a: np.asarray(a, dtype=np.float64)  # noqa: E731
    x, h_prev, c_prev = f64(x), f64(h_prev), f64(c_prev)
    W, U, b, d = (f64(p[k]) for k in PARAM_KEYS)
    s, t = sigmoid64, np.tanh

    def blocks(bias_ih=True, bias_hh=True):
        a = x @ W.T + h_prev @ U.T + (b if bias_ih else 0) + (d if bias_hh else 0)
        return np.split(a, 4, axis=1)

    def step(bl, acts=(s, s, t, s), c_rule="ok", h_rule="ok"):
        i, f, g, o = (act(a) for act, a in zip(acts, bl, strict=True))
        c = {"ok": f * c_prev + i * g, "no_f": c_prev + i * g, "no_cprev": i * g, "no_i": f * c_prev + g}[c_rule]
        h = {"ok": o * t(c), "cprev": o * t(c_prev), "no_tanh": o * c, "sigmoid": o * s(c), "no_o": t(c)}[h_rule]
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
            out.append(
                (
                    f"the gates are read from the blocks of the pre-activation in the order "
                    f"{', '.join(layout)}; {_LAYOUT}",
                    *step([A[k] for k in perm]),
                )
            )
        for j in range(4):
            acts = [s, s, t, s]
            acts[j] = s if j == 2 else t
            wrong, right = ("sigmoid", "tanh (values in (-1, 1))") if j == 2 else ("tanh", "sigmoid (values in (0, 1))")
            out.append((f"{_GATE_NAMES[j]} uses {wrong}; it should use {right}", *step(A, acts=tuple(acts))))
        eq = "a = x W_ih^T + b_ih + h_prev W_hh^T + b_hh"
        out.append((f"bias_ih is missing from the pre-activation: {eq}", *step(blocks(bias_ih=False))))
        out.append((f"bias_hh is missing from the pre-activation: {eq}", *step(blocks(bias_hh=False))))
        out.append((f"both biases are missing from the pre-activation: {eq}", *step(blocks(False, False))))
        out.append(("h uses the old cell state: h = o * tanh(c) with the new c, not c_prev", *step(A, h_rule="cprev")))
        out.append(("the tanh in h = o * tanh(c) is missing", *step(A, h_rule="no_tanh")))
        out.append(("h = o * tanh(c) uses sigmoid instead of tanh", *step(A, h_rule="sigmoid")))
        out.append(("the output gate is missing: h = o * tanh(c)", *step(A, h_rule="no_o")))
        out.append(("the forget gate is missing: c = f * c_prev + i * g", *step(A, c_rule="no_f")))
        out.append(("the old cell state is dropped: c = f * c_prev + i * g", *step(A, c_rule="no_cprev")))
        out.append(("the input gate is missing: c = f * c_prev + i * g", *step(A, c_rule="no_i")))
        h, c = step(A)
        out.append(("h and c are swapped: return (h, c, cache), in that order", c, h))
    return out


def _near(got, want, dtype, factor=10.0) -> bool:
    """Close within ``factor`` times the dtype's tolerance: for quantities derived from outputs."""
    rtol, atol = tolerances(dtype)
    g, w = np.asarray(got, np.float64), np.asarray(want, np.float64)
    with np.errstate(all="ignore"):
        return g.shape == w.shape and bool((np.abs(g - w) <= factor * (atol + rtol * np.abs(w))).all())


def _reference_step(args):
    h, c, _ = reference("lstm_cell_forward")(
        *(a.copy() if isinstance(a, np.ndarray) else {k: v.copy() for k, v in a.items()} for a in args)
    )
    return h, c


def _cell_where(case: Case, outcomes: list[Outcome], h, c, h_ref, c_ref) -> str:
    """Which part of the step is wrong, from the reruns with parts of the input zeroed."""
    args = case.calls[0].args
    dtype = h_ref.dtype
    right = {}
    for part, call, o in zip(case.probes, case.calls[case.graded :], outcomes[case.graded :], strict=False):
        if o.status != "ok":
            continue
        hp, cp = _reference_step(call.args)
        right[part] = close(o.outputs["h"], hp, dtype) and close(o.outputs["c"], cp, dtype)
    if close(c, c_ref, dtype):
        return "h = o * tanh(c): c is right, h is not"
    if close(h, h_ref, dtype):
        return "the c you return: h is right, so c was right when h was computed from it; return the new c"
    for part in ("x", "h_prev", "c_prev", "bias_ih", "bias_hh"):
        if right.get(part):
            return _PROBES[part]
    i, f, g, o_gate, _ = _gates(*args)
    c_prev = np.asarray(args[2], dtype=np.float64)
    h_consistent = _near(h, o_gate * np.tanh(c.astype(np.float64)), dtype)
    zero_c = dict(zip(case.probes, outcomes[case.graded :], strict=False)).get("c_prev")
    if h_consistent and zero_c is not None and zero_c.status == "ok":
        c0 = zero_c.outputs["c"]
        if _near(c, c0, dtype) and not _near(f * c_prev, 0 * c_prev, dtype):
            return "the memory term f * c_prev of c = f * c_prev + i * g: your c does not change with c_prev"
        forget_ok = _near(c.astype(np.float64) - c0, f * c_prev, dtype)
        input_ok = _near(c0, i * g, dtype)
        if input_ok and not forget_ok:
            return (
                "the forget term f * c_prev of c = f * c_prev + i * g (the forget gate f, "
                "or how it multiplies c_prev); i * g and h = o * tanh(c) are right"
            )
        if forget_ok and not input_ok:
            return (
                "the term i * g of c = f * c_prev + i * g (the input gate i or the "
                "candidate g); f * c_prev and h = o * tanh(c) are right"
            )
        return "c = f * c_prev + i * g, both of its terms; h = o * tanh(c) is right for your c"
    for part in ("biases", "state"):
        if right.get(part):
            return _PROBES[part]
    if h_consistent:
        return "c = f * c_prev + i * g; h = o * tanh(c) is right for your c"
    return (
        "the gates: h and c are both off and zeroing no single part of the input explains "
        "it; check the split of the pre-activation into i, f, g, o and each gate's "
        "activation"
    )


def _cell_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    args = case.calls[0].args
    h_ref, c_ref = _reference_step(args)
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
                f"h and c are right but {h.dtype}/{c.dtype} for {dtype} inputs: "
                "something promotes to float64 (np.zeros, np.ones and np.empty "
                "default to float64: pass dtype=x.dtype; or .astype(np.float64), "
                "np.float64 constants)",
                "the dtype of h and c",
            )
        for text, hv, cv in _cell_variants(*args):
            if close(h, hv, dtype) and close(c, cv, dtype):
                return Verdict(False, problems, text)
        return Verdict(False, problems, None, _cell_where(case, outcomes, h, c, h_ref, c_ref))
    return step_shape_verdict(problems, h, c, h_ref, c_ref)


LSTM_CELL_FORWARD = FunctionSpec(
    name="lstm_cell_forward",
    signature="lstm_cell_forward(x, h_prev, c_prev, params)",
    returns="a tuple (h, c, cache) with h and c of shape (B, H)",
    points=4.0,
    outputs=(("h", (0,)), ("c", (1,))),
    make_cases=_cell_cases,
    judge=_cell_judge,
    calls=("sigmoid", "tanh"),
    error_hints=(
        STEP_MATMUL_HINT,
        STEP_SPLIT_HINT,
        (
            "could not be broadcast together",
            "two arrays of different shapes meet: the gates, c_prev and c are all (B, H), and "
            "the (B, 4H) pre-activation is split along axis 1 into four of them",
        ),
        STEP_KEY_HINT,
    ),
)

EXERCISE = ExerciseSpec("03_one_lstm_step", "One LSTM step", (INIT_LSTM_PARAMS, LSTM_CELL_FORWARD))
