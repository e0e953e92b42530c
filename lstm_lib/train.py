"""Training an LSTM regressor: a model of one LSTM layer and a dense output, and the loop that fits it.

The model reads a window x (B, T, D), runs the LSTM over it and maps the last
hidden state h_T (B, H) to a prediction (B, O) with a dense layer. The loop
is the usual one: for every mini-batch, forward, loss, backward, clip the
gradient's global norm, update; after every epoch, the loss on the
validation split, and the parameters with the best validation loss so far
kept aside (early stopping stops when it has not improved for ``patience``
epochs). The fast NumPy path is the default; ``fast=False`` runs the
reference, which gives the same numbers, more slowly.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from .numpy import fast as _fast
from .numpy.dense import dense_backward, dense_forward
from .numpy.init import _rng, init_dense_params, init_lstm_params
from .numpy.layer import lstm_backward, lstm_forward
from .numpy.losses import mse_loss
from .numpy.optim import clip_grad_norm


def init_model(input_size, hidden_size, output_size=1, *, rng=None, dtype=np.float64, forget_bias=1.0):
    """Parameters of the model: ``{"lstm": init_lstm_params(...), "dense": init_dense_params(...)}``."""
    gen = _rng(rng)
    return {
        "lstm": init_lstm_params(input_size, hidden_size, rng=gen, dtype=dtype, forget_bias=forget_bias),
        "dense": init_dense_params(hidden_size, output_size, rng=gen, dtype=dtype),
    }


def model_forward(params, x, *, fast=True):
    """Predictions (B, O) from the last hidden state of the LSTM over x (B, T, D), and a cache."""
    forward = _fast.lstm_forward if fast else lstm_forward
    _, (h_n, _), lstm_cache = forward(x, None, None, params["lstm"])
    pred, dense_cache = dense_forward(h_n, params["dense"])
    return pred, (lstm_cache, dense_cache, fast)


def model_backward(dpred, cache):
    """Gradients of the loss for every parameter, in the structure of ``params``."""
    lstm_cache, dense_cache, fast = cache
    dh_n, dense_grads = dense_backward(dpred, dense_cache)
    backward = _fast.lstm_backward if fast else lstm_backward
    # Only the last hidden state feeds the output: no gradient reaches hs directly (dhs=None).
    _, _, _, lstm_grads = backward(None, lstm_cache, dh_n=dh_n)
    return {"lstm": lstm_grads, "dense": dense_grads}


def loss_and_grads(params, x, y, *, fast=True):
    """The mean squared error of the model on (x, y) and its gradients: ``(loss, grads)``.

    One forward and one backward pass; ``grads`` has the structure of ``params``.
    """
    pred, cache = model_forward(params, x, fast=fast)
    loss, dpred = mse_loss(pred, y)
    return loss, model_backward(dpred, cache)


def predict(params, x, *, fast=True):
    """The model's predictions (B, O) for x (B, T, D)."""
    return model_forward(params, x, fast=fast)[0]


def evaluate(params, x, y, *, fast=True):
    """The mean squared error of the predictions for x against y."""
    return mse_loss(predict(params, x, fast=fast), y)[0]


@dataclass
class History:
    """What ``train`` measured: one entry per epoch run."""

    train_loss: list = field(default_factory=list)  # mean loss of the epoch's mini-batches
    val_loss: list = field(default_factory=list)  # loss on the validation split after the epoch
    grad_norm: list = field(default_factory=list)  # largest gradient norm (before clipping) in the epoch
    best_epoch: int = -1  # 0-based epoch of the best validation loss; its parameters are returned
    seconds: float = 0.0

    @property
    def best_val_loss(self):
        return self.val_loss[self.best_epoch]


def train(
    params,
    optimizer,
    x_train,
    y_train,
    x_val,
    y_val,
    *,
    epochs,
    batch_size=32,
    max_norm=1.0,
    patience=None,
    rng=None,
    fast=True,
    progress=True,
):
    """Fit ``params`` (from ``init_model``) to the training windows; keep the best on validation.

    Args:
        params: the model's parameters; ``optimizer`` (e.g. ``Adam(params, lr)``)
            updates them in place.
        x_train, y_train: (N, T, D) and (N, O); x_val, y_val the same for validation.
        epochs: the most passes over the training windows.
        batch_size: windows per update, drawn in a new random order every epoch.
        max_norm: the global gradient norm is clipped to this (None: no clipping).
        patience: stop after this many epochs without a better validation loss (None: never).
        rng: a Generator or seed for the order of the windows.
        fast: the fast NumPy path (default) or the reference.
        progress: show a tqdm progress bar.
    Returns:
        ``(best_params, history)``: a copy of the parameters after the epoch with the
        lowest validation loss, and a ``History``.
    """
    gen = _rng(rng)
    n = len(x_train)
    history = History()
    best = copy.deepcopy(params)
    start = time.perf_counter()
    bar = tqdm(range(epochs), desc="epochs", disable=not progress)
    for epoch in bar:
        total, largest = 0.0, 0.0
        order = gen.permutation(n)
        for first in range(0, n, batch_size):
            idx = order[first : first + batch_size]
            pred, cache = model_forward(params, x_train[idx], fast=fast)
            loss, dpred = mse_loss(pred, y_train[idx])
            grads = model_backward(dpred, cache)
            if max_norm is not None:
                largest = max(largest, clip_grad_norm(grads, max_norm))
            optimizer.step(grads)
            total += loss * len(idx)
        history.train_loss.append(total / n)
        history.val_loss.append(evaluate(params, x_val, y_val, fast=fast))
        history.grad_norm.append(largest)
        if history.best_epoch < 0 or history.val_loss[-1] < history.best_val_loss:
            history.best_epoch = epoch
            best = copy.deepcopy(params)
        bar.set_postfix(train=f"{history.train_loss[-1]:.4f}", val=f"{history.val_loss[-1]:.4f}")
        if patience is not None and epoch - history.best_epoch >= patience:
            break
    bar.close()
    history.seconds = time.perf_counter() - start
    return best, history
