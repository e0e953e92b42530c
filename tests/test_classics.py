"""lstm_lib.classics: the pass criteria of the adding problem and of the Reber grammar."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_lib.classics import adding_correct, reber_correct
from lstm_lib.tasks import ADDING_TOLERANCE, adding_problem, reber_stream


def test_adding_correct_is_a_strict_bound_on_the_absolute_error():
    target = np.array([0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    pred = np.array([0.5, 0.53, 0.47, 0.55, 0.45, 0.5 + 0.0625])  # 0.0625 = 1/16: exact in binary
    np.testing.assert_array_equal(adding_correct(pred, target), [True, True, True, False, False, False])
    exact = np.array([0.25 + 0.0625])
    assert not adding_correct(exact, np.array([0.25]), tol=0.0625)[0]  # an error of exactly tol is wrong
    assert adding_correct(np.array([0.3]), np.array([0.25]), tol=0.0625)[0]


def test_adding_correct_default_tolerance_is_the_papers():
    assert ADDING_TOLERANCE == 0.04
    np.testing.assert_array_equal(adding_correct([0.539, 0.541], [0.5, 0.5]), [True, False])


@pytest.mark.parametrize("pred_shape,target_shape", [((5,), (5,)), ((5, 1), (5,)), ((5,), (5, 1)), ((5, 1), (5, 1))])
def test_adding_correct_takes_columns_and_returns_one_bool_per_sequence(pred_shape, target_shape):
    rng = np.random.default_rng(0)
    target = rng.uniform(0, 1, 5)
    pred = target + np.array([0.01, -0.05, 0.039, -0.2, 0.0])
    got = adding_correct(pred.reshape(pred_shape), target.reshape(target_shape))
    assert got.shape == (5,) and got.dtype == bool
    np.testing.assert_array_equal(got, [True, False, True, False, True])


def test_adding_correct_never_counts_nan():
    assert not adding_correct(np.array([np.nan]), np.array([0.5]))[0]


def test_adding_correct_errors():
    with pytest.raises(ValueError, match="N=3 \\(pred\\) and N=2 \\(target\\)"):
        adding_correct(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match=r"pred must have shape \(N,\) or \(N, 1\)"):
        adding_correct(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="tol must be a positive number"):
        adding_correct(np.zeros(3), np.zeros(3), tol=0)


def test_the_mean_predictor_fails_most_adding_sequences():
    task = adding_problem(2000, T=100, rng=0)
    mean = np.full(len(task.y), task.y.mean())
    fraction = adding_correct(mean, task.y).mean()
    # The target 0.5 + (X1 + X2) / 4 has a triangular distribution on [0, 1]: the mean is within
    # 0.04 of it for about 16% of the sequences, far from the paper's criterion of few errors.
    assert 0.1 < fraction < 0.25
    assert adding_correct(task.y, task.y).all()


def test_reber_correct_compares_the_thresholded_set_with_the_allowed_set():
    allowed = np.array(
        [
            [0, 1, 1, 0, 0, 0, 0],
            [0, 1, 1, 0, 0, 0, 0],
            [0, 1, 1, 0, 0, 0, 0],
            [0, 1, 1, 0, 0, 0, 0],
            [0, 0, 0, 0, 0, 0, 1],
        ]
    )
    outputs = np.array(
        [
            [0.1, 0.6, 0.9, 0.2, 0.0, 0.0, 0.0],  # exactly T and P: right
            [0.1, 0.9, 0.4, 0.2, 0.0, 0.0, 0.0],  # P left out: wrong
            [0.1, 0.6, 0.9, 0.7, 0.0, 0.0, 0.0],  # S as well, not allowed: wrong
            [0.1, 0.6, 0.9, 0.5, 0.0, 0.0, 0.0],  # S at exactly 0.5 is not predicted: right
            [0.1, 0.2, 0.1, 0.2, 0.0, 0.0, 0.51],  # E alone, though not the argmax by far
        ]
    )
    got = reber_correct(outputs, allowed)
    assert got.shape == (5,) and got.dtype == bool
    np.testing.assert_array_equal(got, [True, False, False, True, True])
    np.testing.assert_array_equal(reber_correct(outputs, allowed.astype(bool)), got)


def test_reber_correct_on_the_stream_with_its_own_targets():
    stream = reber_stream(30, rng=1)
    assert reber_correct(stream.allowed, stream.allowed).all()
    # Predicting the one most common next symbol is wrong wherever two are allowed.
    one_hot = np.zeros_like(stream.allowed)
    one_hot[np.arange(len(one_hot)), stream.allowed.argmax(axis=1)] = 1.0
    two = stream.allowed.sum(axis=1) == 2
    np.testing.assert_array_equal(reber_correct(one_hot, stream.allowed), ~two)


def test_reber_correct_errors():
    with pytest.raises(ValueError, match="allowed must have the shape of outputs"):
        reber_correct(np.zeros((4, 7)), np.zeros((4, 6)))
    with pytest.raises(ValueError, match=r"outputs must have shape \(N, 7\)"):
        reber_correct(np.zeros(7), np.zeros(7))
    with pytest.raises(ValueError, match="only 0s and 1s"):
        reber_correct(np.zeros((2, 7)), np.full((2, 7), 0.5))
