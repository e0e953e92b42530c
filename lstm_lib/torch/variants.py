r"""LSTM variants from one cell, for ablations: the same code with one switch.

After Greff et al. (2017), "LSTM: A Search Space Odyssey", each variant
changes one thing in the gate equations of the course's LSTM:

===========================  ====================================================
``variant``                  what changes
===========================  ====================================================
``"vanilla"``                nothing: :math:`c_t = f_t c_{t-1} + i_t g_t`, :math:`h_t = o_t \tanh(c_t)`
``"no_input_gate"``          :math:`i_t = 1`
``"no_forget_gate"``         :math:`f_t = 1` (the LSTM of 1997: :math:`c_t = c_{t-1} + i_t g_t`)
``"no_output_gate"``         :math:`o_t = 1`
``"no_input_activation"``    :math:`g_t = a_g` (no tanh on the candidate)
``"no_output_activation"``   :math:`h_t = o_t c_t` (no tanh on the cell state)
``"coupled_input_forget"``   :math:`f_t = 1 - i_t` (one gate decides both)
===========================  ====================================================

The parameters keep the layout of ``torch.nn.LSTM`` (four blocks i, f, g, o
in ``weight_ih`` (4H, D), ``weight_hh`` (4H, H) and the biases), whatever the
variant: a gate that a variant fixes leaves its block unused (it gets no
gradient), so that every variant starts from the same initial weights for a
seed. The course's LSTM has no peephole connections, unlike Greff et al.'s
vanilla LSTM; ``"vanilla"`` here is ``torch.nn.LSTM``'s cell (tested equal).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

VARIANTS = (
    "vanilla",
    "no_input_gate",
    "no_forget_gate",
    "no_output_gate",
    "no_input_activation",
    "no_output_activation",
    "coupled_input_forget",
)


def _check_variant(variant: str) -> str:
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}; got {variant!r}")
    return variant


def variant_lstm_cell(x, h_prev, c_prev, weight_ih, weight_hh, bias_ih=None, bias_hh=None, *, variant="vanilla"):
    """One step of an LSTM variant (see the module's table).

    Args:
        x: input, (B, D); h_prev, c_prev: previous states, (B, H).
        weight_ih (4H, D), weight_hh (4H, H), bias_ih, bias_hh (4H,) or None:
            the blocks of the gates i, f, g, o, as in ``torch.nn.LSTM``.
        variant: one of ``VARIANTS``.

    Returns:
        ``(h, c)``, each (B, H).
    """
    _check_variant(variant)
    a_i, a_f, a_g, a_o = (F.linear(x, weight_ih, bias_ih) + F.linear(h_prev, weight_hh, bias_hh)).chunk(4, -1)
    i, f, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.sigmoid(a_o)
    g = a_g if variant == "no_input_activation" else torch.tanh(a_g)
    if variant == "no_input_gate":
        i = torch.ones_like(i)
    if variant == "no_forget_gate":
        f = torch.ones_like(f)
    if variant == "coupled_input_forget":
        f = 1 - i
    if variant == "no_output_gate":
        o = torch.ones_like(o)
    c = f * c_prev + i * g
    h = o * (c if variant == "no_output_activation" else torch.tanh(c))
    return h, c


class VariantLSTM(nn.Module):
    """One LSTM layer of a given variant, over whole sequences.

    Args:
        input_size: D; hidden_size: H.
        variant: one of ``VARIANTS`` (default ``"vanilla"``).
        batch_first: x is (B, T, D) (default) or, with False, (T, B, D).
        forget_bias: added to the forget gate's bias_ih block after the uniform
            initialisation (1.0 is the common choice; 0, as ``torch.nn.LSTM``, by default).

    ``forward(x, hx=None)`` returns ``(output, (h_n, c_n))`` as ``torch.nn.LSTM``
    with one layer: output (B, T, H) (batch-first), h_n and c_n (1, B, H).
    """

    def __init__(
        self, input_size, hidden_size, variant="vanilla", *, batch_first=True, forget_bias=0.0, device=None, dtype=None
    ):
        super().__init__()
        for name, n in (("input_size", input_size), ("hidden_size", hidden_size)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ValueError(f"{name} must be a positive integer, got {n!r}")
        self.input_size, self.hidden_size = input_size, hidden_size
        self.variant = _check_variant(variant)
        self.batch_first = batch_first
        kw = {"device": device, "dtype": dtype}
        H = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * H, input_size, **kw))
        self.weight_hh = nn.Parameter(torch.empty(4 * H, H, **kw))
        self.bias_ih = nn.Parameter(torch.empty(4 * H, **kw))
        self.bias_hh = nn.Parameter(torch.empty(4 * H, **kw))
        self.forget_bias = float(forget_bias)
        self.reset_parameters()

    def reset_parameters(self):
        """torch.nn.LSTM's initialisation, U(-1/sqrt(H), 1/sqrt(H)), then the forget bias."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        with torch.no_grad():
            for p in self.parameters():
                p.uniform_(-bound, bound)
            self.bias_ih[self.hidden_size : 2 * self.hidden_size] += self.forget_bias

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, variant={self.variant!r}, batch_first={self.batch_first}"

    def forward(self, x, hx=None):
        if x.dim() != 3 or x.shape[-1] != self.input_size:
            order = "(B, T, D)" if self.batch_first else "(T, B, D)"
            raise ValueError(f"x must have shape {order} with D={self.input_size}, got {tuple(x.shape)}")
        if not self.batch_first:
            x = x.transpose(0, 1)
        B = x.shape[0]
        if hx is None:
            h = c = x.new_zeros(B, self.hidden_size)
        else:
            h, c = (s.reshape(B, self.hidden_size) for s in hx)
        outputs = []
        for t in range(x.shape[1]):
            h, c = variant_lstm_cell(
                x[:, t], h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, variant=self.variant
            )
            outputs.append(h)
        out = torch.stack(outputs, dim=1)
        if not self.batch_first:
            out = out.transpose(0, 1)
        return out, (h.unsqueeze(0), c.unsqueeze(0))


__all__ = ["VARIANTS", "variant_lstm_cell", "VariantLSTM"]
