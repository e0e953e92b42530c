"""Data for training: real data sets that load offline, windows, splits in time order, scaling.

Nothing is downloaded: the yearly sunspot numbers come with statsmodels, the
Japanese vowels (variable-length sequences to classify) with sktime.
A series is cut into windows of ``window`` past values (the input) and the
value ``horizon`` steps after the window (the target). A split in time order
keeps every window whose *target* falls in the split; its inputs may reach
back into the split before, which is what a forecaster sees in practice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np


def load_sunspots():
    """The yearly mean sunspot numbers, 1700 to 2008 (309 years), from statsmodels.

    Returns ``(years, values)``: two float64 arrays of shape (309,).
    """
    from statsmodels.datasets import sunspots

    frame = sunspots.load_pandas().data
    return frame["YEAR"].to_numpy(dtype=np.float64), frame["SUNACTIVITY"].to_numpy(dtype=np.float64)


def make_windows(series, window, horizon=1):
    """Cut a series into inputs and targets.

    Window n holds ``series[n : n + window]`` and its target is the value
    ``horizon`` steps after the window's last value, ``series[n + window + horizon - 1]``.

    Args:
        series: (T,) values in time order.
        window: the number of past values in an input, >= 1.
        horizon: how far ahead the target lies, >= 1 (1: the next value).
    Returns:
        ``X`` (N, window, 1) and ``y`` (N, 1), with N = T - window - horizon + 1,
        in the dtype of ``series`` (float64 for integers).
    """
    series = np.asarray(series)
    if series.ndim != 1:
        raise ValueError(f"series must have shape (T,), got shape {series.shape}")
    for name, n in (("window", window), ("horizon", horizon)):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"{name} must be a positive integer, got {n!r}")
    if series.dtype.kind != "f":
        series = series.astype(np.float64)
    n = len(series) - window - horizon + 1
    if n < 1:
        raise ValueError(f"a series of {len(series)} values is too short for window={window} and horizon={horizon}")
    idx = np.arange(n)[:, None] + np.arange(window)[None, :]
    X = series[idx][:, :, None]
    y = series[window + horizon - 1 : window + horizon - 1 + n][:, None]
    return X, y


def windows_between(series, window, start, stop, horizon=1):
    """The windows of ``series`` whose targets have indices ``start <= k < stop``.

    The inputs of the first ones reach back before ``start`` (they need
    ``window + horizon - 1`` earlier values); no target lies outside the range.
    Returns ``X`` (stop - start, window, 1) and ``y`` (stop - start, 1).
    """
    first = start - window - horizon + 1
    if first < 0 or stop > len(series) or stop <= start:
        raise ValueError(f"targets {start}..{stop - 1} need values from index {first} on, in a series of {len(series)}")
    return make_windows(series[first:stop], window, horizon)


@dataclass(frozen=True)
class Scaler:
    """x -> (x - mean) / std, and back. Fit it on the training split only."""

    mean: float
    std: float

    @classmethod
    def fit(cls, values):
        values = np.asarray(values, dtype=np.float64)
        std = float(values.std())
        return cls(float(values.mean()), std if std > 0 else 1.0)

    def transform(self, x):
        return (np.asarray(x) - self.mean) / self.std

    def inverse(self, z):
        return np.asarray(z) * self.std + self.mean


class SequenceSplits(NamedTuple):
    """Padded variable-length sequences with their labels, train and test.

    ``x_*`` (N, T, D) float64, zero after each sequence's end; ``len_*`` (N,)
    int64, the number of real steps; ``y_*`` (N,) int64 class indices from 0.
    """

    x_train: np.ndarray
    len_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    len_test: np.ndarray
    y_test: np.ndarray


def lengths_to_mask(lengths, T=None):
    """A (B, T) boolean mask from B sequence lengths: ``mask[b, t]`` is True for ``t < lengths[b]``.

    ``T`` defaults to the longest length.
    """
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or lengths.dtype.kind not in "iu":
        raise ValueError(
            f"lengths must be a 1-d array of integers, got dtype {lengths.dtype} and shape {lengths.shape}"
        )
    T = int(lengths.max(initial=0)) if T is None else int(T)
    if lengths.size and (lengths.min() < 0 or lengths.max() > T):
        raise ValueError(f"lengths must lie in 0..T={T}, got {lengths.min()}..{lengths.max()}")
    return np.arange(T)[None, :] < lengths[:, None]


def _pad(frame, T):
    """sktime's nested frame (one pandas Series per case and channel) as (N, T, D) and lengths."""
    cells = frame.to_numpy()
    N, D = cells.shape
    lengths = np.array([len(cells[n, 0]) for n in range(N)], dtype=np.int64)
    x = np.zeros((N, T, D))
    for n in range(N):
        for d in range(D):
            x[n, : lengths[n], d] = np.asarray(cells[n, d], dtype=np.float64)
    return x, lengths


def load_japanese_vowels():
    """The Japanese vowels data set (Kudo, Toyama and Shimbo, 1999), from sktime, offline.

    Nine male speakers uttered the vowels /ae/; each utterance is a sequence
    of 12 LPC cepstrum coefficients, 7 to 29 steps long. The task: which
    speaker? The standard split has 270 training and 370 test sequences.

    Returns:
        ``SequenceSplits``: both splits padded with zeros to T = 29 (the
        longest sequence of either), lengths, and labels 0..8 (speaker 1 is 0).
    """
    from sktime.datasets import load_japanese_vowels as _load

    (xa, ya), (xb, yb) = (_load(split=s, return_X_y=True) for s in ("train", "test"))
    T = max(len(c) for c in (*xa.iloc[:, 0], *xb.iloc[:, 0]))
    x_train, len_train = _pad(xa, T)
    x_test, len_test = _pad(xb, T)
    y_train = np.asarray(ya).astype(np.int64) - 1
    y_test = np.asarray(yb).astype(np.int64) - 1
    return SequenceSplits(x_train, len_train, y_train, x_test, len_test, y_test)
