// The annotator's own quality and earnings panels on /work/, read from /api/v1/me/.
import { api } from "./api.js";

const root = document.getElementById("me");
const $ = (id) => document.getElementById(id);

const pct = (v) => (v === null || v === undefined ? "—" : `${(Number(v) * 100).toFixed(1)}%`);
const money = (v) => Number(v ?? 0).toLocaleString("en", { minimumFractionDigits: 2, maximumFractionDigits: 4 });

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function fill(tbody, rows, columns, emptyText) {
  tbody.replaceChildren();
  if (!rows.length) {
    const tr = document.createElement("tr");
    tr.append(cell(emptyText, "muted"));
    tr.firstChild.colSpan = columns;
    tbody.append(tr);
  }
  for (const cells of rows) {
    const tr = document.createElement("tr");
    tr.append(...cells);
    tbody.append(tr);
  }
}

function projectName(p) {
  return p.project ? `${p.tenant ? `${p.tenant} · ` : ""}${p.project}` : `project ${p.tenant_id}/${p.project_id}`;
}

async function loadQuality() {
  const { projects } = await api(root.dataset.standing);
  const rows = projects.map((p) => {
    const status = cell("");
    const badge = document.createElement("span");
    badge.className = `badge status-${p.status}`;
    badge.textContent = p.status;
    status.append(badge);
    if (p.reason) status.append(` ${p.reason}`);
    return [cell(projectName(p)), status, cell(`${pct(p.accuracy)} of ${p.gold_seen}`), cell(`${pct(p.window.accuracy)} of ${p.window.gold_seen}`)];
  });
  fill($("my-quality").tBodies[0], rows, 4, "No scored work yet.");
}

async function loadEarnings() {
  const e = await api(root.dataset.earnings);
  const totals = $("my-earnings-totals");
  totals.replaceChildren();
  for (const [label, value] of [["Total", e.total], ["Unpaid", e.unpaid], ["Paid", e.paid]]) {
    const dt = document.createElement("dt");
    const dd = document.createElement("dd");
    dt.textContent = label;
    dd.textContent = money(value);
    dd.dataset.figure = label.toLowerCase();
    totals.append(dt, dd);
  }
  const rows = e.per_project.map((p) => [cell(projectName(p)), cell(String(p.labels)), cell(money(p.total), "num")]);
  fill($("my-earnings").tBodies[0], rows, 3, "No earnings yet.");
}

// Each panel loads on its own: one failing must not blank the other, and the failure is shown, not swallowed.
for (const load of [loadQuality, loadEarnings]) {
  load().catch((err) => {
    $("notice").textContent = `Could not load your figures: ${err.message}`;
    $("notice").hidden = false;
  });
}
