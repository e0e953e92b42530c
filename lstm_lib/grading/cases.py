"""The vocabulary of grading: a case, the calls it makes, what a call produced, a verdict.

A case's arguments are plain values only (arrays, numbers, strings, None, and
dicts/lists/tuples of them) plus two markers, ``Rng(seed)`` and ``DType(name)``,
which become a ``numpy.random.Generator`` and a NumPy scalar type at the moment
of the call. That keeps every input serialisable without pickle, so the same
case runs in the learner's kernel (``check``) and in the sandbox (``grade``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np


class Rng(NamedTuple):
    """Stands for ``numpy.random.default_rng(seed)`` in a call's arguments."""

    seed: int


class DType(NamedTuple):
    """Stands for the NumPy scalar type ``name`` (e.g. ``np.float32``) in a call's arguments."""

    name: str


def materialize(value):
    """The real argument for a plain value: markers become objects, arrays are copied."""
    if isinstance(value, Rng):
        return np.random.default_rng(value.seed)
    if isinstance(value, DType):
        return np.dtype(value.name).type
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: materialize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [materialize(v) for v in value]
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):  # a cache keeps its type
        return type(value)(*(materialize(v) for v in value))
    if isinstance(value, tuple):
        return tuple(materialize(v) for v in value)
    return value


def freeze(value):
    """``value`` with every array in it read-only, returned.

    A run draws its hidden cases once and every submission is graded on them, so
    nothing may change them; ``materialize`` hands each call its own copies.
    """
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif isinstance(value, dict):
        for v in value.values():
            freeze(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            freeze(v)
    return value


def describe_arg(value) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array {tuple(value.shape)}"
    if isinstance(value, Rng):
        return f"default_rng({value.seed})"
    if isinstance(value, DType):
        return f"np.{value.name}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {describe_arg(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):
        return f"a {type(value).__name__}"
    return repr(value)


@dataclass(frozen=True)
class Call:
    """One call of the graded function: ``fn(*args, **kwargs)``."""

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def text(self, fname: str) -> str:
        parts = [describe_arg(a) for a in self.args]
        parts += [f"{k}={describe_arg(v)}" for k, v in self.kwargs.items()]
        return f"{fname}({', '.join(parts)})"


@dataclass(frozen=True)
class Case:
    """A named test: one or more calls, judged together (``kind`` picks the judgement).

    The last ``len(probes)`` calls are not graded: they rerun the function with
    parts of the input zeroed (``probes`` names each part), so that a wrong
    result can be traced to the term that makes it wrong.
    """

    label: str
    calls: tuple[Call, ...]
    kind: str = "values"
    probes: tuple[str, ...] = ()

    @property
    def graded(self) -> int:
        """How many of the calls, from the first, the case is graded on."""
        return len(self.calls) - len(self.probes)


# What one call produced. ``status`` is one of:
#   ok               outputs holds the named arrays
#   not_implemented  the function still raises NotImplementedError
#   error            it raised (error: "ValueError: ...")
#   blocked          it did something the sandbox forbids (error says what)
#   bad_return       it returned something else than the exercise asks for
#   bad_output       the sandbox sent back output that does not validate
#   crashed          the sandbox process ended during the call (os._exit, signal)
#   timeout          the time limit ran out during the call
#   not_run          an earlier call ended the sandbox, so this one never ran
#   missing          the notebook does not define the function


@dataclass
class Outcome:
    status: str
    outputs: dict | None = None
    error: str = ""
    warnings: tuple[str, ...] = ()
    detail: str = ""  # a short traceback of the learner's code, when there is one
    modified: tuple[str, ...] = ()  # arguments the call changed in place, e.g. "args[0]"


@dataclass
class Verdict:
    """What a case found: ``hint`` names the likely mistake; where none is known,
    ``where`` says which part of the computation is wrong."""

    passed: bool
    problems: list[str] = field(default_factory=list)
    hint: str | None = None
    where: str | None = None
