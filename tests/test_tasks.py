"""lstm_lib.tasks: the classic experiments' data, generated as the papers state."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_lib.tasks import (
    ADDING_TOLERANCE,
    REBER_SYMBOLS,
    TEMPORAL_SYMBOLS,
    adding_problem,
    embedded_reber_strings,
    reber_stream,
    temporal_order,
)


def test_adding_problem_marks_two_pairs_and_targets_their_scaled_sum():
    task = adding_problem(500, 100, rng=0)
    assert task.x.shape == (500, 110, 2) and task.lengths.min() >= 100 and task.lengths.max() <= 110
    for x, L, y in zip(task.x, task.lengths, task.y, strict=True):
        marked = np.flatnonzero(x[:, 1] == 1.0)
        assert len(marked) == 2 and marked[0] < 10 and marked[1] < 50
        assert np.all(x[L:] == 0) and np.all(np.abs(x[:L, 0]) <= 1)
        ends = [t for t in (0, L - 1) if t not in marked]
        assert np.all(x[ends, 1] == -1.0)
        assert np.sum(x[:L, 1] == 0) == L - 2 - len(ends)
        assert y == pytest.approx(0.5 + x[marked, 0].sum() / 4)
    assert 0 <= task.y.min() and task.y.max() <= 1
    assert ADDING_TOLERANCE == 0.04
    # Always predicting the mean (0.5) is right only where |X1 + X2| / 4 < 0.04: rarely.
    assert np.mean(np.abs(task.y - 0.5) < ADDING_TOLERANCE) < 0.2


def test_adding_problem_sets_x1_to_zero_when_the_first_pair_is_marked():
    task = adding_problem(400, 40, rng=3)
    first_marked = task.x[:, 0, 1] == 1.0
    assert first_marked.any() and np.all(task.x[first_marked, 0, 0] == 0.0)


def test_generators_are_deterministic_for_a_seed_and_check_their_arguments():
    a, b = adding_problem(20, 50, rng=7), adding_problem(20, 50, rng=7)
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        adding_problem(0)
    with pytest.raises(TypeError, match="rng must be"):
        temporal_order(3, rng="seed")


def test_temporal_order_places_x_or_y_twice_and_labels_their_order():
    task = temporal_order(300, rng=1)
    assert task.x.shape == (300, 110, len(TEMPORAL_SYMBOLS))
    assert set(task.y) == {0, 1, 2, 3}
    for x, L, y in zip(task.x, task.lengths, task.y, strict=True):
        sym = x[:L].argmax(axis=1)
        assert np.all(x[:L].sum(axis=1) == 1) and np.all(x[L:] == 0)
        assert sym[0] == 6 and sym[-1] == 7
        relevant = np.flatnonzero((sym == 4) | (sym == 5))
        assert len(relevant) == 2 and 10 <= relevant[0] <= 20 and 50 <= relevant[1] <= 60
        assert y == 2 * (sym[relevant[0]] - 4) + (sym[relevant[1]] - 4)


def test_embedded_reber_strings_repeat_their_branch_and_follow_the_grammar():
    for symbols, allowed in embedded_reber_strings(200, rng=2):
        assert symbols[0] == "B" and symbols[-1] == "E" and symbols[1] == symbols[-2] in ("T", "P")
        assert symbols[2] == "B" and symbols[-3] == "E"
        for t in range(len(symbols) - 1):
            assert symbols[t + 1] in allowed[t], (symbols, t)
        assert allowed[-3] == {symbols[1]}  # the long-range prediction


def test_reber_stream_concatenates_strings_with_next_symbol_sets():
    stream = reber_stream(50, rng=4)
    assert stream.x.shape[1] == len(REBER_SYMBOLS) == stream.allowed.shape[1]
    assert stream.string_end.sum() == 50
    nxt = stream.x[1:].argmax(axis=1)
    assert np.all(stream.allowed[np.arange(len(nxt)), nxt] == 1)  # the next symbol is always allowed
    after_end = np.flatnonzero(stream.string_end[:-1]) + 1
    assert np.all(stream.x[after_end, 0] == 1)  # B follows every E
