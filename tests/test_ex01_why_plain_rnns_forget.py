"""Exercise 1's grading: its three graded functions, each with its corpus of mistakes."""

from __future__ import annotations

import pytest
from mistakes import corpus

from lstm_lib.grading.exercises import EXERCISES

FUNCTIONS = ("rnn_step_forward", "rnn_forward", "gradient_norms")


def test_exercise_grades_the_three_functions():
    ex = EXERCISES["01_why_plain_rnns_forget"]
    assert tuple(f.name for f in ex.functions) == FUNCTIONS
    assert ex.max_score == 8.0


@pytest.mark.parametrize("name", FUNCTIONS)
def test_each_graded_function_has_at_least_ten_mistakes_some_held_out(name):
    mistakes = [m for m in corpus() if m.function == name]
    assert len(mistakes) >= 10
    assert any(m.held_out for m in mistakes)
