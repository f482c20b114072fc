// The project page's cost panel: what the client is charged, unit costs, by source and tier, savings with their
// assumptions, the budget and spend per day, from the billing report and budget APIs (billing.reports).
import { api } from "./api.js";
import { barChart, money } from "./charts.js";
import { el } from "./dom.js";

const panel = document.getElementById("costs");
const $ = (id) => document.getElementById(id);
const SOURCES = { human: "Human labels", llm: "Pre-labels (LLM)", model: "Pre-labels (local model)", prelabel: "Pre-labels" };
const KINDS = [["final_label", "Human labels"], ["prelabel", "Pre-labels"], ["adjudication", "Adjudication"], ["audit", "Audit"]];
const DAY_MS = 86_400_000;

const count = (v) => (v === null || v === undefined ? "—" : Number(v).toLocaleString("en", { maximumFractionDigits: 2 }));

function tile(key, name, big, why) {
  const box = el("div", { class: "tile", "data-figure": key });
  box.append(el("div", { class: "name" }, name), el("div", { class: "big" }, big));
  if (why) box.append(el("div", { class: "why" }, why));
  return box;
}

function table(id, head, rows) {
  const node = $(id);
  const tr = el("tr");
  head.forEach((h, i) => tr.append(el("th", i ? { class: "num" } : {}, h)));
  const body = el("tbody");
  for (const [key, cells] of rows) {
    const row = el("tr", { "data-key": key });
    cells.forEach((c, i) => {
      const cell = el(i ? "td" : "th", i ? { class: "num" } : { scope: "row" }, c.text ?? c);
      if (c.title) cell.title = c.title;
      row.append(cell);
    });
    body.append(row);
  }
  node.replaceChildren(el("thead"), body);
  node.tHead.append(tr);
}

function renderTotals(report, budget) {
  const t = report.totals;
  const spend = budget.limit === null ? "no limit" : `${money(budget.spent)} of ${money(budget.limit)}`;
  const left = budget.limit === null ? `spent ${money(budget.spent)}` : `available ${money(budget.available)}`;
  $("costs-tiles").replaceChildren(
    tile("revenue", `Charged (${report.currency})`, money(t.revenue), `${count(t.final_labels)} final labels`),
    tile("cost_per_final_label", "Cost per final label", money(t.cost_per_final_label), "charged / final labels"),
    tile("cost_per_accepted_label", "Cost per accepted label", money(t.cost_per_accepted_label),
      `worker pay on ${count(t.accepted_annotations)} accepted annotations / final labels`),
    tile("budget", "Budget", spend, `${left} · reserved ${money(budget.reserved)}`),
  );
}

function renderBreakdowns(report) {
  table("costs-sources", ["Source", "Final labels", "Charged", "Per final label"], report.by_source.map((r) => [
    r.source, [SOURCES[r.source] ?? r.source, count(r.final_labels), money(r.revenue), money(r.cost_per_final_label)],
  ]));
  table("costs-tiers", ["Tier", "Final labels", "Charged", "Per final label"], report.by_billed_tier.map((r) => [
    r.tier, [r.tier, count(r.final_labels), money(r.revenue), money(r.cost_per_final_label)],
  ]));
}

// Each savings figure shows its assumption (or why it is unknown) as a tooltip and in the notes below the table.
function renderSavings(savings) {
  const cell = (f, format) => ({ text: f.value === null ? "—" : format(f.value), title: f.assumption ?? f.reason });
  const rows = [["prelabel", "Pre-labeling"], ["adaptive_overlap", "Adaptive overlap"], ["total", "Total"]];
  table("costs-savings", ["Saved by", "Labels saved", "Client money saved", "Worker pay avoided"], rows.map(([key, name]) => {
    const s = savings[key];
    return [key, [name, cell(s.labels_saved, count), cell(s.client_saved, money), cell(s.worker_pay_avoided, money)]];
  }));
  const notes = $("costs-savings-notes");
  notes.replaceChildren();
  const seen = new Set();
  for (const [key, name] of rows.slice(0, 2)) {
    for (const f of ["labels_saved", "client_saved", "worker_pay_avoided"].map((k) => savings[key][k])) {
      const text = `${name}: ${f.assumption ?? f.reason}`;
      if (!seen.has(text)) { seen.add(text); notes.append(el("li", {}, text)); }
    }
  }
}

// Spend per UTC day, stacked by kind; days without usage are drawn empty so the axis is continuous.
function renderDays(days) {
  const figure = $("costs-days");
  figure.replaceChildren(el("figcaption", {}, "Spend per day by source (USD, UTC days)"));
  if (!days.length) { figure.append(el("p", { class: "small" }, "No usage yet.")); return; }
  const byDay = new Map(days.map((d) => [d.day, d]));
  const categories = [];
  for (let t = Date.parse(days[0].day); t <= Date.parse(days.at(-1).day); t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    categories.push({ key: day, label: day.slice(5) });
  }
  const used = KINDS.filter(([kind]) => days.some((d) => Number(d[kind]) !== 0));
  const series = used.map(([key, name]) => ({ key, name, values: categories.map((c) => Number(byDay.get(c.key)?.[key] ?? 0)) }));
  figure.append(barChart({ categories, series, stacked: true, label: `Spend over ${categories.length} day(s)` }));
}

async function loadCosts() {
  try {
    const [report, { budget }] = await Promise.all([api(panel.dataset.report), api(panel.dataset.budget)]);
    $("costs-error").textContent = "";
    const t = report.totals;
    $("costs-status").textContent = `${count(t.final_labels)} final labels: ${count(t.human_final_labels)} by people, ` +
      `${count(t.prelabel_final_labels)} by pre-labels`;
    renderTotals(report, budget);
    renderBreakdowns(report);
    renderSavings(report.savings);
    renderDays(report.by_day);
  } catch (err) {
    $("costs-status").textContent = "";
    $("costs-error").textContent = err.message;
  }
}

if (panel) loadCosts();
