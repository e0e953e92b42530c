r"""The plain (Elman) RNN, forward and backward: what the LSTM is compared with.

One step, for a batch, in torch.nn.RNN's layout (``nonlinearity="tanh"``):

.. math::

    h = \tanh(x W_{ih}^\top + b_{ih} + h_{prev} W_{hh}^\top + b_{hh})

with ``weight_ih`` (H, D), ``weight_hh`` (H, H), ``bias_ih`` and ``bias_hh``
(H,). ``rnn_forward`` runs the step over a batch-first sequence x (B, T, D).
``gradient_norms`` measures how a gradient shrinks or grows as it travels back
through the linear recurrence h_t = h_{t-1} W^T.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import as_float_array, check_shape, result_dtype
from .activations import tanh
from .init import _uniform_layer

RNN_PARAM_KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


class RNNStepCache(NamedTuple):
    """What the backward pass of one step needs. Shapes: x (B, D), h_prev and h (B, H)."""

    x: np.ndarray
    h_prev: np.ndarray
    h: np.ndarray
    params: dict  # weight_ih (H, D), weight_hh (H, H), bias_ih, bias_hh (H,)


class RNNCache(NamedTuple):
    """What ``rnn_backward`` needs: one ``RNNStepCache`` per step, in time order."""

    steps: list


def check_rnn_params(params, name: str = "params") -> tuple[int, int, dict]:
    """Validate an RNN parameter dict; return (D, H, arrays)."""
    if not isinstance(params, dict):
        raise ValueError(f"{name} must be a dict with keys {', '.join(RNN_PARAM_KEYS)}, got {type(params).__name__}")
    missing = [k for k in RNN_PARAM_KEYS if k not in params]
    if missing:
        raise ValueError(
            f"{name} is missing {', '.join(repr(k) for k in missing)}; expected keys {', '.join(RNN_PARAM_KEYS)}"
        )
    p = {k: as_float_array(f"{name}['{k}']", params[k]) for k in RNN_PARAM_KEYS}
    whh = p["weight_hh"]
    if whh.ndim != 2 or whh.shape[0] != whh.shape[1]:
        raise ValueError(f"{name}['weight_hh'] must have shape (H, H), got shape {whh.shape}")
    sizes = {"H": whh.shape[0]}
    check_shape(f"{name}['weight_ih']", p["weight_ih"], ("H", "D"), sizes)
    check_shape(f"{name}['bias_ih']", p["bias_ih"], ("H",), sizes)
    check_shape(f"{name}['bias_hh']", p["bias_hh"], ("H",), sizes)
    return sizes["D"], sizes["H"], p


def init_rnn_params(input_size, hidden_size, *, rng=None, dtype=np.float64):
    """Parameters of one RNN layer as torch.nn.RNN draws them.

    Args:
        input_size: D.
        hidden_size: H.
        rng: a ``numpy.random.Generator`` (or int seed); None draws a fresh one.
        dtype: float64 (default) or float32.

    Returns:
        dict with ``weight_ih`` (H, D), ``weight_hh`` (H, H), ``bias_ih`` (H,),
        ``bias_hh`` (H,), every value from U(-k, k) with k = 1/sqrt(H).
    """
    return _uniform_layer(input_size, hidden_size, 1, rng, dtype)


def rnn_step_forward(x, h_prev, params):
    """One RNN step: h = tanh(x W_ih^T + b_ih + h_prev W_hh^T + b_hh).

    Args:
        x: input at this step, (B, D).
        h_prev: hidden state of the previous step, (B, H).
        params: dict with ``weight_ih`` (H, D), ``weight_hh`` (H, H),
            ``bias_ih`` (H,), ``bias_hh`` (H,).

    Returns:
        h: new hidden state, (B, H), in the inputs' dtype.
        cache: an ``RNNStepCache`` for ``rnn_step_backward``.
    """
    D, H, p = check_rnn_params(params)
    x, h_prev = as_float_array("x", x), as_float_array("h_prev", h_prev)
    sizes = {"D": D, "H": H}
    check_shape("x", x, ("B", "D"), sizes)
    check_shape("h_prev", h_prev, ("B", "H"), sizes)
    dt = result_dtype(x, h_prev, *p.values())
    x, h_prev = x.astype(dt, copy=False), h_prev.astype(dt, copy=False)
    p = {k: v.astype(dt, copy=False) for k, v in p.items()}

    h = tanh(x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"])
    return h, RNNStepCache(x, h_prev, h, p)


def rnn_step_backward(dh, cache: RNNStepCache):
    """Backward pass of one RNN step.

    Args:
        dh: gradient of the loss with respect to h, (B, H).
        cache: from ``rnn_step_forward``.

    Returns:
        dx (B, D), dh_prev (B, H), and grads: a dict with the parameters' keys.
    """
    if not isinstance(cache, RNNStepCache):
        raise ValueError(f"cache must be the RNNStepCache returned by rnn_step_forward, got {type(cache).__name__}")
    x, h_prev, h, p = cache
    dh = as_float_array("dh", dh)
    check_shape("dh", dh, ("B", "H"), {"B": h.shape[0], "H": h.shape[1]})
    da = dh.astype(h.dtype, copy=False) * (1.0 - h**2)  # tanh' = 1 - tanh^2
    db = da.sum(axis=0)
    grads = {"weight_ih": da.T @ x, "weight_hh": da.T @ h_prev, "bias_ih": db, "bias_hh": db.copy()}
    return da @ p["weight_ih"], da @ p["weight_hh"], grads


def rnn_forward(x, h0, params):
    """The RNN over a batch of sequences, one step after another.

    Args:
        x: inputs, (B, T, D), batch-first.
        h0: initial hidden state, (B, H); None means zeros.
        params: as for ``rnn_step_forward``.

    Returns:
        hs: the hidden state at every step, (B, T, H).
        h_n: the last hidden state, (B, H) (equal to ``hs[:, -1]``).
        cache: an ``RNNCache`` for ``rnn_backward``.
    """
    D, H, p = check_rnn_params(params)
    x = as_float_array("x", x)
    sizes = {"D": D, "H": H}
    check_shape("x", x, ("B", "T", "D"), sizes)
    B, T = sizes["B"], sizes["T"]
    if B == 0 or T == 0:
        raise ValueError(f"x must have at least one sequence and one step, got shape {x.shape}")
    h = np.zeros((B, H), x.dtype) if h0 is None else as_float_array("h0", h0)
    check_shape("h0", h, ("B", "H"), sizes)
    dt = result_dtype(x, h, *p.values())
    hs = np.empty((B, T, H), dt)
    steps = []
    for t in range(T):
        h, step = rnn_step_forward(x[:, t], h, p)
        hs[:, t] = h
        steps.append(step)
    return hs, h, RNNCache(steps)


def rnn_backward(dhs, cache: RNNCache, dh_n=None):
    """Backpropagation through time for ``rnn_forward``.

    Args:
        dhs: gradient of the loss with respect to every hidden state, (B, T, H);
            None means zero.
        cache: from ``rnn_forward``.
        dh_n: an extra gradient on the last hidden state, (B, H); None means zero.

    Returns:
        dx (B, T, D), dh0 (B, H), and grads: a dict with the parameters' keys,
        summed over the steps.
    """
    if not isinstance(cache, RNNCache):
        raise ValueError(f"cache must be the RNNCache returned by rnn_forward, got {type(cache).__name__}")
    first = cache.steps[0]
    B, H = first.h.shape
    T, D, dt = len(cache.steps), first.x.shape[1], first.h.dtype
    sizes = {"B": B, "T": T, "H": H}
    if dhs is None:
        dhs = np.zeros((B, T, H), dt)
    dhs = as_float_array("dhs", dhs)
    check_shape("dhs", dhs, ("B", "T", "H"), sizes)
    dh = np.zeros((B, H), dt) if dh_n is None else as_float_array("dh_n", dh_n)
    check_shape("dh_n", dh, ("B", "H"), sizes)
    dh = dh.astype(dt, copy=True)
    dx = np.empty((B, T, D), dt)
    grads = {k: np.zeros_like(v) for k, v in first.params.items()}
    for t in reversed(range(T)):
        # h_t feeds the loss directly (dhs) and the next step (dh, carried back).
        dx[:, t], dh, g = rnn_step_backward(dhs[:, t] + dh, cache.steps[t])
        for k in grads:
            grads[k] += g[k]
    return dx, dh, grads


def gradient_norms(weight_hh, T, v=None):
    """How a gradient's norm changes going back k steps through h_t = h_{t-1} W^T.

    In the linear recurrence h_t = h_{t-1} W^T (no input, no bias, no tanh), a
    gradient g on h_T becomes g W^k on h_{T-k}. This returns its norms.

    Args:
        weight_hh: the recurrent matrix W, (H, H).
        T: the largest lag, an int >= 0.
        v: the gradient on h_T, (H,); None means the all-ones vector divided by
            sqrt(H), of norm 1.

    Returns:
        norms: (T + 1,) float64, norms[k] = ||v W^k|| (the Euclidean norm), so
        norms[0] = ||v||.
    """
    W = as_float_array("weight_hh", weight_hh)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"weight_hh must have shape (H, H), got shape {W.shape}")
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 0:
        raise ValueError(f"T must be an integer >= 0, got {T!r}")
    H = W.shape[0]
    g = np.full(H, 1.0 / np.sqrt(H)) if v is None else as_float_array("v", v).astype(np.float64)
    check_shape("v", g, ("H",), {"H": H})
    W = W.astype(np.float64)
    norms = np.empty(int(T) + 1)
    for k in range(int(T) + 1):
        norms[k] = np.linalg.norm(g)
        g = g @ W  # one step further back: dL/dh_{t-1} = dL/dh_t W
    return norms
