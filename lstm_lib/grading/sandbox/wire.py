"""The wire: how values cross between the grader and the sandbox, written once for both.

The child loads this file from its own folder, and ``check`` uses ``extract``
in the learner's kernel, so it imports numpy and the standard library only.

* Host to child, before the start: ``job.json`` and ``in/aN.npy``. A value is
  JSON, where arrays are ``{"t": "array", "i": N}`` (the N-th .npy file) and
  ``encode``'s other tags keep tuples, float and NumPy scalars apart.
* Child to host, during the run: messages on a pipe. A message is a JSON
  header frame followed by ``header["arrays"]`` frames of .npy bytes; a frame
  is an 8-byte big-endian length and that many bytes. The host answers a
  stand-in's question (``{"event": "oracle"}``) on a second pipe, in the same
  format.

Nothing is ever unpickled, and whatever comes from the sandbox is checked here
(sizes before reading, plain numeric dtypes, JSON of the known shapes only)
before the grader uses it.
"""

from __future__ import annotations

import collections
import io
import json
import os
import struct

import numpy as np

MAX_HEADER_BYTES = 2**20
MAX_ARRAYS = 4096  # in one message
MAX_DEPTH = 32  # of nested containers in a value


class WireError(ValueError):
    """A message or a value that is not in the wire format."""


class BadReturn(Exception):
    """The function returned something that is not what the exercise asks for."""


# ------------------------------------------------------------------ values


def encode(value, arrays: list, marker=None):
    """``value`` as JSON, its arrays appended to ``arrays``; TypeError for anything else.

    ``marker(value)`` may turn a value of the caller's own types into a tagged
    dict (the host's ``Rng`` and ``DType``); it returns None for the others.
    """
    tagged = marker(value) if marker else None
    if tagged is not None:
        return tagged
    if isinstance(value, np.ndarray):
        arrays.append(value)
        return {"t": "array", "i": len(arrays) - 1}
    if isinstance(value, np.generic):
        arrays.append(np.asarray(value))
        return {"t": "scalar", "i": len(arrays) - 1}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("only dicts with str keys can cross the wire")
        return {"t": "dict", "items": {k: encode(v, arrays, marker) for k, v in value.items()}}
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):  # a NamedTuple: a cache
        return {
            "t": "namedtuple",
            "name": type(value).__name__,
            "fields": list(value._fields),
            "items": [encode(v, arrays, marker) for v in value],
        }
    if isinstance(value, (list, tuple)):
        return {
            "t": "list" if isinstance(value, list) else "tuple",
            "items": [encode(v, arrays, marker) for v in value],
        }
    if isinstance(value, float):
        return {"t": "float", "value": value}  # JSON would read 1.0 back as 1
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise TypeError(
        f"a {type(value).__name__} cannot cross the wire (arrays, numbers, str, "
        "None and dicts, lists and tuples of them only)"
    )


def decode(obj, arrays: list, markers: dict | None = None, _depth: int = 0):
    """The value ``encode`` made; WireError for anything else. ``markers`` maps a tag to a
    function of the tagged dict (the child's ``rng`` and ``dtype``)."""
    if _depth > MAX_DEPTH:
        raise WireError("the value is nested too deeply")
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if not isinstance(obj, dict):
        raise WireError(f"unexpected {type(obj).__name__} in a value")
    t = obj.get("t")
    if t in ("array", "scalar"):
        i = obj.get("i")
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(arrays):
            raise WireError("an array index out of range")
        return arrays[i][()] if t == "scalar" else arrays[i]
    if t == "float" and isinstance(obj.get("value"), (int, float)):
        return float(obj["value"])
    items = obj.get("items")
    if t == "dict" and isinstance(items, dict):
        return {str(k): decode(v, arrays, markers, _depth + 1) for k, v in items.items()}
    if t in ("list", "tuple", "namedtuple") and isinstance(items, list):
        seq = [decode(v, arrays, markers, _depth + 1) for v in items]
        if t == "namedtuple":
            return _namedtuple(obj.get("name"), obj.get("fields"), len(seq))(*seq)
        return seq if t == "list" else tuple(seq)
    if markers and t in markers:
        return markers[t](obj)
    raise WireError(f"unknown value tag {str(t)[:40]!r}")


def _namedtuple(name, fields, n: int):
    """A NamedTuple class of that name and fields (checked: identifiers only, n of them)."""
    if (
        not isinstance(name, str)
        or not isinstance(fields, list)
        or len(fields) != n
        or not all(isinstance(f, str) for f in fields)
    ):
        raise WireError("a named tuple without a valid name and fields")
    try:
        return collections.namedtuple(name, fields)
    except (ValueError, TypeError) as err:
        raise WireError(f"a named tuple that cannot be made ({err})") from None


def array_paths(args, kwargs) -> list:
    """``(path, array)`` for every array in a call's arguments, e.g. ``args[3]['weight_ih']``."""
    found = []

    def walk(value, path, depth):
        if isinstance(value, np.ndarray):
            found.append((path, value))
        elif depth < MAX_DEPTH and isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}[{k!r}]", depth + 1)
        elif depth < MAX_DEPTH and isinstance(value, (list, tuple)):
            for k, v in enumerate(value):
                walk(v, f"{path}[{k}]", depth + 1)

    walk(tuple(args), "args", 0)
    for k, v in dict(kwargs).items():
        walk(v, f"kwargs[{k!r}]", 1)
    return found


# ------------------------------------------------------------------ arrays


def npy_bytes(arr: np.ndarray) -> bytes:
    f = io.BytesIO()
    # ascontiguousarray would make a 0-d array (a returned float) 1-d; 0-d is contiguous already.
    arr = arr if arr.flags.c_contiguous else np.ascontiguousarray(arr)
    np.lib.format.write_array(f, arr, allow_pickle=False)
    return f.getvalue()


def load_npy(data: bytes, max_elements: int) -> np.ndarray:
    """A plain numeric array from .npy bytes; WireError if they are anything else."""
    f = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise WireError(f"unsupported .npy version {version}")
    except (ValueError, TypeError, SyntaxError) as err:  # what numpy's header parser raises
        raise WireError(f"not an .npy array ({err})") from None
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise WireError(f"dtype {dtype} is not a plain numeric type")
    if any(d < 0 for d in shape):
        raise WireError(f"shape {shape} is not a shape")
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if count > max_elements:
        raise WireError(f"shape {shape} is too large")
    body = data[f.tell() :]
    if len(body) != count * dtype.itemsize:
        raise WireError("the array's size does not match its header")
    arr = np.frombuffer(body, dtype=dtype, count=count)
    return np.array(arr.reshape(shape, order="F" if fortran else "C"))  # a writeable copy


# ------------------------------------------------------------------ messages


def write_message(fd: int, header: dict, arrays=()) -> None:
    """Send one message on ``fd``: the JSON header, then each array as .npy bytes."""
    frames = [json.dumps({**header, "arrays": len(arrays)}).encode()]
    frames += [npy_bytes(a) for a in arrays]
    data = b"".join(struct.pack(">Q", len(f)) + f for f in frames)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def read_message(read_exact, max_frame: int) -> tuple[dict, list]:
    """One message: (header, the raw bytes of its arrays). ``read_exact(n)`` returns n bytes
    or raises EOFError. WireError when what arrives is not a message."""
    data = _frame(read_exact, MAX_HEADER_BYTES, at_start=True)
    try:
        header = json.loads(data)
    except (ValueError, RecursionError) as err:
        raise WireError(f"a message header that is not JSON ({type(err).__name__})") from None
    if not isinstance(header, dict):
        raise WireError("a message header that is not a JSON object")
    n = header.get("arrays")
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_ARRAYS:
        raise WireError("a message header without a valid array count")
    return header, [_frame(read_exact, max_frame) for _ in range(n)]


def _frame(read_exact, cap: int, at_start: bool = False) -> bytes:
    try:
        (size,) = struct.unpack(">Q", read_exact(8))
    except EOFError:
        if at_start:
            raise
        raise WireError("the message ended early") from None
    if size > cap:
        raise WireError(f"a frame of {size} bytes, more than {cap}")
    try:
        return read_exact(size)
    except EOFError:
        raise WireError("the message ended early") from None


def reader(fd: int):
    """``read_exact`` for a pipe's file descriptor."""

    def read_exact(n: int) -> bytes:
        chunks, left = [], n
        while left:
            chunk = os.read(fd, min(left, 2**20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    return read_exact


# ------------------------------------------------------------------ return values


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


def is_tensor(value) -> bool:
    """Whether ``value`` is a torch tensor (told without importing torch)."""
    return any(c.__module__ == "torch" and c.__name__ == "Tensor" for c in type(value).__mro__)


def to_array(value, what: str) -> np.ndarray:
    """``value`` as a numeric ndarray; raises BadReturn for anything else.

    A torch tensor becomes the array of its values, on the CPU, in the same
    dtype (a float32 tensor gives a float32 array).
    """
    if is_tensor(value):
        try:
            value = value.detach().cpu().numpy()
        except Exception as err:  # noqa: BLE001 - bfloat16, a sparse tensor, ...
            raise BadReturn(
                f"{what} is a tensor of dtype {value.dtype} that has no NumPy "
                f"equivalent ({type(err).__name__}: {str(err)[:200]})"
            ) from None
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


EVERY_ITEM = "**"  # the last step of a path: every item of a dict, each its own output


def extract(ret, paths, returns: str) -> dict:
    """Pick the graded outputs out of a return value.

    ``paths`` is a sequence of ``(name, path)`` where ``path`` is a tuple of
    tuple indices (ints) and dict keys (strs), e.g. ``(("h", (0,)), ("c", (1,)))``
    for ``(h, c, cache)``. ``returns`` describes the expected return value, for
    the message when it does not fit.

    A path that ends with ``EVERY_ITEM`` picks a dict whose keys are not known in
    advance (a state_dict): each item becomes the output ``name[key]``, in the
    dict's order, and ``name.tensor`` is a bool array that says, item by item,
    which values were torch tensors.
    """
    out = {}
    for name, path in paths:
        if path and path[-1] == EVERY_ITEM:
            value = _walk(ret, path[:-1], returns)
            if not isinstance(value, dict):
                raise BadReturn(f"{'it' if len(path) == 1 else name} is {describe(value)}; expected {returns}")
            if not all(isinstance(k, str) for k in value):
                raise BadReturn(f"{name} has keys that are not str; expected {returns}")
            for key, item in value.items():
                out[f"{name}[{key}]"] = to_array(item, f"{name}[{key!r}]")
            out[f"{name}.tensor"] = np.array([is_tensor(v) for v in value.values()], dtype=bool)
            continue
        out[name] = to_array(_walk(ret, path, returns), name if path else "the result")
    return out


def _walk(ret, path, returns: str):
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
                raise BadReturn(f"it returned {describe(ret)}, without the key {step!r}; expected {returns}")
            value = value[step]
    return value
