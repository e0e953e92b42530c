"""Losses, each returning the loss and its gradient with respect to the prediction.

``mse_loss`` goes with a linear output layer (regression); ``softmax_cross_entropy``
with an output layer that gives one score, a logit, per class (classification).
``perplexity`` is the exponential of the mean cross-entropy, the usual measure of a
language model.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array


def mse_loss(pred, target):
    """Mean squared error over all elements: mean((pred - target)^2).

    Args:
        pred: predictions, any shape, e.g. (B, T, D) or (N, D).
        target: the values to predict, the shape of ``pred``.
    Returns:
        ``(loss, dpred)``: the loss as a Python float, and its gradient
        dpred = 2 (pred - target) / N, with N = pred.size, the shape and dtype of ``pred``.
    """
    pred = as_float_array("pred", pred)
    target = as_float_array("target", target)
    if pred.shape != target.shape:
        raise ValueError(f"target must have the shape of pred, {pred.shape}, got shape {target.shape}")
    if pred.size == 0:
        raise ValueError("pred must not be empty")
    diff = pred - target.astype(pred.dtype, copy=False)
    return float(np.mean(diff * diff)), (2.0 / pred.size) * diff


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    """log softmax over the last axis, by the log-sum-exp trick: no exp of a large number."""
    shifted = logits - logits.max(axis=-1, keepdims=True)  # every entry <= 0: exp <= 1
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(logits):
    """Softmax over the last axis: exp(z) / sum(exp(z)), computed without overflow.

    Args:
        logits: (..., C) unnormalised scores, e.g. (N, C).
    Returns:
        probabilities of the shape and dtype of ``logits``; each row sums to 1.
    """
    return np.exp(_log_softmax(as_float_array("logits", logits)))


def softmax_cross_entropy(logits, targets):
    """Softmax followed by the negative log-likelihood of the target classes.

    Args:
        logits: (N, C) unnormalised scores, one row per example, one column per class.
        targets: (N,) integer class indices in [0, C).
    Returns:
        ``(loss, dlogits)``: the mean over N of -log softmax(logits)[n, targets[n]]
        as a Python float, and its gradient (softmax - one_hot) / N, shape (N, C),
        in the dtype of ``logits``. Stable for logits of any size (log-sum-exp).
    """
    logits = as_float_array("logits", logits)
    if logits.ndim != 2 or logits.shape[0] == 0 or logits.shape[1] == 0:
        raise ValueError(f"logits must have shape (N, C) with N, C >= 1, got shape {logits.shape}")
    N, C = logits.shape
    targets = np.asarray(targets)
    if targets.shape != (N,):
        raise ValueError(f"targets must have shape (N,) with N={N}, got shape {targets.shape}")
    if targets.dtype.kind not in "iu":
        raise ValueError(f"targets must be integer class indices, got dtype {targets.dtype}")
    if targets.min() < 0 or targets.max() >= C:
        raise ValueError(
            f"targets must be class indices in [0, C) with C={C}, got values in [{targets.min()}, {targets.max()}]"
        )
    log_probs = _log_softmax(logits)
    rows = np.arange(N)
    loss = -float(log_probs[rows, targets].mean())
    dlogits = np.exp(log_probs)  # the softmax
    dlogits[rows, targets] -= 1.0
    dlogits /= N
    return loss, dlogits


def perplexity(logits, targets) -> float:
    """exp of the mean cross-entropy: the effective number of classes the model hesitates
    between. 1 for a model that is sure and right; C for a uniform guess over C classes.

    Args and validation as ``softmax_cross_entropy``: logits (N, C), targets (N,).
    """
    loss, _ = softmax_cross_entropy(logits, targets)
    return float(np.exp(loss))
