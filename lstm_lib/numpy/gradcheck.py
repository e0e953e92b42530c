"""Gradient checking: an analytic gradient against centred finite differences.

    df/dp ~ (f(p + eps) - f(p - eps)) / (2 eps)

has an error of order eps^2 (plus rounding of order 1e-16 / eps), so in
float64 with eps = 1e-6 a correct backward pass agrees to about 1e-8
relative or better, and a wrong one is off by far more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .optim import _leaves, _name


@dataclass
class GradCheckResult:
    """Max relative error per checked array, and where it occurred."""

    errors: dict = field(default_factory=dict)  # name -> max relative error
    worst: dict = field(default_factory=dict)  # name -> (index, analytic, numeric)

    @property
    def max_error(self) -> float:
        return max(self.errors.values(), default=0.0)

    def passed(self, tol: float = 1e-6) -> bool:
        return self.max_error <= tol

    def __str__(self):
        lines = [f"{'array':24s} {'max rel. error':>14s}   worst at (analytic vs numeric)"]
        for name, err in self.errors.items():
            idx, a, n = self.worst[name]
            lines.append(f"{name:24s} {err:14.2e}   {idx}: {a:.6e} vs {n:.6e}")
        return "\n".join(lines)


def grad_check(f, arrays, grads, *, eps=1e-6, num_checks=None, rng=None, floor=1e-12):
    """Compare ``grads`` with centred finite differences of ``f``.

    Args:
        f: a function of no arguments returning the scalar loss, computed from
            the arrays in ``arrays`` (which grad_check perturbs in place and restores).
        arrays: dict (or nest of dicts/lists) of the float arrays to check: the
            parameters, and inputs such as x or h0 if you want them checked too.
        grads: the analytic gradients, same structure as ``arrays``.
        eps: the finite-difference step.
        num_checks: check this many random entries of each array (None: all).
        rng: a numpy Generator or seed for choosing the entries.
        floor: denominators below this count as this (so that two tiny
            gradients count as agreeing).

    Returns:
        a ``GradCheckResult``: ``.errors`` maps each array's name to the max
        relative error |a - n| / max(|a|, |n|, floor) over the checked entries.
    """
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    g = dict(_leaves(grads))
    result = GradCheckResult()
    for path, a in _leaves(arrays):
        name = _name(path).replace("[", "").replace("]", " ").strip().replace("'", "")
        if not isinstance(a, np.ndarray) or a.dtype.kind != "f":
            raise ValueError(f"arrays[{name}] must be a floating-point numpy array, got {type(a).__name__}")
        if path not in g or np.shape(g[path]) != a.shape:
            raise ValueError(f"grads[{name}] must exist and have the shape {a.shape} of the array it belongs to")
        analytic = np.asarray(g[path], dtype=np.float64).reshape(-1)
        flat = a.reshape(-1)  # a view: a must be contiguous so that perturbing flat perturbs a
        if not np.shares_memory(flat, a):
            raise ValueError(f"arrays[{name}] must be contiguous so that it can be perturbed in place")
        n = flat.size
        idx = np.arange(n) if num_checks is None or num_checks >= n else gen.choice(n, num_checks, replace=False)
        worst, worst_at = 0.0, (None, 0.0, 0.0)
        for j in idx:
            old = flat[j]
            flat[j] = old + eps
            fp = float(f())
            flat[j] = old - eps
            fm = float(f())
            flat[j] = old
            num = (fp - fm) / (2 * eps)
            an = float(analytic[j])
            err = abs(an - num) / max(abs(an), abs(num), floor)
            if err >= worst:
                worst, worst_at = err, (np.unravel_index(j, a.shape), an, num)
        result.errors[name] = worst
        where = tuple(int(i) for i in worst_at[0]) if worst_at[0] is not None else ()
        result.worst[name] = (where, worst_at[1], worst_at[2])
    return result
