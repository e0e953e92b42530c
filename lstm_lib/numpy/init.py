"""Parameter initialisation, as PyTorch does it.

torch.nn.LSTM draws every weight and bias from U(-k, k) with k = 1/sqrt(H); the
same layout and distribution here mean a parameter dict loads into PyTorch and
back unchanged.
"""

from __future__ import annotations

import numpy as np

from ._checks import PARAM_KEYS


def _rng(rng) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)):
        return np.random.default_rng(int(rng))
    raise ValueError(f"rng must be a numpy.random.Generator, an int seed or None, got {rng!r}")


def _positive_int(name, n):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def _uniform_layer(input_size, hidden_size, blocks, rng, dtype) -> dict:
    """A recurrent layer's four arrays drawn as PyTorch draws them, from U(-k, k), k = 1/sqrt(H).

    ``blocks`` blocks of H rows: 4 for the LSTM's gates i, f, g, o, 1 for a plain RNN.
    """
    D = _positive_int("input_size", input_size)
    H = _positive_int("hidden_size", hidden_size)
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"dtype must be a floating-point dtype (float32 or float64), got {dtype}")
    gen = _rng(rng)
    k = 1.0 / np.sqrt(H)
    rows = blocks * H
    shapes = {"weight_ih": (rows, D), "weight_hh": (rows, H), "bias_ih": (rows,), "bias_hh": (rows,)}
    return {name: gen.uniform(-k, k, size=shapes[name]).astype(dtype) for name in PARAM_KEYS}


def init_lstm_params(input_size, hidden_size, *, rng=None, dtype=np.float64, forget_bias=1.0):
    """Parameters of one LSTM layer in PyTorch's layout.

    Args:
        input_size: D.
        hidden_size: H.
        rng: a ``numpy.random.Generator`` (or int seed); None draws a fresh one.
        dtype: float64 (default, what gradient checks need) or float32.
        forget_bias: the total bias of the forget gate, ``bias_ih[H:2H] +
            bias_hh[H:2H]``. The default 1.0 makes the cell remember by default
            at the start of training (f = sigma(1) ~ 0.73). None keeps PyTorch's
            uniform draw for that slice as well.

    Returns:
        dict with ``weight_ih`` (4H, D), ``weight_hh`` (4H, H), ``bias_ih`` (4H,),
        ``bias_hh`` (4H,); rows stacked in gate order i, f, g, o.
    """
    params = _uniform_layer(input_size, hidden_size, 4, rng, dtype)
    H = params["weight_hh"].shape[1]
    if forget_bias is not None:
        params["bias_ih"][H : 2 * H] = forget_bias
        params["bias_hh"][H : 2 * H] = 0.0
    return params


def init_lstm_stack_params(
    input_size, hidden_size, num_layers, *, bidirectional=False, rng=None, dtype=np.float64, forget_bias=1.0
):
    """Parameters of a stack of ``num_layers`` LSTM layers: a list, layer 0 first.

    Layer 0 reads the input (D); every layer above reads the hidden states of the
    one below, H values, or 2H with ``bidirectional``, as in
    torch.nn.LSTM(num_layers=L, bidirectional=...). Each entry is a dict from
    ``init_lstm_params``, or with ``bidirectional`` a pair (params_fwd,
    params_bwd) of them, drawn in that order (layer 0 forward, layer 0
    backward, layer 1 forward, ...).
    """
    L = _positive_int("num_layers", num_layers)
    H = _positive_int("hidden_size", hidden_size)
    gen = _rng(rng)
    directions = 2 if bidirectional else 1

    def layer(l):
        return init_lstm_params(
            input_size if l == 0 else directions * H, H, rng=gen, dtype=dtype, forget_bias=forget_bias
        )

    if bidirectional:
        return [(layer(l), layer(l)) for l in range(L)]
    return [layer(l) for l in range(L)]


def init_dense_params(in_features, out_features, *, rng=None, dtype=np.float64):
    """Parameters of a dense layer as torch.nn.Linear: ``weight`` (O, I), ``bias`` (O,).

    Both are drawn from U(-k, k) with k = 1/sqrt(in_features).
    """
    n_in = _positive_int("in_features", in_features)
    n_out = _positive_int("out_features", out_features)
    gen = _rng(rng)
    k = 1.0 / np.sqrt(n_in)
    return {
        "weight": gen.uniform(-k, k, size=(n_out, n_in)).astype(dtype),
        "bias": gen.uniform(-k, k, size=(n_out,)).astype(dtype),
    }
