"""A corpus of plausible mistakes in the graded functions, as a learner would write them.

Each mistake is the cell a learner wrote, and the words that a right diagnosis
contains: a likely mistake that names it, or the part of the computation where
it is. ``held_out`` marks the ones that no known-mistake pattern of the judges
describes, which only the "the error is in ..." localisation can diagnose.
``needs`` names what the sandbox must support for ``grade`` to catch it.
"""

from __future__ import annotations

import linecache
from dataclasses import dataclass

IMPORTS = "import numpy as np"


@dataclass(frozen=True)
class Mistake:
    function: str
    name: str
    cells: tuple[str, ...]  # the learner's cells after the given ones (imports, context)
    expect: tuple[str, ...]  # a right diagnosis contains one of these
    held_out: bool = False
    needs: tuple[str, ...] = ()  # sandbox features grade needs for it: "modified"

    @property
    def id(self) -> str:
        return f"{self.function}-{self.name}"


def mistake(function, name, *cells, expect, held_out=False, needs=()) -> Mistake:
    expect = (expect,) if isinstance(expect, str) else tuple(expect)
    return Mistake(function, name, tuple(cells), expect, held_out, tuple(needs))


def define(*cells: str, label: str = "cell") -> dict:
    """Run cells in a fresh namespace, as a kernel does: the functions keep their source."""
    ns = {"__name__": "__main__"}
    for k, code in enumerate(cells, 1):
        filename = f"<{label} {k}>"
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        exec(compile(code, filename, "exec"), ns)
    return ns


def diagnoses(report: str) -> list[str]:
    """The diagnosis lines of a report, in order."""
    return [
        line.strip() for line in report.splitlines() if line.strip().startswith(("likely mistake:", "the error is in"))
    ]


def right_diagnosis(m: Mistake, report: str) -> bool:
    """Whether the first diagnosis a learner reads names the mistake or where it is."""
    found = diagnoses(report)
    return bool(found) and any(e.lower() in found[0].lower() for e in m.expect)


def corpus() -> list[Mistake]:
    from . import (
        adam_step,
        adding_correct,
        bilstm_forward,
        classifier_loss,
        clip_gradients,
        dense_backward,
        dense_forward,
        gradient_norms,
        init_lstm_params,
        lstm_backward,
        lstm_cell_backward,
        lstm_cell_forward,
        lstm_forward,
        make_windows,
        masked_lstm_forward,
        mse_loss,
        ngram_bits_per_char,
        numpy_to_state_dict,
        reber_correct,
        relative_error,
        relu_backward,
        relu_forward,
        rnn_forward,
        rnn_step_forward,
        seasonal_naive_forecast,
        sigmoid,
        softmax_cross_entropy,
        softmax_with_temperature,
        tanh,
        train,
        variant_cell_forward,
    )

    return [
        *rnn_step_forward.MISTAKES,
        *rnn_forward.MISTAKES,
        *gradient_norms.MISTAKES,
        *sigmoid.MISTAKES,
        *tanh.MISTAKES,
        *init_lstm_params.MISTAKES,
        *lstm_cell_forward.MISTAKES,
        *lstm_forward.MISTAKES,
        *dense_forward.MISTAKES,
        *dense_backward.MISTAKES,
        *relu_forward.MISTAKES,
        *relu_backward.MISTAKES,
        *mse_loss.MISTAKES,
        *softmax_cross_entropy.MISTAKES,
        *lstm_cell_backward.MISTAKES,
        *lstm_backward.MISTAKES,
        *relative_error.MISTAKES,
        *clip_gradients.MISTAKES,
        *adam_step.MISTAKES,
        *make_windows.MISTAKES,
        *train.MISTAKES,
        *masked_lstm_forward.MISTAKES,
        *bilstm_forward.MISTAKES,
        *classifier_loss.MISTAKES,
        *numpy_to_state_dict.MISTAKES,
        *variant_cell_forward.MISTAKES,
        *adding_correct.MISTAKES,
        *reber_correct.MISTAKES,
        *ngram_bits_per_char.MISTAKES,
        *softmax_with_temperature.MISTAKES,
        *seasonal_naive_forecast.MISTAKES,
    ]
