r"""One step of an LSTM variant in NumPy, the readable reference of the gate ablation.

The same variants and equations as ``lstm_lib.torch.variants`` (tested equal),
after Greff et al. (2017), "LSTM: A Search Space Odyssey". From the step of
``cell.py``,

.. math::

    c = f \odot c_{prev} + i \odot g, \qquad h = o \odot \tanh(c),

each variant changes one thing:

===========================  =============================================
``variant``                  what changes
===========================  =============================================
``"vanilla"``                nothing
``"no_input_gate"``          i = 1
``"no_forget_gate"``         f = 1, so c = c_prev + i * g (the LSTM of 1997)
``"no_output_gate"``         o = 1
``"no_input_activation"``    g = a_g (no tanh on the candidate)
``"no_output_activation"``   h = o * c (no tanh on the cell state)
``"coupled_input_forget"``   f = 1 - i (one gate decides both)
===========================  =============================================

A gate that a variant fixes keeps its block in the parameters (the layout of
``lstm_cell_forward``, i, f, g, o), unused, so that every variant reads the same
parameter dict.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_cell_forward
from .activations import sigmoid, tanh

VARIANTS = (
    "vanilla",
    "no_input_gate",
    "no_forget_gate",
    "no_output_gate",
    "no_input_activation",
    "no_output_activation",
    "coupled_input_forget",
)


def variant_cell_forward(x, h_prev, c_prev, params, variant):
    """One step of the LSTM variant ``variant`` (see the module's table).

    Args:
        x: input at this step, (B, D).
        h_prev: hidden state of the previous step, (B, H).
        c_prev: cell state of the previous step, (B, H).
        params: dict with ``weight_ih`` (4H, D), ``weight_hh`` (4H, H),
            ``bias_ih`` (4H,), ``bias_hh`` (4H,), gates in order i, f, g, o.
        variant: one of ``VARIANTS``.

    Returns:
        ``(h, c)``: the new hidden and cell states, each (B, H), in the dtype of
        the inputs (float32 stays float32).
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}; got {variant!r}")
    x, h_prev, c_prev, p = check_cell_forward(x, h_prev, c_prev, params)

    a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"]
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    i, f, o = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o)
    g = a_g if variant == "no_input_activation" else tanh(a_g)
    if variant == "no_input_gate":
        i = np.ones_like(i)
    if variant == "no_forget_gate":
        f = np.ones_like(f)
    if variant == "coupled_input_forget":
        f = 1 - i
    if variant == "no_output_gate":
        o = np.ones_like(o)
    c = f * c_prev + i * g
    h = o * (c if variant == "no_output_activation" else tanh(c))
    return h, c


__all__ = ["VARIANTS", "variant_cell_forward"]
