"""Speed of lstm_lib's LSTMs against torch.nn.LSTM, as ratios measured in one run.

Usage:
    python benchmarks/bench_lstm.py [--repeats N] [--quick] [--shapes BxTxDxH ...]
    python benchmarks/bench_lstm.py --gpu-ratio [--target 2] [--repeats N]

For each shape, every implementation runs interleaved with the reference
(torch.nn.LSTM with the same weights), in rounds, and the median time of each
is reported with its ratio to the reference (< 1 means faster than nn.LSTM).

Timings are taken at one thread for everyone (torch.set_num_threads(1) and
threadpoolctl for NumPy's BLAS): on a shared two-core machine, two-thread
timings swing with host load, and BLAS threads that keep spinning after a
call slow down whatever runs next. Two-thread ratios are printed beside them.

``--gpu-ratio`` measures one figure on a CUDA GPU: lstm_lib.torch's time over
cuDNN's torch.nn.LSTM, forward and backward, float32, at B=64 T=100 D=32
H=128, prints it against ``--target`` and exits with 1 when it is missed
(2 without a GPU). The timing code is the book's, ``lstm_lib.speed``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lstm_lib.speed import IMPLEMENTATIONS, lstm_runners, measure, threads  # noqa: E402

SHAPES = [(64, 100, 32, 128), (1, 1000, 8, 64)]  # (B, T, D, H)
GPU_SHAPE = (64, 100, 32, 128)


def _torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def run(device: str, n_threads: int, repeats: int, shapes=SHAPES, dtype_name: str = "float32") -> dict:
    """{shape: (forward medians, forward+backward medians)}, each {implementation: seconds}."""
    include = None if _torch_available() else [n for n in IMPLEMENTATIONS if n.startswith("lstm_lib.numpy")]
    if include is not None:
        print("  (torch is not installed: NumPy implementations only, no ratios)")
    results = {}
    with threads(n_threads):
        for B, T, D, H in shapes:
            runners = lstm_runners(B, T, D, H, device=device, dtype=dtype_name, include=include)
            fwd = measure({name: r.forward for name, r in runners.items()}, rounds=repeats)
            both = measure({name: r.forward_backward for name, r in runners.items()}, rounds=repeats)
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


def gpu_ratio(repeats: int, target: float) -> int:
    """Print lstm_lib.torch / cuDNN nn.LSTM on the GPU at GPU_SHAPE; 0 if within target, 1 if not, 2 if no GPU."""
    try:
        import torch
    except ImportError:
        print("GPU ratio: not measured, torch is not installed")
        return 2
    if not torch.cuda.is_available():
        print("GPU ratio: not measured, no CUDA GPU is visible to torch")
        return 2
    B, T, D, H = GPU_SHAPE
    runners = lstm_runners(B, T, D, H, device="cuda", dtype="float32")
    both = measure({name: r.forward_backward for name, r in runners.items()}, rounds=repeats)
    ratio = both["lstm_lib.torch"] / both["nn.LSTM"]
    verdict = "met" if ratio <= target else "MISSED"
    print(
        f"GPU ratio on {torch.cuda.get_device_name()}: lstm_lib.torch {both['lstm_lib.torch'] * 1e3:.2f} ms / "
        f"cuDNN nn.LSTM {both['nn.LSTM'] * 1e3:.2f} ms = {ratio:.2f} "
        f"(B={B} T={T} D={D} H={H}, forward+backward, float32, median of {repeats}; "
        f"target <= {target:g}: {verdict})"
    )
    return 0 if ratio <= target else 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--quick", action="store_true", help="3 repeats, for a smoke test")
    ap.add_argument(
        "--shapes",
        nargs="+",
        metavar="BxTxDxH",
        help="shapes to measure instead of " + " ".join("x".join(map(str, s)) for s in SHAPES),
    )
    ap.add_argument(
        "--gpu-ratio",
        action="store_true",
        help="only the CUDA ratio lstm_lib.torch / nn.LSTM at " + "x".join(map(str, GPU_SHAPE)),
    )
    ap.add_argument("--target", type=float, default=2.0, help="the ratio --gpu-ratio must not exceed (default 2)")
    args = ap.parse_args(argv)
    repeats = 3 if args.quick else args.repeats
    if repeats < 1:
        ap.error("--repeats must be at least 1")
    if args.gpu_ratio:
        return gpu_ratio(repeats, args.target)
    try:
        shapes = [tuple(int(n) for n in s.split("x")) for s in args.shapes] if args.shapes else SHAPES
    except ValueError:
        shapes = None
    if shapes is None or any(len(s) != 4 or min(s) < 1 for s in shapes):
        ap.error("--shapes takes B x T x D x H with positive integers, e.g. 64x100x32x128")
    print(
        "ratio = time / torch.nn.LSTM's time in the same run (< 1: faster than nn.LSTM); float32; "
        f"median of {repeats} interleaved rounds"
    )
    report("CPU, one thread (the figures to compare)", run("cpu", 1, repeats, shapes))
    report("CPU, two threads (swing with host load)", run("cpu", 2, repeats, shapes))
    if _torch_available():
        import torch

        if torch.cuda.is_available():
            report(f"CUDA: {torch.cuda.get_device_name()}", run("cuda", 1, repeats, shapes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
