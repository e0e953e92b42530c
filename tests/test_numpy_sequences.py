"""Padded sequences, both directions and stacks in lstm_lib.numpy: the references (sequences.py) and the fast path
(fast.py) against torch.nn.LSTM on packed sequences and autograd, against finite differences, and on their own
terms (padding changes nothing, dropout between layers, error messages).

tests/test_numpy_fast.py holds the fast path to the reference at every shape its code treats apart.
"""

import re

import numpy as np
import pytest

from lstm_lib.numpy import (
    bilstm_backward,
    bilstm_forward,
    classifier_loss,
    fast,
    grad_check,
    init_dense_params,
    init_lstm_params,
    init_lstm_stack_params,
    lstm_stack_backward,
    lstm_stack_forward,
    masked_lstm_backward,
    masked_lstm_forward,
    masked_mean_pool,
    masked_mean_pool_backward,
)

KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
F64 = dict(rtol=1e-12, atol=1e-12)
# Each implementation of the masked and bidirectional layer: (masked forward, masked backward, bi forward, bi backward).
IMPLS = {
    "reference": (masked_lstm_forward, masked_lstm_backward, bilstm_forward, bilstm_backward),
    "fast": (fast.masked_lstm_forward, fast.masked_lstm_backward, fast.bilstm_forward, fast.bilstm_backward),
}
both_impls = pytest.mark.parametrize("impl", IMPLS)


def right_padded(lengths, T):
    """The (B, T) bool mask of sequences of these lengths, padded on the right."""
    return np.arange(T)[None, :] < np.asarray(lengths)[:, None]


def padded_batch(lengths, T, D, seed=0, pad_value=np.nan):
    """x (B, T, D) with standard normal real steps; ``pad_value`` at padded steps unless it is nan (then normal too)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((len(lengths), T, D))
    if not np.isnan(pad_value):
        x[~right_padded(lengths, T)] = pad_value
    return x


# ---------------------------------------------------------------------------
# Against torch.nn.LSTM on packed sequences, and autograd
# ---------------------------------------------------------------------------


def torch_packed_run(params_list, bidirectional, x, lengths, h0, c0, dhs, dh_n, dc_n):
    """torch.nn.LSTM(batch_first=True) with these weights, copied through its state_dict, over packed sequences.

    Returns the outputs padded back to T, h_n, c_n, and the gradients of
    sum(out * dhs) + sum(h_n * dh_n) + sum(c_n * dc_n) for x, h0, c0 and every parameter (by state_dict key).
    """
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install torch (the [torch] extra)")
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    layers = [pair if bidirectional else (pair,) for pair in params_list]
    D = layers[0][0]["weight_ih"].shape[1]
    H = layers[0][0]["weight_hh"].shape[1]
    lstm = torch.nn.LSTM(
        D, H, num_layers=len(layers), bidirectional=bidirectional, batch_first=True, dtype=torch.float64
    )
    state = {
        f"{k}_l{l}{'_reverse' if d else ''}": torch.from_numpy(np.array(p[k]))
        for l, directions in enumerate(layers)
        for d, p in enumerate(directions)
        for k in KEYS
    }
    lstm.load_state_dict(state, strict=True)
    xt, h0t, c0t = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    packed = pack_padded_sequence(xt, torch.as_tensor(lengths), batch_first=True, enforce_sorted=False)
    out_packed, (h_n, c_n) = lstm(packed, (h0t, c0t))
    out, _ = pad_packed_sequence(out_packed, batch_first=True, total_length=x.shape[1])
    loss = (
        (out * torch.from_numpy(dhs)).sum()
        + (h_n * torch.from_numpy(dh_n)).sum()
        + (c_n * torch.from_numpy(dc_n)).sum()
    )
    loss.backward()
    grads = {name: p.grad.numpy() for name, p in lstm.named_parameters()}
    return (
        out.detach().numpy(),
        h_n.detach().numpy(),
        c_n.detach().numpy(),
        xt.grad.numpy(),
        h0t.grad.numpy(),
        c0t.grad.numpy(),
        grads,
    )


def _stack_problem(L, bidirectional, lengths, T=9, D=3, H=4, seed=0):
    rng = np.random.default_rng(seed)
    params = init_lstm_stack_params(D, H, L, bidirectional=bidirectional, rng=rng)
    S = (2 if bidirectional else 1) * L
    B, F = len(lengths), (2 if bidirectional else 1) * H
    x = rng.standard_normal((B, T, D))
    h0, c0, dh_n, dc_n = (rng.standard_normal((S, B, H)) for _ in range(4))
    dhs = rng.standard_normal((B, T, F))
    return params, x, h0, c0, dhs, dh_n, dc_n


LENGTHS = [9, 1, 5, 9, 3, 7]  # B = 6 with T = 9: full, one step, and in between, unsorted


@pytest.mark.parametrize("use_fast", [True, False], ids=["fast", "reference"])
@pytest.mark.parametrize("L,bidirectional", [(2, True), (1, True), (2, False)])
def test_stack_matches_torch_lstm_on_packed_sequences_forward_and_backward(L, bidirectional, use_fast):
    params, x, h0, c0, dhs, dh_n, dc_n = _stack_problem(L, bidirectional, LENGTHS)
    mask = right_padded(LENGTHS, x.shape[1])
    want = torch_packed_run(params, bidirectional, x, LENGTHS, h0, c0, dhs, dh_n, dc_n)

    hs, (h_n, c_n), cache = lstm_stack_forward(x, h0, c0, params, mask=mask, bidirectional=bidirectional, fast=use_fast)
    for name, got, ref in zip(("hs", "h_n", "c_n"), (hs, h_n, c_n), want[:3], strict=True):
        assert got.shape == ref.shape, name
        np.testing.assert_allclose(got, ref, **F64, err_msg=name)
    dx, dh0, dc0, grads = lstm_stack_backward(dhs, cache, dh_n, dc_n)
    for name, got, ref in zip(("dx", "dh0", "dc0"), (dx, dh0, dc0), want[3:6], strict=True):
        np.testing.assert_allclose(got, ref, **F64, err_msg=name)
    for l in range(L):
        for d, g in enumerate(grads[l] if bidirectional else (grads[l],)):
            for k in KEYS:
                key = f"{k}_l{l}{'_reverse' if d else ''}"
                np.testing.assert_allclose(g[k], want[6][key], **F64, err_msg=key)


@both_impls
def test_bilstm_layer_matches_torch_on_packed_sequences(impl):
    """bilstm_forward and bilstm_backward themselves, with (2, B, H) states, against a one-layer nn.LSTM."""
    _, _, bi_forward, bi_backward = IMPLS[impl]
    lengths = [4, 7, 1, 6]
    params, x, h0, c0, dhs, dh_n, dc_n = _stack_problem(1, True, lengths, T=7, seed=3)
    want = torch_packed_run(params, True, x, lengths, h0, c0, dhs, dh_n, dc_n)
    hs, (h_n, c_n), cache = bi_forward(x, right_padded(lengths, 7), *params[0], h0, c0)
    dx, dh0, dc0, (g_fwd, g_bwd) = bi_backward(dhs, cache, dh_n, dc_n)
    for name, got, ref in zip(
        ("hs", "h_n", "c_n", "dx", "dh0", "dc0"), (hs, h_n, c_n, dx, dh0, dc0), want[:6], strict=True
    ):
        np.testing.assert_allclose(got, ref, **F64, err_msg=name)
    for k in KEYS:
        np.testing.assert_allclose(g_fwd[k], want[6][f"{k}_l0"], **F64, err_msg=k)
        np.testing.assert_allclose(g_bwd[k], want[6][f"{k}_l0_reverse"], **F64, err_msg=f"{k} (backward direction)")


# ---------------------------------------------------------------------------
# Against finite differences
# ---------------------------------------------------------------------------


def _weighted(arrays, weights):
    """sum(a * w) over pairs: a scalar loss whose gradient with respect to each a is its w."""
    return float(sum((a * w).sum() for a, w in zip(arrays, weights, strict=True)))


@both_impls
def test_masked_layer_backward_matches_finite_differences(impl):
    forward, backward, _, _ = IMPLS[impl]
    rng = np.random.default_rng(1)
    B, T, D, H = 3, 6, 2, 3
    p = init_lstm_params(D, H, rng=rng)
    x, h0, c0 = rng.standard_normal((B, T, D)), rng.standard_normal((B, H)), rng.standard_normal((B, H))
    mask = np.array([[1, 1, 0, 1, 0, 0], [1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0]])  # a hole, full, none
    w = [rng.standard_normal((B, T, H)), rng.standard_normal((B, H)), rng.standard_normal((B, H))]

    def loss():
        hs, (h_n, c_n), _ = forward(x, mask, h0, c0, p)
        return _weighted((hs, h_n, c_n), w)

    dx, dh0, dc0, grads = backward(w[0], forward(x, mask, h0, c0, p)[2], w[1], w[2])
    result = grad_check(loss, {"x": x, "h0": h0, "c0": c0, **p}, {"x": dx, "h0": dh0, "c0": dc0, **grads})
    assert result.passed(1e-6), str(result)
    assert np.all(dx[mask == 0] == 0), "dx must be 0 at padded steps"


@both_impls
def test_bilstm_backward_matches_finite_differences(impl):
    _, _, forward, backward = IMPLS[impl]
    rng = np.random.default_rng(2)
    B, T, D, H = 3, 5, 2, 3
    pf, pb = init_lstm_params(D, H, rng=rng), init_lstm_params(D, H, rng=rng)
    x, h0, c0 = rng.standard_normal((B, T, D)), rng.standard_normal((2, B, H)), rng.standard_normal((2, B, H))
    mask = right_padded([5, 2, 4], T)
    w = [rng.standard_normal((B, T, 2 * H)), rng.standard_normal((2, B, H)), rng.standard_normal((2, B, H))]

    def loss():
        hs, (h_n, c_n), _ = forward(x, mask, pf, pb, h0, c0)
        return _weighted((hs, h_n, c_n), w)

    dx, dh0, dc0, (gf, gb) = backward(w[0], forward(x, mask, pf, pb, h0, c0)[2], w[1], w[2])
    result = grad_check(
        loss, {"x": x, "h0": h0, "c0": c0, "fwd": pf, "bwd": pb}, {"x": dx, "h0": dh0, "c0": dc0, "fwd": gf, "bwd": gb}
    )
    assert result.passed(1e-6), str(result)


def test_masked_mean_pool_backward_matches_finite_differences():
    rng = np.random.default_rng(3)
    hs, mask = rng.standard_normal((3, 5, 4)), right_padded([5, 1, 3], 5)
    w = rng.standard_normal((3, 4))
    dhs = masked_mean_pool_backward(w, mask)
    result = grad_check(lambda: _weighted((masked_mean_pool(hs, mask),), (w,)), {"hs": hs}, {"hs": dhs})
    assert result.passed(1e-6), str(result)
    assert np.all(dhs[~mask] == 0)


def test_masked_mean_pool_is_the_mean_of_the_real_steps_only():
    hs = np.arange(2 * 4 * 1, dtype=float).reshape(2, 4, 1)
    np.testing.assert_array_equal(masked_mean_pool(hs, right_padded([2, 4], 4)), [[0.5], [5.5]])


def test_classifier_loss_backward_matches_finite_differences():
    rng = np.random.default_rng(4)
    B, T, F, C = 4, 5, 6, 3
    hs, mask = rng.standard_normal((B, T, F)), right_padded([5, 2, 1, 4], T)
    params, targets = init_dense_params(F, C, rng=rng), np.array([0, 2, 1, 2])
    loss, dhs, grads = classifier_loss(hs, mask, params, targets)
    result = grad_check(
        lambda: classifier_loss(hs, mask, params, targets)[0], {"hs": hs, **params}, {"hs": dhs, **grads}
    )
    assert result.passed(1e-6), str(result)
    assert np.all(dhs[~mask] == 0)
    # and the loss is softmax cross-entropy of the pooled states' logits, averaged over B
    logits = masked_mean_pool(hs, mask) @ params["weight"].T + params["bias"]
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    assert loss == pytest.approx(-logp[np.arange(B), targets].mean(), rel=1e-12)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_stack_with_dropout_matches_finite_differences_for_fixed_masks(bidirectional):
    """The same seed draws the same dropout masks, so the loss is a fixed function of the parameters."""
    rng = np.random.default_rng(5)
    B, T, D, H, L = 3, 4, 2, 3, 2
    params = init_lstm_stack_params(D, H, L, bidirectional=bidirectional, rng=rng)
    x, mask = rng.standard_normal((B, T, D)), right_padded([4, 2, 3], T)
    w = rng.standard_normal((B, T, (2 if bidirectional else 1) * H))

    def run():
        return lstm_stack_forward(
            x, None, None, params, mask=mask, bidirectional=bidirectional, dropout=0.4, rng=np.random.default_rng(11)
        )

    hs, _, cache = run()
    assert sum(m is not None for m in cache.dropout_masks) == L - 1
    dx, _, _, grads = lstm_stack_backward(w, cache)
    # Gradients through the layers are small; centred differences are good to about 1e-10 in absolute terms,
    # so a relative error is taken against at least 1e-4 (floor). A backward without the masks is off by 1e-1.
    result = grad_check(
        lambda: _weighted((run()[0],), (w,)), {"x": x, "params": params}, {"x": dx, "params": grads}, floor=1e-4
    )
    assert result.passed(1e-5), str(result)


# ---------------------------------------------------------------------------
# Padding changes nothing
# ---------------------------------------------------------------------------


@both_impls
def test_values_at_padded_steps_change_no_output_and_no_gradient(impl):
    forward, backward, bi_forward, bi_backward = IMPLS[impl]
    lengths, T, D, H = [6, 2, 4, 0], 6, 3, 5
    rng = np.random.default_rng(6)
    p, pb = init_lstm_params(D, H, rng=rng), init_lstm_params(D, H, rng=rng)
    mask = right_padded(lengths, T)
    dhs = rng.standard_normal((4, T, 2 * H))
    results = []
    for pad_value in (0.0, 1e3):
        x = padded_batch(lengths, T, D, seed=7, pad_value=pad_value)
        hs, (h_n, c_n), cache = forward(x, mask, None, None, p)
        dx, dh0, dc0, grads = backward(dhs[..., :H], cache)
        bi_hs, (bi_h_n, bi_c_n), bi_cache = bi_forward(x, mask, p, pb)
        bi_dx, bi_dh0, bi_dc0, (g_fwd, g_bwd) = bi_backward(dhs, bi_cache)
        results.append(
            [
                hs,
                h_n,
                c_n,
                dx,
                dh0,
                dc0,
                *grads.values(),
                bi_hs,
                bi_h_n,
                bi_c_n,
                bi_dx,
                bi_dh0,
                bi_dc0,
                *g_fwd.values(),
                *g_bwd.values(),
            ]
        )
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)
    assert np.all(results[0][0][~mask] == 0), "outputs at padded steps must be 0"
    assert np.all(results[0][-8 - 6][~mask] == 0), "bidirectional outputs at padded steps must be 0"


@both_impls
def test_a_sequence_in_a_padded_batch_equals_the_sequence_alone(impl):
    forward, _, bi_forward, _ = IMPLS[impl]
    lengths, T, D, H = [7, 3, 5], 7, 2, 4
    rng = np.random.default_rng(8)
    pf, pb = init_lstm_params(D, H, rng=rng), init_lstm_params(D, H, rng=rng)
    x, mask = padded_batch(lengths, T, D, seed=9, pad_value=5.0), right_padded(lengths, T)
    h0, c0 = rng.standard_normal((2, 3, H)), rng.standard_normal((2, 3, H))
    hs, (h_n, c_n), _ = bi_forward(x, mask, pf, pb, h0, c0)
    uhs, (uh_n, uc_n), _ = forward(x, mask, h0[0], c0[0], pf)
    for b, n in enumerate(lengths):
        alone, (ah, ac), _ = bi_forward(x[b : b + 1, :n], None, pf, pb, h0[:, b : b + 1], c0[:, b : b + 1])
        np.testing.assert_allclose(hs[b, :n], alone[0], **F64)
        np.testing.assert_array_equal(hs[b, n:], 0.0)
        np.testing.assert_allclose(h_n[:, b], ah[:, 0], **F64)
        np.testing.assert_allclose(c_n[:, b], ac[:, 0], **F64)
        one, (oh, oc), _ = forward(x[b : b + 1, :n], None, h0[0, b : b + 1], c0[0, b : b + 1], pf)
        np.testing.assert_allclose(uhs[b, :n], one[0], **F64)
        np.testing.assert_allclose(uh_n[b], oh[0], **F64)
        np.testing.assert_allclose(uc_n[b], oc[0], **F64)


@both_impls
def test_a_sequence_without_real_steps_keeps_its_initial_state_and_passes_its_gradient(impl):
    forward, backward, _, _ = IMPLS[impl]
    rng = np.random.default_rng(10)
    p, x = init_lstm_params(2, 3, rng=rng), rng.standard_normal((2, 4, 2))
    h0, c0, dh_n, dc_n = (rng.standard_normal((2, 3)) for _ in range(4))
    mask = right_padded([4, 0], 4)
    hs, (h_n, c_n), cache = forward(x, mask, h0, c0, p)
    np.testing.assert_array_equal(h_n[1], h0[1])
    np.testing.assert_array_equal(c_n[1], c0[1])
    np.testing.assert_array_equal(hs[1], 0.0)
    dx, dh0, dc0, _ = backward(rng.standard_normal((2, 4, 3)), cache, dh_n, dc_n)
    np.testing.assert_array_equal(dh0[1], dh_n[1])
    np.testing.assert_array_equal(dc0[1], dc_n[1])
    np.testing.assert_array_equal(dx[1], 0.0)


@pytest.mark.parametrize("use_fast", [True, False], ids=["fast", "reference"])
def test_bidirectional_stack_fast_and_reference_agree_and_ignore_padding(use_fast):
    lengths, T = [5, 2, 4], 5
    params, x, h0, c0, dhs, dh_n, dc_n = _stack_problem(2, True, lengths, T=T, seed=12)
    mask = right_padded(lengths, T)
    out = []
    for x_pad in (x, np.where(mask[:, :, None], x, -7.0)):
        hs, states, cache = lstm_stack_forward(x_pad, h0, c0, params, mask=mask, bidirectional=True, fast=use_fast)
        out.append((hs, *states, *lstm_stack_backward(dhs, cache, dh_n, dc_n)[:3]))
    for a, b in zip(*out, strict=True):
        np.testing.assert_array_equal(a, b)
    ref = lstm_stack_forward(x, h0, c0, params, mask=mask, bidirectional=True, fast=not use_fast)
    np.testing.assert_allclose(out[0][0], ref[0], **F64)


# ---------------------------------------------------------------------------
# The stack: states in torch's order, dropout between layers
# ---------------------------------------------------------------------------


def test_bidirectional_stack_is_its_layers_one_after_another_in_torchs_state_order():
    lengths, T, H = [4, 2], 4, 3
    params, x, h0, c0, *_ = _stack_problem(2, True, lengths, T=T, H=H, seed=13)
    mask = right_padded(lengths, T)
    hs, (h_n, c_n), _ = lstm_stack_forward(x, h0, c0, params, mask=mask, bidirectional=True, fast=False)
    hs0, (h0_n, c0_n), _ = bilstm_forward(x, mask, *params[0], h0[0:2], c0[0:2])
    hs1, (h1_n, c1_n), _ = bilstm_forward(hs0, mask, *params[1], h0[2:4], c0[2:4])
    np.testing.assert_array_equal(hs, hs1)
    np.testing.assert_array_equal(h_n, np.concatenate([h0_n, h1_n]))  # l0 fwd, l0 bwd, l1 fwd, l1 bwd
    np.testing.assert_array_equal(c_n, np.concatenate([c0_n, c1_n]))


@pytest.mark.parametrize("bidirectional", [False, True])
def test_stack_with_dropout_zero_equals_the_stack_without_dropout(bidirectional):
    params, x, h0, c0, dhs, dh_n, dc_n = _stack_problem(3, bidirectional, [5, 3], T=5, seed=14)
    plain = lstm_stack_forward(x, h0, c0, params, bidirectional=bidirectional)
    zero = lstm_stack_forward(x, h0, c0, params, bidirectional=bidirectional, dropout=0.0, rng=0)
    for a, b in zip((plain[0], *plain[1]), (zero[0], *zero[1]), strict=True):
        np.testing.assert_array_equal(a, b)
    assert all(m is None for m in zero[2].dropout_masks)
    backward_plain, backward_zero = (lstm_stack_backward(dhs, run[2], dh_n, dc_n) for run in (plain, zero))
    for a, b in zip(backward_plain[:3], backward_zero[:3], strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_dropout_zeroes_a_layers_outputs_with_probability_p_and_scales_the_rest_to_keep_the_mean(bidirectional):
    p_drop, B, T, D, H = 0.3, 64, 40, 3, 8
    rng = np.random.default_rng(15)
    params = init_lstm_stack_params(D, H, 2, bidirectional=bidirectional, rng=rng)
    x = rng.standard_normal((B, T, D))
    hs, _, cache = lstm_stack_forward(x, None, None, params, bidirectional=bidirectional, dropout=p_drop, rng=16)
    assert cache.dropout_masks[0] is None  # nothing before the first layer
    drop = cache.dropout_masks[1]
    assert drop.shape == (B, T, (2 if bidirectional else 1) * H) and drop.dtype == x.dtype
    assert set(np.unique(drop)) == {0.0, 1 / (1 - p_drop)}
    assert abs((drop == 0).mean() - p_drop) < 0.02  # 20480 draws: the standard error is 0.0032
    assert abs(drop.mean() - 1.0) < 0.03  # inverted dropout: the next layer's input keeps its expected value
    # the top layer reads the layer below's outputs times the mask
    below = lstm_stack_forward(x, None, None, params[:1], bidirectional=bidirectional)[0]
    top = lstm_stack_forward(below * drop, None, None, params[1:], bidirectional=bidirectional)[0]
    np.testing.assert_allclose(hs, top, **F64)
    # the same seed draws the same masks; another seed other masks
    again = lstm_stack_forward(x, None, None, params, bidirectional=bidirectional, dropout=p_drop, rng=16)[2]
    np.testing.assert_array_equal(again.dropout_masks[1], drop)
    other = lstm_stack_forward(x, None, None, params, bidirectional=bidirectional, dropout=p_drop, rng=17)[2]
    assert not np.array_equal(other.dropout_masks[1], drop)


def test_init_bidirectional_stack_gives_pairs_with_inputs_of_2h_above_layer_0():
    D, H = 5, 3
    stack = init_lstm_stack_params(D, H, 3, bidirectional=True, rng=0)
    assert len(stack) == 3 and all(isinstance(pair, tuple) and len(pair) == 2 for pair in stack)
    assert [[p["weight_ih"].shape for p in pair] for pair in stack] == [
        [(12, D)] * 2,
        [(12, 2 * H)] * 2,
        [(12, 2 * H)] * 2,
    ]
    # drawn in torch's order: layer 0 forward, layer 0 backward, layer 1 forward, ...
    gen = np.random.default_rng(0)
    want = [init_lstm_params(D if i < 2 else 2 * H, H, rng=gen) for i in range(6)]
    for i, p in enumerate(q for pair in stack for q in pair):
        for k in KEYS:
            np.testing.assert_array_equal(p[k], want[i][k])
    assert not np.array_equal(stack[0][0]["weight_ih"], stack[0][1]["weight_ih"])


# ---------------------------------------------------------------------------
# Error messages
# ---------------------------------------------------------------------------


def raises(pattern, f, *args, **kwargs):
    with pytest.raises(ValueError, match=pattern):
        f(*args, **kwargs)


@both_impls
def test_bad_masks_are_refused_with_what_a_mask_holds(impl):
    forward, _, bi_forward, _ = IMPLS[impl]
    p = init_lstm_params(2, 3, rng=0)
    x = np.zeros((2, 4, 2))
    raises(
        re.escape("mask must have shape (B, T) with B=2, T=4, got shape (2, 3)"),
        forward,
        x,
        np.ones((2, 3)),
        None,
        None,
        p,
    )
    raises(
        re.escape("mask must have shape (B, T) with B=2, T=4, got shape (4, 2)"), bi_forward, x, np.ones((4, 2)), p, p
    )
    raises(
        re.escape(
            "mask must hold only 0s and 1s (or False and True): 1 marks a real step, 0 padding; got 2 at mask[1, 3]"
        ),
        forward,
        x,
        np.array([[1, 1, 0, 0], [1, 1, 1, 2]]),
        None,
        None,
        p,
    )
    raises(r"got 0\.5 at mask\[0, 1\]", bi_forward, x, np.array([[1, 0.5, 0, 0], [1, 1, 1, 1]]), p, p)
    raises(r"got nan at mask\[0, 0\]", forward, x, np.full((2, 4), np.nan), None, None, p)
    raises(
        r"mask must be an array of bools or of 0s and 1s, got dtype <U1",
        forward,
        x,
        np.full((2, 4), "1"),
        None,
        None,
        p,
    )


def test_bidirectional_parameters_and_states_are_checked_by_name():
    p3, p4 = init_lstm_params(2, 3, rng=0), init_lstm_params(2, 4, rng=1)
    x = np.zeros((2, 5, 2))
    for bi_forward in (bilstm_forward, fast.bilstm_forward):
        raises(
            re.escape(
                "params_fwd and params_bwd must have the same hidden size H, got H=3 (params_fwd) and H=4 (params_bwd)"
            ),
            bi_forward,
            x,
            None,
            p3,
            p4,
        )
        raises(r"^params_bwd must be a dict with keys weight_ih", bi_forward, x, None, p3, [p3])
        raises(
            re.escape(
                "h0 must have shape (2, B, H) (forward direction, backward direction) with B=2, H=3, got shape (2, 3)"
            ),
            bi_forward,
            x,
            None,
            p3,
            p3,
            np.zeros((2, 3)),
        )
        raises(
            re.escape("x must have shape (B, T, D) (3 dimensions), got shape (5, 2)"), bi_forward, x[0], None, p3, p3
        )
    hs, _, cache = fast.bilstm_forward(x, None, p3, p3)
    raises(
        re.escape("dhs must have shape (B, T, 2H) with B=2, T=5, 2H=6, got shape (2, 5, 3)"),
        fast.bilstm_backward,
        hs[..., :3],
        cache,
    )
    raises(r"cache must be the BiLSTMCache returned by bilstm_forward, got FastBiLSTMCache", bilstm_backward, hs, cache)
    raises(
        r"cache must be the FastBiLSTMCache returned by bilstm_forward, got BiLSTMCache",
        fast.bilstm_backward,
        hs,
        bilstm_forward(x, None, p3, p3)[2],
    )
    raises(
        r"cache must be the MaskedLSTMCache returned by masked_lstm_forward, got FastLSTMCache",
        masked_lstm_backward,
        None,
        fast.masked_lstm_forward(x, None, None, None, p3)[2],
    )
    raises(
        r"cache must be the FastLSTMCache returned by masked_lstm_forward, got MaskedLSTMCache",
        fast.masked_lstm_backward,
        None,
        masked_lstm_forward(x, None, None, None, p3)[2],
    )


def test_stack_refuses_a_params_list_of_the_wrong_shape():
    x = np.zeros((2, 5, 3))
    bi = init_lstm_stack_params(3, 4, 2, bidirectional=True, rng=0)
    uni = init_lstm_stack_params(3, 4, 2, rng=0)
    raises(
        re.escape("params_list[0] must be a pair (params_fwd, params_bwd) with bidirectional=True, got a dict"),
        lstm_stack_forward,
        x,
        None,
        None,
        uni,
        bidirectional=True,
    )
    raises(
        re.escape(
            "params_list[1] must be a pair (params_fwd, params_bwd) with bidirectional=True, got a 3-element tuple"
        ),
        lstm_stack_forward,
        x,
        None,
        None,
        [bi[0], (*bi[1], bi[1][0])],
        bidirectional=True,
    )
    raises(
        re.escape(
            "params_list[0] is a pair of parameter dicts, the layer of a bidirectional stack: pass bidirectional=True"
        ),
        lstm_stack_forward,
        x,
        None,
        None,
        bi,
    )
    raises(
        re.escape("params_list[1][1] must be a dict with keys weight_ih"),
        lstm_stack_forward,
        x,
        None,
        None,
        [bi[0], (bi[1][0], None)],
        bidirectional=True,
    )
    raises(
        re.escape("params_list[1][0] has hidden size H=5, params_list[0] has H=4"),
        lstm_stack_forward,
        x,
        None,
        None,
        [bi[0], tuple(init_lstm_stack_params(8, 5, 1, bidirectional=True, rng=1)[0])],
        bidirectional=True,
    )
    # a layer above 0 that reads H instead of 2H values
    raises(
        re.escape(
            "layer 1 (params_list[1]): x must have shape (B, T, D) with D=4, got shape (2, 5, 8); "
            "layer 1 reads the outputs of layer 0, so its weight_ih must have shape (4H, 2H)"
        ),
        lstm_stack_forward,
        x,
        None,
        None,
        [bi[0], (uni[1], uni[1])],
        bidirectional=True,
    )
    raises(
        re.escape("h0 must have shape (2L, B, H) with 2L=4, B=2, H=4, got shape (2, 2, 4)"),
        lstm_stack_forward,
        x,
        np.zeros((2, 2, 4)),
        None,
        bi,
        bidirectional=True,
    )
    hs, _, cache = lstm_stack_forward(x, None, None, bi, bidirectional=True)
    raises(
        re.escape("dh_n must have shape (2L, B, H) with 2L=4, B=2, H=4, got shape (2, 2, 4)"),
        lstm_stack_backward,
        hs,
        cache,
        np.zeros((2, 2, 4)),
    )


def test_stack_refuses_dropout_outside_0_1_and_dropout_without_rng():
    x = np.zeros((2, 5, 3))
    ps = init_lstm_stack_params(3, 4, 2, rng=0)
    for bad in (1.0, -0.1, 1.5, True, "0.2", None):
        raises(
            r"^dropout must be a number in \[0, 1\), the probability of zeroing a layer's output, got",
            lstm_stack_forward,
            x,
            None,
            None,
            ps,
            dropout=bad,
            rng=0,
        )
    raises(
        r"^dropout=0\.2 needs rng, a numpy\.random\.Generator \(or an int seed\)",
        lstm_stack_forward,
        x,
        None,
        None,
        ps,
        dropout=0.2,
    )
    lstm_stack_forward(x, None, None, ps, dropout=np.float64(0.2), rng=np.random.default_rng(0))  # a NumPy float


def test_pooling_refuses_a_sequence_without_real_steps():
    raises(
        re.escape("every sequence needs at least one real step; mask has none for sequences [1]"),
        masked_mean_pool,
        np.zeros((2, 3, 4)),
        right_padded([3, 0], 3),
    )
    raises(
        re.escape("every sequence needs at least one real step; mask has none for sequences [0]"),
        classifier_loss,
        np.zeros((2, 3, 4)),
        right_padded([0, 3], 3),
        init_dense_params(4, 2, rng=0),
        np.array([0, 1]),
    )


def test_sequence_benchmark_prints_times_and_a_ratio_for_each_shape():
    import subprocess
    import sys
    from pathlib import Path

    pytest.importorskip("threadpoolctl", reason="the benchmark holds BLAS to one thread with threadpoolctl")
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_sequences.py"
    out = subprocess.run(
        [sys.executable, str(script), "--rounds", "2", "--shapes", "2x3x2x4", "1x5x1x2"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    rows = re.findall(
        r"^\s+(\d+ x \d+ x \d+ x \d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+) \(\s*([\d.]+) \.\.\s+([\d.]+)\)$", out, re.M
    )
    assert [r[0] for r in rows] == ["2 x 3 x 2 x 4", "1 x 5 x 1 x 2"], out
    assert all(float(r[4]) <= float(r[3]) <= float(r[5]) for r in rows), out
    bad = subprocess.run([sys.executable, str(script), "--shapes", "2x3x4"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "a shape is B x T x D x H" in bad.stderr
