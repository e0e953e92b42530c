"""Speed of the fast bidirectional layer over padded sequences against the reference, as ratios.

Usage:
    python benchmarks/bench_sequences.py [--rounds N] [--shapes BxTxDxH ...] [--seed S]

For each shape, a batch of B sequences with lengths drawn from T/4 to T
(one of length T), padded to T: ``fast.bilstm_forward`` + ``fast.bilstm_backward``
and ``bilstm_forward`` + ``bilstm_backward`` (the reference, sequences.py)
run in alternation, in rounds, float64, at one thread (threadpoolctl holds
BLAS to one thread, so that a shared machine's load and BLAS threads that spin
after a call do not pick the winner), timed in CPU seconds of the process.
Printed per shape: each one's median time, and the reference's time over the fast one's per round, as median and
range (min .. max) over the rounds. The default shapes are JapaneseVowels'
(B=64 T=29 D=12 H=32) and a larger one (B=64 T=100 D=32 H=128).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lstm_lib.numpy import bilstm_backward, bilstm_forward, fast, init_lstm_params  # noqa: E402

SHAPES = [(64, 29, 12, 32), (64, 100, 32, 128)]  # (B, T, D, H)


def problem(B, T, D, H, seed):
    """Inputs, right-padded mask, both directions' parameters and an incoming gradient for one shape."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(max(1, T // 4), T + 1, B)
    lengths[0] = T
    mask = np.arange(T)[None, :] < lengths[:, None]
    pf, pb = init_lstm_params(D, H, rng=rng), init_lstm_params(D, H, rng=rng)
    x, dhs = rng.standard_normal((B, T, D)), rng.standard_normal((B, T, 2 * H))
    return x, mask, pf, pb, dhs


def forward_backward(forward, backward, x, mask, pf, pb, dhs):
    """CPU seconds of this process for one forward and backward pass of a bidirectional layer.

    CPU time, not wall time: at one thread they are the same on an idle
    machine, and on a shared one CPU time leaves out the time spent waiting
    for a core.
    """
    start = time.process_time()
    _, _, cache = forward(x, mask, pf, pb)
    backward(dhs, cache)
    return time.process_time() - start


def measure(shape, rounds, seed):
    """(median seconds of the reference, median seconds of the fast path, per-round ratios reference / fast)."""
    args = problem(*shape, seed)
    impls = {"reference": (bilstm_forward, bilstm_backward), "fast": (fast.bilstm_forward, fast.bilstm_backward)}
    for f, b in impls.values():  # warm up: imports, the fast path's workspace
        forward_backward(f, b, *args)
    times = {name: [] for name in impls}
    for r in range(rounds):
        order = list(impls) if r % 2 == 0 else list(impls)[::-1]  # alternate who runs first
        for name in order:
            times[name].append(forward_backward(*impls[name], *args))
    ratios = [ref / max(fst, 1e-9) for ref, fst in zip(times["reference"], times["fast"], strict=True)]
    return statistics.median(times["reference"]), statistics.median(times["fast"]), ratios


def parse_shape(text):
    try:
        B, T, D, H = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a shape is B x T x D x H, e.g. 64x29x12x32, got {text!r}") from None
    if min(B, T, D, H) < 1:
        raise argparse.ArgumentTypeError(f"every size must be at least 1, got {text!r}")
    return B, T, D, H


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="alternating rounds per shape (default 15)")
    parser.add_argument("--shapes", type=parse_shape, nargs="+", default=SHAPES, help="shapes BxTxDxH")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    print("bidirectional layer over padded sequences, forward + backward, float64, one thread, CPU time")
    print(f"{'B x T x D x H':>18s} {'reference ms':>13s} {'fast ms':>9s} {'ratio median':>13s} {'(min .. max)':>16s}")
    with threadpool_limits(limits=1):
        for shape in args.shapes:
            ref, fst, ratios = measure(shape, args.rounds, args.seed)
            label = " x ".join(str(v) for v in shape)
            print(
                f"{label:>18s} {ref * 1e3:13.2f} {fst * 1e3:9.2f} {statistics.median(ratios):13.2f} "
                f"({min(ratios):6.2f} .. {max(ratios):5.2f})"
            )


if __name__ == "__main__":
    main()
