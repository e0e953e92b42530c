"""``check(fn)``: the exercise's public cases, run in the learner's own kernel.

It explains what is wrong (shape, dtype, which output, how far off, the likely
mistake) instead of failing an assert. It is a help for learning, not the
grade: ``lstm-course grade`` runs hidden cases in a sandbox.
"""

from __future__ import annotations

import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

from .cases import Case, Outcome, Verdict, materialize
from .exercises import EXERCISES, find_function, public_cases, run_judge
from .sandbox.wire import BadReturn, extract


@dataclass
class CaseReport:
    label: str
    verdict: Verdict


@dataclass
class CheckResult:
    """What ``check`` found. True when every public case passed."""

    name: str
    cases: list = field(default_factory=list)
    message: str = ""  # set instead of cases when nothing could run (unknown or not implemented)

    @property
    def passed(self) -> bool:
        return bool(self.cases) and all(c.verdict.passed for c in self.cases)

    @property
    def n_passed(self) -> int:
        return sum(c.verdict.passed for c in self.cases)

    def __bool__(self) -> bool:
        return self.passed

    def summary(self) -> str:
        if self.message:
            return f"check({self.name}): {self.message}"
        if self.passed:
            return f"check({self.name}): all {len(self.cases)} public cases passed"
        return f"check({self.name}): {self.n_passed} of {len(self.cases)} public cases passed"

    def report(self) -> str:
        lines = [self.summary()]
        hints = set()
        for n, c in enumerate(self.cases, 1):
            mark = "✓" if c.verdict.passed else "✗"
            lines.append(f"  {mark} case {n}: {c.label}")
            for p in c.verdict.problems:
                lines.append(f"      {p}")
            if c.verdict.hint:
                seen = c.verdict.hint in hints
                hints.add(c.verdict.hint)
                lines.append("      likely mistake: " + ("the same as above" if seen
                                                         else c.verdict.hint))
        if self.cases and self.passed:
            lines.append("  (the grader also runs hidden cases, on other inputs)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.report()

    def __repr__(self) -> str:
        mark = "passed" if self.passed else "not passed"
        return f"<CheckResult {self.name}: {mark}, {self.n_passed}/{len(self.cases)} cases>"


def call_once(fn, call, outputs, returns: str) -> Outcome:
    """Call ``fn`` on one public case's inputs, in this process."""
    args = materialize(call.args)
    kwargs = materialize(call.kwargs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with np.errstate(over="warn", invalid="warn", divide="warn"):
                ret = fn(*args, **kwargs)
        except NotImplementedError:
            return Outcome("not_implemented")
        except Exception as err:  # noqa: BLE001 - the learner's code may raise anything
            tb = traceback.extract_tb(err.__traceback__)[1:]
            where = f" (line {tb[-1].lineno}: {tb[-1].line})" if tb and tb[-1].line else ""
            return Outcome("error", error=f"{type(err).__name__}: {err}{where}")
    warns = tuple(f"{w.category.__name__}: {w.message}" for w in caught)
    try:
        outs = extract(ret, outputs, returns)
    except BadReturn as err:
        return Outcome("bad_return", error=str(err), warnings=warns)
    return Outcome("ok", outputs={k: np.array(v) for k, v in outs.items()}, warnings=warns)


def check(fn, *, name: str | None = None, show: bool = True) -> CheckResult:
    """Run the public cases of the exercise that grades ``fn`` and print what differs.

    Args:
        fn: your function, e.g. ``sigmoid`` or ``lstm_cell_forward``.
        name: the graded name, when ``fn`` has another one.
        show: print the report (default); the result is returned either way.

    Returns:
        a ``CheckResult``; ``bool(result)`` is True when every public case passed.
    """
    name = name or getattr(fn, "__name__", None) or repr(fn)
    found = find_function(name)
    if found is None:
        known = ", ".join(f.name for ex in EXERCISES.values() for f in ex.functions)
        result = CheckResult(name, message=f"no exercise grades a function named {name!r}; "
                                            f"check knows {known}")
    elif not callable(fn):
        result = CheckResult(name, message=f"expected a function, got {type(fn).__name__}")
    else:
        _, spec = found
        result = CheckResult(name)
        for case in public_cases(spec):
            outcomes = _run_case(fn, spec, case)
            if outcomes[0].status == "not_implemented":
                result = CheckResult(name, message="not implemented yet (replace the "
                                                   "`raise NotImplementedError` with your code)")
                break
            result.cases.append(CaseReport(case.label, run_judge(spec, case, outcomes)))
    if show:
        print(result.report())
    return result


def _run_case(fn, spec, case: Case) -> list:
    outcomes = []
    for call in case.calls:
        o = call_once(fn, call, spec.outputs, spec.returns)
        outcomes.append(o)
        if o.status != "ok":
            break
    return outcomes
