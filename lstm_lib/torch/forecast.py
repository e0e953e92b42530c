"""A small LSTM that forecasts a positive series many steps ahead at once (chapter 10).

:func:`lstm_forecast` reads the last ``window`` values and outputs the
``horizon`` values after them through a linear layer: a direct multi-output
forecast, with no forecast fed back as an input. It works on the logarithm of
the series, standardised, and by default relative to the window's last value,
so that it learns changes from "now" rather than levels it may never have
seen. The baselines it is compared with are in :mod:`lstm_lib.forecast`
(SARIMA) and :mod:`lstm_lib.baselines` (the seasonal naive forecast).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..forecast import _check_history

__all__ = ["lstm_forecast"]


def lstm_forecast(history, horizon, *, window=24, relative=True, hidden_size=32, epochs=300, lr=1e-2, seed=0):
    """Train a small LSTM on ``history`` and forecast the ``horizon`` values after it.

    The logs of the history are standardised with their own mean and
    standard deviation. Training pairs are every window of ``window``
    consecutive values with the ``horizon`` values after it (N - window -
    horizon + 1 pairs); the LSTM (one layer, ``hidden_size`` units) reads the
    window, and a linear layer maps its last hidden state to the ``horizon``
    values. With ``relative`` both are taken minus the window's last value.
    Full-batch Adam on the mean squared error, for ``epochs`` steps, on the
    CPU; the forecast reads the last ``window`` values of the history.

    Args:
        history: (N,) positive values, in time order.
        horizon: how many steps to forecast.
        seed: seeds the initial weights (the training is full-batch: nothing else is random).

    Returns:
        (horizon,) float64, on the scale of ``history``.
    """
    history = _check_history(history, window + horizon + 1)
    logs = np.log(history)
    mean, std = logs.mean(), logs.std()
    z = (logs - mean) / std
    n = len(z) - window - horizon + 1
    starts = np.arange(n)[:, None]
    inputs = z[starts + np.arange(window)]  # (n, window)
    targets = z[starts + window + np.arange(horizon)]  # (n, horizon)
    query = z[-window:].copy()
    if relative:
        base = inputs[:, -1:]
        inputs, targets, query = inputs - base, targets - base, query - z[-1]

    torch.manual_seed(seed)
    lstm = nn.LSTM(1, hidden_size, batch_first=True)
    head = nn.Linear(hidden_size, horizon)
    optimizer = torch.optim.Adam([*lstm.parameters(), *head.parameters()], lr=lr)
    x = torch.tensor(inputs, dtype=torch.float32)[..., None]  # (n, window, 1)
    y = torch.tensor(targets, dtype=torch.float32)
    for _ in range(epochs):
        hs, _ = lstm(x)
        loss = torch.mean((head(hs[:, -1]) - y) ** 2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        hs, _ = lstm(torch.tensor(query, dtype=torch.float32)[None, :, None])
        out = head(hs[:, -1])[0].double().numpy()
    if relative:
        out = out + z[-1]
    return np.exp(out * std + mean)
