"""Dense (fully connected) layer, as torch.nn.Linear: y = x W^T + b."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import as_float_array, result_dtype


class DenseCache(NamedTuple):
    x: np.ndarray  # (..., I)
    weight: np.ndarray  # (O, I)


def _check_dense_params(params):
    if not isinstance(params, dict) or "weight" not in params or "bias" not in params:
        raise ValueError("params must be a dict with 'weight' (O, I) and 'bias' (O,)")
    w = as_float_array("params['weight']", params["weight"])
    b = as_float_array("params['bias']", params["bias"])
    if w.ndim != 2:
        raise ValueError(f"params['weight'] must have shape (O, I), got shape {w.shape}")
    if b.shape != (w.shape[0],):
        raise ValueError(f"params['bias'] must have shape (O,) with O={w.shape[0]}, got shape {b.shape}")
    return w, b


def dense_forward(x, params):
    """y = x W^T + b over the last axis.

    Args:
        x: (..., I), e.g. hidden states (B, T, H) or (B, H).
        params: ``weight`` (O, I), ``bias`` (O,).
    Returns:
        y (..., O) and a cache for ``dense_backward``.
    """
    w, b = _check_dense_params(params)
    x = as_float_array("x", x)
    if x.ndim < 1 or x.shape[-1] != w.shape[1]:
        raise ValueError(f"x must have shape (..., I) with I={w.shape[1]} (the columns of weight), got shape {x.shape}")
    dt = result_dtype(x, w, b)
    x, w, b = x.astype(dt, copy=False), w.astype(dt, copy=False), b.astype(dt, copy=False)
    return x @ w.T + b, DenseCache(x, w)


def dense_backward(dy, cache: DenseCache):
    """Gradients of y = x W^T + b.

    Returns dx (..., I) and grads ``{"weight": (O, I), "bias": (O,)}``.
    """
    x, w = cache
    dy = as_float_array("dy", dy)
    expected = x.shape[:-1] + (w.shape[0],)
    if dy.shape != expected:
        raise ValueError(f"dy must have shape (..., O) = {expected}, got shape {dy.shape}")
    dy2 = dy.reshape(-1, w.shape[0])
    x2 = x.reshape(-1, w.shape[1])
    return dy @ w, {"weight": dy2.T @ x2, "bias": dy2.sum(axis=0)}
