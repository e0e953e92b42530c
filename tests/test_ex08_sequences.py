"""Exercise 8 (stacked and bidirectional LSTMs): its registry entry, its cases, its judges
against the library, its text, and its notebooks through the sandboxed grader.

The corpus of mistakes (tests/mistakes/masked_lstm_forward.py, bilstm_forward.py,
classifier_loss.py) runs through check and grade in tests/test_feedback.py.
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
from lstm_lib.grading.exercises.ex08_stacked_and_bidirectional import _MASKED_VARIANTS, _bi_variants, _masked64

ROOT = Path(__file__).resolve().parents[1]
KEY = "08_stacked_and_bidirectional"
EX = EXERCISES[KEY]
FUNCTIONS = ("masked_lstm_forward", "bilstm_forward", "classifier_loss")


def _spec(name):
    return spec(EX, name)


def _judge_library(name, cases):
    """The verdicts of the library's own function on ``cases``."""
    import lstm_lib.numpy as ref

    return judge(EX, name, getattr(ref, name), cases)


def test_the_registry_finds_the_exercise_and_its_three_functions():
    assert tuple(f.name for f in EX.functions) == FUNCTIONS
    assert EX.max_score == 9.0
    for name in FUNCTIONS:
        ex, fspec = find_function(name)
        assert ex is EX and fspec.name == name
    assert _spec("masked_lstm_forward").calls == ("lstm_cell_forward",)
    assert "masked_lstm_forward" in _spec("bilstm_forward").calls
    assert _spec("classifier_loss").calls == ("softmax_cross_entropy",)
    assert "lstm_lib" in EX.forbidden and "torch" in EX.forbidden


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_library_passes_the_public_and_hidden_cases(name):
    cases = public_cases(_spec(name)) + hidden_cases(_spec(name), 12345)
    for label, verdict in _judge_library(name, cases):
        assert verdict.passed, (label, verdict)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_cases_cover_padding_no_padding_none_both_mask_kinds_and_float32(name):
    for cases in (public_cases(_spec(name)), hidden_cases(_spec(name), 7)):
        masks = [c.calls[0].args[1] for c in cases]
        padded = [m for m in masks if m is not None and not np.all(m)]
        assert any(m is None for m in masks), "mask=None"
        assert any(m is not None and np.all(m) for m in masks), "a batch without padding"
        assert any(m.dtype == bool for m in padded) and any(m.dtype.kind == "f" for m in padded)
        for m in padded:
            lengths = np.asarray(m, dtype=bool).sum(axis=1)
            assert 1 in lengths and m.shape[1] in lengths, "a sequence of length 1 and one of T"
            assert len(set(lengths.tolist())) >= 2
            assert np.all(np.asarray(m, dtype=bool) == (np.arange(m.shape[1]) < lengths[:, None])), "right padding"
        assert any(c.calls[0].args[0].dtype == np.float32 for c in cases)


def test_the_masked_cases_give_nonzero_initial_states_and_the_classifier_garbage_at_padding():
    cases = public_cases(_spec("masked_lstm_forward"))
    assert any(
        c.calls[0].args[2] is not None and np.abs(c.calls[0].args[2]).min() > 0 and np.abs(c.calls[0].args[3]).min() > 0
        for c in cases
    )
    assert any(c.calls[0].args[2] is None for c in cases)
    for case in public_cases(_spec("classifier_loss")):
        hs, mask = case.calls[0].args[:2]
        if mask is not None and not np.all(mask):
            assert np.all(np.abs(hs[~np.asarray(mask, dtype=bool)]) > 0)
    sizes = {(c.calls[0].args[2]["weight"].shape) for c in public_cases(_spec("classifier_loss"))}
    assert len({C for C, _ in sizes}) >= 2 and len({F for _, F in sizes}) >= 2, "C and F vary"


def test_every_masked_variant_differs_from_the_reference_on_a_padded_case():
    """A named mistake that equals the right answer could never be told apart."""
    case = public_cases(_spec("masked_lstm_forward"))[0]
    x, mask, h0, c0, p = case.calls[0].args
    right = _masked64(x, mask, h0, c0, p)
    for text, kw in _MASKED_VARIANTS:
        got = _masked64(x, mask, h0, c0, p, **kw)
        assert not all(np.allclose(a, b) for a, b in zip(got, right, strict=True)), text


def test_every_bidirectional_variant_differs_from_the_reference_on_a_padded_case():
    from lstm_lib.numpy import bilstm_forward

    case = public_cases(_spec("bilstm_forward"))[0]
    x, mask, pf, pb = case.calls[0].args
    hs, (h_n, c_n), _ = bilstm_forward(x, mask, pf, pb)
    for text, got in _bi_variants(x, mask, pf, pb):
        assert not all(np.allclose(a, b) for a, b in zip(got, (hs, h_n, c_n), strict=True)), text


def test_classifier_loss_takes_mask_none_as_every_step_real():
    from lstm_lib.numpy import classifier_loss

    rng = np.random.default_rng(3)
    hs = rng.normal(size=(4, 5, 3))
    p = {"weight": rng.normal(size=(2, 3)), "bias": rng.normal(size=2)}
    y = np.array([0, 1, 1, 0])
    a, b = classifier_loss(hs, None, p, y), classifier_loss(hs, np.ones((4, 5), bool), p, y)
    assert a[0] == b[0] and np.array_equal(a[1], b[1])
    assert all(np.array_equal(a[2][k], b[2][k]) for k in ("weight", "bias"))


def test_a_layer_that_calls_the_course_bilstm_is_refused_by_check():
    ns = define(
        IMPORTS,
        "from lstm_lib.numpy import bilstm_forward as course_bilstm",
        "def bilstm_forward(x, mask, params_fwd, params_bwd):\n"
        "    return course_bilstm(x, mask, params_fwd, params_bwd)\n",
    )
    result = check(ns["bilstm_forward"], show=False)
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
    for phrase in (
        "`mask=None` means every step is real",
        "as bools (`True`/`False`) or as numbers",
        "`None` means zeros",
        "the cache is not graded",
        "zero at every padded step",
        "each sequence's states after its last real step",
        "`hs` (B, T, 2H)",
        "`h_n` and `c_n` (2, B, H)",
        "the backward direction's states after step 0",
        "`mask[:, ::-1]`",
        "the padded steps of `hs` may hold any values",
        "the mean over B",
        '`grads["weight"]` (C, F)',
        '`grads["bias"]` (C,)',
        "float32 inputs give float32 results",
        "leaves its inputs unchanged",
        "the course's `lstm_cell_forward` stands in",
        "the course's `masked_lstm_forward` stands in",
        "the course's `softmax_cross_entropy` stands in",
        "not the rest of `lstm_lib.numpy` or PyTorch",
    ):
        assert phrase in text, f"{folder}/{KEY}: the text does not say {phrase!r}"
    page = (ROOT / "book" / "exercises" / f"{KEY}.md").read_text()
    assert f"../../exercises/{KEY}.ipynb" in page and "the cache is not graded" in page


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The solutions notebook and the exercise, in one grading run."""
    return grade_solution_and_exercise(tmp_path_factory.mktemp(KEY) / "out", KEY)


def test_the_solutions_notebook_grades_full_marks_in_the_sandbox(graded):
    assert_full_marks(graded, EX, FUNCTIONS)


def test_the_exercise_notebook_grades_zero(graded):
    assert_zero(graded, FUNCTIONS)
