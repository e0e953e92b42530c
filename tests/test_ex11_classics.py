"""Exercise 11 (reproducing the classics): its registry entry, its cases, its judges against the
library, its text, and its notebooks through the sandboxed grader.

The corpus of mistakes (tests/mistakes/variant_cell_forward.py, adding_correct.py,
reber_correct.py) runs through check and grade in tests/test_feedback.py.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest
from exercise_support import assert_full_marks, assert_zero, grade_solution_and_exercise, judge, spec
from mistakes import IMPORTS, corpus, define

from lstm_lib.grading import check
from lstm_lib.grading.exercises import EXERCISES, find_function, hidden_cases, public_cases
from lstm_lib.grading.exercises.ex11_classic_experiments import _step64, _variant_mistakes
from lstm_lib.numpy import VARIANTS

ROOT = Path(__file__).resolve().parents[1]
KEY = "11_classic_experiments"
EX = EXERCISES[KEY]
FUNCTIONS = ("variant_cell_forward", "adding_correct", "reber_correct")


def _spec(name):
    return spec(EX, name)


def _judge(name, fn, cases):
    return judge(EX, name, fn, cases)


def _library(name):
    import lstm_lib.classics
    import lstm_lib.numpy

    return getattr(lstm_lib.numpy, name, None) or getattr(lstm_lib.classics, name)


def test_the_registry_finds_the_exercise_and_its_three_functions():
    assert tuple(f.name for f in EX.functions) == FUNCTIONS
    assert EX.max_score == 8.0
    for name in FUNCTIONS:
        ex, fspec = find_function(name)
        assert ex is EX and fspec.name == name
    assert _spec("variant_cell_forward").calls == ("sigmoid", "tanh")
    assert _spec("variant_cell_forward").signature == "variant_cell_forward(x, h_prev, c_prev, params, variant)"
    assert _spec("adding_correct").signature == "adding_correct(pred, target, tol=0.04)"
    assert _spec("reber_correct").signature == "reber_correct(outputs, allowed)"
    assert "lstm_lib" in EX.forbidden and "torch" in EX.forbidden


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_library_passes_the_public_and_hidden_cases(name):
    for seed in (12345, 7, 8):
        cases = public_cases(_spec(name)) + hidden_cases(_spec(name), seed)
        for label, verdict in _judge(name, _library(name), cases):
            assert verdict.passed, (label, verdict)


def test_every_variant_is_graded_with_float32_and_a_batch_of_one():
    for cases in [public_cases(_spec("variant_cell_forward"))] + [
        hidden_cases(_spec("variant_cell_forward"), s) for s in range(5)
    ]:
        args = [c.calls[0].args for c in cases]
        assert {a[4] for a in args} == set(VARIANTS)
        assert any(a[0].dtype == np.float32 and a[4] != "vanilla" for a in args)
        assert any(a[0].shape[0] == 1 and a[4] != "vanilla" for a in args)
    draws = {tuple(c.calls[0].args[4] for c in hidden_cases(_spec("variant_cell_forward"), s)) for s in range(5)}
    assert len(draws) > 1, "which variant each case runs is drawn"


def test_every_named_variant_mistake_differs_from_the_right_step():
    """A named mistake that equals the right answer could never be told apart."""
    for case in public_cases(_spec("variant_cell_forward")):
        args = case.calls[0].args
        h, c = _step64(args, args[4])
        for text, hv, cv in _variant_mistakes(args):
            assert not (np.allclose(hv, h) and np.allclose(cv, c)), (args[4], text)


def test_the_adding_cases_hold_exact_boundaries_both_shapes_and_other_tolerances():
    for cases in (public_cases(_spec("adding_correct")), hidden_cases(_spec("adding_correct"), 3)):
        shapes = {(c.calls[0].args[0].ndim, c.calls[0].args[1].ndim) for c in cases}
        assert {(1, 1), (2, 1), (1, 2), (2, 2)} <= shapes
        tols = [c.calls[0].kwargs.get("tol", 0.04) for c in cases]
        assert any(t != 0.04 for t in tols) and any("tol" not in c.calls[0].kwargs for c in cases)
        assert any(
            np.any(
                np.abs(np.ravel(c.calls[0].args[0]) - np.ravel(c.calls[0].args[1]))
                == c.calls[0].kwargs.get("tol", 0.04)
            )
            for c in cases
        ), "an error of exactly tol"
        for c in cases:
            pred, target = (np.ravel(a) for a in c.calls[0].args)
            err = pred - target
            tol = c.calls[0].kwargs.get("tol", 0.04)
            assert np.any(err < -tol) and np.any(err > tol) and np.any(np.abs(err) < tol)


def test_the_reber_cases_hold_false_positives_misses_and_exact_halves():
    from lstm_lib.classics import reber_correct

    for cases in (public_cases(_spec("reber_correct")), hidden_cases(_spec("reber_correct"), 5)):
        assert any(c.calls[0].args[1].dtype == bool for c in cases)
        for c in cases:
            outputs, allowed = c.calls[0].args
            on = np.asarray(allowed, float) == 1
            above = outputs > 0.5
            assert np.any(above & ~on), "a false positive"
            assert np.any(~above & on), "a miss"
            assert np.any(outputs == 0.5), "a rating of exactly 0.5"
            right = reber_correct(outputs, allowed)
            assert right.any() and not right.all()
            top_allowed = on[np.arange(len(on)), outputs.argmax(axis=1)]
            assert np.any(top_allowed != right), "the argmax gives another answer"


def test_a_cell_that_calls_the_course_variant_cell_is_refused_by_check():
    ns = define(
        IMPORTS,
        "from lstm_lib.numpy import variant_cell_forward as course_cell",
        "def variant_cell_forward(x, h_prev, c_prev, params, variant):\n"
        "    return course_cell(x, h_prev, c_prev, params, variant)\n",
    )
    result = check(ns["variant_cell_forward"], show=False)
    assert not result.passed
    assert "which this exercise does not allow" in result.report()


@pytest.mark.parametrize("name", FUNCTIONS)
def test_each_function_has_at_least_ten_named_mistakes_some_held_out(name):
    mistakes = [m for m in corpus() if m.function == name]
    assert len(mistakes) >= 10
    assert any(m.held_out for m in mistakes)


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
def test_the_exercise_text_states_what_is_graded(folder):
    nb = nbformat.read(ROOT / folder / f"{KEY}.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for variant in VARIANTS:
        assert f'`"{variant}"`' in text, variant
    for phrase in (
        "the blocks of the gates in the order i, f, g, o",
        "`np.ones_like(i)`",
        "float32 inputs give float32 `h` and `c`",
        "a batch of one",
        "the course's `sigmoid` and `tanh` stand in",
        "strictly (an error of exactly `tol` is not correct)",
        "each of shape (N,) or (N, 1)",
        "a bool array of shape (N,)",
        "`outputs[t] > 0.5` (strictly",
        "as 0.0/1.0 floats or as bools",
        "every variant is graded",
        "leaves its inputs unchanged",
        "not the rest of `lstm_lib` or PyTorch",
    ):
        assert phrase in text, f"{folder}/{KEY}: the text does not say {phrase!r}"
    page = (ROOT / "book" / "exercises" / f"{KEY}.md").read_text()
    assert f"../../exercises/{KEY}.ipynb" in page and "What is graded" in page


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The solutions notebook and the exercise, in one grading run."""
    return grade_solution_and_exercise(tmp_path_factory.mktemp(KEY) / "out", KEY)


def test_the_solutions_notebook_grades_full_marks_in_the_sandbox(graded):
    assert_full_marks(graded, EX, FUNCTIONS)


def test_the_exercise_notebook_grades_zero(graded):
    assert_zero(graded, FUNCTIONS)
