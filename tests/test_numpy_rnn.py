"""The NumPy RNN against torch.nn.RNN, torch autograd and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstm_lib.numpy import (
    grad_check,
    gradient_norms,
    init_rnn_params,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
)

B, T, D, H = 3, 6, 4, 5


def _setup(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    p = {k: v * 2 for k, v in init_rnn_params(D, H, rng=rng, dtype=dtype).items()}
    x = rng.normal(size=(B, T, D)).astype(dtype)
    h0 = rng.normal(size=(B, H)).astype(dtype)
    return p, x, h0


def _torch_rnn(p):
    rnn = torch.nn.RNN(D, H, batch_first=True).double()
    rnn.load_state_dict({f"{k}_l0": torch.from_numpy(v) for k, v in p.items()})
    return rnn


def test_init_rnn_params_has_torch_layout_and_range():
    p = init_rnn_params(D, H, rng=0)
    assert {k: v.shape for k, v in p.items()} == {
        "weight_ih": (H, D),
        "weight_hh": (H, H),
        "bias_ih": (H,),
        "bias_hh": (H,),
    }
    assert all(np.abs(v).max() <= 1 / np.sqrt(H) for v in p.values())
    assert all(v.dtype == np.float32 for v in init_rnn_params(D, H, rng=0, dtype=np.float32).values())
    same = init_rnn_params(D, H, rng=np.random.default_rng(3))
    assert all(np.array_equal(same[k], init_rnn_params(D, H, rng=3)[k]) for k in p)
    torch.nn.RNN(D, H).load_state_dict({f"{k}_l0": torch.from_numpy(v).float() for k, v in p.items()})


def test_rnn_step_forward_matches_torch_rnn_cell():
    p, x, h0 = _setup()
    cell = torch.nn.RNNCell(D, H).double()
    cell.load_state_dict({k: torch.from_numpy(v) for k, v in p.items()})
    h, _ = rnn_step_forward(x[:, 0], h0, p)
    want = cell(torch.from_numpy(x[:, 0]), torch.from_numpy(h0)).detach().numpy()
    np.testing.assert_allclose(h, want, rtol=0, atol=1e-12)


def test_rnn_forward_matches_torch_rnn():
    p, x, h0 = _setup()
    hs, h_n, _ = rnn_forward(x, h0, p)
    out, hn = _torch_rnn(p)(torch.from_numpy(x), torch.from_numpy(h0)[None])
    np.testing.assert_allclose(hs, out.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(h_n, hn[0].detach().numpy(), rtol=0, atol=1e-12)
    assert np.array_equal(h_n, hs[:, -1])


def test_rnn_forward_with_no_h0_starts_from_zeros():
    p, x, _ = _setup()
    hs, _, _ = rnn_forward(x, None, p)
    np.testing.assert_array_equal(hs, rnn_forward(x, np.zeros((B, H)), p)[0])


def test_rnn_backward_matches_torch_autograd():
    p, x, h0 = _setup(1)
    rng = np.random.default_rng(2)
    dhs, dh_n = rng.normal(size=(B, T, H)), rng.normal(size=(B, H))
    hs, h_n, cache = rnn_forward(x, h0, p)
    dx, dh0, grads = rnn_backward(dhs, cache, dh_n)

    rnn = _torch_rnn(p)
    xt = torch.from_numpy(x).requires_grad_()
    h0t = torch.from_numpy(h0)[None].requires_grad_()
    out, hn = rnn(xt, h0t)
    ((out * torch.from_numpy(dhs)).sum() + (hn[0] * torch.from_numpy(dh_n)).sum()).backward()
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(dh0, h0t.grad[0].numpy(), rtol=0, atol=1e-12)
    for k, v in grads.items():
        np.testing.assert_allclose(v, getattr(rnn, f"{k}_l0").grad.numpy(), rtol=0, atol=1e-12)


def test_rnn_backward_matches_finite_differences():
    p, x, h0 = _setup(3)
    dhs = np.random.default_rng(4).normal(size=(B, T, H))

    def loss():
        return float((rnn_forward(x, h0, p)[0] * dhs).sum())

    dx, dh0, grads = rnn_backward(dhs, rnn_forward(x, h0, p)[2])
    result = grad_check(loss, {"params": p, "x": x, "h0": h0}, {"params": grads, "x": dx, "h0": dh0})
    assert result.passed(1e-5), str(result)


def test_rnn_step_backward_matches_finite_differences():
    p, x, h0 = _setup(5)
    x0 = x[:, 0].copy()
    dh = np.random.default_rng(6).normal(size=(B, H))
    dx, dh_prev, grads = rnn_step_backward(dh, rnn_step_forward(x0, h0, p)[1])
    result = grad_check(
        lambda: float((rnn_step_forward(x0, h0, p)[0] * dh).sum()),
        {"params": p, "x": x0, "h_prev": h0},
        {"params": grads, "x": dx, "h_prev": dh_prev},
    )
    assert result.passed(1e-5), str(result)


def test_rnn_keeps_float32_and_leaves_inputs_unchanged():
    p, x, h0 = _setup(dtype=np.float32)
    before = [a.copy() for a in (x, h0, *p.values())]
    hs, h_n, cache = rnn_forward(x, h0, p)
    assert hs.dtype == h_n.dtype == np.float32
    dx, dh0, grads = rnn_backward(np.ones_like(hs), cache)
    assert dx.dtype == dh0.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())
    assert all(np.array_equal(a, b) for a, b in zip(before, (x, h0, *p.values()), strict=True))


def test_rnn_rejects_wrong_shapes_with_a_clear_message():
    p, x, h0 = _setup()
    with pytest.raises(ValueError, match=r"x must have shape \(B, T, D\)"):
        rnn_forward(x[0], h0, p)
    with pytest.raises(ValueError, match="weight_ih"):
        rnn_step_forward(x[:, 0], h0, {**p, "weight_ih": p["weight_ih"].T})
    with pytest.raises(ValueError, match="missing 'bias_hh'"):
        rnn_forward(x, h0, {k: v for k, v in p.items() if k != "bias_hh"})


def test_gradient_norms_equal_the_jacobian_products():
    rng = np.random.default_rng(7)
    W = rng.normal(size=(H, H))
    v = rng.normal(size=H)
    norms = gradient_norms(W, 8, v)
    assert norms.shape == (9,) and norms.dtype == np.float64
    for k in range(9):
        assert np.isclose(norms[k], np.linalg.norm(np.linalg.matrix_power(W.T, k) @ v), rtol=1e-12)
    ones = np.ones(H) / np.sqrt(H)
    np.testing.assert_allclose(gradient_norms(W, 8), gradient_norms(W, 8, ones), rtol=0, atol=0)


@pytest.mark.parametrize("rho", [0.8, 0.95, 1.0, 1.05, 1.2])
def test_gradient_norms_change_geometrically_at_the_spectral_radius(rho):
    Q, _ = np.linalg.qr(np.random.default_rng(8).normal(size=(H, H)))
    norms = gradient_norms(rho * Q, 50)  # an orthogonal matrix times rho: every |eigenvalue| = rho
    np.testing.assert_allclose(norms, rho ** np.arange(51), rtol=1e-10)


def test_gradient_norms_of_linear_rnn_match_backpropagation():
    rng = np.random.default_rng(9)
    W = rng.normal(size=(H, H)) / np.sqrt(H)
    p = {"weight_ih": np.zeros((H, 1)), "weight_hh": W, "bias_ih": np.zeros(H), "bias_hh": np.zeros(H)}
    # A linear RNN: backpropagate through many "steps" of h_t = h_{t-1} W^T by hand.
    g = np.ones(H) / np.sqrt(H)
    norms = gradient_norms(W, 5)
    for k in range(6):
        assert np.isclose(np.linalg.norm(g), norms[k])
        g = g @ p["weight_hh"]
