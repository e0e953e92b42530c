"""Interactive figures that compute in the browser: the gate explorer and the
gradient-flow explorer.

Each explorer is a row of ipywidgets sliders linked (``jslink``) to an
`anywidget <https://anywidget.dev>`_ whose front end, an ES module with no
imports (the ``.js`` files next to this module), computes the recurrence in
JavaScript and draws it as SVG. Nothing runs in Python when a slider moves, so
the figures work in Jupyter and in the static pages of the book alike, where
the widgets' state (the module's text included) is embedded in the page.

The functions :func:`cell_and_hidden` and :func:`gradient_flow` compute in
NumPy, with ``lstm_lib``, what the front ends compute; the tests run the
JavaScript with Node.js on the same inputs and compare.
"""

from __future__ import annotations

from importlib import resources

import anywidget
import ipywidgets as widgets
import numpy as np
import traitlets

from lstm_lib.numpy.rnn import gradient_norms, init_rnn_params, rnn_forward, rnn_step_backward
from lstm_lib.viz import cell_state_trace

__all__ = [
    "GateExplorer",
    "GradientFlowExplorer",
    "cell_and_hidden",
    "esm_source",
    "gate_explorer",
    "gradient_flow",
    "gradient_flow_data",
    "gradient_flow_explorer",
]

# Shared chart code first, then each explorer's own module (see chart.js).
_CHART = "chart.js"
GATE_MODULE = "gate_explorer.js"
FLOW_MODULE = "gradient_flow.js"


def _asset(name: str) -> str:
    return resources.files("lstm_lib").joinpath("explorers", name).read_text(encoding="utf-8")


def esm_source(module: str) -> str:
    """The ES module an explorer's front end runs: the shared chart code, then ``module``.

    Args:
        module: a file of ``lstm_lib/explorers/``, ``"gate_explorer.js"`` or
            ``"gradient_flow.js"``.
    """
    if module not in (GATE_MODULE, FLOW_MODULE):
        raise ValueError(f"module must be {GATE_MODULE!r} or {FLOW_MODULE!r}, got {module!r}")
    return _asset(_CHART) + "\n" + _asset(module)


# --- What the front ends compute, in NumPy -------------------------------------------


def cell_and_hidden(f, i, g, o, *, c0=0.0, steps=30):
    """c_t and h_t of one unit whose gates hold constant values, t = 0 .. steps.

    ``c_t = f c_{t-1} + i g`` from ``c_0 = c0`` (:func:`lstm_lib.viz.cell_state_trace`)
    and ``h_t = o tanh(c_t)``: what the gate explorer draws.

    Returns:
        (c, h), two float64 arrays of shape (steps + 1,).
    """
    c = cell_state_trace(f, i, g, steps=steps, c0=c0)
    return c, o * np.tanh(c)


def gradient_flow_data(*, steps=60, hidden_size=16, input_size=4, seed=0):
    """The fixed plain RNN the gradient-flow explorer differentiates.

    A random input sequence x (steps, input_size) and the weights of
    :func:`lstm_lib.numpy.init_rnn_params`, seeded, so that the figure is the
    same on every run. The recurrent matrix is rescaled to spectral radius 1;
    the explorer multiplies it by the slider's rho.

    Returns:
        dict with ``recurrent`` W (H, H), spectral radius 1; ``drive`` (steps, H),
        ``x_t W_ih^T + b_ih + b_hh`` at every step; ``v`` (H,), the gradient of
        the loss with respect to the last hidden state, of norm 1.
    """
    if steps < 2:
        raise ValueError(f"steps must be at least 2 (a loss at the last step and one before it), got {steps}")
    rng = np.random.default_rng(seed)
    params = init_rnn_params(input_size, hidden_size, rng=rng)
    x = rng.standard_normal((steps, input_size))
    w = params["weight_hh"]
    recurrent = w / np.max(np.abs(np.linalg.eigvals(w)))
    drive = x @ params["weight_ih"].T + params["bias_ih"] + params["bias_hh"]
    v = rng.standard_normal(hidden_size)
    return {"recurrent": recurrent, "drive": drive, "v": v / np.linalg.norm(v)}


def gradient_flow(f, rho, recurrent, drive, v):
    """Norms of the gradient of ``L = v . h_{T-1}`` at every step t = 0 .. T-1.

    Args:
        f: the forget gate, held at this value at every step.
        rho: the spectral radius of the plain RNN's recurrent matrix ``rho * recurrent``.
        recurrent, drive, v: from :func:`gradient_flow_data`.

    Returns:
        dict of three arrays of shape (T,):

        - ``cell``: ``|dL/dc_t|`` along the LSTM's cell state alone, where each
          step back multiplies by f (the paths through the gates are left out):
          ``|v| f^(T-1-t)``;
        - ``rnn``: ``|dL/dh_t|`` of the plain RNN ``h_t = tanh(drive_t + h_{t-1}
          (rho W)^T)`` from ``h_{-1} = 0``: :func:`lstm_lib.numpy.rnn_forward`,
          then :func:`lstm_lib.numpy.rnn_step_backward` step by step, a product
          of the Jacobians ``diag(1 - h_t^2) rho W``;
        - ``linear``: the same matrix without tanh',
          ``|v (rho W)^(T-1-t)|`` (:func:`lstm_lib.numpy.rnn.gradient_norms`).
    """
    recurrent, drive, v = (np.asarray(a, dtype=np.float64) for a in (recurrent, drive, v))
    T, H = drive.shape
    if recurrent.shape != (H, H) or v.shape != (H,):
        raise ValueError(
            f"recurrent must be (H, H) and v (H,) with H = {H} (drive is {drive.shape}), "
            f"got {recurrent.shape} and {v.shape}"
        )
    # The drive is the input term already: an identity input matrix and no biases.
    params = {"weight_ih": np.eye(H), "weight_hh": rho * recurrent, "bias_ih": np.zeros(H), "bias_hh": np.zeros(H)}
    _, _, cache = rnn_forward(drive[None], None, params)
    rnn = np.empty(T)
    dh = v[None]
    for t in range(T - 1, -1, -1):
        rnn[t] = np.linalg.norm(dh)
        if t:
            _, dh, _ = rnn_step_backward(dh, cache.steps[t])
    cell = np.linalg.norm(v) * float(f) ** np.arange(T - 1, -1, -1)
    linear = gradient_norms(rho * recurrent, T - 1, v)[::-1]
    return {"cell": cell, "rnn": rnn, "linear": linear}


# --- The widgets ----------------------------------------------------------------


class GateExplorer(anywidget.AnyWidget):
    """c_t and h_t of one unit whose gates f, i, g, o hold constant values, from c_0 = c0."""

    _esm = esm_source(GATE_MODULE)
    _css = _asset("explorers.css")
    f = traitlets.Float(0.9).tag(sync=True)
    i = traitlets.Float(0.2).tag(sync=True)
    g = traitlets.Float(0.8).tag(sync=True)
    o = traitlets.Float(1.0).tag(sync=True)
    c0 = traitlets.Float(0.0).tag(sync=True)
    steps = traitlets.Int(30).tag(sync=True)

    @traitlets.validate("steps")
    def _check_steps(self, proposal):
        if proposal["value"] < 1:
            raise traitlets.TraitError(f"steps must be at least 1, got {proposal['value']}")
        return proposal["value"]


class GradientFlowExplorer(anywidget.AnyWidget):
    """Gradient norms along an LSTM's cell state (forget gate f) and through a plain
    RNN (recurrent matrix of spectral radius rho), by time step; the RNN's data
    (``recurrent``, ``drive``, ``v``) come from :func:`gradient_flow_data`."""

    _esm = esm_source(FLOW_MODULE)
    _css = _asset("explorers.css")
    f = traitlets.Float(0.98).tag(sync=True)
    rho = traitlets.Float(0.6).tag(sync=True)
    recurrent = traitlets.List(traitlets.List(traitlets.Float())).tag(sync=True)
    drive = traitlets.List(traitlets.List(traitlets.Float())).tag(sync=True)
    v = traitlets.List(traitlets.Float()).tag(sync=True)

    @traitlets.validate("recurrent", "drive", "v")
    def _check_shapes(self, proposal):
        value, name = proposal["value"], proposal["trait"].name
        if not value:
            raise traitlets.TraitError(f"{name} must not be empty (see gradient_flow_data)")
        if name != "v" and len({len(row) for row in value}) != 1:
            raise traitlets.TraitError(
                f"{name} must be a list of rows of equal length, got lengths {sorted({len(row) for row in value})}"
            )
        return value


def _slider(value, low, high, description, *, step=0.01, label_width="7em"):
    """A slider that updates its figure while it is dragged (the figure computes in the page)."""
    if not low <= value <= high:
        raise ValueError(f"{description}: the starting value must be in [{low}, {high}], got {value}")
    return widgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=description,
        continuous_update=True,
        readout_format=".2f",
        style={"description_width": label_width},
        layout=widgets.Layout(width="100%", max_width="380px", min_width="0"),
    )


def _layout(sliders, figure):
    """Sliders beside the figure in a wide page, above it in a narrower one (a phone,
    or the book's column, where the figure is drawn at its full width)."""
    controls = widgets.VBox(sliders, layout=widgets.Layout(flex="1 1 280px", max_width="380px", min_width="0"))
    figure.layout = widgets.Layout(flex="1 1 440px", min_width="0", max_width="640px")
    box = widgets.Box(
        [controls, figure],
        layout=widgets.Layout(display="flex", flex_flow="row wrap", align_items="flex-start", width="100%"),
    )
    box.add_class("lstm-explorer")
    return box


def gate_explorer(*, steps=30, f=0.9, i=0.2, g=0.8, o=1.0, c0=0.0):
    """Sliders for the gates f, i, g, o and the start c0, and a plot of c_t and h_t.

    The gates hold the same values at every step, so the plot shows what each
    gate does alone: f sets how long the cell remembers, i and g what it
    writes, o how much of it the hidden state shows. The plot is computed in
    the browser, so it redraws in a static web page too.

    Returns:
        an ipywidgets Box: the sliders, each ``jslink``-ed to the trait of the
        same name of a :class:`GateExplorer`, and the explorer.
    """
    sliders = {
        "f": _slider(f, 0.0, 1.0, "forget f"),
        "i": _slider(i, 0.0, 1.0, "input i"),
        "g": _slider(g, -1.0, 1.0, "candidate g"),
        "o": _slider(o, 0.0, 1.0, "output o"),
        "c0": _slider(c0, -3.0, 3.0, "start c₀"),
    }
    figure = GateExplorer(f=f, i=i, g=g, o=o, c0=c0, steps=steps)
    return _link(sliders, figure)


def gradient_flow_explorer(*, f=0.98, rho=0.6, steps=60, hidden_size=16, seed=0):
    """Sliders for the forget gate f and the recurrent spectral radius rho, and a
    plot of how far back the gradient of a loss at the last step reaches.

    Along the LSTM's cell state the gradient is multiplied by f at every step
    back; through the plain RNN of :func:`gradient_flow_data` by the Jacobian
    ``diag(1 - h_t^2) rho W``. See :func:`gradient_flow` for what each curve is.

    Returns:
        an ipywidgets Box: the two sliders, ``jslink``-ed to a
        :class:`GradientFlowExplorer`, and the explorer.
    """
    data = gradient_flow_data(steps=steps, hidden_size=hidden_size, seed=seed)
    sliders = {
        "f": _slider(f, 0.5, 1.0, "forget f", label_width="9em"),
        "rho": _slider(rho, 0.1, 2.0, "spectral radius ρ", label_width="9em"),
    }
    figure = GradientFlowExplorer(
        f=f, rho=rho, recurrent=data["recurrent"].tolist(), drive=data["drive"].tolist(), v=data["v"].tolist()
    )
    return _link(sliders, figure)


def _link(sliders, figure):
    box = _layout(list(sliders.values()), figure)
    # Kept on the box so that the links live as long as the figure (and tests can read them).
    box.links = [widgets.jslink((slider, "value"), (figure, name)) for name, slider in sliders.items()]
    box.sliders = sliders
    box.figure = figure
    return box
