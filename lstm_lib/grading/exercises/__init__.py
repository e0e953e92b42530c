"""What each exercise grades: ``check`` and ``lstm-course grade`` both read it.

One module per exercise notebook (``ex02_gates_and_memory_cell``, ...; every
``ex*`` module here is found and registered by its ``EXERCISE``) declares
its graded functions: points, what each returns, a case generator (the same
generator gives the public cases, from a fixed seed, and the hidden ones, from
the grading run's seed), a judge that compares a call's outputs with the
reference implementation ``lstm_lib.numpy`` and names the likely mistake, the
graded functions each may call, and what each may not use.
"""

from __future__ import annotations

import importlib
import pkgutil

from .common import rules_verdict, run_judge
from .ex02_gates_and_memory_cell import SIGMOID, TANH
from .ex03_one_lstm_step import INIT_LSTM_PARAMS, LSTM_CELL_FORWARD
from .spec import ExerciseSpec, FunctionSpec, hidden_cases, public_cases, reference

# Every module exNN_<key>.py is an exercise; in order of their keys, as the chapters.
EXERCISES = {
    m.EXERCISE.key: m.EXERCISE
    for m in (
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)
        if info.name.startswith("ex")
    )
}


def find_function(name: str) -> tuple[ExerciseSpec, FunctionSpec] | None:
    """The exercise and spec of a graded function, by its name."""
    for ex in EXERCISES.values():
        for f in ex.functions:
            if f.name == name:
                return ex, f
    return None


__all__ = [
    "EXERCISES",
    "ExerciseSpec",
    "FunctionSpec",
    "INIT_LSTM_PARAMS",
    "LSTM_CELL_FORWARD",
    "SIGMOID",
    "TANH",
    "find_function",
    "hidden_cases",
    "public_cases",
    "reference",
    "rules_verdict",
    "run_judge",
]
