"""Grade one submitted notebook: read, parse, run in the sandbox, compare, score."""

from __future__ import annotations

import time
import traceback
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .cases import Verdict
from .exercises import EXERCISES, ExerciseSpec, FunctionSpec, hidden_cases, run_judge
from .notebook import METADATA_KEY, NotebookError, ParsedNotebook, identify_exercise, parse_definitions, read_notebook
from .sandbox import Limits, isolation, run_function


@dataclass
class FunctionGrade:
    spec: FunctionSpec
    score: float = 0.0
    cases: list = field(default_factory=list)  # (label, Verdict)
    message: str = ""  # when the function could not be graded at all
    elapsed: float = 0.0

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def max_score(self) -> float:
        return self.spec.points


@dataclass
class SubmissionGrade:
    path: Path
    name: str  # the folder under --out
    seed: int  # the seed of this submission's hidden inputs
    batch_seed: int
    status: str = "graded"  # graded | unreadable | unknown exercise | grader error
    message: str = ""
    exercise: ExerciseSpec | None = None
    identified_by: str = ""
    functions: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    output: str = ""
    isolation: str = ""
    execution_time: float = 0.0

    @property
    def score(self) -> float:
        return round(sum(f.score for f in self.functions), 4)

    @property
    def max_score(self) -> float:
        return self.exercise.max_score if self.exercise else 0.0


def submission_seed(batch_seed: int, key: str) -> int:
    """Each submission draws its own hidden inputs (reproducible from the batch seed)."""
    return (int(batch_seed) * 1_000_003 + zlib.crc32(key.encode())) % (2**63)


def grade_notebook(path: Path, *, name: str, batch_seed: int, limits: Limits) -> SubmissionGrade:
    t0 = time.monotonic()
    grade = SubmissionGrade(Path(path), name, submission_seed(batch_seed, name), batch_seed,
                            isolation=isolation()[2])
    try:
        _grade(grade, limits)
    except Exception as err:  # noqa: BLE001 - one submission must never stop the batch
        grade.status = "grader error"
        grade.message = (f"the grader failed on this submission ({type(err).__name__}: {err}); "
                         "please report it to the course staff")
        grade.notes.append(traceback.format_exc(limit=4)[-2000:])
        for f in grade.functions:
            f.score = 0.0
    grade.execution_time = time.monotonic() - t0
    return grade


def _grade(grade: SubmissionGrade, limits: Limits) -> None:
    try:
        nb = read_notebook(grade.path)
    except NotebookError as err:
        grade.status, grade.message = "unreadable", f"{grade.path.name}: {err}"
        # When its name tells the exercise, report each graded function at 0 out of its points.
        ex, how = identify_exercise(grade.path, {"cells": []}, ParsedNotebook())
        if ex is not None and how == "file name":
            grade.exercise, grade.identified_by = ex, how
            grade.functions = [FunctionGrade(f, message=f"not graded: {err}")
                               for f in ex.functions]
        return
    all_graded = tuple(f.name for ex in EXERCISES.values() for f in ex.functions)
    parsed = parse_definitions(nb, all_graded)
    ex, how = identify_exercise(grade.path, nb, parsed)
    if ex is None:
        keys = ", ".join(EXERCISES)
        grade.status = "unknown exercise"
        grade.message = (f"cannot tell which exercise {grade.path.name} is: its name contains "
                         f"none of {keys}, it has no metadata {METADATA_KEY}.exercise, and it "
                         "defines none of the graded functions")
        return
    grade.exercise, grade.identified_by = ex, how
    grade.notes.extend(parsed.notes)
    outputs = []
    for fspec in ex.functions:
        fg = FunctionGrade(fspec)
        grade.functions.append(fg)
        if fspec.name not in parsed.names:
            fg.message = _missing_message(fspec, parsed)
            continue
        cases = hidden_cases(fspec, grade.seed)
        for case, outcomes in zip(cases, _run_cases(grade, fg, parsed, ex, cases, limits,
                                                    outputs), strict=True):
            fg.cases.append((case.label, run_judge(fspec, case, outcomes)))
        passed = sum(v.passed for _, v in fg.cases)
        fg.score = round(fspec.points * passed / len(fg.cases), 4) if fg.cases else 0.0
    grade.output = "\n".join(outputs)


def _run_cases(grade, fg, parsed, ex, cases, limits, outputs, max_runs=6):
    """Outcomes per case. After a crash the cases it left unrun get a fresh sandbox, so a
    function that crashes on one input still earns the others; a timeout ends the function."""
    fspec = fg.spec
    results = [None] * len(cases)
    todo = list(range(len(cases)))
    for _ in range(max_runs):
        run = run_function(parsed.snippets, fspec.name, fspec.outputs, fspec.returns,
                           [cases[i] for i in todo], ex.forbidden, limits)
        fg.elapsed += run.elapsed
        for note in run.notes:
            if note not in grade.notes:
                grade.notes.append(note)
        if run.output.strip():
            kept = len(run.output.encode())
            size = (f"it printed {run.output_bytes} bytes; the first {limits.output_bytes} "
                    "are kept" if run.output_bytes > limits.output_bytes else "")
            outputs.append(f"--- while grading {fspec.name}{': ' + size if size else ''} ---\n"
                           f"{run.output[:2000]}" + ("\n[...]" if kept > 2000 else ""))
        for i, o in zip(todo, run.outcomes, strict=True):
            results[i] = o
        statuses = [o.status for i in todo for o in results[i]]
        todo = [i for i in todo if any(o.status == "not_run" for o in results[i])]
        if not todo or "timeout" in statuses:
            break
    return results


def _missing_message(fspec: FunctionSpec, parsed) -> str:
    msg = (f"no function named {fspec.name} was found in the code cells: the grader looks for "
           f"def {fspec.signature}")
    near = parsed.close_matches(fspec.name)
    if near:
        msg += f". The notebook defines {', '.join(near)}: was it renamed? The name must be " \
               f"exactly {fspec.name}"
    return msg + "."


def verdict_lines(v: Verdict) -> list[str]:
    lines = list(v.problems)
    if v.hint:
        lines.append(f"likely mistake: {v.hint}")
    return lines
