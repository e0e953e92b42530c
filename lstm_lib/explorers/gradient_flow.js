// The gradient-flow explorer's front end: how the gradient of a loss at the last
// step reaches the earlier ones, along an LSTM's cell state and through a plain
// RNN, computed here, in the page, from the data the kernel sent once.

function norm(vector) {
  let sum = 0;
  for (const value of vector) sum += value * value;
  return Math.sqrt(sum);
}

// Norms of dL/dc_t, dL/dh_t and of the linear recurrence's gradient, t = 0 .. T-1,
// for a loss L = v . h_{T-1} at the last step.
//   cell:   along the cell state alone, dc_{t-1} = dc_t f: |v| f^(T-1-t).
//   rnn:    a plain RNN h_t = tanh(drive_t + h_{t-1} (rho W)^T) from h_{-1} = 0, run
//           forwards, then dh_{t-1} = (dh_t * (1 - h_t^2)) (rho W): a product of Jacobians.
//   linear: the same matrix without tanh', |v (rho W)^(T-1-t)|.
// recurrent: W, H rows of H; drive: T rows of H (x_t W_ih^T + b_ih + b_hh); v: H.
// The same computation as lstm_lib.explorers.gradient_flow, in NumPy.
export function gradientFlow(f, rho, recurrent, drive, v) {
  const T = drive.length, H = v.length;
  const hs = [];
  let h = new Array(H).fill(0);
  for (let t = 0; t < T; t++) {
    const next = new Array(H);
    for (let j = 0; j < H; j++) {
      let a = 0;
      for (let k = 0; k < H; k++) a += h[k] * recurrent[j][k];
      next[j] = Math.tanh(drive[t][j] + rho * a);
    }
    hs.push(next);
    h = next;
  }
  const cell = new Array(T), rnn = new Array(T), linear = new Array(T);
  let dh = v.slice(), dl = v.slice();
  const start = norm(v);
  for (let t = T - 1; t >= 0; t--) {
    cell[t] = start * Math.pow(f, T - 1 - t);
    rnn[t] = norm(dh);
    linear[t] = norm(dl);
    if (t === 0) break;
    const da = dh.map((value, j) => value * (1 - hs[t][j] * hs[t][j]));
    const back = new Array(H).fill(0), backLinear = new Array(H).fill(0);
    for (let j = 0; j < H; j++) {
      for (let k = 0; k < H; k++) {
        back[k] += da[j] * rho * recurrent[j][k];
        backLinear[k] += dl[j] * rho * recurrent[j][k];
      }
    }
    dh = back;
    dl = backLinear;
  }
  return { cell, rnn, linear };
}

// The log-scale range shown, as exponents of ten: fixed, so that moving a slider
// moves the curves and not the axis.
export const DECADES = [-20, 5];

const COLORS = { cell: "#1f77b4", rnn: "#ff7f0e", linear: "#7f7f7f" };

function render({ model, el }) {
  const draw = (width) => {
    const f = model.get("f"), rho = model.get("rho");
    const drive = model.get("drive");
    const T = drive.length;
    const { cell, rnn, linear } = gradientFlow(f, rho, model.get("recurrent"), drive, model.get("v"));
    frame.caption.innerHTML = `<i>f</i> = ${formatNumber(f, 2)}, \u03c1 = ${formatNumber(rho, 2)}: ` +
      `at <i>t</i> = 0, cell path ${formatScientific(cell[0])}, RNN ${formatScientific(rnn[0])}`;
    const points = (values) => values.map((value, t) => [t, value]);
    drawChart(frame.svg, {
      x: { lo: 0, hi: T - 1, label: `time step t (the loss is at t = ${T - 1})` },
      y: { lo: DECADES[0], hi: DECADES[1], label: "gradient norm", log: true },
      hlines: [{ y: 1, color: "#000", width: 0.8 }],
      series: [
        { points: points(linear), color: COLORS.linear, dash: "5 4", width: 1.6, className: "lstm-linear" },
        { points: points(rnn), color: COLORS.rnn, className: "lstm-rnn" },
        { points: points(cell), color: COLORS.cell, className: "lstm-cell-path" },
      ],
    }, width);
    drawLegend(frame.legend, [
      { color: COLORS.cell, label: "LSTM cell path, |dL/d<i>c</i><sub>t</sub>| = <i>f</i><sup>T\u22121\u2212t</sup>" },
      { color: COLORS.rnn, label: "plain RNN, |dL/d<i>h</i><sub>t</sub>|: Jacobians diag(tanh\u2032) \u03c1<i>W</i>" },
      { color: COLORS.linear, dash: "5 4", label: "the matrix alone, |<i>v</i> (\u03c1<i>W</i>)<sup>T\u22121\u2212t</sup>|" },
    ]);
  };
  const frame = chartFrame(el, "Gradient norms along an LSTM's cell state and through a plain RNN, by time step", draw);
  const redraw = () => frame.redraw();
  const names = ["f", "rho", "recurrent", "drive", "v"];
  for (const name of names) model.on(`change:${name}`, redraw);
  redraw();
  return () => {
    frame.stop();
    for (const name of names) model.off(`change:${name}`, redraw);
  };
}

export default { render };
