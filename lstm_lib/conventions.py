r"""The conventions that the NumPy and the PyTorch LSTM share, each stated once.

- The gates are stacked in PyTorch's order i, f, g, o: rows k H .. (k+1) H - 1
  of every (4H, ...) weight and (4H,) bias belong to gate k.
- One layer's parameters are four arrays under PyTorch's names, ``PARAM_KEYS``.
- The fast paths reorder the gate blocks to o, i, f, g (``to_fast_gate_order``):
  the three sigmoid gates are then one contiguous block, and so are the three
  gates whose gradient is scaled by dc in the backward pass (i, f, g).
- ``EQUATIONS`` is the text of the gate equations that the docstrings show.
"""

from __future__ import annotations

import numpy as np

GATES = ("i", "f", "g", "o")
PARAM_KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
FAST_GATE_ORDER = ("o", "i", "f", "g")

EQUATIONS = r"""
.. math::
    \begin{array}{ll}
    i_t = \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) \\
    f_t = \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf}) \\
    g_t = \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}) \\
    o_t = \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho}) \\
    c_t = f_t \odot c_{t-1} + i_t \odot g_t \\
    h_t = o_t \odot \tanh(c_t)
    \end{array}
"""


def to_fast_gate_order(w, H, back=False):
    """The gate blocks (of H rows) of ``w`` reordered from i, f, g, o to o, i, f, g.

    With ``back=True``, from o, i, f, g back to i, f, g, o. ``w`` is a NumPy
    array or a torch tensor with 4H rows; the result is a new one of the same
    kind, and ``None`` stays ``None``.
    """
    if w is None:
        return None
    shift = -H if back else H
    return np.roll(w, shift, axis=0) if isinstance(w, np.ndarray) else w.roll(shift, 0)
