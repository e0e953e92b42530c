r"""An LSTM layer over a whole sequence: the loop over time, and backpropagation through time.

The forward pass runs ``lstm_cell_forward`` at t = 0 .. T-1, carrying
(h, c) from one step to the next:

.. math::

    h_t, c_t = \mathrm{cell}(x_t, h_{t-1}, c_{t-1}), \qquad h_{-1} = h_0,\ c_{-1} = c_0.

The backward pass runs ``lstm_cell_backward`` at t = T-1 .. 0. The hidden
state h_t feeds two things, the output at t and step t + 1, so its gradient
is the sum of both; c_t feeds only step t + 1. The weights are shared by
every step, so their gradient is the sum of the steps' gradients.

This is the reference: the code the book derives, and the ground truth of the
tests and of the grader. ``fast.py`` computes the same values faster (about
1.5 times at B=64 T=100 H=128, ten times at B=1, where this loop's per-step
calls dominate); training code uses that one.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import check_lstm_backward, check_lstm_forward
from .cell import lstm_cell_backward, lstm_cell_forward


class LSTMCache(NamedTuple):
    """What ``lstm_backward`` needs: the cache of every step.

    ``cache.steps[t]`` is step t's ``CellCache`` (``cache.steps[t].f`` is its
    forget gate, (B, H)). ``cache.f`` and the other properties stack one name
    over all steps, batch-first: (B, T, H), or (B, T, D) for ``x``.
    """

    steps: list  # one CellCache per step, t = 0 .. T-1

    def _stacked(self, name):
        return np.stack([getattr(step, name) for step in self.steps], axis=1)

    x = property(lambda self: self._stacked("x"), doc="inputs, (B, T, D)")
    i = property(lambda self: self._stacked("i"), doc="input gate, (B, T, H)")
    f = property(lambda self: self._stacked("f"), doc="forget gate, (B, T, H)")
    g = property(lambda self: self._stacked("g"), doc="candidate values, (B, T, H)")
    o = property(lambda self: self._stacked("o"), doc="output gate, (B, T, H)")
    c = property(lambda self: self._stacked("c"), doc="cell states, (B, T, H)")
    h = property(lambda self: self._stacked("o") * self._stacked("tanh_c"), doc="hidden states, (B, T, H)")

    @property
    def shape(self):
        """(B, T, D, H)."""
        (B, D), H = self.steps[0].x.shape, self.steps[0].c.shape[1]
        return B, len(self.steps), D, H

    @property
    def dtype(self):
        return self.steps[0].c.dtype


def lstm_forward(x, h0, c0, params):
    """Run one LSTM layer over a batch of sequences.

    Args:
        x: inputs, (B, T, D), batch-first.
        h0: initial hidden state, (B, H), or None for zeros.
        c0: initial cell state, (B, H), or None for zeros.
        params: dict with ``weight_ih`` (4H, D), ``weight_hh`` (4H, H),
            ``bias_ih`` (4H,), ``bias_hh`` (4H,), gate order i, f, g, o.

    Returns:
        hs: hidden states of every step, (B, T, H).
        (h_n, c_n): the last hidden and cell state, each (B, H).
        cache: an ``LSTMCache`` for ``lstm_backward``.
    """
    x, h0, c0, params = check_lstm_forward(x, h0, c0, params)

    h, c = h0, c0
    hs, steps = [], []
    for t in range(x.shape[1]):
        h, c, step = lstm_cell_forward(x[:, t], h, c, params)
        hs.append(h)
        steps.append(step)
    return np.stack(hs, axis=1), (h, c), LSTMCache(steps)


def lstm_backward(dhs, cache: LSTMCache, dh_n=None, dc_n=None):
    """Backpropagation through time for one LSTM layer.

    Args:
        dhs: gradient of the loss with respect to every hidden state, (B, T, H)
            (None means zero, e.g. when only h_n feeds the loss).
        cache: from ``lstm_forward``.
        dh_n: gradient with respect to the last hidden state, (B, H), or None.
        dc_n: gradient with respect to the last cell state, (B, H), or None.

    Returns:
        dx (B, T, D), dh0 (B, H), dc0 (B, H), and grads: a dict with keys
        ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``.
    """
    dhs, dh_n, dc_n = check_lstm_backward(dhs, cache, dh_n, dc_n, LSTMCache)

    T = len(cache.steps)
    dh, dc = dh_n, dc_n  # the gradients arriving from after the last step
    dx = [None] * T
    grads = {name: np.zeros_like(value) for name, value in cache.steps[0].params.items()}
    for t in reversed(range(T)):
        # h_t feeds the output at t (dhs[:, t]) and step t + 1 (dh).
        dx[t], dh, dc, step_grads = lstm_cell_backward(dhs[:, t] + dh, dc, cache.steps[t])
        for name in grads:
            grads[name] += step_grads[name]
    return np.stack(dx, axis=1), dh, dc, grads
