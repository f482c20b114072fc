import { api } from "./api.js";
import { svg, yGrid } from "./charts.js";
import { el } from "./dom.js";

const root = document.getElementById("project");
const urls = root.dataset;
const $ = (id) => document.getElementById(id);

for (const button of document.querySelectorAll("[data-status]")) {
  button.addEventListener("click", async () => {
    try {
      await api(urls.api + "status/", { method: "POST", body: { status: button.dataset.status } });
      location.reload();
    } catch (err) { $("status-error").textContent = err.message; }
  });
}

function showOntologyErrors(err) {
  const list = $("ontology-errors");
  list.replaceChildren();
  const details = Array.isArray(err.body.details) ? err.body.details : [{ field: err.body.field, message: err.message }];
  for (const d of details) {
    const li = document.createElement("li");
    li.textContent = d.field ? `${d.field}: ${d.message}` : d.message;
    list.append(li);
  }
}

$("save-ontology")?.addEventListener("click", async () => {
  let definition;
  try { definition = JSON.parse($("ontology-json").value); }
  catch (e) { showOntologyErrors({ body: {}, message: `not valid JSON: ${e.message}` }); return; }
  try {
    const version = await api(urls.ontology, { method: "PUT", body: { definition, changelog: $("ontology-changelog").value } });
    $("ontology-errors").replaceChildren();
    $("ontology-saved").textContent = `saved as version ${version.number}`;
    setTimeout(() => location.reload(), 400);
  } catch (err) { showOntologyErrors(err); }
});

$("preview-guidelines")?.addEventListener("click", async () => {
  let markdown = "";
  try { markdown = JSON.parse($("ontology-json").value)?.guidelines?.markdown || ""; } catch { /* shown on save */ }
  const { html } = await api(urls.preview, { method: "POST", body: { markdown } });
  $("guidelines").innerHTML = html; // sanitised server-side (projects.guidelines)
});

$("upload-form")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData();
  form.append("file", $("upload-file").files[0]);
  if ($("upload-format").value) form.append("format", $("upload-format").value);
  try {
    await api(urls.imports, { method: "POST", form });
    location.reload();
  } catch (err) { $("upload-error").textContent = err.message; }
});

// Poll running imports so progress moves without a reload.
async function poll() {
  const rows = [...document.querySelectorAll("#imports tr[data-job]")].filter((r) => ["queued", "running"].includes(r.querySelector(".st").textContent));
  if (!rows.length) return;
  for (const row of rows) {
    const job = await api(`${urls.imports}${row.dataset.job}/`);
    if (job.status !== "queued" && job.status !== "running") { location.reload(); return; }
    row.querySelector(".st").textContent = job.status;
    row.querySelector(".rec").textContent = job.progress_records ?? job.records;
  }
  setTimeout(poll, 1000);
}
poll();

// ---- agreement panel: figures from the metrics API (services/metrics.py), drawn without any chart library ----
const agreement = document.getElementById("agreement");

const fixed = (v) => (v === null || v === undefined ? "—" : v.toFixed(3));
const pct = (v) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)}%`);
// Krippendorff's rule of thumb: >= .800 reliable, >= .667 tentative conclusions only.
const grade = (v) => (v === null || v === undefined ? "" : v >= 0.8 ? "good" : v >= 0.667 ? "fair" : "poor");

function cell(figure, format = fixed) {
  const td = el("td", { class: "num" }, format(figure?.value));
  if (figure?.reason) td.title = figure.reason;
  return td;
}

function tile(name, figure, detail, format = fixed, graded = true) {
  const box = el("div", { class: "tile" });
  box.append(el("div", { class: "name" }, name));
  box.append(el("div", { class: `big ${graded ? grade(figure.value) : ""}` }, format(figure.value)));
  // a null figure shows why; a defined one shows what it was computed on
  const why = figure.value === null ? figure.reason : detail || figure.reason;
  if (why) box.append(el("div", { class: "why" }, why));
  return box;
}

function renderTiles(f) {
  const alpha = f.alpha;
  const levels = f.task_type === "rating"
    ? `ordinal ${fixed(alpha.ordinal.value)} · interval ${fixed(alpha.interval.value)}` : "nominal";
  const fl = f.fleiss;
  const co = f.cohen;
  $("agreement-tiles").replaceChildren(
    tile("Krippendorff's α", alpha.nominal, levels),
    tile("Fleiss' κ", fl, fl.items_used ? `on ${fl.items_used} of ${fl.items_comparable} items with ${fl.raters_per_item} annotators each` : ""),
    tile("Mean Cohen's κ", co, `over ${co.pairs_used} pairs sharing ≥ ${co.min_shared} items`),
    tile("Observed agreement", f.observed, f.observed.basis, pct, false),
  );
}

function renderLabels(f) {
  const table = $("agreement-labels");
  table.replaceChildren();
  $("agreement-labels-why").textContent = f.per_label.reason || "";
  if (!f.per_label.rows.length) return;
  const what = f.task_type === "multi_label" ? "Agreement on choosing it" : "Specific agreement";
  const head = el("tr");
  for (const [h, num] of [["Label", false], ["Answers", true], [what, true], ["α (label vs rest)", true]]) {
    head.append(el("th", num ? { class: "num" } : {}, h));
  }
  const body = el("tbody");
  for (const row of f.per_label.rows) {
    const tr = el("tr");
    tr.append(el("td", {}, row.label), el("td", { class: "num" }, row.answers.toLocaleString()),
      cell(row.specific, pct), cell(row.alpha));
    body.append(tr);
  }
  table.append(el("thead"), body);
  table.tHead.append(head);
}

function renderConfusion(f) {
  const box = $("agreement-confusion");
  box.replaceChildren();
  const { labels, counts, reason, labels_total: total } = f.confusion;
  if (!counts) { box.append(el("p", { class: "small" }, reason || "")); return; }
  const table = el("table", { class: "heat" });
  const head = el("tr");
  head.append(el("th"));
  for (const name of labels) head.append(el("th", { scope: "col" }, name));
  table.append(head);
  counts.forEach((row, i) => {
    const tr = el("tr");
    tr.append(el("th", { class: "side", scope: "row" }, labels[i]));
    const sum = row.reduce((a, b) => a + b, 0);
    row.forEach((n, j) => {
      const share = sum ? n / sum : 0;
      const td = el("td", {}, n.toLocaleString());
      td.style.background = `rgba(47, 111, 237, ${share.toFixed(3)})`;
      if (share > 0.55) td.style.color = "#fff";
      td.title = `when one annotator said ${labels[i]}, another said ${labels[j]}: ${n} pairs (${pct(share)} of the row)`;
      tr.append(td);
    });
    table.append(tr);
  });
  box.append(table);
  if (total > labels.length) box.append(el("p", { class: "small" }, `the ${labels.length} most used of ${total} labels`));
}

function renderAnnotators(f) {
  const table = $("agreement-annotators");
  table.replaceChildren();
  $("agreement-annotators-why").textContent = f.annotators.reason || "";
  if (!f.annotators.rows.length) return;
  const head = el("tr");
  for (const h of ["Annotator", "Answers", "Compared", "With consensus"]) head.append(el("th", h === "Annotator" ? {} : { class: "num" }, h));
  const body = el("tbody");
  for (const row of f.annotators.rows) {
    const tr = el("tr");
    const share = cell({ value: row.agreement_with_consensus, reason: row.reason }, pct);
    if (row.agreement_with_consensus !== null) {
      share.classList.add("share");
      share.style.backgroundSize = `${(row.agreement_with_consensus * 100).toFixed(1)}% 100%`;
    }
    tr.append(el("td", {}, `#${row.annotator_id}`), el("td", { class: "num" }, row.answers.toLocaleString()),
      el("td", { class: "num" }, row.compared.toLocaleString()), share);
    body.append(tr);
  }
  table.append(el("thead"), body);
  table.tHead.append(head);
}

function renderWeeks(f) {
  const figure = $("agreement-weeks");
  figure.replaceChildren(el("figcaption", {}, `Krippendorff's α (${f.over_time.level || "nominal"}) per ISO week`));
  const weeks = f.over_time.weeks;
  if (!weeks.length) { figure.append(el("p", { class: "small" }, f.over_time.reason || "")); return; }
  const W = 540, H = 170, L = 40, R = 12, T = 10, B = 24;
  const values = weeks.map((w) => w.value).filter((v) => v !== null);
  const low = Math.min(0, ...values);
  const x = (i) => (weeks.length === 1 ? (L + W - R) / 2 : L + (i * (W - L - R)) / (weeks.length - 1));
  const y = (v) => T + ((1 - v) * (H - T - B)) / (1 - low);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img",
    "aria-label": `alpha per week, ${weeks.length} weeks` });
  const levels = [low, 0, 0.667, 0.8, 1].filter((v, i, all) => all.indexOf(v) === i);
  yGrid(chart, levels, y, { left: L, right: R, width: W, format: (v) => v.toFixed(v % 1 ? 3 : 0) });
  // a week whose alpha is undefined breaks the line rather than pretending it was 0
  let path = "", pen = "M";
  weeks.forEach((w, i) => {
    if (w.value === null) { pen = "M"; return; }
    path += `${pen}${x(i).toFixed(1)},${y(w.value).toFixed(1)}`;
    pen = "L";
  });
  if (path) chart.append(svg("path", { d: path, class: "line" }));
  weeks.forEach((w, i) => {
    if (w.value === null) {
      const gap = svg("line", { x1: x(i), x2: x(i), y1: T, y2: H - B, class: "gap" });
      gap.append(svg("title", {}, `${w.week}: ${w.reason}`));
      chart.append(gap);
      return;
    }
    const dot = svg("circle", { cx: x(i), cy: y(w.value), r: 3.5, class: "dot" });
    dot.append(svg("title", {}, `${w.week} (from ${w.start}): α ${fixed(w.value)} on ${w.items} items, ${w.annotations} answers`));
    chart.append(dot);
  });
  const step = Math.max(1, Math.ceil(weeks.length / 6));
  weeks.forEach((w, i) => {
    if (i % step === 0 || i === weeks.length - 1) {
      const anchor = weeks.length === 1 ? "middle" : i === 0 ? "start" : i === weeks.length - 1 ? "end" : "middle";
      chart.append(svg("text", { x: x(i), y: H - 6, "text-anchor": anchor, class: "tick" }, w.week));
    }
  });
  figure.append(chart);
}

function renderAgreement(report) {
  if (!report.figures) {
    $("agreement-status").textContent = report.message || "being computed…";
    return false;
  }
  const f = report.figures;
  const when = new Date(report.computed_at).toLocaleString();
  $("agreement-status").textContent = `computed ${when} from ${report.annotation_count.toLocaleString()} answers by ` +
    `${f.annotators.rows.length} annotators` + (report.stale ? " · out of date: a recount is queued" : "");
  renderTiles(f);
  renderLabels(f);
  renderConfusion(f);
  renderAnnotators(f);
  renderWeeks(f);
  return !report.stale;
}

let agreementSeen = null;
let agreementPolls = 0;

async function loadAgreement() {
  try {
    const report = await api(agreement.dataset.metrics);
    $("agreement-error").textContent = "";
    const fresh = renderAgreement(report);
    const changed = report.computed_at !== agreementSeen;
    agreementSeen = report.computed_at;
    // keep asking while figures are missing or out of date (the recount runs in the background), but not forever
    if ((!fresh || !changed) && agreementPolls > 0) {
      agreementPolls -= 1;
      setTimeout(loadAgreement, 4000);
    }
  } catch (err) { $("agreement-error").textContent = err.message; }
}

if (agreement) {
  agreementPolls = 15;
  loadAgreement();
  $("agreement-recompute")?.addEventListener("click", async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      await api(agreement.dataset.recompute, { method: "POST" });
      $("agreement-status").textContent = "recount queued…";
      agreementPolls = 30;
      setTimeout(loadAgreement, 2000);
    } catch (err) { $("agreement-error").textContent = err.message; }
    setTimeout(() => { button.disabled = false; }, 5000);
  });
}
