"""Feedback that names every mistake: the corpus in tests/mistakes through check and grade.

Every plausible mistake must fail a case in ``check`` and in ``lstm-course
grade``; at least 90% must get a right diagnosis, the first "likely mistake"
or "the error is in ..." line that the learner reads. The held-out mistakes
match no known-mistake pattern: only the localisation, from reruns with parts
of the input zeroed, can name where they are.
"""

from __future__ import annotations

import importlib
import re
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest
from mistakes import IMPORTS, corpus, define, diagnoses, right_diagnosis

from lstm_lib.grading import check
from lstm_lib.grading.exercises import find_function
from lstm_lib.grading.grader import grade_function
from lstm_lib.grading.notebook import parse_definitions
from lstm_lib.grading.report import function_text
from lstm_lib.grading.sandbox import Limits

MISTAKES = corpus()
SEED = 4242
MIN_RATE = 0.9


def context(m) -> tuple[str, ...]:
    return importlib.import_module(f"mistakes.{m.function}").CONTEXT


def check_report(m) -> tuple[bool, str]:
    ns = define(IMPORTS, *context(m), *m.cells, label=m.id)
    result = check(ns[m.function], show=False)
    return result.passed, result.report()


def grade_report(m):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c.strip("\n")) for c in (IMPORTS, *context(m), *m.cells)]
    ex, spec = find_function(m.function)
    parsed = parse_definitions(nb, tuple(f.name for f in ex.functions))
    fg = grade_function(parsed, ex, spec, SEED, Limits(timeout_s=20))
    return fg, function_text(fg, SEED)


@pytest.fixture(scope="module")
def checked():
    return {m.id: check_report(m) for m in MISTAKES}


@pytest.fixture(scope="module")
def graded():
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip((m.id for m in MISTAKES), pool.map(grade_report, MISTAKES), strict=True))


def test_the_corpus_covers_every_exercised_function():
    counts = {}
    for m in MISTAKES:
        counts[m.function] = counts.get(m.function, 0) + 1
    assert counts["lstm_cell_forward"] >= 25
    for name in ("sigmoid", "tanh", "init_lstm_params"):
        assert counts[name] >= 10, name
    assert len({m.id for m in MISTAKES}) == len(MISTAKES), "every mistake has its own name"
    assert sum(m.held_out for m in MISTAKES) >= 10


@pytest.mark.parametrize("m", MISTAKES, ids=lambda m: m.id)
def test_every_mistake_fails_check(m, checked):
    passed, report = checked[m.id]
    assert not passed, report
    assert diagnoses(report), f"no diagnosis at all:\n{report}"


def test_check_diagnoses_at_least_90_percent_of_the_mistakes(checked):
    right = [m for m in MISTAKES if right_diagnosis(m, checked[m.id][1])]
    held = [m for m in MISTAKES if m.held_out]
    rate = len(right) / len(MISTAKES)
    held_rate = sum(m in right for m in held) / len(held)
    print(
        f"\ncheck: {len(right)} of {len(MISTAKES)} mistakes rightly diagnosed ({rate:.1%}); "
        f"held out: {held_rate:.1%} of {len(held)}"
    )
    wrong = [f"{m.id}: {diagnoses(checked[m.id][1])[:1]}" for m in MISTAKES if m not in right]
    assert rate >= MIN_RATE, "\n".join(wrong)


@pytest.mark.parametrize("m", MISTAKES, ids=lambda m: m.id)
def test_every_mistake_fails_grade(m, graded):
    fg, text = graded[m.id]
    assert fg.score < fg.max_score, text
    assert diagnoses(text), f"no diagnosis at all:\n{text}"


def test_grade_diagnoses_at_least_90_percent_of_the_mistakes(graded):
    right = [m for m in MISTAKES if right_diagnosis(m, graded[m.id][1])]
    rate = len(right) / len(MISTAKES)
    print(f"\ngrade: {len(right)} of {len(MISTAKES)} mistakes rightly diagnosed ({rate:.1%})")
    wrong = [f"{m.id}: {diagnoses(graded[m.id][1])[:1]}" for m in MISTAKES if m not in right]
    assert rate >= MIN_RATE, "\n".join(wrong)


def test_a_repeated_diagnosis_names_the_case_that_gave_it(checked):
    for m in MISTAKES:
        report = checked[m.id][1]
        assert "as above" not in report, report
        cases = {}
        current = None
        for line in report.splitlines():
            head = re.match(r"\s+[✓✗] case (\d+):", line)
            if head:
                current = int(head.group(1))
                continue
            ref = re.search(r"the same (?:as|place as) in case (\d+)$", line)
            if ref:
                earlier = int(ref.group(1))
                assert earlier < current and earlier in cases, report
            elif line.strip().startswith(("likely mistake:", "the error is in")):
                cases.setdefault(current, line)


def test_no_hint_is_garbled(checked):
    for m in MISTAKES:
        for line in diagnoses(checked[m.id][1]):
            assert "-like" not in line and "as above" not in line, line
            if not line.startswith("the error is in line"):  # those quote the learner's code
                opened = line.count("(") + line.count("[")
                assert opened == line.count(")") + line.count("]"), line
            assert not re.search(r"\b(\w+) \1\b", line), f"a word twice: {line}"


def test_overflow_advice_is_about_the_function_that_overflows(checked):
    tanh = next(m for m in MISTAKES if m.id == "tanh-exp formula overflows")
    advice = diagnoses(checked[tanh.id][1])[0]
    assert "inside tanh" in advice and "2 * sigmoid(2 * x) - 1" in advice
    assert "1 / (1 + e)" not in advice, "that is sigmoid's formula, not tanh's"
    sig = next(m for m in MISTAKES if m.id == "sigmoid-naive formula overflows")
    advice = diagnoses(checked[sig.id][1])[0]
    assert "exp(-|x|)" in advice and "tanh" not in advice
