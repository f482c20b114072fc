import { api } from "./api.js";

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
