"""The explorers of lstm_lib.explorers: the widgets and their links in Python, and
the recurrences their JavaScript computes, run with Node.js and compared with
lstm_lib's NumPy definitions."""

from __future__ import annotations

import json
import shutil
import subprocess

import ipywidgets as widgets
import numpy as np
import pytest
import traitlets

from lstm_lib import explorers, viz
from lstm_lib.numpy import init_rnn_params, rnn_backward, rnn_forward

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


# --- Python side -----------------------------------------------------------------


def _links(box):
    """{(source model, source trait): (target model, target trait)} of the box's jslinks."""
    return {(link.source[0], link.source[1]): (link.target[0], link.target[1]) for link in box.links}


def test_gate_explorer_links_every_slider_to_the_trait_of_the_figure():
    box = explorers.gate_explorer(f=0.5, i=0.3, g=-0.4, o=0.7, c0=1.5, steps=12)
    figure = box.figure
    assert isinstance(figure, explorers.GateExplorer)
    assert (figure.f, figure.i, figure.g, figure.o, figure.c0, figure.steps) == (0.5, 0.3, -0.4, 0.7, 1.5, 12)
    links = _links(box)
    assert len(links) == 5
    for name, slider in box.sliders.items():
        assert isinstance(slider, widgets.FloatSlider)
        assert links[(slider, "value")] == (figure, name)
        assert slider.value == getattr(figure, name)
    assert all(link._model_name == "LinkModel" for link in box.links)  # jslink: runs in the browser
    assert box.children[1] is figure and list(box.children[0].children) == list(box.sliders.values())


def test_gradient_flow_explorer_sends_the_rnn_once_and_links_f_and_rho():
    box = explorers.gradient_flow_explorer(f=0.9, rho=1.2, steps=20, hidden_size=8)
    figure = box.figure
    assert isinstance(figure, explorers.GradientFlowExplorer)
    assert (figure.f, figure.rho) == (0.9, 1.2)
    assert np.shape(figure.drive) == (20, 8) and np.shape(figure.recurrent) == (8, 8) and len(figure.v) == 8
    links = _links(box)
    assert links[(box.sliders["f"], "value")] == (figure, "f")
    assert links[(box.sliders["rho"], "value")] == (figure, "rho")
    # Only the sliders' values travel when a slider moves; the data are sent once.
    assert set(figure.keys) >= {"f", "rho", "recurrent", "drive", "v", "_esm", "_css"}


def test_the_front_ends_are_es_modules_without_imports_that_render():
    for cls, module in (
        (explorers.GateExplorer, "gate_explorer.js"),
        (explorers.GradientFlowExplorer, "gradient_flow.js"),
    ):
        source = cls._esm if isinstance(cls._esm, str) else str(cls._esm)
        assert source == explorers.esm_source(module)
        assert "export default { render }" in source
        assert "\nimport " not in source and "import(" not in source and "require(" not in source
        assert "http://" not in source.replace("http://www.w3.org/2000/svg", "")
        assert "https://" not in source
    assert ".lstm-explorer-svg" in explorers.GateExplorer._css


def test_esm_source_names_what_it_accepts():
    with pytest.raises(ValueError, match="gate_explorer.js"):
        explorers.esm_source("chart.js")


def test_sliders_reject_starting_values_outside_their_range():
    with pytest.raises(ValueError, match=r"forget f: the starting value must be in \[0.0, 1.0\], got 1.5"):
        explorers.gate_explorer(f=1.5)
    with pytest.raises(ValueError, match="spectral radius"):
        explorers.gradient_flow_explorer(rho=3.0)


def test_traits_are_checked():
    with pytest.raises(traitlets.TraitError, match="steps must be at least 1"):
        explorers.GateExplorer(steps=0)
    with pytest.raises(traitlets.TraitError, match="rows of equal length"):
        explorers.GradientFlowExplorer(drive=[[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match="steps must be at least 2"):
        explorers.gradient_flow_data(steps=1)
    data = explorers.gradient_flow_data(steps=5, hidden_size=3)
    with pytest.raises(ValueError, match="recurrent must be"):
        explorers.gradient_flow(0.9, 1.0, data["recurrent"][:2], data["drive"], data["v"])


def test_viz_gate_explorer_is_the_explorer():
    box = viz.gate_explorer(f=0.25)
    assert isinstance(box.figure, explorers.GateExplorer) and box.figure.f == 0.25


# --- The NumPy references ------------------------------------------------------------


def test_cell_and_hidden_follow_the_cell_equations():
    c, h = explorers.cell_and_hidden(0.9, 0.2, 0.8, 0.5, c0=1.0, steps=3)
    expected = [1.0]
    for _ in range(3):
        expected.append(0.9 * expected[-1] + 0.2 * 0.8)
    np.testing.assert_allclose(c, expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(h, 0.5 * np.tanh(expected), rtol=0, atol=1e-15)


def test_gradient_flow_data_is_seeded_with_spectral_radius_one():
    a, b = explorers.gradient_flow_data(seed=3), explorers.gradient_flow_data(seed=3)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert np.max(np.abs(np.linalg.eigvals(a["recurrent"]))) == pytest.approx(1.0, rel=1e-12)
    assert np.linalg.norm(a["v"]) == pytest.approx(1.0)


def test_gradient_flow_rnn_equals_backpropagation_through_the_whole_rnn():
    """The RNN curve at t is |dL/dh_t| of rnn_backward run over the steps after t,
    for an RNN with real inputs, input weights and biases (as the chapter measures it)."""
    rng = np.random.default_rng(5)
    T, D, H, rho = 12, 3, 6, 1.3
    params = init_rnn_params(D, H, rng=rng)
    x = rng.standard_normal((1, T, D))
    w = params["weight_hh"]
    recurrent = w / np.max(np.abs(np.linalg.eigvals(w)))
    params = {**params, "weight_hh": rho * recurrent}
    drive = x[0] @ params["weight_ih"].T + params["bias_ih"] + params["bias_hh"]
    v = rng.standard_normal(H)
    flow = explorers.gradient_flow(0.8, rho, recurrent, drive, v)

    _, _, cache = rnn_forward(x, None, params)
    for t in range(T - 1):
        _, dh, _ = rnn_backward(None, type(cache)(cache.steps[t + 1 :]), v[None])
        assert flow["rnn"][t] == pytest.approx(np.linalg.norm(dh), rel=1e-10)
    assert flow["rnn"][-1] == pytest.approx(np.linalg.norm(v))
    np.testing.assert_allclose(flow["cell"], np.linalg.norm(v) * 0.8 ** np.arange(T - 1, -1, -1))
    np.testing.assert_allclose(
        flow["linear"], [np.linalg.norm(v @ np.linalg.matrix_power(rho * recurrent, T - 1 - t)) for t in range(T)]
    )


def test_gradient_flow_at_the_chapters_values_vanishes_for_the_rnn_not_along_the_cell():
    data = explorers.gradient_flow_data()
    flow = explorers.gradient_flow(0.98, 0.6, **data)
    assert flow["cell"][0] > 0.2 and flow["rnn"][0] < 1e-12


# --- The JavaScript, run with Node.js on the same inputs -----------------------------


def _run_module(tmp_path, module: str, script: str):
    """Import the explorer's ES module (exactly the text the page runs) in Node.js,
    run ``script`` (which prints one JSON value) and return what it printed."""
    (tmp_path / "explorer.mjs").write_text(explorers.esm_source(module), encoding="utf-8")
    runner = tmp_path / "run.mjs"
    runner.write_text('import * as m from "./explorer.mjs";\n' + script, encoding="utf-8")
    done = subprocess.run([NODE, str(runner)], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, f"node failed:\n{done.stderr}"
    return json.loads(done.stdout)


GATE_CASES = [
    (0.9, 0.2, 0.8, 1.0, 0.0, 30),
    (1.0, 0.0, 0.5, 0.3, 2.5, 20),  # a perfect memory of c0
    (0.0, 0.7, -0.9, 0.6, -3.0, 10),  # no memory: c_t = i g
    (0.99, 1.0, 1.0, 0.0, 0.4, 60),  # o = 0 shows nothing
]


@needs_node
def test_gate_module_computes_what_the_cell_equations_give(tmp_path):
    script = (
        "const cases = %s;\n"
        "console.log(JSON.stringify(cases.map(([f, i, g, o, c0, T]) => {\n"
        "  const {c, h} = m.cellStates(f, i, g, o, c0, T);\n"
        "  const fixed = m.fixedPoint(f, i, g);\n"
        "  return {c, h, fixed, range: m.valueRange(c, h, fixed)};\n"
        "})));\n"
    ) % json.dumps(GATE_CASES)
    results = _run_module(tmp_path, "gate_explorer.js", script)
    for (f, i, g, o, c0, steps), js in zip(GATE_CASES, results, strict=True):
        c, h = explorers.cell_and_hidden(f, i, g, o, c0=c0, steps=steps)
        np.testing.assert_allclose(js["c"], c, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(js["h"], h, rtol=1e-13, atol=1e-15)
        if f < 1:
            assert js["fixed"] == pytest.approx(i * g / (1 - f), rel=1e-13, abs=1e-15)
        else:
            assert js["fixed"] is None
        low, high = js["range"]
        assert low <= min(c.min(), h.min(), 0.0) and high >= max(c.max(), h.max(), 0.0)


@needs_node
def test_gradient_flow_module_computes_what_lstm_lib_computes(tmp_path):
    data = explorers.gradient_flow_data(steps=60, hidden_size=16, seed=0)
    cases = [(0.98, 0.6), (0.9, 1.0), (0.5, 2.0), (1.0, 1.5), (0.75, 0.1)]
    script = (
        "const d = %s;\n"
        "console.log(JSON.stringify(d.cases.map(([f, rho]) =>\n"
        "  m.gradientFlow(f, rho, d.recurrent, d.drive, d.v))));\n"
    ) % json.dumps({"cases": cases, **{k: v.tolist() for k, v in data.items()}})
    results = _run_module(tmp_path, "gradient_flow.js", script)
    for (f, rho), js in zip(cases, results, strict=True):
        expected = explorers.gradient_flow(f, rho, **data)
        for curve in ("cell", "rnn", "linear"):
            np.testing.assert_allclose(
                js[curve], expected[curve], rtol=1e-9, err_msg=f"{curve} at f = {f}, rho = {rho}"
            )


@needs_node
def test_a_wrong_recurrence_would_be_caught(tmp_path):
    """The comparison can fail: a forget gate off by 0.01 is far outside the tolerance."""
    data = explorers.gradient_flow_data(steps=30, hidden_size=4)
    script = (
        "const d = %s;\nconsole.log(JSON.stringify(m.gradientFlow(0.9, 1.0, d.recurrent, d.drive, d.v)));\n"
        % json.dumps({k: v.tolist() for k, v in data.items()})
    )
    js = _run_module(tmp_path, "gradient_flow.js", script)
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(js["cell"], explorers.gradient_flow(0.91, 1.0, **data)["cell"], rtol=1e-9)
