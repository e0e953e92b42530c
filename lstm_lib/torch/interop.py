"""Parameters between ``lstm_lib.numpy`` and the PyTorch modules.

``lstm_lib.numpy`` keeps one layer's parameters in a dict of NumPy arrays in
PyTorch's own layout, ``{"weight_ih": (4H, D), "weight_hh": (4H, H),
"bias_ih": (4H,), "bias_hh": (4H,)}``, and a stack of layers as a list of such
dicts, layer 0 first; a bidirectional stack as a list of pairs
``(params_fwd, params_bwd)``, one pair per layer. These functions move them in
and out of ``lstm_lib.torch.LSTMCell`` / ``LSTM`` and of ``torch.nn.LSTMCell``
/ ``LSTM`` alike: nothing is reshaped, only renamed (``weight_ih`` <->
``weight_ih_l0``, the backward direction's ``weight_ih`` <-> ``weight_ih_l0_reverse``).

- an LSTM cell <-> one dict;
- an LSTM (any number of layers, one included) <-> a list of dicts;
- a bidirectional LSTM <-> a list of (forward, backward) pairs of dicts;
- :func:`numpy_to_state_dict`: any of these -> the ``state_dict`` that
  ``torch.nn.LSTM`` would have, without building a module.

LSTMs with a projection (``proj_size > 0``) have no NumPy counterpart, and
raise ``ValueError``. A module built with ``bias=False`` exports zero biases,
and accepts only zero biases.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import torch
from torch import nn

from ..conventions import PARAM_KEYS
from .modules import LSTM, LSTMCell

__all__ = ["to_numpy_params", "load_numpy_params", "numpy_to_state_dict", "PARAM_KEYS"]

_CELLS = (LSTMCell, nn.LSTMCell)
_LSTMS = (LSTM, nn.LSTM)
_DIRECTIONS = ("forward", "backward")


def _kind(module):
    if isinstance(module, _CELLS):
        return "cell"
    if isinstance(module, _LSTMS):
        if module.proj_size:
            raise ValueError(
                f"an LSTM with proj_size={module.proj_size} has no lstm_lib.numpy parameters "
                "(the NumPy LSTM has no projection); build it with proj_size=0"
            )
        return "lstm"
    raise TypeError(f"expected an LSTMCell or LSTM (from lstm_lib.torch or torch.nn), got {type(module).__name__}")


def _suffix(layer, direction):
    """The end of torch.nn.LSTM's parameter names: ``_l0``, ``_l1_reverse``, ..."""
    return f"_l{layer}" + ("_reverse" if direction == 1 else "")


def _layer_tensors(module, layer, direction=0):
    """The module's four parameters of one layer and direction, as {numpy key: tensor or None}."""
    suffix = "" if isinstance(module, _CELLS) else _suffix(layer, direction)
    # An LSTM built with bias=False has no bias attributes at all (a cell has them, as None).
    return {key: getattr(module, key + suffix, None) for key in PARAM_KEYS}


def to_numpy_params(module, dtype=None):
    """The parameters of ``module`` as ``lstm_lib.numpy`` parameters.

    Args:
        module: an ``LSTMCell`` or ``LSTM``, from ``lstm_lib.torch`` or
            ``torch.nn`` (without projection; bidirectional or not).
        dtype: the NumPy dtype of the arrays; None keeps the module's (float32
            stays float32). ``np.float64`` is what ``lstm_lib.numpy`` uses by default.

    Returns:
        For a cell, one dict ``{"weight_ih": (4H, D), "weight_hh": (4H, H),
        "bias_ih": (4H,), "bias_hh": (4H,)}`` of new arrays. For an LSTM, a list
        of such dicts, one per layer, layer 0 first: always a list, also for one
        layer (``to_numpy_params(lstm)[0]`` is that layer's dict). For a
        bidirectional LSTM, a list of pairs ``(params_fwd, params_bwd)``, one
        per layer; layers above 0 have ``weight_ih`` (4H, 2H).
    """
    kind = _kind(module)

    def layer_dict(layer, direction=0):
        params = {}
        tensors = _layer_tensors(module, layer, direction)
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
    if module.bidirectional:
        return [(layer_dict(layer, 0), layer_dict(layer, 1)) for layer in range(module.num_layers)]
    return [layer_dict(layer) for layer in range(module.num_layers)]


def _is_pair(p):
    return isinstance(p, (tuple, list)) and len(p) == 2 and all(isinstance(q, dict) for q in p)


def _check_keys(where, p):
    if not isinstance(p, dict):
        raise TypeError(f"{where}expected a dict of arrays, got {type(p).__name__}")
    missing, extra = set(PARAM_KEYS) - set(p), set(p) - set(PARAM_KEYS)
    if missing or extra:
        raise ValueError(
            f"{where}params must have exactly the keys {list(PARAM_KEYS)}; "
            f"missing {sorted(missing)}, unexpected {sorted(extra)}"
        )


def _split_layers(params, bidirectional, what):
    """``params`` as a list (one entry per layer) of lists of dicts (one per direction).

    A single dict is one unidirectional layer; a list holds dicts (one
    direction) or pairs of dicts (two), all of the same kind.
    """
    if isinstance(params, dict):
        params = [params]
    if not isinstance(params, (list, tuple)):
        raise TypeError(
            f"{what} must be a list with one entry per layer (a dict, or a (params_fwd, "
            f"params_bwd) pair when bidirectional), got {type(params).__name__}"
        )
    if len(params) == 0:
        raise ValueError(f"{what} is empty: it needs one entry per layer, layer 0 first")
    pairs = [_is_pair(p) for p in params]
    kinds = {True: "a (params_fwd, params_bwd) pair", False: "a dict"}
    for layer, (p, pair) in enumerate(zip(params, pairs, strict=True)):
        if not pair and not isinstance(p, dict):
            raise TypeError(
                f"{what}: layer {layer} must be a dict of arrays or a (params_fwd, params_bwd) "
                f"pair of dicts, got {type(p).__name__}"
                + (f" of length {len(p)}" if isinstance(p, (tuple, list)) else "")
            )
        if bidirectional is None:
            if pair != pairs[0]:
                raise ValueError(
                    f"{what}: layer {layer} is {kinds[pair]}, but layer 0 is {kinds[pairs[0]]}; "
                    "all layers must be of one kind (dicts for one direction, pairs for two)"
                )
        elif pair != bidirectional:
            raise ValueError(
                f"{what}: layer {layer} is {kinds[pair]}, but the LSTM is "
                + (
                    "bidirectional: every layer must be a (params_fwd, params_bwd) pair"
                    if bidirectional
                    else "not bidirectional: every layer must be a dict"
                )
            )
    bidirectional = pairs[0] if bidirectional is None else bidirectional
    return [list(p) if bidirectional else [p] for p in params], bidirectional


def load_numpy_params(module, params):
    """Copy ``lstm_lib.numpy`` parameters into ``module``, in place; returns ``module``.

    Args:
        module: an ``LSTMCell`` or ``LSTM`` from ``lstm_lib.torch`` or ``torch.nn``.
        params: for a cell, one dict of arrays ``weight_ih`` (4H, D),
            ``weight_hh`` (4H, H), ``bias_ih`` (4H,), ``bias_hh`` (4H,); for an
            LSTM, a list of such dicts, one per layer (a single dict is accepted
            for a one-layer LSTM); for a bidirectional LSTM, a list of pairs
            ``(params_fwd, params_bwd)``, one per layer. The arrays are
            converted to the module's dtype and device.

    Raises:
        ValueError: a missing or extra key, a wrong number of layers or
            directions, an array of the wrong shape (the message names the
            layer, the direction, the key, the expected and the given shape),
            or non-zero biases for a module built with ``bias=False``.
    """
    kind = _kind(module)
    if kind == "cell":
        if not isinstance(params, dict):
            raise TypeError(f"params for an LSTMCell must be one dict of arrays, got {type(params).__name__}")
        layers = [[params]]
    else:
        if isinstance(params, dict) and module.bidirectional:
            raise ValueError(
                "the LSTM is bidirectional: params must be a list of (params_fwd, params_bwd) "
                "pairs, one per layer, not a single dict"
            )
        layers, _ = _split_layers(params, module.bidirectional, "params")
        if len(layers) != module.num_layers:
            raise ValueError(f"the LSTM has num_layers L={module.num_layers}, but params has {len(layers)} layer(s)")

    updates = []
    for layer, directions in enumerate(layers):
        for direction, p in enumerate(directions):
            where = "" if kind == "cell" else f"layer {layer}: "
            if len(directions) == 2:
                where = f"layer {layer}, {_DIRECTIONS[direction]} direction: "
            _check_keys(where, p)
            for key, t in _layer_tensors(module, layer, direction).items():
                a = np.asarray(p[key])
                if t is None:
                    if np.any(a != 0):
                        raise ValueError(f"{where}{key} is not zero, but the module was built with bias=False")
                    continue
                if a.shape != tuple(t.shape):
                    sym = {
                        "weight_ih": "(4H, D)"
                        if layer == 0 or kind == "cell"
                        else ("(4H, 2H)" if len(directions) == 2 else "(4H, H)"),
                        "weight_hh": "(4H, H)",
                    }.get(key, "(4H,)")
                    raise ValueError(
                        f"{where}{key} must have shape {sym} = {tuple(t.shape)} for this module, got {a.shape}"
                    )
                updates.append((t, a))
    # Validate everything first, so that a bad layer leaves the module unchanged.
    with torch.no_grad():
        for t, a in updates:
            t.copy_(torch.from_numpy(np.ascontiguousarray(a)).to(dtype=t.dtype))
    return module


def numpy_to_state_dict(params_list):
    """The ``state_dict`` of the ``torch.nn.LSTM`` that has these NumPy parameters.

    No module is built: the arrays are renamed to ``torch.nn.LSTM``'s keys
    (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``,
    ``weight_ih_l0_reverse``, ..., ``bias_hh_l{L-1}``) and copied into tensors
    of the same dtype, on the CPU. The result loads with
    ``nn.LSTM(D, H, num_layers=L, bidirectional=...).load_state_dict(sd, strict=True)``
    and into ``lstm_lib.torch.LSTM`` alike.

    Args:
        params_list: one layer's dict ``{"weight_ih": (4H, D), "weight_hh":
            (4H, H), "bias_ih": (4H,), "bias_hh": (4H,)}``; or a list of such
            dicts, layer 0 first (layers above 0 have ``weight_ih`` (4H, H));
            or, for a bidirectional LSTM, a list of pairs ``(params_fwd,
            params_bwd)``, one per layer (layers above 0 have ``weight_ih``
            (4H, 2H)). The backward direction's arrays get the ``_reverse`` keys.

    Returns:
        An ``OrderedDict`` of ``torch.Tensor`` in ``torch.nn.LSTM``'s key order
        (layer by layer; in each layer the forward direction, then the backward
        one; ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``). The tensors
        are copies: changing them leaves the arrays unchanged.

    Raises:
        ValueError: wrong keys, layers of mixed kinds (dicts and pairs),
            arrays that are not floating point, or shapes that do not fit
            together (the message names the layer, direction and key).
        TypeError: an entry that is neither a dict nor a pair of dicts.
    """
    layers, bidirectional = _split_layers(params_list, None, "params_list")
    N = 2 if bidirectional else 1
    state = OrderedDict()
    H = D = None
    for layer, directions in enumerate(layers):
        for direction, p in enumerate(directions):
            where = f"layer {layer}" + (f", {_DIRECTIONS[direction]} direction" if N == 2 else "")
            _check_keys(where + ": ", p)
            arrays = {key: np.asarray(p[key]) for key in PARAM_KEYS}
            for key, a in arrays.items():
                if not np.issubdtype(a.dtype, np.floating):
                    raise ValueError(f"{where}: {key} must be a floating-point array, got dtype {a.dtype}")
            w_hh = arrays["weight_hh"]
            if w_hh.ndim != 2 or w_hh.shape[0] != 4 * w_hh.shape[1]:
                raise ValueError(f"{where}: weight_hh must have shape (4H, H), got {w_hh.shape}")
            if H is None:
                H, w_ih = w_hh.shape[1], arrays["weight_ih"]
                if w_ih.ndim != 2 or w_ih.shape[0] != 4 * H:
                    raise ValueError(
                        f"{where}: weight_ih must have shape (4H, D), with 4H = {4 * H} rows "
                        f"(H={H} from weight_hh), got {w_ih.shape}"
                    )
                D = w_ih.shape[1]
            want = {
                "weight_ih": (
                    (4 * H, D if layer == 0 else N * H),
                    "(4H, D)" if layer == 0 else f"(4H, {'2H' if N == 2 else 'H'})",
                ),
                "weight_hh": ((4 * H, H), "(4H, H)"),
                "bias_ih": ((4 * H,), "(4H,)"),
                "bias_hh": ((4 * H,), "(4H,)"),
            }
            for key in PARAM_KEYS:
                shape, sym = want[key]
                if arrays[key].shape != shape:
                    raise ValueError(
                        f"{where}: {key} must have shape {sym} = {shape} (H={H} from layer 0's "
                        f"weight_hh"
                        + (f", D={D}" if key == "weight_ih" and layer == 0 else "")
                        + f"), got {arrays[key].shape}"
                    )
                state[key + _suffix(layer, direction)] = torch.tensor(arrays[key])
    return state
