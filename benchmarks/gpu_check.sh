#!/usr/bin/env bash
# On a machine with a CUDA GPU: lstm_lib.torch's CUDA tests, every benchmark
# ratio (CPU and CUDA), chapter 9 executed with its GPU column, then the one
# figure the course promises on a GPU:
# lstm_lib.torch's forward + backward time over cuDNN's torch.nn.LSTM at
# B=64 T=100 D=32 H=128, float32, at most 2.
#   bash benchmarks/gpu_check.sh            # uses python on PATH
#   PYTHON=.venv/bin/python bash benchmarks/gpu_check.sh
#   REPEATS=20 TARGET=2 bash benchmarks/gpu_check.sh
# Without a CUDA GPU it says so and exits 0, having run nothing.
# Exit status: 0 all passed (or no GPU), else the first failing step's.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python}
repeats=${REPEATS:-10}
target=${TARGET:-2}

if ! "$py" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    echo "gpu_check: no CUDA GPU visible to torch (or torch not installed with $py); nothing to check."
    exit 0
fi
"$py" -c "import torch; print('gpu_check:', torch.cuda.get_device_name(), '| torch', torch.__version__, \
'| cuDNN', torch.backends.cudnn.version())"

echo "== CUDA tests (pytest -m cuda)"
# Only the GPU tests: -m cuda selects them; -o addopts="-ra" drops the project's --nbval-lax.
"$py" -m pytest tests/test_torch_lstm.py tests/test_speed.py -m cuda -q -p no:cacheprovider -o addopts="-ra"

echo "== benchmark, CPU and CUDA (median of $repeats)"
"$py" benchmarks/bench_lstm.py --repeats "$repeats"

echo "== chapter 9 executed on the GPU (its speed table gains a GPU column)"
"$py" -m pytest --nbval-lax book/09_lstm_in_pytorch.ipynb -q -p no:cacheprovider -o addopts="-ra"

echo "== GPU ratio (target <= $target)"
"$py" benchmarks/bench_lstm.py --gpu-ratio --target "$target" --repeats "$repeats"
