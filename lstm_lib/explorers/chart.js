// A small SVG line chart with labelled axes, shared by the explorers' front ends.
// It has no imports: lstm_lib/explorers.py puts it in front of each explorer's
// module, and the page runs the result as one ES module (anywidget's _esm).

const SVG_NS = "http://www.w3.org/2000/svg";
// Margins in pixels; the chart is drawn at the width it is shown at (see chartFrame),
// so that its text keeps its size on a phone and on a desktop.
const CHART = { left: 64, right: 12, top: 12, bottom: 44, minWidth: 260, maxWidth: 640, fallbackWidth: 440 };

function chartSize(width) {
  const w = Math.round(Math.min(CHART.maxWidth, Math.max(CHART.minWidth, width || CHART.fallbackWidth)));
  return [w, Math.round(Math.min(330, Math.max(230, 0.62 * w)))];
}
let chartCount = 0;

function svgElement(tag, attributes, parent) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
  if (parent) parent.appendChild(node);
  return node;
}

function htmlElement(tag, className, parent) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (parent) parent.appendChild(node);
  return node;
}

// Evenly spaced round values (steps of 1, 2, 2.5 or 5 times a power of ten) in [lo, hi].
function linearTicks(lo, hi, count) {
  const raw = (hi - lo) / Math.max(count, 1);
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw * (1 - 1e-9));
  const ticks = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(k * step);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (step / magnitude === 2.5 ? 1 : 0));
  return ticks.map((value) => ({ value, label: (Math.abs(value) < step * 1e-9 ? 0 : value).toFixed(decimals) }));
}

// Powers of ten in [lo, hi] (both given as exponents), at most about `count` of them.
function decadeTicks(lo, hi, count) {
  const every = Math.max(1, Math.ceil((hi - lo) / Math.max(count, 1)));
  const ticks = [];
  for (let e = Math.ceil(lo / every) * every; e <= hi; e += every) ticks.push({ value: e, exponent: e });
  return ticks;
}

// Draw the chart into `svg` (emptied first), `width` pixels wide.
// spec: {x: {lo, hi, label}, y: {lo, hi, label, log},
// series: [{points: [[x, y], ...], color, dash, width, markers}], hlines: [{y, color, dash}]}.
// With y.log, lo and hi are exponents of ten and the points' y values are plain numbers.
function drawChart(svg, spec, width) {
  const { left, right, top, bottom } = CHART;
  const [w, height] = chartSize(width);
  width = w;
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  const x0 = left, x1 = width - right, y0 = height - bottom, y1 = top;
  const sx = (x) => x0 + ((x - spec.x.lo) / (spec.x.hi - spec.x.lo)) * (x1 - x0);
  const toY = (y) => (spec.y.log ? (y > 0 ? Math.log10(y) : -Infinity) : y);
  const sy = (v) => y0 - ((v - spec.y.lo) / (spec.y.hi - spec.y.lo)) * (y0 - y1);
  const clipId = `lstm-chart-clip-${++chartCount}-${Math.random().toString(36).slice(2, 8)}`;
  const clip = svgElement("clipPath", { id: clipId }, svgElement("defs", {}, svg));
  svgElement("rect", { x: x0, y: y1, width: x1 - x0, height: y0 - y1 }, clip);

  const grid = svgElement("g", { class: "lstm-chart-grid" }, svg);
  const axes = svgElement("g", { class: "lstm-chart-axes" }, svg);
  for (const tick of linearTicks(spec.x.lo, spec.x.hi, 6)) {
    svgElement("line", { x1: sx(tick.value), x2: sx(tick.value), y1: y0, y2: y1 }, grid);
    const label = svgElement("text", { x: sx(tick.value), y: y0 + 16, "text-anchor": "middle" }, axes);
    label.textContent = tick.label;
  }
  const yTicks = spec.y.log ? decadeTicks(spec.y.lo, spec.y.hi, 6) : linearTicks(spec.y.lo, spec.y.hi, 5);
  for (const tick of yTicks) {
    svgElement("line", { x1: x0, x2: x1, y1: sy(tick.value), y2: sy(tick.value) }, grid);
    const label = svgElement("text", { x: x0 - 6, y: sy(tick.value) + 5, "text-anchor": "end" }, axes);
    if (spec.y.log) {
      label.textContent = "10";
      const power = svgElement("tspan", { dy: -6, "font-size": "10" }, label);
      power.textContent = String(tick.exponent).replace("-", "\u2212");
    } else {
      label.textContent = tick.label.replace("-", "\u2212");
    }
  }
  svgElement("rect", { x: x0, y: y1, width: x1 - x0, height: y0 - y1, class: "lstm-chart-frame" }, axes);
  const xLabel = svgElement("text", { x: (x0 + x1) / 2, y: height - 6, "text-anchor": "middle" }, axes);
  xLabel.textContent = spec.x.label;
  const yLabel = svgElement("text", {
    x: 0, y: 0, "text-anchor": "middle", transform: `translate(15 ${(y0 + y1) / 2}) rotate(-90)`,
  }, axes);
  yLabel.textContent = spec.y.label;

  const plot = svgElement("g", { "clip-path": `url(#${clipId})` }, svg);
  for (const line of spec.hlines || []) {
    const y = sy(toY(line.y));
    svgElement("line", {
      x1: x0, x2: x1, y1: y, y2: y, stroke: line.color, "stroke-width": line.width || 1.2,
      "stroke-dasharray": line.dash || "none", class: line.className || "",
    }, plot);
  }
  for (const series of spec.series) {
    let d = "";
    let pen = "M";
    for (const [x, y] of series.points) {
      const v = toY(y);
      if (!Number.isFinite(v)) { pen = "M"; continue; }
      d += `${pen}${sx(x).toFixed(2)} ${sy(v).toFixed(2)}`;
      pen = "L";
    }
    svgElement("path", {
      d, fill: "none", stroke: series.color, "stroke-width": series.width || 2,
      "stroke-dasharray": series.dash || "none", "stroke-linejoin": "round", class: series.className || "",
    }, plot);
    if (series.markers) {
      for (const [x, y] of series.points) {
        const v = toY(y);
        if (Number.isFinite(v)) svgElement("circle", { cx: sx(x), cy: sy(v), r: 2.6, fill: series.color }, plot);
      }
    }
  }
}

// The legend, in HTML so that it wraps on a narrow screen: [{color, dash, label}], each
// label a bit of HTML written by the explorers themselves.
function drawLegend(legend, entries) {
  legend.textContent = "";
  for (const entry of entries) {
    const item = htmlElement("span", "lstm-legend-item", legend);
    const swatch = svgElement("svg", { width: 26, height: 10, viewBox: "0 0 26 10", "aria-hidden": "true" }, item);
    svgElement("line", {
      x1: 1, x2: 25, y1: 5, y2: 5, stroke: entry.color, "stroke-width": 2.5,
      "stroke-dasharray": entry.dash || "none",
    }, swatch);
    htmlElement("span", "", item).innerHTML = entry.label; // the explorers' own markup (<i>, <sub>)
  }
}

// The frame every explorer draws in: a caption, the chart and its legend. `draw(width)`
// draws the chart at the width the frame has in the page, now and whenever that width
// changes (a rotated phone, a resized window); the returned function stops that.
function chartFrame(el, description, draw) {
  const root = htmlElement("figure", "lstm-explorer-figure", el);
  const caption = htmlElement("div", "lstm-explorer-caption", root);
  const svg = svgElement("svg", { class: "lstm-explorer-svg", role: "img", "aria-label": description }, root);
  const legend = htmlElement("div", "lstm-explorer-legend", root);
  const frame = { root, caption, svg, legend, width: 0 };
  frame.redraw = () => draw(frame.width || root.clientWidth);
  let pending = 0;
  const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => {
    // Redrawn in the next frame, not inside the observer's callback: the new drawing
    // changes the figure's height, which the observer would otherwise report as a loop.
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => {
      const width = Math.round(root.clientWidth);
      if (width > 0 && width !== frame.width) {
        frame.width = width;
        frame.redraw();
      }
    });
  });
  if (observer) observer.observe(root);
  frame.stop = () => {
    cancelAnimationFrame(pending);
    if (observer) observer.disconnect();
  };
  return frame;
}

// A positive number in scientific notation, as HTML: 2.0×10<sup>−3</sup>.
function formatScientific(value) {
  if (!(value > 0) || !Number.isFinite(value)) return String(value);
  const [mantissa, exponent] = value.toExponential(1).split("e");
  return `${mantissa}\u00d710<sup>${Number(exponent).toString().replace("-", "\u2212")}</sup>`;
}

// A number with a fixed count of decimals and a real minus sign (never "-0.00").
function formatNumber(value, decimals) {
  const rounded = Number(value.toFixed(decimals));
  return (rounded === 0 ? 0 : rounded).toFixed(decimals).replace("-", "\u2212");
}
