"""Speed of lstm_lib's LSTMs against torch.nn.LSTM, as ratios measured in one run.

Usage: python benchmarks/bench_lstm.py [--repeats N] [--quick] [--shapes BxTxDxH ...]

For each shape, every implementation runs interleaved with the reference
(torch.nn.LSTM with the same weights), in rounds, and the median time of each
is reported with its ratio to the reference (< 1 means faster than nn.LSTM).

Timings are taken at one thread for everyone (torch.set_num_threads(1) and
threadpoolctl for NumPy's BLAS): on a shared two-core machine, two-thread
timings swing with host load, and BLAS threads that keep spinning after a
call slow down whatever runs next. Two-thread ratios are printed beside them.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lstm_lib.numpy import fast, init_lstm_params, lstm_backward, lstm_forward  # noqa: E402

SHAPES = [(64, 100, 32, 128), (1, 1000, 8, 64)]  # (B, T, D, H)


def numpy_candidate(B, T, D, H, params, dtype, forward_fn, backward_fn):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((B, T, D)).astype(dtype)
    p = {k: v.astype(dtype) for k, v in params.items()}
    dhs = np.ones((B, T, H), dtype)  # d(sum of outputs)/d(hs)

    def forward():
        forward_fn(x, None, None, p)

    def forward_backward():
        _, _, cache = forward_fn(x, None, None, p)
        backward_fn(dhs, cache)

    return forward, forward_backward


def candidates(B, T, D, H, device, dtype_name):
    """{name: (forward, forward_backward)}, the reference 'nn.LSTM' included when torch is there."""
    params = init_lstm_params(D, H, rng=np.random.default_rng(0))
    out = {}
    try:
        import torch
        import torch_runners  # benchmarks/torch_runners.py: nn.LSTM and lstm_lib.torch

        dtype = getattr(torch, dtype_name)
        out.update(torch_runners.torch_candidates(B, T, D, H, device=device, dtype=dtype, params=params))
    except ImportError as err:
        print(f"  (torch runners unavailable: {err})")
    if device == "cpu":
        dt = np.dtype(dtype_name)
        out["lstm_lib.numpy.fast"] = numpy_candidate(B, T, D, H, params, dt, fast.lstm_forward, fast.lstm_backward)
        out["lstm_lib.numpy (reference)"] = numpy_candidate(B, T, D, H, params, dt, lstm_forward, lstm_backward)
    return out


def measure(fns: dict, repeats: int) -> dict:
    """Median seconds per call of each function, run interleaved round by round, in a shuffled order."""
    times = {name: [] for name in fns}
    for fn in fns.values():  # warm-up
        fn()
    # As timeit does: no garbage collection inside a timed call, so that one
    # implementation does not pay for the objects that another one left.
    gc.collect()
    gc.disable()
    try:
        order = list(fns.items())
        shuffle = random.Random(0).shuffle
        for _ in range(repeats):
            shuffle(order)  # what runs just before a call affects it (caches, allocator): vary it
            for name, fn in order:
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
            gc.collect()
    finally:
        gc.enable()
    return {name: statistics.median(ts) for name, ts in times.items()}


def run(device: str, threads: int, repeats: int, shapes=SHAPES, dtype_name: str = "float32") -> dict:
    from threadpoolctl import threadpool_limits

    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:
        pass
    results = {}
    with threadpool_limits(limits=threads):
        for B, T, D, H in shapes:
            cands = candidates(B, T, D, H, device, dtype_name)
            fwd = measure({n: c[0] for n, c in cands.items()}, repeats)
            both = measure({n: c[1] for n, c in cands.items()}, repeats)
            results[(B, T, D, H)] = (fwd, both)
    return results


def report(title, results):
    print(f"\n## {title}")
    for (B, T, D, H), (fwd, both) in results.items():
        print(f"\nB={B} T={T} D={D} H={H}")
        print(f"  {'implementation':32s} {'forward ms':>11s} {'ratio':>6s} {'fwd+bwd ms':>11s} {'ratio':>6s}")
        ref_f, ref_b = fwd.get("nn.LSTM"), both.get("nn.LSTM")
        for name in fwd:
            rf = f"{fwd[name] / ref_f:6.2f}" if ref_f else "   n/a"
            rb = f"{both[name] / ref_b:6.2f}" if ref_b else "   n/a"
            print(f"  {name:32s} {fwd[name] * 1e3:11.2f} {rf} {both[name] * 1e3:11.2f} {rb}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--quick", action="store_true", help="3 repeats, for a smoke test")
    ap.add_argument("--shapes", nargs="+", metavar="BxTxDxH",
                    help="shapes to measure instead of " + " ".join("x".join(map(str, s)) for s in SHAPES))
    args = ap.parse_args(argv)
    repeats = 3 if args.quick else args.repeats
    shapes = [tuple(int(n) for n in s.split("x")) for s in args.shapes] if args.shapes else SHAPES
    if any(len(s) != 4 or min(s) < 1 for s in shapes):
        ap.error("--shapes takes B x T x D x H with positive integers, e.g. 64x100x32x128")
    print("ratio = time / torch.nn.LSTM's time in the same run (< 1: faster than nn.LSTM); float32; "
          f"median of {repeats} interleaved rounds")
    report("CPU, one thread (the figures to compare)", run("cpu", 1, repeats, shapes))
    report("CPU, two threads (swing with host load)", run("cpu", 2, repeats, shapes))
    try:
        import torch

        if torch.cuda.is_available():
            report(f"CUDA: {torch.cuda.get_device_name()}", run("cuda", 1, repeats, shapes))
    except ImportError:
        pass


if __name__ == "__main__":
    main()
