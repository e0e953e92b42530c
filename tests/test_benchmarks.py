"""The benchmark script runs and prints a ratio for every implementation (speed itself is not tested here)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_lstm.py"


def test_benchmark_prints_a_ratio_against_nn_lstm_for_each_implementation():
    pytest.importorskip("torch", reason="the benchmark's reference is torch.nn.LSTM")
    pytest.importorskip("threadpoolctl", reason="the benchmark holds BLAS to one thread with threadpoolctl")
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--repeats", "1", "--shapes", "2x3x2x4", "1x5x1x2"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    assert "one thread" in out and "two threads" in out
    rows = re.findall(r"^  (\S.*?)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$", out, re.M)
    names = {r[0] for r in rows}
    assert {"nn.LSTM", "lstm_lib.numpy.fast", "lstm_lib.numpy (reference)"} <= names, out
    assert any(n.startswith("lstm_lib.torch") for n in names), out
    assert len(rows) == 2 * 2 * len(names), out  # every implementation, 2 shapes, 1 and 2 threads
    assert all(float(r[2]) == 1.0 for r in rows if r[0] == "nn.LSTM")


def test_benchmark_rejects_a_malformed_shape():
    res = subprocess.run([sys.executable, str(SCRIPT), "--shapes", "2x3x4"], capture_output=True, text=True)
    assert res.returncode == 2 and "B x T x D x H" in res.stderr


def test_gpu_ratio_without_a_gpu_says_so_and_exits_2():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a GPU is here: benchmarks/gpu_check.sh measures the ratio")
    res = subprocess.run([sys.executable, str(SCRIPT), "--gpu-ratio"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "GPU ratio: not measured, no CUDA GPU" in res.stdout, res.stdout + res.stderr


def test_gpu_check_without_a_gpu_runs_nothing_and_exits_0():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a GPU is here: the script would run the whole check")
    script = SCRIPT.parent / "gpu_check.sh"
    res = subprocess.run(
        ["bash", str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHON": sys.executable},
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "no CUDA GPU visible to torch" in res.stdout and "==" not in res.stdout


def test_gpu_check_parses_as_bash_including_the_steps_that_need_a_gpu():
    script = SCRIPT.parent / "gpu_check.sh"
    res = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    text = script.read_text()
    assert "-m cuda" in text and "--gpu-ratio" in text and "09_lstm_in_pytorch.ipynb" in text
