"""Exercise 10 (applications): its registry entry, its cases, its judges against the library,
its text, and its notebooks through the sandboxed grader.

The corpus of mistakes (tests/mistakes/ngram_bits_per_char.py, softmax_with_temperature.py,
seasonal_naive_forecast.py) runs through check and grade in tests/test_feedback.py.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest
from exercise_support import assert_full_marks, assert_zero, grade_solution_and_exercise, judge, spec
from mistakes import IMPORTS, corpus, define

from lstm_lib import baselines
from lstm_lib.grading import check
from lstm_lib.grading.cases import Outcome
from lstm_lib.grading.exercises import EXERCISES, find_function, hidden_cases, public_cases
from lstm_lib.grading.exercises.ex10_applications import (
    _ngram64,
    _ngram_variants,
    _seasonal_variants,
    _softmax_variants,
)

ROOT = Path(__file__).resolve().parents[1]
KEY = "10_applications"
EX = EXERCISES[KEY]
FUNCTIONS = ("ngram_bits_per_char", "softmax_with_temperature", "seasonal_naive_forecast")


def _spec(name):
    return spec(EX, name)


def _judge(name, fn, cases):
    return judge(EX, name, fn, cases)


def test_the_registry_finds_the_exercise_and_its_three_functions():
    assert tuple(f.name for f in EX.functions) == FUNCTIONS
    assert EX.max_score == 7.0
    for name in FUNCTIONS:
        ex, fspec = find_function(name)
        assert ex is EX and fspec.name == name and fspec.calls == ()
    assert "lstm_lib" in EX.forbidden and "torch" in EX.forbidden


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_library_passes_the_public_and_hidden_cases(name):
    cases = public_cases(_spec(name)) + hidden_cases(_spec(name), 12345)
    for label, verdict in _judge(name, getattr(baselines, name), cases):
        assert verdict.passed, (label, verdict)


def test_the_ngram_cases_cover_orders_alphas_and_an_unseen_symbol():
    for cases in (public_cases(_spec("ngram_bits_per_char")), hidden_cases(_spec("ngram_bits_per_char"), 7)):
        calls = [c.calls[0] for c in cases]
        assert {call.args[2] for call in calls} == {1, 2, 3}
        assert {call.kwargs.get("alpha") for call in calls} == {None, 1.0, 0.5}
        unseen = [call for call in calls if not set(call.args[1].tolist()) <= set(call.args[0].tolist())]
        assert len(unseen) >= 3, "a test symbol never seen in training"
        for call in calls:
            train, test, n, V = call.args
            assert train.ndim == test.ndim == 1 and train.dtype.kind == "i"
            assert 0 <= min(train.min(), test.min()) and max(train.max(), test.max()) < V
        for case in cases:  # every order above 1 carries its unigram probe
            if case.calls[0].args[2] > 1:
                assert case.probes == ("n = 1",) and case.calls[1].args[2] == 1


def test_the_softmax_cases_cover_axes_float32_large_logits_and_both_sides_of_one():
    for cases in (public_cases(_spec("softmax_with_temperature")), hidden_cases(_spec("softmax_with_temperature"), 7)):
        z = [c.calls[0].args[0] for c in cases]
        temps = [c.calls[0].args[1] for c in cases]
        assert {a.ndim for a in z} == {1, 2, 3}
        assert any(a.dtype == np.float32 for a in z)
        assert any(np.abs(a).max() > 700 for a in z)
        assert min(temps) < 1 < max(temps)
        for a in z:
            if a.ndim > 1:
                assert a.shape[0] != a.shape[-1], "a softmax over the wrong axis shows"


def test_the_seasonal_cases_cover_season_12_two_seasons_and_a_short_horizon():
    for cases in (public_cases(_spec("seasonal_naive_forecast")), hidden_cases(_spec("seasonal_naive_forecast"), 7)):
        calls = [c.calls[0].args for c in cases]
        assert (12, 24) in {(s, h) for _, s, h in calls}
        assert any(h < s for _, s, h in calls)
        assert any(h % s for _, s, h in calls if h > s), "a horizon not a whole number of seasons"
        assert any(x.dtype == np.float32 for x, _, _ in calls)
        assert any(len(x) % s for x, s, _ in calls), "a history that is not whole seasons"


def test_the_dictionary_model_of_the_judge_equals_the_library():
    for case in public_cases(_spec("ngram_bits_per_char")):
        train, test, n, V = case.calls[0].args
        alpha = case.calls[0].kwargs.get("alpha", 1.0)
        assert _ngram64(train, test, n, V, alpha) == pytest.approx(
            baselines.ngram_bits_per_char(train, test, n, V, alpha), rel=1e-12
        )


def test_every_named_mistake_differs_from_the_reference():
    """A named mistake that equals the right answer could never be told apart."""
    for case in public_cases(_spec("ngram_bits_per_char")):
        train, test, n, V = case.calls[0].args
        alpha = case.calls[0].kwargs.get("alpha", 1.0)
        want = baselines.ngram_bits_per_char(train, test, n, V, alpha)
        for text, got in _ngram_variants(train, test, n, V, alpha):
            assert not np.isclose(got, want, rtol=1e-6), (n, text)
    big = next(c for c in public_cases(_spec("softmax_with_temperature")) if np.abs(c.calls[0].args[0]).max() > 700)
    z, temp = big.calls[0].args
    want = baselines.softmax_with_temperature(z, temp)
    with np.errstate(all="ignore"):
        for text, got in _softmax_variants(z, temp):
            assert got.shape != want.shape or not np.allclose(got, want), text
    for case in public_cases(_spec("seasonal_naive_forecast")):
        history, season, horizon = case.calls[0].args
        want = baselines.seasonal_naive_forecast(history, season, horizon)
        for text, got in _seasonal_variants(history, season, horizon):
            assert not np.allclose(got, want), text


def test_the_ngram_judge_names_natural_log_and_no_smoothing():
    case = public_cases(_spec("ngram_bits_per_char"))[1]
    fspec = _spec("ngram_bits_per_char")
    train, test, n, V = case.calls[0].args
    right = baselines.ngram_bits_per_char(train, test, n, V, **case.calls[0].kwargs)
    nats = fspec.judge(case, [Outcome("ok", {"bits": np.asarray(right * np.log(2))})])
    assert not nats.passed and "natural log" in nats.hint
    inf = fspec.judge(case, [Outcome("ok", {"bits": np.asarray(np.inf)})])
    assert not inf.passed and "smoothing" in inf.hint
    per_position = fspec.judge(case, [Outcome("ok", {"bits": np.full(len(test) - 1, right)})])
    assert not per_position.passed and "np.mean" in per_position.hint


def test_the_course_function_itself_is_refused_by_check():
    ns = define(
        IMPORTS,
        "from lstm_lib.baselines import seasonal_naive_forecast as course",
        "def seasonal_naive_forecast(history, season, horizon):\n    return course(history, season, horizon)\n",
    )
    result = check(ns["seasonal_naive_forecast"], show=False)
    assert not result.passed and "which this exercise does not allow" in result.report()


@pytest.mark.parametrize("name", FUNCTIONS)
def test_each_function_has_ten_named_mistakes_some_held_out(name):
    mistakes = [m for m in corpus() if m.function == name]
    assert len(mistakes) >= 10
    assert any(m.held_out for m in mistakes)


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
def test_the_exercise_text_states_what_is_graded(folder):
    nb = nbformat.read(ROOT / folder / f"{KEY}.ipynb", as_version=4)
    assert nb.metadata["lstm_course"]["exercise"] == KEY
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for phrase in (
        "count(context) the sum of those over c",
        "an unseen context gives every symbol 1/V",
        "`n = 1` is the unigram model",
        "its first n-1 symbols are not scored",
        "N_test - n + 1 positions",
        "in bits per symbol",
        "over the last axis",
        "float32 logits give float32 probabilities",
        "as large as 1000",
        "the grader calls it with temperatures above 0 only",
        "in the dtype of `history`",
        "shorter than a season, or longer",
        "within a relative 1e-6",
        "a test symbol never seen in training",
        "leaves its inputs unchanged",
        "not `lstm_lib` or PyTorch",
    ):
        assert phrase in text, f"{folder}/{KEY}: the text does not say {phrase!r}"
    page = (ROOT / "book" / "exercises" / f"{KEY}.md").read_text()
    assert f"../../exercises/{KEY}.ipynb" in page and "within a relative 1e-6" in page


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The solutions notebook and the exercise, in one grading run."""
    return grade_solution_and_exercise(tmp_path_factory.mktemp(KEY) / "out", KEY)


def test_the_solutions_notebook_grades_full_marks_in_the_sandbox(graded):
    assert_full_marks(graded, EX, FUNCTIONS)


def test_the_exercise_notebook_grades_zero(graded):
    assert_zero(graded, FUNCTIONS)
