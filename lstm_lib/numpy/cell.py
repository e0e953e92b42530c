r"""One LSTM step, forward and backward, for a batch.

With the four gates stacked in PyTorch's order i, f, g, o:

.. math::

    a &= x W_{ih}^\top + b_{ih} + h_{prev} W_{hh}^\top + b_{hh}
        \quad\text{(B, 4H), split into } a_i, a_f, a_g, a_o \\
    i &= \sigma(a_i),\quad f = \sigma(a_f),\quad g = \tanh(a_g),\quad o = \sigma(a_o) \\
    c &= f \odot c_{prev} + i \odot g \\
    h &= o \odot \tanh(c)

One line per equation. ``lstm_forward`` (``layer.py``) runs these two
functions over a whole sequence; ``fast.py`` computes the same numbers,
rearranged for speed.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import check_cell_backward, check_cell_forward
from .activations import sigmoid, tanh


class CellCache(NamedTuple):
    """What the backward pass of one step needs. Shapes: x (B, D), the rest (B, H)."""

    x: np.ndarray
    h_prev: np.ndarray
    c_prev: np.ndarray
    i: np.ndarray  # input gate
    f: np.ndarray  # forget gate
    g: np.ndarray  # candidate cell values
    o: np.ndarray  # output gate
    c: np.ndarray  # new cell state
    tanh_c: np.ndarray
    params: dict  # weight_ih (4H, D), weight_hh (4H, H), bias_ih, bias_hh (4H,)


def lstm_cell_forward(x, h_prev, c_prev, params):
    """One LSTM step.

    Args:
        x: input at this step, (B, D).
        h_prev: hidden state of the previous step, (B, H).
        c_prev: cell state of the previous step, (B, H).
        params: dict with ``weight_ih`` (4H, D), ``weight_hh`` (4H, H),
            ``bias_ih`` (4H,), ``bias_hh`` (4H,), gates in order i, f, g, o.

    Returns:
        h: new hidden state, (B, H).
        c: new cell state, (B, H).
        cache: a ``CellCache`` for ``lstm_cell_backward``.
    """
    x, h_prev, c_prev, p = check_cell_forward(x, h_prev, c_prev, params)

    a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"]
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    i, f, g, o = sigmoid(a_i), sigmoid(a_f), tanh(a_g), sigmoid(a_o)
    c = f * c_prev + i * g
    tanh_c = tanh(c)
    h = o * tanh_c
    return h, c, CellCache(x, h_prev, c_prev, i, f, g, o, c, tanh_c, p)


def lstm_cell_backward(dh, dc, cache: CellCache):
    """Backward pass of one LSTM step.

    Args:
        dh: gradient of the loss with respect to h, (B, H).
        dc: gradient with respect to c from later steps, (B, H); None means zero.
        cache: from ``lstm_cell_forward``.

    Returns:
        dx (B, D), dh_prev (B, H), dc_prev (B, H), and grads: a dict with the
        keys of the parameters (``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``).
    """
    dh, dc = check_cell_backward(dh, dc, cache, CellCache)
    x, h_prev, c_prev, i, f, g, o, c, tanh_c, p = cache

    # h = o * tanh(c): the gradient reaches o directly and c through tanh.
    do = dh * tanh_c
    dc = dc + dh * o * (1.0 - tanh_c**2)
    # c = f * c_prev + i * g
    df, di, dg, dc_prev = dc * c_prev, dc * g, dc * i, dc * f
    # Through the nonlinearities: sigma' = s (1 - s), tanh' = 1 - t^2.
    da = np.concatenate([di * i * (1.0 - i), df * f * (1.0 - f), dg * (1.0 - g**2), do * o * (1.0 - o)], axis=1)
    db = da.sum(axis=0)
    grads = {
        "weight_ih": da.T @ x,
        "weight_hh": da.T @ h_prev,
        "bias_ih": db,
        "bias_hh": db.copy(),
    }
    dx = da @ p["weight_ih"]
    dh_prev = da @ p["weight_hh"]
    return dx, dh_prev, dc_prev, grads
