// The expert reviewer's adjudication page: the queue of escalated items on the left, the item in the centre
// mounted with the workspace's own task module (pre-filled with the consensus attempt), the evidence on the
// right (every answer, the consensus, guidelines, earlier decisions), and a required reason. Ctrl+Enter decides.
// Nothing typed is lost: the value and the reason of every item are kept in sessionStorage until the server
// has the decision, and a decision refused as already made is shown back with its reason.
import { api } from "./api.js";
import { renderGuidelines } from "./workspace/guidelines.js";
import { describeValue, h, isTyping, labelKeys, plainKey } from "./workspace/util.js";

const TYPES = ["single_label", "multi_label", "spans", "boxes", "pairwise", "rating", "free_text"];
const MIN_REASON = 10;  // the server's rule (projects/services/adjudication.py); shown as a hint, checked there
const $ = (id) => document.getElementById(id);

const root = $("review");
const urls = root.dataset;
const pageOntology = JSON.parse($("ontology").textContent);
const slot = $("rv-task");
const taskArea = $("rv-task-area");
const reasonBox = $("rv-reason");
const modulePromise = TYPES.includes(pageOntology.task_type) ? import(`./workspace/${pageOntology.task_type}.js`) : null;
// j / k move through the queue unless this project's labels use them as hotkeys.
const claimed = new Set(labelKeys(pageOntology.labels || []).byKey.keys());

let queue = [];        // rows of the queue, in the server's order
let currentId = null;  // item on screen
let task = null;       // its mounted module
let opening = 0;       // bumped on every open(): a slower, older fetch must not mount over a newer one
let busy = false;
let changed = false;   // the expert changed the value on screen (only then is it kept as a draft)

const itemUrl = (id) => urls.itemUrlTemplate.replace("ITEM_ID", String(id));
const adjudicateUrl = (id) => urls.adjudicateUrlTemplate.replace("ITEM_ID", String(id));
const percent = (x) => (typeof x === "number" ? `${Math.round(x * 100)}%` : "–");

// ---- messages --------------------------------------------------------------------------------------------
function status(message, kind = "info") {
  $("rv-status").textContent = message || "";
  $("rv-status").dataset.kind = kind;
}
function valueError(message, field) {
  const box = $("rv-value-error");
  box.hidden = !message;
  box.textContent = message ? (field && field !== "value" ? `${message} (${field})` : message) : "";
}
function reasonError(message) {
  const box = $("rv-reason-error");
  box.hidden = !message;
  box.textContent = message || "";
  reasonBox.toggleAttribute("aria-invalid", Boolean(message));
}
function notice(title, lines) {
  const card = $("rv-notice");
  card.className = "ws-notice lost";
  card.replaceChildren(h("h2", {}, title), ...lines.map(([k, v]) => h("p", {}, k ? h("b", {}, `${k}: `) : null, v)),
    h("button", { type: "button", class: "secondary", onclick: closeNotice }, "Dismiss ", h("kbd", {}, "Esc")));
  card.hidden = false;
}
function closeNotice() {
  $("rv-notice").hidden = true;
}

// ---- drafts: per item, the value and the reason survive moving around, reloads and errors ----------------
const draftKey = (id) => `labelhub:review:${urls.queueUrl}:${id}`;
function saveDraft() {
  if (currentId === null) return;
  const draft = { value: task && changed ? task.getValue() : null, reason: reasonBox.value };
  try { sessionStorage.setItem(draftKey(currentId), JSON.stringify(draft)); } catch { /* storage full or off */ }
}
function loadDraft(id) {
  try { return JSON.parse(sessionStorage.getItem(draftKey(id)) || "null"); } catch { return null; }
}
function dropDraft(id) {
  try { sessionStorage.removeItem(draftKey(id)); } catch { /* ignore */ }
}

// ---- the queue ---------------------------------------------------------------------------------------------
async function loadQueue() {
  const body = await api(urls.queueUrl);
  queue = body.items;
  $("rv-waiting").textContent = String(body.waiting);
  paintQueue();
  return queue;
}
function paintQueue() {
  const list = $("rv-queue-list");
  list.replaceChildren(...queue.map((row) => h("li", {},
    h("button", {
      type: "button", class: `rv-queue-row${row.id === currentId ? " selected" : ""}`, "data-item": String(row.id),
      "aria-current": row.id === currentId ? "true" : null, onclick: () => open(row.id),
      onmousedown: (e) => e.preventDefault(),
    }, h("span", { class: "ext" }, row.external_id || `item ${row.id}`),
    h("span", { class: "muted" }, `${percent(row.confidence)} · ${row.answers} answers`)))));
  if (!queue.length) list.append(h("li", { class: "muted" }, "Nothing waiting."));
  list.querySelector("[aria-current]")?.scrollIntoView({ block: "nearest" });
}
function move(delta) {
  if (!queue.length) return;
  const at = queue.findIndex((row) => row.id === currentId);
  const next = at < 0 ? 0 : at + delta;
  if (next < 0 || next >= queue.length) { status(next < 0 ? "This is the first item." : "This is the last item."); return; }
  open(queue[next].id);
}

// ---- one item ----------------------------------------------------------------------------------------------
function unmount() {
  task?.destroy();
  task = null;
  slot.replaceChildren();
  $("rv-label-bar").replaceChildren();
  valueError("");
  reasonError("");
}

async function open(id) {
  if (busy) return;
  if (id === currentId && task) return;
  saveDraft();
  const ticket = ++opening;
  unmount();
  currentId = id;
  root.dataset.state = "loading";
  root.dataset.item = String(id);
  $("rv-empty").hidden = true;
  $("rv-prefill").hidden = true;
  paintQueue();
  slot.replaceChildren(h("p", { class: "muted" }, "Loading the item…"));
  const draft = loadDraft(id);
  reasonBox.value = draft?.reason || "";
  countReason();
  let body;
  try {
    [body] = await Promise.all([api(itemUrl(id)), modulePromise]);
  } catch (err) {
    if (ticket !== opening) return;
    slot.replaceChildren(h("p", { class: "error" }, `Could not load item ${id} (${err.message}).`));
    status("Press j / k or click the item to try again.", "error");
    return;
  }
  if (ticket !== opening) return;
  const { mount } = await modulePromise;
  const ontology = body.ontology?.task_type === pageOntology.task_type ? body.ontology : pageOntology;
  const consensus = body.consensus;
  const initial = draft?.value ?? consensus?.value ?? null;
  slot.replaceChildren();
  changed = Boolean(draft?.value);
  task = mount(slot, {
    payload: body.item.payload, ontology, suggestion: null, initial, labelBar: $("rv-label-bar"),
    notify: status, onChange: () => { changed = true; saveDraft(); valueError(""); },
  });
  $("rv-item").textContent = `item ${body.item.id}${body.item.external_id ? ` · ${body.item.external_id}` : ""}`;
  const prefill = $("rv-prefill");
  if (body.item.status !== "escalated") {
    prefill.textContent = `This item is ${body.item.status}: it no longer waits for a decision.`;
  } else if (draft?.value) {
    prefill.textContent = "Your unsaved answer for this item is back: check it before you decide.";
  } else if (consensus?.value) {
    prefill.textContent = `Pre-filled with the consensus attempt (${consensus.method}, confidence ${percent(consensus.confidence)}): change it if it is wrong.`;
  } else {
    prefill.textContent = "No consensus value to start from: enter the answer.";
  }
  prefill.hidden = false;
  paintEvidence(body);
  root.dataset.state = "item";
  status("");
  if (!isTyping({ target: document.activeElement })) taskArea.focus({ preventScroll: true });
}

function paintEvidence(body) {
  $("rv-answers").replaceChildren(...body.answers.map((a) => h("li", {},
    h("b", {}, a.annotator), " ", h("span", { class: "value" }, describeValue(a.value)),
    h("span", { class: "muted" }, ` · ${a.seconds} s`))));
  if (!body.answers.length) $("rv-answers").append(h("li", { class: "muted" }, "No accepted answers."));
  const c = body.consensus;
  const rows = c ? [["Value", c.value ? describeValue(c.value) : "(none)"], ["Confidence", percent(c.confidence)],
    ["Method", c.method], ["Status", c.status],
    ...Object.entries(c.detail || {}).map(([k, v]) => [k.replaceAll("_", " "), short(v)])] : [["Consensus", "none yet"]];
  $("rv-consensus").replaceChildren(...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  const cases = body.case_law || [];
  $("rv-case-law").replaceChildren(...cases.map((c) => h("li", { "data-case": String(c.id) },
    h("b", {}, describeValue(c.value)), " — ", h("span", {}, c.reason),
    h("div", { class: "muted" }, `item ${c.item_id} · ontology v${c.ontology_version}${c.created_at ? ` · ${c.created_at.slice(0, 10)}` : ""}`))));
  if (!cases.length) $("rv-case-law").append(h("li", { class: "muted" }, "No earlier decisions on these labels."));
}
function short(v) {
  const text = typeof v === "string" ? v : JSON.stringify(v);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

function showEmpty() {
  unmount();
  currentId = null;
  delete root.dataset.item;
  root.dataset.state = "empty";
  reasonBox.value = "";
  countReason();
  $("rv-item").textContent = "";
  $("rv-prefill").hidden = true;
  $("rv-empty").hidden = false;
  for (const id of ["rv-answers", "rv-consensus", "rv-case-law"]) $(id).replaceChildren();
}

/** After a decision (or a refusal), reload the queue and open the item that followed `doneId`. */
async function advanceFrom(doneId) {
  const before = queue.map((row) => row.id);
  const after = before.slice(before.indexOf(doneId) + 1);
  try {
    await loadQueue();
  } catch (err) {
    status(`Could not reload the queue (${err.message}).`, "error");
    return;
  }
  const ids = new Set(queue.map((row) => row.id));
  const nextId = after.find((id) => ids.has(id)) ?? queue[0]?.id;
  currentId = null;
  if (nextId === undefined) showEmpty();
  else await open(nextId);
}

// ---- deciding ------------------------------------------------------------------------------------------------
async function decide() {
  if (busy || !task || currentId === null) return;
  const problem = task.validate();
  const value = task.getValue();
  if (problem || value === null) { valueError(problem || "The answer is not complete yet."); return; }
  const reason = reasonBox.value;
  if (!reason.trim()) {
    reasonError("Write down the reason: it becomes case law for the next reviewer.");
    reasonBox.focus();
    return;
  }
  const id = currentId;
  saveDraft();
  busy = true;
  root.dataset.busy = "decide";
  $("rv-decide").disabled = true;
  status("Saving the decision…");
  try {
    await api(adjudicateUrl(id), { method: "POST", body: { value, reason } });
    dropDraft(id);
    busy = false;
    status(`Decided item ${id}: ${describeValue(value)}.`, "ok");
    await advanceFrom(id);
    if (currentId !== null) status(`Decided item ${id}: ${describeValue(value)}.`, "ok");
  } catch (err) {
    busy = false;
    const field = err.body?.field || "";
    if (err.status === 400 && field === "reason") {
      reasonError(err.message);
      reasonBox.focus();
      status("Not saved: see the reason.", "error");
    } else if (err.status === 400 && field.startsWith("value")) {
      valueError(err.message, field);
      status("Not saved: the answer is not valid.", "error");
    } else if (err.status === 409 || err.status === 404) {
      dropDraft(id);
      notice(err.status === 409 ? `Item ${id} is already decided` : `Item ${id} is gone`, [
        [null, `${err.message}. Your decision was not saved; here it is so nothing is lost:`],
        ["Your answer", describeValue(value)], ["Your reason", reason]]);
      await advanceFrom(id);
    } else if (err.status === 403) {
      status(`Not saved: ${err.message}.`, "error");
    } else {
      status(`Could not save (${err.message}). Everything is kept: press Ctrl+Enter to try again.`, "error");
    }
  } finally {
    busy = false;
    delete root.dataset.busy;
    $("rv-decide").disabled = false;
  }
}

function countReason() {
  const n = reasonBox.value.trim().length;
  const count = $("rv-reason-count");
  count.textContent = n >= MIN_REASON ? `${n} characters` : `${n} / ${MIN_REASON} characters`;
  count.classList.toggle("short", n < MIN_REASON);
}

// ---- wiring -------------------------------------------------------------------------------------------------
reasonBox.addEventListener("input", () => { countReason(); reasonError(""); saveDraft(); });
$("rv-decide").addEventListener("click", decide);
$("rv-empty-retry").addEventListener("click", start);

document.addEventListener("keydown", (event) => {
  if (event.isComposing || event.defaultPrevented) return;
  const done = () => { event.preventDefault(); event.stopPropagation(); };
  const ctrl = event.ctrlKey || event.metaKey;
  const typing = isTyping(event);
  if (event.key === "Enter" && ctrl) { done(); decide(); return; }
  if (event.key === "Escape" && typing) { event.target.blur(); taskArea.focus({ preventScroll: true }); done(); return; }
  if (ctrl && !event.shiftKey && event.key.toLowerCase() === "z" && !typing) { if (task) { task.undo(); valueError(""); } done(); return; }
  if (!typing && plainKey(event) && (event.key === "j" || event.key === "k") && !claimed.has(event.key)) {
    done(); move(event.key === "j" ? 1 : -1); return;
  }
  // The task module's keys, but never while typing outside it (the reason box is not its business).
  if (task && (!typing || slot.contains(event.target)) && task.handleKey(event)) { done(); return; }
  if (event.key === "Escape" && !$("rv-notice").hidden) { done(); closeNotice(); }
});

async function start() {
  $("rv-empty").hidden = true;
  if (!modulePromise) {
    slot.replaceChildren(h("p", { class: "error" }, `Unknown task type “${pageOntology.task_type}”.`));
    return;
  }
  try {
    await loadQueue();
  } catch (err) {
    slot.replaceChildren(h("p", { class: "error" }, `Could not load the queue (${err.message}).`));
    return;
  }
  if (queue.length) await open(queue[0].id);
  else showEmpty();
}

renderGuidelines($("rv-guidelines-body"), pageOntology, JSON.parse($("guidelines-html").textContent || '""'));
start();
