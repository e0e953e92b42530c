r"""Sequences of different lengths, both directions, and a classifier on top.

**Masking.** A batch of sequences of different lengths is padded to one
length T, and a mask says which steps are real: ``mask[b, t]`` is 1 for a
real step and 0 for padding. At a padded step the state carries over
unchanged and the output is zero:

.. math::

    h_t = m_t\,\tilde h_t + (1 - m_t)\,h_{t-1}, \qquad
    c_t = m_t\,\tilde c_t + (1 - m_t)\,c_{t-1}, \qquad
    y_t = m_t\,\tilde h_t,

where :math:`\tilde h_t, \tilde c_t` is the cell's step. So each sequence
ends in the state of its last real step, exactly as if it had run alone
(PyTorch's packed sequences compute the same thing).

**Both directions.** A bidirectional layer runs one LSTM forward in time and
a second one, with its own parameters, backward: over each sequence's real
steps from the last to the first. Its outputs are the two directions' hidden
states side by side, (B, T, 2H), so that the output at t sees the whole
sequence, before and after t.

**A classifier.** Many-to-one: the mean of the hidden states over the real
steps, a dense layer to C logits, and softmax cross-entropy.

These are the reference implementations, loops over ``lstm_cell_forward``
and ``lstm_cell_backward`` that the book prints; they are the ground truth
of the tests and of the grader.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import (
    as_cache,
    as_float_array,
    check_direction_params,
    check_lstm_backward,
    check_lstm_forward,
    check_mask,
    check_shape,
    split_directions,
)
from .cell import CellCache, lstm_cell_backward, lstm_cell_forward
from .dense import dense_backward, dense_forward
from .losses import softmax_cross_entropy


class MaskedLSTMCache(NamedTuple):
    """What ``masked_lstm_backward`` needs: every step's ``CellCache`` and the mask (B, T)."""

    steps: list
    mask: np.ndarray

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(B, T, D, H)."""
        B, D = self.steps[0].x.shape
        return B, len(self.steps), D, self.steps[0].c.shape[1]

    @property
    def dtype(self) -> np.dtype:
        return self.steps[0].c.dtype


def masked_lstm_forward(x, mask, h0, c0, params):
    """Run one LSTM layer over padded sequences; padded steps change nothing.

    Args:
        x: inputs, (B, T, D), each sequence padded to T steps.
        mask: (B, T), 1 (or True) at real steps, 0 at padding; None: all real.
        h0, c0: initial states, (B, H) each, or None for zeros.
        params: ``weight_ih`` (4H, D), ``weight_hh`` (4H, H), ``bias_ih``,
            ``bias_hh`` (4H,), gate order i, f, g, o.

    Returns:
        hs: hidden states, (B, T, H), zero at padded steps.
        (h_n, c_n): each sequence's state after its last real step, (B, H).
        cache: a ``MaskedLSTMCache`` for ``masked_lstm_backward``.
    """
    x, h0, c0, params = check_lstm_forward(x, h0, c0, params)
    mask = check_mask(mask, x.shape[0], x.shape[1], x.dtype)

    h, c = h0, c0
    hs, steps = [], []
    for t in range(x.shape[1]):
        h_step, c_step, step = lstm_cell_forward(x[:, t], h, c, params)
        m = mask[:, t, None]  # (B, 1): 1 where step t is real
        h = m * h_step + (1 - m) * h  # padding keeps the state
        c = m * c_step + (1 - m) * c
        hs.append(m * h_step)  # and outputs zero
        steps.append(step)
    return np.stack(hs, axis=1), (h, c), MaskedLSTMCache(steps, mask)


def masked_lstm_backward(dhs, cache: MaskedLSTMCache, dh_n=None, dc_n=None):
    """Backpropagation through time over padded sequences.

    Args:
        dhs: gradient with respect to the hidden states, (B, T, H), or None
            (its values at padded steps do not matter: those outputs are 0).
        cache: from ``masked_lstm_forward``.
        dh_n, dc_n: gradients with respect to the final states, (B, H), or None.

    Returns:
        dx (B, T, D), zero at padded steps; dh0 and dc0 (B, H); grads, a dict
        with the parameters' keys.
    """
    dhs, dh_n, dc_n = check_lstm_backward(dhs, cache, dh_n, dc_n, MaskedLSTMCache, "masked_lstm_forward")

    T = len(cache.steps)
    dh, dc = dh_n, dc_n
    dx = [None] * T
    grads = {name: np.zeros_like(value) for name, value in cache.steps[0].params.items()}
    for t in reversed(range(T)):
        m = cache.mask[:, t, None]
        # The cell's step reaches the loss only where the step is real ...
        dx[t], dh_prev, dc_prev, step_grads = lstm_cell_backward(m * (dhs[:, t] + dh), m * dc, cache.steps[t])
        # ... and where it is padding, the state's gradient passes straight through.
        dh = dh_prev + (1 - m) * dh
        dc = dc_prev + (1 - m) * dc
        for name in grads:
            grads[name] += step_grads[name]
    return np.stack(dx, axis=1), dh, dc, grads


class BiLSTMCache(NamedTuple):
    """The two directions' ``MaskedLSTMCache``; the backward one saw time reversed."""

    forward: MaskedLSTMCache
    backward: MaskedLSTMCache


def bilstm_forward(x, mask, params_fwd, params_bwd, h0=None, c0=None):
    """A bidirectional LSTM layer over padded sequences.

    Args:
        x: inputs, (B, T, D).
        mask: (B, T), 1 at real steps, 0 at padding; None: all real.
        params_fwd, params_bwd: the two directions' parameters (each as for
            ``masked_lstm_forward``, with the same H).
        h0, c0: initial states, (2, B, H) (forward, backward), or None for zeros.

    Returns:
        hs: (B, T, 2H); ``hs[..., :H]`` the forward direction's hidden states,
            ``hs[..., H:]`` the backward direction's, each at its step t.
        (h_n, c_n): (2, B, H) each: [0] the forward direction after each
            sequence's last real step, [1] the backward one after step 0.
        cache: a ``BiLSTMCache`` for ``bilstm_backward``.
    """
    x = as_float_array("x", x)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (B, T, D) (3 dimensions), got shape {x.shape}")
    H = check_direction_params(params_fwd, params_bwd)
    mask = check_mask(mask, x.shape[0], x.shape[1], x.dtype)
    h0f, h0b = split_directions("h0", h0, x.shape[0], H)
    c0f, c0b = split_directions("c0", c0, x.shape[0], H)

    hs_f, (h_f, c_f), cache_f = masked_lstm_forward(x, mask, h0f, c0f, params_fwd)
    # The backward direction reads time reversed; its outputs are reversed back into place.
    hs_b, (h_b, c_b), cache_b = masked_lstm_forward(x[:, ::-1], mask[:, ::-1], h0b, c0b, params_bwd)
    hs = np.concatenate([hs_f, hs_b[:, ::-1]], axis=-1)
    return hs, (np.stack([h_f, h_b]), np.stack([c_f, c_b])), BiLSTMCache(cache_f, cache_b)


def bilstm_backward(dhs, cache: BiLSTMCache, dh_n=None, dc_n=None):
    """Backpropagation through a bidirectional layer: each direction alone, dx summed.

    Args:
        dhs: gradient with respect to hs, (B, T, 2H), or None.
        cache: from ``bilstm_forward``.
        dh_n, dc_n: gradients with respect to h_n and c_n, (2, B, H), or None.

    Returns:
        dx (B, T, D); dh0 and dc0 (2, B, H); (grads_fwd, grads_bwd), one dict
        per direction.
    """
    cache = as_cache(cache, BiLSTMCache, "bilstm_forward")
    B, T, _, H = cache.forward.shape
    if dhs is not None:
        dhs = as_float_array("dhs", dhs)
        check_shape("dhs", dhs, ("B", "T", "2H"), {"B": B, "T": T, "2H": 2 * H})
    dh_f, dh_b = split_directions("dh_n", dh_n, B, H)
    dc_f, dc_b = split_directions("dc_n", dc_n, B, H)

    dx_f, dh0_f, dc0_f, grads_f = masked_lstm_backward(None if dhs is None else dhs[..., :H], cache.forward, dh_f, dc_f)
    dx_b, dh0_b, dc0_b, grads_b = masked_lstm_backward(
        None if dhs is None else dhs[:, ::-1, H:], cache.backward, dh_b, dc_b
    )
    dx = dx_f + dx_b[:, ::-1]
    return dx, np.stack([dh0_f, dh0_b]), np.stack([dc0_f, dc0_b]), (grads_f, grads_b)


def _pool_args(name, hs, mask):
    hs = as_float_array(name, hs)
    if hs.ndim != 3:
        raise ValueError(f"{name} must have shape (B, T, F) (3 dimensions), got shape {hs.shape}")
    mask = check_mask(mask, hs.shape[0], hs.shape[1], hs.dtype)
    counts = mask.sum(axis=1, keepdims=True)  # (B, 1): real steps per sequence
    if np.any(counts == 0):
        empty = np.flatnonzero(counts[:, 0] == 0).tolist()
        raise ValueError(f"every sequence needs at least one real step; mask has none for sequences {empty}")
    return hs, mask, counts


def masked_mean_pool(hs, mask):
    """The mean of ``hs`` (B, T, F) over each sequence's real steps: (B, F)."""
    hs, mask, counts = _pool_args("hs", hs, mask)
    return (hs * mask[:, :, None]).sum(axis=1) / counts


def masked_mean_pool_backward(dpooled, mask):
    """Gradient of ``masked_mean_pool``: dpooled (B, F) spread evenly over the real steps, (B, T, F)."""
    dpooled = as_float_array("dpooled", dpooled)
    if dpooled.ndim != 2:
        raise ValueError(f"dpooled must have shape (B, F) (2 dimensions), got shape {dpooled.shape}")
    mask = np.asarray(mask)
    if mask.ndim != 2 or mask.shape[0] != dpooled.shape[0]:
        raise ValueError(f"mask must have shape (B, T) with B={dpooled.shape[0]}, got shape {mask.shape}")
    _, mask, counts = _pool_args("dhs", np.zeros((*mask.shape, 1), dpooled.dtype), mask)
    return mask[:, :, None] * (dpooled / counts)[:, None, :]


def classifier_loss(hs, mask, params, targets):
    """Many-to-one classification: mean over real steps, a dense layer, softmax cross-entropy.

    Args:
        hs: hidden states, (B, T, F) (F = 2H for a bidirectional layer).
        mask: (B, T), 1 at real steps, 0 at padding; None: all real.
        params: the dense layer, ``weight`` (C, F) and ``bias`` (C,).
        targets: (B,) class indices in 0..C-1.

    Returns:
        loss (the mean over B), dhs (B, T, F) (zero at padded steps), and grads
        ``{"weight": (C, F), "bias": (C,)}``.
    """
    if mask is None:  # every step real, spelled out: the backward needs T
        mask = np.ones(np.shape(hs)[:2], dtype=bool)
    pooled = masked_mean_pool(hs, mask)
    logits, dense_cache = dense_forward(pooled, params)
    loss, dlogits = softmax_cross_entropy(logits, targets)
    dpooled, grads = dense_backward(dlogits, dense_cache)
    return loss, masked_mean_pool_backward(dpooled, mask), grads


__all__ = [
    "CellCache",
    "MaskedLSTMCache",
    "BiLSTMCache",
    "check_mask",
    "masked_lstm_forward",
    "masked_lstm_backward",
    "bilstm_forward",
    "bilstm_backward",
    "masked_mean_pool",
    "masked_mean_pool_backward",
    "classifier_loss",
]
