"""Exercise 5, *Losses and outputs*: ``mse_loss`` and ``softmax_cross_entropy``.

What the text asks of ``mse_loss(pred, target)``: ``(loss, dpred)`` with the loss
one number, the mean of (pred - target)^2 over all N elements, and dpred =
2 (pred - target) / N of pred's shape and dtype (float32 stays float32), inputs
not modified. Of ``softmax_cross_entropy(logits, targets)``: ``(loss, dlogits)``
with logits (N, C) and targets (N,) class indices, the loss one number, the mean
over the N rows of -log softmax(logits)[n, targets[n]], dlogits =
(softmax(logits) - onehot(targets)) / N of shape (N, C) in the dtype of logits,
finite for logits as large as 1000 with no overflow, inputs not modified.
"""

from __future__ import annotations

import numpy as np

from ..cases import Call, Case, Outcome, Verdict
from ..judging import close, close_mask, compare_array, runtime_warnings, shape_str
from .spec import ExerciseSpec, FunctionSpec, reference

_F64 = np.float64


def _as_number(got: np.ndarray) -> np.ndarray:
    """A loss of one element as a 0-d array: a float, np.float64 and an array of one number
    all count as one number."""
    return got.reshape(()) if got.size == 1 else got


def _loss_problems(got: np.ndarray, want: float, dtype) -> list[str]:
    """The loss is one number, close to ``want`` within the tolerance of ``dtype``."""
    if got.shape != ():
        return [f"loss has shape {shape_str(got.shape)}, expected a single number (shape ())"]
    g = float(got)
    if not np.isfinite(g) and np.isfinite(want):
        return [f"loss is {g}, expected the finite value {want:.6g}"]
    if not close(np.asarray(g), np.asarray(want), dtype=dtype):
        return [f"loss is {g:.6g}, expected {want:.6g}"]
    return []


def _match(got: np.ndarray, alt, dtype) -> bool:
    alt = np.asarray(alt, dtype=_F64)
    if not np.isfinite(alt).all():  # a mistake that breaks down here explains nothing
        return False
    with np.errstate(all="ignore"):
        return got.shape == alt.shape and close(got.astype(_F64), alt, dtype=dtype)


def _diagnose(got_loss, got_grad, loss_variants, grad_variants, dtype):
    """The first known mistake that explains the loss, then the gradient."""
    for text, alt in loss_variants:
        if _match(got_loss, alt, dtype):
            return text
    for text, alt in grad_variants:
        if _match(got_grad, alt, dtype):
            return text
    return None


# ---------------------------------------------------------------- mse_loss


def _mse_cases(rng) -> list:
    B, T = (int(n) for n in rng.integers(2, 6, size=2))
    D = int(rng.choice([d for d in range(2, 7) if d not in (B, T)]))
    N2, D2 = int(rng.integers(5, 9)), int(rng.integers(2, 4))
    N3 = int(rng.integers(4, 8))
    return [
        Case(
            f"pred and target of shape ({B}, {T}, {D}), float64",
            (Call((rng.normal(0, 1, (B, T, D)), rng.normal(0, 1, (B, T, D)))),),
        ),
        Case(
            f"pred and target of shape ({N2}, {D2}), float64",
            (Call((rng.normal(1, 2, (N2, D2)), rng.normal(0, 1, (N2, D2)))),),
        ),
        Case(f"pred and target of shape ({N3},), float64", (Call((rng.normal(0, 3, N3), rng.normal(0, 1, N3))),)),
        Case(
            f"pred and target of shape ({B}, {D}), float32: dpred stays float32",
            (Call((rng.normal(0, 1, (B, D)).astype(np.float32), rng.normal(0, 1, (B, D)).astype(np.float32))),),
        ),
    ]


def _mse_variants(pred, target):
    d = pred.astype(_F64) - target.astype(_F64)
    N = d.size
    sq = d * d
    loss = [
        (
            "the loss is the sum of the squared differences: mse_loss takes their mean over all "
            "N elements, np.mean((pred - target) ** 2)",
            sq.sum(),
        ),
        ("the loss has no square: mean((pred - target) ** 2), not mean(pred - target)", d.mean()),
        (
            "the loss takes the absolute difference: mean((pred - target) ** 2), not mean(|pred - target|)",
            np.abs(d).mean(),
        ),
        ("the loss is the root of the mean squared error: no np.sqrt, mean((pred - target) ** 2)", np.sqrt(sq.mean())),
        ("the loss has a factor 1/2: mean((pred - target) ** 2) has none", sq.mean() / 2),
        (
            "the loss is divided by the first dimension only (sum / pred.shape[0]): divide by the "
            "number of elements N = pred.size, or use np.mean",
            sq.sum() / d.shape[0],
        ),
    ]
    if d.ndim > 1:
        loss.append(
            (
                "the loss is divided by the last dimension only (sum / pred.shape[-1]): "
                "divide by the number of elements N = pred.size, or use np.mean",
                sq.sum() / d.shape[-1],
            )
        )
    grad = [
        ("the gradient has the wrong sign: dpred = 2 (pred - target) / N, not 2 (target - pred) / N", -2 * d / N),
        (
            "the factor 2 is missing from the gradient: the derivative of (pred - target)^2 is "
            "2 (pred - target), so dpred = 2 (pred - target) / N",
            d / N,
        ),
        (
            "the gradient is not divided by N: the loss is a mean over N = pred.size elements, "
            "so dpred = 2 (pred - target) / N",
            2 * d,
        ),
        ("the gradient is divided by N twice: dpred = 2 (pred - target) / N, once", 2 * d / N / N),
        (
            "the gradient is divided by the first dimension only (pred.shape[0]): divide by the "
            "number of elements N = pred.size",
            2 * d / d.shape[0],
        ),
    ]
    if d.ndim > 1:
        grad.append(
            (
                "the gradient is divided by the last dimension only (pred.shape[-1]): "
                "divide by the number of elements N = pred.size",
                2 * d / d.shape[-1],
            )
        )
    return loss, grad


def _mse_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    pred, target = case.calls[0].args
    want_loss, want_grad = reference("mse_loss")(pred.copy(), target.copy())
    got_loss, got_grad = _as_number(outcomes[0].outputs["loss"]), outcomes[0].outputs["dpred"]
    dtype = pred.dtype
    problems = _loss_problems(got_loss, want_loss, dtype) + compare_array("dpred", got_grad, want_grad)
    if not problems:
        return Verdict(True)
    loss_ok = got_loss.shape == () and close(got_loss.astype(_F64), np.asarray(want_loss), dtype=dtype)
    grad_values_ok = got_grad.shape == want_grad.shape and close(got_grad, want_grad)
    if got_loss.shape != ():
        axis = "over one axis (np.mean(..., axis=...))" if got_loss.size > 1 else "as an array"
        return Verdict(
            False,
            problems,
            f"the loss is one number, the mean over all N elements: np.mean(...) "
            f"with no axis; yours is computed {axis}, shape {shape_str(got_loss.shape)}",
            "the loss",
        )
    if got_grad.shape != want_grad.shape:
        return Verdict(
            False,
            problems,
            f"dpred has the shape of pred, {shape_str(pred.shape)}: "
            "2 * (pred - target) / pred.size, with no sum and no mean",
            "dpred",
        )
    if loss_ok and grad_values_ok:
        return Verdict(
            False,
            problems,
            f"the values are right but dpred is {got_grad.dtype} for {dtype} inputs: "
            "something promotes to float64 (np.float64 constants, .astype(np.float64),"
            " np.asarray(..., dtype=float)); 2 * (pred - target) / pred.size with "
            "plain Python numbers keeps the dtype",
            "the dtype of dpred",
        )
    loss_v, grad_v = _mse_variants(pred, target)
    hint = _diagnose(
        got_loss if not loss_ok else np.asarray(np.nan),
        got_grad if not grad_values_ok else np.full(want_grad.shape, np.nan),
        loss_v,
        grad_v,
        dtype,
    )
    if hint:
        return Verdict(False, problems, hint)
    if loss_ok:
        where = "the gradient dpred = 2 (pred - target) / N: the loss is right, dpred is not"
    elif grad_values_ok:
        where = "the loss, mean((pred - target) ** 2): dpred is right, the loss is not"
    else:
        where = (
            "both the loss and dpred: start with the loss, mean((pred - target) ** 2) over "
            "all elements, then its gradient 2 (pred - target) / N"
        )
    return Verdict(False, problems, None, where)


MSE_LOSS = FunctionSpec(
    name="mse_loss",
    signature="mse_loss(pred, target)",
    returns="a tuple (loss, dpred): the loss a single number, dpred shaped like pred",
    points=2.0,
    outputs=(("loss", (0,)), ("dpred", (1,))),
    make_cases=_mse_cases,
    judge=_mse_judge,
    error_hints=(
        (
            "could not be broadcast together",
            "pred and target have the same shape: subtract them elementwise, pred - target, "
            "with no reshape and no transpose",
        ),
    ),
)


# ---------------------------------------------------------------- softmax_cross_entropy

_OVERFLOW = (
    "np.exp overflows for large logits (exp(z) is inf above about 709 in float64, 88 "
    "in float32, and inf / inf is nan): subtract each row's maximum first, "
    "z - z.max(axis=1, keepdims=True); the softmax does not change, and no exp "
    "exceeds 1"
)
_LOG0 = (
    "the log of 0: a probability that rounds to 0 (exp(-800) is 0 in float64) gives "
    "log(p) = -inf. Take the log-softmax directly, log p = (z - m) - "
    "log(sum(exp(z - m))) with m the row's maximum, instead of np.log(softmax)"
)

_GLOBAL_MAX = (
    "the maximum is subtracted for the whole array (z.max()), not per row: a row far "
    "below it has every exp round to 0, and 0 / 0 or log(0) follows; subtract each "
    "row's own maximum, z - z.max(axis=1, keepdims=True)"
)


def _logits(rng, N, C, scale=2.5):
    return rng.normal(0, scale, (N, C))


def _sce_cases(rng) -> list:
    def sizes(lo, hi):
        N = int(rng.integers(lo, hi))
        C = int(rng.choice([c for c in range(3, 8) if c != N]))
        return N, C

    N1, C1 = sizes(4, 8)
    N2, C2 = sizes(5, 9)
    N3, C3 = sizes(4, 7)
    N4, C4 = sizes(4, 7)
    N5, C5 = sizes(3, 6)
    big = _logits(rng, N2, C2)
    rows = rng.permutation(N2)[: max(2, N2 // 2)]
    big[rows] += rng.choice([-1, 1], size=(rows.size, 1)) * rng.uniform(700, 1000, (rows.size, 1))
    t2 = rng.integers(0, C2, N2)
    low = _logits(rng, N4, C4)
    t4 = rng.integers(0, C4, N4)
    # In some rows the right class's logit lies 750 to 900 below the others: p rounds to 0.
    far = rng.permutation(N4)[: max(2, N4 // 2)]
    low[far, t4[far]] = low[far].max(axis=1) - rng.uniform(750, 900, far.size)
    # Targets that repeat a class: an indexing mistake that treats them as a set shows.
    t1 = rng.integers(0, C1, N1)
    t1[rng.integers(1, N1)] = t1[0]
    return [
        Case(f"logits ({N1}, {C1}), targets ({N1},), float64", (Call((_logits(rng, N1, C1), t1)),)),
        Case(f"logits ({N2}, {C2}) with some rows near +-1000: finite, no overflow", (Call((big, t2)),)),
        Case(
            f"logits ({N3}, {C3}), float32: dlogits stays float32",
            (Call((_logits(rng, N3, C3).astype(np.float32), rng.integers(0, C3, N3))),),
        ),
        Case(
            f"logits ({N4}, {C4}) where the right class has probability below exp(-700): the loss is large but finite",
            (Call((low, t4)),),
        ),
        Case(f"logits ({N5}, {C5}), float64", (Call((_logits(rng, N5, C5, 1.0), rng.integers(0, C5, N5))),)),
    ]


def _log_softmax64(z, axis=1):
    z = np.asarray(z, _F64)
    s = z - z.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


def _sce_variants(z, t):
    z = np.asarray(z, _F64)
    N, C = z.shape
    rows = np.arange(N)
    logp = _log_softmax64(z)
    p = np.exp(logp)
    onehot = np.eye(C)[t]
    loss_ref = -logp[rows, t].mean()
    with np.errstate(all="ignore"):
        logp0 = _log_softmax64(z, axis=0)
        p0 = np.exp(logp0)
        shifted0 = z - z.max(axis=0, keepdims=True)
        logp_s0 = shifted0 - np.log(np.exp(shifted0).sum(axis=1, keepdims=True))
    loss = [
        (
            "the loss is the sum over the N examples: softmax_cross_entropy takes the mean over N, "
            "-np.mean(log_probs[np.arange(N), targets])",
            N * loss_ref,
        ),
        (
            "the loss is a mean over all N * C entries (for example np.mean(onehot * log_probs)): "
            "it is the mean over the N examples, the sum over C picks the one right class",
            loss_ref / C,
        ),
        (
            "the softmax is taken over the wrong axis (axis=0, over the N examples): each row of "
            "logits is one example, so normalise over its C classes, axis=1",
            -logp0[rows, t].mean(),
        ),
        (
            "the maximum is subtracted per column (axis=0); subtract each row's maximum, "
            "z.max(axis=1, keepdims=True): only a constant per row leaves the softmax unchanged",
            -logp_s0[rows, t].mean(),
        ),
        (
            "the loss picks the wrong entries: log_probs[:, targets] is an (N, N) array of every "
            "row at every target; take one entry per row, log_probs[np.arange(N), targets]",
            -logp[:, t].mean(),
        ),
        ("the loss uses the sign-flipped log: loss = -mean(log p of the right class), a positive number", -loss_ref),
        ("the loss uses log base 2 or 10: cross-entropy uses the natural log, np.log", loss_ref / np.log(2)),
        ("the loss uses log base 2 or 10: cross-entropy uses the natural log, np.log", loss_ref / np.log(10)),
        (
            "the loss is -mean of the right class's logit, without the log-sum-exp: log p_y = z_y "
            "- log(sum_j exp(z_j))",
            -z[rows, t].mean(),
        ),
        (
            "the loss is 1 - the mean probability of the right class: cross-entropy is -mean(log p)",
            1 - p[rows, t].mean(),
        ),
    ]
    d_ref = (p - onehot) / N
    wrong_cols = p.copy()
    wrong_cols[:, t] -= 1  # fancy-index -= 1 once per distinct target, in every row
    grad = [
        ("the gradient has the wrong sign: dlogits = (softmax - onehot) / N, not (onehot - softmax) / N", -d_ref),
        (
            "the gradient is not divided by N: the loss is a mean over the N examples, so "
            "dlogits = (softmax - onehot) / N",
            p - onehot,
        ),
        (
            "the gradient is divided by N * C: the loss is a mean over the N examples only, so "
            "dlogits = (softmax - onehot) / N",
            d_ref / C,
        ),
        (
            "the gradient is divided by C, not N: dlogits = (softmax - onehot) / N with N the number of rows",
            (p - onehot) / C,
        ),
        ("the gradient is divided by N twice: dlogits = (softmax - onehot) / N, once", d_ref / N),
        (
            "the one-hot of the target is missing from the gradient: dlogits = (softmax - onehot) "
            "/ N, subtract 1 at [n, targets[n]]",
            p / N,
        ),
        (
            "the 1 is subtracted in the wrong places: dlogits[:, targets] -= 1 changes every row "
            "in every target's column; subtract it once per row, at "
            "dlogits[np.arange(N), targets]",
            wrong_cols / N,
        ),
        (
            "the softmax in the gradient is taken over the wrong axis (axis=0, over the N "
            "examples): normalise each row over its C classes, axis=1",
            (p0 - onehot) / N,
        ),
        (
            "the gradient is the softmax minus the one-hot of the wrong class (an off-by-one in "
            "the targets?): subtract 1 at [n, targets[n]]",
            (p - np.eye(C)[(t + 1) % C]) / N,
        ),
    ]
    return loss, grad


def _sce_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    z, t = case.calls[0].args
    want_loss, want_grad = reference("softmax_cross_entropy")(z.copy(), t.copy())
    got_loss = _as_number(outcomes[0].outputs["loss"])
    got_grad = outcomes[0].outputs["dlogits"]
    dtype = z.dtype
    problems = _loss_problems(got_loss, want_loss, dtype) + compare_array("dlogits", got_grad, want_grad)
    warns = runtime_warnings(outcomes[: case.graded])
    overflows = [w for w in warns if "overflow" in w]
    if overflows:
        problems.append(f"NumPy warned while softmax_cross_entropy ran: {overflows[0]}")
    if not problems:
        return Verdict(True)
    N, C = z.shape
    if got_loss.shape != ():
        if got_loss.shape in ((N,), (N, 1)):
            hint = (
                "the loss is one number, the mean over the N examples: you return one loss "
                "per example; take np.mean of them"
            )
        elif got_loss.shape in ((C,), (1, C)):
            hint = (
                "the mean is taken over the wrong axis (over the C classes, axis=1): the "
                "loss is the mean over the N examples of -log p of each one's right class"
            )
        else:
            hint = (
                f"the loss is one number, shape (); yours has shape "
                f"{shape_str(got_loss.shape)}: pick one log-probability per row, "
                "log_probs[np.arange(N), targets], and take their mean"
            )
        return Verdict(False, problems, hint, "the loss")
    if got_grad.shape != want_grad.shape:
        hint = f"dlogits has the shape of logits, (N, C) = {shape_str((N, C))}"
        if got_grad.shape == (C, N):
            hint += ": yours is transposed"
        return Verdict(False, problems, hint, "the shape of dlogits")
    loss_ok = close(got_loss.astype(_F64), np.asarray(want_loss), dtype=dtype)
    grad_values_ok = close(got_grad, want_grad)
    if loss_ok and grad_values_ok and not overflows:
        return Verdict(
            False,
            problems,
            f"the values are right but dlogits is {got_grad.dtype} for {dtype} "
            "logits: something promotes to float64 (np.eye and np.zeros default to "
            "float64: pass dtype=logits.dtype; or np.float64 constants, "
            ".astype(np.float64))",
            "the dtype of dlogits",
        )
    loss_v, grad_v = _sce_variants(z, t)
    hint = _diagnose(
        got_loss if not loss_ok else np.asarray(np.nan),
        got_grad if not grad_values_ok else np.full(want_grad.shape, np.nan),
        loss_v,
        grad_v,
        dtype,
    )
    if hint:
        return Verdict(False, problems, hint)
    nonfinite = (not np.isfinite(float(got_loss))) or not np.isfinite(got_grad.astype(_F64)).all()
    if overflows:
        return Verdict(False, problems, _OVERFLOW)
    bad_rows = ~np.isfinite(got_grad.astype(_F64)).all(axis=1)
    z64 = z.astype(_F64)
    if bad_rows.any() and (z64.max(axis=1)[bad_rows] < z64.max() - 500).all():
        return Verdict(False, problems, _GLOBAL_MAX)
    if nonfinite:
        if any("divide by zero" in w for w in warns) or (
            np.isfinite(got_grad.astype(_F64)).all() and not np.isfinite(float(got_loss))
        ):
            return Verdict(False, problems, _LOG0)
    return Verdict(False, problems, None, _sce_where(z, got_loss, got_grad, want_grad, loss_ok, grad_values_ok))


def _sce_where(z, got_loss, got_grad, want_grad, loss_ok, grad_ok) -> str:
    if loss_ok:
        bad = ~close_mask(got_grad, want_grad)
        rows = np.flatnonzero(bad.any(axis=1))
        return f"dlogits = (softmax - onehot) / N: the loss is right; rows {rows.tolist()} of dlogits are wrong"
    if grad_ok:
        return "the loss, -mean over the N rows of log softmax(z)[n, targets[n]]: dlogits is right, the loss is not"
    return (
        "both the loss and dlogits, so most likely the softmax itself: each row's "
        "probabilities are exp(z - m) / sum(exp(z - m)) over its C classes, m the row's "
        "maximum"
    )


SOFTMAX_CROSS_ENTROPY = FunctionSpec(
    name="softmax_cross_entropy",
    signature="softmax_cross_entropy(logits, targets)",
    returns="a tuple (loss, dlogits): the loss a single number, dlogits of shape (N, C)",
    points=3.0,
    outputs=(("loss", (0,)), ("dlogits", (1,))),
    make_cases=_sce_cases,
    judge=_sce_judge,
    error_hints=(
        (
            "index",
            "targets holds one class index per row: pick the right class's entry of each "
            "row with [np.arange(N), targets], and build a one-hot with np.eye(C)[targets]"
            " (C = logits.shape[1], not N)",
        ),
        (
            "could not be broadcast together",
            "two arrays of different shapes meet: logits, dlogits and the one-hot of the "
            "targets are all (N, C), the one-hot np.eye(C)[targets] with C = logits.shape[1] "
            "(not np.eye(N)); a row's sum or maximum needs keepdims=True to stay (N, 1)",
        ),
    ),
)

EXERCISE = ExerciseSpec("05_losses_and_outputs", "Losses and outputs", (MSE_LOSS, SOFTMAX_CROSS_ENTROPY))
