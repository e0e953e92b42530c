"""Fair grading: the same hidden cases for every submission of a run, each function graded
on its own, what the exercise text forbids enforced and only what it states graded."""

from __future__ import annotations

import shutil
import textwrap

import nbformat
import numpy as np
import pytest
from mistakes import IMPORTS, define
from test_grading import INIT_OK, ROOT, SIGMOID_OK, read_batch, run_cli

from lstm_lib.grading import check
from lstm_lib.grading.exercises import (
    EXERCISES,
    LSTM_CELL_FORWARD,
    find_function,
    hidden_cases,
    public_cases,
)
from lstm_lib.grading.grader import grade_function, grade_notebook
from lstm_lib.grading.notebook import parse_definitions
from lstm_lib.grading.report import function_text
from lstm_lib.grading.sandbox import Limits

SIGMOID_SIGN = "def sigmoid(x):\n    return 1 / (1 + np.exp(x))"  # sigmoid(-x)
TANH_OK = "def tanh(x):\n    return 2 * sigmoid(2 * x) - 1"
SIGMOID_GIVEN = "def sigmoid(x):\n    return 0.5 * (1 + np.tanh(0.5 * x))"
CELL_OK = textwrap.dedent("""
    def lstm_cell_forward(x, h_prev, c_prev, params):
        a = (x @ params["weight_ih"].T + params["bias_ih"]
             + h_prev @ params["weight_hh"].T + params["bias_hh"])
        a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
        i, f, g, o = sigmoid(a_i), sigmoid(a_f), np.tanh(a_g), sigmoid(a_o)
        c = f * c_prev + i * g
        h = o * np.tanh(c)
        return h, c, None
""")
# Wrong for an odd input size only: how many cases it passes depends on the sizes drawn.
CELL_PARTLY = CELL_OK.replace(
    "    return h, c, None", "    if x.shape[1] % 2:\n        h = 1.5 * h\n    return h, c, None"
)
assert CELL_PARTLY != CELL_OK


def notebook(path, *cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(textwrap.dedent(c).strip("\n")) for c in cells]
    nbformat.write(nb, str(path))
    return path


def grade(name: str, *cells, seed=99):
    """``name`` graded alone from a notebook of ``cells``: (FunctionGrade, its feedback)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(textwrap.dedent(c).strip("\n")) for c in cells]
    ex, spec = find_function(name)
    parsed = parse_definitions(nb, tuple(f.name for f in ex.functions))
    fg = grade_function(parsed, ex, spec, seed, Limits(timeout_s=20))
    return fg, function_text(fg, seed)


# ---------------------------------------------------------------- one draw per run


@pytest.mark.parametrize("spec", [f for ex in EXERCISES.values() for f in ex.functions], ids=lambda f: f.name)
def test_a_run_draws_its_hidden_cases_once_from_its_seed(spec):
    first, again, other = hidden_cases(spec, 7), hidden_cases(spec, 7), hidden_cases(spec, 8)
    public = public_cases(spec)

    def arrays(cases):
        return [
            a
            for c in cases
            for call in c.calls
            for a in (*call.args, *call.kwargs.values())
            if isinstance(a, np.ndarray)
        ]

    assert [c.label for c in first] == [c.label for c in again]
    assert all(np.array_equal(a, b) for a, b in zip(arrays(first), arrays(again), strict=True))
    assert all(not a.flags.writeable for a in arrays(first)), "no submission can change them"
    if arrays(first):
        assert [c.label for c in first] != [c.label for c in other] or not all(
            a.shape == b.shape and np.array_equal(a, b) for a, b in zip(arrays(first), arrays(other), strict=False)
        )
        assert not any(
            a.shape == b.shape and np.array_equal(a, b) for a, b in zip(arrays(first), arrays(public), strict=False)
        )


def _partial_seed() -> int:
    """A run seed on which CELL_PARTLY passes some hidden cases but not all."""
    for seed in range(1, 100):
        odd = [c.calls[0].args[0].shape[1] % 2 for c in hidden_cases(LSTM_CELL_FORWARD, seed)]
        if 0 < sum(odd) < len(odd):
            return seed
    raise AssertionError("no seed gives a partial score")


def test_identical_notebooks_get_identical_marks_in_any_batch_order_and_jobs(tmp_path):
    seed = _partial_seed()
    cells = (IMPORTS, SIGMOID_GIVEN, INIT_OK, CELL_PARTLY)
    first = tmp_path / "first"
    first.mkdir()
    for k in range(6):
        notebook(first / f"student{k}_03_one_lstm_step.ipynb", *cells)
    proc = run_cli("grade", first, "--out", tmp_path / "out1", "--seed", seed, "--jobs", 3)
    assert proc.returncode == 0, proc.stderr
    rows = read_batch(tmp_path / "out1")
    totals = {float(r["total"]) for r in rows.values()}
    assert len(rows) == 6 and len(totals) == 1, rows
    total = totals.pop()
    assert 2 < total < 6, "partly wrong: some of lstm_cell_forward's cases pass, not all"
    # Two of the same notebooks in another batch, named in the other order, one at a time.
    second = tmp_path / "second"
    second.mkdir()
    for k in (5, 0):
        shutil.copy(first / f"student{k}_03_one_lstm_step.ipynb", second / f"z{k}_03_one_lstm_step.ipynb")
    proc = run_cli(
        "grade",
        second / "z5_03_one_lstm_step.ipynb",
        second / "z0_03_one_lstm_step.ipynb",
        "--out",
        tmp_path / "out2",
        "--seed",
        seed,
        "--jobs",
        1,
    )
    assert proc.returncode == 0, proc.stderr
    assert {float(r["total"]) for r in read_batch(tmp_path / "out2").values()} == {total}


# ---------------------------------------------------------------- one mistake costs once


def test_a_wrong_sigmoid_costs_only_sigmoid_and_tanh_says_fix_it_first(tmp_path):
    path = notebook(tmp_path / "02_gates_and_memory_cell.ipynb", IMPORTS, SIGMOID_SIGN, TANH_OK)
    g = grade_notebook(path, name="one", batch_seed=99, limits=Limits(timeout_s=20))
    sig, tanh = g.functions
    assert sig.score == 0 and tanh.score == tanh.max_score, function_text(tanh, 99)
    assert any("fix sigmoid first" in n for n in tanh.notes), tanh.notes
    assert "fix sigmoid first" in function_text(tanh, 99)


def test_the_cell_is_graded_with_the_course_sigmoid_whatever_the_notebook_did_to_it():
    fg, text = grade("lstm_cell_forward", IMPORTS, SIGMOID_SIGN, CELL_OK)
    assert fg.score == fg.max_score, text


def test_a_graded_function_the_notebook_lacks_is_not_supplied():
    fg, text = grade("tanh", IMPORTS, TANH_OK)
    assert fg.score == 0 and "NameError" in text, "in the learner's kernel it fails the same way"


def test_check_lends_the_course_sigmoid_and_gives_the_learners_back():
    ns = define(IMPORTS, SIGMOID_SIGN, TANH_OK, label="lend")
    mine = ns["sigmoid"]
    result = check(ns["tanh"], show=False)
    assert result.passed, result.report()
    assert "fix sigmoid first" in result.report()
    assert ns["sigmoid"] is mine
    ns = define(IMPORTS, SIGMOID_SIGN, "def tanh(x):\n    raise ValueError('no')", label="lend2")
    mine = ns["sigmoid"]
    assert not check(ns["tanh"], show=False).passed
    assert ns["sigmoid"] is mine


def test_check_of_a_right_tanh_with_a_right_sigmoid_has_no_note():
    ns = define(IMPORTS, SIGMOID_OK, TANH_OK, label="right")
    result = check(ns["tanh"], show=False)
    assert result.passed and "note:" not in result.report()


# ---------------------------------------------------------------- what the text forbids


@pytest.mark.parametrize(
    "cells",
    [
        ("def tanh(x):\n    return np.tanh(x)",),
        ("import numpy as xp", "def tanh(x):\n    return xp.tanh(x)"),
        ("from numpy import tanh as t", "def tanh(x):\n    return t(x)"),
        ("T = np.tanh", "def tanh(x):\n    return T(x)"),
        ("def tanh(x):\n    return getattr(np, 'tanh')(x)",),
        (
            "import math",
            "def tanh(x):\n    return np.array([math.tanh(v) for v in x.ravel()], dtype=x.dtype).reshape(x.shape)",
        ),
        ("def tanh(x):\n    import numpy\n    return numpy.tanh(x)",),
    ],
    ids=["np.tanh", "module alias", "from import", "assigned", "getattr", "math.tanh", "local import"],
)
def test_a_ready_made_tanh_is_refused_with_its_line(cells):
    ns = define(IMPORTS, SIGMOID_OK, *cells, label="tanh-rule")
    result = check(ns["tanh"], show=False)
    assert not result.passed and "ready-made tanh" in result.report()
    assert "the error is in line" in result.report(), result.report()
    fg, text = grade("tanh", IMPORTS, SIGMOID_OK, *cells)
    assert fg.score == 0 and "ready-made tanh" in text and "on line" in text, text


def test_a_hidden_np_tanh_is_blocked_when_it_runs():
    cell = "def tanh(x):\n    return getattr(np, 'ta' + 'nh')(x)"  # no parser sees this one
    ns = define(IMPORTS, SIGMOID_OK, cell, label="hidden")
    result = check(ns["tanh"], show=False)
    assert not result.passed and "ready-made tanh" in result.report()
    assert np.tanh(0.5) == pytest.approx(0.46211715726), "check gave np.tanh back"
    fg, text = grade("tanh", IMPORTS, SIGMOID_OK, cell)
    assert fg.score == 0 and "ready-made tanh" in text, text


def test_a_local_name_that_shadows_an_alias_of_np_tanh_is_no_rule_break():
    cells = ("from numpy import tanh as t", "def tanh(x):\n    t = 2 * sigmoid(2 * x)\n    return t - 1")
    ns = define(IMPORTS, SIGMOID_OK, *cells, label="shadow")
    assert check(ns["tanh"], show=False).passed
    fg, text = grade("tanh", IMPORTS, SIGMOID_OK, *cells)
    assert fg.score == fg.max_score, text


def test_sigmoid_may_use_np_tanh_the_text_does_not_forbid_it():
    fg, text = grade("sigmoid", IMPORTS, SIGMOID_GIVEN)
    assert fg.score == fg.max_score, text


def test_reruns_with_zeroed_inputs_only_diagnose():
    """A step that is wrong on all-zero states still earns its marks: the text does not ask
    for them, they only serve the diagnosis."""
    odd = CELL_OK.replace("    return h, c, None", "    if not h_prev.any():\n        h = h + 1\n    return h, c, None")
    assert odd != CELL_OK
    ns = define(IMPORTS, SIGMOID_GIVEN, odd, label="zero")
    assert check(ns["lstm_cell_forward"], show=False).passed
    fg, text = grade("lstm_cell_forward", IMPORTS, SIGMOID_GIVEN, odd)
    assert fg.score == fg.max_score, text


# What each function's cases grade, and the words of the exercise text that state it.
STATED = {
    "02_gates_and_memory_cell": [
        "any shape",
        "the same shape",
        "float32 in, float32 out",
        "never overflow",
        "overflow warnings count as failures",
        "leave their input unchanged",
        "`np.tanh`",
        "`math.tanh`",
    ],
    "03_one_lstm_step": [
        "`weight_ih` (4H, D)",
        "`weight_hh` (4H, H)",
        "uniform distribution",
        "k = 1/\\sqrt{H}",
        "an int seed",
        "None for a fresh one",
        "The same seed gives the same parameters",
        "another seed others",
        "`forget_bias=None` leaves the draw",
        "the dtype `dtype`",
        "of shape (B, H)",
        "float32 inputs give float32",
        "leaves its inputs unchanged",
    ],
}


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
def test_the_exercise_text_states_what_is_graded(folder):
    for key, phrases in STATED.items():
        nb = nbformat.read(ROOT / folder / f"{key}.ipynb", as_version=4)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        for phrase in phrases:
            assert phrase in text, f"{folder}/{key}: the text does not say {phrase!r}"
        assert "in that order" not in text, "the order of the draws is not graded"
