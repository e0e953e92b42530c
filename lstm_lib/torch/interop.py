"""Parameters between ``lstm_lib.numpy`` and the PyTorch modules.

``lstm_lib.numpy`` keeps one layer's parameters in a dict of NumPy arrays in
PyTorch's own layout, ``{"weight_ih": (4H, D), "weight_hh": (4H, H),
"bias_ih": (4H,), "bias_hh": (4H,)}``, and a stack of layers as a list of such
dicts, layer 0 first. These functions move them in and out of
``lstm_lib.torch.LSTMCell`` / ``LSTM`` and of ``torch.nn.LSTMCell`` / ``LSTM``
alike: nothing is reshaped, only renamed (``weight_ih`` <-> ``weight_ih_l0``).

- an LSTM cell <-> one dict;
- an LSTM (any number of layers, one included) <-> a list of dicts.

Bidirectional LSTMs and LSTMs with a projection have no NumPy counterpart, and
raise ``ValueError``. A module built with ``bias=False`` exports zero biases,
and accepts only zero biases.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..conventions import PARAM_KEYS
from .modules import LSTM, LSTMCell

__all__ = ["to_numpy_params", "load_numpy_params", "PARAM_KEYS"]

_CELLS = (LSTMCell, nn.LSTMCell)
_LSTMS = (LSTM, nn.LSTM)


def _kind(module):
    if isinstance(module, _CELLS):
        return "cell"
    if isinstance(module, _LSTMS):
        if module.bidirectional:
            raise ValueError(
                "a bidirectional LSTM has no lstm_lib.numpy parameters (the NumPy LSTM runs "
                "one direction); build it with bidirectional=False")
        if module.proj_size:
            raise ValueError(
                f"an LSTM with proj_size={module.proj_size} has no lstm_lib.numpy parameters "
                "(the NumPy LSTM has no projection); build it with proj_size=0")
        return "lstm"
    raise TypeError(
        "expected an LSTMCell or LSTM (from lstm_lib.torch or torch.nn), "
        f"got {type(module).__name__}")


def _layer_tensors(module, layer):
    """The module's four parameters of one layer, as {numpy key: tensor or None}."""
    suffix = "" if isinstance(module, _CELLS) else f"_l{layer}"
    # An LSTM built with bias=False has no bias attributes at all (a cell has them, as None).
    return {key: getattr(module, key + suffix, None) for key in PARAM_KEYS}


def to_numpy_params(module, dtype=None):
    """The parameters of ``module`` as ``lstm_lib.numpy`` parameters.

    Args:
        module: an ``LSTMCell`` or ``LSTM``, from ``lstm_lib.torch`` or ``torch.nn``
            (unidirectional, without projection).
        dtype: the NumPy dtype of the arrays; None keeps the module's (float32
            stays float32). ``np.float64`` is what ``lstm_lib.numpy`` uses by default.

    Returns:
        For a cell, one dict ``{"weight_ih": (4H, D), "weight_hh": (4H, H),
        "bias_ih": (4H,), "bias_hh": (4H,)}`` of new arrays. For an LSTM, a list
        of such dicts, one per layer, layer 0 first: always a list, also for one
        layer (``to_numpy_params(lstm)[0]`` is that layer's dict).
    """
    kind = _kind(module)
    layers = 1 if kind == "cell" else module.num_layers

    def layer_dict(layer):
        params = {}
        tensors = _layer_tensors(module, layer)
        for key, t in tensors.items():
            if t is None:  # bias=False: the same function as zero biases, in the weights' dtype
                t = tensors["weight_ih"].new_zeros(4 * module.hidden_size)
            a = t.detach().to("cpu")
            if a.dtype == torch.bfloat16 or a.dtype == torch.float16:
                a = a.float()
            a = a.numpy().copy()
            params[key] = a if dtype is None else a.astype(dtype)
        return params

    if kind == "cell":
        return layer_dict(0)
    return [layer_dict(layer) for layer in range(layers)]


def load_numpy_params(module, params):
    """Copy ``lstm_lib.numpy`` parameters into ``module``, in place; returns ``module``.

    Args:
        module: an ``LSTMCell`` or ``LSTM`` from ``lstm_lib.torch`` or ``torch.nn``.
        params: for a cell, one dict of arrays ``weight_ih`` (4H, D),
            ``weight_hh`` (4H, H), ``bias_ih`` (4H,), ``bias_hh`` (4H,); for an
            LSTM, a list of such dicts, one per layer (a single dict is accepted
            for a one-layer LSTM). The arrays are converted to the module's
            dtype and device.

    Raises:
        ValueError: a missing or extra key, a wrong number of layers, an array
            of the wrong shape (the message names the layer, the key, the
            expected and the given shape), or non-zero biases for a module
            built with ``bias=False``.
    """
    kind = _kind(module)
    if kind == "cell":
        if not isinstance(params, dict):
            raise TypeError(
                f"params for an LSTMCell must be one dict of arrays, got {type(params).__name__}")
        layers = [params]
    else:
        layers = [params] if isinstance(params, dict) else params
        if not isinstance(layers, (list, tuple)):
            raise TypeError(
                "params for an LSTM must be a list of dicts (one per layer), got "
                f"{type(params).__name__}")
        if len(layers) != module.num_layers:
            raise ValueError(
                f"the LSTM has num_layers L={module.num_layers}, but params has "
                f"{len(layers)} layer(s)")

    updates = []
    for layer, p in enumerate(layers):
        where = "" if kind == "cell" else f"layer {layer}: "
        if not isinstance(p, dict):
            raise TypeError(f"{where}expected a dict of arrays, got {type(p).__name__}")
        missing, extra = set(PARAM_KEYS) - set(p), set(p) - set(PARAM_KEYS)
        if missing or extra:
            raise ValueError(
                f"{where}params must have exactly the keys {list(PARAM_KEYS)}; "
                f"missing {sorted(missing)}, unexpected {sorted(extra)}")
        for key, t in _layer_tensors(module, layer).items():
            a = np.asarray(p[key])
            if t is None:
                if np.any(a != 0):
                    raise ValueError(
                        f"{where}{key} is not zero, but the module was built with bias=False")
                continue
            if a.shape != tuple(t.shape):
                sym = {"weight_ih": "(4H, D)", "weight_hh": "(4H, H)"}.get(key, "(4H,)")
                raise ValueError(
                    f"{where}{key} must have shape {sym} = {tuple(t.shape)} for this module, "
                    f"got {a.shape}")
            updates.append((t, a))
    # Validate everything first, so that a bad layer leaves the module unchanged.
    with torch.no_grad():
        for t, a in updates:
            t.copy_(torch.from_numpy(np.ascontiguousarray(a)).to(dtype=t.dtype))
    return module
