"""Property-based tests over shapes, B = 1, T = 1 and H = 1 included."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_lib.numpy import (
    fast,
    init_lstm_params,
    lstm_backward,
    lstm_forward,
    mse_loss,
    sigmoid,
    softmax_cross_entropy,
)

dims = st.integers(1, 5)


@settings(max_examples=40, deadline=None)
@given(
    B=dims,
    T=st.integers(1, 8),
    D=dims,
    H=dims,
    seed=st.integers(0, 2**32 - 1),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_sequence_functions_keep_shapes_and_dtype_and_agree_with_the_fast_path(B, T, D, H, seed, dtype):
    rng = np.random.default_rng(seed)
    p = init_lstm_params(D, H, rng=rng, dtype=dtype)
    x = rng.standard_normal((B, T, D)).astype(dtype)
    h0, c0 = rng.standard_normal((B, H)).astype(dtype), rng.standard_normal((B, H)).astype(dtype)
    hs, (h_n, c_n), cache = lstm_forward(x, h0, c0, p)
    assert hs.shape == (B, T, H) and h_n.shape == c_n.shape == (B, H) and hs.dtype == c_n.dtype == dtype
    np.testing.assert_array_equal(h_n, hs[:, -1])
    dhs = rng.standard_normal((B, T, H)).astype(dtype)
    dx, dh0, dc0, grads = lstm_backward(dhs, cache)
    assert dx.shape == (B, T, D) and dh0.shape == dc0.shape == (B, H) and dx.dtype == dc0.dtype == dtype
    assert {k: (v.shape, v.dtype) for k, v in grads.items()} == {k: (v.shape, v.dtype) for k, v in p.items()}

    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-4, atol=2e-5)
    fhs, (fh, fc), fcache = fast.lstm_forward(x, h0, c0, p)
    np.testing.assert_allclose(fhs, hs, **tol)
    np.testing.assert_allclose(fc, c_n, **tol)
    fdx, fdh0, fdc0, fgrads = fast.lstm_backward(dhs, fcache)
    for a, b in ((fdx, dx), (fdh0, dh0), (fdc0, dc0), *((fgrads[k], grads[k]) for k in grads)):
        np.testing.assert_allclose(a, b, **tol)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=20))
def test_sigmoid_stays_in_unit_interval_and_is_monotone(values):
    x = np.sort(np.array(values))
    s = sigmoid(x)
    assert np.all((s >= 0) & (s <= 1))
    assert np.all(np.diff(s) >= 0)
    np.testing.assert_allclose(s + sigmoid(-x), 1.0, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(N=st.integers(1, 6), C=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_loss_gradients_match_finite_differences(N, C, seed):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((N, C)) * 3
    targets = rng.integers(0, C, N)
    loss, d = softmax_cross_entropy(logits, targets)
    eps = 1e-6
    for idx in [(rng.integers(N), rng.integers(C))]:
        lp, lm = logits.copy(), logits.copy()
        lp[idx] += eps
        lm[idx] -= eps
        num = (softmax_cross_entropy(lp, targets)[0] - softmax_cross_entropy(lm, targets)[0]) / (2 * eps)
        assert abs(num - d[idx]) < 1e-7
    pred, target = rng.standard_normal((N, C)), rng.standard_normal((N, C))
    _, dp = mse_loss(pred, target)
    pp = pred.copy()
    pp[0, 0] += eps
    pm = pred.copy()
    pm[0, 0] -= eps
    num = (mse_loss(pp, target)[0] - mse_loss(pm, target)[0]) / (2 * eps)
    assert abs(num - dp[0, 0]) < 1e-7
