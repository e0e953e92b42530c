"""Activation functions and their derivatives.

sigma(x) = 1 / (1 + exp(-x)) squashes to (0, 1): a gate, how much to let through.
tanh(x) squashes to (-1, 1): a value, which can be negative as well as positive.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import as_float_array


def sigmoid(x):
    """Logistic sigmoid, elementwise, stable for large |x|.

    ``1 / (1 + exp(-x))`` overflows ``exp`` for x below about -710 (float64).
    Written with ``exp(-|x|)``, which is never larger than 1, both branches are
    exact to rounding: x >= 0 gives 1 / (1 + e), x < 0 gives e / (1 + e).

    Args:
        x: array of any shape (float32 or float64; integers become float64).
    Returns:
        array of the same shape and dtype, values in [0, 1].
    """
    x = as_float_array("x", x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def tanh(x):
    """Hyperbolic tangent, elementwise (same shape and dtype as ``x``)."""
    x = as_float_array("x", x)
    return np.tanh(x)


def relu(x):
    """max(x, 0), elementwise."""
    x = as_float_array("x", x)
    return np.maximum(x, 0)


class ReLUCache(NamedTuple):
    positive: np.ndarray  # bool mask of x > 0


def relu_forward(x):
    """ReLU with a cache for the backward pass. Returns ``(y, cache)``."""
    x = as_float_array("x", x)
    positive = x > 0
    return np.where(positive, x, 0).astype(x.dtype, copy=False), ReLUCache(positive)


def relu_backward(dy, cache: ReLUCache):
    """Gradient of ReLU: dy where x > 0, else 0 (the subgradient at 0 is taken as 0)."""
    dy = as_float_array("dy", dy)
    if dy.shape != cache.positive.shape:
        raise ValueError(f"dy must have the shape of x, {cache.positive.shape}, got {dy.shape}")
    return np.where(cache.positive, dy, 0).astype(dy.dtype, copy=False)
