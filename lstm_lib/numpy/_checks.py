"""Input validation shared by the NumPy layers.

Every public function checks its arguments here so that a mistake produces a
message that names the argument, the expected shape in B/T/D/H terms and the
shape that was given, instead of a broadcasting error ten lines deeper.
"""

from __future__ import annotations

import numpy as np

PARAM_KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def as_float_array(name: str, a) -> np.ndarray:
    """``a`` as a floating-point array; integers and bools become float64.

    Raises ValueError for anything that is not numeric (strings, objects, complex).
    """
    try:
        arr = np.asarray(a)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a numeric array, could not convert it: {err}") from None
    if arr.dtype.kind == "f":
        return arr
    if arr.dtype.kind in "iub":
        return arr.astype(np.float64)
    raise ValueError(
        f"{name} must be a real floating-point array (float32 or float64), got dtype {arr.dtype}"
    )


def shape_str(dims) -> str:
    """A shape as Python prints a tuple: (3, 4), (4,), ()."""
    dims = tuple(dims)
    return "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def check_shape(name: str, arr: np.ndarray, names: tuple[str, ...], sizes: dict) -> None:
    """Check ``arr.shape`` against symbolic ``names`` such as ("B", "T", "D").

    ``sizes`` maps the symbols that are already known to their value; the ones
    not in it are filled from ``arr`` (so the first argument fixes B and T).
    """
    expected = shape_str(names)
    known = ", ".join(f"{k}={sizes[k]}" for k in names if k in sizes)
    where = f" with {known}" if known else ""
    if arr.ndim != len(names):
        raise ValueError(
            f"{name} must have shape {expected}{where} ({len(names)} dimensions), "
            f"got shape {arr.shape} ({arr.ndim} dimensions)"
        )
    for k, n in zip(names, arr.shape, strict=True):
        if k in sizes and sizes[k] != n:
            raise ValueError(f"{name} must have shape {expected}{where}, got shape {arr.shape}")
        sizes.setdefault(k, n)


def check_lstm_params(params, name: str = "params") -> tuple[int, int, dict]:
    """Validate an LSTM parameter dict; return (D, H, arrays)."""
    if not isinstance(params, dict):
        raise ValueError(
            f"{name} must be a dict with keys {', '.join(PARAM_KEYS)}, got {type(params).__name__}"
        )
    missing = [k for k in PARAM_KEYS if k not in params]
    if missing:
        raise ValueError(
            f"{name} is missing {', '.join(repr(k) for k in missing)}; "
            f"expected keys {', '.join(PARAM_KEYS)}"
        )
    p = {k: as_float_array(f"{name}['{k}']", params[k]) for k in PARAM_KEYS}
    whh = p["weight_hh"]
    if whh.ndim != 2 or whh.shape[0] != 4 * whh.shape[1]:
        raise ValueError(
            f"{name}['weight_hh'] must have shape (4H, H) (gates i, f, g, o stacked), "
            f"got shape {whh.shape}"
        )
    H = whh.shape[1]
    sizes = {"4H": 4 * H}
    check_shape(f"{name}['weight_ih']", p["weight_ih"], ("4H", "D"), sizes)
    D = sizes["D"]
    check_shape(f"{name}['bias_ih']", p["bias_ih"], ("4H",), sizes)
    check_shape(f"{name}['bias_hh']", p["bias_hh"], ("4H",), sizes)
    return D, H, p


def result_dtype(*arrays) -> np.dtype:
    """The floating dtype of a computation on ``arrays`` (float32 stays float32)."""
    dt = np.result_type(*arrays)
    return dt if dt.kind == "f" else np.dtype(np.float64)
