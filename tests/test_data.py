"""lstm_lib.data: the sunspot numbers load offline, windows hold the right values, splits keep targets apart."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_lib.data import Scaler, load_sunspots, make_windows, windows_between


def test_sunspots_load_offline_1700_to_2008():
    years, values = load_sunspots()
    assert years.shape == values.shape == (309,)
    assert years[0] == 1700 and years[-1] == 2008 and np.all(np.diff(years) == 1)
    assert values.dtype == np.float64 and values.min() >= 0


def test_make_windows_inputs_are_the_past_and_target_the_next_value():
    series = np.arange(10.0)
    X, y = make_windows(series, 3)
    assert X.shape == (7, 3, 1) and y.shape == (7, 1)
    assert np.array_equal(X[0, :, 0], [0, 1, 2]) and y[0, 0] == 3
    assert np.array_equal(X[-1, :, 0], [6, 7, 8]) and y[-1, 0] == 9


def test_make_windows_horizon_puts_the_target_further_ahead():
    X, y = make_windows(np.arange(10.0), 3, horizon=2)
    assert X.shape == (6, 3, 1)
    assert np.array_equal(y[:, 0], X[:, -1, 0] + 2)


def test_make_windows_keeps_float32_and_makes_integers_float64():
    assert make_windows(np.arange(5, dtype=np.float32), 2)[0].dtype == np.float32
    assert make_windows(np.arange(5), 2)[1].dtype == np.float64


@pytest.mark.parametrize(
    "args", [(np.arange(3.0), 3), (np.arange(5.0), 0), (np.zeros((4, 2)), 2), (np.arange(5.0), 2.0)]
)
def test_make_windows_rejects_bad_arguments(args):
    with pytest.raises(ValueError):
        make_windows(*args)


def test_windows_between_has_exactly_the_targets_of_its_range():
    series = np.arange(30.0)
    X, y = windows_between(series, 5, 20, 25)
    assert np.array_equal(y[:, 0], np.arange(20, 25))
    assert np.array_equal(X[0, :, 0], np.arange(15, 20))
    with pytest.raises(ValueError):
        windows_between(series, 5, 3, 10)


def test_scaler_round_trips_and_uses_only_what_it_was_fitted_on():
    train = np.array([1.0, 2.0, 3.0])
    scaler = Scaler.fit(train)
    assert scaler.mean == 2.0 and np.isclose(scaler.std, np.std(train))
    z = scaler.transform(np.array([1.0, 100.0]))
    assert np.allclose(scaler.inverse(z), [1.0, 100.0])
    assert Scaler.fit(np.ones(4)).std == 1.0


def test_japanese_vowels_load_offline_padded_with_lengths_and_labels():
    from lstm_lib.data import lengths_to_mask, load_japanese_vowels

    d = load_japanese_vowels()
    assert d.x_train.shape == (270, 29, 12) and d.x_test.shape == (370, 29, 12)
    assert d.len_train.min() >= 7 and max(d.len_train.max(), d.len_test.max()) == 29
    assert set(d.y_train) == set(d.y_test) == set(range(9))
    mask = lengths_to_mask(d.len_train, 29)
    assert mask.shape == (270, 29) and mask.sum() == d.len_train.sum()
    assert np.all(d.x_train[~mask] == 0)  # padding is zero
    assert np.all(np.abs(d.x_train[mask]).sum(axis=-1) > 0)  # real steps are not


def test_lengths_to_mask_rejects_lengths_beyond_t():
    from lstm_lib.data import lengths_to_mask

    assert lengths_to_mask(np.array([2, 0, 3])).tolist() == [[True, True, False], [False] * 3, [True] * 3]
    with pytest.raises(ValueError, match="lengths must lie in 0..T=2"):
        lengths_to_mask(np.array([3]), 2)
