"""Property-based tests over shapes, B = 1, T = 1 and H = 1 included."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_lib.numpy import (
    init_lstm_params,
    lstm_backward,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_forward,
    mse_loss,
    sigmoid,
    softmax_cross_entropy,
)

dims = st.integers(1, 5)


@settings(max_examples=40, deadline=None)
@given(B=dims, T=st.integers(1, 8), D=dims, H=dims, seed=st.integers(0, 2**32 - 1),
       dtype=st.sampled_from([np.float64, np.float32]))
def test_sequence_functions_agree_with_the_cell_for_any_shape(B, T, D, H, seed, dtype):
    rng = np.random.default_rng(seed)
    p = init_lstm_params(D, H, rng=rng, dtype=dtype)
    x = rng.standard_normal((B, T, D)).astype(dtype)
    h0, c0 = rng.standard_normal((B, H)).astype(dtype), rng.standard_normal((B, H)).astype(dtype)
    hs, (h_n, c_n), cache = lstm_forward(x, h0, c0, p)
    assert hs.shape == (B, T, H) and h_n.shape == c_n.shape == (B, H) and hs.dtype == dtype
    dhs = rng.standard_normal((B, T, H)).astype(dtype)
    dx, dh0, dc0, grads = lstm_backward(dhs, cache)
    assert dx.shape == (B, T, D) and dh0.shape == dc0.shape == (B, H)
    assert {k: v.shape for k, v in grads.items()} == {k: v.shape for k, v in p.items()}

    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-4, atol=2e-5)
    h, c, caches = h0, c0, []
    for t in range(T):
        h, c, cc = lstm_cell_forward(x[:, t], h, c, p)
        np.testing.assert_allclose(hs[:, t], h, **tol)
        caches.append(cc)
    np.testing.assert_allclose(c_n, c, **tol)
    dh, dc, total = np.zeros_like(h0), None, None
    for t in range(T - 1, -1, -1):
        dxt, dh, dc, g = lstm_cell_backward(dhs[:, t] + dh, dc, caches[t])
        np.testing.assert_allclose(dx[:, t], dxt, **tol)
        total = g if total is None else {k: total[k] + g[k] for k in g}
    np.testing.assert_allclose(dh0, dh, **tol)
    np.testing.assert_allclose(dc0, dc, **tol)
    for k in total:
        np.testing.assert_allclose(grads[k], total[k], **tol)


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
