#!/usr/bin/env bash
# On a machine with a CUDA GPU: lstm_lib.torch's CUDA tests, then every
# benchmark ratio (CPU and CUDA), in one go.
#   bash benchmarks/gpu_check.sh            # uses python on PATH
#   PYTHON=.venv/bin/python bash benchmarks/gpu_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python}
"$py" -c "import torch; assert torch.cuda.is_available(), 'no CUDA GPU visible to torch'; print(torch.cuda.get_device_name())"
"$py" -m pytest tests/test_torch_lstm.py -m cuda -q -o addopts="-ra"
"$py" benchmarks/bench_lstm.py --repeats "${REPEATS:-10}"
