// The gate explorer's front end: c_t and h_t of one LSTM unit whose gates hold
// the values of the sliders at every step, computed here, in the page.

// c_0 = c0, c_t = f c_{t-1} + i g; h_t = o tanh(c_t), for t = 0 .. steps.
// The same recurrence as lstm_lib.viz.cell_state_trace.
export function cellStates(f, i, g, o, c0, steps) {
  const c = [c0];
  for (let t = 1; t <= steps; t++) c.push(f * c[t - 1] + i * g);
  return { c, h: c.map((value) => o * Math.tanh(value)) };
}

// The point c* = f c* + i g that c_t tends to when f < 1; null when f = 1.
export function fixedPoint(f, i, g) {
  return f < 1 ? (i * g) / (1 - f) : null;
}

// The y range shown: every value, 0 and the fixed point, with a margin (as
// lstm_lib.viz.plot_cell_state sets it).
export function valueRange(c, h, fixed) {
  const shown = [...c, ...h, 0];
  if (fixed !== null) shown.push(fixed);
  const low = Math.min(...shown), high = Math.max(...shown);
  const pad = 0.1 * Math.max(high - low, 0.5);
  return [low - pad, high + pad];
}

const COLORS = { c: "#1f77b4", h: "#ff7f0e", fixed: "#7f7f7f" };

function render({ model, el }) {
  const draw = (width) => {
    const [f, i, g, o, c0] = ["f", "i", "g", "o", "c0"].map((name) => model.get(name));
    const steps = model.get("steps");
    const { c, h } = cellStates(f, i, g, o, c0, steps);
    const fixed = fixedPoint(f, i, g);
    const [lo, hi] = valueRange(c, h, fixed);
    frame.caption.innerHTML = `<i>f</i> = ${formatNumber(f, 2)}, <i>i</i> = ${formatNumber(i, 2)}, ` +
      `<i>g</i> = ${formatNumber(g, 2)}, <i>o</i> = ${formatNumber(o, 2)}, <i>c</i><sub>0</sub> = ${formatNumber(c0, 2)}`;
    const hlines = [{ y: 0, color: "#000", width: 0.8 }];
    if (fixed !== null) hlines.push({ y: fixed, color: COLORS.fixed, dash: "2 4", width: 1.6, className: "lstm-fixed-point" });
    drawChart(frame.svg, {
      x: { lo: 0, hi: steps, label: "time step t" },
      y: { lo, hi, label: "value" },
      hlines,
      series: [
        { points: c.map((v, t) => [t, v]), color: COLORS.c, markers: true, className: "lstm-cell-state" },
        { points: h.map((v, t) => [t, v]), color: COLORS.h, markers: true, className: "lstm-hidden-state" },
      ],
    }, width);
    const legend = [
      { color: COLORS.c, label: "cell state <i>c</i><sub>t</sub>" },
      { color: COLORS.h, label: "hidden state <i>h</i><sub>t</sub> = <i>o</i> tanh(<i>c</i><sub>t</sub>)" },
    ];
    legend.push(fixed !== null
      ? { color: COLORS.fixed, dash: "2 3", label: `fixed point <i>ig</i>/(1 \u2212 <i>f</i>) = ${formatNumber(fixed, 2)}` }
      : { color: "transparent", label: "<i>f</i> = 1: no fixed point, the cell keeps all it has" });
    drawLegend(frame.legend, legend);
  };
  const frame = chartFrame(el, "Cell state and hidden state over time for the gate values of the sliders", draw);
  const redraw = () => frame.redraw();
  const names = ["f", "i", "g", "o", "c0", "steps"];
  for (const name of names) model.on(`change:${name}`, redraw);
  redraw();
  return () => {
    frame.stop();
    for (const name of names) model.off(`change:${name}`, redraw);
  };
}

export default { render };
