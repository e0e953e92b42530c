"""Write what the grader found: Gradescope's results.json, feedback.md, and grades.csv."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from .exercises import EXERCISES
from .feedback import case_lines
from .grader import FunctionGrade, SubmissionGrade

MAX_TEXT = 20_000  # characters per text field: results.json stays well under 1 MB
MAX_OUTPUT = 4_000  # of the learner's own printed output


def _cap(text: str, n: int = MAX_TEXT) -> str:
    return text if len(text) <= n else text[:n] + f"\n[... {len(text) - n} characters cut]"


def function_text(f: FunctionGrade, seed: int) -> str:
    if f.message:
        return f.message
    passed = sum(v.passed for _, v in f.cases)
    lines = [
        f"{f.name}: {passed} of {len(f.cases)} hidden cases passed "
        f"({f.score:g} of {f.max_score:g} points; inputs drawn from seed {seed}, the same "
        "for every submission)"
    ]
    lines += case_lines(f.cases)
    lines += [f"  note: {n}" for n in f.notes]
    return "\n".join(lines)


def summary_text(g: SubmissionGrade) -> str:
    if g.status != "graded":
        return f"{g.status}: {g.message}\nScore: 0" + (f" / {g.max_score:g}" if g.max_score else "")
    lines = [
        f"Exercise {g.exercise.key} ({g.exercise.title}), recognised by {g.identified_by}.",
        f"Score: {g.score:g} / {g.max_score:g}",
    ]
    if g.notes:
        lines.append("Notes:")
        lines += [f"  - {n}" for n in g.notes]
    lines.append(f"Sandbox: {g.isolation}.")
    return "\n".join(lines)


def results_json(g: SubmissionGrade) -> dict:
    tests = []
    for f in g.functions:
        tests.append(
            {
                "name": f"{f.name} ({g.exercise.key})",  # exercise is set whenever tests exist
                "score": f.score,
                "max_score": f.max_score,
                "output": _cap(function_text(f, g.seed)),
                "visibility": "visible",
            }
        )
    output = summary_text(g)
    if g.output:
        output += "\n\nOutput of your code (as the grader ran it):\n" + _cap(g.output, MAX_OUTPUT)
    return {
        "score": g.score,
        "max_score": g.max_score,
        "execution_time": round(g.execution_time, 3),
        "output": _cap(output),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "file": str(g.path),
            "status": g.status,
            "exercise": g.exercise.key if g.exercise else None,
            "seed": g.seed,
        },
    }


def feedback_md(g: SubmissionGrade) -> str:
    parts = [f"# Feedback on {g.path.name}", ""]
    if g.status != "graded":
        parts += [f"**{g.status}**: {g.message}", "", "Score: **0**", ""]
        return "\n".join(parts)
    parts += [
        f"Exercise **{g.exercise.key}** ({g.exercise.title}). Score: **{g.score:g} / {g.max_score:g}**.",
        "",
        "Your functions ran on hidden inputs, different from the public cases that "
        f"`check` uses, and the same for every submission (seed {g.seed}).",
        "",
    ]
    for f in g.functions:
        parts += [f"## {f.name}: {f.score:g} / {f.max_score:g}", "", "```", _cap(function_text(f, g.seed)), "```", ""]
    if g.notes:
        parts += ["## Notes", ""] + [f"- {n}" for n in g.notes] + [""]
    if g.output:
        parts += ["## Output of your code", "", "```", _cap(g.output, MAX_OUTPUT), "```", ""]
    parts += [f"_Sandbox: {g.isolation}._", ""]
    return "\n".join(parts)


def write_submission(g: SubmissionGrade, out_dir: Path) -> Path:
    folder = Path(out_dir) / g.name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results_json(g), indent=2, ensure_ascii=False), encoding="utf-8")
    (folder / "feedback.md").write_text(feedback_md(g), encoding="utf-8")
    return folder


def csv_columns() -> list[str]:
    names = [f.name for ex in EXERCISES.values() for f in ex.functions]
    return ["file", "exercise", *names, "total", "max_score", "status"]


def write_csv(grades, path: Path) -> None:
    cols = csv_columns()
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for g in grades:
            row = {
                "file": str(g.path),
                "exercise": g.exercise.key if g.exercise else "",
                "total": f"{g.score:g}",
                "max_score": f"{g.max_score:g}",
                "status": g.status,
            }
            for f in g.functions:
                row[f.name] = f"{f.score:g}"
            w.writerow(row)
