// Inline SVG charts for the dashboards: no library, no build step. The vendor console's accuracy chart, the
// project page's agreement and cost charts all draw with these helpers.
export const SVG_NS = "http://www.w3.org/2000/svg";

export function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// Money as the API sends it (a decimal string): shown with 2 to 4 decimals, never rounded through a float sum.
export const money = (v) =>
  v === null || v === undefined ? "—" : Number(v).toLocaleString("en", { minimumFractionDigits: 2, maximumFractionDigits: 4 });

// Exact sums of decimal strings: in ten-thousandths (the ledgers' four places), as integers.
export const units = (v) => Math.round(Number(v ?? 0) * 10_000);
export const fromUnits = (n) => (n / 10_000).toFixed(4);

// Horizontal grid lines with their tick labels at the given values; `y` maps a value to a pixel row.
export function yGrid(chart, values, y, { left, right, width, format = String }) {
  for (const v of values) {
    chart.append(svg("line", { x1: left, x2: width - right, y1: y(v), y2: y(v), class: "grid" }),
      svg("text", { x: left - 4, y: Number(y(v)) + 3, "text-anchor": "end", class: "tick" }, format(v)));
  }
}

// About five round tick values covering [low, high] (both may be negative).
export function niceTicks(low, high, count = 4) {
  if (high === low) high = low + 1;
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [Number((Math.floor(low / step) * step).toFixed(10))];
  while (ticks.at(-1) < high) ticks.push(Number((ticks.at(-1) + step).toFixed(10))); // the last tick covers `high`
  return ticks;
}

// Bars per category, stacked or side by side. `series`: [{key, name, values: [number per category]}]; each bar is a
// <rect class="bar s-KEY" data-series data-category> with a <title>; a legend names the series.
export function barChart({ categories, series, stacked = false, label, format = money, width = 540, height = 230 }) {
  const [L, R, T, B] = [56, 10, 26, 34];
  const sums = categories.map((_, i) => series.reduce((s, one) => s + Math.max(one.values[i], 0), 0));
  const lows = categories.map((_, i) => series.reduce((s, one) => s + Math.min(one.values[i], 0), 0));
  const every = series.flatMap((one) => one.values);
  const high = Math.max(0, ...(stacked ? sums : every));
  const low = Math.min(0, ...(stacked ? lows : every));
  const ticks = niceTicks(low, high);
  const [top, bottom] = [ticks.at(-1), ticks[0]];
  const y = (v) => (T + ((top - v) / (top - bottom)) * (height - T - B)).toFixed(1);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart bars", "aria-label": label });
  yGrid(chart, ticks, y, { left: L, right: R, width, format: (v) => format(v) });
  const slot = (width - L - R) / Math.max(categories.length, 1);
  const group = Math.min(slot * (stacked ? 0.7 : 0.8), stacked ? 48 : 36 * series.length); // never a wall of colour
  const barWidth = stacked ? group : group / series.length;
  categories.forEach((category, i) => {
    let up = 0, down = 0;
    series.forEach((one, s) => {
      const v = one.values[i];
      const from = stacked ? (v >= 0 ? up : down) : 0;
      if (stacked) { if (v >= 0) up += v; else down += v; }
      const x = L + slot * i + (slot - group) / 2 + (stacked ? 0 : barWidth * s);
      const [a, b] = [Number(y(from)), Number(y(from + v))];
      const rect = svg("rect", { x: x.toFixed(1), y: Math.min(a, b).toFixed(1), width: barWidth.toFixed(1),
        height: Math.abs(a - b).toFixed(1), class: `bar s-${one.key}`, "data-series": one.key, "data-category": category.key });
      rect.append(svg("title", {}, `${category.label} · ${one.name}: ${format(v)}`));
      chart.append(rect);
    });
  });
  const step = Math.max(1, Math.ceil(categories.length / 8));
  categories.forEach((category, i) => {
    if (i % step && i !== categories.length - 1) return;
    const text = category.label.length > 18 ? `${category.label.slice(0, 17)}…` : category.label;
    chart.append(svg("text", { x: (L + slot * (i + 0.5)).toFixed(1), y: height - B + 14, "text-anchor": "middle", class: "tick" }, text));
  });
  let x = L;
  for (const one of series) {
    chart.append(svg("rect", { x, y: 6, width: 10, height: 10, class: `swatch s-${one.key}` }),
      svg("text", { x: x + 14, y: 15, class: "legend" }, one.name));
    x += 24 + one.name.length * 6.2;
  }
  return chart;
}
