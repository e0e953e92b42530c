r"""The LSTM as functions of tensors: one step, and one layer over a whole sequence.

The gate equations, for input :math:`x_t`, previous hidden state :math:`h_{t-1}`
and previous cell state :math:`c_{t-1}`, gate order i, f, g, o:

{EQUATIONS}

With a projection (``weight_hr``, shape (P, H)), :math:`h_t = W_{hr}(o_t \odot \tanh(c_t))`.

:func:`lstm_cell` is one step, written with ordinary autograd operations.
:func:`lstm_layer_reference` is one layer over a sequence: a loop of
:func:`lstm_cell` over time, whose backward pass autograd derives. It is the
ground truth that the fast path is tested against.

:func:`lstm_layer` is the fast path, the same function with the same
arguments, run in :class:`LSTMLayerFunction`, whose backward is written by
hand. It computes the input part of every gate for all steps with one matrix
product; per step, the forward and the backward pass each do one matrix
product and a few in-place element-wise operations; each weight gradient is
one matrix product over all steps. Autograd then sees one node per layer
instead of a dozen per step.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.autograd.function import once_differentiable

from ..conventions import to_fast_gate_order
from ._docs import fill_equations

__doc__ = fill_equations(__doc__)

__all__ = ["lstm_cell", "lstm_layer_reference", "lstm_layer", "LSTMLayerFunction"]


def lstm_cell(x, h_prev, c_prev, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    r"""One LSTM step, from the gate equations.

    Args:
        x: input, shape (B, D).
        h_prev: previous hidden state, shape (B, H), or (B, P) in a layer with a projection.
        c_prev: previous cell state, shape (B, H).
        weight_ih: shape (4H, D), rows for the gates i, f, g, o.
        weight_hh: shape (4H, H), or (4H, P) in a layer with a projection.
        bias_ih, bias_hh: shape (4H,), or None.

    Returns:
        ``(h, c)``, each of shape (B, H); h is :math:`o_t \odot \tanh(c_t)`,
        before any projection.
    """
    gates = F.linear(x, weight_ih, bias_ih) + F.linear(h_prev, weight_hh, bias_hh)
    i, f, g, o = gates.chunk(4, dim=-1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c_prev + i * g
    h = o * torch.tanh(c)
    return h, c


def lstm_layer_reference(x, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, weight_hr=None, reverse=False):
    r"""One LSTM layer, one direction, over a whole time-major sequence: the readable version.

    A loop over time that calls :func:`lstm_cell` at every step; autograd
    derives the backward pass. :func:`lstm_layer` computes the same function,
    faster, and is tested against this one.

    Args:
        x: input, shape (T, B, D).
        h0: initial hidden state, shape (B, P) with a projection, else (B, H).
        c0: initial cell state, shape (B, H).
        weight_ih: shape (4H, D), rows for the gates i, f, g, o.
        weight_hh: shape (4H, P) with a projection, else (4H, H).
        bias_ih, bias_hh: shape (4H,), or None.
        weight_hr: projection, shape (P, H), or None.
        reverse: run from the last step to the first (the backward direction
            of a bidirectional LSTM); outputs stay in input order.

    Returns:
        ``(out, h_n, c_n)``: out (T, B, P or H), the hidden state at every step;
        h_n (B, P or H) and c_n (B, H), the state after the last step run.
    """
    T = x.shape[0]
    h, c = h0, c0
    hs = [None] * T
    for t in reversed(range(T)) if reverse else range(T):
        h, c = lstm_cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        if weight_hr is not None:
            h = F.linear(h, weight_hr)  # h_t = W_hr (o_t * tanh(c_t)): P features instead of H
        hs[t] = h
    return torch.stack(hs), h, c


def lstm_layer(x, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, weight_hr=None, reverse=False):
    r"""One LSTM layer, one direction, over a whole time-major sequence: the fast path.

    The same function as :func:`lstm_layer_reference`, with the same arguments
    and results. When a gradient is needed it runs in
    :class:`LSTMLayerFunction`, whose backward is written by hand; otherwise
    in the same forward loop, without keeping every step's gates.
    """
    # The two biases only ever appear summed, so they are added once, outside the loop.
    if bias_ih is not None and bias_hh is not None:
        bias = bias_ih + bias_hh
    else:
        bias = bias_ih if bias_ih is not None else bias_hh
    inputs = (x, h0, c0, weight_ih, weight_hh, bias, weight_hr)
    if torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in inputs):
        return LSTMLayerFunction.apply(*inputs, reverse)
    # Inference: the same loop, without keeping every step's gates for a backward pass.
    with torch.no_grad():
        _, _, out, h_n, c_n = _forward_loop(*inputs, reverse, keep=False)
    return out, h_n, c_n


def _forward_loop(x, h0, c0, weight_ih, weight_hh, bias, weight_hr, reverse, keep):
    """The forward recurrence. With ``keep``, every step's gates and cell states are kept.

    Returns ``(gates, c_all, out, h_n, c_n)``; gates (T, B, 4H) holds the
    activated gates in the fast order o, i, f, g, and c_all (T, B, H) the
    cell states (both None without ``keep``).
    """
    T = x.shape[0]
    H = weight_hh.shape[0] // 4
    w_ih, w_hh, b = (to_fast_gate_order(w, H) for w in (weight_ih, weight_hh, bias))
    w_hh_t = w_hh.t()
    w_hr_t = weight_hr.t() if weight_hr is not None else None
    # The input's share of every gate at every step, with one matrix product;
    # each step then adds W_hh h_{t-1} in place, and activates in place.
    gates = F.linear(x, w_ih, b)  # (T, B, 4H), rows o, i, f, g
    # Per-step views, made once: one call each instead of one per step.
    gate_steps, g_pre_steps = gates.unbind(0), gates[:, :, 3 * H :].unbind(0)
    o_steps, i_steps = gates[:, :, :H].unbind(0), gates[:, :, H : 2 * H].unbind(0)
    f_steps = gates[:, :, 2 * H : 3 * H].unbind(0)

    hs, cs, gs = [None] * T, [None] * T, [None] * T
    h, c = h0, c0
    for t in reversed(range(T)) if reverse else range(T):
        gate_steps[t].addmm_(h, w_hh_t)
        g = torch.tanh(g_pre_steps[t])
        gate_steps[t].sigmoid_()  # o, i, f (the g slot is overwritten, g is kept apart)
        c = torch.addcmul(f_steps[t] * c, i_steps[t], g)
        m = o_steps[t] * torch.tanh(c)
        h = m if w_hr_t is None else torch.mm(m, w_hr_t)
        hs[t], cs[t], gs[t] = h, c, g

    out = torch.stack(hs)
    if not keep:
        return None, None, out, h.clone(), c
    gates[:, :, 3 * H :] = torch.stack(gs)
    c_all = torch.stack(cs)
    return gates, c_all, out, h.clone(), c.clone()


class LSTMLayerFunction(torch.autograd.Function):
    r"""One LSTM layer over a whole sequence, with a hand-written backward.

    ``LSTMLayerFunction.apply(x, h0, c0, weight_ih, weight_hh, bias, weight_hr,
    reverse)`` returns ``(out, h_n, c_n)`` as :func:`lstm_layer` does; ``bias``
    is :math:`b_{ih} + b_{hh}` (shape (4H,)) or None, ``weight_hr`` may be None.

    Backward, per step, from :math:`dh_t` (from the output and from step t+1)
    and :math:`dc_t` (from step t+1), with :math:`a_t` the gate pre-activations
    and :math:`m_t = o_t \odot \tanh c_t`:

    .. math::
        \begin{array}{ll}
        dm_t = W_{hr}^\top dh_t \ \text{(or } dh_t \text{ without projection)} \\
        dc_t \mathrel{+}= dm_t \odot o_t \odot (1 - \tanh^2 c_t) \\
        da_i = dc_t \odot g_t \odot i_t (1 - i_t), \quad
        da_f = dc_t \odot c_{t-1} \odot f_t (1 - f_t) \\
        da_g = dc_t \odot i_t \odot (1 - g_t^2), \quad
        da_o = dm_t \odot \tanh c_t \odot o_t (1 - o_t) \\
        dc_{t-1} = dc_t \odot f_t, \quad dh_{t-1} \mathrel{+}= W_{hh}^\top da_t
        \end{array}

    Every factor that does not depend on the recursion is computed for all
    steps at once before the loop, and the weight gradients after it, each
    with one matrix product over all steps:
    :math:`dW_{ih} = \sum_t da_t x_t^\top`, :math:`dW_{hh} = \sum_t da_t h_{t-1}^\top`,
    :math:`dW_{hr} = \sum_t dh_t m_t^\top`.
    """

    @staticmethod
    def forward(ctx, x, h0, c0, weight_ih, weight_hh, bias, weight_hr, reverse):
        gates, c_all, out, h_n, c_n = _forward_loop(
            x, h0, c0, weight_ih, weight_hh, bias, weight_hr, reverse, keep=True
        )
        ctx.reverse = reverse
        ctx.save_for_backward(x, h0, c0, weight_ih, weight_hh, weight_hr, gates, c_all, out)
        return out, h_n, c_n

    @staticmethod
    @once_differentiable
    def backward(ctx, dout, dh_n, dc_n):
        x, h0, c0, weight_ih, weight_hh, weight_hr, gates, c_all, out = ctx.saved_tensors
        reverse = ctx.reverse
        T, B, H4 = gates.shape
        H = H4 // 4
        order = range(T) if reverse else range(T - 1, -1, -1)  # against the forward pass

        # h_{t-1} and c_{t-1} for every step, "t-1" meaning the step run before t.
        if reverse:
            h_prev_all = torch.cat([out[1:], h0.unsqueeze(0)])
            c_prev_all = torch.cat([c_all[1:], c0.unsqueeze(0)])
        else:
            h_prev_all = torch.cat([h0.unsqueeze(0), out[:-1]])
            c_prev_all = torch.cat([c0.unsqueeze(0), c_all[:-1]])

        # Every factor that does not depend on the recursion, for all steps at once.
        # dgates (rows o, i, f, g like gates) becomes da_t, the pre-activation gradient.
        o, i, f, g = gates.chunk(4, dim=2)
        tanh_c_all = torch.tanh(c_all)
        dgates = torch.empty_like(gates)
        da_o, da_i, da_f, da_g = dgates.chunk(4, dim=2)
        torch.mul(o, 1 - o, out=da_o).mul_(tanh_c_all)
        torch.mul(i, 1 - i, out=da_i).mul_(g)
        torch.mul(f, 1 - f, out=da_f).mul_(c_prev_all)
        torch.mul(g, g, out=da_g).neg_().add_(1).mul_(i)
        dc_dm = torch.mul(tanh_c_all, tanh_c_all).neg_().add_(1).mul_(o)  # d c_t / d m_t

        # dc is kept with shape (B, 1, H), so that it scales the (B, 3, H) block
        # i, f, g of da_t in one operation; dh is written into one buffer of the
        # same shape, read as (B, P) by the matrix products.
        dgate_steps, o_steps = dgates.unbind(0), da_o.unbind(0)
        ifg_steps = dgates.view(T, B, 4, H)[:, :, 1:].unbind(0)
        f_steps, dc_dm_steps = f.unsqueeze(2).unbind(0), dc_dm.unsqueeze(2).unbind(0)
        dout_steps = dout.unbind(0)
        w_hh = to_fast_gate_order(weight_hh, H)
        dh_3d = torch.add(dout_steps[order[0]], dh_n).unsqueeze(1)  # (B, 1, P)
        dh = dh_3d.view(B, -1)
        dc = dc_n.unsqueeze(1)
        if weight_hr is not None:
            dh_all = torch.empty_like(out)
            dh_steps = dh_all.unbind(0)
            dm_3d = x.new_empty(B, 1, H)
            dm = dm_3d.view(B, H)

        for k, t in enumerate(order):
            if weight_hr is None:
                dm, dm_3d = dh, dh_3d
            else:
                dh_steps[t].copy_(dh)
                torch.mm(dh, weight_hr, out=dm)
            dc = torch.addcmul(dc, dm_3d, dc_dm_steps[t])
            ifg_steps[t].mul_(dc)
            o_steps[t].mul_(dm)
            dc = dc * f_steps[t]
            if k + 1 < T:
                torch.addmm(dout_steps[order[k + 1]], dgate_steps[t], w_hh, out=dh)
            else:
                dh = torch.mm(dgate_steps[t], w_hh)
        dc = dc.squeeze(1)

        need = ctx.needs_input_grad
        da = dgates.view(T * B, H4)
        dx = dweight_ih = dweight_hh = dbias = dweight_hr = None
        if need[0]:
            dx = torch.mm(da, to_fast_gate_order(weight_ih, H)).view(T, B, -1)
        if need[3]:
            dweight_ih = to_fast_gate_order(torch.mm(da.t(), x.reshape(T * B, -1)), H, back=True)
        if need[4]:
            dweight_hh = to_fast_gate_order(torch.mm(da.t(), h_prev_all.view(T * B, -1)), H, back=True)
        if need[5]:
            dbias = to_fast_gate_order(da.sum(0), H, back=True)
        if weight_hr is not None and need[6]:
            m_all = o * tanh_c_all
            dweight_hr = torch.mm(dh_all.view(T * B, -1).t(), m_all.view(T * B, H))
        return dx, dh, dc, dweight_ih, dweight_hh, dbias, dweight_hr, None
