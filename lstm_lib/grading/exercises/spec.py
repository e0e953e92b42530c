"""What an exercise module declares: its graded functions and how each is judged."""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..cases import Case, Verdict, freeze

PUBLIC_SEED = 20240917

# The NumPy exercises forbid the reference implementation and torch: importing
# either (directly, through importlib, or by reading their files) fails in the
# sandbox. ``lstm_lib.grading`` itself is never available there; ``check``
# imports in the notebooks are dropped by the parser.
NUMPY_FORBIDDEN = ("lstm_lib", "torch")

# Errors whose message tells the mistake, whatever the function (text in the message, hint).
COMMON_ERROR_HINTS = (
    (
        "only length-1 arrays can be converted",
        "math functions (math.exp, math.tanh, ...) take one number; NumPy's (np.exp, ...) work "
        "elementwise on whole arrays",
    ),
    (
        "only 0-dimensional arrays can be converted",
        "math functions (math.exp, math.tanh, ...) take one number; NumPy's (np.exp, ...) work "
        "elementwise on whole arrays",
    ),
    (
        "The truth value of an array with more than one element is ambiguous",
        "an if on an array: choose elementwise with np.where(condition, a, b) instead",
    ),
)


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    signature: str  # as the exercise states it, e.g. "sigmoid(x)"
    returns: str  # the expected return value, for messages
    points: float
    outputs: tuple  # ((name, path), ...): see outputs.extract
    make_cases: Callable[[np.random.Generator], list]
    judge: Callable[[Case, list], Verdict]
    # Graded functions this one may call: while it is graded, the reference stands in for them.
    calls: tuple[str, ...] = ()
    # Dotted names it may not use ("numpy.tanh"), each with the sentence that says so.
    banned: dict = field(default_factory=dict, hash=False)
    # (text in an error's message, the likely mistake), tried before COMMON_ERROR_HINTS.
    error_hints: tuple = ()

    @property
    def params(self) -> tuple[str, ...]:
        """The parameter names of the signature, in order."""
        tree = ast.parse(f"def {self.signature}: pass")
        a = tree.body[0].args
        return tuple(p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs))


@dataclass(frozen=True)
class ExerciseSpec:
    key: str  # the notebook's stem, e.g. "02_gates_and_memory_cell"
    title: str
    functions: tuple
    forbidden: tuple = NUMPY_FORBIDDEN
    # Packages the sandbox holds for this exercise beside numpy (with what each needs to
    # import: sandbox.policy.REQUIRES), e.g. ("torch",).
    packages: tuple = ()
    # Limits this exercise needs at least, whatever the grader was given (the exercise's
    # text states them): e.g. {"timeout_s": 90.0, "memory_mb": 4096} for PyTorch training.
    limits: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def max_score(self) -> float:
        return float(sum(f.points for f in self.functions))

    def limits_for(self, limits):
        """``limits`` (a ``sandbox.Limits``) raised to what this exercise needs: each of
        its ``limits`` is a floor, so an instructor's larger value stays."""
        if not self.limits:
            return limits
        return dataclasses.replace(limits, **{k: max(getattr(limits, k), v) for k, v in self.limits.items()})


def reference(name: str):
    """The reference implementation of ``name`` (imported only in trusted processes):
    ``lstm_lib.numpy``'s, else that of the data and training modules (``make_windows``,
    ``loss_and_grads``), else ``lstm_lib.numpy.optim``'s (``adam_step``), else that of
    the PyTorch modules (``numpy_to_state_dict``, ``train_and_predict``)."""
    for module in (
        "lstm_lib.numpy",
        "lstm_lib.data",
        "lstm_lib.train",
        "lstm_lib.numpy.optim",
        "lstm_lib.torch.interop",
        "lstm_lib.torch.classify",
        "lstm_lib.baselines",
        "lstm_lib.classics",
    ):
        found = getattr(importlib.import_module(module), name, None)
        if found is not None:
            return found
    raise AttributeError(f"the course has no reference named {name!r}")


def _stable(text: str) -> int:
    return zlib.crc32(text.encode())


@functools.lru_cache(maxsize=None)
def _drawn(fspec: FunctionSpec, seed: tuple) -> tuple:
    cases = tuple(fspec.make_cases(np.random.default_rng(list(seed))))
    for case in cases:
        for call in case.calls:
            freeze((call.args, call.kwargs))
    return cases


def public_cases(fspec: FunctionSpec) -> list:
    """The cases ``check`` runs: always the same, from a fixed seed."""
    return list(_drawn(fspec, (PUBLIC_SEED, _stable(fspec.name))))


def hidden_cases(fspec: FunctionSpec, seed: int) -> list:
    """The cases of a grading run: drawn once from the run's seed, the same for every
    submission, and never the public ones (a different seed stream)."""
    return list(_drawn(fspec, (int(seed), _stable(fspec.name), 1)))


def draw_seed(rng) -> int:
    """A seed for an ``Rng`` marker, from the case generator's stream."""
    return int(rng.integers(2**31 - 1))
