"""What the tests of exercises 8 to 11 share: a function's spec and judge, and notebooks
graded through the real command line, with the marks every exercise must give."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from lstm_lib.grading.checking import call_once
from lstm_lib.grading.exercises import run_judge

ROOT = Path(__file__).resolve().parents[1]


def spec(ex, name):
    """The ``FunctionSpec`` of ``name`` in the exercise ``ex``."""
    return next(f for f in ex.functions if f.name == name)


def judge(ex, name, fn, cases):
    """[(case label, verdict)] of ``fn`` on ``cases``, run in this process as ``check`` does."""
    fspec = spec(ex, name)
    return [
        (case.label, run_judge(fspec, case, [call_once(fn, c, fspec.outputs, fspec.returns) for c in case.calls]))
        for case in cases
    ]


def grade_notebooks(out: Path, *notebooks: Path, timeout: float = 900) -> tuple[dict, dict]:
    """Grade ``notebooks`` in one run of ``lstm-course grade``.

    Returns the rows of grades.csv, keyed by "folder/notebook.ipynb", and the
    feedback files, keyed by the name of the folder the grader wrote each to.
    """
    proc = subprocess.run(
        [sys.executable, "-m", "lstm_lib.grading.cli", "grade", *map(str, notebooks), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    with open(out / "grades.csv", newline="") as f:
        rows = {Path(r["file"]).parent.name + "/" + Path(r["file"]).name: r for r in csv.DictReader(f)}
    feedback = {p.parent.name: p.read_text() for p in out.rglob("feedback.md")}
    return rows, feedback


def grade_solution_and_exercise(out: Path, key: str, *others: Path, timeout: float = 900) -> tuple[dict, dict]:
    """The solutions notebook and the generated exercise of ``key`` (and ``others``), in one run."""
    return grade_notebooks(
        out, ROOT / "solutions" / f"{key}.ipynb", ROOT / "exercises" / f"{key}.ipynb", *others, timeout=timeout
    )


def row_of(graded, folder: str) -> tuple[dict, str]:
    """The grades.csv row and the feedback of the notebook in ``folder`` (or named ``folder``)."""
    rows, feedback = graded
    (name,) = [k for k in rows if k.startswith(folder + "/") or k.endswith("/" + folder + ".ipynb")]
    return rows[name], next(v for k, v in feedback.items() if folder in k)


def assert_full_marks(graded, ex, functions):
    row, feedback = row_of(graded, "solutions")
    assert row["exercise"] == ex.key and row["status"] == "graded", row
    assert float(row["total"]) == float(row["max_score"]) == ex.max_score, feedback
    for name in functions:
        assert float(row[name]) == spec(ex, name).points, feedback


def assert_zero(graded, functions):
    row, feedback = row_of(graded, "exercises")
    assert row["status"] == "graded" and float(row["total"]) == 0, row
    for name in functions:
        assert f"{name} is not implemented yet" in feedback
