"""Exercise 4, *Unrolling and layers*: ``lstm_forward``, a dense layer and ReLU, each with its
backward.

What the text asks of ``lstm_forward(x, h0, c0, params)``: ``hs`` (B, T, H) with ``hs[:, t]``
the hidden state after step t, and the last states ``(h_n, c_n)``, (B, H) each; h0 and c0
None meaning zeros; the dtype of x kept; inputs not modified; the cache is free. Of
``dense_forward(x, params)``: ``y = x W^T + b`` over the last axis of x (any number of leading
axes), in the dtype of the inputs, and the cache the tuple ``(x, weight)``. Of
``dense_backward(dy, cache)``: ``dx`` of the shape of x and ``{"weight": dW, "bias": db}``
summed over every leading axis, for the cache ``(x, weight)``. Of ``relu_forward(x)``:
``max(x, 0)`` and the cache ``(positive,)``, the mask x > 0. Of ``relu_backward(dy, cache)``:
dy where the mask is True, 0 elsewhere. Every backward is graded with the reference's cache,
so that a wrong forward costs only the forward.
"""

from __future__ import annotations

import numpy as np

from ..cases import Call, Case, Outcome, Verdict
from ..judging import close, compare_array, shape_str
from .spec import ExerciseSpec, FunctionSpec, reference


def _f64(a):
    return np.asarray(a, dtype=np.float64)


def _two(rng, lo=2, hi=7) -> tuple[int, int]:
    """Two different sizes, so that a transposed array cannot pass by accident."""
    a = int(rng.integers(lo, hi))
    b = int(rng.choice([d for d in range(lo, hi + 1) if d != a]))
    return a, b


def _dtype_hint(got, want) -> str:
    return (
        f"the values are right but {got} for {want} inputs: something promotes to float64 "
        "(np.zeros, np.ones and np.empty default to float64: pass dtype=x.dtype; or "
        ".astype(np.float64), np.float64 constants)"
    )


def _first(verdicts) -> tuple[str | None, str | None]:
    return next(((h, w) for h, w in verdicts if h or w), (None, None))


# ---------------------------------------------------------------- lstm_forward


def _lstm_inputs(rng, B, T, D, H, dtype, h0=True, c0=True):
    # Weights larger than init_lstm_params's keep the gates away from saturation,
    # so that a state not carried, or a step out of order, shows in the outputs.
    p = {
        "weight_ih": rng.normal(0, 0.6, (4 * H, D)),
        "weight_hh": rng.normal(0, 0.8, (4 * H, H)),
        "bias_ih": rng.normal(0, 0.5, 4 * H),
        "bias_hh": rng.normal(0, 0.5, 4 * H),
    }
    p = {k: v.astype(dtype) for k, v in p.items()}
    x = rng.normal(0, 1, (B, T, D)).astype(dtype)
    h = rng.uniform(-1, 1, (B, H)).astype(dtype) if h0 else None
    c = rng.normal(0, 1.5, (B, H)).astype(dtype) if c0 else None
    return x, h, c, p


def _lstm_cases(rng) -> list:
    cases = []
    for label, dtype, h0, c0 in (
        ("h0 and c0 given", np.float64, True, True),
        ("h0 = c0 = None (zeros)", np.float64, False, False),
        ("float32, h0 = c0 = None (hs stays float32)", np.float32, False, False),
        ("h0 given, c0 = None", np.float64, True, False),
        ("h0 and c0 given, float32", np.float32, True, True),
    ):
        B, T = _two(rng, 2, 6)
        D, H = _two(rng, 2, 6)
        args = _lstm_inputs(rng, B, T, D, H, dtype, h0, c0)
        cases.append(Case(f"B={B}, T={T}, D={D}, H={H}, {label}", (Call(args),)))
    return cases


def _cell(x, h, c, p):
    """The reference step, in float64."""
    h, c, _ = reference("lstm_cell_forward")(x, h, c, p)
    return h, c


def _run(x, h0, c0, p, *, carry_h=True, carry_c=True, order=None):
    """hs (B, T, H) and the last states, with the states carried or not, in float64."""
    x = _f64(x)
    p = {k: _f64(v) for k, v in p.items()}
    B, T, _ = x.shape
    H = p["weight_hh"].shape[1]
    h0 = np.zeros((B, H)) if h0 is None else _f64(h0)
    c0 = np.zeros((B, H)) if c0 is None else _f64(c0)
    h, c = h0, c0
    hs = []
    for t in range(T) if order is None else order:
        h_new, c_new = _cell(x[:, t], h if carry_h else h0, c if carry_c else c0, p)
        hs.append(h_new)
        h, c = h_new, c_new
    return np.stack(hs, axis=1), h, c


def _lstm_variants(x, h0, c0, p) -> list:
    """(likely mistake, hs) for the common mistakes, computed independently of the learner."""
    T = x.shape[1]
    hs, _, _ = _run(x, h0, c0, p)
    B, H = hs.shape[0], hs.shape[2]
    first = np.zeros((B, H)) if h0 is None else _f64(h0)
    out = [
        (
            "the state is not carried: every step starts from h0 and c0; after each step, the "
            "next one must receive the new h and c (h, c, cache = lstm_cell_forward(x[:, t], h, "
            "c, params))",
            _run(x, h0, c0, p, carry_h=False, carry_c=False)[0],
        ),
        (
            "h is not carried from one step to the next (c is): pass the new h to the next step",
            _run(x, h0, c0, p, carry_h=False)[0],
        ),
        (
            "c is not carried from one step to the next (h is): pass the new c to the next step",
            _run(x, h0, c0, p, carry_c=False)[0],
        ),
        (
            "hs holds h0 and misses the last step: append h after the step computes it, so "
            "that hs[:, t] is the state after step t",
            np.concatenate([first[:, None], hs[:, :-1]], axis=1),
        ),
        ("the steps run backwards in time: t goes 0, 1, ..., T-1", _run(x, h0, c0, p, order=range(T - 1, -1, -1))[0]),
        (
            "the steps run backwards in time: t goes 0, 1, ..., T-1, and hs[:, t] is the state after step t",
            _run(x, h0, c0, p, order=range(T - 1, -1, -1))[0][:, ::-1],
        ),
    ]
    return out


def _lstm_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    x, h0, c0, p = case.calls[0].args
    hs_ref, (h_ref, c_ref), _ = reference("lstm_forward")(
        *(a.copy() if isinstance(a, np.ndarray) else a for a in (x, h0, c0)), p
    )
    o = outcomes[0].outputs
    hs, h_n, c_n = o["hs"], o["h_n"], o["c_n"]
    problems = compare_array("hs", hs, hs_ref) + compare_array("h_n", h_n, h_ref) + compare_array("c_n", c_n, c_ref)
    if not problems:
        return Verdict(True)
    dtype = hs_ref.dtype
    B, T, H = hs_ref.shape
    if hs.shape != hs_ref.shape:
        if hs.shape == (B, T + 1, H):
            hint = "hs has T + 1 steps: it holds h0 as well; hs[:, t] is the state after step t, so leave h0 out"
        elif hs.shape == (T, B, H):
            hint = "hs is (T, B, H): stack the steps along axis 1, np.stack(hs, axis=1), to keep the batch first"
        elif hs.shape == (B, H):
            hint = "hs is every step's h, (B, T, H), not only the last one"
        else:
            hint = f"hs is (B, T, H) = {shape_str(hs_ref.shape)}"
        return Verdict(False, problems, hint)
    all_right = close(hs, hs_ref) and close(h_n, h_ref) and close(c_n, c_ref)
    if all_right:
        bad = next(n for n, a in (("hs", hs), ("h_n", h_n), ("c_n", c_n)) if a.dtype != dtype)
        return Verdict(False, problems, _dtype_hint(o[bad].dtype, dtype), f"the dtype of {bad}")
    if close(hs, hs_ref, dtype):
        if not close(h_n, h_ref, dtype):
            if h_n.shape == h_ref.shape and close(h_n, hs_ref[:, 0], dtype):
                hint = "h_n is the first step's h: return the last one, hs[:, -1]"
            elif h0 is not None and h_n.shape == h_ref.shape and close(h_n, np.asarray(h0)):
                hint = "h_n is h0: return the h of the last step"
            else:
                hint = "hs is right, h_n is not: h_n is the h of the last step, hs[:, -1]"
            return Verdict(False, problems, hint)
        if c_n.shape == c_ref.shape and close(c_n, h_ref, dtype):
            return Verdict(False, problems, "c_n is h_n: return (hs, (h, c), cache) with the last cell state c")
        if c0 is not None and c_n.shape == c_ref.shape and close(c_n, np.asarray(c0)):
            return Verdict(False, problems, "c_n is c0: return the c of the last step")
        return Verdict(False, problems, None, "c_n, the last cell state: hs and h_n are right")
    for text, alt in _lstm_variants(x, h0, c0, p):
        if close(hs, alt.astype(dtype), dtype):
            return Verdict(False, problems, text)
    if close(hs[:, 0], hs_ref[:, 0], dtype):
        t = int(next(k for k in range(T) if not close(hs[:, k], hs_ref[:, k], dtype)))
        return Verdict(
            False,
            problems,
            None,
            f"what step {t} receives from step {t - 1}: hs[:, :{t}] is right, "
            f"hs[:, {t}] is not; each step takes x[:, t] and the h and c of the "
            "step before",
        )
    return Verdict(
        False,
        problems,
        None,
        "the first step already: it takes x[:, 0] and the initial states, h0 and c0 "
        "(or zeros of shape (B, H) when they are None)",
    )


LSTM_FORWARD = FunctionSpec(
    name="lstm_forward",
    signature="lstm_forward(x, h0, c0, params)",
    returns="a tuple (hs, (h_n, c_n), cache) with hs of shape (B, T, H), h_n and c_n (B, H)",
    points=3.0,
    outputs=(("hs", (0,)), ("h_n", (1, 0)), ("c_n", (1, 1))),
    make_cases=_lstm_cases,
    judge=_lstm_judge,
    calls=("lstm_cell_forward",),
    error_hints=(
        (
            "got dtype object",
            "h0 and c0 may be None, which means zeros: np.zeros((B, H), dtype=x.dtype) with "
            "H = params['weight_hh'].shape[1]",
        ),
        (
            "must have shape (B, H) with",
            "lstm_cell_forward received arrays of mismatched shapes: step t of the batch is "
            "x[:, t], (B, D), since axis 1 is time; h0 and c0 are (B, H) with "
            "H = params['weight_hh'].shape[1]",
        ),
        ("x must have shape (B, D)", "step t of the batch is x[:, t], (B, D): x is (B, T, D), axis 1 is time"),
        ("need at least one array to stack", "hs is empty: the loop runs over the T steps, range(x.shape[1])"),
    ),
)


# ---------------------------------------------------------------- dense_forward


def _dense_inputs(rng, lead, I, O, dtype):
    x = rng.normal(0, 1, (*lead, I)).astype(dtype)
    p = {"weight": rng.normal(0, 0.7, (O, I)).astype(dtype), "bias": rng.normal(0, 1.0, O).astype(dtype)}
    return x, p


def _dense_cases(rng) -> list:
    cases = []
    for label, three, dtype, B in (
        ("x (B, I)", False, np.float64, None),
        ("x (B, T, I), hidden states of every step", True, np.float64, None),
        ("float32 (y stays float32)", False, np.float32, None),
        ("a batch of one", False, np.float64, 1),
        ("x (B, T, I), float32", True, np.float32, None),
    ):
        I, O = _two(rng)
        B = B or int(rng.choice([b for b in range(2, 7) if b not in (I, O)]))
        T = int(rng.choice([t for t in range(2, 6) if t not in (B, I, O)]))
        lead = (B, T) if three else (B,)
        x, p = _dense_inputs(rng, lead, I, O, dtype)
        cases.append(Case(f"{label}: x {shape_str(x.shape)}, I={I}, O={O}", (Call((x, p)),)))
    return cases


def _dense_variants(x, w, b) -> list:
    a = x @ w.T
    return [
        ("the bias is missing: y = x @ weight.T + bias", a),
        ("the bias is subtracted: y = x @ weight.T + bias", a - b),
        (
            "a dense layer has no activation of its own: y = x @ weight.T + bias, with no ReLU "
            "(the network applies relu_forward after it)",
            np.maximum(a + b, 0),
        ),
        ("a dense layer has no activation of its own: y = x @ weight.T + bias, with no tanh", np.tanh(a + b)),
        ("the bias is added twice", a + 2 * b),
    ]


def _dense_forward_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    x, p = case.calls[0].args
    y_ref, _ = reference("dense_forward")(x.copy(), p)
    o = outcomes[0].outputs
    y, cx, cw = o["y"], o["cache_x"], o["cache_weight"]
    problems = compare_array("y", y, y_ref)
    dtype = y_ref.dtype
    w, b = _f64(p["weight"]), _f64(p["bias"])
    hint = where = None
    if problems:
        O = w.shape[0]
        if y.shape != y_ref.shape:
            if y.shape == y_ref.shape[::-1] or y.shape == (O, *y_ref.shape[:-1]):
                hint = (
                    "y is transposed: x @ weight.T gives (..., O), one row per example; "
                    "weight.T @ x or weight @ x.T give (O, ...)"
                )
            elif y.shape == (int(np.prod(y_ref.shape[:-1])), O) and x.ndim > 2:
                hint = (
                    "y lost the leading axes of x: x @ weight.T works over the last axis "
                    "for any number of leading axes, (B, T, I) -> (B, T, O); no reshape "
                    "to 2-D is needed (or reshape back)"
                )
            else:
                hint = f"y has the shape of x with its last axis I replaced by O: {shape_str(y_ref.shape)}"
        elif close(y, y_ref):
            hint = _dtype_hint(y.dtype, dtype)
            where = "the dtype of y"
        else:
            with np.errstate(all="ignore"):
                for text, alt in _dense_variants(_f64(x), w, b):
                    if close(y, alt.astype(dtype), dtype):
                        hint = text
                        break
            if hint is None:
                where = "y = x @ weight.T + bias"
    # The cache: the tuple (x, weight) that dense_backward receives.
    cache_problems = []
    if cx.shape != x.shape or not close(cx.astype(np.float64), _f64(x)):
        cache_problems.append(f"cache[0] is {_what(cx)}, expected x, {shape_str(x.shape)}")
    if cw.shape != w.shape or not close(cw.astype(np.float64), w):
        cache_problems.append(f"cache[1] is {_what(cw)}, expected weight, {shape_str(w.shape)}")
    if cache_problems:
        problems += cache_problems
        if hint is None and where is None:
            if cx.shape == w.shape and cw.shape == x.shape:
                hint = "the cache is (x, weight), in that order"
            elif cx.shape == y_ref.shape:
                hint = "the cache holds the input x, not the output y: cache = (x, weight)"
            else:
                hint = "the cache is the tuple (x, weight), which dense_backward needs"
    if not problems:
        return Verdict(True)
    return Verdict(False, problems, hint, where)


def _what(a: np.ndarray) -> str:
    return f"an array {shape_str(a.shape)}" if a.ndim else f"{a.dtype} {a.item()!r}"


DENSE_FORWARD = FunctionSpec(
    name="dense_forward",
    signature="dense_forward(x, params)",
    returns="a tuple (y, cache) with y of shape (..., O) and cache the tuple (x, weight)",
    points=2.0,
    outputs=(("y", (0,)), ("cache_x", (1, 0)), ("cache_weight", (1, 1))),
    make_cases=_dense_cases,
    judge=_dense_forward_judge,
    error_hints=(
        (
            "mismatch in its core dimension",
            "a matrix product has mismatched shapes: weight is stored (O, I), so y = x @ "
            "weight.T, of shape (..., I) @ (I, O) = (..., O)",
        ),
        (
            "could not be broadcast together",
            "two arrays of different shapes meet: x @ weight.T is (..., O) and the bias (O,) adds to its last axis",
        ),
        ("KeyError", "params has the keys 'weight' (O, I) and 'bias' (O,)"),
        ("it returned an array", "return a tuple (y, cache), with cache = (x, weight): dense_backward needs both"),
    ),
)


# ---------------------------------------------------------------- dense_backward


def _dense_backward_cases(rng) -> list:
    cases = []
    for label, three, dtype in (
        ("x (B, I)", False, np.float64),
        ("x (B, T, I): sum over the batch and the steps", True, np.float64),
        ("float32 (the gradients stay float32)", False, np.float32),
        ("x (B, T, I), float32", True, np.float32),
        ("x (B, I), a larger batch", False, np.float64),
    ):
        I, O = _two(rng)
        B = (
            int(rng.choice([b for b in range(2, 7) if b not in (I, O)]))
            if "larger" not in label
            else int(rng.integers(8, 11))
        )
        T = int(rng.choice([t for t in range(2, 6) if t not in (B, I, O)]))
        lead = (B, T) if three else (B,)
        x, p = _dense_inputs(rng, lead, I, O, dtype)
        dy = rng.normal(0, 1, (*lead, O)).astype(dtype)
        cases.append(
            Case(
                f"{label}: dy {shape_str(dy.shape)}, x {shape_str(x.shape)}, weight {shape_str(p['weight'].shape)}",
                (Call((dy, (x, p["weight"]))),),
            )
        )
    return cases


def _dense_backward_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    dy, (x, w) = case.calls[0].args
    dx_ref, g = reference("dense_backward")(dy.copy(), (x.copy(), w.copy()))
    dw_ref, db_ref = g["weight"], g["bias"]
    o = outcomes[0].outputs
    dx, dw, db = o["dx"], o["dweight"], o["dbias"]
    problems = (
        compare_array("dx", dx, dx_ref)
        + compare_array("grads['weight']", dw, dw_ref)
        + compare_array("grads['bias']", db, db_ref)
    )
    if not problems:
        return Verdict(True)
    dtype = dx_ref.dtype
    O, I = w.shape
    N = int(np.prod(dy.shape[:-1]))
    B = dy.shape[0]
    findings = []
    if close(dx, dx_ref) and close(dw, dw_ref) and close(db, db_ref):
        bad = next(n for n, a in (("dx", dx), ("grads['weight']", dw), ("grads['bias']", db)) if a.dtype != dtype)
        return Verdict(
            False,
            problems,
            _dtype_hint(o[{"dx": "dx", "grads['weight']": "dweight", "grads['bias']": "dbias"}[bad]].dtype, dtype),
            f"the dtype of {bad}",
        )
    # dx
    if not close(dx, dx_ref, dtype):
        if dx.shape == dx_ref.shape and close(-dx, dx_ref, dtype):
            findings.append(("the sign of dx is flipped: dx = dy @ weight", None))
        elif dx.shape != dx_ref.shape:
            findings.append((f"dx has the shape of x, {shape_str(x.shape)}: dx = dy @ weight, (..., O) @ (O, I)", None))
        else:
            findings.append((None, "dx = dy @ weight"))
    # dweight
    if not close(dw, dw_ref, dtype):
        if dw.shape == (I, O) and close(dw.T, dw_ref, dtype):
            findings.append(
                (
                    "grads['weight'] is transposed: it has the shape of weight, "
                    "(O, I), dW = dy.T @ x (for 2-D dy and x)",
                    None,
                )
            )
        elif dw.shape == dw_ref.shape and close(dw * N, dw_ref, dtype):
            findings.append(
                (
                    "grads['weight'] is averaged over the batch: the gradient of a "
                    "weight shared by every example is the sum, dy.T @ x, not the "
                    "mean",
                    None,
                )
            )
        elif dw.shape == dw_ref.shape and close(dw * B, dw_ref, dtype) and N != B:
            findings.append(("grads['weight'] is averaged over the batch: sum, not mean", None))
        elif dw.shape == dw_ref.shape and close(-dw, dw_ref, dtype):
            findings.append(("the sign of grads['weight'] is flipped: dW = dy.T @ x", None))
        elif dy.ndim > 2 and dw.shape != dw_ref.shape:
            findings.append(
                (
                    "with a time axis, grads['weight'] still sums over every leading "
                    "axis: reshape dy to (N, O) and x to (N, I) first, N = B * T, then "
                    "dW = dy.T @ x, (O, I)",
                    None,
                )
            )
        elif dw.shape != dw_ref.shape:
            findings.append((f"grads['weight'] has the shape of weight, {shape_str(w.shape)}: dW = dy.T @ x", None))
        else:
            findings.append((None, "grads['weight'] = dy.T @ x, summed over the batch"))
    # dbias
    if not close(db, db_ref, dtype):
        d64 = _f64(dy)
        if db.shape == db_ref.shape:
            if close(db * N, db_ref, dtype):
                findings.append(
                    (
                        "grads['bias'] is averaged over the batch: the gradient of a "
                        "bias shared by every example is the sum of dy, not the mean",
                        None,
                    )
                )
            elif close(-db, db_ref, dtype):
                findings.append(("the sign of grads['bias'] is flipped", None))
            elif dy.ndim == 2 and close(db, d64.sum(axis=-1), dtype):
                findings.append(
                    (
                        "grads['bias'] is summed over the wrong axis: sum dy over the "
                        "batch, axis 0, giving one value per output, (O,)",
                        None,
                    )
                )
            else:
                findings.append((None, "grads['bias'] = dy summed over the batch"))
        elif db.shape == dy.shape:
            findings.append(
                (
                    "grads['bias'] is not summed over the batch: the bias is shared "
                    "by every example, so its gradient is the sum of dy over every "
                    "axis but the last, shape (O,)",
                    None,
                )
            )
        elif dy.ndim > 2 and db.shape == dy.shape[1:]:
            findings.append(
                (
                    "grads['bias'] is summed over axis 0 only: with a time axis, sum "
                    "dy over every axis but the last, shape (O,)",
                    None,
                )
            )
        elif db.shape == dy.shape[:-1] or db.shape == (B,):
            findings.append(
                (
                    "grads['bias'] is summed over the wrong axis: sum dy over the "
                    "batch (every axis but the last), giving one value per output, "
                    "(O,)",
                    None,
                )
            )
        elif db.shape == () or db.size == 1:
            findings.append(
                (
                    "grads['bias'] is one number: sum dy over every axis but the "
                    "last, giving one value per output, (O,)",
                    None,
                )
            )
        else:
            findings.append(
                (
                    f"grads['bias'] has the shape of the bias, (O,) = "
                    f"{shape_str(db_ref.shape)}: dy summed over the batch",
                    None,
                )
            )
    hint, where = _first(findings)
    return Verdict(False, problems, hint, where)


DENSE_BACKWARD = FunctionSpec(
    name="dense_backward",
    signature="dense_backward(dy, cache)",
    returns="a tuple (dx, grads) with grads a dict with keys 'weight' and 'bias'",
    points=2.0,
    outputs=(("dx", (0,)), ("dweight", (1, "weight")), ("dbias", (1, "bias"))),
    make_cases=_dense_backward_cases,
    judge=_dense_backward_judge,
    error_hints=(
        ("without the key", "grads has the keys of the parameters: 'weight' and 'bias' (not 'dweight', 'dW', ...)"),
        (
            "mismatch in its core dimension",
            "a matrix product has mismatched shapes: dy is (..., O) and weight (O, I), so "
            "dx = dy @ weight; dW = dy.T @ x, (O, N) @ (N, I), with dy and x reshaped to 2-D "
            "when they have a time axis",
        ),
        ("could not be broadcast together", "two arrays of different shapes meet: dx = dy @ weight, dW = dy.T @ x"),
    ),
)


# ---------------------------------------------------------------- relu_forward


def _relu_input(rng, shape, dtype):
    x = rng.normal(0, 2, shape)
    x.flat[rng.choice(x.size, size=max(2, x.size // 6), replace=False)] = 0.0  # the corner
    return x.astype(dtype)


def _relu_cases(rng) -> list:
    shapes = (
        (int(rng.integers(3, 6)), int(rng.integers(4, 8))),
        (int(rng.integers(2, 4)), int(rng.integers(3, 5)), int(rng.integers(4, 6))),
        (int(rng.integers(3, 6)), int(rng.integers(4, 8))),
        (int(rng.integers(5, 9)),),
    )
    labels = ("", ", hidden states of every step", ", float32 (y stays float32)", ", a vector")
    dtypes = (np.float64, np.float64, np.float32, np.float64)
    return [
        Case(f"x {shape_str(s)}{lab}, with some entries exactly 0", (Call((_relu_input(rng, s, d),)),))
        for s, lab, d in zip(shapes, labels, dtypes, strict=True)
    ]


def _relu_forward_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    (x,) = case.calls[0].args
    y_ref = np.maximum(x, np.zeros((), x.dtype))
    mask_ref = x > 0
    o = outcomes[0].outputs
    y, mask = o["y"], o["positive"]
    problems = compare_array("y", y, y_ref)
    hint = where = None
    x64 = _f64(x)
    if problems:
        if y.shape != y_ref.shape:
            hint = (
                "y has the shape of x: np.maximum(x, 0) works elementwise; np.max(x, 0) "
                "is the largest value along axis 0"
            )
        elif close(y, y_ref):
            hint, where = _dtype_hint(y.dtype, y_ref.dtype), "the dtype of y"
        else:
            for text, alt in (
                (
                    "ReLU keeps the positive part, max(x, 0); yours keeps the negative part, min(x, 0)",
                    np.minimum(x64, 0),
                ),
                ("ReLU is max(x, 0), not |x|: negative inputs give 0", np.abs(x64)),
                (
                    "ReLU gives 0 for x < 0, not a small slope (that is the leaky ReLU)",
                    np.where(x64 > 0, x64, 0.01 * x64),
                ),
                ("ReLU is not bounded above: max(x, 0), no clip at 1", np.clip(x64, 0, 1)),
            ):
                if close(y, alt.astype(y_ref.dtype), y_ref.dtype):
                    hint = text
                    break
            where = None if hint else "y = max(x, 0)"
    mask_ok = (
        mask.shape == mask_ref.shape
        and bool(np.all((mask != 0) == mask_ref))
        and set(np.unique(mask).tolist()) <= {0, 1}
    )
    if not mask_ok:
        problems.append(f"cache[0] is not the mask x > 0 ({_what(mask)}, expected a bool array {shape_str(x.shape)})")
        if hint is None and where is None:
            if mask.shape != mask_ref.shape:
                hint = "the cache is the tuple (positive,), with positive = x > 0, the shape of x"
            elif np.all((mask != 0) == (x >= 0)):
                hint = "the mask is x > 0, not x >= 0: at x == 0 the gradient is taken as 0, so 0 is not positive"
            elif np.all((mask != 0) == ~mask_ref) or np.all((mask != 0) == (x < 0)):
                hint = "the mask is inverted: positive = x > 0"
            elif close(mask, x) or close(mask, y_ref):
                hint = "the cache holds the mask positive = x > 0 (a bool array), not the values: cache = (x > 0,)"
            else:
                hint = "the cache is the tuple (positive,), with positive = x > 0"
    if not problems:
        return Verdict(True)
    return Verdict(False, problems, hint, where)


RELU_FORWARD = FunctionSpec(
    name="relu_forward",
    signature="relu_forward(x)",
    returns="a tuple (y, cache) with y the shape of x and cache the tuple (positive,)",
    points=1.0,
    outputs=(("y", (0,)), ("positive", (1, 0))),
    make_cases=_relu_cases,
    judge=_relu_forward_judge,
    error_hints=(
        ("it returned an array", "return a tuple (y, cache), with cache = (x > 0,): relu_backward needs the mask"),
    ),
)


# ---------------------------------------------------------------- relu_backward


def _relu_backward_cases(rng) -> list:
    cases = []
    for shape, label, dtype in (
        ((int(rng.integers(3, 6)), int(rng.integers(4, 8))), "", np.float64),
        ((2, 3, 4), ", with a time axis", np.float64),
        ((int(rng.integers(3, 6)), int(rng.integers(4, 8))), ", float32 (dx stays float32)", np.float32),
        ((int(rng.integers(5, 9)),), ", a vector", np.float64),
    ):
        dy = rng.normal(0, 1, shape).astype(dtype)
        positive = rng.random(shape) < 0.5
        positive.flat[0], positive.flat[-1] = True, False
        cases.append(Case(f"dy {shape_str(shape)}{label}", (Call((dy, (positive,))),)))
    return cases


def _relu_backward_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    dy, (positive,) = case.calls[0].args
    want = np.where(positive, dy, np.zeros((), dy.dtype))
    dx = outcomes[0].outputs["dx"]
    problems = compare_array("dx", dx, want)
    if not problems:
        return Verdict(True)
    if dx.shape != want.shape:
        return Verdict(
            False,
            problems,
            "dx has the shape of dy: keep every entry, with 0 "
            "where the mask is False (dy * positive, or "
            "np.where(positive, dy, 0)); dy[positive] keeps only "
            "some",
        )
    if close(dx, want):
        return Verdict(False, problems, _dtype_hint(dx.dtype, want.dtype), "the dtype of dx")
    d = _f64(dy)
    m = np.asarray(positive)
    lead = np.broadcast_to(m[0], m.shape) if m.ndim > 1 else m
    for text, alt in (
        ("dx ignores the mask: ReLU's gradient passes dy only where x > 0, 0 elsewhere", d),
        ("dx is the mask alone: multiply it by dy, dx = dy * positive", m.astype(float)),
        ("the mask is inverted: the gradient passes where x > 0 (positive is True)", np.where(m, 0, d)),
        (
            "ReLU is applied to dy: the gradient passes where x > 0, whatever the sign of dy; dx = dy * positive",
            np.maximum(d, 0),
        ),
        (
            "ReLU is applied to dy as well: the gradient passes where x > 0, whatever the "
            "sign of dy; dx = dy * positive",
            np.maximum(d, 0) * m,
        ),
        ("the gradient is 0 where x <= 0, not a small slope", np.where(m, d, 0.01 * d)),
        ("the mask of one row is used for every row: use the whole mask, positive", d * lead),
    ):
        if close(dx, alt.astype(want.dtype), want.dtype):
            return Verdict(False, problems, text)
    return Verdict(False, problems, None, "dx = dy where positive, 0 elsewhere")


RELU_BACKWARD = FunctionSpec(
    name="relu_backward",
    signature="relu_backward(dy, cache)",
    returns="dx, an array of the shape of dy",
    points=1.0,
    outputs=(("dx", ()),),
    make_cases=_relu_backward_cases,
    judge=_relu_backward_judge,
)


EXERCISE = ExerciseSpec(
    "04_unrolling_and_layers",
    "Unrolling and layers",
    (LSTM_FORWARD, DENSE_FORWARD, DENSE_BACKWARD, RELU_FORWARD, RELU_BACKWARD),
)
