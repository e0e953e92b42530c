"""Figures and widgets that the chapters use.

Every figure here is drawn from the equations it illustrates, so that a reader
can read the code next to the text. Figures are narrow (about 6 x 3.5 inches)
so that they still read on a phone.
"""

from __future__ import annotations

import numpy as np

FIGSIZE = (6.0, 3.5)


def cell_state_trace(f, i, g, *, steps=30, c0=0.0):
    """Cell state over time when the gates hold constant values.

    Runs ``c_t = f * c_{t-1} + i * g`` from ``c_0 = c0``.

    Args:
        f: forget gate, in [0, 1].
        i: input gate, in [0, 1].
        g: candidate value, in [-1, 1].
        steps: number of steps T after the start.
        c0: initial cell state.

    Returns:
        array of shape (T + 1,): c_0, c_1, ..., c_T.
    """
    c = np.empty(steps + 1)
    c[0] = c0
    for t in range(1, steps + 1):
        c[t] = f * c[t - 1] + i * g
    return c


def plot_cell_state(ax, f, i, g, o, *, steps=30, c0=0.0):
    """Draw c_t and h_t = o * tanh(c_t) for constant gates on ``ax``.

    The dotted line is the fixed point ``i g / (1 - f)`` that c_t tends to when
    f < 1: the cell forgets the start and keeps what it writes every step.
    """
    c = cell_state_trace(f, i, g, steps=steps, c0=c0)
    h = o * np.tanh(c)
    t = np.arange(steps + 1)
    ax.plot(t, c, marker="o", markersize=3, label="cell state $c_t$")
    ax.plot(t, h, marker="s", markersize=3, label="hidden state $h_t$")
    shown = [c.min(), c.max(), h.min(), h.max(), 0.0]
    if f < 1:
        fixed = i * g / (1 - f)
        ax.axhline(fixed, color="grey", linestyle=":", label="fixed point $ig/(1-f)$")
        shown.append(fixed)
    ax.axhline(0, color="black", linewidth=0.5)
    low, high = min(shown), max(shown)
    pad = 0.1 * max(high - low, 0.5)
    ax.set_ylim(low - pad, high + pad)
    ax.set_xlabel("time step $t$")
    ax.set_ylabel("value")
    ax.set_title(f"f = {f:.2f}, i = {i:.2f}, g = {g:.2f}, o = {o:.2f}", fontsize=10)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def gate_explorer(*, steps=30, f=0.9, i=0.2, g=0.8, o=1.0, c0=0.0):
    """A widget: sliders for the gate values, and a plot of c_t and h_t over time.

    The gates hold the same values at every step, so the plot shows what each
    gate does alone: f sets how long the cell remembers, i and g what it writes,
    o how much of it the hidden state shows. Needs a running kernel to redraw.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    def slider(value, low, high, description):
        return widgets.FloatSlider(
            value=value, min=low, max=high, step=0.01, description=description,
            continuous_update=False, readout_format=".2f",
            layout=widgets.Layout(width="100%", max_width="420px"),
        )

    controls = {
        "f": slider(f, 0.0, 1.0, "forget f"),
        "i": slider(i, 0.0, 1.0, "input i"),
        "g": slider(g, -1.0, 1.0, "candidate g"),
        "o": slider(o, 0.0, 1.0, "output o"),
        "c0": slider(c0, -3.0, 3.0, "start c₀"),
    }

    def draw(f, i, g, o, c0):
        fig, ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
        plot_cell_state(ax, f, i, g, o, steps=steps, c0=c0)
        plt.show()

    out = widgets.interactive_output(draw, controls)
    return widgets.VBox([widgets.VBox(list(controls.values())), out])
