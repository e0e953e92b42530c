"""Comparisons, in the grader's (or the learner's) own process, with plain arithmetic.

Nothing here calls ``np.allclose`` or ``np.testing``: a submission that
monkeypatches those in its kernel must not change what ``check`` reports.
"""

from __future__ import annotations

import numpy as np

from ..numpy._checks import shape_str
from .cases import Outcome, Verdict


def tolerances(dtype) -> tuple[float, float]:
    """(rtol, atol) for comparing results computed in ``dtype``."""
    if np.dtype(dtype) == np.float64:
        return 1e-6, 1e-8
    return 1e-4, 1e-5


def close(got: np.ndarray, want: np.ndarray, dtype=None) -> bool:
    """Same shape and every entry within tolerance (nan only where ``want`` has nan)."""
    if got.shape != want.shape or got.dtype.kind not in "biuf":
        return False
    rtol, atol = tolerances(want.dtype if dtype is None else dtype)
    g, w = got.astype(np.float64), want.astype(np.float64)
    same_nonfinite = (g == w) | (np.isnan(g) & np.isnan(w))
    with np.errstate(invalid="ignore", over="ignore"):
        ok = same_nonfinite | (np.abs(g - w) <= atol + rtol * np.abs(w))
    return bool(ok.all())


def compare_array(name: str, got: np.ndarray, want: np.ndarray, *, check_dtype=True) -> list[str]:
    """What differs between ``got`` and ``want``, as sentences; empty when they agree."""
    if got.shape != want.shape:
        msg = f"{name} has shape {shape_str(got.shape)}, expected {shape_str(want.shape)}"
        if got.size == want.size and close(got.reshape(want.shape), want):
            msg += " (the values are right, the shape is not)"
        return [msg]
    problems = []
    if check_dtype and got.dtype != want.dtype:
        problems.append(f"{name} has dtype {got.dtype}, expected {want.dtype}")
    rtol, atol = tolerances(want.dtype)
    g, w = got.astype(np.float64), want.astype(np.float64)
    finite_w = np.isfinite(w)
    bad_nonfinite = finite_w & ~np.isfinite(g)
    if bad_nonfinite.any():
        idx = tuple(int(i) for i in np.argwhere(bad_nonfinite)[0])
        kinds = "nan" if np.isnan(g[bad_nonfinite]).all() else "nan/inf"
        problems.append(f"{name} has {int(bad_nonfinite.sum())} {kinds} value(s) where finite "
                        f"values are expected (first at index {idx})")
    both = finite_w & np.isfinite(g)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.where(both, np.abs(g - w), 0.0)
        bad = both & (err > atol + rtol * np.abs(w))
    if bad.any():
        idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(err)), err.shape))
        nz = both & (w != 0)
        with np.errstate(over="ignore"):
            rel = float(np.max(err[nz] / np.abs(w[nz]))) if nz.any() else float("inf")
        problems.append(f"{name} differs in {int(bad.sum())} of {w.size} entries: "
                        f"max abs error {float(err.max()):.3g} (at index {idx}), "
                        f"max rel error {rel:.3g}")
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


def failed(fname: str, outcomes) -> Verdict | None:
    """A failing verdict when any call has no outputs; None when all calls returned."""
    for o in outcomes:
        msg = outcome_problem(fname, o)
        if msg is not None:
            return Verdict(False, [msg])
    return None


def overflow_warnings(outcomes) -> list[str]:
    return [w for o in outcomes for w in o.warnings if "RuntimeWarning" in w]
