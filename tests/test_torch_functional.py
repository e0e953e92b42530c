"""lstm_lib.torch.functional: the hand-written layer backward, checked by gradcheck and autograd."""

import pytest

torch = pytest.importorskip("torch", reason="lstm_lib.torch needs PyTorch (pip install '.[torch]')")

from lstm_lib.torch.functional import LSTMLayerFunction, lstm_cell, lstm_layer  # noqa: E402

T, B, D, H, P = 4, 2, 3, 5, 2


def leaf(*shape):
    return torch.randn(*shape, dtype=torch.float64, requires_grad=True)


def layer_inputs(proj, bias=True, seed=0):
    torch.manual_seed(seed)
    h_out = P if proj else H
    return (leaf(T, B, D), leaf(B, h_out), leaf(B, H), leaf(4 * H, D), leaf(4 * H, h_out),
            leaf(4 * H) if bias else None, leaf(P, H) if proj else None)


def unrolled_layer(x, h0, c0, weight_ih, weight_hh, bias, weight_hr, reverse):
    """The same layer with plain autograd: lstm_cell step by step."""
    h, c = h0, c0
    outs = [None] * x.shape[0]
    for t in (reversed(range(x.shape[0])) if reverse else range(x.shape[0])):
        m, c = lstm_cell(x[t], h, c, weight_ih, weight_hh, bias, None)
        h = m if weight_hr is None else m @ weight_hr.t()  # lstm_cell gives o * tanh(c)
        outs[t] = h
    return torch.stack(outs), h, c


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("proj", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_layer_backward_passes_gradcheck(reverse, proj, bias):
    inputs = layer_inputs(proj, bias)
    assert torch.autograd.gradcheck(
        lambda *a: LSTMLayerFunction.apply(*a, reverse), inputs, eps=1e-6, atol=1e-8)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("proj", [False, True])
def test_layer_matches_the_step_by_step_autograd_version(reverse, proj):
    inputs = layer_inputs(proj, seed=1)
    x, h0, c0, w_ih, w_hh, bias, w_hr = inputs
    out, h_n, c_n = lstm_layer(x, h0, c0, w_ih, w_hh, bias, None, w_hr, reverse=reverse)
    rout, rh_n, rc_n = unrolled_layer(*inputs, reverse)
    wo, wh, wc = torch.randn_like(out), torch.randn_like(h_n), torch.randn_like(c_n)
    leaves = [t for t in inputs if t is not None]
    g = torch.autograd.grad((out * wo).sum() + (h_n * wh).sum() + (c_n * wc).sum(), leaves)
    rg = torch.autograd.grad((rout * wo).sum() + (rh_n * wh).sum() + (rc_n * wc).sum(), leaves)
    for a, b in zip((out, h_n, c_n) + g, (rout, rh_n, rc_n) + rg, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_layer_with_one_step_and_one_unit_passes_gradcheck():
    torch.manual_seed(2)
    inputs = (leaf(1, 1, 1), leaf(1, 1), leaf(1, 1), leaf(4, 1), leaf(4, 1), leaf(4), None)
    assert torch.autograd.gradcheck(lambda *a: LSTMLayerFunction.apply(*a, False), inputs)


def test_layer_without_grad_returns_the_same_values():
    inputs = layer_inputs(proj=True, seed=3)
    x, h0, c0, w_ih, w_hh, bias, w_hr = inputs
    with_grad = lstm_layer(x, h0, c0, w_ih, w_hh, bias, None, w_hr)
    with torch.no_grad():
        without = lstm_layer(x, h0, c0, w_ih, w_hh, bias, None, w_hr)
    for a, b in zip(with_grad, without, strict=True):
        assert b.grad_fn is None
        torch.testing.assert_close(a, b, rtol=0, atol=1e-15)


def test_cell_passes_gradcheck():
    torch.manual_seed(4)
    inputs = (leaf(B, D), leaf(B, H), leaf(B, H), leaf(4 * H, D), leaf(4 * H, H), leaf(4 * H),
              leaf(4 * H))
    assert torch.autograd.gradcheck(lstm_cell, inputs)


def test_layer_does_not_modify_its_inputs():
    inputs = layer_inputs(proj=True, seed=5)
    before = [t.detach().clone() for t in inputs if t is not None]
    x, h0, c0, w_ih, w_hh, bias, w_hr = inputs
    out, h_n, c_n = lstm_layer(x, h0, c0, w_ih, w_hh, bias, None, w_hr)
    (out.sum() + c_n.sum()).backward()
    for a, b in zip([t for t in inputs if t is not None], before, strict=True):
        assert torch.equal(a.detach(), b)
