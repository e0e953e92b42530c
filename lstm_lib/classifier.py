r"""Classifying whole sequences: a stacked bidirectional LSTM, pooled over time, and two dense layers.

The model reads a batch of padded sequences x (B, T, D) with a mask (B, T)
(1 at real steps, 0 at padding) and gives C logits per sequence:

1. an LSTM stack of L layers, each running both directions over every
   sequence's real steps: hs (B, T, F) with F = 2H (F = H with one direction);
2. pooling over time to one vector per sequence, (B, F): the mean of hs over
   the real steps (``pooling="mean"``), or the final states (``"last"``: the
   forward direction after the last real step beside the backward direction
   after step 0);
3. a dense layer and ReLU, (B, dense_size), then a dense layer to the logits,
   (B, C), trained with softmax cross-entropy.

The loop (``train_classifier``) is that of ``lstm_lib.train``: mini-batches in
a new random order every epoch (optionally with a little Gaussian noise on the
inputs), clipping by the global gradient norm, an optimiser step, and after
every epoch the loss and accuracy on a validation split carved from the
training sequences; the parameters of the epoch with
the lowest validation loss are kept (early stopping). Everything random
(initialisation, order, dropout) comes from an explicit seed.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from tqdm.auto import tqdm

from .numpy.activations import relu_backward, relu_forward
from .numpy.dense import dense_backward, dense_forward
from .numpy.init import _positive_int, _rng, init_dense_params, init_lstm_stack_params
from .numpy.losses import softmax_cross_entropy
from .numpy.optim import clip_grad_norm
from .numpy.sequences import check_mask, masked_mean_pool, masked_mean_pool_backward
from .numpy.stack import lstm_stack_backward, lstm_stack_forward

POOLINGS = ("mean", "last")


# ---------------------------------------------------------------------------
# Features: standardised on the training split's real steps only
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureScaler:
    """Per-feature standardisation of padded sequences, fitted on real steps only.

    ``mean`` and ``std`` are (D,); padding is left at zero by ``transform``, so
    that it stays recognisable and never enters the statistics.
    """

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, x, mask):
        """The mean and standard deviation of every feature over the real steps of x (N, T, D)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 3:
            raise ValueError(f"x must have shape (N, T, D) (3 dimensions), got shape {x.shape}")
        m = check_mask(mask, x.shape[0], x.shape[1], np.float64).astype(bool)
        if not m.any():
            raise ValueError("mask marks no real step: there is nothing to fit the scaler on")
        real = x[m]  # (number of real steps, D)
        std = real.std(axis=0)
        return cls(real.mean(axis=0), np.where(std > 0, std, 1.0))

    def transform(self, x, mask):
        """(x - mean) / std at the real steps, 0 at the padded ones; (N, T, D)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 3 or x.shape[2] != self.mean.shape[0]:
            raise ValueError(
                f"x must have shape (N, T, D) with D={self.mean.shape[0]} (the features the "
                f"scaler was fitted on), got shape {x.shape}"
            )
        m = check_mask(mask, x.shape[0], x.shape[1], x.dtype)
        return (x - self.mean) / self.std * m[:, :, None]


def validation_split(labels, per_class, *, rng=None):
    """Indices ``(train_idx, val_idx)`` that hold out ``per_class`` sequences of every class.

    Stratified, so that the validation split has the classes in the same
    proportions whatever the draw; both index arrays are sorted.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(
            f"labels must be a 1-d array of integer classes, got dtype {labels.dtype} and shape {labels.shape}"
        )
    per_class = _positive_int("per_class", per_class)
    gen = _rng(rng)
    val = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        if len(members) <= per_class:
            raise ValueError(
                f"class {c} has {len(members)} sequences; holding out {per_class} would leave none to train on"
            )
        val.extend(gen.choice(members, size=per_class, replace=False))
    val = np.sort(np.asarray(val, dtype=np.int64))
    return np.setdiff1d(np.arange(len(labels)), val), val


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------


def init_classifier(
    input_size,
    hidden_size,
    num_classes,
    *,
    num_layers=2,
    bidirectional=True,
    dense_size=32,
    rng=None,
    dtype=np.float64,
    forget_bias=1.0,
):
    """Parameters of the classifier: ``{"lstm": [...], "hidden": {...}, "output": {...}}``.

    ``"lstm"`` is ``init_lstm_stack_params``'s list (of ``(params_fwd, params_bwd)``
    pairs when ``bidirectional``); ``"hidden"`` the dense layer (dense_size, F)
    after pooling, F = 2H or H; ``"output"`` the dense layer (C, dense_size).
    """
    gen = _rng(rng)
    H = _positive_int("hidden_size", hidden_size)
    C = _positive_int("num_classes", num_classes)
    F = 2 * H if bidirectional else H
    return {
        "lstm": init_lstm_stack_params(
            input_size, H, num_layers, bidirectional=bidirectional, rng=gen, dtype=dtype, forget_bias=forget_bias
        ),
        "hidden": init_dense_params(F, _positive_int("dense_size", dense_size), rng=gen, dtype=dtype),
        "output": init_dense_params(dense_size, C, rng=gen, dtype=dtype),
    }


def _is_bidirectional(lstm_params):
    if not isinstance(lstm_params, (list, tuple)) or not lstm_params:
        raise ValueError(
            "params['lstm'] must be a non-empty list of layers (from init_classifier), "
            f"got {type(lstm_params).__name__}"
        )
    return isinstance(lstm_params[0], (list, tuple))


class ClassifierCache(NamedTuple):
    """What ``classifier_backward`` needs from ``classifier_forward``."""

    stack: object  # the LSTM stack's cache
    mask: np.ndarray  # (B, T) as 0.0/1.0
    pooling: str
    bidirectional: bool
    num_states: int  # rows of h_n: L, or 2L with both directions
    hidden: object  # DenseCache of the hidden layer
    relu: object  # ReLUCache
    output: object  # DenseCache of the output layer


def classifier_forward(params, x, mask=None, *, pooling="mean", dropout=0.0, rng=None, fast=True):
    """Logits (B, C) for padded sequences x (B, T, D), and a cache for ``classifier_backward``.

    Args:
        params: from ``init_classifier``.
        x: (B, T, D), each sequence padded to T steps.
        mask: (B, T), 1 (or True) at real steps, 0 at padding; None: all real.
        pooling: ``"mean"`` (over real steps) or ``"last"`` (final states).
        dropout: inverted dropout on the outputs of every LSTM layer but the
            top one, in training only (0 at evaluation); needs ``rng`` when > 0.
        rng: a Generator or seed for the dropout masks.
        fast: the LSTM layers on the fast path (default) or on the reference.
    """
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
    bidirectional = _is_bidirectional(params["lstm"])
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (B, T, D) (3 dimensions), got shape {x.shape}")
    m = check_mask(mask, x.shape[0], x.shape[1], x.dtype if x.dtype.kind == "f" else np.float64)
    if not np.all(m.sum(axis=1) > 0):
        empty = np.flatnonzero(m.sum(axis=1) == 0).tolist()
        raise ValueError(f"every sequence needs at least one real step; mask has none for sequences {empty}")

    hs, (h_n, _), stack_cache = lstm_stack_forward(
        x,
        None,
        None,
        params["lstm"],
        mask=m,
        bidirectional=bidirectional,
        dropout=dropout,
        rng=rng if dropout else None,
        fast=fast,
    )
    if pooling == "mean":
        pooled = masked_mean_pool(hs, m)
    else:  # the top layer's final states: forward after the last real step, backward after step 0
        pooled = np.concatenate([h_n[-2], h_n[-1]], axis=-1) if bidirectional else h_n[-1]
    a, hidden_cache = dense_forward(pooled, params["hidden"])
    z, relu_cache = relu_forward(a)
    logits, output_cache = dense_forward(z, params["output"])
    cache = ClassifierCache(
        stack_cache, m, pooling, bidirectional, h_n.shape[0], hidden_cache, relu_cache, output_cache
    )
    return logits, cache


def classifier_backward(dlogits, cache: ClassifierCache):
    """Gradients of the loss for every parameter, in the structure of ``params``, from dlogits (B, C)."""
    if not isinstance(cache, ClassifierCache):
        raise ValueError(
            f"cache must be the ClassifierCache returned by classifier_forward, got {type(cache).__name__}"
        )
    dz, output_grads = dense_backward(dlogits, cache.output)
    da = relu_backward(dz, cache.relu)
    dpooled, hidden_grads = dense_backward(da, cache.hidden)
    if cache.pooling == "mean":
        dhs, dh_n = masked_mean_pool_backward(dpooled, cache.mask), None
    else:  # only the top layer's final states reach the loss
        B, F = dpooled.shape
        dh_n = np.zeros((cache.num_states, B, F // 2 if cache.bidirectional else F), dpooled.dtype)
        if cache.bidirectional:
            dh_n[-2], dh_n[-1] = dpooled[:, : F // 2], dpooled[:, F // 2 :]
        else:
            dh_n[-1] = dpooled
        dhs = None
    _, _, _, lstm_grads = lstm_stack_backward(dhs, cache.stack, dh_n=dh_n)
    return {"lstm": lstm_grads, "hidden": hidden_grads, "output": output_grads}


def loss_and_grads(params, x, mask, y, *, pooling="mean", dropout=0.0, rng=None, fast=True):
    """The mean softmax cross-entropy of the classifier on (x, mask, y) and its gradients: ``(loss, grads)``."""
    logits, cache = classifier_forward(params, x, mask, pooling=pooling, dropout=dropout, rng=rng, fast=fast)
    loss, dlogits = softmax_cross_entropy(logits, y)
    return loss, classifier_backward(dlogits, cache)


def predict(params, x, mask=None, *, pooling="mean", fast=True):
    """The predicted class of every sequence, (B,) int64 (no dropout)."""
    logits, _ = classifier_forward(params, x, mask, pooling=pooling, fast=fast)
    return logits.argmax(axis=1)


def accuracy(params, x, mask, y, *, pooling="mean", fast=True):
    """The fraction of sequences whose predicted class is y (B,)."""
    return float(np.mean(predict(params, x, mask, pooling=pooling, fast=fast) == np.asarray(y)))


def evaluate(params, x, mask, y, *, pooling="mean", fast=True):
    """``(loss, accuracy)`` on (x, mask, y), without dropout."""
    logits, _ = classifier_forward(params, x, mask, pooling=pooling, fast=fast)
    return softmax_cross_entropy(logits, y)[0], float(np.mean(logits.argmax(axis=1) == np.asarray(y)))


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------


@dataclass
class ClassifierHistory:
    """What ``train_classifier`` measured: one entry per epoch run."""

    train_loss: list = field(default_factory=list)  # mean loss of the epoch's mini-batches
    val_loss: list = field(default_factory=list)  # loss on the validation split after the epoch
    val_accuracy: list = field(default_factory=list)  # accuracy on the validation split after the epoch
    grad_norm: list = field(default_factory=list)  # largest gradient norm (before clipping) in the epoch
    best_epoch: int = -1  # 0-based epoch of the best validation loss; its parameters are returned
    seconds: float = 0.0

    @property
    def best_val_loss(self):
        return self.val_loss[self.best_epoch]


def _check_split(name, x, mask, y):
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"x_{name} must have shape (N, T, D) (3 dimensions), got shape {x.shape}")
    y = np.asarray(y)
    if y.shape != (x.shape[0],) or y.dtype.kind not in "iu":
        raise ValueError(
            f"y_{name} must be (N,) integer class indices with N={x.shape[0]}, got dtype {y.dtype} and shape {y.shape}"
        )
    return x, check_mask(mask, x.shape[0], x.shape[1], np.float64), y


def train_classifier(
    params,
    optimizer,
    x_train,
    mask_train,
    y_train,
    x_val,
    mask_val,
    y_val,
    *,
    epochs,
    batch_size=32,
    max_norm=1.0,
    patience=None,
    pooling="mean",
    dropout=0.0,
    noise=0.0,
    rng=None,
    fast=True,
    progress=True,
):
    """Fit ``params`` (from ``init_classifier``) to the training sequences; keep the best on validation.

    Args:
        params: the classifier's parameters; ``optimizer`` (e.g. ``Adam(params, lr)``)
            updates them in place.
        x_train, mask_train, y_train: (N, T, D), (N, T) and (N,) class indices;
            the ``_val`` arrays the same for validation (never the test set).
        epochs: the most passes over the training sequences.
        batch_size: sequences per update, drawn in a new random order every epoch.
        max_norm: the global gradient norm is clipped to this (None: no clipping).
        patience: stop after this many epochs without a lower validation loss (None: never).
        pooling: ``"mean"`` or ``"last"``, as for ``classifier_forward``.
        dropout: between the LSTM layers, in training only.
        noise: the standard deviation of Gaussian noise added to the inputs' real
            steps in training (a fresh draw for every mini-batch; 0: none). On
            standardised features, a little noise keeps the network from
            memorising the few training sequences.
        rng: a Generator or seed for the order of the sequences and the dropout masks.
        fast: the fast NumPy path (default) or the reference.
        progress: show a tqdm progress bar.
    Returns:
        ``(best_params, history)``: a copy of the parameters after the epoch with the
        lowest validation loss, and a ``ClassifierHistory``.
    """
    gen = _rng(rng)
    x_train, mask_train, y_train = _check_split("train", x_train, mask_train, y_train)
    x_val, mask_val, y_val = _check_split("val", x_val, mask_val, y_val)
    n = len(x_train)
    history = ClassifierHistory()
    best = copy.deepcopy(params)
    start = time.perf_counter()
    bar = tqdm(range(epochs), desc="epochs", disable=not progress)
    for epoch in bar:
        total, largest = 0.0, 0.0
        order = gen.permutation(n)
        for first in range(0, n, batch_size):
            idx = order[first : first + batch_size]
            # Steps that are padding in every sequence of the batch change nothing: cut them off.
            T = int(np.flatnonzero(mask_train[idx].any(axis=0)).max()) + 1
            x, mask = x_train[idx, :T], mask_train[idx, :T]
            if noise:  # a fresh small perturbation of every real step, every time a sequence is seen
                x = x + noise * gen.standard_normal(x.shape) * mask[:, :, None]
            loss, grads = loss_and_grads(
                params, x, mask, y_train[idx], pooling=pooling, dropout=dropout, rng=gen, fast=fast
            )
            if max_norm is not None:
                largest = max(largest, clip_grad_norm(grads, max_norm))
            optimizer.step(grads)
            total += loss * len(idx)
        val_loss, val_acc = evaluate(params, x_val, mask_val, y_val, pooling=pooling, fast=fast)
        history.train_loss.append(total / n)
        history.val_loss.append(val_loss)
        history.val_accuracy.append(val_acc)
        history.grad_norm.append(largest)
        if history.best_epoch < 0 or val_loss < history.best_val_loss:
            history.best_epoch = epoch
            best = copy.deepcopy(params)
        bar.set_postfix(train=f"{history.train_loss[-1]:.3f}", val=f"{val_loss:.3f}", acc=f"{val_acc:.3f}")
        if patience is not None and epoch - history.best_epoch >= patience:
            break
    bar.close()
    history.seconds = time.perf_counter() - start
    return best, history
