"""Stacked (multi-layer) LSTMs, in one direction or both: layer l + 1 reads the hidden states of layer l.

The parameters are a list with one entry per layer, layer 0 first: a
parameter dict, or with ``bidirectional=True`` a pair ``(params_fwd,
params_bwd)``. Layer 0 reads the input (D); a layer above reads the layer
below's outputs, H values per step, or 2H with both directions. The states
h0, c0, h_n and c_n are (L, B, H), or (2L, B, H) with both directions in
torch.nn.LSTM's order: layer 0 forward, layer 0 backward, layer 1 forward, ...

Padded sequences take a ``mask`` (B, T), as ``masked_lstm_forward`` does; a
padded step's outputs are zero in every layer, so the layer above sees zeros
there and, being masked too, does not use them.

``dropout`` is torch.nn.LSTM's: during training, each output of every layer
but the top one is zeroed with probability p before the next layer reads it,
and the ones kept are scaled by 1 / (1 - p) (inverted dropout), so that the
next layer's input keeps its expected value and nothing changes at test time
(dropout=0). The masks come from ``rng``; the backward pass multiplies by the
same masks.

The layers run on the fast path (``fast.py``) unless ``fast=False`` asks for
the reference (``layer.py``, ``sequences.py``); both give the same values.
"""

from __future__ import annotations

from numbers import Real
from typing import NamedTuple

import numpy as np

from . import fast as _fast
from . import layer as _layer
from . import sequences as _sequences
from ._checks import as_float_array, check_lstm_params, check_mask, check_shape
from .init import _rng

# Each layer's backward pass, by the type of its cache.
_BACKWARD = {
    _fast.FastLSTMCache: _fast.masked_lstm_backward,  # with or without a mask
    _fast.FastBiLSTMCache: _fast.bilstm_backward,
    _layer.LSTMCache: _layer.lstm_backward,
    _sequences.MaskedLSTMCache: _sequences.masked_lstm_backward,
    _sequences.BiLSTMCache: _sequences.bilstm_backward,
}


class StackCache(NamedTuple):
    """What ``lstm_stack_backward`` needs from ``lstm_stack_forward``."""

    layers: list  # one cache per layer, layer 0 first (the type tells which backward it takes)
    dropout_masks: list | None = None  # per layer, the 0 or 1/(1-p) mask its input was multiplied by, or None
    bidirectional: bool = False


def _check_params_list(params_list, bidirectional):
    """Validate the layers' parameters; return (L, H)."""
    if not isinstance(params_list, (list, tuple)) or len(params_list) == 0:
        what = "pairs (params_fwd, params_bwd)" if bidirectional else "parameter dicts"
        raise ValueError(
            f"params_list must be a non-empty list of per-layer {what} (layer 0 first), "
            f"got {type(params_list).__name__}"
        )
    H = None
    for l, entry in enumerate(params_list):
        if bidirectional:
            if isinstance(entry, dict) or not isinstance(entry, (list, tuple)) or len(entry) != 2:
                got = (
                    f"a {len(entry)}-element {type(entry).__name__}"
                    if isinstance(entry, (list, tuple))
                    else f"a {type(entry).__name__}"
                )
                raise ValueError(
                    f"params_list[{l}] must be a pair (params_fwd, params_bwd) with bidirectional=True, got {got}; "
                    "init_lstm_stack_params(..., bidirectional=True) makes such a list"
                )
            named = [(f"params_list[{l}][{d}]", entry[d]) for d in (0, 1)]
        else:
            if isinstance(entry, (list, tuple)) and len(entry) == 2 and all(isinstance(e, dict) for e in entry):
                raise ValueError(
                    f"params_list[{l}] is a pair of parameter dicts, the layer of a bidirectional stack: "
                    "pass bidirectional=True, or give one dict per layer"
                )
            named = [(f"params_list[{l}]", entry)]
        for name, params in named:
            _, H_layer, _ = check_lstm_params(params, name)
            if H is None:
                H = H_layer
            elif H_layer != H:
                raise ValueError(
                    f"{name} has hidden size H={H_layer}, params_list[0] has H={H}: "
                    "every layer (and direction) of a stack has the same H"
                )
    return len(params_list), H


def _check_dropout(dropout, rng):
    """The dropout probability as a float and the Generator to draw its masks from (None when p = 0)."""
    if isinstance(dropout, bool) or not isinstance(dropout, Real) or not 0.0 <= float(dropout) < 1.0:
        raise ValueError(
            f"dropout must be a number in [0, 1), the probability of zeroing a layer's output, got {dropout!r}"
        )
    p = float(dropout)
    if p == 0.0:
        return p, None
    if rng is None:
        raise ValueError(
            f"dropout={p} needs rng, a numpy.random.Generator (or an int seed) to draw the dropout masks from"
        )
    return p, _rng(rng)


def _states(name, a, S, B, H, bidirectional):
    """Initial states or incoming gradients, (S, B, H) with S = L or 2L, checked; None stays None."""
    if a is None:
        return None
    a = as_float_array(name, a)
    check_shape(
        name, a, ("2L" if bidirectional else "L", "B", "H"), {"2L" if bidirectional else "L": S, "B": B, "H": H}
    )
    return a


def _layer_slice(a, l, bidirectional):
    """Layer l's rows of (L, B, H) or (2L, B, H) states: (B, H), or (2, B, H) with both directions."""
    if a is None:
        return None
    return a[2 * l : 2 * l + 2] if bidirectional else a[l]


def lstm_stack_forward(x, h0, c0, params_list, *, mask=None, bidirectional=False, dropout=0.0, rng=None, fast=True):
    """Run L stacked LSTM layers over a batch of sequences.

    Args:
        x: inputs, (B, T, D).
        h0, c0: initial states, (L, B, H) each, or (2L, B, H) with
            ``bidirectional`` (layer 0 forward, layer 0 backward, layer 1
            forward, ...), or None for zeros.
        params_list: L entries, layer 0 first: a parameter dict each, or a pair
            ``(params_fwd, params_bwd)`` each with ``bidirectional``. Layer 0 has
            ``weight_ih`` (4H, D); the layers above (4H, H), or (4H, 2H) with
            both directions.
        mask: (B, T), 1 (or True) at real steps, 0 at padding; None: all real.
        bidirectional: each layer runs both directions (``bilstm_forward``).
        dropout: the probability p of zeroing each output of every layer but
            the top one before the next layer reads it (the kept ones are
            scaled by 1 / (1 - p)); 0 (default) for none, as at test time.
        rng: a ``numpy.random.Generator`` or int seed for the dropout masks;
            needed when dropout > 0.
        fast: run each layer on the fast path (default) or, with False, on
            the reference.

    Returns:
        hs: outputs of the top layer, (B, T, H), or (B, T, 2H) with both
            directions; zero at padded steps.
        (h_n, c_n): final states of every layer, (L, B, H) or (2L, B, H) each.
        cache: a ``StackCache`` for ``lstm_stack_backward``.
    """
    L, H = _check_params_list(params_list, bidirectional)
    p, gen = _check_dropout(dropout, rng)
    x = as_float_array("x", x)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (B, T, D) (3 dimensions), got shape {x.shape}")
    B, T = x.shape[:2]
    S = 2 * L if bidirectional else L
    h0 = _states("h0", h0, S, B, H, bidirectional)
    c0 = _states("c0", c0, S, B, H, bidirectional)
    if mask is not None:
        mask = check_mask(mask, B, T, x.dtype)
    impl = _fast if fast else _sequences
    caches, drops, h_n, c_n = [], [], [], []
    out = x
    for l, params in enumerate(params_list):
        drop = None
        if l > 0 and p > 0:  # inverted dropout on what the layer below passes up
            keep = gen.random(out.shape) >= p
            drop = keep.astype(out.dtype) * np.asarray(1.0 / (1.0 - p), out.dtype)
            out = out * drop
        h0_l, c0_l = _layer_slice(h0, l, bidirectional), _layer_slice(c0, l, bidirectional)
        try:
            if bidirectional:
                out, (h, c), cache = impl.bilstm_forward(out, mask, params[0], params[1], h0_l, c0_l)
            elif mask is not None:
                out, (h, c), cache = impl.masked_lstm_forward(out, mask, h0_l, c0_l, params)
            else:
                out, (h, c), cache = (_fast if fast else _layer).lstm_forward(out, h0_l, c0_l, params)
        except ValueError as err:
            hint = ""
            if l > 0 and str(err).startswith("x must have shape"):
                F = "2H" if bidirectional else "H"
                hint = f"; layer {l} reads the outputs of layer {l - 1}, so its weight_ih must have shape (4H, {F})"
            raise ValueError(f"layer {l} (params_list[{l}]): {err}{hint}") from None
        caches.append(cache)
        drops.append(drop)
        h_n.append(h)
        c_n.append(c)
    join = np.concatenate if bidirectional else np.stack
    return out, (join(h_n), join(c_n)), StackCache(caches, drops, bidirectional)


def lstm_stack_backward(dhs, cache: StackCache, dh_n=None, dc_n=None):
    """Backward pass through L stacked layers.

    Args:
        dhs: gradient with respect to the top layer's outputs, (B, T, H) (or
            (B, T, 2H) with both directions), or None.
        cache: from ``lstm_stack_forward``.
        dh_n, dc_n: gradients with respect to the final states, (L, B, H)
            each, or (2L, B, H) with both directions, or None.

    Returns:
        dx (B, T, D), dh0 and dc0 (L, B, H) or (2L, B, H), and a list of
        per-layer gradients, layer 0 first: dicts with the keys of the
        parameters, or pairs (grads_fwd, grads_bwd) with both directions.
    """
    if not isinstance(cache, StackCache) or not cache.layers or not all(type(c) in _BACKWARD for c in cache.layers):
        raise ValueError(f"cache must be the StackCache returned by lstm_stack_forward, got {type(cache).__name__}")
    L, bidirectional = len(cache.layers), cache.bidirectional
    top = cache.layers[-1]
    B, T, _, H = (top.forward if bidirectional else top).shape
    S = 2 * L if bidirectional else L
    dh_n = _states("dh_n", dh_n, S, B, H, bidirectional)
    dc_n = _states("dc_n", dc_n, S, B, H, bidirectional)
    drops = cache.dropout_masks or [None] * L
    grads, dh0, dc0 = [None] * L, [None] * L, [None] * L
    d = dhs
    for l in range(L - 1, -1, -1):
        layer_backward = _BACKWARD[type(cache.layers[l])]
        d, dh0[l], dc0[l], grads[l] = layer_backward(
            d, cache.layers[l], _layer_slice(dh_n, l, bidirectional), _layer_slice(dc_n, l, bidirectional)
        )
        if drops[l] is not None:  # the layer read its input through the dropout mask
            d = d * drops[l]
    join = np.concatenate if bidirectional else np.stack
    return d, join(dh0), join(dc0), grads
