"""Grade one submitted notebook: read, parse, run in the sandbox, compare, score.

Fair by construction: every submission of a run is graded on the same hidden
cases, drawn once from the run's seed; each function is graded on its own,
with the reference standing in for the graded functions it calls; and what
the exercise forbids fails it, with the line that breaks the rule.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from .exercises import (
    EXERCISES,
    ExerciseSpec,
    FunctionSpec,
    hidden_cases,
    reference,
    rules_verdict,
    run_judge,
)
from .notebook import METADATA_KEY, NotebookError, ParsedNotebook, identify_exercise, parse_definitions, read_notebook
from .rules import _MISSING, function_node, notebook_resolver, rule_breaks, uses_name
from .sandbox import Limits, isolation, run_function


@dataclass
class FunctionGrade:
    spec: FunctionSpec
    score: float = 0.0
    cases: list = field(default_factory=list)  # (label, Verdict)
    message: str = ""  # when the function could not be graded at all
    notes: list = field(default_factory=list)  # about the graded functions it calls
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
    seed: int  # the run's seed: every submission of the run is graded on the same cases
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


def grade_notebook(path: Path, *, name: str, batch_seed: int, limits: Limits) -> SubmissionGrade:
    """Grade one notebook on the hidden cases that ``batch_seed`` draws for the whole run."""
    t0 = time.monotonic()
    grade = SubmissionGrade(Path(path), name, int(batch_seed), isolation=isolation()[2])
    try:
        _grade(grade, limits)
    except Exception as err:  # noqa: BLE001 - one submission must never stop the batch
        grade.status = "grader error"
        grade.message = (
            f"the grader failed on this submission ({type(err).__name__}: {err}); please report it to the course staff"
        )
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
            grade.functions = [FunctionGrade(f, message=f"not graded: {err}") for f in ex.functions]
        return
    all_graded = tuple(f.name for ex in EXERCISES.values() for f in ex.functions)
    parsed = parse_definitions(nb, all_graded)
    ex, how = identify_exercise(grade.path, nb, parsed)
    if ex is None:
        keys = ", ".join(EXERCISES)
        grade.status = "unknown exercise"
        grade.message = (
            f"cannot tell which exercise {grade.path.name} is: its name contains "
            f"none of {keys}, it has no metadata {METADATA_KEY}.exercise, and it "
            "defines none of the graded functions"
        )
        return
    grade.exercise, grade.identified_by = ex, how
    grade.notes.extend(parsed.notes)
    outputs = []
    for fspec in ex.functions:
        grade.functions.append(
            grade_function(parsed, ex, fspec, grade.seed, limits, notes=grade.notes, outputs=outputs)
        )
    _note_dependencies(grade.functions, parsed)
    grade.output = "\n".join(outputs)


def grade_function(
    parsed: ParsedNotebook,
    ex: ExerciseSpec,
    fspec: FunctionSpec,
    seed: int,
    limits: Limits,
    *,
    notes: list | None = None,
    outputs: list | None = None,
) -> FunctionGrade:
    """Grade one function of a parsed notebook on the run's hidden cases."""
    fg = FunctionGrade(fspec)
    if fspec.name not in parsed.names:
        fg.message = _missing_message(fspec, parsed)
        return fg
    rules = None
    found = _definition(parsed, fspec.name)
    if found is not None and (fspec.banned or ex.forbidden):
        node, lines = found
        resolve = notebook_resolver(parsed.snippets, {d.split(".")[0] for d in fspec.banned} | set(ex.forbidden))
        # As in check: the graded functions it calls are the course's, and break no rule.
        breaks = rule_breaks(
            node, lambda n: _MISSING if n in fspec.calls else resolve(n), banned=fspec.banned, forbidden=ex.forbidden
        )
        rules = rules_verdict(fspec, breaks, lambda n: lines[n - 1].strip() if 0 < n <= len(lines) else "")
    cases = hidden_cases(fspec, seed)
    runs = _run_cases(
        fg, parsed, ex, cases, limits, notes if notes is not None else [], outputs if outputs is not None else []
    )
    for case, outcomes in zip(cases, runs, strict=True):
        fg.cases.append((case.label, run_judge(fspec, case, outcomes, rules)))
    passed = sum(v.passed for _, v in fg.cases)
    fg.score = round(fspec.points * passed / len(fg.cases), 4) if fg.cases else 0.0
    return fg


def _definition(parsed: ParsedNotebook, name: str):
    """(parsed def, source lines) of the function the grader runs under ``name``."""
    for s in reversed(parsed.snippets):
        if s.kind == "definition" and name in s.names:
            node = function_node(s.code, name)
            return (node, s.code.split("\n")) if node is not None else None
    return None


def _stand_ins(fspec: FunctionSpec, parsed: ParsedNotebook) -> dict:
    """The reference for each graded function that ``fspec`` calls and the notebook defines;
    one the notebook lacks stays missing, as it is in the learner's kernel."""
    return {d: reference(d) for d in fspec.calls if d in parsed.names and d != fspec.name}


def _note_dependencies(functions: list, parsed: ParsedNotebook) -> None:
    """Tell a function that calls a graded function which lost points to fix that one first."""
    lost = {f.name for f in functions if not f.message and f.score < f.max_score}
    lost |= {f.name for f in functions if f.message}
    for f in functions:
        for dep in f.spec.calls:
            if dep not in lost or dep == f.name or f.message:
                continue
            found = _definition(parsed, f.name)
            if found is None or not uses_name(found[0], dep):
                continue
            f.notes.append(
                f"{f.name} calls your {dep}, which lost points: {f.name} was graded "
                f"with the course's {dep} in its place, so that mistake costs only "
                f"once; fix {dep} first"
            )


def _run_cases(fg, parsed, ex, cases, limits, notes, outputs, max_runs=6):
    """Outcomes per case. After a crash the cases it left unrun get a fresh sandbox, so a
    function that crashes on one input still earns the others; a timeout ends the function."""
    fspec = fg.spec
    stand_ins = _stand_ins(fspec, parsed)
    results = [None] * len(cases)
    todo = list(range(len(cases)))
    for _ in range(max_runs):
        run = run_function(
            parsed.snippets,
            fspec.name,
            fspec.outputs,
            fspec.returns,
            [cases[i] for i in todo],
            ex.forbidden,
            ex.limits_for(limits),
            stand_ins=stand_ins,
            banned=dict(fspec.banned),
            packages=ex.packages,
        )
        fg.elapsed += run.elapsed
        for note in run.notes:
            if note not in notes:
                notes.append(note)
        if run.output.strip():
            kept = len(run.output.encode())
            size = (
                f"it printed {run.output_bytes} bytes; the first {limits.output_bytes} are kept"
                if run.output_bytes > limits.output_bytes
                else ""
            )
            outputs.append(
                f"--- while grading {fspec.name}{': ' + size if size else ''} ---\n"
                f"{run.output[:2000]}" + ("\n[...]" if kept > 2000 else "")
            )
        for i, o in zip(todo, run.outcomes, strict=True):
            results[i] = o
        statuses = [o.status for i in todo for o in results[i]]
        todo = [i for i in todo if any(o.status == "not_run" for o in results[i])]
        if not todo or "timeout" in statuses:
            break
    return results


def _missing_message(fspec: FunctionSpec, parsed) -> str:
    msg = f"no function named {fspec.name} was found in the code cells: the grader looks for def {fspec.signature}"
    near = parsed.close_matches(fspec.name)
    if near:
        msg += f". The notebook defines {', '.join(near)}: was it renamed? The name must be exactly {fspec.name}"
    return msg + "."
