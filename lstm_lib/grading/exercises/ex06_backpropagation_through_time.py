"""Exercise 6, *Backpropagation through time*: ``lstm_cell_backward``, ``lstm_backward``
and ``relative_error``.

What the text asks of ``lstm_cell_backward(dh, dc, cache)``: from the cache of
the given forward step, ``(dx, dh_prev, dc_prev, grads)`` with grads a dict of
the parameters' four keys, each gradient in its array's shape and in the
cache's dtype. Of ``lstm_backward(dhs, cache, dh_n=None, dc_n=None)``: the loop
over the steps from the last to the first on ``lstm_cell_backward`` (the
reference stands in for it while it is graded), ``dh_n``/``dc_n`` None meaning
zero, ``(dx (B, T, D), dh0, dc0, grads)``. Of ``relative_error(a, b)``: the
largest over the entries of |a - b| / max(|a|, |b|, 1e-12), one float.
"""

from __future__ import annotations

import itertools

import numpy as np

from ...numpy._checks import PARAM_KEYS
from ..cases import Call, Case, Outcome, Verdict
from ..judging import close, compare_array, shape_str
from .spec import ExerciseSpec, FunctionSpec, reference

_GATES = ("i", "f", "g", "o")
_GATE_NAMES = ("the input gate i", "the forget gate f", "the candidate g", "the output gate o")
_DERIVATIVE = (
    "da_i = di * i * (1 - i)",
    "da_f = df * f * (1 - f)",
    "da_g = dg * (1 - g**2)",
    "da_o = do * o * (1 - o)",
)
_LAYOUT = "concatenate [da_i, da_f, da_g, da_o] in the order i, f, g, o of the parameters' rows"


def _sizes(rng, lo=2, hi=6) -> tuple[int, int]:
    """(D, H) with D != H and D != 4H, so that a transposed gradient cannot pass."""
    H = int(rng.integers(lo, hi))
    D = int(rng.choice([d for d in range(lo, hi + 2) if d != H]))
    return D, H


def _params(rng, D, H, dtype):
    # Weights larger than init's keep the gates away from 0 and 1, so each mistake shows.
    p = {
        "weight_ih": rng.normal(0, 0.6, (4 * H, D)),
        "weight_hh": rng.normal(0, 0.6, (4 * H, H)),
        "bias_ih": rng.normal(0, 0.6, 4 * H),
        "bias_hh": rng.normal(0, 0.6, 4 * H),
    }
    return {k: v.astype(dtype) for k, v in p.items()}


def _f64(a):
    return np.asarray(a, dtype=np.float64)


def _nil(rng, a):
    """An array of a's shape that counts as zero (1e-30 in size, far below any tolerance) but,
    drawn afresh, never equals another case's: a probe's stand-in for zeros."""
    return (1e-30 * rng.uniform(0.5, 1.0, a.shape)).astype(a.dtype)


# ---------------------------------------------------------------- lstm_cell_backward

_CELL_OUTPUTS = (("dx", (0,)), ("dh_prev", (1,)), ("dc_prev", (2,)), *((f"grads[{k!r}]", (3, k)) for k in PARAM_KEYS))
_CELL_PROBES = {
    "dc": (
        "the h path: with dc zeroed your gradients are wrong, with dh zeroed they are right, "
        "so look at do = dh * tanh(c) and dc += dh * o * (1 - tanh(c)**2)"
    ),
    "dh": ("how the incoming dc is used: with dh zeroed your gradients are wrong, with dc zeroed they are right"),
}


def _cell_case_args(rng, B, D, H, dtype):
    p = _params(rng, D, H, dtype)
    x = rng.normal(0, 1, (B, D)).astype(dtype)
    h_prev = rng.uniform(-1, 1, (B, H)).astype(dtype)
    c_prev = rng.normal(0, 1.5, (B, H)).astype(dtype)
    _, _, cache = reference("lstm_cell_forward")(x, h_prev, c_prev, p)
    dh = rng.normal(0, 1, (B, H)).astype(dtype)
    dc = rng.normal(0, 1, (B, H)).astype(dtype)
    return dh, dc, cache


def _cell_cases(rng) -> list:
    cases = []
    for label, B, dtype in (
        ("", int(rng.integers(2, 6)), np.float64),
        (", a batch of one", 1, np.float64),
        (", float32 (the gradients stay float32)", int(rng.integers(2, 6)), np.float32),
        ("", int(rng.integers(3, 7)), np.float64),
    ):
        D, H = _sizes(rng)
        dh, dc, cache = _cell_case_args(rng, B, D, H, dtype)
        calls = (Call((dh, dc, cache)), Call((dh, _nil(rng, dc), cache)), Call((_nil(rng, dh), dc, cache)))
        cases.append(Case(f"B={B}, D={D}, H={H}{label}", calls, probes=tuple(_CELL_PROBES)))
    return cases


def _cell_backward64(
    dh,
    dc,
    cache,
    *,
    sig=(True,) * 4,
    tanh_g=True,
    tanh_c=True,
    h_path=True,
    dc_prev_rule="ok",
    order=(0, 1, 2, 3),
    db_rule="sum",
    do_rule="ok",
    df_rule="ok",
    swap_ig=False,
):
    """The reference backward in float64, with one thing changed for a known mistake."""
    x, h_prev, c_prev, i, f, g, o, c, tc, p = (
        _f64(v) if not isinstance(v, dict) else {k: _f64(a) for k, a in v.items()} for v in cache
    )
    dh, dc_in = _f64(dh), _f64(dc)
    do = dh * (tc if do_rule == "ok" else c)
    dc = dc_in + (dh * o * ((1 - tc**2) if tanh_c else (1 - tc)) if h_path else 0)
    df = dc * (c_prev if df_rule == "ok" else c)
    di, dg = (dc * i, dc * g) if swap_ig else (dc * g, dc * i)
    dc_prev = {"ok": dc * f, "nof": dc, "incoming": dc_in * f}[dc_prev_rule]
    gates = (i, f, g, o)
    ds = (di, df, dg, do)
    das = []
    for k in range(4):
        if k == 2:
            das.append(dg * ((1 - g**2) if tanh_g else (1 - g)))
        else:
            s = gates[k]
            das.append(ds[k] * (s * (1 - s) if sig[k] else s))
    da = np.concatenate([das[k] for k in order], axis=1)
    db = {"sum": da.sum(0), "mean": da.mean(0)}[db_rule]
    grads = {"weight_ih": da.T @ x, "weight_hh": da.T @ h_prev, "bias_ih": db, "bias_hh": db.copy()}
    return (da @ p["weight_ih"], da @ p["weight_hh"], dc_prev, grads)


def _flat(out) -> dict:
    dx, dh_prev, dc_prev, grads = out
    return {"dx": dx, "dh_prev": dh_prev, "dc_prev": dc_prev, **{f"grads[{k!r}]": grads[k] for k in PARAM_KEYS}}


def _cell_variants(dh, dc, cache) -> list:
    """(likely mistake, outputs) for the common mistakes."""
    out = []
    for k in (0, 1, 3):
        sig = [True] * 4
        sig[k] = False
        out.append(
            (
                f"the derivative of {_GATE_NAMES[k]} is written as s instead of s * (1 - s): {_DERIVATIVE[k]}",
                dict(sig=tuple(sig)),
            )
        )
    out.append(
        (
            "the sigmoid's derivative is written as s instead of s * (1 - s): "
            "sigma'(a) = s * (1 - s) with s = sigma(a)",
            dict(sig=(False, False, True, False)),
        )
    )
    out.append(
        (
            "the candidate's derivative is written as 1 - g instead of 1 - g**2: tanh'(a) = 1 - tanh(a)**2",
            dict(tanh_g=False),
        )
    )
    out.append(
        (
            "the derivative of tanh(c) in h = o * tanh(c) is written as 1 - tanh(c) instead of 1 - tanh(c)**2",
            dict(tanh_c=False),
        )
    )
    out.append(
        (
            "dc does not include the h path: dc = dc + dh * o * (1 - tanh(c)**2), because c "
            "reaches the loss through h = o * tanh(c) too",
            dict(h_path=False),
        )
    )
    out.append(
        (
            "dc_prev = dc: the memory update c = f * c_prev + i * g passes dc to c_prev "
            "multiplied by f, dc_prev = dc * f",
            dict(dc_prev_rule="nof"),
        )
    )
    out.append(
        (
            "dc_prev is computed from the incoming dc before the h path is added: first "
            "dc = dc + dh * o * (1 - tanh(c)**2), then dc_prev = dc * f",
            dict(dc_prev_rule="incoming"),
        )
    )
    out.append(("do = dh * c: h = o * tanh(c), so do = dh * tanh(c)", dict(do_rule="c")))
    out.append(("df = dc * c: c = f * c_prev + i * g, so df = dc * c_prev", dict(df_rule="c")))
    out.append(("di and dg are swapped: c = f * c_prev + i * g gives di = dc * g and dg = dc * i", dict(swap_ig=True)))
    out.append(
        (
            "the bias gradients are averaged over the batch: sum da over the batch (axis 0), da.sum(axis=0)",
            dict(db_rule="mean"),
        )
    )
    for perm in itertools.permutations(range(4)):
        if perm != (0, 1, 2, 3):
            names = ", ".join(_GATES[k] for k in perm)
            out.append((f"the gate blocks of da are concatenated in the order {names}; {_LAYOUT}", dict(order=perm)))
    results = []
    with np.errstate(all="ignore"):
        for text, kw in out:
            results.append((text, _flat(_cell_backward64(dh, dc, cache, **kw))))
    return results


def _reference_cell(args):
    return _flat(reference("lstm_cell_backward")(*args))


def _all_close(got: dict, want: dict, dtype) -> bool:
    return all(close(np.asarray(got[k]), np.asarray(want[k]), dtype) for k in want)


def _cell_where(case, outcomes, got, want, dtype) -> str:
    wrong = [k for k in want if not close(got[k], want[k], dtype)]
    right = {}
    for part, call, o in zip(case.probes, case.calls[case.graded :], outcomes[case.graded :], strict=False):
        if o.status == "ok":
            right[part] = _all_close(o.outputs, _reference_cell(call.args), dtype)
    if wrong == ["dc_prev"]:
        return "dc_prev: c = f * c_prev + i * g gives dc_prev = dc * f (with dc after the h path)"
    if wrong == ["dx"]:
        return "dx = da @ weight_ih: da is right (the weight gradients are)"
    if wrong == ["dh_prev"]:
        return "dh_prev = da @ weight_hh: da is right (the weight gradients are)"
    if set(wrong) <= {"grads['bias_ih']", "grads['bias_hh']"}:
        return "the bias gradients: both are da summed over the batch, da.sum(axis=0)"
    if set(wrong) <= {"grads['weight_ih']", "grads['weight_hh']"}:
        return "the weight gradients: da.T @ x (4H, D) and da.T @ h_prev (4H, H), sums over the batch of outer products"
    if right.get("dc"):
        return _CELL_PROBES["dc"]
    if right.get("dh"):
        return _CELL_PROBES["dh"]
    # da's blocks, read from the bias gradient (the sum of da over the batch).
    db, db_ref = _f64(got["grads['bias_ih']"]), _f64(want["grads['bias_ih']"])
    H = db_ref.shape[0] // 4
    if db.shape == db_ref.shape:
        bad = [k for k in range(4) if not close(db[k * H : (k + 1) * H], db_ref[k * H : (k + 1) * H], dtype)]
        if len(bad) == 1:
            k = bad[0]
            return (
                f"the block of {_GATE_NAMES[k]} (rows {k * H}:{(k + 1) * H}) of da: "
                f"{_DERIVATIVE[k]}; the other three blocks are right"
            )
    return (
        "da, the gradient of the pre-activation: check do, the h path into dc, the four "
        "products of c = f * c_prev + i * g and each gate's derivative"
    )


def _cell_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    args = case.calls[0].args
    want = _reference_cell(args)
    got = {k: np.asarray(v) for k, v in outcomes[0].outputs.items()}
    problems = [p for k in want for p in compare_array(k, got[k], want[k])]
    if not problems:
        return Verdict(True)
    dtype = want["dx"].dtype
    shapes_ok = all(got[k].shape == want[k].shape for k in want)
    if shapes_ok:
        if all(close(got[k], want[k]) for k in want):
            return Verdict(
                False,
                problems,
                f"the values are right but not in the cache's dtype {dtype}: keep "
                "every array in it (np.zeros and friends default to float64)",
                "the dtype of the gradients",
            )
        for text, variant in _cell_variants(*args):
            if _all_close(got, variant, dtype):
                return Verdict(False, problems, text)
        return Verdict(False, problems, None, _cell_where(case, outcomes, got, want, dtype))
    B, H = want["dh_prev"].shape
    D = want["dx"].shape[1]
    gw, gb = got["grads['weight_ih']"].shape, got["grads['bias_ih']"].shape
    if gw == (D, 4 * H) or got["grads['weight_hh']"].shape == (H, 4 * H) and H != 4 * H:
        hint = (
            "the weight gradients are transposed: dweight_ih = da.T @ x is (4H, D) and "
            "dweight_hh = da.T @ h_prev is (4H, H), the shapes of the weights"
        )
    elif gb == (B, 4 * H):
        hint = "the bias gradients are not summed over the batch: da.sum(axis=0), of shape (4H,)"
    else:
        hint = "every gradient has the shape of its array: dx (B, D), dh_prev and dc_prev (B, H), grads like params"
    bad = next(k for k in want if got[k].shape != want[k].shape)
    return Verdict(False, problems, hint, f"the shape of {bad}")


_CELL_ERRORS = (
    (
        "mismatch in its core dimension",
        "a matrix product has mismatched shapes: da is (B, 4H); dx = da @ weight_ih (B, D), "
        "dh_prev = da @ weight_hh (B, H), dweight_ih = da.T @ x (4H, D)",
    ),
    (
        "could not be broadcast together",
        "two arrays of different shapes meet: every gate, c, c_prev, dh and dc are (B, H), and "
        "da is (B, 4H), the four (B, H) blocks side by side",
    ),
    (
        "not enough values to unpack",
        "the cache is the CellCache of the given forward step: x, h_prev, c_prev, i, f, g, o, c, tanh_c, params",
    ),
    (
        "too many values to unpack",
        "the cache is the CellCache of the given forward step: x, h_prev, c_prev, i, f, g, o, c, tanh_c, params",
    ),
    ("KeyError", "grads has the parameters' keys: weight_ih, weight_hh, bias_ih, bias_hh"),
)

LSTM_CELL_BACKWARD = FunctionSpec(
    name="lstm_cell_backward",
    signature="lstm_cell_backward(dh, dc, cache)",
    returns="a tuple (dx, dh_prev, dc_prev, grads), grads a dict with the parameters' keys",
    points=4.0,
    outputs=_CELL_OUTPUTS,
    make_cases=_cell_cases,
    judge=_cell_judge,
    error_hints=_CELL_ERRORS,
)


# ---------------------------------------------------------------- lstm_backward

_LAYER_OUTPUTS = (("dx", (0,)), ("dh0", (1,)), ("dc0", (2,)), *((f"grads[{k!r}]", (3, k)) for k in PARAM_KEYS))
_LAYER_PROBES = {
    "dhs": (
        "how dhs enters: with dhs zeroed your gradients are right; at step t, dh is "
        "dhs[:, t] plus the dh_prev of step t + 1"
    ),
    "final": (
        "the start of the loop: with dh_n and dc_n zeroed your gradients are right, so "
        "start from dh = dh_n and dc = dc_n"
    ),
}


def _layer_case(rng, B, T, D, H, dtype, final: bool):
    p = _params(rng, D, H, dtype)
    x = rng.normal(0, 1, (B, T, D)).astype(dtype)
    h0 = rng.uniform(-1, 1, (B, H)).astype(dtype)
    c0 = rng.normal(0, 1, (B, H)).astype(dtype)
    _, _, cache = reference("lstm_forward")(x, h0, c0, p)
    dhs = rng.normal(0, 1, (B, T, H)).astype(dtype)
    if final:
        dh_n = rng.normal(0, 1, (B, H)).astype(dtype)
        dc_n = rng.normal(0, 1, (B, H)).astype(dtype)
        calls = (
            Call((dhs, cache, dh_n, dc_n)),
            Call((_nil(rng, dhs), cache, dh_n, dc_n)),
            Call((dhs, cache, _nil(rng, dh_n), _nil(rng, dc_n))),
        )
        return calls, tuple(_LAYER_PROBES)
    return (Call((dhs, cache)), Call((_nil(rng, dhs), cache))), ("dhs",)


def _layer_cases(rng) -> list:
    cases = []
    for label, B, dtype, final in (
        (", dh_n and dc_n given", int(rng.integers(2, 5)), np.float64, True),
        (", dh_n and dc_n None (zero)", int(rng.integers(2, 5)), np.float64, False),
        (", a batch of one, dh_n and dc_n given", 1, np.float64, True),
        (", float32 (the gradients stay float32)", int(rng.integers(2, 5)), np.float32, True),
    ):
        D, H = _sizes(rng)
        T = int(rng.choice([t for t in range(3, 7) if t != B]))
        calls, probes = _layer_case(rng, B, T, D, H, dtype, final)
        cases.append(Case(f"B={B}, T={T}, D={D}, H={H}{label}", calls, probes=probes))
    return cases


def _layer_backward64(
    dhs,
    cache,
    dh_n=None,
    dc_n=None,
    *,
    forwards=False,
    use_dhs=True,
    carry_dh=True,
    carry_dc=True,
    use_dh_n=True,
    use_dc_n=True,
    grads_rule="sum",
    dx_reversed=False,
    dhs_only_last=False,
):
    """The reference loop over time with one thing changed, on the reference cell."""
    cell = reference("lstm_cell_backward")
    steps = [
        s._replace(
            **{
                k: (_f64(v) if not isinstance(v, dict) else {n: _f64(a) for n, a in v.items()})
                for k, v in s._asdict().items()
            }
        )
        for s in cache.steps
    ]
    T = len(steps)
    dhs = _f64(dhs)
    B, H = steps[0].c.shape
    dh = _f64(dh_n) if dh_n is not None and use_dh_n else np.zeros((B, H))
    dc = _f64(dc_n) if dc_n is not None and use_dc_n else np.zeros((B, H))
    dc_start = dc
    dx = [None] * T
    grads = {k: np.zeros_like(v) for k, v in steps[0].params.items()}
    order = range(T) if forwards else reversed(range(T))
    for t in order:
        d_out = dhs[:, t] if use_dhs and (not dhs_only_last or t == T - 1) else 0
        dx[t], dh_new, dc_new, g = cell(d_out + (dh if carry_dh else 0), dc if carry_dc else dc_start, steps[t])
        dh, dc = dh_new, dc_new
        for k in grads:
            grads[k] = g[k] if grads_rule == "last" else grads[k] + g[k]
    if dx_reversed:
        dx = dx[::-1]
    return np.stack(dx, axis=1), dh, dc if carry_dc else dc_start, grads


def _layer_variants(args) -> list:
    out = [
        (
            "the loop runs forwards in time: backpropagation runs from the last step to the "
            "first, for t in reversed(range(T))",
            dict(forwards=True),
        ),
        (
            "dhs is not added: at step t, dh is dhs[:, t] (the output's gradient) plus the dh_prev of step t + 1",
            dict(use_dhs=False),
        ),
        (
            "the dh from step t + 1 is not added: at step t, dh is dhs[:, t] plus the dh_prev that step t + 1 returned",
            dict(carry_dh=False),
        ),
        (
            "dc is not carried from one step to the one before: pass the dc_prev that step t + 1 returned to step t",
            dict(carry_dc=False),
        ),
        (
            "dc is not carried from one step to the one before, and dc_n is ignored: start from "
            "dc = dc_n, then pass the dc_prev that step t + 1 returned to step t",
            dict(carry_dc=False, use_dc_n=False),
        ),
        ("dh_n is ignored: the loop starts from dh = dh_n (zero when None)", dict(use_dh_n=False)),
        ("dc_n is ignored: the loop starts from dc = dc_n (zero when None)", dict(use_dc_n=False)),
        (
            "dh_n and dc_n are ignored: the loop starts from dh = dh_n and dc = dc_n (zero when None)",
            dict(use_dh_n=False, use_dc_n=False),
        ),
        (
            "the weight gradients are not summed over the steps: the weights are shared by every "
            "step, so add each step's gradients",
            dict(grads_rule="last"),
        ),
        (
            "dx is stored in reverse time order: dx[:, t] is the gradient of x[:, t], so store "
            "step t's dx at position t",
            dict(dx_reversed=True),
        ),
        ("only the last step's dhs is used: every step's output has its gradient dhs[:, t]", dict(dhs_only_last=True)),
    ]
    res = []
    with np.errstate(all="ignore"):
        for text, kw in out:
            res.append((text, _flat(_layer_backward64(*args, **kw))))
    return res


def _reference_layer(args):
    dx, dh0, dc0, grads = reference("lstm_backward")(*args)
    return {"dx": dx, "dh0": dh0, "dc0": dc0, **{f"grads[{k!r}]": grads[k] for k in PARAM_KEYS}}


def _rename(d: dict) -> dict:
    return {("dh0" if k == "dh_prev" else "dc0" if k == "dc_prev" else k): v for k, v in d.items()}


def _layer_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    args = case.calls[0].args
    want = _reference_layer(args)
    got = {k: np.asarray(v) for k, v in outcomes[0].outputs.items()}
    problems = [p for k in want for p in compare_array(k, got[k], want[k])]
    if not problems:
        return Verdict(True)
    dtype = want["dx"].dtype
    if all(got[k].shape == want[k].shape for k in want):
        if all(close(got[k], want[k]) for k in want):
            return Verdict(
                False,
                problems,
                f"the values are right but not in the cache's dtype {dtype}: keep "
                "every array in it (np.zeros and friends default to float64)",
                "the dtype of the gradients",
            )
        for text, variant in _layer_variants(args):
            if _all_close(got, _rename(variant), dtype):
                return Verdict(False, problems, text)
        right = {}
        for part, call, o in zip(case.probes, case.calls[case.graded :], outcomes[case.graded :], strict=False):
            if o.status == "ok":
                right[part] = _all_close(o.outputs, _reference_layer(call.args), dtype)
        for part in ("final", "dhs"):
            if right.get(part):
                return Verdict(False, problems, None, _LAYER_PROBES[part])
        wrong = [k for k in want if not close(got[k], want[k], dtype)]
        if wrong == ["dx"]:
            return Verdict(False, problems, None, "dx: each step's dx goes to dx[:, t]")
        if set(wrong) <= {f"grads[{k!r}]" for k in PARAM_KEYS}:
            return Verdict(False, problems, None, "the sum of the steps' weight gradients")
        return Verdict(
            False,
            problems,
            None,
            "the loop over time: from t = T-1 down to 0, step t gets dh = dhs[:, t] "
            "+ the dh_prev of step t + 1 and dc = the dc_prev of step t + 1",
        )
    B, T = want["dx"].shape[:2]
    if got["dx"].shape[:2] == (T, B) and T != B:
        hint = "dx is stacked along the wrong axis: it is batch-first, (B, T, D), np.stack(dx, axis=1)"
    else:
        hint = "dx is (B, T, D), dh0 and dc0 (B, H), grads like params"
    bad = next(k for k in want if got[k].shape != want[k].shape)
    return Verdict(False, problems, hint, f"the shape of {bad}")


LSTM_BACKWARD = FunctionSpec(
    name="lstm_backward",
    signature="lstm_backward(dhs, cache, dh_n=None, dc_n=None)",
    returns="a tuple (dx, dh0, dc0, grads), grads a dict with the parameters' keys",
    points=3.0,
    outputs=_LAYER_OUTPUTS,
    make_cases=_layer_cases,
    judge=_layer_judge,
    calls=("lstm_cell_backward",),
    error_hints=(
        ("and 'NoneType'", "dh_n or dc_n is None: None means zero, start from np.zeros_like(...) then"),
        ("'NoneType' and", "dh_n or dc_n is None: None means zero, start from np.zeros_like(...) then"),
        (
            "is out of bounds for axis 0",
            "dhs is (B, T, H): the output's gradient at step t is dhs[:, t], of shape (B, H); "
            "dhs[t] would index the batch",
        ),
        (
            "could not be broadcast together",
            "dhs is (B, T, H): the output's gradient at step t is dhs[:, t], of shape (B, H)",
        ),
        (
            "has no attribute 'steps'",
            "the cache is the LSTMCache of the given forward pass: cache.steps[t] is step t's CellCache",
        ),
    ),
)


# ---------------------------------------------------------------- relative_error

_FLOOR = 1e-12


def _rel_cases(rng) -> list:
    def pair(shape, scale):
        a = rng.normal(0, scale, shape)
        b = a * (1 + rng.normal(0, 0.3, shape)) + rng.normal(0, 0.1 * scale, shape)
        return a, b

    a1, b1 = pair((3, 4), 1.0)
    a1[0, 0], b1[0, 0] = 0.0, 0.0  # both zero: counts as agreeing
    b1[1, 2] = abs(b1[1, 2]) + 0.5
    a1[1, 2] = -b1[1, 2]  # opposite signs, a - b < 0: the largest error, 2
    a2, b2 = pair((7,), 1e-3)
    a3, b3 = pair((2, 3, 2), 50.0)
    a3[0] = b3[0] = 0.0
    b3[1, 1, 1] = -3 * a3[1, 1, 1]
    a4, b4 = pair((5,), 1.0)
    b4 = b4 + 1e-9 * rng.normal(size=5)
    a4, b4 = a4 * 1e-14, b4 * 1e-14  # tiny: the floor decides
    a5 = rng.normal(0, 1, (4, 3))
    b5 = a5 + 1e-9 * rng.normal(0, 1, (4, 3))  # nearly equal, as a right gradient is
    return [
        Case("a and b (3, 4), one entry 0 in both, one of opposite signs", (Call((a1, b1)),)),
        Case("a and b (7,), entries around 1e-3", (Call((a2, b2)),)),
        Case("a and b (2, 3, 2), entries around 50, some 0 in both", (Call((a3, b3)),)),
        Case("a and b (5,), entries around 1e-14 (below the floor)", (Call((a4, b4)),)),
        Case("a and b (4, 3) nearly equal", (Call((a5, b5)),)),
    ]


def _rel_ref(a, b):
    a, b = _f64(a), _f64(b)
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), _FLOOR)))


def _rel_variants(a, b) -> list:
    a, b = _f64(a), _f64(b)
    d = np.abs(a - b)
    fl = _FLOOR
    with np.errstate(all="ignore"):
        out = [
            (
                "the denominator is |a| + |b|; this exercise uses max(|a|, |b|, 1e-12)",
                np.max(d / np.maximum(np.abs(a) + np.abs(b), fl)),
            ),
            (
                "the mean is taken over the entries; the relative error is the largest (np.max) over them",
                np.mean(d / np.maximum(np.maximum(abs(a), abs(b)), fl)),
            ),
            (
                "the errors are summed over the entries; the relative error is the largest (np.max) over them",
                np.sum(d / np.maximum(np.maximum(abs(a), abs(b)), fl)),
            ),
            ("the denominator is |a| only: divide by max(|a|, |b|, 1e-12)", np.max(d / np.maximum(np.abs(a), fl))),
            ("the denominator is |b| only: divide by max(|a|, |b|, 1e-12)", np.max(d / np.maximum(np.abs(b), fl))),
            (
                "the floor 1e-12 is missing from the denominator: max(|a|, |b|, 1e-12), so "
                "that two zeros count as equal (0 / 1e-12 = 0) instead of nan",
                np.max(d / np.maximum(abs(a), abs(b))),
            ),
            (
                "the floor is missing and nan is skipped: divide by max(|a|, |b|, 1e-12)",
                np.nanmax(d / np.maximum(abs(a), abs(b))),
            ),
            (
                "the absolute value of a - b is missing: |a - b|",
                np.max((a - b) / np.maximum(np.maximum(abs(a), abs(b)), fl)),
            ),
            (
                "the absolute values in the denominator are missing: max(|a|, |b|, 1e-12)",
                np.max(d / np.maximum(np.maximum(a, b), fl)),
            ),
            (
                "the denominator uses min instead of max: max(|a|, |b|, 1e-12)",
                np.max(d / np.maximum(np.minimum(abs(a), abs(b)), fl)),
            ),
            (
                "the norms of the whole arrays are used: the relative error here is entry by "
                "entry, the largest over the entries",
                np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), fl),
            ),
            (
                "the largest difference is divided by the largest value: divide entry by entry, then take the largest",
                d.max() / max(np.abs(a).max(), np.abs(b).max(), fl),
            ),
            (
                "the difference is squared: |a - b|, not (a - b)**2",
                np.max(d**2 / np.maximum(np.maximum(abs(a), abs(b)), fl)),
            ),
            ("there is no division: the relative error divides |a - b| by max(|a|, |b|, 1e-12)", np.max(d)),
            (
                "the floor is added to the denominator, not a lower bound: max(|a|, |b|, 1e-12)",
                np.max(d / (np.maximum(abs(a), abs(b)) + fl)),
            ),
        ]
    return out


def _rel_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    a, b = case.calls[0].args
    want = np.asarray(_rel_ref(a, b))
    got = np.asarray(outcomes[0].outputs["error"])
    if got.dtype.kind not in "biuf":
        return Verdict(False, [f"the result is not a number ({got.dtype})"], "return one float: float(np.max(...))")
    if got.shape != ():
        problems = [f"the result has shape {shape_str(got.shape)}; expected one number"]
        if got.shape == np.shape(a):
            return Verdict(
                False,
                problems,
                "the entries' relative errors are returned: return the largest of them, np.max(...), one float",
            )
        return Verdict(False, problems, "return one float, the largest entry's relative error")
    gv = float(got)
    wv = float(want)
    ok = abs(gv - wv) <= 1e-9 + 1e-6 * abs(wv)
    if ok:
        return Verdict(True)
    problems = [f"relative_error returned {gv:.6g}, expected {wv:.6g}"]
    for text, v in _rel_variants(a, b):
        v = float(v)
        if (np.isnan(gv) and np.isnan(v)) or abs(gv - v) <= 1e-9 + 1e-6 * abs(v):
            return Verdict(False, problems, text)
    return Verdict(
        False, problems, None, "the formula: the largest, over the entries, of |a - b| / max(|a|, |b|, 1e-12)"
    )


RELATIVE_ERROR = FunctionSpec(
    name="relative_error",
    signature="relative_error(a, b)",
    returns="one float",
    points=1.0,
    outputs=(("error", ()),),
    make_cases=_rel_cases,
    judge=_rel_judge,
)

EXERCISE = ExerciseSpec(
    "06_backpropagation_through_time",
    "Backpropagation through time",
    (LSTM_CELL_BACKWARD, LSTM_BACKWARD, RELATIVE_ERROR),
)

__all__ = ["EXERCISE", "LSTM_BACKWARD", "LSTM_CELL_BACKWARD", "RELATIVE_ERROR"]
