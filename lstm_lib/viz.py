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
    o how much of it the hidden state shows. The plot is computed in the
    browser, so it redraws in a static web page too: see
    :func:`lstm_lib.explorers.gate_explorer`, which this calls.
    """
    from lstm_lib.explorers import gate_explorer as explorer

    return explorer(steps=steps, f=f, i=i, g=g, o=o, c0=c0)


def plot_shapes(ax, stages):
    """Draw a network as a column of arrays, each with its shape, joined by the operations.

    Args:
        ax: the axes to draw on (its frame is hidden).
        stages: a list of ``(operation, name, shape, symbols)``, top to bottom:
            ``operation`` is what made the array from the one above (ignored for
            the first), ``name`` the array's name, ``shape`` its actual shape
            and ``symbols`` the same shape in letters, e.g. ``"(B, T, D)"``.
            A list of such tuples in place of one draws alternatives side by
            side, each made from the array above.
    """
    n = len(stages)
    ys = np.linspace(0.94, 0.06, n)
    box = dict(boxstyle="round,pad=0.35", facecolor="#eef3fb", edgecolor="#3b6db3")
    for k, (stage, y) in enumerate(zip(stages, ys, strict=True)):
        row = stage if isinstance(stage, list) else [stage]
        xs = [0.5] if len(row) == 1 else list(np.linspace(0.25, 0.75, len(row)))
        for (op, name, shape, symbols), x in zip(row, xs, strict=True):
            dims = ", ".join(str(s) for s in shape)
            ax.text(
                x,
                y,
                f"{name}   {symbols} = ({dims})",
                ha="center",
                va="center",
                fontsize=9,
                bbox=box,
                transform=ax.transAxes,
            )
            if k:
                y_prev = ys[k - 1]
                ax.annotate(
                    "",
                    xy=(x, y + 0.045),
                    xytext=(0.5, y_prev - 0.045),
                    xycoords="axes fraction",
                    arrowprops=dict(arrowstyle="->", color="black", lw=1.2),
                )
                side = x < 0.5
                ax.text(
                    x + (0.5 - x) * 0.5 + (-0.03 if side else 0.03),
                    (y + y_prev) / 2,
                    op,
                    ha="right" if side else "left",
                    va="center",
                    fontsize=8,
                    style="italic",
                    transform=ax.transAxes,
                )
    ax.set_axis_off()
    return ax


def draw_lstm_cell(ax=None):
    """Draw the LSTM cell as a diagram on ``ax`` (a new figure when None), and return ``ax``.

    Two paths cross the cell from left to right. Along the top runs the cell
    state: c_{t-1} is multiplied by the forget gate f_t, then i_t * g_t is added,
    and c_t leaves on the right. Below, x_t and h_{t-1} feed the four gates
    i, f, g, o, and the output h_t = o_t * tanh(c_t) leaves on the right.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 3.9), layout="constrained")
    ax.set_xlim(0, 10.2)
    ax.set_ylim(-0.5, 6.0)
    ax.set_aspect("equal")
    ax.axis("off")

    memory, hidden, gate = "#1f77b4", "#d62728", "#f2f2f2"

    def arrow(points, color="black", head=True):
        """A polyline through ``points``, with an arrowhead at its end."""
        for k, (start, end) in enumerate(zip(points[:-1], points[1:], strict=True)):
            last = k == len(points) - 2
            ax.add_patch(
                FancyArrowPatch(
                    start,
                    end,
                    arrowstyle="-|>" if (last and head) else "-",
                    mutation_scale=12,
                    color=color,
                    linewidth=1.6,
                    shrinkA=0,
                    shrinkB=0,
                    zorder=1,
                )
            )

    def box(x, y, text, width=1.05, height=0.8):
        ax.add_patch(
            FancyBboxPatch(
                (x - width / 2, y - height / 2),
                width,
                height,
                boxstyle="round,pad=0.04",
                facecolor=gate,
                edgecolor="black",
                linewidth=1.2,
                zorder=2,
            )
        )
        ax.text(x, y, text, ha="center", va="center", fontsize=14, zorder=3)

    def op(x, y, text, r=0.28):
        ax.add_patch(Circle((x, y), r, facecolor="white", edgecolor="black", linewidth=1.2, zorder=2))
        ax.text(x, y, text, ha="center", va="center", fontsize=15, zorder=3)

    # Where things sit: the cell state runs along y = 5, the gates at y = 2.3.
    top, gates_y, bus_y = 5.0, 2.3, 0.9
    xf, xi, xg, xo = 2.6, 4.2, 5.6, 7.0
    x_plus, x_out = 4.9, 8.6
    r = 0.28

    # The cell's outline.
    ax.add_patch(
        FancyBboxPatch(
            (1.3, 0.35),
            8.0,
            5.45,
            boxstyle="round,pad=0.1",
            facecolor="none",
            edgecolor="grey",
            linewidth=1,
            linestyle="--",
            zorder=0,
        )
    )

    # The memory path: c_{t-1} -> x f -> + i g -> c_t.
    arrow([(0.55, top), (xf - r, top)], memory)
    arrow([(xf + r, top), (x_plus - r, top)], memory)
    arrow([(x_plus + r, top), (9.55, top)], memory)
    ax.text(0.5, top, "$c_{t-1}$", ha="right", va="center", fontsize=15, color=memory)
    ax.text(9.6, top, "$c_t$", ha="left", va="center", fontsize=15, color=memory)
    ax.text(3.75, top + 0.45, "memory: cell state", ha="center", va="bottom", fontsize=11, color=memory)
    op(xf, top, r"$\times$")
    op(x_plus, top, "$+$")

    # The inputs: h_{t-1} and x_t meet on a bus that feeds all four gates.
    arrow([(0.55, bus_y), (xo, bus_y)], hidden, head=False)
    ax.text(0.5, bus_y, "$h_{t-1}$", ha="right", va="center", fontsize=15, color=hidden)
    arrow([(1.8, -0.3), (1.8, bus_y - 0.08)], "black")
    ax.text(1.95, -0.2, "$x_t$", ha="left", va="center", fontsize=15)
    ax.plot([1.8], [bus_y], "o", color="black", markersize=5, zorder=3)
    for x, func, name in (
        (xf, r"$\sigma$", "$f_t$"),
        (xi, r"$\sigma$", "$i_t$"),
        (xg, r"$\tanh$", "$g_t$"),
        (xo, r"$\sigma$", "$o_t$"),
    ):
        arrow([(x, bus_y), (x, gates_y - 0.45)])
        box(x, gates_y, func)
        ax.text(x - 0.6, gates_y + 0.75, name, ha="right", va="center", fontsize=14)

    # The gates at work: f_t scales c_{t-1}; i_t * g_t is added; o_t scales tanh(c_t).
    arrow([(xf, gates_y + 0.45), (xf, top - r)])
    y_mul = 3.7
    arrow([(xi, gates_y + 0.45), (xi, y_mul), (x_plus - r, y_mul)])
    arrow([(xg, gates_y + 0.45), (xg, y_mul), (x_plus + r, y_mul)])
    op(x_plus, y_mul, r"$\times$")
    arrow([(x_plus, y_mul + r), (x_plus, top - r)])
    ax.text(x_plus + 0.35, (y_mul + top) / 2, r"$i_t g_t$", ha="left", va="center", fontsize=13)

    # The output: h_t = o_t * tanh(c_t).
    arrow([(x_out, top), (x_out, 3.95 + 0.4)], memory)
    box(x_out, 3.95, r"$\tanh$", width=1.0, height=0.7)
    arrow([(x_out, 3.95 - 0.4), (x_out, gates_y + r)])
    arrow([(xo + 0.55, gates_y), (x_out - r, gates_y)])
    op(x_out, gates_y, r"$\times$")
    arrow([(x_out, gates_y - r), (x_out, bus_y - 0.35), (9.55, bus_y - 0.35)], hidden)
    ax.text(9.6, bus_y - 0.35, "$h_t$", ha="left", va="center", fontsize=15, color=hidden)
    ax.text(x_out, -0.15, r"output: $h_t = o_t \tanh(c_t)$", ha="center", va="center", fontsize=11, color=hidden)
    return ax


def draw_sequence_tasks(steps=4):
    """Two unrolled RNNs side by side: many-to-one (one output, at the end) and
    many-to-many (an output at every step). Inputs x_t at the bottom, states h_t
    in the middle, outputs y_t on top; returns the figure."""
    import matplotlib.pyplot as plt

    box = dict(boxstyle="round,pad=0.3", facecolor="#eef3fb", edgecolor="#3b6db3")
    out_box = dict(boxstyle="round,pad=0.3", facecolor="#fdf0e6", edgecolor="#c0692b")
    arrow = dict(arrowstyle="->", color="black", lw=1.2)
    fig, axes = plt.subplots(1, 2, figsize=FIGSIZE, layout="constrained")
    panels = (
        (axes[0], {steps}, "many-to-one: one answer at the end"),
        (axes[1], set(range(1, steps + 1)), "many-to-many: an answer at every step"),
    )
    for ax, outputs, title in panels:
        for t in range(1, steps + 1):
            ax.text(t, 0, f"$x_{t}$", ha="center", va="center", fontsize=13)
            ax.text(t, 1, f"$h_{t}$", ha="center", va="center", fontsize=13, bbox=box)
            ax.annotate("", (t, 0.75), (t, 0.22), arrowprops=arrow)
            if t > 1:  # the recurrence: h_{t-1} feeds the step that makes h_t
                ax.annotate("", (t - 0.25, 1), (t - 0.75, 1), arrowprops=arrow)
            if t in outputs:
                ax.text(t, 2, f"$y_{t}$", ha="center", va="center", fontsize=13, bbox=out_box)
                ax.annotate("", (t, 1.75), (t, 1.25), arrowprops=arrow)
        ax.set_title(title, fontsize=11)
        ax.set_xlim(0.4, steps + 0.6)
        ax.set_ylim(-0.4, 2.4)
        ax.axis("off")
    return fig


def draw_bidirectional(length=4, T=6, ax=None):
    """A bidirectional layer over one padded sequence: ``length`` real steps padded to ``T``.

    The forward direction (middle row) runs over the real steps from the first
    to the last, the backward direction (top row) from the last to the first;
    both read the same inputs (bottom row). At a padded step (grey) neither
    runs: the state is carried and the output is 0. Returns the axes.
    """
    import matplotlib.pyplot as plt

    if not 1 <= length <= T:
        raise ValueError(f"length must be in 1..T={T}, got {length}")
    if ax is None:
        _, ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
    box = dict(boxstyle="round,pad=0.3", fc="white", ec="black")
    pad_box = dict(boxstyle="round,pad=0.3", fc="0.85", ec="0.6")
    arrow = dict(arrowstyle="->", color="black", lw=1.2)
    back_arrow = dict(arrowstyle="->", color="C1", lw=1.2)
    fwd_arrow = dict(arrowstyle="->", color="C0", lw=1.2)
    for t in range(1, T + 1):
        real = t <= length
        ax.text(
            t,
            0,
            f"$x_{t}$" if real else "0",
            ha="center",
            va="center",
            fontsize=12,
            bbox=box if real else pad_box,
            color="black" if real else "0.4",
        )
        if not real:
            ax.text(t, 1.5, "padding", ha="center", va="center", fontsize=9, color="0.4", rotation=90)
            continue
        ax.text(t, 1, rf"$\overrightarrow{{h}}_{t}$", ha="center", va="center", fontsize=12, bbox=box, color="C0")
        ax.text(t, 2, rf"$\overleftarrow{{h}}_{t}$", ha="center", va="center", fontsize=12, bbox=box, color="C1")
        ax.annotate("", (t, 0.75), (t, 0.25), arrowprops=arrow)  # x_t feeds both directions ...
        ax.annotate("", (t + 0.3, 1.75), (t + 0.3, 0.25), arrowprops=dict(arrow, alpha=0.45))  # ... beside it
        if t > 1:  # forward: h_{t-1} -> h_t
            ax.annotate("", (t - 0.3, 1), (t - 0.7, 1), arrowprops=fwd_arrow)
        if t < length:  # backward: h_{t+1} -> h_t
            ax.annotate("", (t + 0.3, 2), (t + 0.7, 2), arrowprops=back_arrow)
    ax.text(0.35, 1, "forward", ha="right", va="center", fontsize=10, color="C0")
    ax.text(0.35, 2, "backward", ha="right", va="center", fontsize=10, color="C1")
    ax.text(0.35, 0, "input", ha="right", va="center", fontsize=10)
    ax.set_title(f"Both directions over {length} real steps padded to T = {T}", fontsize=11)
    ax.set_xlim(-0.6, T + 0.6)
    ax.set_ylim(-0.5, 2.5)
    ax.axis("off")
    return ax


def plot_confusion(ax, true, pred, num_classes, *, labels=None):
    """A confusion matrix on ``ax``: row = true class, column = predicted class, counts in the cells.

    ``true`` and ``pred`` are (N,) class indices; returns the (C, C) matrix of counts.
    """
    true, pred = np.asarray(true), np.asarray(pred)
    if true.shape != pred.shape or true.ndim != 1:
        raise ValueError(f"true and pred must be (N,) arrays of the same shape, got {true.shape} and {pred.shape}")
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (true, pred), 1)
    ax.imshow(counts, cmap="Blues")
    for r in range(num_classes):
        for c in range(num_classes):
            if counts[r, c]:
                ax.text(
                    c,
                    r,
                    str(counts[r, c]),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if counts[r, c] > counts.max() / 2 else "black",
                )
    ticks = np.arange(num_classes)
    names = [str(k) for k in (labels if labels is not None else ticks)]
    ax.set_xticks(ticks, names)
    ax.set_yticks(ticks, names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    return counts
