"""The fast path (lstm_lib.numpy.fast) against the reference (lstm_lib.numpy.lstm_forward / lstm_backward).

The reference is tested against torch.nn.LSTM and autograd (test_numpy_vs_torch.py) and finite differences;
here the fast path must give the reference's values, to rounding, wherever its own code takes another route:
the one-tanh and one-exp activations (chosen by B * H), one sequence (B = 1), one step, the backward pass's
chunks of steps, float32, the gradients from beyond the sequence, and no dhs at all; and the same for padded
sequences (masked_lstm_*) and both directions (bilstm_*), against the references in sequences.py.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_lib.numpy import (
    bilstm_backward,
    bilstm_forward,
    fast,
    init_lstm_params,
    lstm_backward,
    lstm_forward,
    masked_lstm_backward,
    masked_lstm_forward,
)

KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
F64 = dict(rtol=1e-12, atol=1e-12)


def problem(B, T, D, H, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    p = init_lstm_params(D, H, rng=rng, dtype=dtype)
    x, h0, c0 = (rng.standard_normal(s).astype(dtype) for s in ((B, T, D), (B, H), (B, H)))
    dhs, dh_n, dc_n = (rng.standard_normal(s).astype(dtype) for s in ((B, T, H), (B, H), (B, H)))
    return p, x, h0, c0, dhs, dh_n, dc_n


def assert_same(ref, got, **tol):
    """Two results of lstm_backward (dx, dh0, dc0, grads) or of lstm_forward (hs, (h_n, c_n), cache)."""
    backward = len(ref) == 4
    names = ("dx", "dh0", "dc0") if backward else ("hs",)
    for name, a, b in zip(names, ref, got, strict=False):
        assert b.dtype == a.dtype and b.shape == a.shape, name
        np.testing.assert_allclose(b, a, **tol, err_msg=name)
    if backward:
        for k in KEYS:
            assert got[3][k].dtype == ref[3][k].dtype, k
            np.testing.assert_allclose(got[3][k], ref[3][k], **tol, err_msg=k)
    else:
        for name, a, b in zip(("h_n", "c_n"), ref[1], got[1], strict=True):
            np.testing.assert_allclose(b, a, **tol, err_msg=name)


def both(B, T, D, H, seed=0, dtype=np.float64, with_n=True, dhs_none=False):
    p, x, h0, c0, dhs, dh_n, dc_n = problem(B, T, D, H, seed, dtype)
    if not with_n:
        dh_n = dc_n = None
    if dhs_none:
        dhs = None
    out = []
    for forward, backward in ((lstm_forward, lstm_backward), (fast.lstm_forward, fast.lstm_backward)):
        fwd = forward(x, h0, c0, p)
        out.append((fwd, backward(dhs, fwd[2], dh_n, dc_n)))
    return out


# (1, ...) is one sequence (row products); B * H < 64 takes the one-tanh route in float64, above it the one-exp
# route; (40, 30, 3, 48) and (3, 700, 2, 64) span several chunks of the backward pass (the chunk holds about
# 1 MiB of gradients: 11 steps at B=40 H=48, 113 at B=3 H=64).
SHAPES = [
    (1, 1, 1, 1),
    (1, 9, 3, 4),
    (1, 300, 2, 70),
    (2, 1, 3, 5),
    (3, 7, 2, 5),
    (16, 6, 4, 8),
    (40, 30, 3, 48),
    (3, 700, 2, 64),
]


@pytest.mark.parametrize("B,T,D,H", SHAPES)
def test_fast_path_equals_reference_in_float64(B, T, D, H):
    (ref_f, ref_b), (fast_f, fast_b) = both(B, T, D, H)
    assert_same(ref_f, fast_f, **F64)
    assert_same(ref_b, fast_b, **F64)


@pytest.mark.parametrize("B,T,D,H", [(1, 5, 2, 3), (2, 4, 3, 200), (40, 12, 3, 20)])
def test_fast_path_equals_reference_in_float32(B, T, D, H):
    (ref_f, ref_b), (fast_f, fast_b) = both(B, T, D, H, dtype=np.float32)
    assert fast_f[0].dtype == np.float32 and all(g.dtype == np.float32 for g in fast_b[3].values())
    assert_same(ref_f, fast_f, rtol=1e-5, atol=1e-6)
    assert_same(ref_b, fast_b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("with_n,dhs_none", [(False, False), (True, True)])
@pytest.mark.parametrize("B", [1, 20])
def test_fast_path_equals_reference_without_some_incoming_gradients(B, with_n, dhs_none):
    (ref_f, ref_b), (fast_f, fast_b) = both(B, 6, 3, 7, with_n=with_n, dhs_none=dhs_none)
    assert_same(ref_b, fast_b, **F64)


def test_fast_cache_shows_the_same_gates_as_the_reference_cache():
    p, x, h0, c0, *_ = problem(3, 4, 2, 5)
    ref, got = lstm_forward(x, h0, c0, p)[2], fast.lstm_forward(x, h0, c0, p)[2]
    assert got.shape == ref.shape == (3, 4, 2, 5)
    for name in ("x", "i", "f", "g", "o", "c", "h"):
        np.testing.assert_allclose(getattr(got, name), getattr(ref, name), **F64, err_msg=name)


def test_each_backward_rejects_the_other_paths_cache():
    p, x, *_ = problem(2, 3, 2, 4)
    with pytest.raises(ValueError, match="FastLSTMCache returned by lstm_forward, got LSTMCache"):
        fast.lstm_backward(None, lstm_forward(x, None, None, p)[2], np.ones((2, 4)))
    with pytest.raises(ValueError, match="LSTMCache returned by lstm_forward, got FastLSTMCache"):
        lstm_backward(None, fast.lstm_forward(x, None, None, p)[2], np.ones((2, 4)))


@settings(max_examples=40, deadline=None)
@given(
    B=st.integers(1, 6),
    T=st.integers(1, 9),
    D=st.integers(1, 5),
    H=st.integers(1, 20),
    seed=st.integers(0, 2**32 - 1),
    with_n=st.booleans(),
)
def test_fast_path_equals_reference_for_any_shape(B, T, D, H, seed, with_n):
    (ref_f, ref_b), (fast_f, fast_b) = both(B, T, D, H, seed=seed, with_n=with_n)
    assert_same(ref_f, fast_f, **F64)
    assert_same(ref_b, fast_b, **F64)


# The fast path's own machinery: chunks of steps, and scratch buffers kept between calls.


def _backward(B, T, D, H, seed=0, dtype=np.float64):
    p, x, h0, c0, dhs, dh_n, dc_n = problem(B, T, D, H, seed, dtype)
    _, _, cache = fast.lstm_forward(x, h0, c0, p)
    return lambda: fast.lstm_backward(dhs, cache, dh_n, dc_n)


@pytest.mark.parametrize("B,H", [(1, 3), (20, 40)])
def test_backward_in_chunks_of_steps_equals_one_chunk(monkeypatch, B, H):
    """T = 10 in chunks of 4 (4, 4, 2) against one chunk of 10. The weight gradient is then summed in another
    order, so the two agree to rounding."""
    run = _backward(B, 10, 3, H)
    monkeypatch.setattr(fast, "_CHUNK_BYTES", 10 * B * 6 * H * 8)
    assert fast._chunk(10, B * 6 * H * 8) == 10
    whole = run()
    monkeypatch.setattr(fast, "_CHUNK_BYTES", 4 * B * 6 * H * 8)
    assert fast._chunk(10, B * 6 * H * 8) == 4
    assert_same(whole, run(), rtol=1e-11, atol=0)


def test_backward_results_are_not_overwritten_by_later_calls():
    small, big = _backward(3, 5, 2, 4), _backward(6, 9, 3, 7, seed=1)
    first = small()
    kept = (*(a.copy() for a in first[:3]), {k: v.copy() for k, v in first[3].items()})
    big()
    _backward(3, 5, 2, 4, seed=2, dtype=np.float32)()
    assert_same(kept, first, rtol=0, atol=0)
    assert_same(kept, small(), rtol=0, atol=0)


def test_backward_runs_in_several_threads_at_once():
    from concurrent.futures import ThreadPoolExecutor

    runs = [_backward(8, 30, 3, 70, seed=s) for s in range(4)]
    alone = [run() for run in runs]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda run: run(), runs * 3))
    for i, result in enumerate(together):
        assert_same(alone[i % 4], result, rtol=1e-13, atol=0)


# Padded sequences and both directions: fast.masked_lstm_* and fast.bilstm_* against the references in sequences.py
# (which tests/test_numpy_sequences.py holds to torch.nn.LSTM on packed sequences).


def random_mask(kind, B, T, rng):
    """(B, T) masks of each kind the fast path treats: right padding with lengths from 0 to T (0 and T included
    when B allows), holes anywhere, nothing real, everything real."""
    if kind == "lengths":
        lengths = rng.integers(0, T + 1, B)
        lengths[: min(B, 2)] = [T, 0][: min(B, 2)]
        return np.arange(T)[None, :] < lengths[:, None]
    if kind == "holes":
        return rng.random((B, T)) < 0.6
    return np.full((B, T), kind == "ones")


def both_masked(B, T, D, H, mask_kind, seed=0, dtype=np.float64, with_n=True, dhs_none=False):
    p, x, h0, c0, dhs, dh_n, dc_n = problem(B, T, D, H, seed, dtype)
    mask = random_mask(mask_kind, B, T, np.random.default_rng(seed + 1))
    if not with_n:
        dh_n = dc_n = None
    out = []
    for forward, backward in (
        (masked_lstm_forward, masked_lstm_backward),
        (fast.masked_lstm_forward, fast.masked_lstm_backward),
    ):
        fwd = forward(x, mask, h0, c0, p)
        out.append((fwd, backward(None if dhs_none else dhs, fwd[2], dh_n, dc_n)))
    return out


@pytest.mark.parametrize("mask_kind", ["lengths", "holes", "zeros"])
@pytest.mark.parametrize("B,T,D,H", SHAPES)
def test_fast_masked_layer_equals_reference_in_float64(B, T, D, H, mask_kind):
    (ref_f, ref_b), (fast_f, fast_b) = both_masked(B, T, D, H, mask_kind)
    assert_same(ref_f, fast_f, **F64)
    assert_same(ref_b, fast_b, **F64)


@pytest.mark.parametrize("B,T,D,H", [(1, 5, 2, 3), (2, 4, 3, 200), (40, 12, 3, 20)])
def test_fast_masked_layer_equals_reference_in_float32(B, T, D, H):
    (ref_f, ref_b), (fast_f, fast_b) = both_masked(B, T, D, H, "lengths", dtype=np.float32)
    assert fast_f[0].dtype == np.float32 and all(g.dtype == np.float32 for g in fast_b[3].values())
    assert_same(ref_f, fast_f, rtol=1e-5, atol=1e-6)
    assert_same(ref_b, fast_b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("with_n,dhs_none", [(False, False), (True, True)])
@pytest.mark.parametrize("B", [1, 20])
def test_fast_masked_layer_equals_reference_without_some_incoming_gradients(B, with_n, dhs_none):
    (ref_f, ref_b), (fast_f, fast_b) = both_masked(B, 6, 3, 7, "lengths", with_n=with_n, dhs_none=dhs_none)
    assert_same(ref_b, fast_b, **F64)


@pytest.mark.parametrize("B,H", [(1, 3), (20, 40)])
def test_fast_masked_backward_in_chunks_equals_the_reference(monkeypatch, B, H):
    """Chunks of 3 steps over T = 10, with sequences ending inside a chunk and at its edges, and holes."""
    monkeypatch.setattr(fast, "_CHUNK_BYTES", 3 * B * 6 * H * 8)
    for kind in ("lengths", "holes"):
        (_, ref_b), (_, fast_b) = both_masked(B, 10, 3, H, kind, seed=4)
        assert_same(ref_b, fast_b, **F64)


@pytest.mark.parametrize("B,T,D,H", [(1, 1, 1, 1), (64, 29, 12, 32), (3, 7, 2, 5), (40, 30, 3, 48)])
def test_fast_masked_layer_with_every_step_real_is_the_unmasked_fast_layer(B, T, D, H):
    p, x, h0, c0, dhs, dh_n, dc_n = problem(B, T, D, H)
    plain = fast.lstm_forward(x, h0, c0, p)
    plain_b = fast.lstm_backward(dhs, plain[2], dh_n, dc_n)
    for mask in (None, np.ones((B, T), bool), np.ones((B, T))):
        masked = fast.masked_lstm_forward(x, mask, h0, c0, p)
        assert_same(plain, masked, rtol=0, atol=0)
        assert_same(plain_b, fast.masked_lstm_backward(dhs, masked[2], dh_n, dc_n), rtol=0, atol=0)


@pytest.mark.parametrize("mask_kind", ["lengths", "holes"])
@pytest.mark.parametrize("B,T,D,H", [(1, 1, 1, 1), (1, 9, 3, 4), (3, 7, 2, 5), (64, 29, 12, 32), (40, 30, 3, 48)])
def test_fast_bidirectional_layer_equals_reference(B, T, D, H, mask_kind):
    rng = np.random.default_rng(5)
    pf, pb = init_lstm_params(D, H, rng=rng), init_lstm_params(D, H, rng=rng)
    x = rng.standard_normal((B, T, D))
    h0, c0, dh_n, dc_n = (rng.standard_normal((2, B, H)) for _ in range(4))
    dhs = rng.standard_normal((B, T, 2 * H))
    mask = random_mask(mask_kind, B, T, rng)
    ref = bilstm_forward(x, mask, pf, pb, h0, c0)
    got = fast.bilstm_forward(x, mask, pf, pb, h0, c0)
    for name, a, b in zip(("hs", "h_n", "c_n"), (ref[0], *ref[1]), (got[0], *got[1]), strict=True):
        assert a.shape == b.shape, name
        np.testing.assert_allclose(b, a, **F64, err_msg=name)
    for args in ((dhs, dh_n, dc_n), (None, dh_n, None), (dhs, None, None)):
        ref_b, got_b = bilstm_backward(args[0], ref[2], *args[1:]), fast.bilstm_backward(args[0], got[2], *args[1:])
        for name, a, b in zip(("dx", "dh0", "dc0"), ref_b[:3], got_b[:3], strict=True):
            np.testing.assert_allclose(b, a, **F64, err_msg=name)
        for d in (0, 1):
            for k in KEYS:
                np.testing.assert_allclose(got_b[3][d][k], ref_b[3][d][k], **F64, err_msg=f"direction {d} {k}")


@settings(max_examples=40, deadline=None)
@given(
    B=st.integers(1, 6),
    T=st.integers(1, 9),
    D=st.integers(1, 5),
    H=st.integers(1, 20),
    seed=st.integers(0, 2**32 - 1),
    mask_kind=st.sampled_from(["lengths", "holes"]),
    with_n=st.booleans(),
)
def test_fast_masked_layer_equals_reference_for_any_shape_and_mask(B, T, D, H, seed, mask_kind, with_n):
    (ref_f, ref_b), (fast_f, fast_b) = both_masked(B, T, D, H, mask_kind, seed=seed, with_n=with_n)
    assert_same(ref_f, fast_f, **F64)
    assert_same(ref_b, fast_b, **F64)


@pytest.mark.parametrize("B,T", [(1, 1), (1, 4), (3, 4)])
def test_fast_outputs_are_fresh_arrays_that_the_cache_does_not_share(B, T):
    """hs is the caller's to change (at B = 1, T = 1 it was once a view of the cache's buffer)."""
    p, x, h0, c0, dhs, dh_n, dc_n = problem(B, T, 2, 3)
    for mask in (None, np.ones((B, T))):
        hs, (h_n, c_n), cache = fast.masked_lstm_forward(x, mask, h0, c0, p)
        want = fast.masked_lstm_backward(dhs, cache, dh_n, dc_n)
        hs[...] = 99.0
        h_n[...] = c_n[...] = -1.0
        assert_same(want, fast.masked_lstm_backward(dhs, cache, dh_n, dc_n), rtol=0, atol=0)
        assert not np.shares_memory(hs, cache.xh)
