"""Losses, each returning the loss and its gradient with respect to the prediction."""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array


def mse_loss(pred, target):
    """Mean squared error over all elements: mean((pred - target)^2).

    Returns ``(loss, dpred)``, dpred = 2 (pred - target) / N with N = pred.size.
    """
    pred = as_float_array("pred", pred)
    target = as_float_array("target", target)
    if pred.shape != target.shape:
        raise ValueError(f"target must have the shape of pred, {pred.shape}, got shape {target.shape}")
    if pred.size == 0:
        raise ValueError("pred must not be empty")
    diff = pred - target.astype(pred.dtype, copy=False)
    return float(np.mean(diff * diff)), (2.0 / pred.size) * diff


def softmax_cross_entropy(logits, targets):
    """Softmax followed by the negative log-likelihood of the target classes.

    Args:
        logits: (N, C) unnormalised scores.
        targets: (N,) integer class indices in [0, C).
    Returns:
        ``(loss, dlogits)``: the mean over N of -log softmax(logits)[n, targets[n]],
        and its gradient (softmax - one_hot) / N, shape (N, C).
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
        raise ValueError(f"targets must be class indices in [0, C) with C={C}, got values in "
                         f"[{targets.min()}, {targets.max()}]")
    shifted = logits - logits.max(axis=1, keepdims=True)  # exp cannot overflow
    log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_probs = shifted - log_norm
    rows = np.arange(N)
    loss = -float(log_probs[rows, targets].mean())
    dlogits = np.exp(log_probs)
    dlogits[rows, targets] -= 1.0
    dlogits /= N
    return loss, dlogits
