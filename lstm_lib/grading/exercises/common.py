"""Judging shared by the exercises: one verdict per case, elementwise functions, rules."""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..cases import Case, Outcome, Verdict
from ..judging import (
    close,
    close_mask,
    compare_array,
    failed,
    modified_verdict,
    runtime_warnings,
    shape_str,
)
from .spec import COMMON_ERROR_HINTS, FunctionSpec, reference


def merge(first: Verdict, second: Verdict) -> Verdict:
    """Both verdicts' problems; the first one's diagnosis wins where it has one."""
    problems = first.problems + [p for p in second.problems if p not in first.problems]
    return Verdict(first.passed and second.passed, problems, first.hint or second.hint, first.where or second.where)


def run_judge(fspec: FunctionSpec, case: Case, outcomes: list[Outcome], rules: Verdict | None = None) -> Verdict:
    """The verdict on one case: what failed to run, what was modified, the judge's comparison.

    ``rules`` is the verdict of the function's source against the exercise's
    rules (what it may not use): when it failed, every case fails with it.
    """
    graded = outcomes[: case.graded]
    rule_texts = tuple(dict.fromkeys(fspec.banned.values()))
    v = failed(fspec.name, graded, fspec.error_hints + tuple((t, t) for t in rule_texts) + COMMON_ERROR_HINTS)
    if v is None:
        try:
            v = fspec.judge(case, outcomes)
        except Exception as err:  # noqa: BLE001 - outputs are untrusted, a judge must not crash
            v = Verdict(False, [f"the outputs could not be compared: {type(err).__name__}: {err}"])
        m = modified_verdict(fspec.name, graded, fspec.params)
        if m is not None:
            v = merge(m, v) if v.passed else merge(v, m)
    if rules is not None and not rules.passed:
        # A call blocked for the rule the source already breaks says nothing more.
        blocked = any(o.status == "blocked" and any(t in o.error for t in rule_texts) for o in graded)
        v = rules if blocked else merge(rules, v)
    return v


def rules_verdict(fspec: FunctionSpec, breaks, line_of: Callable[[int], str]) -> Verdict | None:
    """A failing verdict for each line where the source uses what the exercise forbids."""
    if not breaks:
        return None
    problems = []
    for line, text, rule in breaks:
        code = line_of(line)
        if rule not in fspec.banned and text.split(".")[0] != rule:
            text += f" (from {rule})"
        problems.append(
            f"{fspec.name} uses {text} on line {line}"
            + (f" ({code})" if code else "")
            + ", which this exercise does not allow"
        )
    # The function's own rule (no np.tanh in tanh) says more than "NumPy alone".
    line, _, rule = next((b for b in breaks if b[2] in fspec.banned), breaks[0])
    hint = fspec.banned.get(rule) or (
        f"this exercise is written with NumPy alone: {rule} is not available to it (the grader blocks it)"
        if rule == "torch"
        else f"{rule} is not available to this exercise (the grader blocks it): it asks you to write "
        "this function yourself"
    )
    code = line_of(line)
    return Verdict(False, problems, hint, f"line {line} of {fspec.name}" + (f": {code}" if code else ""))


def sigmoid64(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def elementwise_judge(fname: str, variants: Callable, advice: dict) -> Callable:
    """A judge for a function applied elementwise, with ``variants(x64)`` giving
    (likely mistake, wrong result) pairs and ``advice`` the function's own words
    for "overflow", "both_branches" (optional), "dtype" and "shape"."""

    def judge(case: Case, outcomes: list[Outcome]) -> Verdict:
        x = case.calls[0].args[0]
        want = np.asarray(reference(fname)(x.copy()))
        got = outcomes[0].outputs["y"]
        problems = compare_array("the result", got, want)
        warns = runtime_warnings(outcomes[: case.graded])
        # The text forbids overflow; NumPy's other warnings only help the diagnosis.
        overflows = [w for w in warns if "overflow" in w]
        if overflows:
            problems.append(f"NumPy warned while {fname} ran: {overflows[0]}")
        if not problems:
            return Verdict(True)
        hint, where = _elementwise_diagnosis(fname, x, got, want, warns, variants, advice)
        return Verdict(False, problems, hint, where)

    return judge


def _elementwise_diagnosis(fname, x, got, want, warns, variants, advice):
    if got.shape != want.shape:
        return advice["shape"].format(shape=shape_str(want.shape)), None
    finite_lost = (np.isfinite(want) & ~np.isfinite(got.astype(np.float64))).any()
    values_right = close(got, want)
    # A known mistake explains wrong values better than the overflow it may also cause.
    if not values_right:
        x64 = x.astype(np.float64)
        for text, alt in variants(x64):
            with np.errstate(all="ignore"):
                if close(got, np.asarray(alt, dtype=np.float64), dtype=want.dtype):
                    return text, None
    overflow = any("overflow" in w for w in warns)
    if overflow or (finite_lost and not warns):
        if values_right and "both_branches" in advice and any("invalid" in w for w in warns):
            return advice["both_branches"], None
        return advice["overflow"], None
    if warns and values_right and "both_branches" in advice:
        return advice["both_branches"], None
    if values_right:  # only the dtype is off
        return advice["dtype"].format(got=got.dtype, want=want.dtype), None
    return None, _elementwise_where(fname, x.astype(np.float64), got, want)


def _elementwise_where(fname, x, got, want) -> str:
    """Which inputs give wrong values, when no known mistake matches."""
    bad = ~close_mask(got, want)
    neg, pos, big = x < 0, x > 0, np.abs(x) > 30
    if bad[big].any() and not bad[~big].any():
        return (
            f"the values for large |x| (above 30); for smaller |x| {fname} is right, so "
            "look at what happens to exp or to 1 + ... when |x| is large"
        )
    if bad[neg].any() and not bad[~neg].any():
        return f"the values for x < 0; for x >= 0 {fname} is right"
    if bad[pos].any() and not bad[~pos].any():
        return f"the values for x > 0; for x <= 0 {fname} is right"
    if bad[x == 0].any() and not bad[x != 0].any():
        return f"the value at x = 0; everywhere else {fname} is right"
    k = tuple(np.argwhere(bad)[0])
    return (
        f"the formula itself, for x < 0 and x > 0 alike: at x = {x[k]:.4g} {fname} gives "
        f"{float(got[k]):.4g}, expected {float(want[k]):.4g}"
    )


# ---------------------------------------------------------------- one LSTM step (exercises 3 and 11)

# Errors of a step's code whose message tells the mistake: the two matrix products, the
# split into four gates, and the parameter dict's keys.
STEP_MATMUL_HINT = (
    "mismatch in its core dimension",
    "a matrix product has mismatched shapes: x (B, D) @ weight_ih.T (D, 4H) and h_prev (B, H) "
    "@ weight_hh.T (H, 4H); the weights are stored (4H, D) and (4H, H), so each needs its .T",
)
STEP_SPLIT_HINT = (
    "array split does not result in an equal division",
    "split the (B, 4H) pre-activation into the four gates along axis 1: np.split(a, 4, axis=1)",
)
STEP_KEY_HINT = ("KeyError", "params has PyTorch's keys: weight_ih, weight_hh, bias_ih, bias_hh")


def step_shape_verdict(problems, h, c, h_ref, c_ref) -> Verdict:
    """The failing verdict of a step whose h or c has the wrong shape, with its likely reason."""
    B, H = h_ref.shape
    if h.shape == (H, B) or c.shape == (H, B):
        hint = "h and c have shape (H, B); they should be (B, H): x is (B, D), one row per example"
    elif h.shape == (H,) or c.shape == (H,):
        hint = (
            "h and c lost the batch axis (np.squeeze, or [0]): with B = 1 they are still (1, H); keep every array 2-d"
        )
    elif h.shape == (B, 4 * H) or c.shape == (B, 4 * H):
        hint = (
            "the (B, 4H) pre-activation holds the four gates side by side: split it into four "
            "(B, H) blocks, np.split(a, 4, axis=1)"
        )
    else:
        hint = f"h and c are (B, H) = {shape_str((B, H))}"
    return Verdict(False, problems, hint, "the shape of h" if h.shape != h_ref.shape else "the shape of c")
