"""Exercise 1, *Why plain RNNs forget*: ``rnn_step_forward``, ``rnn_forward``, ``gradient_norms``.

What the text asks of ``rnn_step_forward``: h = tanh(x W_ih^T + b_ih + h_prev
W_hh^T + b_hh) of shape (B, H), returned first in ``(h, cache)``, in the dtype
of the inputs (float32 stays float32), inputs not modified. Of ``rnn_forward``:
the step applied at t = 0, ..., T-1 in order, each from the state the step
before returned, starting from h0 (zeros when h0 is None); ``hs`` (B, T, H) the
state after every step, ``h_n`` the last one, in the inputs' dtype, inputs not
modified. Of ``gradient_norms``: a float64 array of shape (T + 1,) whose entry k
is ||v W^k||, with v the all-ones vector over sqrt(H) when v is None, inputs not
modified.
"""

from __future__ import annotations

import numpy as np

from ..cases import Call, Case, Outcome, Verdict
from ..judging import close, compare_array, shape_str
from .spec import ExerciseSpec, FunctionSpec, reference

_KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
_STEP = "h = tanh(x W_ih^T + b_ih + h_prev W_hh^T + b_hh)"


def _sizes(rng) -> tuple[int, int, int]:
    """(B, D, H), all different, so that no transposed array fits by accident."""
    B, D, H = (int(n) for n in rng.choice(np.arange(2, 8), size=3, replace=False))
    return B, D, H


def _params(rng, D, H, dtype, scale=0.5):
    p = {
        "weight_ih": rng.normal(0, scale, (H, D)),
        "weight_hh": rng.normal(0, scale, (H, H)),
        "bias_ih": rng.normal(0, scale, H),
        "bias_hh": rng.normal(0, scale, H),
    }
    return {k: v.astype(dtype) for k, v in p.items()}


def _f64(a):
    return np.asarray(a, dtype=np.float64)


# ---------------------------------------------------------------- rnn_step_forward

_STEP_PROBES = {
    "x": "the input term x @ W_ih.T: with x zeroed your step is right",
    "h_prev": "the recurrent term h_prev @ W_hh.T: with h_prev zeroed your step is right",
    "bias_ih": "how bias_ih enters the pre-activation: with bias_ih zeroed your step is right",
    "bias_hh": "how bias_hh enters the pre-activation: with bias_hh zeroed your step is right",
}


def _step_zeroed(args, part):
    x, h_prev, p = args
    p = dict(p)
    if part == "x":
        x = np.zeros_like(x)
    elif part == "h_prev":
        h_prev = np.zeros_like(h_prev)
    else:
        p[part] = np.zeros_like(p[part])
    return x, h_prev, p


def _step_cases(rng) -> list:
    cases = []
    for label, dtype, one in (
        ("", np.float64, False),
        (", a batch of one", np.float64, True),
        (", float32 (h stays float32)", np.float32, False),
        ("", np.float64, False),
    ):
        B, D, H = _sizes(rng)
        B = 1 if one else B
        args = (
            rng.normal(0, 1, (B, D)).astype(dtype),
            rng.uniform(-1, 1, (B, H)).astype(dtype),
            _params(rng, D, H, dtype),
        )
        calls = (Call(args),) + tuple(Call(_step_zeroed(args, part)) for part in _STEP_PROBES)
        cases.append(Case(f"B={B}, D={D}, H={H}{label}", calls, probes=tuple(_STEP_PROBES)))
    return cases


def _reference_step(args):
    x, h_prev, p = args
    return reference("rnn_step_forward")(x.copy(), h_prev.copy(), {k: v.copy() for k, v in p.items()})[0]


def _step_variants(x, h_prev, p) -> list:
    x, h_prev = _f64(x), _f64(h_prev)
    W, U, b, d = (_f64(p[k]) for k in _KEYS)
    a = x @ W.T + b + h_prev @ U.T + d
    with np.errstate(all="ignore"):
        return [
            (
                f"weight_hh is used untransposed: h_prev @ weight_hh.T, as in {_STEP}",
                np.tanh(x @ W.T + b + h_prev @ U + d),
            ),
            (f"bias_ih is missing: {_STEP}", np.tanh(a - b)),
            (f"bias_hh is missing: {_STEP}", np.tanh(a - d)),
            (f"both biases are missing: {_STEP}", np.tanh(a - b - d)),
            (f"the tanh is missing: {_STEP}", a),
            (f"sigmoid is used instead of tanh: {_STEP}", 1 / (1 + np.exp(-a))),
            (f"the recurrent term h_prev @ weight_hh.T is missing: {_STEP}", np.tanh(a - h_prev @ U.T)),
            (f"the input term x @ weight_ih.T is missing: {_STEP}", np.tanh(a - x @ W.T)),
            (
                f"h_prev is added after the tanh instead of through weight_hh: {_STEP}",
                np.tanh(x @ W.T + b + d) + h_prev,
            ),
        ]


def _step_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    args = case.calls[0].args
    want = _reference_step(args)
    got = outcomes[0].outputs["h"]
    problems = compare_array("h", got, want)
    if not problems:
        return Verdict(True)
    B, H = want.shape
    if got.shape != want.shape:
        if got.shape == (H, B):
            hint = "h has shape (H, B); it should be (B, H), one row per example, as x (B, D)"
        else:
            hint = f"h is (B, H) = {shape_str((B, H))}"
        return Verdict(False, problems, hint, "the shape of h")
    dtype = want.dtype
    if close(got, want):
        return Verdict(
            False,
            problems,
            f"h is right but {got.dtype} for {dtype} inputs: something promotes to "
            "float64 (np.zeros without dtype=, .astype(np.float64), np.float64 "
            "constants); keep the inputs' dtype",
            "the dtype of h",
        )
    for text, alt in _step_variants(*args):
        if close(got, alt, dtype):
            return Verdict(False, problems, text)
    for part, call, o in zip(case.probes, case.calls[case.graded :], outcomes[case.graded :], strict=False):
        if o.status == "ok" and close(o.outputs["h"], _reference_step(call.args), dtype):
            return Verdict(False, problems, None, _STEP_PROBES[part])
    return Verdict(False, problems, None, f"the step {_STEP}: zeroing no single part of the input makes it right")


RNN_STEP_FORWARD = FunctionSpec(
    name="rnn_step_forward",
    signature="rnn_step_forward(x, h_prev, params)",
    returns="a tuple (h, cache) with h of shape (B, H)",
    points=3.0,
    outputs=(("h", (0,)),),
    make_cases=_step_cases,
    judge=_step_judge,
    error_hints=(
        (
            "mismatch in its core dimension",
            "a matrix product has mismatched shapes: x (B, D) @ weight_ih.T (D, H) and h_prev "
            "(B, H) @ weight_hh.T (H, H); weight_ih is stored (H, D), so it needs its .T",
        ),
        (
            "could not be broadcast together",
            "two arrays of different shapes meet: x @ weight_ih.T, h_prev @ weight_hh.T and the "
            "biases are all (B, H) or (H,)",
        ),
        ("KeyError", "params has torch.nn.RNN's keys: weight_ih, weight_hh, bias_ih, bias_hh"),
    ),
)


# ---------------------------------------------------------------- rnn_forward

_H0_NONE = "h0 may be None: start from zeros of shape (B, H) then, np.zeros((B, H), dtype=x.dtype)"


def _forward_cases(rng) -> list:
    cases = []
    for label, dtype, none in (
        ("", np.float64, False),
        (", h0=None (zeros)", np.float64, True),
        (", float32 (hs and h_n stay float32)", np.float32, False),
        ("", np.float64, False),
    ):
        B, D, H = _sizes(rng)
        T = int(rng.choice([t for t in range(3, 9) if t not in (B, D, H)]))
        x = rng.normal(0, 1, (B, T, D)).astype(dtype)
        h0 = None if none else rng.uniform(-1, 1, (B, H)).astype(dtype)
        p = _params(rng, D, H, dtype, scale=0.6)
        cases.append(Case(f"B={B}, T={T}, D={D}, H={H}{label}", (Call((x, h0, p)),)))
    return cases


def _step64(x, h, p):
    return np.tanh(x @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"])


def _forward_variants(x, h0, p) -> list:
    """(likely mistake, hs, h_n) for the common mistakes, in float64."""
    x = _f64(x)
    p = {k: _f64(v) for k, v in p.items()}
    B, T, _ = x.shape
    H = p["weight_hh"].shape[0]
    h0 = np.zeros((B, H)) if h0 is None else _f64(h0)

    def run(order, start, carry=True):
        hs, h = np.zeros((B, T, H)), start
        for t in order:
            h_new = _step64(x[:, t], h if carry else start, p)
            hs[:, t], h = h_new, h_new
        return hs, h

    right, _ = run(range(T), h0)
    out = []
    not_carried, _ = run(range(T), h0, carry=False)
    out.append(
        (
            "h_prev is not carried: each step must start from the state the step before "
            "returned (h = rnn_step_forward(x[:, t], h, params)[0]), not from h0",
            not_carried,
            not_carried[:, -1],
        )
    )
    zeros, _ = run(range(T), np.zeros((B, H)))
    out.append(("h0 is ignored: the first step starts from h0 (zeros only when h0 is None)", zeros, zeros[:, -1]))
    backwards, h_b = run(reversed(range(T)), h0)
    out.append(("the steps run in the wrong time order: t = 0, 1, ..., T-1, starting at x[:, 0]", backwards, h_b))
    out.append(
        ("the steps run in the wrong time order: t = 0, 1, ..., T-1, starting at x[:, 0]", backwards[:, ::-1], h_b)
    )
    shifted = np.concatenate([h0[:, None], right[:, :-1]], axis=1)
    out.append(
        ("hs[:, t] holds the state before step t: store the new state, the one the step returns", shifted, right[:, -1])
    )
    out.append(("h_n is the first state; it is the last one, hs[:, -1]", right, right[:, 0]))
    out.append(("h_n is h0; it is the last state, hs[:, -1]", right, h0))
    return out


def _forward_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    x, h0, p = case.calls[0].args
    hs_ref, hn_ref, _ = reference("rnn_forward")(
        x.copy(), None if h0 is None else h0.copy(), {k: v.copy() for k, v in p.items()}
    )
    hs, hn = outcomes[0].outputs["hs"], outcomes[0].outputs["h_n"]
    problems = compare_array("hs", hs, hs_ref) + compare_array("h_n", hn, hn_ref)
    if not problems:
        return Verdict(True)
    B, T, H = hs_ref.shape
    dtype = hs_ref.dtype
    if hs.shape != hs_ref.shape or hn.shape != hn_ref.shape:
        if hs.shape == (T, B, H):
            hint = "hs has shape (T, B, H); it should be batch-first, (B, T, H): store step t in hs[:, t]"
        elif hs.shape == (B, H) or hs.shape == (B, 1, H):
            hint = "hs holds the state after every step, (B, T, H), not only the last one"
        elif hn.shape != hn_ref.shape:
            hint = f"h_n is the last state, of shape (B, H) = {shape_str((B, H))}"
        else:
            hint = f"hs is (B, T, H) = {shape_str((B, T, H))}"
        return Verdict(False, problems, hint, "the shape of hs" if hs.shape != hs_ref.shape else "the shape of h_n")
    if close(hs, hs_ref) and close(hn, hn_ref):
        return Verdict(
            False,
            problems,
            f"the values are right but hs and h_n are {hs.dtype}/{hn.dtype} for "
            f"{dtype} inputs: np.zeros and np.empty default to float64, pass "
            "dtype=x.dtype",
            "the dtype of hs and h_n",
        )
    for text, hs_v, hn_v in _forward_variants(x, h0, p):
        if close(hs, hs_v, dtype) and close(hn, hn_v, dtype):
            return Verdict(False, problems, text)
    if close(hs, hs_ref, dtype):
        return Verdict(False, problems, None, "h_n: hs is right, so return its last step, hs[:, -1]")
    right = [bool(close(hs[:, t], hs_ref[:, t], dtype)) for t in range(T)]
    if right[0] and not all(right):
        t = right.index(False)
        before = "step 0 is" if t == 1 else f"steps 0 to {t - 1} are"
        return Verdict(
            False,
            problems,
            None,
            f"hs[:, {t}] and after: {before} right, so look at what carries the state from one step to the next",
        )
    return Verdict(
        False, problems, None, "the first step, hs[:, 0] = rnn_step_forward(x[:, 0], h0, params)[0], is already wrong"
    )


RNN_FORWARD = FunctionSpec(
    name="rnn_forward",
    signature="rnn_forward(x, h0, params)",
    returns="a tuple (hs, h_n, cache) with hs of shape (B, T, H) and h_n of shape (B, H)",
    points=3.0,
    outputs=(("hs", (0,)), ("h_n", (1,))),
    make_cases=_forward_cases,
    judge=_forward_judge,
    calls=("rnn_step_forward",),
    error_hints=(
        ("NoneType", _H0_NONE),
        ("got dtype object", _H0_NONE),
        (
            "x must have shape (B, D)",
            "x is batch-first, (B, T, D): the input of step t is x[:, t], of shape (B, D); x[t] "
            "is the t-th sequence of the batch",
        ),
        (
            "mismatch in its core dimension",
            "x is batch-first, (B, T, D): the input of step t is x[:, t], of shape (B, D)",
        ),
        (
            "could not be broadcast",
            "x is batch-first, (B, T, D): the input of step t is x[:, t] (B, D), and its state goes to hs[:, t] (B, H)",
        ),
        ("KeyError", "params has torch.nn.RNN's keys: weight_ih, weight_hh, bias_ih, bias_hh"),
    ),
)


# ---------------------------------------------------------------- gradient_norms


def _norm_cases(rng) -> list:
    cases = []
    for label, rho, with_v in (
        ("spectral radius 0.9, v given", 0.9, True),
        ("spectral radius 1.1, v=None (ones / sqrt(H))", 1.1, False),
        ("spectral radius 1.0, v given", 1.0, True),
        ("spectral radius 0.8, v=None", 0.8, False),
    ):
        H = int(rng.integers(3, 8))
        W = rng.normal(0, 1, (H, H))
        W *= rho / np.abs(np.linalg.eigvals(W)).max()
        T = int(rng.integers(6, 16))
        args = (W, T, rng.normal(0, 1, H)) if with_v else (W, T)
        cases.append(Case(f"H={H}, T={T}, {label}", (Call(args),)))
    cases.append(Case("T=0: only ||v||", (Call((rng.normal(0, 1, (3, 3)), 0, rng.normal(0, 1, 3))),)))
    return cases


def _norm_variants(W, T, v) -> list:
    W = _f64(W)
    H = W.shape[0]
    ones = np.ones(H) / np.sqrt(H)
    v = ones if v is None else _f64(v)

    def norms(g, M, n=T + 1):
        out = []
        for _ in range(n):
            out.append(np.linalg.norm(g))
            g = g @ M
        return np.array(out)

    right = norms(v, W)
    mats = [np.linalg.norm(np.linalg.matrix_power(W, k)) for k in range(T + 1)]
    return [
        (
            "the product uses W^T: one step back is g = g @ W (the row vector times W), so the "
            "norms are ||v W^k||, not ||v (W^T)^k||",
            norms(v, W.T),
        ),
        ("the default v is all ones: divide by sqrt(H), v = np.ones(H) / np.sqrt(H), of norm 1", norms(np.ones(H), W)),
        ("these are squared norms: np.linalg.norm(g), not its square", right**2),
        ("these are the norms of the matrices W^k, not of v W^k", np.array(mats)),
        ("the norms start at k = 1: entry 0 is ||v||, before any product", norms(v @ W, W)),
        ("these are the logarithms of the norms: return the norms themselves", np.log(right)),
        ("v is not used: the gradient starts at v when v is given", norms(ones, W)),
    ]


def _norm_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    args = case.calls[0].args
    W, T = args[0], args[1]
    v = args[2] if len(args) > 2 else None
    want = reference("gradient_norms")(W.copy(), T, None if v is None else v.copy())
    got = outcomes[0].outputs["norms"]
    problems = compare_array("norms", got, want)
    if not problems:
        return Verdict(True)
    if got.shape != want.shape:
        if got.shape == (T,):
            hint = (
                f"norms has T = {T} entries; it has T + 1 = {T + 1}, one for each "
                f"k = 0, 1, ..., T (k = 0 is ||v|| itself)"
            )
        elif got.ndim != 1:
            hint = "norms is one number per lag k: a 1-d array of shape (T + 1,)"
        else:
            hint = f"norms has shape (T + 1,) = {shape_str(want.shape)}, k = 0, 1, ..., T"
        return Verdict(False, problems, hint, "the shape of norms")
    if close(got, want):
        return Verdict(False, problems, "return the norms as a float64 array", "the dtype of norms")
    for text, alt in _norm_variants(W, T, v):
        if alt.shape == want.shape and close(got, alt):
            return Verdict(False, problems, text)
    right = [bool(close(got[k : k + 1], want[k : k + 1])) for k in range(T + 1)]
    if not right[0]:
        return Verdict(False, problems, None, "norms[0], which is ||v||, before any product")
    k = right.index(False) if False in right else T
    before = "norms[0] is" if k == 1 else f"norms[0] to norms[{k - 1}] are"
    return Verdict(
        False,
        problems,
        None,
        f"norms[{k}] and after: {before} right, so look at how one step back is computed (g = g @ W)",
    )


GRADIENT_NORMS = FunctionSpec(
    name="gradient_norms",
    signature="gradient_norms(weight_hh, T, v=None)",
    returns="a float64 array of shape (T + 1,)",
    points=2.0,
    outputs=(("norms", ()),),
    make_cases=_norm_cases,
    judge=_norm_judge,
    error_hints=(
        ("NoneType", "v may be None: then start from the vector of H entries 1/sqrt(H), np.ones(H) / np.sqrt(H)"),
        ("'range'", "T is the largest lag: loop over k in range(T + 1)"),
    ),
)

EXERCISE = ExerciseSpec(
    "01_why_plain_rnns_forget", "Why plain RNNs forget", (RNN_STEP_FORWARD, RNN_FORWARD, GRADIENT_NORMS)
)
