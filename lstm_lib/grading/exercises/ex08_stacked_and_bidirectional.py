"""Exercise 8, *Stacked and bidirectional LSTMs*: ``masked_lstm_forward``, ``bilstm_forward``
and ``classifier_loss``.

What the text asks of ``masked_lstm_forward(x, mask, h0, c0, params)``: one LSTM layer
over right-padded sequences, x (B, T, D), mask (B, T) of bools or of 0s and 1s, or None
(every step real); at a padded step the state carries over unchanged and the output is
zero; ``hs`` (B, T, H) and ``(h_n, c_n)``, each sequence's state after its last real step;
h0 and c0 None meaning zeros; the dtype of x kept; inputs not modified; the cache is free.
It may call ``lstm_cell_forward`` (the course's stands in while it is graded).

Of ``bilstm_forward(x, mask, params_fwd, params_bwd)``: the forward direction over the real
steps, the backward direction over each sequence's real steps from its last to its first,
its outputs back in place; ``hs`` (B, T, 2H), forward half first; ``h_n`` and ``c_n``
(2, B, H), [0] the forward direction after the last real step, [1] the backward one after
step 0; the cache is free. It may call ``masked_lstm_forward`` (the course's stands in).

Of ``classifier_loss(hs, mask, params, targets)``: the mean of hs over each sequence's
real steps (padded values, whatever they hold, do not count), logits = pooled @ weight.T
+ bias, softmax cross-entropy averaged over B; ``(loss, dhs, grads)``, dhs (B, T, F) zero
at padding, grads ``{"weight": (C, F), "bias": (C,)}``, in the dtype of hs. It may call
``softmax_cross_entropy`` (the course's stands in).
"""

from __future__ import annotations

import numpy as np

from ..cases import Call, Case, Outcome, Verdict
from ..judging import close, close_mask, compare_array, shape_str
from .spec import ExerciseSpec, FunctionSpec, reference

_F64 = np.float64


def _f64(a):
    return np.asarray(a, dtype=_F64)


def _params(rng, D, H, dtype):
    # Weights larger than init_lstm_params's keep the gates away from saturation, so that a
    # state that moves at a padded step, or a direction that reads the wrong way, shows.
    p = {
        "weight_ih": rng.normal(0, 0.6, (4 * H, D)),
        "weight_hh": rng.normal(0, 0.8, (4 * H, H)),
        "bias_ih": rng.normal(0, 0.5, 4 * H),
        "bias_hh": rng.normal(0, 0.5, 4 * H),
    }
    return {k: v.astype(dtype) for k, v in p.items()}


def _sizes(rng) -> tuple[int, int, int, int]:
    """(B, T, D, H): B, T and H all different, D != H, so that no axis can pass for another."""
    while True:
        B, T = int(rng.integers(3, 6)), int(rng.integers(4, 8))
        D, H = int(rng.integers(2, 6)), int(rng.integers(2, 6))
        if len({B, T, H}) == 3 and D != H and D != 2 * H:
            return B, T, D, H


def _lengths(rng, B, T) -> np.ndarray:
    """B lengths in 1..T in a drawn order: one of T (no padding), one of 1, the others between."""
    lengths = rng.integers(2, T, size=B)
    lengths[0], lengths[1] = T, 1
    return rng.permutation(lengths).astype(np.int64)


def _mask(lengths, T, kind, dtype):
    m = np.arange(T)[None, :] < np.asarray(lengths)[:, None]
    if kind == "bool":
        return m
    return m.astype(dtype)


def _full_mask(B, T, kind, dtype):
    return _mask(np.full(B, T), T, kind or "bool", dtype)


def _m64(mask, B, T):
    """The mask as 0.0/1.0 in float64, ones for None."""
    return np.ones((B, T)) if mask is None else _f64(mask)


def _lens_text(lengths) -> str:
    return "[" + ", ".join(str(int(n)) for n in lengths) + "]"


def _dtype_hint(got, want) -> str:
    return (
        f"the values are right but {got} for {want} inputs: something promotes to float64 "
        "(np.zeros and np.ones default to float64: pass dtype=x.dtype; a mask of 0.0/1.0 "
        "float64 or its integer counts promote float32 values: convert the mask first, "
        "mask.astype(x.dtype))"
    )


def _padding_where(name, got, want, M, dtype) -> str | None:
    """Where ``got`` (B, T, ...) is wrong, when it is right at every real step."""
    if got.shape != want.shape:
        return None
    bad = ~close_mask(got, want, dtype)
    bad = bad.reshape(*bad.shape[:2], -1).any(axis=2)
    if bad.any() and not bad[M.astype(bool)].any():
        b, t = (int(i) for i in np.argwhere(bad)[0])
        return (
            f"{name} at the padded steps: at every real step it is right, but {name}[{b}, {t}] (a padded step) is not"
        )
    return None


# ---------------------------------------------------------------- masked_lstm_forward


def _masked64(x, mask, h0, c0, p, *, state="carry", out="zero", x_masked=False, invert=False):
    """The masked layer in float64 on the reference cell, with one thing changed for a known
    mistake: ``state`` at a padded step ("carry", "none": moves on, "zero": reset, "h_only":
    h carried and c not, "c_only"), ``out`` at a padded step ("zero", "state": the carried
    h, "step": the cell's output), the input multiplied by the mask, the mask inverted."""
    cell = reference("lstm_cell_forward")
    x = _f64(x)
    p = {k: _f64(v) for k, v in p.items()}
    B, T, _ = x.shape
    H = p["weight_hh"].shape[1]
    M = _m64(mask, B, T)
    if invert:
        M = 1 - M
    h = np.zeros((B, H)) if h0 is None else _f64(h0)
    c = np.zeros((B, H)) if c0 is None else _f64(c0)
    hs = []
    for t in range(T):
        m = M[:, t, None]
        h_step, c_step, _ = cell(x[:, t] * m if x_masked else x[:, t], h, c, p)
        carried_h, carried_c = m * h_step + (1 - m) * h, m * c_step + (1 - m) * c
        h, c = {
            "carry": (carried_h, carried_c),
            "none": (h_step, c_step),
            "zero": (m * h_step, m * c_step),
            "h_only": (carried_h, c_step),
            "c_only": (h_step, carried_c),
        }[state]
        hs.append({"zero": m * h_step, "state": h, "step": h_step}[out])
    return np.stack(hs, axis=1), h, c


_MASKED_VARIANTS = (
    (
        "padding is not masked: the function runs like lstm_forward over every step. Where "
        "mask[b, t] is 0 the state must carry over unchanged (h = m * h_step + (1 - m) * h, the "
        "same for c) and hs[b, t] must be 0",
        dict(state="none", out="step"),
    ),
    (
        "the mask is applied to the input only (x * mask): a zero input still moves the state "
        "(the biases and h_prev @ weight_hh.T still act), so keep h and c unchanged at a padded "
        "step and make its output 0",
        dict(x_masked=True, state="none", out="step"),
    ),
    (
        "hs is not zeroed at padded steps: hs[b, t] = m * h_step is 0 at padding, while the "
        "carried state goes on to the next step",
        dict(out="state"),
    ),
    (
        "hs is not zeroed at padded steps: hs[b, t] = m * h_step is 0 at padding, while the "
        "carried state goes on to the next step",
        dict(out="step"),
    ),
    (
        "the state is reset to zero at padded steps instead of carried over: h = m * h_step + "
        "(1 - m) * h, so that h_n and c_n are each sequence's state after its last real step",
        dict(state="zero"),
    ),
    ("c is not carried over padded steps (h is): c = m * c_step + (1 - m) * c, as for h", dict(state="h_only")),
    ("h is not carried over padded steps (c is): h = m * h_step + (1 - m) * h, as for c", dict(state="c_only")),
    ("the mask is inverted: 1 (True) marks a real step and 0 (False) padding", dict(invert=True)),
    ("the mask is inverted: 1 (True) marks a real step and 0 (False) padding", dict(invert=True, out="state")),
)


def _masked_cases(rng) -> list:
    cases = []
    for label, dtype, padded, kind, states in (
        ("padded, mask of bools, h0 and c0 given", np.float64, True, "bool", True),
        ("padded, mask of 0.0/1.0 floats, h0 = c0 = None (zeros)", np.float64, True, "float", False),
        ("no padding (mask all True), h0 and c0 given", np.float64, False, "bool", True),
        ("mask = None (every step real), h0 and c0 given", np.float64, False, None, True),
        ("float32 (hs stays float32), padded, mask of bools, h0 and c0 given", np.float32, True, "bool", True),
    ):
        B, T, D, H = _sizes(rng)
        p = _params(rng, D, H, dtype)
        x = rng.normal(0, 1, (B, T, D)).astype(dtype)
        h0 = rng.uniform(-1, 1, (B, H)).astype(dtype) if states else None
        c0 = rng.normal(0, 1.5, (B, H)).astype(dtype) if states else None
        head = f"B={B}, T={T}, D={D}, H={H}"
        if padded:
            lengths = _lengths(rng, B, T)
            mask = _mask(lengths, T, kind, dtype)
            # The probe: the same inputs with every step real, to tell the masking apart.
            calls = (Call((x, mask, h0, c0, p)), Call((x, _full_mask(B, T, kind, dtype), h0, c0, p)))
            cases.append(Case(f"{head}, lengths {_lens_text(lengths)}, {label}", calls, probes=("no padding",)))
        else:
            mask = None if kind is None else _full_mask(B, T, kind, dtype)
            cases.append(Case(f"{head}, {label}", (Call((x, mask, h0, c0, p)),)))
    return cases


def _masked_ref(args):
    x, mask, h0, c0, p = args
    hs, (h, c), _ = reference("masked_lstm_forward")(
        *(a.copy() if isinstance(a, np.ndarray) else a for a in (x, mask, h0, c0)), p
    )
    return hs, h, c


def _masked_shape_hint(hs, want) -> str:
    B, T, H = want.shape
    if hs.shape == (T, B, H):
        return "hs is (T, B, H): stack the steps along axis 1, np.stack(hs, axis=1)"
    if hs.shape == (B, T + 1, H):
        return "hs has T + 1 steps: it holds h0 as well; hs[:, t] is the output of step t"
    if hs.shape == (B, H):
        return "hs is every step's output, (B, T, H), not only the last one"
    return f"hs is (B, T, H) = {shape_str(want.shape)}"


def _masked_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    args = case.calls[0].args
    x, mask, h0, c0, p = args
    hs_ref, h_ref, c_ref = _masked_ref(args)
    o = outcomes[0].outputs
    hs, h_n, c_n = o["hs"], o["h_n"], o["c_n"]
    problems = compare_array("hs", hs, hs_ref) + compare_array("h_n", h_n, h_ref) + compare_array("c_n", c_n, c_ref)
    if not problems:
        return Verdict(True)
    dtype = hs_ref.dtype
    B, T, H = hs_ref.shape
    if hs.shape != hs_ref.shape:
        return Verdict(False, problems, _masked_shape_hint(hs, hs_ref))
    if h_n.shape != h_ref.shape or c_n.shape != c_ref.shape:
        bad = "h_n" if h_n.shape != h_ref.shape else "c_n"
        return Verdict(False, problems, f"{bad} is each sequence's final state, (B, H) = {shape_str(h_ref.shape)}")
    if close(hs, hs_ref) and close(h_n, h_ref) and close(c_n, c_ref):
        bad = next(n for n, a in (("hs", hs), ("h_n", h_n), ("c_n", c_n)) if a.dtype != dtype)
        return Verdict(False, problems, _dtype_hint(o[bad].dtype, dtype), f"the dtype of {bad}")
    with np.errstate(all="ignore"):
        for text, kw in _MASKED_VARIANTS:
            v_hs, v_h, v_c = _masked64(x, mask, h0, c0, p, **kw)
            if (
                close(hs, v_hs.astype(dtype), dtype)
                and close(h_n, v_h.astype(dtype), dtype)
                and close(c_n, v_c.astype(dtype), dtype)
            ):
                return Verdict(False, problems, text)
    M = _m64(mask, B, T)
    if close(hs, hs_ref, dtype):
        if not close(h_n, h_ref, dtype):
            if close(h_n, hs_ref[:, -1], dtype):
                return Verdict(
                    False,
                    problems,
                    "h_n is hs[:, -1], which is 0 for a padded sequence: h_n is the "
                    "state carried to the end of the loop, each sequence's h after "
                    "its last real step",
                )
            return Verdict(
                False,
                problems,
                None,
                "h_n: hs is right; h_n is the h carried to the end of the loop, "
                "each sequence's state after its last real step",
            )
        return Verdict(
            False,
            problems,
            None,
            "c_n: hs and h_n are right; c_n is the c carried to the end of the loop, unchanged by the padded steps",
        )
    where = _padding_where("hs", hs, hs_ref, M, dtype)
    if where:
        return Verdict(False, problems, None, where + " (it must be 0 there)")
    if case.probes and len(outcomes) > 1 and outcomes[1].status == "ok":
        probe = case.calls[1].args
        p_hs, p_h, p_c = _masked_ref(probe)
        q = outcomes[1].outputs
        if close(q["hs"], p_hs, dtype) and close(q["h_n"], p_h, dtype) and close(q["c_n"], p_c, dtype):
            return Verdict(
                False,
                problems,
                None,
                "how padded steps are handled: with the mask all True your function "
                "is right, so look at what a 0 in the mask does to h, c and hs",
            )
    if close(hs[:, 0], hs_ref[:, 0], dtype):
        t = int(next(k for k in range(T) if not close(hs[:, k], hs_ref[:, k], dtype)))
        return Verdict(
            False,
            problems,
            None,
            f"what step {t} receives from step {t - 1}: hs[:, :{t}] is right, "
            f"hs[:, {t}] is not; each step takes x[:, t] and the h and c carried "
            "from the step before",
        )
    return Verdict(
        False,
        problems,
        None,
        "the first step already: it takes x[:, 0] and the initial states, h0 and c0 "
        "(or zeros of shape (B, H) when they are None)",
    )


MASKED_LSTM_FORWARD = FunctionSpec(
    name="masked_lstm_forward",
    signature="masked_lstm_forward(x, mask, h0, c0, params)",
    returns="a tuple (hs, (h_n, c_n), cache) with hs of shape (B, T, H), h_n and c_n (B, H)",
    points=3.0,
    outputs=(("hs", (0,)), ("h_n", (1, 0)), ("c_n", (1, 1))),
    make_cases=_masked_cases,
    judge=_masked_judge,
    calls=("lstm_cell_forward",),
    error_hints=(
        (
            "numpy boolean subtract",
            "the mask may be bools, and 1 - mask fails on them: convert it first, "
            "m = mask[:, t, None].astype(x.dtype), or choose with np.where(m, h_step, h)",
        ),
        (
            "'NoneType' object is not subscriptable",
            "mask may be None, which means every step is real: np.ones((B, T), dtype=x.dtype)",
        ),
        (
            "'NoneType' object has no attribute",
            "mask may be None, which means every step is real: np.ones((B, T), dtype=x.dtype)",
        ),
        (
            "got dtype object",
            "h0 and c0 may be None, which means zeros: np.zeros((B, H), dtype=x.dtype) with "
            "H = params['weight_hh'].shape[1]",
        ),
        (
            "could not be broadcast together",
            "mask[:, t] is (B,) and the states (B, H): give it an axis, mask[:, t, None], (B, 1), "
            "so that it multiplies each sequence's row",
        ),
        (
            "must have shape (B, H) with",
            "lstm_cell_forward received arrays of mismatched shapes: step t of the batch is "
            "x[:, t], (B, D), since axis 1 is time; h0 and c0 are (B, H) with "
            "H = params['weight_hh'].shape[1]",
        ),
        ("x must have shape (B, D)", "step t of the batch is x[:, t], (B, D): x is (B, T, D), axis 1 is time"),
    ),
)


# ---------------------------------------------------------------- bilstm_forward


def _bi_variants(x, mask, pf, pb) -> list:
    """(likely mistake, (hs, h_n, c_n)) for the common mistakes, in float64."""
    ref = reference("masked_lstm_forward")
    x = _f64(x)
    M = _m64(mask, *x.shape[:2])
    pf = {k: _f64(v) for k, v in pf.items()}
    pb = {k: _f64(v) for k, v in pb.items()}

    def run(xx, mm, p):
        hs, (h, c), _ = ref(xx, mm, None, None, p)
        return hs, h, c

    xr, Mr = x[:, ::-1], M[:, ::-1]
    hs_f, h_f, c_f = run(x, M, pf)
    hs_b, h_b, c_b = run(xr, Mr, pb)
    placed = hs_b[:, ::-1]

    def out(fwd, bwd, hf, hb, cf, cb):
        return np.concatenate([fwd, bwd], axis=-1), np.stack([hf, hb]), np.stack([cf, cb])

    nm_hs, nm_h, nm_c = run(xr, None, pb)
    mr_hs, mr_h, mr_c = run(xr, M, pb)
    o_hs, o_h, o_c = run(x, M, pb)
    ff_hs, ff_h, ff_c = run(xr, Mr, pf)
    bb_hs, bb_h, bb_c = run(x, M, pb)
    return [
        (
            "the backward direction's outputs are not reversed back into place: it reads time "
            "reversed, so its output for step t is at position T-1-t (before the padding moves "
            "it); flip it back, hs_b[:, ::-1], before joining the halves",
            out(hs_f, hs_b, h_f, h_b, c_f, c_b),
        ),
        (
            "the backward direction runs over the reversed sequence without the mask, so it starts "
            "in the padding: reverse the mask with x (mask[:, ::-1]) and pass it, so that the "
            "padding, now in front, leaves the state at zero",
            out(hs_f, nm_hs[:, ::-1], h_f, nm_h, c_f, nm_c),
        ),
        (
            "the mask is not reversed with the sequence: the backward direction reads x[:, ::-1], "
            "so its mask is mask[:, ::-1]",
            out(hs_f, mr_hs[:, ::-1], h_f, mr_h, c_f, mr_c),
        ),
        (
            "the backward direction reads the sequence in its original order: reverse time, "
            "x[:, ::-1] and mask[:, ::-1] (axis 1; x[::-1] would reverse the batch)",
            out(hs_f, o_hs, h_f, o_h, c_f, o_c),
        ),
        (
            "the backward direction reads the sequence in its original order: reverse time, "
            "x[:, ::-1] and mask[:, ::-1] (axis 1; x[::-1] would reverse the batch)",
            out(hs_f, o_hs[:, ::-1], h_f, o_h, c_f, o_c),
        ),
        (
            "the two halves of hs are in the wrong order: the forward direction first, "
            "hs[..., :H], then the backward one, hs[..., H:], and h_n and c_n in the same order",
            out(placed, hs_f, h_b, h_f, c_b, c_f),
        ),
        (
            "the two halves of hs are concatenated in the wrong order: the forward direction "
            "first, np.concatenate([hs_f, hs_b], axis=-1)",
            out(placed, hs_f, h_f, h_b, c_f, c_b),
        ),
        (
            "h_n's directions are swapped: h_n[0] is the forward direction's final state, h_n[1] "
            "the backward one's (and the same for c_n)",
            out(hs_f, placed, h_b, h_f, c_b, c_f),
        ),
        (
            "h_n's directions are swapped: h_n[0] is the forward direction's final state, h_n[1] the backward one's",
            out(hs_f, placed, h_b, h_f, c_f, c_b),
        ),
        (
            "both directions use params_fwd: the backward direction has its own parameters, params_bwd",
            out(hs_f, ff_hs[:, ::-1], h_f, ff_h, c_f, ff_c),
        ),
        (
            "both directions use params_bwd: the forward direction runs with params_fwd",
            out(bb_hs, placed, bb_h, h_b, bb_c, c_b),
        ),
        (
            "the parameters of the two directions are swapped: the forward direction runs with "
            "params_fwd, the backward one with params_bwd",
            out(bb_hs, ff_hs[:, ::-1], bb_h, ff_h, bb_c, ff_c),
        ),
        (
            "h_n of the backward direction is taken at the wrong end: it reads each sequence from "
            "its last real step to step 0, so its final state is the one after step 0, "
            "hs[:, 0, H:], not hs[:, -1, H:]",
            out(hs_f, placed, h_f, placed[:, -1], c_f, c_b),
        ),
        (
            "h_n is taken from the last column of hs, which is 0 for a padded sequence and the "
            "backward direction's first step: use the final states that each direction returns "
            "(h_n[0] after the last real step, h_n[1] after step 0)",
            out(hs_f, placed, hs_f[:, -1], placed[:, -1], c_f, c_b),
        ),
    ]


def _bi_cases(rng) -> list:
    cases = []
    for label, dtype, padded, kind in (
        ("padded, mask of bools", np.float64, True, "bool"),
        ("padded, mask of 0.0/1.0 floats", np.float64, True, "float"),
        ("no padding (mask all True)", np.float64, False, "bool"),
        ("mask = None (every step real)", np.float64, False, None),
        ("float32 (hs stays float32), padded, mask of bools", np.float32, True, "bool"),
    ):
        B, T, D, H = _sizes(rng)
        pf, pb = _params(rng, D, H, dtype), _params(rng, D, H, dtype)
        x = rng.normal(0, 1, (B, T, D)).astype(dtype)
        head = f"B={B}, T={T}, D={D}, H={H}"
        if padded:
            lengths = _lengths(rng, B, T)
            calls = (
                Call((x, _mask(lengths, T, kind, dtype), pf, pb)),
                Call((x, _full_mask(B, T, kind, dtype), pf, pb)),
            )
            cases.append(Case(f"{head}, lengths {_lens_text(lengths)}, {label}", calls, probes=("no padding",)))
        else:
            mask = None if kind is None else _full_mask(B, T, kind, dtype)
            cases.append(Case(f"{head}, {label}", (Call((x, mask, pf, pb)),)))
    return cases


def _bi_ref(args):
    x, mask, pf, pb = args
    hs, (h, c), _ = reference("bilstm_forward")(x.copy(), None if mask is None else mask.copy(), pf, pb)
    return hs, h, c


def _bi_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    args = case.calls[0].args
    x, mask, pf, pb = args
    hs_ref, h_ref, c_ref = _bi_ref(args)
    o = outcomes[0].outputs
    hs, h_n, c_n = o["hs"], o["h_n"], o["c_n"]
    problems = compare_array("hs", hs, hs_ref) + compare_array("h_n", h_n, h_ref) + compare_array("c_n", c_n, c_ref)
    if not problems:
        return Verdict(True)
    dtype = hs_ref.dtype
    B, T, H2 = hs_ref.shape
    H = H2 // 2
    if hs.shape != hs_ref.shape:
        if hs.shape == (B, T, H):
            hint = "hs holds one direction only: join the two, np.concatenate([hs_f, hs_b], axis=-1), (B, T, 2H)"
        elif hs.shape == (2, B, T, H) or hs.shape == (B, 2, T, H):
            hint = (
                "the two directions are stacked on a new axis: join them along the last "
                "one, np.concatenate([hs_f, hs_b], axis=-1), (B, T, 2H)"
            )
        elif hs.shape == (B, 2 * T, H):
            hint = (
                "the two directions are joined along time: join them along the features, "
                "np.concatenate([hs_f, hs_b], axis=-1), (B, T, 2H)"
            )
        else:
            hint = f"hs is (B, T, 2H) = {shape_str(hs_ref.shape)}"
        return Verdict(False, problems, hint)
    if h_n.shape != h_ref.shape or c_n.shape != c_ref.shape:
        bad, got = ("h_n", h_n) if h_n.shape != h_ref.shape else ("c_n", c_n)
        if got.shape == (B, 2 * H):
            hint = (
                f"{bad} joins the directions side by side: stack them, np.stack([h_f, h_b]), "
                "(2, B, H), as torch.nn.LSTM does"
            )
        else:
            hint = f"{bad} is (2, B, H) = {shape_str(h_ref.shape)}: [0] forward, [1] backward"
        return Verdict(False, problems, hint)
    if close(hs, hs_ref) and close(h_n, h_ref) and close(c_n, c_ref):
        bad = next(n for n, a in (("hs", hs), ("h_n", h_n), ("c_n", c_n)) if a.dtype != dtype)
        return Verdict(False, problems, _dtype_hint(o[bad].dtype, dtype), f"the dtype of {bad}")
    with np.errstate(all="ignore"):
        for text, (v_hs, v_h, v_c) in _bi_variants(x, mask, pf, pb):
            if (
                close(hs, v_hs.astype(dtype), dtype)
                and close(h_n, v_h.astype(dtype), dtype)
                and close(c_n, v_c.astype(dtype), dtype)
            ):
                return Verdict(False, problems, text)
    M = _m64(mask, B, T)
    fwd_ok = close(hs[..., :H], hs_ref[..., :H], dtype)
    bwd_ok = close(hs[..., H:], hs_ref[..., H:], dtype)
    if fwd_ok and bwd_ok:
        wrong = [
            f"{n}[{k}]"
            for n, a, w in (("h_n", h_n, h_ref), ("c_n", c_n, c_ref))
            for k in (0, 1)
            if not close(a[k], w[k], dtype)
        ]
        return Verdict(
            False,
            problems,
            None,
            f"{', '.join(wrong)}: hs is right; [0] is the forward direction's state "
            "after each sequence's last real step, [1] the backward direction's "
            "after step 0",
        )
    where = _padding_where("hs", hs, hs_ref, M, dtype)
    if where:
        return Verdict(False, problems, None, where + " (it must be 0 there)")
    if case.probes and len(outcomes) > 1 and outcomes[1].status == "ok":
        p_hs, p_h, p_c = _bi_ref(case.calls[1].args)
        q = outcomes[1].outputs
        if close(q["hs"], p_hs, dtype) and close(q["h_n"], p_h, dtype) and close(q["c_n"], p_c, dtype):
            half = "hs[..., H:], the backward direction" if fwd_ok else "hs"
            return Verdict(
                False,
                problems,
                None,
                f"{half}, where it meets the padding: with the mask all True your "
                "function is right; reversed, a sequence's padding comes first, and "
                "the mask must say so",
            )
    if fwd_ok:
        return Verdict(
            False,
            problems,
            None,
            "hs[..., H:], the backward direction (the forward half is right): "
            "masked_lstm_forward(x[:, ::-1], mask[:, ::-1], None, None, params_bwd), "
            "its outputs reversed back, hs_b[:, ::-1]",
        )
    if bwd_ok:
        return Verdict(
            False,
            problems,
            None,
            "hs[..., :H], the forward direction (the backward half is right): "
            "masked_lstm_forward(x, mask, None, None, params_fwd)",
        )
    return Verdict(
        False,
        problems,
        None,
        "both halves of hs: the forward direction is masked_lstm_forward(x, mask, "
        "None, None, params_fwd); the backward one runs on x[:, ::-1] with "
        "mask[:, ::-1] and params_bwd, its outputs reversed back",
    )


BILSTM_FORWARD = FunctionSpec(
    name="bilstm_forward",
    signature="bilstm_forward(x, mask, params_fwd, params_bwd)",
    returns="a tuple (hs, (h_n, c_n), cache) with hs of shape (B, T, 2H), h_n and c_n (2, B, H)",
    points=3.0,
    outputs=(("hs", (0,)), ("h_n", (1, 0)), ("c_n", (1, 1))),
    make_cases=_bi_cases,
    judge=_bi_judge,
    calls=("masked_lstm_forward", "lstm_cell_forward"),
    error_hints=(
        (
            "'NoneType' object is not subscriptable",
            "mask may be None, which means every step is real: pass it on to masked_lstm_forward, "
            "or use np.ones((B, T), dtype=x.dtype) before reversing it",
        ),
        (
            "mask must have shape (B, T)",
            "the mask goes with x: both are reversed along time, x[:, ::-1] and mask[:, ::-1]",
        ),
        (
            "x must have shape (B, T, D)",
            "x is (B, T, D): reverse it along time, x[:, ::-1], not with np.flip(x) (every axis)",
        ),
        (
            "all the input array dimensions except for the concatenation axis",
            "the two directions' hs are (B, T, H) each: join them with np.concatenate([hs_f, hs_b], axis=-1)",
        ),
    ),
)


# ---------------------------------------------------------------- classifier_loss


def _cls_sizes(rng) -> tuple[int, int, int, int]:
    """(B, T, F, C): all different, so that no axis can pass for another."""
    while True:
        B, T = int(rng.integers(3, 7)), int(rng.integers(4, 8))
        F, C = int(rng.integers(2, 9)), int(rng.integers(2, 7))
        if len({B, T, F, C}) == 4:
            return B, T, F, C


def _cls_cases(rng) -> list:
    cases = []
    for label, dtype, padded, kind in (
        ("padded, mask of bools, padded steps of hs hold other values", np.float64, True, "bool"),
        ("padded, mask of 0.0/1.0 floats, padded steps of hs hold other values", np.float64, True, "float"),
        ("no padding (mask all True)", np.float64, False, "bool"),
        ("mask = None (every step real)", np.float64, False, None),
        ("float32 (the results stay float32), padded, mask of bools", np.float32, True, "bool"),
    ):
        B, T, F, C = _cls_sizes(rng)
        hs = rng.normal(0, 1, (B, T, F))
        p = {"weight": rng.normal(0, 0.8, (C, F)).astype(dtype), "bias": rng.normal(0, 0.5, C).astype(dtype)}
        targets = rng.integers(0, C, size=B).astype(np.int64)
        head = f"B={B}, T={T}, F={F}, C={C}"
        if padded:
            lengths = _lengths(rng, B, T)
            mask = _mask(lengths, T, kind, dtype)
            hs[~mask.astype(bool)] = rng.normal(3, 2, (int((~mask.astype(bool)).sum()), F))
            hs = hs.astype(dtype)
            clean = (hs * mask.astype(dtype)[:, :, None]).astype(dtype)
            calls = (Call((hs, mask, p, targets)), Call((clean, mask, p, targets)))
            cases.append(Case(f"{head}, lengths {_lens_text(lengths)}, {label}", calls, probes=("padding zeroed",)))
        else:
            mask = None if kind is None else _full_mask(B, T, kind, dtype)
            cases.append(Case(f"{head}, {label}", (Call((hs.astype(dtype), mask, p, targets)),)))
    return cases


def _cls64(hs, mask, p, targets, *, pool="mean", dhs="ok", loss_scale=1.0, grad_scale=1.0, dbias="sum"):
    """The classifier's loss and gradients in float64, with one thing changed for a known
    mistake: how hs is pooled ("mean", "all": over all T steps, "by_T": padding zeroed but
    divided by T, "sum"), how dhs is spread ("ok", "unmasked", "no_count", "neither",
    "all": dpooled / T everywhere, "by_T": masked, / T), the loss and the gradients scaled."""
    hs = _f64(hs)
    B, T, _ = hs.shape
    M = _m64(mask, B, T)
    W, b = _f64(p["weight"]), _f64(p["bias"])
    count = M.sum(axis=1, keepdims=True)
    masked_sum = (hs * M[:, :, None]).sum(axis=1)
    pooled = {"mean": masked_sum / count, "all": hs.mean(axis=1), "by_T": masked_sum / T, "sum": masked_sum}[pool]
    logits = pooled @ W.T + b
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    rows = np.arange(B)
    loss = -logp[rows, targets].mean() * loss_scale
    dlogits = np.exp(logp)
    dlogits[rows, targets] -= 1.0
    dlogits = dlogits / B * grad_scale
    dpooled = dlogits @ W
    dhs_out = {
        "ok": M[:, :, None] * (dpooled / count)[:, None, :],
        "unmasked": np.broadcast_to((dpooled / count)[:, None, :], hs.shape),
        "no_count": M[:, :, None] * dpooled[:, None, :],
        "neither": np.broadcast_to(dpooled[:, None, :], hs.shape),
        "all": np.broadcast_to(dpooled[:, None, :] / T, hs.shape),
        "by_T": M[:, :, None] * dpooled[:, None, :] / T,
    }[dhs]
    db = {"sum": dlogits.sum(axis=0), "mean": dlogits.mean(axis=0)}[dbias]
    return {"loss": np.asarray(loss), "dhs": dhs_out, "dweight": dlogits.T @ pooled, "dbias": db}


_CLS_VARIANTS = (
    (
        "the mean is taken over all T steps, padding included: pool over each sequence's real "
        "steps only, (hs * m[:, :, None]).sum(axis=1) / m.sum(axis=1)[:, None], whatever the "
        "padded steps of hs hold",
        dict(pool="all", dhs="all"),
    ),
    (
        "the padded steps are zeroed but the sum is divided by T: divide by each sequence's own "
        "number of real steps, count = m.sum(axis=1)",
        dict(pool="by_T", dhs="by_T"),
    ),
    (
        "the hidden states are summed over the real steps, not averaged: divide the sum by each "
        "sequence's number of real steps, count = m.sum(axis=1)",
        dict(pool="sum", dhs="no_count"),
    ),
    (
        "the loss is summed over the batch: it is the mean over B (softmax_cross_entropy returns the mean)",
        dict(loss_scale="B"),
    ),
    (
        "the loss and its gradients are summed over the batch: the loss is the mean over B, so "
        "dlogits = (softmax - one_hot) / B (as softmax_cross_entropy returns it)",
        dict(loss_scale="B", grad_scale="B"),
    ),
    (
        "the gradients are not divided by B: the loss is the mean over the batch, so dlogits = "
        "(softmax - one_hot) / B (as softmax_cross_entropy returns it)",
        dict(grad_scale="B"),
    ),
    (
        "dhs is not zero at padded steps: a padded step does not reach the pooled vector, so "
        "dhs[b, t] = 0 where mask[b, t] is 0",
        dict(dhs="unmasked"),
    ),
    (
        "dhs misses the 1/count of the mean: each real step of sequence b gets dpooled[b] / "
        "count[b], count = the number of its real steps",
        dict(dhs="no_count"),
    ),
    (
        "dhs is dpooled copied to every step: it is dpooled[b] / count[b] at each real step of "
        "sequence b and 0 at its padded steps",
        dict(dhs="neither"),
    ),
    (
        "grads['bias'] is averaged over the batch: it is dlogits summed over the batch, "
        "dlogits.sum(axis=0) (dlogits already carries the 1/B)",
        dict(dbias="mean"),
    ),
)


def _cls_flat(out) -> dict:
    loss, dhs, grads = out
    return {"loss": np.asarray(loss), "dhs": dhs, "dweight": grads["weight"], "dbias": grads["bias"]}


def _cls_ref(args):
    hs, mask, p, targets = args
    # None means every step is real: the reference gets that mask spelled out.
    mask = np.ones(hs.shape[:2], dtype=bool) if mask is None else mask.copy()
    return _cls_flat(reference("classifier_loss")(hs.copy(), mask, p, targets.copy()))


def _as_number(a):
    a = np.asarray(a)
    return a.reshape(()) if a.size == 1 else a


_CLS_NAMES = {"loss": "loss", "dhs": "dhs", "dweight": "grads['weight']", "dbias": "grads['bias']"}


def _cls_close(got: dict, want: dict, dtype, keys=("loss", "dhs", "dweight", "dbias")) -> bool:
    """Whether ``got``'s outputs named in ``keys`` are ``want``'s within the tolerance of dtype."""
    for k in keys:
        g = _as_number(got[k]) if k == "loss" else np.asarray(got[k])
        if not close(g, np.asarray(want[k], dtype=_F64), dtype):
            return False
    return True


def _cls_problems(got: dict, want: dict, dtype) -> list:
    problems = []
    loss = _as_number(got["loss"])
    w = float(want["loss"])
    if loss.shape != ():
        problems.append(f"loss has shape {shape_str(loss.shape)}, expected a single number (shape ())")
    elif loss.dtype.kind not in "biuf" or not np.isfinite(float(loss)):
        problems.append(f"loss is {loss!r}, expected the finite value {w:.6g}")
    elif not close(_f64(loss), np.asarray(w), dtype):
        problems.append(f"loss is {float(loss):.6g}, expected {w:.6g}")
    for k in ("dhs", "dweight", "dbias"):
        problems += compare_array(_CLS_NAMES[k], got[k], want[k])
    return problems


def _cls_shape_hint(got, want, B, T, F, C) -> str | None:
    dhs, dw, db = got["dhs"].shape, got["dweight"].shape, got["dbias"].shape
    if dhs != want["dhs"].shape:
        if dhs == (B, F):
            return (
                "dhs is the gradient of hs, (B, T, F): spread dpooled over each sequence's "
                "real steps, m[:, :, None] * (dpooled / count[:, None])[:, None, :]"
            )
        return f"dhs has the shape of hs, (B, T, F) = {shape_str(want['dhs'].shape)}"
    if dw != want["dweight"].shape:
        if dw == (F, C):
            return "grads['weight'] is transposed: it has the shape of weight, (C, F), dlogits.T @ pooled"
        return f"grads['weight'] has the shape of weight, (C, F) = {shape_str((C, F))}"
    if db != want["dbias"].shape:
        if db == (B,):
            return (
                "grads['bias'] is summed over the wrong axis: sum dlogits over the batch, "
                "axis 0, giving one value per class, (C,)"
            )
        if db == (B, C):
            return "grads['bias'] is not summed over the batch: dlogits.sum(axis=0), (C,)"
        if db == () or got["dbias"].size == 1:
            return (
                "grads['bias'] is one number: sum dlogits over the batch only, axis 0, giving one value per class, (C,)"
            )
        return f"grads['bias'] has the shape of the bias, (C,) = {shape_str((C,))}"
    return None


def _cls_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    args = case.calls[0].args
    hs_in, mask, p, targets = args
    want = _cls_ref(args)
    got = {k: np.asarray(v) for k, v in outcomes[0].outputs.items()}
    dtype = want["dhs"].dtype
    problems = _cls_problems(got, want, dtype)
    if not problems:
        return Verdict(True)
    B, T, F = want["dhs"].shape
    C = want["dbias"].shape[0]
    hint = _cls_shape_hint(got, want, B, T, F, C)
    if hint or _as_number(got["loss"]).shape != ():
        return Verdict(False, problems, hint or "the loss is one number, the mean over B")
    if _cls_close(got, want, dtype):  # only a dtype is off
        bad = next((k for k in ("dhs", "dweight", "dbias") if got[k].dtype != dtype), "dhs")
        return Verdict(False, problems, _dtype_hint(got[bad].dtype, dtype), f"the dtype of {_CLS_NAMES[bad]}")
    with np.errstate(all="ignore"):
        for text, kw in _CLS_VARIANTS:
            kw = {k: (B if v == "B" else v) for k, v in kw.items()}
            if _cls_close(got, _cls64(hs_in, mask, p, targets, **kw), dtype):
                return Verdict(False, problems, text)
    wrong = [k for k in ("loss", "dhs", "dweight", "dbias") if not _cls_close(got, want, dtype, (k,))]
    M = _m64(mask, B, T)
    if wrong == ["dhs"]:
        where = _padding_where("dhs", got["dhs"], want["dhs"], M, dtype)
        return Verdict(
            False,
            problems,
            None,
            (where + " (it must be 0 there)")
            if where
            else "dhs (the loss and grads are right): dhs[b, t] = m[b, t] * dpooled[b] / "
            "count[b], with dpooled = dlogits @ weight",
        )
    if wrong == ["dbias"]:
        return Verdict(
            False,
            problems,
            None,
            "grads['bias'] (the rest is right): dlogits summed over the batch, dlogits.sum(axis=0)",
        )
    if wrong == ["dweight"]:
        return Verdict(False, problems, None, "grads['weight'] (the rest is right): dlogits.T @ pooled, (C, F)")
    if wrong == ["loss"]:
        return Verdict(
            False,
            problems,
            None,
            "the loss (the gradients are right): softmax cross-entropy of the logits, the mean over B",
        )
    if case.probes and len(outcomes) > 1 and outcomes[1].status == "ok":
        q = {k: np.asarray(v) for k, v in outcomes[1].outputs.items()}
        if _cls_close(q, _cls_ref(case.calls[1].args), dtype):
            return Verdict(
                False,
                problems,
                None,
                "the padded steps of hs: with them zeroed your function is right, so "
                "their values reach your result; only the real steps may count",
            )
    if "loss" not in wrong:
        return Verdict(
            False,
            problems,
            None,
            f"the gradients ({', '.join(_CLS_NAMES[k] for k in wrong)}; the loss is "
            "right): dlogits from softmax_cross_entropy, then dweight = dlogits.T @ "
            "pooled, dbias = dlogits.sum(axis=0), dpooled = dlogits @ weight",
        )
    return Verdict(
        False,
        problems,
        None,
        "the pooled vector or the logits: pooled = the mean of hs over each "
        "sequence's real steps, logits = pooled @ weight.T + bias",
    )


CLASSIFIER_LOSS = FunctionSpec(
    name="classifier_loss",
    signature="classifier_loss(hs, mask, params, targets)",
    returns="a tuple (loss, dhs, grads): loss one number, dhs of shape (B, T, F), grads a "
    "dict with keys 'weight' and 'bias'",
    points=3.0,
    outputs=(("loss", (0,)), ("dhs", (1,)), ("dweight", (2, "weight")), ("dbias", (2, "bias"))),
    make_cases=_cls_cases,
    judge=_cls_judge,
    calls=("softmax_cross_entropy",),
    error_hints=(
        (
            "'NoneType' object is not subscriptable",
            "mask may be None, which means every step is real: np.ones(hs.shape[:2], dtype=hs.dtype)",
        ),
        (
            "'NoneType' object has no attribute",
            "mask may be None, which means every step is real: np.ones(hs.shape[:2], dtype=hs.dtype)",
        ),
        (
            "mismatch in its core dimension",
            "weight is (C, F): logits = pooled @ weight.T, (B, C); dpooled = dlogits @ weight, "
            "(B, F); grads['weight'] = dlogits.T @ pooled, (C, F)",
        ),
        (
            "could not be broadcast together",
            "mask is (B, T) and hs (B, T, F): m[:, :, None] multiplies every feature of a step, "
            "and the (B, F) sums divide by count[:, None], count = m.sum(axis=1)",
        ),
        ("without the key", "grads has the keys of the parameters: 'weight' and 'bias' (not 'dweight', 'dW', ...)"),
    ),
)


EXERCISE = ExerciseSpec(
    "08_stacked_and_bidirectional",
    "Stacked and bidirectional LSTMs",
    (MASKED_LSTM_FORWARD, BILSTM_FORWARD, CLASSIFIER_LOSS),
)

__all__ = ["BILSTM_FORWARD", "CLASSIFIER_LOSS", "EXERCISE", "MASKED_LSTM_FORWARD"]
