"""The lines that explain a function's cases, the same in ``check`` and in the grader's feedback."""

from __future__ import annotations

from .cases import Verdict


def diagnosis(v: Verdict) -> list[str]:
    """The likely mistake, and where the error is, as the lines that say so."""
    lines = []
    if v.hint:
        lines.append(f"likely mistake: {v.hint}")
    if v.where:
        lines.append(f"the error is in {v.where}")
    return lines


def case_lines(cases: list[tuple[str, Verdict]]) -> list[str]:
    """``✓``/``✗`` per case with its problems and diagnosis; a diagnosis already given
    is referred to by the number of the case that gave it."""
    first = cases[0][1] if cases else None
    if len(cases) > 1 and all(
        not v.passed and (v.problems, v.hint, v.where) == (first.problems, first.hint, first.where) for _, v in cases
    ):
        lines = [f"  ✗ all {len(cases)} cases:"]
        for line in first.problems + diagnosis(first):
            lines += [f"      {part}" for part in line.split("\n")]
        return lines
    lines, given = [], {}
    for n, (label, v) in enumerate(cases, 1):
        lines.append(f"  {'✓' if v.passed else '✗'} case {n}: {label}")
        for p in v.problems:
            lines += [f"      {part}" for part in p.split("\n")]
        for line in diagnosis(v):
            if line in given:
                head = (
                    "likely mistake: the same as" if line.startswith("likely") else "the error is in the same place as"
                )
                line = f"{head} in case {given[line]}"
            else:
                given[line] = n
            lines += [f"      {part}" for part in line.split("\n")]
    return lines
