"""Comparisons, in the grader's (or the learner's) own process, with plain arithmetic.

Nothing here calls ``np.allclose`` or ``np.testing``: a submission that
monkeypatches those in its kernel must not change what ``check`` reports.
"""

from __future__ import annotations

import re

import numpy as np

from ..numpy._checks import shape_str
from .cases import Outcome, Verdict


def tolerances(dtype) -> tuple[float, float]:
    """(rtol, atol) for comparing results computed in ``dtype``."""
    if np.dtype(dtype) == np.float64:
        return 1e-6, 1e-8
    return 1e-4, 1e-5


def close_mask(got: np.ndarray, want: np.ndarray, dtype=None) -> np.ndarray:
    """Entrywise: within tolerance, or the same inf/nan. Shapes must match."""
    rtol, atol = tolerances(want.dtype if dtype is None else dtype)
    g, w = got.astype(np.float64), want.astype(np.float64)
    same_nonfinite = (g == w) | (np.isnan(g) & np.isnan(w))
    with np.errstate(invalid="ignore", over="ignore"):
        return same_nonfinite | (np.abs(g - w) <= atol + rtol * np.abs(w))


def close(got: np.ndarray, want: np.ndarray, dtype=None) -> bool:
    """Same shape and every entry within tolerance (nan only where ``want`` has nan)."""
    if got.shape != want.shape or got.dtype.kind not in "biuf":
        return False
    return bool(close_mask(got, want, dtype).all())


def compare_array(name: str, got: np.ndarray, want: np.ndarray) -> list[str]:
    """What differs between ``got`` and ``want``, as sentences; empty when they agree."""
    if got.shape != want.shape:
        msg = f"{name} has shape {shape_str(got.shape)}, expected {shape_str(want.shape)}"
        if got.size == want.size and close(got.reshape(want.shape), want):
            msg += " (the values are right, the shape is not)"
        return [msg]
    problems = []
    if got.dtype != want.dtype:
        problems.append(f"{name} has dtype {got.dtype}, expected {want.dtype}")
    rtol, atol = tolerances(want.dtype)
    g, w = got.astype(np.float64), want.astype(np.float64)
    finite_w = np.isfinite(w)
    bad_nonfinite = finite_w & ~np.isfinite(g)
    if bad_nonfinite.any():
        idx = tuple(int(i) for i in np.argwhere(bad_nonfinite)[0])
        kinds = "nan" if np.isnan(g[bad_nonfinite]).all() else "nan/inf"
        problems.append(
            f"{name} has {int(bad_nonfinite.sum())} {kinds} value(s) where finite "
            f"values are expected (first at index {idx})"
        )
    both = finite_w & np.isfinite(g)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.where(both, np.abs(g - w), 0.0)
        bad = both & (err > atol + rtol * np.abs(w))
    if bad.any():
        idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(err)), err.shape))
        nz = both & (w != 0)
        with np.errstate(over="ignore"):
            rel = float(np.max(err[nz] / np.abs(w[nz]))) if nz.any() else float("inf")
        problems.append(
            f"{name} differs in {int(bad.sum())} of {w.size} entries: "
            f"max abs error {float(err.max()):.3g} (at index {idx}), "
            f"max rel error {rel:.3g}"
        )
    return problems


def outcome_problem(fname: str, outcome: Outcome) -> str | None:
    """The sentence for a call that did not return usable outputs; None when it did."""
    s = outcome.status
    if s == "ok":
        return None
    if s == "not_implemented":
        return f"{fname} is not implemented yet (it raises NotImplementedError)"
    where = f"\n{outcome.detail}" if outcome.detail else ""
    if s == "error":
        return f"{fname} raised {outcome.error}{where}"
    if s == "blocked":
        return f"{fname} did something the grader does not allow: {outcome.error}{where}"
    if s in ("bad_return", "bad_output"):
        return f"{fname}: {outcome.error}"
    if s == "crashed":
        return f"the sandbox process ended while {fname} ran: {outcome.error}"
    if s == "timeout":
        return f"{fname} did not finish in time ({outcome.error}); is there an infinite loop?"
    if s == "not_run":
        return f"not run: {outcome.error}"
    if s == "missing":
        return outcome.error
    return f"{fname}: {s} {outcome.error}"


_FRAME = re.compile(r"line (\d+), in ([\w<>.]+)(?:: (.*))?$")


def error_line(outcome: Outcome) -> str | None:
    """Where in the learner's code a call raised: "line 3 of sigmoid: return ...", from its traceback."""
    lines = [ln for ln in outcome.detail.splitlines() if ln.strip()]
    m = _FRAME.search(lines[-1]) if lines else None
    if not m:
        return None
    lineno, func, code = m.groups()
    return f"line {lineno} of {func}" + (f": {code.strip()}" if code else "")


def failed(fname: str, outcomes, error_hints=()) -> Verdict | None:
    """A failing verdict when any call has no outputs; None when all calls returned.

    ``error_hints`` are (text, hint) pairs: an error whose message contains
    ``text`` gets ``hint`` as its likely mistake.
    """
    for o in outcomes:
        msg = outcome_problem(fname, o)
        if msg is None:
            continue
        hint = None
        if o.status in ("error", "blocked", "bad_return"):
            hint = next((h for text, h in error_hints if text in o.error), None)
        where = error_line(o) if o.status in ("error", "blocked") else None
        return Verdict(False, [msg], hint, where)
    return None


def runtime_warnings(outcomes) -> list[str]:
    """NumPy's warnings (overflow, invalid value, divide by zero) while the calls ran."""
    return [w for o in outcomes for w in o.warnings if "RuntimeWarning" in w]


_ARG_PATH = re.compile(r"^args\[(\d+)\]|^kwargs\[['\"](\w+)['\"]\]")


def argument_name(path: str, params: tuple[str, ...]) -> str:
    """``args[3]['bias_ih']`` as the learner names it: ``params['bias_ih']``."""
    m = _ARG_PATH.match(path)
    if not m:
        return path
    if m.group(1) is not None:
        k = int(m.group(1))
        name = params[k] if k < len(params) else f"argument {k + 1}"
    else:
        name = m.group(2)
    return name + path[m.end() :]


def modified_verdict(fname: str, outcomes, params: tuple[str, ...]) -> Verdict | None:
    """A failing verdict when a call changed its arguments in place."""
    paths = list(dict.fromkeys(p for o in outcomes for p in getattr(o, "modified", ()) or ()))
    if not paths:
        return None
    names = [argument_name(p, params) for p in paths]
    shown = ", ".join(names)
    first = names[0]
    return Verdict(
        False,
        [f"{fname} changed its input {shown} in place; the exercise says inputs must not be modified"],
        f"{fname} writes into {names[0]} ({first} *= ..., {first} += ..., "
        f"{first}[...] = ... or out={first} all change the caller's array): compute "
        f"new arrays instead, e.g. y = {first} * 2 rather than {first} *= 2",
    )
