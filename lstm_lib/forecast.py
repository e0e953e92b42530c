r"""Forecasting a seasonal series many months ahead: the airline passengers, SARIMA, and a small LSTM.

The series is the classic of Box and Jenkins: the monthly totals of
international airline passengers, in thousands, January 1949 to December 1960
(144 months), which ships with sktime. It grows, and its yearly swing grows
with its level; on a log scale the swing is about constant, which is why the
models here work on logs.

- :func:`sarima_forecast`: the "airline model" SARIMA(0,1,1)(0,1,1)\ :sub:`12`
  on the logs, fitted by statsmodels (it is called the airline model since
  Box and Jenkins fitted it to this series): one difference at lag 1 and one
  at lag 12, and a moving-average term at each.
- :func:`lstm_lib.torch.forecast.lstm_forecast` (in PyTorch, so in
  :mod:`lstm_lib.torch`): a one-layer LSTM that reads the last ``window``
  months and outputs all ``horizon`` months ahead at once (a direct
  multi-output forecast, with no forecast fed back as an input). With
  ``relative=True`` each window, and the months it is trained to predict, are
  taken relative to the window's last value, so the network learns changes
  from "now" and not levels; with ``relative=False`` it learns the levels
  themselves, and struggles to forecast levels above those it was trained on.

The seasonal naive forecast, which repeats the last season, and the RMSE are
in :mod:`lstm_lib.baselines`.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

__all__ = ["Series", "load_airline", "sarima_forecast"]


class Series(NamedTuple):
    """A monthly series: ``months`` (N,) numpy datetime64[M] and ``values`` (N,) float64."""

    months: np.ndarray
    values: np.ndarray


def load_airline():
    """Monthly international airline passengers (thousands), 1949-01 to 1960-12, from sktime, offline.

    Returns a :class:`Series` of 144 months.
    """
    from sktime.datasets import load_airline as _load

    y = _load()
    months = np.array([str(p) for p in y.index], dtype="datetime64[M]")
    return Series(months, y.to_numpy(dtype=np.float64))


def _check_history(history, needed):
    history = np.asarray(history, dtype=np.float64)
    if history.ndim != 1:
        raise ValueError(f"history must have shape (N,), got {history.shape}")
    if len(history) < needed:
        raise ValueError(f"history of {len(history)} values is too short: this forecast needs {needed}")
    if np.any(history <= 0):
        raise ValueError("history must be positive: the models work on its logarithm")
    return history


def sarima_forecast(history, horizon, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)):
    """SARIMA on ``log(history)``, fitted by maximum likelihood, ``horizon`` steps ahead, back on the original scale.

    The default is the airline model, SARIMA(0,1,1)(0,1,1)12. The forecast
    is ``exp`` of the mean forecast of the logs (the median of the implied
    log-normal forecast, not its mean).

    Returns:
        (horizon,) float64.
    """
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    history = _check_history(history, 2 * seasonal_order[3] + 2)
    with warnings.catch_warnings():
        # On short or irregular series statsmodels warns about its starting values and its
        # optimiser; on the airline series the fit converges without a warning.
        warnings.simplefilter("ignore")
        fitted = SARIMAX(np.log(history), order=order, seasonal_order=seasonal_order).fit(disp=False)
    return np.exp(np.asarray(fitted.forecast(horizon), dtype=np.float64))
