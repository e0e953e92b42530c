"""Stacked (multi-layer) LSTM: layer l + 1 reads the hidden states of layer l.

The parameters are a list of per-layer dicts, layer 0 first; h0 and c0, h_n
and c_n are (L, B, H), as in torch.nn.LSTM(num_layers=L).

The layers run on the fast path (``fast.py``) unless ``fast=False`` asks for
the reference (``layer.py``); both give the same values.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import fast as _fast
from . import layer as _reference
from ._checks import as_float_array, check_lstm_params, check_shape

_BACKWARD = {_fast.FastLSTMCache: _fast.lstm_backward, _reference.LSTMCache: _reference.lstm_backward}


class StackCache(NamedTuple):
    layers: list  # one cache per layer (FastLSTMCache, or LSTMCache with fast=False), layer 0 first


def _layer_states(name, a, L, B, H):
    if a is None:
        return [None] * L
    a = as_float_array(name, a)
    check_shape(name, a, ("L", "B", "H"), {"L": L, "B": B, "H": H})
    return list(a)


def _check_params_list(params_list):
    if not isinstance(params_list, (list, tuple)) or len(params_list) == 0:
        raise ValueError(
            "params_list must be a non-empty list of per-layer parameter dicts (layer 0 first), "
            f"got {type(params_list).__name__}"
        )
    return len(params_list)


def lstm_stack_forward(x, h0, c0, params_list, *, fast=True):
    """Run L stacked LSTM layers over a batch of sequences.

    Args:
        x: inputs, (B, T, D).
        h0, c0: initial states, (L, B, H) each, or None for zeros.
        params_list: L parameter dicts; layer 0 has ``weight_ih`` (4H, D), the
            layers above ``weight_ih`` (4H, H).
        fast: run each layer on the fast path (default) or, with False, on
            the reference ``lstm_forward``.

    Returns:
        hs: hidden states of the top layer, (B, T, H).
        (h_n, c_n): last states of every layer, (L, B, H) each.
        cache: a ``StackCache`` for ``lstm_stack_backward``.
    """
    L = _check_params_list(params_list)
    x = as_float_array("x", x)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (B, T, D) (3 dimensions), got shape {x.shape}")
    B = x.shape[0]
    _, H, _ = check_lstm_params(params_list[0], "params_list[0]")
    h0s = _layer_states("h0", h0, L, B, H)
    c0s = _layer_states("c0", c0, L, B, H)
    caches, h_n, c_n = [], [], []
    lstm_forward = _fast.lstm_forward if fast else _reference.lstm_forward
    out = x
    for l, params in enumerate(params_list):
        try:
            out, (h, c), cache = lstm_forward(out, h0s[l], c0s[l], params)
        except ValueError as err:
            raise ValueError(f"layer {l} (params_list[{l}]): {err}") from None
        caches.append(cache)
        h_n.append(h)
        c_n.append(c)
    return out, (np.stack(h_n), np.stack(c_n)), StackCache(caches)


def lstm_stack_backward(dhs, cache: StackCache, dh_n=None, dc_n=None):
    """Backward pass through L stacked layers.

    Args:
        dhs: gradient with respect to the top layer's hidden states, (B, T, H), or None.
        cache: from ``lstm_stack_forward``.
        dh_n, dc_n: gradients with respect to the last states, (L, B, H) each, or None.

    Returns:
        dx (B, T, D), dh0 (L, B, H), dc0 (L, B, H), and a list of per-layer
        gradient dicts (layer 0 first) with the keys of the parameters.
    """
    if not isinstance(cache, StackCache) or not all(type(c) in _BACKWARD for c in cache.layers):
        raise ValueError(f"cache must be the StackCache returned by lstm_stack_forward, got {type(cache).__name__}")
    L = len(cache.layers)
    B, T, _, H = cache.layers[-1].shape
    dh_ns = _layer_states("dh_n", dh_n, L, B, H)
    dc_ns = _layer_states("dc_n", dc_n, L, B, H)
    grads, dh0, dc0 = [None] * L, [None] * L, [None] * L
    d = dhs
    for l in range(L - 1, -1, -1):
        layer_backward = _BACKWARD[type(cache.layers[l])]
        d, dh0[l], dc0[l], grads[l] = layer_backward(d, cache.layers[l], dh_ns[l], dc_ns[l])
    return d, np.stack(dh0), np.stack(dc0), grads
