"""``check(fn)``: the exercise's public cases, run in the learner's own kernel.

It explains what is wrong (shape, dtype, which output, how far off, the likely
mistake or where the error is) instead of failing an assert. It is a help for
learning, not the grade: ``lstm-course grade`` runs hidden cases in a sandbox.
It applies the exercise's rules as the grader does: what the text forbids fails
with the line that uses it, inputs must stay unchanged, and the graded
functions that ``fn`` calls are the course's while ``fn`` is checked, so that a
mistake in ``sigmoid`` is reported once, by ``check(sigmoid)``.
"""

from __future__ import annotations

import os
import traceback
import types
import warnings
from dataclasses import dataclass, field

import numpy as np

from .cases import Case, Outcome, Verdict, materialize
from .exercises import EXERCISES, find_function, public_cases, reference, rules_verdict, run_judge
from .feedback import case_lines
from .rules import (
    _MISSING,
    Banned,
    _package,
    banning,
    changed_paths,
    kernel_resolver,
    line_text,
    rule_breaks,
    snapshot,
    source_node,
    standing_in,
    uses_name,
)
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
    notes: list = field(default_factory=list)  # about the graded functions it calls

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
        lines += case_lines([(c.label, c.verdict) for c in self.cases])
        lines += [f"  note: {n}" for n in self.notes]
        if self.cases and self.passed:
            lines.append("  (the grader also runs hidden cases, on other inputs)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.report()

    def __repr__(self) -> str:
        mark = "passed" if self.passed else "not passed"
        return f"<CheckResult {self.name}: {mark}, {self.n_passed}/{len(self.cases)} cases>"


# Frames in these packages are not the learner's: a traceback shows the learner's lines.
_LIBRARY_DIRS = tuple(os.path.dirname(m.__file__) + os.sep for m in (np, __import__("lstm_lib")))


def _learner_frames(err: BaseException) -> str:
    """The traceback lines in the learner's own code, as the sandbox reports them."""
    frames = [f for f in traceback.extract_tb(err.__traceback__)[1:] if not f.filename.startswith(_LIBRARY_DIRS)]
    return "\n".join(f"  line {f.lineno}, in {f.name}" + (f": {f.line.strip()}" if f.line else "") for f in frames[-4:])


def call_once(fn, call, outputs, returns: str) -> Outcome:
    """Call ``fn`` on one public case's inputs, in this process."""
    args = materialize(call.args)
    kwargs = materialize(call.kwargs)
    before = snapshot((args, kwargs))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with np.errstate(over="warn", invalid="warn", divide="warn"):
                ret = fn(*args, **kwargs)
        except NotImplementedError:
            return Outcome("not_implemented")
        except Banned as err:
            return Outcome("blocked", error=str(err), detail=_learner_frames(err))
        except Exception as err:  # noqa: BLE001 - the learner's code may raise anything
            return Outcome("error", error=f"{type(err).__name__}: {err}", detail=_learner_frames(err))
    warns = tuple(f"{w.category.__name__}: {w.message}" for w in caught)
    modified = tuple(changed_paths(before[0], args, "args") + changed_paths(before[1], kwargs, "kwargs"))
    try:
        outs = extract(ret, outputs, returns)
    except BadReturn as err:
        return Outcome("bad_return", error=str(err), warnings=warns, modified=modified)
    return Outcome("ok", outputs={k: np.array(v) for k, v in outs.items()}, warnings=warns, modified=modified)


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
        result = CheckResult(name, message=f"no exercise grades a function named {name!r}; check knows {known}")
    elif not callable(fn):
        result = CheckResult(name, message=f"expected a function, got {type(fn).__name__}")
    else:
        result = _check(fn, name, *found, with_notes=True)
    if show:
        print(result.report())
    return result


def _global_names(code) -> set:
    """The global and attribute names that ``code`` and the functions nested in it use."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _check(fn, name, ex, spec, *, with_notes: bool) -> CheckResult:
    node = source_node(fn)
    rules = None
    resolve = kernel_resolver(fn)
    if node is not None:
        # The functions it calls (spec.calls) are the course's while it runs, whatever
        # the learner's names are bound to: calling them breaks no rule.
        breaks = rule_breaks(
            node, lambda n: _MISSING if n in spec.calls else resolve(n), banned=spec.banned, forbidden=ex.forbidden
        )
        rules = rules_verdict(spec, breaks, lambda line: line_text(node, line))
    elif hasattr(fn, "__code__"):
        # No source (exec'd code): the globals its code names still tell a forbidden package.
        first = fn.__code__.co_firstlineno
        breaks = [
            (first, name, _package(obj))
            for name in sorted(_global_names(fn.__code__))
            if name not in spec.calls and (obj := resolve(name)) is not _MISSING and _package(obj) in ex.forbidden
        ]
        rules = rules_verdict(spec, breaks, lambda line: "")
    cases = public_cases(spec)
    # Only the learner's calls run under the rules: the judges use the reference freely.
    with standing_in(fn, {d: reference(d) for d in spec.calls}) as replaced, banning(spec.banned):
        runs = [_run_case(fn, spec, case) for case in cases]
    if any(outcomes[0].status == "not_implemented" for outcomes in runs):
        return CheckResult(name, message="not implemented yet (replace the `raise NotImplementedError` with your code)")
    result = CheckResult(
        name,
        [
            CaseReport(case.label, run_judge(spec, case, outcomes, rules))
            for case, outcomes in zip(cases, runs, strict=True)
        ],
    )
    for dep, mine in replaced.items() if with_notes else ():
        if node is not None and not uses_name(node, dep):
            continue
        dep_ex, dep_spec = find_function(dep)
        sub = _check(mine, dep, dep_ex, dep_spec, with_notes=False)
        if not sub.passed:
            how = (
                sub.message.split(" (")[0]
                if sub.message
                else f"{sub.n_passed} of {len(sub.cases)} of its public cases pass"
            )
            result.notes.append(
                f"{name} calls your {dep}, which does not pass check({dep}) ({how}). {name} "
                f"was checked with the course's {dep} in its place: fix {dep} first"
            )
    return result


def _run_case(fn, spec, case: Case) -> list:
    """The outcomes of a case's graded calls, up to the first that fails, then of its probes."""
    outcomes = []
    for call in case.calls[: case.graded]:
        o = call_once(fn, call, spec.outputs, spec.returns)
        outcomes.append(o)
        if o.status != "ok":
            return outcomes
    return outcomes + [call_once(fn, call, spec.outputs, spec.returns) for call in case.calls[case.graded :]]
