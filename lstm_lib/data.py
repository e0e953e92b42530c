"""Data for training: a real series that loads offline, windows, splits in time order, scaling.

Nothing is downloaded: the yearly sunspot numbers come with statsmodels.
A series is cut into windows of ``window`` past values (the input) and the
value ``horizon`` steps after the window (the target). A split in time order
keeps every window whose *target* falls in the split; its inputs may reach
back into the split before, which is what a forecaster sees in practice.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        raise ValueError(f"targets {start}..{stop - 1} need values from index {first} on, "
                         f"in a series of {len(series)}")
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
