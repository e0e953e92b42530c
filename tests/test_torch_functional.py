"""lstm_lib.torch.functional: the hand-written layer backward, checked by gradcheck; the docstrings.

The fast layer against the reference layer, and the reference against
torch.nn.LSTM, are in test_torch_reference.py.
"""

import inspect
import pydoc

import pytest

torch = pytest.importorskip("torch", reason="lstm_lib.torch needs PyTorch (pip install '.[torch]')")

import lstm_lib.torch as lt  # noqa: E402
from lstm_lib.conventions import EQUATIONS  # noqa: E402
from lstm_lib.torch import functional, interop, modules  # noqa: E402
from lstm_lib.torch.functional import LSTMLayerFunction, lstm_cell, lstm_layer  # noqa: E402

T, B, D, H, P = 4, 2, 3, 5, 2


def leaf(*shape):
    return torch.randn(*shape, dtype=torch.float64, requires_grad=True)


def layer_inputs(proj, bias=True, seed=0):
    torch.manual_seed(seed)
    h_out = P if proj else H
    return (
        leaf(T, B, D),
        leaf(B, h_out),
        leaf(B, H),
        leaf(4 * H, D),
        leaf(4 * H, h_out),
        leaf(4 * H) if bias else None,
        leaf(P, H) if proj else None,
    )


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("proj", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_layer_backward_passes_gradcheck(reverse, proj, bias):
    inputs = layer_inputs(proj, bias)
    assert torch.autograd.gradcheck(lambda *a: LSTMLayerFunction.apply(*a, reverse), inputs, eps=1e-6, atol=1e-8)


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
    inputs = (leaf(B, D), leaf(B, H), leaf(B, H), leaf(4 * H, D), leaf(4 * H, H), leaf(4 * H), leaf(4 * H))
    assert torch.autograd.gradcheck(lstm_cell, inputs)


def test_layer_does_not_modify_its_inputs():
    inputs = layer_inputs(proj=True, seed=5)
    before = [t.detach().clone() for t in inputs if t is not None]
    x, h0, c0, w_ih, w_hh, bias, w_hr = inputs
    out, h_n, c_n = lstm_layer(x, h0, c0, w_ih, w_hh, bias, None, w_hr)
    (out.sum() + c_n.sum()).backward()
    for a, b in zip([t for t in inputs if t is not None], before, strict=True):
        assert torch.equal(a.detach(), b)


EQUATION_LINES = [line.strip() for line in EQUATIONS.strip().splitlines()]


@pytest.mark.parametrize("documented", [lt.LSTM, lt.LSTMCell, functional], ids=lambda d: d.__name__)
def test_help_shows_the_gate_equations(documented):
    text = pydoc.render_doc(documented, renderer=pydoc.plaintext)
    assert "{EQUATIONS}" not in text
    for line in EQUATION_LINES:
        assert line in text


@pytest.mark.parametrize("module", [functional, modules, interop], ids=lambda m: m.__name__)
def test_the_equations_text_is_written_only_in_the_conventions(module):
    """A second copy could drift from the first: the docstrings are filled from conventions.EQUATIONS."""
    source = inspect.getsource(module)
    assert not [line for line in EQUATION_LINES if "_t =" in line and line in source]
