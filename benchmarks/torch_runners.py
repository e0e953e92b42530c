"""Benchmark runners for the PyTorch LSTMs: torch.nn.LSTM (the reference) and lstm_lib.torch.

``torch_candidates(B, T, D, H, device=..., dtype=..., params=...)`` returns
``{name: (forward, forward_backward)}``: zero-argument callables that run one
forward pass without autograd, and one forward and backward pass (loss: the
sum of the outputs; gradients of the input and of every parameter), on the
same prepared batch-first input (B, T, D) and the same weights. On CUDA each
call waits for the GPU to finish, so that wall-clock times mean something.
"""

from __future__ import annotations

import numpy as np
import torch

import lstm_lib.torch as lt


def _dtype(dtype):
    if isinstance(dtype, torch.dtype):
        return dtype
    return getattr(torch, np.dtype(dtype).name if not isinstance(dtype, str) else dtype)


def _runner(module, x, sync):
    leaves = [x, *module.parameters()]

    def forward():
        with torch.no_grad():
            module(x)
        sync()

    def forward_backward():
        out, _ = module(x)
        torch.autograd.grad(out.sum(), leaves)
        sync()

    return forward, forward_backward


def torch_candidates(B, T, D, H, *, device, dtype, params):
    """``{name: (forward, forward_backward)}`` for nn.LSTM and lstm_lib.torch.

    Args:
        B, T, D, H: batch size, steps, input features, hidden features.
        device: "cpu", "cuda", or a torch.device.
        dtype: a torch dtype, or its name ("float32"), or a NumPy dtype.
        params: one layer's lstm_lib.numpy parameters (``weight_ih`` (4H, D),
            ``weight_hh`` (4H, H), ``bias_ih`` and ``bias_hh`` (4H,)), loaded
            into every candidate.

    Names: ``"nn.LSTM"`` (torch.nn.LSTM, cuDNN on CUDA) and
    ``"lstm_lib.torch (eager)"`` (the hand-written layer backward).
    """
    device, dtype = torch.device(device), _dtype(dtype)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(B, T, D, generator=gen, dtype=torch.float64)
    x = x.to(device=device, dtype=dtype).requires_grad_(True)
    candidates = {}
    for name, cls in (("nn.LSTM", torch.nn.LSTM), ("lstm_lib.torch (eager)", lt.LSTM)):
        module = cls(D, H, batch_first=True).to(device=device, dtype=dtype)
        lt.load_numpy_params(module, [params])
        candidates[name] = _runner(module, x, sync)
    return candidates
