"""lstm_lib.numpy against PyTorch: forwards against torch.nn, backwards against autograd."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install torch (the [torch] extra)")

from lstm_lib.numpy import (  # noqa: E402
    SGD,
    Adam,
    clip_grad_norm,
    dense_backward,
    dense_forward,
    grad_check,
    init_dense_params,
    init_lstm_params,
    init_lstm_stack_params,
    lstm_backward,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_forward,
    lstm_stack_backward,
    lstm_stack_forward,
    mse_loss,
    relu_backward,
    relu_forward,
    softmax_cross_entropy,
)

TOL = {np.float64: dict(rtol=1e-12, atol=1e-14), np.float32: dict(rtol=1e-5, atol=1e-6)}
GRAD_TOL = dict(rtol=1e-9, atol=1e-12)
KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def t(a, grad=False):
    return torch.tensor(np.asarray(a), requires_grad=grad)


def torch_lstm(params_list, batch_first=True):
    D = params_list[0]["weight_ih"].shape[1]
    H = params_list[0]["weight_hh"].shape[1]
    dtype = torch.float64 if params_list[0]["weight_ih"].dtype == np.float64 else torch.float32
    m = torch.nn.LSTM(D, H, num_layers=len(params_list), batch_first=batch_first).to(dtype)
    with torch.no_grad():
        for l, p in enumerate(params_list):
            for k in KEYS:
                getattr(m, f"{k}_l{l}").copy_(torch.from_numpy(p[k]))
    return m


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("B,D,H", [(1, 1, 1), (3, 4, 5), (16, 7, 40)])
def test_cell_forward_matches_torch_lstmcell(dtype, B, D, H):
    rng = np.random.default_rng(0)
    p = init_lstm_params(D, H, rng=rng, dtype=dtype)
    x, h, c = (rng.standard_normal(s).astype(dtype) for s in ((B, D), (B, H), (B, H)))
    h1, c1, cache = lstm_cell_forward(x, h, c, p)
    cell = torch.nn.LSTMCell(D, H).to(torch.float64 if dtype == np.float64 else torch.float32)
    with torch.no_grad():
        for k in KEYS:
            getattr(cell, k).copy_(torch.from_numpy(p[k]))
        th, tc = cell(t(x), (t(h), t(c)))
    assert h1.dtype == dtype and c1.dtype == dtype
    np.testing.assert_allclose(h1, th.numpy(), **TOL[dtype])
    np.testing.assert_allclose(c1, tc.numpy(), **TOL[dtype])
    assert cache.i.shape == (B, H) and cache.o.shape == (B, H)


def test_cell_backward_matches_torch_autograd():
    rng = np.random.default_rng(1)
    B, D, H = 4, 3, 5
    p = init_lstm_params(D, H, rng=rng)
    x, h, c = (rng.standard_normal(s) for s in ((B, D), (B, H), (B, H)))
    dh, dc = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    h1, c1, cache = lstm_cell_forward(x, h, c, p)
    dx, dh_prev, dc_prev, grads = lstm_cell_backward(dh, dc, cache)

    tx, th, tc = t(x, True), t(h, True), t(c, True)
    tp = {k: t(v, True) for k, v in p.items()}
    a = tx @ tp["weight_ih"].T + tp["bias_ih"] + th @ tp["weight_hh"].T + tp["bias_hh"]
    i, f, g, o = a.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * tc + torch.sigmoid(i) * torch.tanh(g)
    h_new = torch.sigmoid(o) * torch.tanh(c_new)
    ((h_new * t(dh)).sum() + (c_new * t(dc)).sum()).backward()
    np.testing.assert_allclose(dx, tx.grad.numpy(), **GRAD_TOL)
    np.testing.assert_allclose(dh_prev, th.grad.numpy(), **GRAD_TOL)
    np.testing.assert_allclose(dc_prev, tc.grad.numpy(), **GRAD_TOL)
    for k in KEYS:
        np.testing.assert_allclose(grads[k], tp[k].grad.numpy(), **GRAD_TOL, err_msg=k)


# The reference against torch; tests/test_numpy_fast.py holds the fast path to the reference.
# The last shape spans three chunks of the backward pass (11, 11 and 8 steps of float64 gradients).
SHAPES = [(1, 1, 1, 1), (2, 7, 3, 5), (1, 50, 4, 8), (24, 6, 5, 32), (40, 30, 3, 48)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("B,T,D,H", SHAPES)
def test_lstm_forward_matches_torch_lstm(dtype, B, T, D, H):
    rng = np.random.default_rng(2)
    p = init_lstm_params(D, H, rng=rng, dtype=dtype, forget_bias=None)
    x = rng.standard_normal((B, T, D)).astype(dtype)
    h0, c0 = rng.standard_normal((B, H)).astype(dtype), rng.standard_normal((B, H)).astype(dtype)
    hs, (h_n, c_n), _ = lstm_forward(x, h0, c0, p)
    with torch.no_grad():
        ths, (th, tc) = torch_lstm([p])(t(x), (t(h0)[None], t(c0)[None]))
    assert hs.dtype == dtype and hs.shape == (B, T, H)
    np.testing.assert_allclose(hs, ths.numpy(), **TOL[dtype])
    np.testing.assert_allclose(h_n, th[0].numpy(), **TOL[dtype])
    np.testing.assert_allclose(c_n, tc[0].numpy(), **TOL[dtype])


@pytest.mark.parametrize("B,T,D,H", SHAPES)
def test_lstm_backward_matches_torch_autograd(B, T, D, H):
    rng = np.random.default_rng(3)
    p = init_lstm_params(D, H, rng=rng)
    x, h0, c0 = rng.standard_normal((B, T, D)), rng.standard_normal((B, H)), rng.standard_normal((B, H))
    dhs, dh_n, dc_n = rng.standard_normal((B, T, H)), rng.standard_normal((B, H)), rng.standard_normal((B, H))
    hs, _, cache = lstm_forward(x, h0, c0, p)
    dx, dh0, dc0, grads = lstm_backward(dhs, cache, dh_n, dc_n)

    m = torch_lstm([p])
    tx, th0, tc0 = t(x, True), t(h0[None], True), t(c0[None], True)
    ths, (th, tc) = m(tx, (th0, tc0))
    ((ths * t(dhs)).sum() + (th[0] * t(dh_n)).sum() + (tc[0] * t(dc_n)).sum()).backward()
    np.testing.assert_allclose(dx, tx.grad.numpy(), **GRAD_TOL)
    np.testing.assert_allclose(dh0, th0.grad[0].numpy(), **GRAD_TOL)
    np.testing.assert_allclose(dc0, tc0.grad[0].numpy(), **GRAD_TOL)
    for k in KEYS:
        np.testing.assert_allclose(grads[k], getattr(m, f"{k}_l0").grad.numpy(), **GRAD_TOL, err_msg=k)


@pytest.mark.parametrize("L", [1, 2, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stack_forward_matches_torch_multilayer_lstm(L, dtype):
    rng = np.random.default_rng(4)
    B, T, D, H = 3, 6, 4, 7
    ps = init_lstm_stack_params(D, H, L, rng=rng, dtype=dtype)
    x = rng.standard_normal((B, T, D)).astype(dtype)
    h0, c0 = rng.standard_normal((L, B, H)).astype(dtype), rng.standard_normal((L, B, H)).astype(dtype)
    hs, (h_n, c_n), _ = lstm_stack_forward(x, h0, c0, ps)
    with torch.no_grad():
        ths, (th, tc) = torch_lstm(ps)(t(x), (t(h0), t(c0)))
    np.testing.assert_allclose(hs, ths.numpy(), **TOL[dtype])
    np.testing.assert_allclose(h_n, th.numpy(), **TOL[dtype])
    np.testing.assert_allclose(c_n, tc.numpy(), **TOL[dtype])


@pytest.mark.parametrize("L", [1, 2, 3])
def test_stack_backward_matches_torch_autograd(L):
    rng = np.random.default_rng(5)
    B, T, D, H = 2, 5, 3, 4
    ps = init_lstm_stack_params(D, H, L, rng=rng)
    x, h0, c0 = rng.standard_normal((B, T, D)), rng.standard_normal((L, B, H)), rng.standard_normal((L, B, H))
    dhs, dh_n, dc_n = rng.standard_normal((B, T, H)), rng.standard_normal((L, B, H)), rng.standard_normal((L, B, H))
    _, _, cache = lstm_stack_forward(x, h0, c0, ps)
    dx, dh0, dc0, grads = lstm_stack_backward(dhs, cache, dh_n, dc_n)
    m = torch_lstm(ps)
    tx, th0, tc0 = t(x, True), t(h0, True), t(c0, True)
    ths, (th, tc) = m(tx, (th0, tc0))
    ((ths * t(dhs)).sum() + (th * t(dh_n)).sum() + (tc * t(dc_n)).sum()).backward()
    np.testing.assert_allclose(dx, tx.grad.numpy(), **GRAD_TOL)
    np.testing.assert_allclose(dh0, th0.grad.numpy(), **GRAD_TOL)
    np.testing.assert_allclose(dc0, tc0.grad.numpy(), **GRAD_TOL)
    for l in range(L):
        for k in KEYS:
            np.testing.assert_allclose(
                grads[l][k], getattr(m, f"{k}_l{l}").grad.numpy(), **GRAD_TOL, err_msg=f"layer {l} {k}"
            )


def test_numpy_params_round_trip_through_torch_state_dict():
    ps = init_lstm_stack_params(3, 4, 2, rng=0)
    sd = torch_lstm(ps).state_dict()
    back = [{k: sd[f"{k}_l{l}"].numpy() for k in KEYS} for l in range(2)]
    for a, b in zip(ps, back, strict=True):
        for k in KEYS:
            np.testing.assert_array_equal(a[k], b[k])


def test_dense_matches_torch_linear_forward_and_backward():
    rng = np.random.default_rng(6)
    p = init_dense_params(5, 3, rng=rng)
    x, dy = rng.standard_normal((2, 4, 5)), rng.standard_normal((2, 4, 3))
    y, cache = dense_forward(x, p)
    dx, grads = dense_backward(dy, cache)
    lin = torch.nn.Linear(5, 3).double()
    with torch.no_grad():
        lin.weight.copy_(t(p["weight"]))
        lin.bias.copy_(t(p["bias"]))
    tx = t(x, True)
    ty = lin(tx)
    (ty * t(dy)).sum().backward()
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(grads["weight"], lin.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(grads["bias"], lin.bias.grad.numpy(), rtol=1e-12)


def test_relu_matches_torch():
    x = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]])
    dy = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    y, cache = relu_forward(x)
    tx = t(x, True)
    ty = torch.relu(tx)
    (ty * t(dy)).sum().backward()
    np.testing.assert_array_equal(y, ty.detach().numpy())
    np.testing.assert_array_equal(relu_backward(dy, cache), tx.grad.numpy())


def test_mse_loss_and_gradient_match_torch():
    rng = np.random.default_rng(7)
    pred, target = rng.standard_normal((4, 3, 2)), rng.standard_normal((4, 3, 2))
    loss, dpred = mse_loss(pred, target)
    tp = t(pred, True)
    tl = torch.nn.functional.mse_loss(tp, t(target))
    tl.backward()
    assert loss == pytest.approx(tl.item(), rel=1e-13)
    np.testing.assert_allclose(dpred, tp.grad.numpy(), rtol=1e-12)


def test_softmax_cross_entropy_matches_torch_even_for_huge_logits():
    rng = np.random.default_rng(8)
    logits = rng.standard_normal((6, 5)) * 3
    logits[0, 2] = 1000.0  # would overflow a naive softmax
    logits[1] = -1000.0
    targets = np.array([2, 0, 4, 1, 1, 3])
    loss, dlogits = softmax_cross_entropy(logits, targets)
    tl_in = t(logits, True)
    tl = torch.nn.functional.cross_entropy(tl_in, torch.tensor(targets))
    tl.backward()
    assert np.isfinite(loss)
    assert loss == pytest.approx(tl.item(), rel=1e-12)
    np.testing.assert_allclose(dlogits, tl_in.grad.numpy(), rtol=1e-10, atol=1e-15)


def _optimizer_trajectories(make_ours, make_theirs, steps=5):
    rng = np.random.default_rng(9)
    params = [init_lstm_params(2, 3, rng=rng), init_dense_params(3, 2, rng=rng)]
    tparams = [{k: t(v.copy(), True) for k, v in d.items()} for d in params]
    ours = make_ours(params)
    theirs = make_theirs([v for d in tparams for v in d.values()])
    for _ in range(steps):
        grads = [{k: rng.standard_normal(v.shape) for k, v in d.items()} for d in params]
        ours.step(grads)
        for d, gd in zip(tparams, grads, strict=True):
            for k in d:
                d[k].grad = t(gd[k])
        theirs.step()
    for d, td in zip(params, tparams, strict=True):
        for k in d:
            np.testing.assert_allclose(d[k], td[k].detach().numpy(), rtol=1e-12, atol=1e-14, err_msg=k)


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(momentum=0.9),
        dict(momentum=0.9, nesterov=True),
        dict(momentum=0.5, dampening=0.3, weight_decay=0.01),
    ],
)
def test_sgd_matches_torch_optim_sgd(kw):
    _optimizer_trajectories(lambda p: SGD(p, lr=0.1, **kw), lambda p: torch.optim.SGD(p, lr=0.1, **kw))


@pytest.mark.parametrize("kw", [dict(), dict(betas=(0.8, 0.99), eps=1e-6), dict(weight_decay=0.05)])
def test_adam_matches_torch_optim_adam(kw):
    _optimizer_trajectories(lambda p: Adam(p, lr=0.01, **kw), lambda p: torch.optim.Adam(p, lr=0.01, **kw))


@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(max_norm):
    rng = np.random.default_rng(10)
    grads = [init_lstm_params(2, 3, rng=rng), {"w": rng.standard_normal((4,))}]
    tg = [t(g.copy()) for d in grads for g in d.values()]
    tparams = [torch.zeros_like(g, requires_grad=True) for g in tg]
    for p, g in zip(tparams, tg, strict=True):
        p.grad = g
    norm = clip_grad_norm(grads, max_norm)
    tnorm = torch.nn.utils.clip_grad_norm_(tparams, max_norm)
    assert norm == pytest.approx(tnorm.item(), rel=1e-12)
    flat = [g for d in grads for g in d.values()]
    for a, p in zip(flat, tparams, strict=True):
        np.testing.assert_allclose(a, p.grad.numpy(), rtol=1e-12)


def test_lstm_backward_passes_grad_check_including_inputs():
    rng = np.random.default_rng(11)
    B, T, D, H = 2, 4, 3, 3
    p = init_lstm_params(D, H, rng=rng)
    x, h0, c0 = rng.standard_normal((B, T, D)), rng.standard_normal((B, H)), rng.standard_normal((B, H))
    w = rng.standard_normal((B, T, H))

    def loss():
        hs, (h_n, c_n), _ = lstm_forward(x, h0, c0, p)
        return float((hs * w).sum() + c_n.sum())

    _, _, cache = lstm_forward(x, h0, c0, p)
    dx, dh0, dc0, grads = lstm_backward(w, cache, None, np.ones((B, H)))
    res = grad_check(loss, {"x": x, "h0": h0, "c0": c0, **p}, {"x": dx, "h0": dh0, "c0": dc0, **grads})
    assert res.passed(1e-6), str(res)
