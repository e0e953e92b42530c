"""What each exercise grades: ``check`` and ``lstm-course grade`` both read it.

One module per exercise notebook (``ex02_gates_and_memory_cell``, ...) declares
its graded functions: points, what each returns, a case generator (the same
generator gives the public cases, from a fixed seed, and the hidden ones, from
the grading run's seed), a judge that compares a call's outputs with the
reference implementation ``lstm_lib.numpy`` and names the likely mistake, the
graded functions each may call, and what each may not use.
"""

from __future__ import annotations

from . import ex02_gates_and_memory_cell, ex03_one_lstm_step
from .common import rules_verdict, run_judge
from .ex02_gates_and_memory_cell import SIGMOID, TANH
from .ex03_one_lstm_step import INIT_LSTM_PARAMS, LSTM_CELL_FORWARD
from .spec import ExerciseSpec, FunctionSpec, hidden_cases, public_cases, reference

EXERCISES = {m.EXERCISE.key: m.EXERCISE
             for m in (ex02_gates_and_memory_cell, ex03_one_lstm_step)}


def find_function(name: str) -> tuple[ExerciseSpec, FunctionSpec] | None:
    """The exercise and spec of a graded function, by its name."""
    for ex in EXERCISES.values():
        for f in ex.functions:
            if f.name == name:
                return ex, f
    return None


__all__ = [
    "EXERCISES", "ExerciseSpec", "FunctionSpec", "INIT_LSTM_PARAMS", "LSTM_CELL_FORWARD",
    "SIGMOID", "TANH", "find_function", "hidden_cases", "public_cases", "reference",
    "rules_verdict", "run_judge",
]
