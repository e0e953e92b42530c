"""Exercise 7, *Training an LSTM end to end*: ``clip_gradients``, ``adam_step``, ``make_windows``, ``train``.

What the text asks of ``clip_gradients(grads, max_norm)``: ``(clipped, norm)``, with
norm the global L2 norm of every array of the nested dict ``grads`` together, and
clipped a new dict of the same structure in which every array is multiplied by
min(1, max_norm / (norm + 1e-6)); grads not modified.

Of ``adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)``:
new ``(param, m, v)``: m = beta1 m + (1 - beta1) grad, v = beta2 v + (1 - beta2)
grad^2, then param - lr m_hat / (sqrt(v_hat) + eps) with m_hat = m / (1 - beta1^t),
v_hat = v / (1 - beta2^t), t counted from 1; inputs not modified.

Of ``make_windows(series, window, horizon=1)``: ``(X, y)``, X (N, window, 1) with
X[n, :, 0] = series[n : n + window], y (N, 1) with y[n, 0] = series[n + window +
horizon - 1], N = len(series) - window - horizon + 1, in the dtype of series.

Of ``train(params, x_train, y_train, x_val, y_val, *, epochs, batch_size, lr, max_norm,
rng)``: the parameters (a dict like ``params``) that reach a validation loss of at
most ``TRAIN_TARGET`` on the given sunspot split, params not modified; it calls the
course's ``loss_and_grads`` and ``evaluate`` (given), and ``clip_gradients`` and
``adam_step`` (the reference's while it is graded).
"""

from __future__ import annotations

import numpy as np

from ..cases import Call, Case, Outcome, Rng, Verdict
from ..judging import close, compare_array, shape_str
from .spec import ExerciseSpec, FunctionSpec, draw_seed, reference

_F64 = np.float64
_KEYS = (
    ("lstm", "weight_ih"),
    ("lstm", "weight_hh"),
    ("lstm", "bias_ih"),
    ("lstm", "bias_hh"),
    ("dense", "weight"),
    ("dense", "bias"),
)


def _name(part, key):
    return f"{part}.{key}"


def _grads(rng, D, H, scale, dtype=np.float64):
    shapes = {
        "weight_ih": (4 * H, D),
        "weight_hh": (4 * H, H),
        "bias_ih": (4 * H,),
        "bias_hh": (4 * H,),
        "weight": (1, H),
        "bias": (1,),
    }
    out = {"lstm": {}, "dense": {}}
    for part, key in _KEYS:
        # Arrays of different sizes and scales: clipping each alone differs from clipping all.
        s = scale * float(rng.uniform(0.2, 3.0))
        out[part][key] = (rng.normal(0, s, shapes[key])).astype(dtype)
    return out


def _global_norm(grads):
    return float(np.sqrt(sum(float(np.sum(grads[p][k].astype(_F64) ** 2)) for p, k in _KEYS)))


# ---------------------------------------------------------------- clip_gradients


def _clip_cases(rng) -> list:
    cases = []
    D, H = int(rng.integers(1, 4)), int(rng.integers(2, 5))
    g = _grads(rng, D, H, 1.0)
    n = _global_norm(g)
    cases.append(
        Case(
            f"grads of norm {n:.3g}, max_norm {n / 4:.3g}: every array scaled by the same factor",
            (Call((g, round(n / 4, 3))),),
        )
    )
    g = _grads(rng, D, H, 0.05)
    n = _global_norm(g)
    big = round(2 * n + 0.5, 1)
    cases.append(Case(f"grads of norm {n:.3g}, max_norm {big}: below max_norm, nothing changes", (Call((g, big)),)))
    D2, H2 = int(rng.integers(1, 4)), int(rng.integers(2, 5))
    g = _grads(rng, D2, H2, 10.0)
    n = _global_norm(g)
    cases.append(Case(f"grads of norm {n:.3g}, max_norm 5.0", (Call((g, 5.0)),)))
    g = _grads(rng, D, H, 3.0, np.float32)
    n = _global_norm(g)
    cases.append(Case(f"float32 grads of norm {n:.3g}, max_norm 1.0: the arrays stay float32", (Call((g, 1.0)),)))
    return cases


def _clip_variants(g, max_norm):
    arrays = {(p, k): g[p][k].astype(_F64) for p, k in _KEYS}
    norm = _global_norm(g)
    coef = min(1.0, max_norm / (norm + 1e-6))
    scaled_always = {pk: a * (max_norm / (norm + 1e-6)) for pk, a in arrays.items()}
    each = {pk: a * min(1.0, max_norm / (np.sqrt(np.sum(a * a)) + 1e-6)) for pk, a in arrays.items()}
    sq = float(sum(np.sum(a * a) for a in arrays.values()))
    l1 = float(sum(np.sum(np.abs(a)) for a in arrays.values()))
    mx = float(max(np.abs(a).max() for a in arrays.values()))
    clipval = {pk: np.clip(a, -max_norm, max_norm) for pk, a in arrays.items()}
    grads = [
        (
            "each array is clipped by its own norm: clipping uses the global norm of all the arrays "
            "together, sqrt(sum over arrays of sum(g**2)), and one factor for all of them",
            each,
        ),
        (
            "the arrays are scaled even when the norm is below max_norm: the factor is "
            "min(1, max_norm / (norm + 1e-6)), so small gradients stay as they are",
            scaled_always,
        ),
        (
            "the values are clipped one by one (np.clip(g, -max_norm, max_norm)): clip the norm, "
            "multiplying every array by max_norm / (norm + 1e-6) when the norm exceeds max_norm",
            clipval,
        ),
        (
            "the norm is the sum of squares, without the square root: norm = sqrt(sum of g**2 over all arrays)",
            {pk: a * min(1.0, max_norm / (sq + 1e-6)) for pk, a in arrays.items()},
        ),
        (
            "the norm is the sum of absolute values (an L1 norm): clipping uses the L2 norm, sqrt(sum of g**2)",
            {pk: a * min(1.0, max_norm / (l1 + 1e-6)) for pk, a in arrays.items()},
        ),
        (
            "the norm is the largest absolute value: clipping uses the L2 norm, sqrt(sum of g**2 over all arrays)",
            {pk: a * min(1.0, max_norm / (mx + 1e-6)) for pk, a in arrays.items()},
        ),
        (
            "the arrays are divided by the norm (normalised to length 1): multiply them by max_norm / (norm + 1e-6)",
            {pk: a / (norm + 1e-6) for pk, a in arrays.items()} if norm > max_norm else None,
        ),
        (
            "the factor is inverted: multiply by max_norm / norm (less than 1), not norm / max_norm",
            {pk: a * (norm / max_norm) for pk, a in arrays.items()} if norm > max_norm else None,
        ),
        (
            "the arrays are clipped to max_norm but the factor misses the norm: every array is "
            "multiplied by max_norm / (norm + 1e-6)",
            {pk: a * max_norm for pk, a in arrays.items()},
        ),
    ]
    norms = [
        (
            "the norm returned is the one after clipping: return the norm before clipping",
            min(norm, max_norm) if coef < 1 else norm,
        ),
        ("the norm is the sum of squares, without the square root: norm = sqrt(sum of g**2 over all arrays)", sq),
        ("the norm is the sum of absolute values (an L1 norm): clipping uses the L2 norm, sqrt(sum of g**2)", l1),
        ("the norm is the largest absolute value: clipping uses the L2 norm, sqrt(sum of g**2 over all arrays)", mx),
        (
            "the norm returned is the sum of the arrays' own norms: take sqrt of the sum of all "
            "squares, over all arrays together",
            float(sum(np.sqrt(np.sum(a * a)) for a in arrays.values())),
        ),
    ]
    return grads, norms


def _clip_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    g, max_norm = case.calls[0].args
    want_norm = _global_norm(g)
    coef = min(1.0, max_norm / (want_norm + 1e-6))
    dtype = g["lstm"]["weight_ih"].dtype
    out = outcomes[0].outputs
    problems = []
    for part, key in _KEYS:
        want = (g[part][key] * coef).astype(dtype)
        problems += compare_array(f"clipped[{part!r}][{key!r}]", out[_name(part, key)], want)
    got_norm = out["norm"]
    if got_norm.shape == (1,):  # one number, as the wire may pass a float
        got_norm = got_norm.reshape(())
    if got_norm.shape != () or not close(got_norm.astype(_F64), np.asarray(want_norm)):
        problems.append(
            f"norm is {got_norm if got_norm.shape != () else float(got_norm):.6g}, expected {want_norm:.6g}"
            if got_norm.shape == ()
            else f"norm has shape {shape_str(got_norm.shape)}, expected one number"
        )
    if not problems:
        return Verdict(True)
    arrays_ok = all(close(out[_name(p, k)].astype(_F64), (g[p][k] * coef).astype(_F64), dtype=dtype) for p, k in _KEYS)
    grad_v, norm_v = _clip_variants(g, max_norm)
    norm_ok = got_norm.shape == () and close(got_norm.astype(_F64), np.asarray(want_norm))
    unclipped = all(
        out[_name(p, k)].shape == g[p][k].shape and close(out[_name(p, k)].astype(_F64), g[p][k].astype(_F64))
        for p, k in _KEYS
    )
    if not norm_ok and (arrays_ok or unclipped):
        # A wrong norm that left the arrays as they were (or right) says more than the arrays.
        for text, alt in norm_v:
            if got_norm.shape == () and close(got_norm.astype(_F64), np.asarray(alt)):
                return Verdict(False, problems, text)
    if not arrays_ok:
        for text, alt in grad_v:
            if alt is None or (unclipped and all(close(alt[pk], g[pk[0]][pk[1]].astype(_F64)) for pk in alt)):
                continue
            if all(
                out[_name(p, k)].shape == alt[(p, k)].shape
                and close(out[_name(p, k)].astype(_F64), alt[(p, k)], dtype=dtype)
                for p, k in _KEYS
            ):
                return Verdict(False, problems, text)
        if unclipped and coef < 1:
            return Verdict(
                False,
                problems,
                "the arrays are not clipped: when the norm exceeds max_norm, multiply every "
                "array by max_norm / (norm + 1e-6), in the new dict you return (np.clip(g, "
                "-max_norm, max_norm) clips values one by one, and leaves these unchanged)",
            )
        wrong = [
            _name(p, k)
            for p, k in _KEYS
            if not close(out[_name(p, k)].astype(_F64), (g[p][k] * coef).astype(_F64), dtype=dtype)
        ]
        if 0 < len(wrong) < len(_KEYS):
            return Verdict(
                False,
                problems,
                None,
                f"the arrays {', '.join(wrong)}; the others are right, so look at how you go "
                "through the nested dict (every array of every part)",
            )
        values_ok = all(
            close(out[_name(p, k)].astype(_F64), (g[p][k] * coef).astype(_F64))
            for p, k in _KEYS
            if out[_name(p, k)].shape == g[p][k].shape
        )
        if values_ok and all(out[_name(p, k)].shape == g[p][k].shape for p, k in _KEYS):
            return Verdict(
                False,
                problems,
                "the values are right but the dtype is not: multiplying a float32 array by "
                "a Python float keeps float32; np.float64 factors promote",
                "the dtype",
            )
        return Verdict(
            False,
            problems,
            None,
            "the clipped arrays: each should be g * min(1, max_norm / (norm + 1e-6)) with norm the global norm",
        )
    for text, alt in norm_v:
        if got_norm.shape == () and close(got_norm.astype(_F64), np.asarray(alt)):
            return Verdict(False, problems, text)
    return Verdict(
        False, problems, None, "the norm you return: sqrt of the sum of g**2 over all arrays, before clipping"
    )


CLIP_GRADIENTS = FunctionSpec(
    name="clip_gradients",
    signature="clip_gradients(grads, max_norm)",
    returns="a tuple (clipped, norm): clipped a dict like grads, norm a number",
    points=2.0,
    outputs=tuple((_name(p, k), (0, p, k)) for p, k in _KEYS) + (("norm", (1,)),),
    make_cases=_clip_cases,
    judge=_clip_judge,
    error_hints=(
        (
            "'numpy.ndarray' object has no attribute 'items'",
            "grads is a dict of dicts ({'lstm': {...}, 'dense': {...}}): go through both levels",
        ),
    ),
)


# ---------------------------------------------------------------- adam_step


def _adam_ref(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m2 = beta1 * m + (1 - beta1) * grad
    v2 = beta2 * v + (1 - beta2) * grad * grad
    return param - lr * (m2 / (1 - beta1**t)) / (np.sqrt(v2 / (1 - beta2**t)) + eps), m2, v2


def _adam_cases(rng) -> list:
    def arrays(shape, dtype=np.float64, first=False):
        p = rng.normal(0, 1, shape)
        g = rng.normal(0, 0.5, shape)
        m = np.zeros(shape) if first else rng.normal(0, 0.1, shape)
        v = np.zeros(shape) if first else rng.uniform(0.01, 0.3, shape)
        return tuple(a.astype(dtype) for a in (p, g, m, v))

    r, c = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    t2 = int(rng.integers(3, 9))
    t3 = int(rng.integers(2, 6))
    # The cases with m = v = 0 draw their shapes from a wide range: one draw's zeros are not another's.
    r1, c1, r5, c5 = (int(n) for n in rng.integers(2, 10, size=4))
    return [
        Case(
            f"the first step, t = 1, m = v = 0, arrays ({r1}, {c1}), lr 0.01",
            (Call((*arrays((r1, c1), first=True), 1), {"lr": 0.01}),),
        ),
        Case(f"step t = {t2}, arrays ({c},), default lr, beta1, beta2, eps", (Call((*arrays((c,)), t2)),)),
        Case(
            f"step t = {t3}, arrays ({r}, {c}), lr 0.05, beta1 0.8, beta2 0.99, eps 1e-6",
            (Call((*arrays((r, c)), t3), {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6}),),
        ),
        Case(
            f"step t = 2, float32 arrays ({r},): the results stay float32",
            (Call((*arrays((r,), np.float32), 2), {"lr": 0.01}),),
        ),
        Case(
            f"gradients near 0 (about 1e-4), eps 1e-3, m = v = 0, step t = {t2}: eps is added after the square root",
            (
                Call(
                    (
                        rng.normal(0, 1, (r5, c5)),
                        rng.normal(0, 1e-4, (r5, c5)),
                        np.zeros((r5, c5)),
                        np.zeros((r5, c5)),
                        t2,
                    ),
                    {"lr": 0.01, "eps": 1e-3},
                ),
            ),
        ),
    ]


def _adam_kwargs(call):
    kw = {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    kw.update(call.kwargs)
    return kw


def _adam_variants(param, grad, m, v, t, lr, beta1, beta2, eps):
    p, g, m, v = (a.astype(_F64) for a in (param, grad, m, v))
    m2 = beta1 * m + (1 - beta1) * g
    v2 = beta2 * v + (1 - beta2) * g * g
    mh, vh = m2 / (1 - beta1**t), v2 / (1 - beta2**t)
    step = lambda mm, vv: p - lr * mm / (np.sqrt(vv) + eps)  # noqa: E731
    params = [
        ("no bias correction: divide m by (1 - beta1**t) and v by (1 - beta2**t) before the step", step(m2, v2)),
        ("the bias correction of v is missing: v_hat = v / (1 - beta2**t)", step(mh, v2)),
        ("the bias correction of m is missing: m_hat = m / (1 - beta1**t)", step(m2, vh)),
        (
            "the bias correction uses t + 1 (t counted from 0?): t is the number of this step, counted "
            "from 1, and 1 - beta**t uses it as given",
            step(m2 / (1 - beta1 ** (t + 1)), v2 / (1 - beta2 ** (t + 1))),
        ),
        (
            "the bias correction uses t - 1: 1 - beta**t, with t the step as given",
            step(m2 / (1 - beta1 ** (t - 1)), v2 / (1 - beta2 ** (t - 1))) if t > 1 else None,
        ),
        (
            "the step uses the old m and v: update m and v first, then take the step with the new ones",
            step(m / (1 - beta1**t), v / (1 - beta2**t)),
        ),
        ("eps is inside the square root: the denominator is sqrt(v_hat) + eps", p - lr * mh / np.sqrt(vh + eps)),
        ("the square root of v_hat is missing: divide by sqrt(v_hat) + eps", p - lr * mh / (vh + eps)),
        (
            "the step goes uphill: param - lr * m_hat / (sqrt(v_hat) + eps), with a minus",
            p + lr * mh / (np.sqrt(vh) + eps),
        ),
        (
            "v is a running mean of grad, not of grad**2: v = beta2 v + (1 - beta2) grad**2",
            step(mh, (beta2 * v + (1 - beta2) * g) / (1 - beta2**t))
            if np.all(beta2 * v + (1 - beta2) * g >= 0)
            else None,
        ),
        (
            "the (1 - beta) factors are missing: m = beta1 m + (1 - beta1) grad, v = beta2 v + (1 - beta2) grad**2",
            step((beta1 * m + g) / (1 - beta1**t), (beta2 * v + g * g) / (1 - beta2**t)),
        ),
        (
            "beta1 and beta2 are swapped: beta1 (0.9) goes with m, beta2 (0.999) with v",
            step((beta2 * m + (1 - beta2) * g) / (1 - beta2**t), (beta1 * v + (1 - beta1) * g * g) / (1 - beta1**t)),
        ),
        ("the step is plain SGD (param - lr * grad): Adam divides m_hat by sqrt(v_hat) + eps", p - lr * g),
    ]
    moments = [
        (
            "m and v are returned unchanged: return the updated m = beta1 m + (1 - beta1) grad and "
            "v = beta2 v + (1 - beta2) grad**2, which the next step needs",
            m,
            v,
        ),
        (
            "the bias-corrected m_hat and v_hat are returned: return m and v themselves; the correction "
            "is only for the step",
            mh,
            vh,
        ),
        (
            "the (1 - beta) factors are missing: m = beta1 m + (1 - beta1) grad, v = beta2 v + (1 - beta2) grad**2",
            beta1 * m + g,
            beta2 * v + g * g,
        ),
        (
            "v is a running mean of grad, not of grad**2: v = beta2 v + (1 - beta2) grad**2",
            m2,
            beta2 * v + (1 - beta2) * g,
        ),
        (
            "beta1 and beta2 are swapped: beta1 (0.9) goes with m, beta2 (0.999) with v",
            beta2 * m + (1 - beta2) * g,
            beta1 * v + (1 - beta1) * g * g,
        ),
    ]
    return params, moments


def _adam_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    call = case.calls[0]
    param, grad, m, v, t = call.args
    kw = _adam_kwargs(call)
    want = _adam_ref(param, grad, m, v, t, **kw)
    dtype = param.dtype
    out = outcomes[0].outputs
    problems = []
    for name, w in zip(("param", "m", "v"), want, strict=True):
        problems += compare_array(name, out[name], np.asarray(w).astype(dtype))
    if not problems:
        return Verdict(True)
    ok = {
        name: out[name].shape == np.shape(w) and close(out[name].astype(_F64), np.asarray(w, _F64), dtype=dtype)
        for name, w in zip(("param", "m", "v"), want, strict=True)
    }
    if all(ok.values()):
        return Verdict(
            False,
            problems,
            f"the values are right but the results are not {dtype}: something promotes to "
            "float64 (np.float64 constants, .astype(np.float64)); Python numbers keep the dtype",
            "the dtype",
        )
    pvars, mvars = _adam_variants(param, grad, m, v, t, kw["lr"], kw["beta1"], kw["beta2"], kw["eps"])

    def match(got, alt):
        return (
            alt is not None
            and got.shape == np.shape(alt)
            and close(got.astype(_F64), np.asarray(alt, _F64), dtype=dtype)
        )

    if not (ok["m"] and ok["v"]):
        for text, am, av in mvars:
            # Returning m_hat, v_hat leaves the step right; missing (1 - beta) factors do not.
            if ("m_hat and v_hat are returned" in text and not ok["param"]) or (
                "(1 - beta) factors" in text and ok["param"]
            ):
                continue
            if match(out["m"], am) and match(out["v"], av):
                return Verdict(False, problems, text)
    if not ok["param"]:
        for text, alt in pvars:
            if match(out["param"], alt):
                return Verdict(False, problems, text)
    if ok["param"] and not ok["m"]:
        return Verdict(False, problems, None, "the m you return: m = beta1 m + (1 - beta1) grad")
    if ok["param"] and not ok["v"]:
        return Verdict(False, problems, None, "the v you return: v = beta2 v + (1 - beta2) grad**2")
    if ok["m"] and ok["v"]:
        return Verdict(
            False,
            problems,
            None,
            "the new param: m and v are right, so look at the step param - lr * m_hat / (sqrt(v_hat) + eps)",
        )
    return Verdict(
        False,
        problems,
        None,
        "the moments m and v, and so the step that uses them: start with "
        "m = beta1 m + (1 - beta1) grad and v = beta2 v + (1 - beta2) grad**2",
    )


ADAM_STEP = FunctionSpec(
    name="adam_step",
    signature="adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)",
    returns="a tuple (param, m, v) of new arrays",
    points=3.0,
    outputs=(("param", (0,)), ("m", (1,)), ("v", (2,))),
    make_cases=_adam_cases,
    judge=_adam_judge,
)


# ---------------------------------------------------------------- make_windows


def _windows_cases(rng) -> list:
    T = int(rng.integers(12, 20))
    w = int(rng.integers(3, 6))
    T2, w2, h2 = int(rng.integers(15, 22)), int(rng.integers(2, 5)), int(rng.integers(2, 4))
    T3 = int(rng.integers(8, 12))
    return [
        Case(f"a series of {T} values, window {w}, horizon 1", (Call((np.round(rng.normal(50, 30, T), 1), w)),)),
        Case(
            f"a series of {T2} values, window {w2}, horizon {h2}: the target {h2} steps after the window",
            (Call((np.round(rng.normal(0, 1, T2), 3), w2), {"horizon": h2}),),
        ),
        Case(
            f"float32 series of {T3} values, window 1: the windows stay float32",
            (Call((rng.normal(0, 1, T3).astype(np.float32), 1)),),
        ),
        Case(
            f"a series of {w + 1} values, window {w}: exactly one window",
            (Call((np.round(rng.uniform(0, 100, w + 1), 1), w)),),
        ),
    ]


def _windows_variants(s, w, h):
    s = s.astype(_F64)
    T = len(s)
    N = T - w - h + 1

    def cut(n_windows, start_target, step=1):
        starts = np.arange(0, n_windows * step, step)
        X = np.stack([s[k : k + w] for k in starts])[:, :, None] if n_windows > 0 else np.zeros((0, w, 1))
        y = np.array([s[k + start_target] for k in starts])[:, None]
        return X, y

    out = [
        (
            "the target is inside the window (its last value): the target is series[n + window + horizon - 1], "
            "the value after the window",
            cut(N, w - 1),
        ),
        (
            "the target is one step too far: series[n + window + horizon - 1] (with horizon 1, the value "
            "right after the window)",
            cut(N - 1, w + h) if N > 1 else None,
        ),
        (
            "the last window is missing (an off-by-one in the count): N = len(series) - window - horizon + 1",
            cut(N - 1, w + h - 1) if N > 1 else None,
        ),
        (
            "horizon is ignored: the target lies horizon steps after the window's last value, "
            "series[n + window + horizon - 1]",
            cut(N, w) if h > 1 else None,
        ),
    ]
    if N > 1:
        starts = np.arange(0, N, w)
        X = np.stack([s[k : k + w] for k in starts])[:, :, None]
        y = np.array([s[k + w + h - 1] for k in starts])[:, None]
        out.append(
            (
                "the windows do not overlap (a step of window between them): window n starts at "
                "index n, one step after window n - 1",
                (X, y),
            )
        )
    return [(t, v) for t, v in out if v is not None]


def _windows_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    call = case.calls[0]
    s, w = call.args
    h = call.kwargs.get("horizon", 1)
    want_X, want_y = reference("make_windows")(s.copy(), w, h)
    got_X, got_y = outcomes[0].outputs["X"], outcomes[0].outputs["y"]
    problems = compare_array("X", got_X, want_X) + compare_array("y", got_y, want_y)
    if not problems:
        return Verdict(True)
    N = want_X.shape[0]
    if got_X.shape == (N, w) or got_y.shape == (N,):
        return Verdict(
            False,
            problems,
            f"X has shape (N, window, 1) = {shape_str(want_X.shape)} and y (N, 1) = "
            f"{shape_str(want_y.shape)}: the LSTM wants one feature per step, add the last axis "
            "(X[:, :, None], y[:, None])",
            "the shapes",
        )
    if w > 1 and got_X.shape == (N, 1, w):
        return Verdict(
            False,
            problems,
            f"X is transposed: its shape is (N, window, 1) = {shape_str(want_X.shape)}, time along axis 1",
            "the shape of X",
        )
    x_ok = close(got_X.astype(_F64), want_X.astype(_F64))
    y_ok = close(got_y.astype(_F64), want_y.astype(_F64))
    if x_ok and y_ok:
        return Verdict(
            False,
            problems,
            f"the values are right but the dtype is not: the windows keep the "
            f"series' dtype ({s.dtype}); np.zeros and np.array default to float64",
            "the dtype",
        )
    for text, (aX, ay) in _windows_variants(s, w, h):
        if (
            got_X.shape == aX.shape
            and got_y.shape == ay.shape
            and close(got_X.astype(_F64), aX)
            and close(got_y.astype(_F64), ay)
        ):
            return Verdict(False, problems, text)
    if got_X.shape == want_X.shape and close(got_X[:, ::-1].astype(_F64), want_X.astype(_F64)):
        return Verdict(
            False,
            problems,
            "the window runs backwards in time: X[n, :, 0] = series[n : n + window], oldest value first",
        )
    if x_ok:
        return Verdict(False, problems, None, "the targets y: X is right; y[n, 0] = series[n + window + horizon - 1]")
    if y_ok:
        return Verdict(False, problems, None, "the inputs X: y is right; X[n, :, 0] = series[n : n + window]")
    return Verdict(
        False,
        problems,
        None,
        f"both X and y: expect N = len(series) - window - horizon + 1 = {N} "
        "windows, X[n, :, 0] = series[n : n + window], y[n, 0] = series[n + window + horizon - 1]",
    )


MAKE_WINDOWS = FunctionSpec(
    name="make_windows",
    signature="make_windows(series, window, horizon=1)",
    returns="a tuple (X, y): X of shape (N, window, 1), y of shape (N, 1)",
    points=2.0,
    outputs=(("X", (0,)), ("y", (1,))),
    make_cases=_windows_cases,
    judge=_windows_judge,
)


# ---------------------------------------------------------------- train

# The split the exercise states: windows of 10 years, targets 1850 to 1948 for training,
# 1949 to 1978 for validation, scaled with the mean and std of 1700 to 1948.
TRAIN_TARGET = 0.75
TRAIN_SETTINGS = {"epochs": 10, "batch_size": 25, "lr": 0.05, "max_norm": 1.0}


def sunspot_split():
    """(x_train, y_train, x_val, y_val) of the exercise, from lstm_lib.data."""
    from lstm_lib.data import Scaler, load_sunspots, windows_between

    years, spots = load_sunspots()
    a, b, c = (int(np.searchsorted(years, y)) for y in (1850, 1949, 1979))
    z = Scaler.fit(spots[:b]).transform(spots)
    return (*windows_between(z, 10, a, b), *windows_between(z, 10, b, c))


def _train_cases(rng) -> list:
    from lstm_lib.train import init_model

    xt, yt, xv, yv = sunspot_split()
    # The windows come in a new order every draw: the loop shuffles them, and the mean loss
    # does not depend on their order.
    order, val_order = rng.permutation(len(xt)), rng.permutation(len(xv))
    xt, yt, xv, yv = xt[order], yt[order], xv[val_order], yv[val_order]
    seed = draw_seed(rng)
    params = init_model(1, 8, rng=seed)
    return [
        Case(
            f"the sunspot split of the text, H = 8, init seed {seed}, {TRAIN_SETTINGS}: validation loss "
            f"<= {TRAIN_TARGET}",
            (Call((params, xt, yt, xv, yv), {**TRAIN_SETTINGS, "rng": Rng(seed + 1)}),),
        )
    ]


def _train_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    params, _, _, xv, yv = case.calls[0].args
    got = outcomes[0].outputs
    problems = []
    for part, key in _KEYS:
        if got[_name(part, key)].shape != params[part][key].shape:
            problems.append(
                f"the returned [{part!r}][{key!r}] has shape {shape_str(got[_name(part, key)].shape)}, "
                f"expected {shape_str(params[part][key].shape)}"
            )
    if problems:
        return Verdict(
            False,
            problems,
            "train returns a parameter dict like params: {'lstm': {...}, 'dense': {...}}, the same keys and shapes",
            "the returned parameters",
        )
    returned = {part: {} for part, _ in _KEYS}
    for part, key in _KEYS:
        returned[part][key] = got[_name(part, key)].astype(_F64)
    evaluate = reference("evaluate")
    loss = float(evaluate(returned, xv, yv))
    start = float(evaluate(params, xv, yv))
    if np.isfinite(loss) and loss <= TRAIN_TARGET:
        return Verdict(True)
    problems.append(
        f"the validation loss of the returned parameters is {loss:.4g}, expected at most "
        f"{TRAIN_TARGET} (it was {start:.4g} before training)"
    )
    if all(np.array_equal(returned[p][k], params[p][k]) for p, k in _KEYS):
        return Verdict(
            False,
            problems,
            "train returns the parameters it was given: nothing was updated, "
            "or no epoch reached a finite validation loss. adam_step returns the new (param, m, v): "
            "keep them (params[part][key], m, v = adam_step(...)); and give it t = 1, 2, 3, ... "
            "(t = 0 divides by 1 - beta**0 = 0, and every parameter becomes nan)",
            "the update",
        )
    if not np.isfinite(loss) or loss > 1.5 * start:
        return Verdict(
            False,
            problems,
            "the validation loss got worse than before training: the update goes "
            "uphill or diverges. Check that the gradients come from loss_and_grads on the batch, are "
            "clipped, and that adam_step gets t = 1, 2, 3, ... (one more per update)",
            "the update",
        )
    return Verdict(
        False,
        problems,
        None,
        "the training loop: every epoch shuffles with rng.permutation, takes the batches in order, "
        "and every update calls loss_and_grads, clip_gradients and adam_step with t counting the "
        "updates from 1; after each epoch evaluate, keeping the parameters with the lowest loss. A "
        "sign error makes the loss climb: the step goes uphill when adam_step gets -grad",
    )


TRAIN = FunctionSpec(
    name="train",
    signature="train(params, x_train, y_train, x_val, y_val, *, epochs, batch_size, lr, max_norm, rng)",
    returns="a parameter dict like params: {'lstm': {...}, 'dense': {...}}",
    points=3.0,
    outputs=tuple((_name(p, k), (p, k)) for p, k in _KEYS),
    make_cases=_train_cases,
    judge=_train_judge,
    calls=("loss_and_grads", "evaluate", "clip_gradients", "adam_step"),
)

EXERCISE = ExerciseSpec(
    "07_training_end_to_end", "Training an LSTM end to end", (CLIP_GRADIENTS, ADAM_STEP, MAKE_WINDOWS, TRAIN)
)
