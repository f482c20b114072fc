// Vendor console: annotators (table + detail with an accuracy chart), payouts and disputes, over /api/v1/vendor/.
import { api } from "./api.js";
import { barChart, fromUnits, svg, units, yGrid } from "./charts.js";

const urls = document.getElementById("vendor").dataset;
const $ = (id) => document.getElementById(id);
const DAY_MS = 86_400_000;
let people = new Map(); // annotator id -> last table row, for names in the disputes list
let current = null; // the annotator whose detail panel is open

// ---- small helpers ------------------------------------------------------------------------------------------
function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children.map((c) => (c instanceof Node ? c : String(c ?? ""))));
  return node;
}
const td = (text, className) => el("td", className, text);
const pct = (v) => (v === null || v === undefined ? "—" : `${(Number(v) * 100).toFixed(1)}%`);
const money = (v) => Number(v ?? 0).toLocaleString("en", { minimumFractionDigits: 2, maximumFractionDigits: 4 });
const when = (iso) => new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
const badge = (status) => el("span", `badge status-${status}`, status);

function accuracy(a) {
  if (a.accuracy === null || a.accuracy === undefined) return "—";
  return `${pct(a.accuracy)} (${pct(a.wilson_low)}–${pct(a.wilson_high)}) of ${a.gold_seen}`;
}

function button(label, onClick, className = "secondary") {
  const b = el("button", className, label);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

// API errors are shown, never swallowed: the message and, when the API names one, the field at fault.
function showError(err) {
  const field = err.body?.field ? ` (${err.body.field})` : "";
  $("notice-text").textContent = `${err.message}${field}`;
  $("notice").hidden = false;
}
$("notice-close").addEventListener("click", () => { $("notice").hidden = true; });

// Runs an action with any failure shown. Its control is marked busy and ignores clicks meanwhile (no double
// submits); `disabled` is left alone because re-rendering decides that from the new state.
async function guarded(control, action) {
  if (control?.getAttribute("aria-busy") === "true") return;
  control?.setAttribute("aria-busy", "true");
  try {
    await action();
    $("notice").hidden = true;
  } catch (err) {
    showError(err);
  } finally {
    control?.removeAttribute("aria-busy");
  }
}

function fill(tbody, rows, columns, emptyText) {
  if (!rows.length) {
    const empty = td(emptyText, "muted");
    empty.colSpan = columns;
    rows = [el("tr", null, empty)];
  }
  tbody.replaceChildren(...rows);
}

// ---- annotators table ---------------------------------------------------------------------------------------
function annotatorRow(a) {
  const open = button(a.email, () => {}, "link nowrap");
  open.setAttribute("aria-controls", "detail");
  const agreement = a.agreement_with_consensus === null ? "—" : pct(a.agreement_with_consensus);
  const ms = a.ms_per_label === null ? "—" : a.ms_per_label.toLocaleString("en");
  const tr = el("tr", "clickable", el("td", null, open), td(a.vendor), td(a.tier), el("td", null, badge(a.status)),
    td(accuracy(a), "nowrap"), td(agreement), td(a.labels, "num"), td(a.labels_24h, "num"), td(ms, "num"),
    td(`${a.fast_labels} / ${a.slow_labels}`, "num"), td(money(a.earned), "num"), td(money(a.unpaid), "num"),
    td(a.flags.join("; "), a.flags.length ? "flags" : ""));
  tr.dataset.annotator = a.id;
  if (current?.id === a.id) tr.classList.add("selected");
  // The whole row opens the detail; the email button (whose click bubbles here) makes that keyboard-reachable.
  tr.addEventListener("click", () => guarded(null, () => openDetail(a.id, { scroll: true })));
  return tr;
}

async function loadAnnotators() {
  const { annotators } = await api(urls.annotators);
  people = new Map(annotators.map((a) => [a.id, a]));
  fill($("annotators").tBodies[0], annotators.map(annotatorRow), 13, "No annotators in your vendors.");
}

// ---- annotator detail ---------------------------------------------------------------------------------------
async function openDetail(id, { scroll = false } = {}) {
  const d = await api(`${urls.annotators}${id}/`);
  const a = d.annotator;
  current = a;
  $("detail-title").textContent = a.email;
  $("detail-summary").textContent = `${a.vendor} · tier ${a.tier} · status ${a.status} · gold ${accuracy(a)} · ${a.labels} labels`;
  $("pause").disabled = a.status === "paused" || a.status === "removed";
  $("resume").disabled = a.status !== "paused";
  offerPromotions(a.tier);
  fill($("standings").tBodies[0], d.projects.map(standingRow), 8, "No project standings yet.");
  drawChart(d.timeline);
  $("events").replaceChildren(...(d.events.length ? d.events.map(eventItem) : [el("li", "muted", "No events.")]));
  for (const tr of $("annotators").tBodies[0].rows) tr.classList.toggle("selected", tr.dataset.annotator === String(id));
  $("detail").hidden = false;
  if (scroll) $("detail").scrollIntoView({ block: "start" }); // below a long table it would open off screen
}

function offerPromotions(tier) {
  const select = $("promote-tier");
  const rank = Number(select.querySelector(`option[value="${tier}"]`)?.dataset.rank ?? -1);
  let first = null;
  for (const option of select.options) {
    option.disabled = option.hidden = Number(option.dataset.rank) <= rank; // only a higher tier is a promotion
    if (!option.disabled && !first) first = option;
  }
  if (first) select.value = first.value;
  select.disabled = $("promote").disabled = !first;
}

function standingRow(p) {
  const name = p.project ? `${p.tenant ?? ""} · ${p.project}` : `project ${p.tenant_id}/${p.project_id}`;
  const action = el("td");
  if (p.status === "paused") {
    const resume = button("Resume", () => guarded(resume, () => act("resume", { tenant_id: p.tenant_id, project_id: p.project_id })));
    resume.setAttribute("aria-label", `Resume on ${name}`);
    action.append(resume);
  }
  const calibration = p.calibration_score === null ? "—" : pct(p.calibration_score);
  const tr = el("tr", null, td(name), el("td", null, badge(p.status)), td(p.reason || "—"), td(accuracy(p.window)),
    td(accuracy(p)), td(calibration, "num"), td(p.labels, "num"), action);
  tr.dataset.project = `${p.tenant_id}/${p.project_id}`;
  return tr;
}

function eventItem(e) {
  const figures = Object.entries(e.figures || {}).map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`);
  const where = e.project_id ? ` · project ${e.tenant_id}/${e.project_id}` : "";
  return el("li", null, badge(e.kind), " ", el("span", null, e.message || ""), " ",
    el("span", "muted", `${when(e.at)}${where}`), figures.length ? el("div", "figures-line", figures.join(" · ")) : "");
}

async function act(action, body = {}) {
  await api(`${urls.annotators}${current.id}/${action}/`, { method: "POST", body });
  await Promise.all([openDetail(current.id), loadAnnotators()]);
}

$("detail-close").addEventListener("click", () => {
  $("detail").hidden = true;
  current = null;
  for (const tr of $("annotators").tBodies[0].rows) tr.classList.remove("selected");
});
$("resume").addEventListener("click", (e) => guarded(e.currentTarget, () => act("resume")));
$("promote").addEventListener("click", (e) => guarded(e.currentTarget, () => act("promote", { tier: $("promote-tier").value })));
$("pause").addEventListener("click", () => {
  $("pause-reason").value = "";
  $("pause-dialog").returnValue = "";
  $("pause-dialog").showModal();
});
$("pause-dialog").addEventListener("close", () => {
  if ($("pause-dialog").returnValue === "pause") guarded($("pause"), () => act("pause", { reason: $("pause-reason").value }));
});

// ---- accuracy chart (inline SVG: charts.js, no library) -------------------------------------------------------
function drawChart(points) {
  const box = $("chart");
  if (!points.length) { box.replaceChildren(el("p", "muted", "No hidden-gold answers in the last 90 days.")); return; }
  const [W, H, L, R, T, B] = [540, 220, 40, 12, 10, 24];
  const days = points.map((p) => Date.parse(p.day)); // "YYYY-MM-DD" parses as UTC midnight
  // Half a day of margin on each side keeps the end dots off the axes and gives a single day some width.
  const t0 = days[0] - DAY_MS / 2, t1 = days[days.length - 1] + DAY_MS / 2;
  const x = (i) => (L + ((days[i] - t0) / (t1 - t0)) * (W - L - R)).toFixed(1);
  const y = (v) => (T + (1 - v) * (H - T - B)).toFixed(1);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "chart",
    "aria-label": `Cumulative gold accuracy ${pct(points.at(-1).cumulative)} over ${points.length} day(s)` });
  yGrid(chart, [0, 0.25, 0.5, 0.75, 1], y, { left: L, right: R, width: W, format: (v) => `${v * 100}%` });
  const upper = points.map((p, i) => `${x(i)},${y(p.wilson_high)}`);
  const lower = points.map((p, i) => `${x(i)},${y(p.wilson_low)}`).reverse();
  chart.append(svg("path", { d: `M${upper.join("L")}L${lower.join("L")}Z`, class: "band" }));
  chart.append(svg("path", { d: `M${points.map((p, i) => `${x(i)},${y(p.cumulative)}`).join("L")}`, class: "line" }));
  points.forEach((p, i) => {
    const dot = svg("circle", { cx: x(i), cy: y(p.accuracy), r: Math.min(6, 2 + Math.sqrt(p.seen) / 2), class: "dot" });
    dot.append(svg("title", {}, `${p.day}: ${p.correct}/${p.seen} correct; cumulative ${pct(p.cumulative)} (${pct(p.wilson_low)}–${pct(p.wilson_high)})`));
    chart.append(dot);
  });
  const labels = points.length > 1 ? [0, points.length - 1] : [0];
  for (const i of labels) chart.append(svg("text", { x: x(i), y: H - 6, "text-anchor": "middle", class: "tick" }, points[i].day));
  box.replaceChildren(chart);
}

// ---- payouts ------------------------------------------------------------------------------------------------
const localInput = (date) => new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

function payoutRow(p) {
  const csv = el("a", null, "Download CSV");
  csv.href = `${urls.payouts}${p.id}/csv/`;
  csv.setAttribute("download", `payout-${p.id}.csv`);
  const tr = el("tr", null, td(p.id), td(p.vendor), td(`${when(p.period_start)} → ${when(p.period_end)}`),
    td(p.entries, "num"), td(`${money(p.total)} ${p.currency}`, "num"), td(when(p.created_at)), el("td", null, csv));
  tr.dataset.payout = p.id;
  return tr;
}

async function loadPayouts() {
  const { payouts } = await api(urls.payouts);
  fill($("payouts").tBodies[0], payouts.map(payoutRow), 7, "No payouts yet.");
}

$("payout-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const submit = event.submitter;
  guarded(submit, async () => {
    // datetime-local values are the manager's local time; send them as absolute instants.
    const body = {
      period_start: new Date($("period-start").value).toISOString(),
      period_end: new Date($("period-end").value).toISOString(),
    };
    if ($("payout-vendor")) body.vendor_id = Number($("payout-vendor").value);
    const { payout, rows } = await api(urls.payouts, { method: "POST", body });
    $("payout-result").textContent = `Payout #${payout.id}: ${payout.entries} entries for ${rows.length} annotator(s), ${money(payout.total)} ${payout.currency}.`;
    await Promise.all([loadPayouts(), loadAnnotators()]);
  });
});

{
  const end = new Date();
  end.setSeconds(0, 0); // the period must have ended: never default to a future minute
  $("period-end").value = localInput(end);
  $("period-start").value = localInput(new Date(end.getTime() - 30 * DAY_MS));
}

// ---- disputes -----------------------------------------------------------------------------------------------
function disputeRow(d) {
  const who = people.get(d.annotator_id)?.email ?? `annotator ${d.annotator_id}`;
  const about = [d.project_id && `project ${d.tenant_id}/${d.project_id}`, d.annotation_id && `annotation ${d.annotation_id}`]
    .filter(Boolean).join(" · ") || "—";
  const resolution = el("td");
  if (d.status === "open") {
    const text = el("input");
    text.placeholder = "resolution (required)";
    text.setAttribute("aria-label", `Resolution of dispute ${d.id}`);
    const settle = (accept) => (e) => guarded(e.currentTarget, async () => {
      await api(`${urls.disputes}${d.id}/settle/`, { method: "POST", body: { accept, resolution: text.value } });
      await loadDisputes();
    });
    resolution.append(el("div", "row", text, button("Accept", settle(true)), button("Reject", settle(false))));
  } else {
    resolution.append(d.resolution);
  }
  const tr = el("tr", null, td(d.id), td(who), td(about), td(d.reason), el("td", null, badge(d.status)), resolution);
  tr.dataset.dispute = d.id;
  return tr;
}

async function loadDisputes() {
  const { disputes } = await api(urls.disputes);
  fill($("disputes").tBodies[0], disputes.map(disputeRow), 6, "No disputes.");
}

// ---- margins per client project (billing.reports.vendor_margins) -----------------------------------------------
const SERIES = [["revenue", "Price"], ["worker_pay", "Pay"], ["margin", "Margin"]];

function projectName(m) {
  return m.project ? `${m.tenant ?? ""} · ${m.project}` : `project ${m.tenant_id}/${m.project_id}`;
}

function marginRow(m, several) {
  const tr = el("tr", null, td(projectName(m)), ...(several ? [td(m.vendor)] : []), td(m.accepted_annotations, "num"),
    ...SERIES.map(([key]) => td(money(m[key]), `num ${key}`)), td(pct(m.margin_share), "num"));
  tr.dataset.project = `${m.tenant_id}/${m.project_id}`;
  tr.dataset.vendor = m.vendor_id;
  return tr;
}

async function loadMargins() {
  const { margins } = await api(urls.margins);
  const several = new Set(margins.map((m) => m.vendor_id)).size > 1;
  $("margins-vendor-head").hidden = !several;
  const columns = several ? 7 : 6;
  fill($("margins").tBodies[0], margins.map((m) => marginRow(m, several)), columns, "No paid work on client projects yet.");
  const total = (key) => fromUnits(margins.reduce((s, m) => s + units(m[key]), 0));
  const foot = el("tr", "total", td("Total"), ...(several ? [td("")] : []),
    td(margins.reduce((s, m) => s + m.accepted_annotations, 0), "num"), ...SERIES.map(([key]) => td(money(total(key)), `num ${key}`)), td(""));
  $("margins").tFoot.replaceChildren(...(margins.length ? [foot] : []));
  const box = $("margins-chart");
  if (!margins.length) { box.replaceChildren(el("p", "muted", "Nothing to chart yet.")); return; }
  const categories = margins.map((m) => ({ key: `${m.tenant_id}/${m.project_id}/${m.vendor_id}`,
    label: several ? `${projectName(m)} (${m.vendor})` : projectName(m) }));
  const series = SERIES.map(([key, name]) => ({ key, name, values: margins.map((m) => Number(m[key])) }));
  box.replaceChildren(barChart({ categories, series, label: `Price, pay and margin of ${margins.length} client project(s)` }));
}

loadAnnotators().catch(showError).then(() => loadDisputes().catch(showError));
loadPayouts().catch(showError);
loadMargins().catch(showError);
