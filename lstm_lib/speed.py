"""Timing LSTM implementations fairly: the code behind the book's speed tables and ``benchmarks/bench_lstm.py``.

Three pieces, each usable alone:

- :func:`threads` holds NumPy's BLAS and PyTorch to ``n`` threads inside a
  ``with`` block, and restores both after it;
- :func:`measure` times zero-argument functions *interleaved*: in each round
  every function runs once (or ``number`` times in a row), in a shuffled
  order, with the garbage collector off while the clock runs, as ``timeit``
  does; the result is the median per call over the rounds. A slow moment of a
  shared machine then falls on every function alike, and the median ignores
  the odd slow round;
- :func:`lstm_runners` prepares one LSTM layer's forward pass, and its forward
  and backward pass, for every implementation of the course on the same
  weights and the same input: the NumPy reference (``lstm_forward`` /
  ``lstm_backward``), the NumPy fast path (``lstm_lib.numpy.fast``),
  ``lstm_lib.torch.LSTM`` (the hand-written backward of
  ``LSTMLayerFunction``) and ``torch.nn.LSTM`` (oneDNN or ATen on a CPU,
  cuDNN on a GPU).

The loss of every forward and backward pass is the sum of all hidden states,
so the gradient that reaches every :math:`h_t` is a block of ones; each pass
computes the gradients of the input and of every parameter.

Why one thread: on a small shared machine, two-thread timings swing with
whatever else runs, and BLAS threads that keep spinning after a call slow
down the next one. Ratios measured in the same run, at one thread, are the
figures that travel from machine to machine.
"""

from __future__ import annotations

import contextlib
import gc
import random
import statistics
import time
from typing import Callable, NamedTuple

import numpy as np

from .numpy import fast as _fast
from .numpy import init_lstm_params, lstm_backward, lstm_forward

__all__ = ["Runner", "IMPLEMENTATIONS", "threads", "measure", "lstm_runners"]

#: The implementations :func:`lstm_runners` knows, in the order of the book's table.
IMPLEMENTATIONS = ("lstm_lib.numpy (reference)", "lstm_lib.numpy.fast", "lstm_lib.torch", "nn.LSTM")
_NUMPY = IMPLEMENTATIONS[:2]
_TORCH = IMPLEMENTATIONS[2:]


class Runner(NamedTuple):
    """One implementation, ready to time: two zero-argument functions.

    ``forward()`` runs the forward pass without keeping anything for a
    backward pass and returns the hidden states, (B, T, H); ``forward_backward()``
    runs the forward and backward pass and returns the gradients as a dict
    ``{"x": (B, T, D), "weight_ih": (4H, D), "weight_hh": (4H, H),
    "bias_ih": (4H,), "bias_hh": (4H,)}`` (NumPy arrays or tensors, as the
    implementation computes them: converting them would be timed too).
    """

    forward: Callable[[], object]
    forward_backward: Callable[[], dict]


@contextlib.contextmanager
def threads(n: int):
    """Hold NumPy's BLAS (threadpoolctl) and PyTorch (if installed) to ``n`` threads inside the block."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive number of threads, got {n!r}")
    from threadpoolctl import threadpool_limits

    try:
        import torch
    except ImportError:
        torch = None
    before = torch.get_num_threads() if torch is not None else None
    with threadpool_limits(limits=n):
        if torch is not None:
            torch.set_num_threads(n)
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(before)


def measure(fns: dict, rounds: int = 7, number: int = 1) -> dict:
    """Median seconds per call of each function in ``fns``, timed interleaved.

    Args:
        fns: ``{name: function}``, each function called without arguments.
        rounds: how many times each function is timed; the median of these is returned.
        number: calls in a row per round (for very short functions); the time
            of a round is divided by it.

    Each function is called once first, untimed (a warm-up: caches, lazy
    initialisation, the allocator). Then, in every round, the functions run
    in a new shuffled order (fixed by a seed, so that two runs time alike),
    because what runs just before a call affects it. The garbage collector
    is off while the clock runs, so that one function does not pay for the
    objects another left; it runs between rounds, over the objects made
    since the timing began (``gc.freeze`` sets the older ones aside).

    Returns:
        ``{name: median seconds per call}``, in the order of ``fns``.
    """
    if not isinstance(fns, dict) or not fns:
        raise ValueError(f"fns must be a non-empty dict of name: function, got {fns!r}")
    for name, value in (("rounds", rounds), ("number", number)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    for name, fn in fns.items():
        if not callable(fn):
            raise TypeError(f"fns[{name!r}] must be a function of no arguments, got {type(fn).__name__}")
    times = {name: [] for name in fns}
    for fn in fns.values():
        fn()
    order = list(fns.items())
    shuffle = random.Random(0).shuffle
    was_enabled = gc.isenabled()
    gc.collect()
    # Everything alive now moves out of the collector's sight until unfreeze, so that the
    # collection between rounds looks only at what the rounds made: in a session that has
    # imported large libraries, a full collection takes a good part of a second.
    gc.freeze()
    gc.disable()
    try:
        for _ in range(rounds):
            shuffle(order)
            for name, fn in order:
                start = time.perf_counter()
                for _ in range(number):
                    fn()
                times[name].append((time.perf_counter() - start) / number)
            gc.collect()
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()
    return {name: statistics.median(ts) for name, ts in times.items()}


def _numpy_runner(forward_fn, backward_fn, x, params, dhs):
    def forward():
        return forward_fn(x, None, None, params)[0]

    def forward_backward():
        _, _, cache = forward_fn(x, None, None, params)
        dx, _, _, grads = backward_fn(dhs, cache)
        return {"x": dx, **grads}

    return Runner(forward, forward_backward)


def _torch_runner(module, x):
    import torch

    sync = torch.cuda.synchronize if x.device.type == "cuda" else (lambda: None)
    names = ["x", *(name[: -len("_l0")] for name, _ in module.named_parameters())]
    leaves = [x, *module.parameters()]

    def forward():
        with torch.no_grad():
            out, _ = module(x)
        sync()  # a GPU works asynchronously: wait for it, or the clock measures only the launches
        return out

    def forward_backward():
        out, _ = module(x)
        grads = torch.autograd.grad(out.sum(), leaves)
        sync()
        return dict(zip(names, grads, strict=True))

    return Runner(forward, forward_backward)


def lstm_runners(B: int, T: int, D: int, H: int, *, device="cpu", dtype="float32", seed: int = 0, include=None) -> dict:
    """Every implementation of one LSTM layer, ready to time on the same problem.

    Args:
        B, T, D, H: batch size, steps, input features, hidden features.
        device: ``"cpu"`` or ``"cuda"`` (or a ``torch.device``). The NumPy
            implementations run on the CPU only and are left out on a GPU.
        dtype: ``"float32"`` or ``"float64"`` (a NumPy or torch dtype works too).
        seed: the weights (``init_lstm_params``) and the input (standard normal)
            are drawn from ``numpy.random.default_rng(seed)``.
        include: the names to prepare (a subset of :data:`IMPLEMENTATIONS`);
            None for all that the device allows. The torch ones need PyTorch.

    Returns:
        ``{name: Runner}`` in the order of :data:`IMPLEMENTATIONS`. The torch
        modules are built with ``batch_first=True`` and loaded with the NumPy
        weights, so every runner computes the same function of the same input.
    """
    for name, n in (("B", B), ("T", T), ("D", D), ("H", H)):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"{name} must be a positive integer, got {n!r}")
    if str(dtype).startswith("torch."):
        dtype_name = str(dtype).removeprefix("torch.")
    else:
        try:
            dtype_name = np.dtype(dtype).name
        except TypeError:
            dtype_name = None
    if dtype_name not in ("float32", "float64"):
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    device_type = getattr(device, "type", str(device).split(":")[0])
    if device_type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    wanted = list(IMPLEMENTATIONS) if include is None else list(include)
    unknown = [name for name in wanted if name not in IMPLEMENTATIONS]
    if unknown:
        raise ValueError(f"unknown implementation(s) {unknown}; choose from {list(IMPLEMENTATIONS)}")
    if device_type != "cpu":
        if include is not None and any(name in _NUMPY for name in wanted):
            raise ValueError(f"the NumPy implementations run on the CPU only, not on {device!r}")
        wanted = [name for name in wanted if name not in _NUMPY]

    rng = np.random.default_rng(seed)
    params = {key: value.astype(dtype_name) for key, value in init_lstm_params(D, H, rng=rng).items()}
    x = rng.standard_normal((B, T, D)).astype(dtype_name)
    runners = {}
    if "lstm_lib.numpy (reference)" in wanted or "lstm_lib.numpy.fast" in wanted:
        dhs = np.ones((B, T, H), dtype_name)  # d(sum of all h_t) / d(h_t)
        pairs = {
            "lstm_lib.numpy (reference)": (lstm_forward, lstm_backward),
            "lstm_lib.numpy.fast": (_fast.lstm_forward, _fast.lstm_backward),
        }
        for name, (fwd, bwd) in pairs.items():
            if name in wanted:
                runners[name] = _numpy_runner(fwd, bwd, x, params, dhs)
    if any(name in _TORCH for name in wanted):
        import torch

        import lstm_lib.torch as lt

        x_torch = torch.from_numpy(x).to(device).requires_grad_(True)
        for name, cls in (("lstm_lib.torch", lt.LSTM), ("nn.LSTM", torch.nn.LSTM)):
            if name in wanted:
                module = cls(D, H, batch_first=True).to(device=device, dtype=getattr(torch, dtype_name))
                lt.load_numpy_params(module, [params])
                runners[name] = _torch_runner(module, x_torch)
    return {name: runners[name] for name in IMPLEMENTATIONS if name in runners}
