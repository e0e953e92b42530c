"""Baselines that a sequence model must beat: n-gram character models, seasonal naive forecasts.

A learned model's number means little alone. A character-level language model's
bits per character are measured beside those of an order-n model with add-alpha
smoothing, counted on the same training text and scored on the same test text;
a forecaster's error beside that of repeating the last season. Sampling from a
language model goes through ``softmax_with_temperature``.

Every function here is NumPy only, readable top to bottom, and checks its
arguments with messages that name the argument and say what was expected.
"""

from __future__ import annotations

import numpy as np


def _as_ids(name: str, ids, vocab_size: int) -> np.ndarray:
    """``ids`` as a 1-d int64 array of symbol ids in 0..vocab_size-1."""
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"{name} must be a 1-d array of symbol ids, got shape {ids.shape}")
    if ids.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integer symbol ids, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        raise ValueError(
            f"{name} must hold ids in 0..vocab_size-1 = 0..{vocab_size - 1}, got values in "
            f"{int(ids.min())}..{int(ids.max())}"
        )
    return ids.astype(np.int64)


def _positive_int(name: str, n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def _windows(ids: np.ndarray, n: int, vocab_size: int) -> tuple[np.ndarray, np.ndarray]:
    """For every position t >= n-1 of ``ids``: the code of its context (the n-1 symbols
    before it, read as a number in base vocab_size; 0 for n = 1) and the code of the
    context followed by the symbol itself. Returns (context_codes, ngram_codes)."""
    count = len(ids) - (n - 1)
    context = np.zeros(max(count, 0), dtype=np.int64)
    for k in range(n - 1):  # ids[t - n + 1], ..., ids[t - 1], most significant first
        context = context * vocab_size + ids[k : k + count]
    return context, context * vocab_size + ids[n - 1 :]


def _lookup(codes: np.ndarray, table: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """counts[j] where table[j] == code, 0 for a code not in ``table`` (sorted, unique)."""
    if len(table) == 0:
        return np.zeros(len(codes), dtype=np.int64)
    where = np.minimum(np.searchsorted(table, codes), len(table) - 1)
    return np.where(table[where] == codes, counts[where], 0)


def ngram_bits_per_char(train_ids, test_ids, n, vocab_size, alpha=1.0):
    """Bits per character of an order-n character model with add-alpha smoothing.

    The model predicts each symbol from the n-1 symbols before it, with counts taken
    from ``train_ids``:

        P(c | context) = (count(context, c) + alpha) / (count(context) + alpha * vocab_size)

    where count(context) is how often the context is followed by a symbol in the
    training text. A context never seen in training gives every symbol 1 / vocab_size.
    ``n = 1`` is the unigram model (the context is empty: count() is the number of
    training symbols). The test text is scored at every position t >= n-1, where a
    whole context exists; its first n-1 symbols are not scored.

    Args:
        train_ids: (N_train,) integer symbol ids in 0..vocab_size-1, the training text.
        test_ids: (N_test,) integer symbol ids, the text to score, N_test >= n.
        n: the order of the model, >= 1 (1: unigram, 2: bigram, 3: trigram).
        vocab_size: the number of symbols, V.
        alpha: the pseudo-count added to every (context, symbol) pair, > 0.
    Returns:
        the mean of -log2 P(test_ids[t] | test_ids[t-n+1:t]) over t = n-1 .. N_test-1,
        as a Python float.
    """
    vocab_size = _positive_int("vocab_size", vocab_size)
    n = _positive_int("n", n)
    if float(vocab_size) ** n >= 2.0**62:
        raise ValueError(f"vocab_size ** n = {vocab_size}**{n} is too many n-grams to count")
    alpha = float(alpha)
    if not alpha > 0:
        raise ValueError(
            f"alpha must be > 0 (a symbol never seen after a context would get "
            f"probability 0, and -log2 0 is infinite), got {alpha}"
        )
    train_ids = _as_ids("train_ids", train_ids, vocab_size)
    test_ids = _as_ids("test_ids", test_ids, vocab_size)
    if len(test_ids) < n:
        raise ValueError(f"test_ids must hold at least n = {n} symbols (one scored position), got {len(test_ids)}")

    # Count every context and every n-gram of the training text.
    train_context, train_ngram = _windows(train_ids, n, vocab_size)
    contexts, context_counts = np.unique(train_context, return_counts=True)
    ngrams, ngram_counts = np.unique(train_ngram, return_counts=True)

    # Score the test text with those counts.
    test_context, test_ngram = _windows(test_ids, n, vocab_size)
    joint = _lookup(test_ngram, ngrams, ngram_counts)
    marginal = _lookup(test_context, contexts, context_counts)
    p = (joint + alpha) / (marginal + alpha * vocab_size)
    return float(np.mean(-np.log2(p)))


def softmax_with_temperature(logits, temperature):
    """Probabilities from logits at a temperature: softmax(logits / temperature).

    A temperature below 1 sharpens the distribution towards the largest logit (greedy
    decoding as it tends to 0); above 1 flattens it (uniform as it grows). Computed
    without overflow: the largest scaled logit of each row is subtracted before exp.

    Args:
        logits: (..., V) unnormalised scores, one per symbol on the last axis.
        temperature: a number > 0.
    Returns:
        probabilities of the shape of ``logits``, each row (last axis) summing to 1, in
        its dtype (float32 stays float32; integers give float64).
    """
    temperature = float(temperature)
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    logits = np.asarray(logits)
    if logits.dtype.kind in "iub":
        logits = logits.astype(np.float64)
    elif logits.dtype.kind != "f":
        raise ValueError(f"logits must be a real floating-point array, got dtype {logits.dtype}")
    if logits.ndim == 0 or logits.shape[-1] == 0:
        raise ValueError(f"logits must have shape (..., V) with V >= 1, got shape {logits.shape}")
    z = logits / np.asarray(temperature, dtype=logits.dtype)
    z = z - z.max(axis=-1, keepdims=True)  # every entry <= 0: exp <= 1, no overflow
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def seasonal_naive_forecast(history, season, horizon):
    """The seasonal naive forecast: each future value is the value one season earlier.

    forecast[k] = history[len(history) - season + (k mod season)]: the last observed
    season, repeated for as long as the horizon lasts.

    Args:
        history: (T,) the observed series, T >= season.
        season: the length of a season in steps (12 for monthly data with a yearly cycle).
        horizon: how many steps to forecast, >= 1.
    Returns:
        the (horizon,) forecast, in the dtype of ``history`` (float64 for integers).
    """
    history = np.asarray(history)
    if history.ndim != 1:
        raise ValueError(f"history must have shape (T,), got shape {history.shape}")
    if history.dtype.kind in "iub":
        history = history.astype(np.float64)
    elif history.dtype.kind != "f":
        raise ValueError(f"history must be a real array, got dtype {history.dtype}")
    season = _positive_int("season", season)
    horizon = _positive_int("horizon", horizon)
    if len(history) < season:
        raise ValueError(f"history must hold at least one season ({season} values), got {len(history)}")
    last_season = history[len(history) - season :]
    return last_season[np.arange(horizon) % season].copy()


def rmse(pred, target):
    """Root mean squared error, sqrt(mean((pred - target)^2)), as a Python float.

    ``pred`` and ``target`` must have the same shape (e.g. (horizon,)).
    """
    pred = np.asarray(pred, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if pred.shape != target.shape:
        raise ValueError(f"target must have the shape of pred, {pred.shape}, got shape {target.shape}")
    if pred.size == 0:
        raise ValueError("pred must not be empty")
    return float(np.sqrt(np.mean((pred - target) ** 2)))


__all__ = ["ngram_bits_per_char", "rmse", "seasonal_naive_forecast", "softmax_with_temperature"]
