"""Exercise checks for the notebooks and the autograder behind ``lstm-course grade``.

In a notebook: ``from lstm_lib.grading import check`` and then ``check(sigmoid)``.
"""

from .checking import CheckResult, check

__all__ = ["check", "CheckResult"]
