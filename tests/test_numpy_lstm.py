"""lstm_lib.numpy on its own terms: the sequence code against the one-step code, gradient checks,
dtypes, numerical stability, initialisation, optimizers. No torch needed."""

import warnings

import numpy as np
import pytest

from lstm_lib.numpy import (
    SGD,
    Adam,
    clip_grad_norm,
    fast,
    grad_check,
    init_lstm_params,
    init_lstm_stack_params,
    lstm_backward,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_forward,
    lstm_stack_backward,
    lstm_stack_forward,
    mse_loss,
    sigmoid,
    softmax_cross_entropy,
    tanh,
)

KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def random_problem(B, T, D, H, seed=0, dtype=np.float64, scale=1.0):
    rng = np.random.default_rng(seed)
    p = {k: (v * scale).astype(dtype) for k, v in init_lstm_params(D, H, rng=rng).items()}
    x = rng.standard_normal((B, T, D)).astype(dtype)
    h0 = rng.standard_normal((B, H)).astype(dtype)
    c0 = rng.standard_normal((B, H)).astype(dtype)
    return p, x, h0, c0, rng


IMPLS = {"reference": (lstm_forward, lstm_backward), "fast": (fast.lstm_forward, fast.lstm_backward)}
both_impls = pytest.mark.parametrize("impl", IMPLS)


def test_reference_cache_names_every_step_in_book_notation():
    p, x, h0, c0, _ = random_problem(3, 4, 2, 5)
    hs, (h_n, c_n), cache = lstm_forward(x, h0, c0, p)
    assert len(cache.steps) == 4 and cache.shape == (3, 4, 2, 5)
    h, c = h0, c0
    for t, step in enumerate(cache.steps):
        h, c, _ = lstm_cell_forward(x[:, t], h, c, p)
        np.testing.assert_array_equal(step.c, c)
        np.testing.assert_array_equal(cache.f[:, t], step.f)
    np.testing.assert_array_equal(cache.h, hs)
    np.testing.assert_array_equal(cache.x, x)
    np.testing.assert_array_equal(c_n, c)


def test_cell_backward_passes_grad_check():
    rng = np.random.default_rng(1)
    p = init_lstm_params(3, 4, rng=rng)
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    wh, wc = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))

    def loss():
        h1, c1, _ = lstm_cell_forward(x, h, c, p)
        return float((h1 * wh).sum() + (c1 * wc).sum())

    dx, dh, dc, grads = lstm_cell_backward(wh, wc, lstm_cell_forward(x, h, c, p)[2])
    res = grad_check(loss, {"x": x, "h_prev": h, "c_prev": c, **p}, {"x": dx, "h_prev": dh, "c_prev": dc, **grads})
    assert res.passed(1e-6), str(res)
    assert set(res.errors) == {"x", "h_prev", "c_prev", *KEYS}


def test_stack_backward_passes_grad_check():
    rng = np.random.default_rng(2)
    ps = init_lstm_stack_params(2, 3, 2, rng=rng)
    x = rng.standard_normal((2, 3, 2))
    w = rng.standard_normal((2, 3, 3))

    def loss():
        return float((lstm_stack_forward(x, None, None, ps)[0] * w).sum())

    dx, _, _, grads = lstm_stack_backward(w, lstm_stack_forward(x, None, None, ps)[2])
    res = grad_check(loss, {"x": x, "layers": ps}, {"x": dx, "layers": grads})
    # Some entries are ~1e-5, where finite differences of a loss ~1 carry ~1e-10 of rounding.
    assert res.passed(1e-4), str(res)
    assert np.median(list(res.errors.values())) < 1e-6, str(res)


def test_grad_check_reports_a_wrong_gradient():
    rng = np.random.default_rng(3)
    p, x, h0, c0, _ = random_problem(2, 3, 2, 3, seed=3)

    def loss():
        return float(lstm_forward(x, h0, c0, p)[0].sum())

    _, _, _, grads = lstm_backward(np.ones((2, 3, 3)), lstm_forward(x, h0, c0, p)[2])
    grads["weight_hh"] = grads["weight_hh"] * 1.01  # a 1% error
    res = grad_check(loss, p, grads, num_checks=10, rng=rng)
    assert not res.passed(1e-6)
    assert res.errors["weight_hh"] > 1e-3
    assert res.errors["weight_ih"] < 1e-6
    assert "weight_hh" in str(res)


@both_impls
def test_float32_inputs_give_float32_outputs_and_gradients(impl):
    lstm_forward, lstm_backward = IMPLS[impl]
    p, x, h0, c0, rng = random_problem(3, 4, 2, 5, dtype=np.float32)
    hs, (h_n, c_n), cache = lstm_forward(x, h0, c0, p)
    assert hs.dtype == h_n.dtype == c_n.dtype == np.float32
    dx, dh0, dc0, grads = lstm_backward(np.ones_like(hs), cache)
    assert dx.dtype == dh0.dtype == dc0.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())
    h, c, cc = lstm_cell_forward(x[:, 0], h0, c0, p)
    assert h.dtype == c.dtype == np.float32
    assert all(g.dtype == np.float32 for g in lstm_cell_backward(h, c, cc)[3].values())
    ref = lstm_forward(x.astype(np.float64), h0, c0, {k: v.astype(np.float64) for k, v in p.items()})[0]
    np.testing.assert_allclose(hs, ref, rtol=1e-5, atol=1e-6)
    float64_grads = lstm_backward(np.ones((3, 4, 5)), cache, np.ones((3, 5)), np.ones((3, 5)))  # float64 gradients in
    assert all(g.dtype == np.float32 for g in (*float64_grads[:3], *float64_grads[3].values()))


@both_impls
@pytest.mark.parametrize("B,H", [(1, 3), (40, 20)])  # both activation routes of the fast path
def test_saturated_gates_stay_finite_without_warnings(impl, B, H):
    lstm_forward, lstm_backward = IMPLS[impl]
    p, x, h0, c0, _ = random_problem(B, 5, 3, H, scale=1e4)  # pre-activations in the thousands
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hs, (h_n, c_n), cache = lstm_forward(x, h0, c0, p)
        dx, dh0, dc0, grads = lstm_backward(np.ones_like(hs), cache)
    assert np.all(np.isfinite(hs)) and np.all(np.abs(hs) <= 1)
    if impl == "fast":  # its one-exp and one-tanh routes against the reference's sigmoid and tanh
        np.testing.assert_allclose(hs, IMPLS["reference"][0](x, h0, c0, p)[0], atol=1e-12)
    assert all(np.all(np.isfinite(g)) for g in (dx, dh0, dc0, *grads.values()))


def test_sigmoid_is_stable_and_accurate_for_large_arguments():
    x = np.array([-1000.0, -745.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(x)
        s32 = sigmoid(x.astype(np.float32))
    assert s32.dtype == np.float32 and s.dtype == np.float64
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    assert s[2] == pytest.approx(np.exp(-50.0) / (1 + np.exp(-50.0)), rel=1e-14)
    np.testing.assert_allclose(sigmoid(np.linspace(-5, 5, 11)), 1 / (1 + np.exp(-np.linspace(-5, 5, 11))), rtol=1e-15)
    np.testing.assert_allclose(tanh(x), np.tanh(x))
    assert sigmoid(np.zeros((2, 3, 4))).shape == (2, 3, 4)


def test_init_follows_pytorch_layout_range_and_forget_bias():
    D, H = 5, 16
    p = init_lstm_params(D, H, rng=np.random.default_rng(0))
    assert {k: v.shape for k, v in p.items()} == {
        "weight_ih": (4 * H, D),
        "weight_hh": (4 * H, H),
        "bias_ih": (4 * H,),
        "bias_hh": (4 * H,),
    }
    k = 1 / np.sqrt(H)
    for name, v in p.items():
        assert v.dtype == np.float64
        mask = np.ones(v.shape[0], bool)
        if name.startswith("bias"):
            mask[H : 2 * H] = False
        assert np.all(np.abs(v[mask]) <= k), name
        assert np.abs(v[mask]).max() > 0.8 * k, name  # spread over the whole range, not a narrower one
    np.testing.assert_array_equal(p["bias_ih"][H : 2 * H] + p["bias_hh"][H : 2 * H], 1.0)
    q = init_lstm_params(D, H, rng=np.random.default_rng(0), forget_bias=None)
    assert np.all(np.abs(q["bias_ih"]) <= k) and np.abs(q["bias_ih"][H : 2 * H]).max() > 0
    np.testing.assert_array_equal(q["weight_hh"], p["weight_hh"])
    again = init_lstm_params(D, H, rng=np.random.default_rng(0))
    assert all(np.array_equal(p[n], again[n]) for n in p)
    assert init_lstm_params(D, H, rng=1, dtype=np.float32)["weight_ih"].dtype == np.float32
    stack = init_lstm_stack_params(D, H, 3, rng=0)
    assert [s["weight_ih"].shape for s in stack] == [(4 * H, D), (4 * H, H), (4 * H, H)]


@both_impls
@pytest.mark.parametrize("B", [1, 2, 40])
def test_forward_and_backward_leave_their_inputs_unchanged(impl, B):
    lstm_forward, lstm_backward = IMPLS[impl]
    p, x, h0, c0, _ = random_problem(B, 4, 2, 3)
    before = [a.copy() for a in (x, h0, c0, *p.values())]
    dhs, dh_n = np.ones((B, 4, 3)), np.ones((B, 3))
    hs, _, cache = lstm_forward(x, h0, c0, p)
    lstm_backward(dhs, cache, dh_n)
    for a, b in zip((x, h0, c0, *p.values()), before, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(dhs, 1.0)
    np.testing.assert_array_equal(dh_n, 1.0)


@both_impls
def test_backward_without_dhs_uses_only_the_last_state(impl):
    lstm_forward, lstm_backward = IMPLS[impl]
    p, x, h0, c0, rng = random_problem(2, 3, 2, 4)
    _, _, cache = lstm_forward(x, h0, c0, p)
    dh_n = rng.standard_normal((2, 4))
    dhs = np.zeros((2, 3, 4))
    dhs[:, -1] = dh_n
    a = lstm_backward(None, cache, dh_n=dh_n)
    b = lstm_backward(dhs, cache)
    for u, v in zip(a[:3], b[:3], strict=True):
        np.testing.assert_allclose(u, v, rtol=1e-13)
    for k in KEYS:
        np.testing.assert_allclose(a[3][k], b[3][k], rtol=1e-13, err_msg=k)


@pytest.mark.parametrize("use_fast", [True, False])
def test_one_layer_stack_runs_the_fast_path_by_default_and_the_reference_when_asked(use_fast):
    lstm_forward, lstm_backward = IMPLS["fast" if use_fast else "reference"]
    p, x, h0, c0, _ = random_problem(2, 3, 2, 4)
    hs, (h, c), cache = lstm_forward(x, h0, c0, p)
    kwargs = {} if use_fast else {"fast": False}
    shs, (sh, sc), scache = lstm_stack_forward(x, h0[None], c0[None], [p], **kwargs)
    assert type(scache.layers[0]) is type(cache)
    np.testing.assert_array_equal(hs, shs)
    np.testing.assert_array_equal(h, sh[0])
    dhs = np.ones_like(hs)
    want, got = lstm_backward(dhs, cache), lstm_stack_backward(dhs, scache)
    np.testing.assert_array_equal(want[0], got[0])
    for k in KEYS:
        np.testing.assert_array_equal(want[3][k], got[3][0][k])


@pytest.mark.parametrize("bidirectional", [False, True])
def test_masked_stack_runs_the_masked_layers_fast_or_reference_with_the_same_values(bidirectional):
    """With a mask, each layer is masked_lstm_forward (or bilstm_forward); fast=False picks the references."""
    from lstm_lib.numpy import BiLSTMCache, MaskedLSTMCache

    rng = np.random.default_rng(3)
    B, T, D, H, L = 3, 5, 2, 4, 2
    params = init_lstm_stack_params(D, H, L, bidirectional=bidirectional, rng=rng)
    x = rng.standard_normal((B, T, D))
    mask = np.arange(T)[None, :] < np.array([5, 2, 3])[:, None]
    dhs = rng.standard_normal((B, T, (2 if bidirectional else 1) * H))
    runs = {}
    for use_fast in (True, False):
        hs, (h_n, c_n), cache = lstm_stack_forward(
            x, None, None, params, mask=mask, bidirectional=bidirectional, fast=use_fast
        )
        runs[use_fast] = (hs, h_n, c_n, *lstm_stack_backward(dhs, cache)[:3])
        want = (
            (fast.FastBiLSTMCache if bidirectional else fast.FastLSTMCache)
            if use_fast
            else (BiLSTMCache if bidirectional else MaskedLSTMCache)
        )
        assert all(type(layer) is want for layer in cache.layers)
    assert runs[True][1].shape == ((2 * L if bidirectional else L), B, H)
    for a, b in zip(runs[True], runs[False], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_training_an_lstm_with_adam_and_clipping_lowers_the_loss():
    rng = np.random.default_rng(4)
    p = init_lstm_params(1, 8, rng=rng)
    x = rng.standard_normal((16, 10, 1))
    target = np.cumsum(x, axis=1)[:, :, :1].repeat(8, axis=2) * 0.1  # running sum, scaled
    opt = Adam(p, lr=0.02)
    losses = []
    for _ in range(60):
        hs, _, cache = lstm_forward(x, None, None, p)
        loss, dhs = mse_loss(hs, target)
        grads = lstm_backward(dhs, cache)[3]
        clip_grad_norm(grads, 1.0)
        opt.step(grads)
        losses.append(loss)
    assert losses[-1] < 0.3 * losses[0]


def test_sgd_descends_a_quadratic_and_momentum_goes_faster():
    def run(momentum):
        p = {"w": np.array([5.0, -3.0])}
        opt = SGD(p, lr=0.05, momentum=momentum)
        for _ in range(60):
            opt.step({"w": 2 * p["w"]})
        return np.abs(p["w"]).max()

    assert run(0.0) < 0.1 and run(0.5) < run(0.0)


def test_clip_grad_norm_caps_the_global_norm_and_returns_the_old_one():
    g = [{"a": np.full(4, 3.0)}, {"b": np.full(9, 4.0 / 3.0)}]  # norm sqrt(36 + 16) = sqrt(52)
    norm = clip_grad_norm(g, 1.0)
    assert norm == pytest.approx(np.sqrt(52))
    assert np.sqrt(sum((v**2).sum() for d in g for v in d.values())) == pytest.approx(1.0, rel=1e-5)
    small = {"a": np.array([0.1, 0.2])}
    clip_grad_norm(small, 10.0)
    np.testing.assert_array_equal(small["a"], [0.1, 0.2])


def test_softmax_cross_entropy_of_a_confident_right_answer_is_near_zero():
    loss, d = softmax_cross_entropy(np.array([[20.0, 0.0, 0.0]]), np.array([0]))
    assert loss < 1e-8 and np.abs(d).max() < 1e-8
    loss, d = softmax_cross_entropy(np.zeros((4, 5)), np.arange(4))
    assert loss == pytest.approx(np.log(5))
    np.testing.assert_allclose(d.sum(axis=1), 0, atol=1e-15)
