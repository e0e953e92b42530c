"""Turn what a learner's function returned into named plain arrays.

Used in two places: by ``check`` in the learner's kernel, and by the sandbox
child (``_child.py``), which loads this file by path before the learner's code
runs. So it imports nothing but numpy and the standard library, and nothing
from ``lstm_lib``.
"""

from __future__ import annotations

import numpy as np


class BadReturn(Exception):
    """The function returned something that is not what the exercise asks for."""


def describe(value) -> str:
    """A short description of a value for feedback: type, and shape/dtype for arrays."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {tuple(value.shape)} and dtype {value.dtype}"
    if value is None:
        return "None"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of length {len(value)}"
    if isinstance(value, dict):
        keys = ", ".join(repr(k) for k in list(value)[:8])
        return f"a dict with keys {keys}" if keys else "an empty dict"
    return f"a {type(value).__module__}.{type(value).__qualname__}".replace("builtins.", "")


def to_array(value, what: str) -> np.ndarray:
    """``value`` as a numeric ndarray; raises BadReturn for anything else."""
    if isinstance(value, np.ndarray):
        arr = value
    elif isinstance(value, (bool, int, float, np.generic, list, tuple)):
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError) as err:
            raise BadReturn(f"{what} is {describe(value)}, not a numeric array ({err})") from None
    else:
        raise BadReturn(f"{what} is {describe(value)}, expected a NumPy array")
    if arr.dtype.kind not in "biuf":
        raise BadReturn(f"{what} has dtype {arr.dtype}, expected a real floating-point array")
    return arr


def extract(ret, paths, returns: str) -> dict:
    """Pick the graded outputs out of a return value.

    ``paths`` is a sequence of ``(name, path)`` where ``path`` is a tuple of
    tuple indices (ints) and dict keys (strs), e.g. ``(("h", (0,)), ("c", (1,)))``
    for ``(h, c, cache)``. ``returns`` describes the expected return value, for
    the message when it does not fit.
    """
    out = {}
    for name, path in paths:
        value = ret
        for step in path:
            if isinstance(step, int):
                if not isinstance(value, (tuple, list)) or len(value) <= step:
                    raise BadReturn(f"it returned {describe(ret)}; expected {returns}")
                value = value[step]
            else:
                if not isinstance(value, dict):
                    raise BadReturn(f"it returned {describe(ret)}; expected {returns}")
                if step not in value:
                    raise BadReturn(f"it returned {describe(ret)}, without the key {step!r}; "
                                    f"expected {returns}")
                value = value[step]
        out[name] = to_array(value, name if path else "the result")
    return out
