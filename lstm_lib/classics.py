"""The pass criteria of the classic LSTM experiments, as the papers state them.

- :func:`adding_correct`: the adding problem (Hochreiter and Schmidhuber, 1997,
  experiment 4) counts a sequence as processed correctly when the absolute error
  of the output at its end is below 0.04.
- :func:`reber_correct`: on the embedded Reber grammar, and on its continual
  stream (Gers, Schmidhuber and Cummins, 2000), a prediction is correct when the
  symbols the network rates above 0.5 are exactly those the grammar allows next.

Both return one bool per sequence (or per step), so that a chapter reports the
fraction of correct ones, and the graded exercise compares them elementwise.
"""

from __future__ import annotations

import numpy as np

from .numpy._checks import as_float_array, shape_str
from .tasks import ADDING_TOLERANCE

REBER_THRESHOLD = 0.5  # an output above this marks a symbol as predicted


def _column(name: str, a) -> np.ndarray:
    """``a`` of shape (N,) or (N, 1) as a float (N,) array."""
    a = as_float_array(name, a)
    if a.ndim == 2 and a.shape[1] == 1:
        return a[:, 0]
    if a.ndim != 1:
        raise ValueError(f"{name} must have shape (N,) or (N, 1), got shape {shape_str(a.shape)}")
    return a


def adding_correct(pred, target, tol=ADDING_TOLERANCE):
    """Which sequences of the adding problem are processed correctly.

    A sequence is correct when ``|pred - target| < tol`` (strictly below: an error
    of exactly ``tol`` is not correct), the criterion of Hochreiter and
    Schmidhuber (1997) with ``tol`` = 0.04. A nan prediction is never correct.

    Args:
        pred: the network's output at each sequence's end, (N,) or (N, 1).
        target: the targets, (N,) or (N, 1) (either shape with either of pred's).
        tol: the largest absolute error that does not count, > 0 (default 0.04).

    Returns:
        (N,) bool array, True where the sequence is correct.
    """
    pred, target = _column("pred", pred), _column("target", target)
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target must hold one value per sequence each, got N={pred.shape[0]} "
            f"(pred) and N={target.shape[0]} (target)"
        )
    tol = float(tol)
    if not tol > 0:
        raise ValueError(f"tol must be a positive number, got {tol!r}")
    with np.errstate(invalid="ignore"):
        return np.abs(pred - target) < tol


def reber_correct(outputs, allowed):
    """Which next-symbol predictions on the (embedded) Reber grammar are correct.

    The prediction at step t is correct when the set of symbols with
    ``outputs[t] > 0.5`` (strictly) is the set where ``allowed[t] == 1``: every
    allowed symbol above 0.5 and every other symbol at or below it. A symbol
    rated above 0.5 that the grammar does not allow makes the step wrong as much
    as an allowed symbol left out.

    Args:
        outputs: the network's outputs (after the sigmoid), (N, 7), one column per
            symbol in the order of ``lstm_lib.tasks.REBER_SYMBOLS`` (any number of
            symbols works, as long as both arrays agree).
        allowed: 1 where the grammar allows the symbol next, 0 elsewhere, (N, 7),
            as ``lstm_lib.tasks.reber_stream`` gives it (bools are taken too).

    Returns:
        (N,) bool array, True where the step's prediction is correct.
    """
    outputs = as_float_array("outputs", outputs)
    allowed = as_float_array("allowed", allowed)
    if outputs.ndim != 2:
        raise ValueError(
            f"outputs must have shape (N, 7) (one column per symbol), got shape {shape_str(outputs.shape)}"
        )
    if allowed.shape != outputs.shape:
        raise ValueError(
            f"allowed must have the shape of outputs, {shape_str(outputs.shape)}, got shape {shape_str(allowed.shape)}"
        )
    if not np.all((allowed == 0) | (allowed == 1)):
        raise ValueError("allowed must hold only 0s and 1s (1 where the grammar allows the symbol next)")
    with np.errstate(invalid="ignore"):
        predicted = outputs > REBER_THRESHOLD
    return np.all(predicted == (allowed == 1), axis=1)


__all__ = ["adding_correct", "reber_correct", "REBER_THRESHOLD"]
