r"""``LSTMCell`` and ``LSTM``: drop-ins for ``torch.nn.LSTMCell`` and ``torch.nn.LSTM``.

Same constructor arguments and defaults, same ``forward`` signatures and
outputs, same parameter names (so the same ``state_dict`` keys) and the same
initialisation, but written from the gate equations
(:mod:`lstm_lib.torch.functional`) rather than calling PyTorch's fused LSTM.
A ``torch.nn.LSTM`` state_dict loads into :class:`LSTM` and gives the same
outputs and gradients.
"""

from __future__ import annotations

import math
import numbers
import warnings

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from ._docs import with_equations
from .functional import lstm_cell, lstm_layer, lstm_layer_reference

__all__ = ["LSTMCell", "LSTM", "LSTMInputError"]


class LSTMInputError(ValueError, RuntimeError):
    """A bad input or state shape, dtype or device.

    A ``ValueError``, and also a ``RuntimeError`` because that is what
    ``torch.nn.LSTM`` raises for the same mistakes, so code written for it
    keeps catching them.
    """


def _shape(t):
    return tuple(t.shape)


def _check_tensor(name, t, like):
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if t.dtype != like.dtype:
        raise LSTMInputError(f"{name} must have the type {like.dtype} (the parameters' dtype), got type {t.dtype}")
    if t.device != like.device:
        raise LSTMInputError(
            f"{name} is on {t.device}, but the parameters are on {like.device}; move one of them with .to()"
        )


def _check_hx(hx, who):
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise TypeError(
            f"{who}: hx must be a tuple (h_0, c_0) of two tensors, got {type(hx).__name__}"
            + (f" of length {len(hx)}" if isinstance(hx, (tuple, list)) else "")
        )
    return hx


def _reset_parameters(module):
    r"""Every parameter of ``module`` from :math:`\mathcal{U}(-k, k)`, :math:`k = 1/\sqrt{H}`.

    PyTorch's initialisation for its LSTMs. Parameters are drawn in
    registration order, so that the same seed gives the same numbers as
    ``torch.nn``'s modules.
    """
    k = 1.0 / math.sqrt(module.hidden_size)
    for weight in module.parameters():
        nn.init.uniform_(weight, -k, k)


def _check_sizes(input_size, hidden_size):
    for name, n in (("input_size", input_size), ("hidden_size", hidden_size)):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"{name} should be of type int, got: {type(n).__name__}")
    if hidden_size <= 0:
        raise ValueError(f"hidden_size must be greater than zero, got {hidden_size}")
    if input_size < 0:
        raise ValueError(f"input_size must be non-negative, got {input_size}")


@with_equations
class LSTMCell(nn.Module):
    r"""One LSTM step: a drop-in for ``torch.nn.LSTMCell``.

    From the input :math:`x_t` and the state :math:`(h_{t-1}, c_{t-1})`, the
    next state :math:`(h_t, c_t)`:

    {EQUATIONS}

    where :math:`\sigma` is the sigmoid function and :math:`\odot` the
    elementwise product.

    Args:
        input_size: D, the number of features of the input x.
        hidden_size: H, the number of features of the hidden state h.
        bias: if False, the cell has no ``bias_ih`` and ``bias_hh``. Default: True.
        device, dtype: where and how the parameters are created.

    Inputs: input, (h_0, c_0)
        - **input** of shape (B, D) or (D,): the input features.
        - **h_0** of shape (B, H) or (H,): the initial hidden state.
        - **c_0** of shape (B, H) or (H,): the initial cell state.
        If (h_0, c_0) is not given, both default to zero.

    Outputs: (h_1, c_1)
        - **h_1** of shape (B, H) or (H,): the next hidden state.
        - **c_1** of shape (B, H) or (H,): the next cell state.

    Attributes:
        weight_ih: the input-hidden weights :math:`(W_{ii}|W_{if}|W_{ig}|W_{io})`,
            shape (4H, D).
        weight_hh: the hidden-hidden weights :math:`(W_{hi}|W_{hf}|W_{hg}|W_{ho})`,
            shape (4H, H).
        bias_ih: the input-hidden bias :math:`(b_{ii}|b_{if}|b_{ig}|b_{io})`, shape (4H,).
        bias_hh: the hidden-hidden bias :math:`(b_{hi}|b_{hf}|b_{hg}|b_{ho})`, shape (4H,).

    Every weight and bias is initialised from :math:`\mathcal{U}(-k, k)` with
    :math:`k = 1/\sqrt{H}`, as in PyTorch.
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        _check_sizes(input_size, hidden_size)
        factory = {"device": device, "dtype": dtype}
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size, **factory))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size, **factory))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size, **factory))
            self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    reset_parameters = _reset_parameters

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        return s if self.bias else s + ", bias=False"

    def forward(self, input, hx=None):
        D, H, w = self.input_size, self.hidden_size, self.weight_ih
        _check_tensor("input", input, w)
        if input.dim() not in (1, 2):
            raise LSTMInputError(
                f"LSTMCell: expected input of shape (B, D) or unbatched (D,) with D={D}, "
                f"got {input.dim()}-D input of shape {_shape(input)}"
            )
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        B = x.shape[0]
        if x.shape[1] != D:
            raise LSTMInputError(
                f"LSTMCell: input has {x.shape[1]} features, expected input_size D={D}: "
                f"input shape should be {'(B, D)' if batched else '(D,)'} = "
                f"{(B, D) if batched else (D,)}, got {_shape(input)}"
            )
        if hx is None:
            h = c = x.new_zeros(B, H)
        else:
            h, c = _check_hx(hx, "LSTMCell")
            want = (B, H) if batched else (H,)
            for name, t in (("hx[0] (h_0)", h), ("hx[1] (c_0)", c)):
                _check_tensor(name, t, w)
                if _shape(t) != want:
                    raise LSTMInputError(
                        f"LSTMCell: expected {name} of shape "
                        f"{'(B, H)' if batched else '(H,)'} = {want}, got {_shape(t)}"
                    )
            if not batched:
                h, c = h.unsqueeze(0), c.unsqueeze(0)
        h, c = lstm_cell(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        if not batched:
            h, c = h.squeeze(0), c.squeeze(0)
        return h, c


@with_equations
class LSTM(nn.Module):
    r"""A multi-layer LSTM over sequences: a drop-in for ``torch.nn.LSTM``.

    For each element of the input sequence, each layer computes

    {EQUATIONS}

    where :math:`h_t` is the hidden state at time t, :math:`c_t` the cell
    state, :math:`x_t` the input (for layers after the first, the previous
    layer's :math:`h_t`, multiplied by a dropout mask in training mode when
    ``dropout > 0``), :math:`\sigma` the sigmoid and :math:`\odot` the
    elementwise product. With ``proj_size = P > 0`` the hidden state is
    projected, :math:`h_t = W_{hr}(o_t \odot \tanh(c_t))`, and has P features
    instead of H. A bidirectional LSTM runs a second set of layers from the
    last step to the first and concatenates both directions' hidden states.

    Args:
        input_size: D, the number of features of the input.
        hidden_size: H, the number of features of the hidden (and cell) state.
        num_layers: L, the number of stacked layers. Default: 1.
        bias: if False, no ``bias_ih`` and ``bias_hh``. Default: True.
        batch_first: if True, input and output are (B, T, feature) instead of
            (T, B, feature); the states h and c are not affected. Default: False.
        dropout: if non-zero, dropout with this probability on the output of
            every layer except the last, in training mode. Default: 0.
        bidirectional: if True, a bidirectional LSTM. Default: False.
        proj_size: P; if > 0, an LSTM with projections of size P. Default: 0.
        device, dtype: where and how the parameters are created.

    With :math:`N = 2` if bidirectional else 1 and :math:`H_{out} = P` if
    ``proj_size > 0`` else H:

    Inputs: input, (h_0, c_0)
        - **input**: (T, B, D), or (B, T, D) with ``batch_first=True``, or
          unbatched (T, D).
        - **h_0**: (N L, B, H_out), or (N L, H_out) for unbatched input.
        - **c_0**: (N L, B, H), or (N L, H) for unbatched input.
        If (h_0, c_0) is not given, both default to zero.
        A ``PackedSequence`` input is not supported (a ``TypeError`` says so).

    Outputs: output, (h_n, c_n)
        - **output**: (T, B, N H_out), or (B, T, N H_out) with
          ``batch_first=True``, or (T, N H_out) unbatched: the last layer's
          :math:`h_t` for every t (both directions concatenated).
        - **h_n**: (N L, B, H_out) or (N L, H_out): the final hidden state of
          every layer and direction (the reverse direction's final state is
          the one after step 0).
        - **c_n**: (N L, B, H) or (N L, H): the final cell states.

    Attributes:
        weight_ih_l[k]: input-hidden weights of layer k, shape (4H, D) for
            k = 0, else (4H, N H_out).
        weight_hh_l[k]: hidden-hidden weights of layer k, shape (4H, H_out).
        bias_ih_l[k], bias_hh_l[k]: biases of layer k, shape (4H,).
        weight_hr_l[k]: projection weights of layer k, shape (P, H), only
            when ``proj_size > 0``.
        ..._reverse: the same for the reverse direction, when bidirectional.

    Rows of the (4H, ...) weights and biases are the gates in order i, f, g, o.
    Every parameter is initialised from :math:`\mathcal{U}(-k, k)` with
    :math:`k = 1/\sqrt{H}`, as in PyTorch.

    Each layer runs in the fast :func:`~lstm_lib.torch.functional.lstm_layer`.
    Set ``fast = False`` on a module to run it in
    :func:`~lstm_lib.torch.functional.lstm_layer_reference` instead, a plain
    loop of cells with autograd's backward: the same results, more slowly.
    """

    fast = True

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        device=None,
        dtype=None,
    ):
        super().__init__()
        _check_sizes(input_size, hidden_size)
        if isinstance(num_layers, bool) or not isinstance(num_layers, numbers.Integral):
            raise TypeError(f"num_layers should be of type int, got: {type(num_layers).__name__}")
        if num_layers <= 0:
            raise ValueError(f"num_layers must be greater than zero, got {num_layers}")
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability "
                f"of an element being zeroed, got {dropout!r}"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}",
                stacklevel=2,
            )
        if isinstance(proj_size, bool) or not isinstance(proj_size, numbers.Integral):
            raise TypeError(f"proj_size should be of type int, got: {type(proj_size).__name__}")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")

        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        factory = {"device": device, "dtype": dtype}

        # Registered in torch.nn.LSTM's order, so that state_dict keys come in the
        # same order and reset_parameters draws the same numbers from the same seed.
        H4, H_out, N = 4 * hidden_size, proj_size or hidden_size, self._num_directions
        self._flat_weights_names = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else N * H_out
            for direction in range(N):
                shapes = {"weight_ih": (H4, layer_input), "weight_hh": (H4, H_out)}
                if bias:
                    shapes.update(bias_ih=(H4,), bias_hh=(H4,))
                if proj_size > 0:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                for kind, shape in shapes.items():
                    name = self._param_name(kind, layer, direction)
                    setattr(self, name, nn.Parameter(torch.empty(shape, **factory)))
                    self._flat_weights_names.append(name)
        self.reset_parameters()

    @property
    def _num_directions(self):
        return 2 if self.bidirectional else 1

    @staticmethod
    def _param_name(kind, layer, direction):
        return f"{kind}_l{layer}{'_reverse' if direction == 1 else ''}"

    reset_parameters = _reset_parameters

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        """The parameters, as a list (one per layer and direction) of lists, like torch.nn.LSTM."""
        per = len(self._flat_weights_names) // (self.num_layers * self._num_directions)
        flat = self._flat_weights
        return [flat[k : k + per] for k in range(0, len(flat), per)]

    def flatten_parameters(self):
        """Does nothing: kept so that code written for torch.nn.LSTM runs unchanged."""

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _layer_params(self, layer, direction):
        get = lambda kind: getattr(self, self._param_name(kind, layer, direction), None)  # noqa: E731
        return (get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"), get("weight_hr"))

    def _check_input(self, input, hx):
        """Validate the input and state; returns (x time-major (T, B, D), h0, c0, batched)."""
        if isinstance(input, PackedSequence):
            raise TypeError(
                "lstm_lib.torch.LSTM does not accept a PackedSequence; pass a padded tensor "
                "(torch.nn.utils.rnn.pad_packed_sequence) and read each sequence's last "
                "hidden state at its own length"
            )
        w = self.weight_ih_l0
        _check_tensor("input", input, w)
        D = self.input_size
        layout = "(B, T, D)" if self.batch_first else "(T, B, D)"
        if input.dim() not in (2, 3):
            raise LSTMInputError(
                f"LSTM: expected input of shape {layout} (batch_first={self.batch_first}) or "
                f"unbatched (T, D), with D={D}; got {input.dim()}-D input of shape "
                f"{_shape(input)}"
            )
        batched = input.dim() == 3
        if input.shape[-1] != D:
            raise LSTMInputError(
                f"LSTM: input has {input.shape[-1]} features in its last dimension, expected "
                f"input_size D={D}: input shape should be {layout if batched else '(T, D)'}, "
                f"got {_shape(input)}"
            )
        if not batched:
            x = input.unsqueeze(1)
        else:
            x = input.transpose(0, 1) if self.batch_first else input
        B = x.shape[1]
        NL = self.num_layers * self._num_directions
        H, H_out = self.hidden_size, self.proj_size or self.hidden_size
        if hx is None:
            h0 = x.new_zeros(NL, B, H_out)
            c0 = x.new_zeros(NL, B, H)
            return x, h0, c0, batched
        h0, c0 = _check_hx(hx, "LSTM")
        for name, t, size, sym in (
            ("hx[0] (h_0)", h0, H_out, "P" if self.proj_size else "H"),
            ("hx[1] (c_0)", c0, H, "H"),
        ):
            _check_tensor(name, t, w)
            want, text = ((NL, B, size), f"(N*L, B, {sym})") if batched else ((NL, size), f"(N*L, {sym})")
            if _shape(t) != want:
                raise LSTMInputError(
                    f"LSTM: expected {name} of shape {text} = {want} (N*L = {NL} layers and "
                    f"directions, B = {B} from the input of shape {_shape(input)}), "
                    f"got {_shape(t)}"
                )
        if not batched:
            h0, c0 = h0.unsqueeze(1), c0.unsqueeze(1)
        return x, h0, c0, batched

    def forward(self, input, hx=None):
        x, h0, c0, batched = self._check_input(input, hx)
        N = self._num_directions
        layer_fn = lstm_layer if self.fast else lstm_layer_reference
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                x = F.dropout(x, self.dropout, training=True)
            outs = []
            for direction in range(N):
                k = layer * N + direction
                out, h, c = layer_fn(x, h0[k], c0[k], *self._layer_params(layer, direction), reverse=direction == 1)
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            x = outs[0] if N == 1 else torch.cat(outs, dim=2)
        h_n, c_n = torch.stack(h_n), torch.stack(c_n)
        if not batched:
            return x.squeeze(1), (h_n.squeeze(1), c_n.squeeze(1))
        if self.batch_first:
            x = x.transpose(0, 1)
        return x, (h_n, c_n)
