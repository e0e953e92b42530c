"""lstm_lib.forecast: the airline series, the SARIMA airline model on logs, the small LSTM forecaster."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_lib.baselines import rmse, seasonal_naive_forecast
from lstm_lib.forecast import load_airline, sarima_forecast
from lstm_lib.torch.forecast import lstm_forecast


def test_airline_series_is_144_months_from_1949():
    series = load_airline()
    assert series.values.shape == (144,) and series.values.dtype == np.float64
    assert str(series.months[0]) == "1949-01" and str(series.months[-1]) == "1960-12"
    assert np.all(np.diff(series.months).astype(int) == 1)
    assert series.values[0] == 112 and series.values[-1] == 432


def _seasonal(n=96, seed=0):
    """exp of a linear trend plus a yearly cycle, with a little noise: what the airline model describes."""
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    return np.exp(5 + 0.01 * t + 0.15 * np.sin(2 * np.pi * t / 12) + 0.01 * rng.standard_normal(n))


def test_sarima_on_logs_forecasts_trend_and_season():
    whole = _seasonal(120)
    forecast = sarima_forecast(whole[:96], 24)
    assert forecast.shape == (24,) and np.all(forecast > 0)
    assert rmse(forecast, whole[96:]) < 0.2 * rmse(seasonal_naive_forecast(whole[:96], 12, 24), whole[96:])


def test_sarima_reproduces_the_airline_result():
    values = load_airline().values
    error = rmse(sarima_forecast(values[:-24], 24), values[-24:])
    assert error == pytest.approx(43.2, abs=1.0)


def test_lstm_forecast_follows_a_seasonal_trend_and_is_seeded():
    whole = _seasonal(120)
    forecast = lstm_forecast(whole[:96], 24, window=24, epochs=150, seed=0)
    assert forecast.shape == (24,) and forecast.dtype == np.float64
    assert rmse(forecast, whole[96:]) < rmse(seasonal_naive_forecast(whole[:96], 12, 24), whole[96:])
    assert np.array_equal(forecast, lstm_forecast(whole[:96], 24, window=24, epochs=150, seed=0))


def test_lstm_on_levels_cannot_reach_above_its_training_range():
    # A rising series: the levels to forecast lie above every level in training. On levels, the
    # tanh-bounded LSTM stays near the top of what it saw; relative to the last value it follows the rise.
    whole = _seasonal(120)
    levels = lstm_forecast(whole[:96], 24, relative=False, epochs=150, seed=0)
    relative = lstm_forecast(whole[:96], 24, relative=True, epochs=150, seed=0)
    assert rmse(relative, whole[96:]) < rmse(levels, whole[96:])


def test_forecasts_reject_a_short_or_non_positive_history():
    with pytest.raises(ValueError, match="too short"):
        lstm_forecast(np.ones(30), 24, window=24)
    with pytest.raises(ValueError, match="positive"):
        sarima_forecast(np.r_[np.ones(40), 0.0], 12)
    with pytest.raises(ValueError, match=r"shape \(N,\)"):
        lstm_forecast(np.ones((60, 1)), 12)
