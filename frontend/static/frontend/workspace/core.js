// The annotator workspace: fetches a leased task (and prefetches the next one), mounts the module for the
// project's task type, times the work, and submits / skips / undoes from the keyboard. An answer is never thrown
// away on error: it stays on screen (and in sessionStorage, keyed by assignment) until the server has it.
import { api } from "../api.js";
import { renderGuidelines } from "./guidelines.js";
import { h, isTyping, plainKey, describeValue } from "./util.js";
import { keyRows } from "./help.js";

const TYPES = ["single_label", "multi_label", "spans", "boxes", "pairwise", "rating", "free_text"];
const EXPIRY_MARGIN_MS = 30_000;  // a prefetched lease closer to expiry than this is not worth showing
const $ = (id) => document.getElementById(id);

const root = $("workspace");
const urls = root.dataset;
const ontology = JSON.parse($("ontology").textContent);
const pageOntologyVersion = urls.ontologyVersion ? Number(urls.ontologyVersion) : null;
const taskArea = $("ws-task-area");
const slot = $("ws-task");

let modulePromise = TYPES.includes(ontology.task_type) ? import(`./${ontology.task_type}.js`) : null;
let current = null;       // the assignment on screen
let task = null;          // its mounted module
let prefetching = null;   // Promise of the next /next response
let busy = false;         // a submit or skip is in flight
let blocking = null;      // {onContinue} while a notice card waits for Enter
let submitted = 0;

// ---- timer: time on task, paused while the tab is hidden -------------------------------------------------
const timer = {
  ms: 0, since: null,
  start() { this.ms = 0; this.since = document.hidden ? null : performance.now(); },
  pause() { if (this.since !== null) { this.ms += performance.now() - this.since; this.since = null; } },
  resume() { if (this.since === null) this.since = performance.now(); },
  read() { return this.ms + (this.since === null ? 0 : performance.now() - this.since); },
};
document.addEventListener("visibilitychange", () => (document.hidden ? timer.pause() : current && timer.resume()));
setInterval(tick, 1000);
function tick() {
  const s = Math.floor(timer.read() / 1000);
  $("ws-timer").textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  const lease = $("ws-lease");
  if (!current?.expires_at) { lease.textContent = ""; return; }
  const left = Math.round((Date.parse(current.expires_at) - Date.now()) / 1000);
  lease.textContent = left <= 0 ? "lease expired" : left < 300 ? `lease ends in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}` : "";
  lease.classList.toggle("error", left < 60);
}

// ---- status line, task error, notice cards --------------------------------------------------------------
function status(message, kind = "info") {
  const line = $("ws-status");
  line.textContent = message || "";
  line.dataset.kind = kind;
}
function taskError(message, field) {
  const box = $("ws-task-error");
  box.hidden = !message;
  box.textContent = message ? (field ? `${message} (${field})` : message) : "";
}
function notice({ title, lines, kind }, onContinue) {
  const card = $("ws-notice");
  card.className = `ws-notice ${kind}`;
  card.replaceChildren(h("h2", {}, title), ...lines.map(([k, v]) => h("p", {}, k ? h("b", {}, `${k}: `) : null, v)),
    h("button", { type: "button", onclick: () => finishNotice() }, "Continue ", h("kbd", {}, "Enter")));
  card.hidden = false;
  blocking = { onContinue };
  card.querySelector("button").focus();
}
function finishNotice() {
  if (!blocking) return;
  const { onContinue } = blocking;
  blocking = null;
  $("ws-notice").hidden = true;
  onContinue();
}

// ---- drafts: an answer survives reloads and errors until the server accepts it -------------------------
const draftKey = (id) => `labelhub:draft:${id}`;
function saveDraft() {
  if (!current || !task) return;
  try { sessionStorage.setItem(draftKey(current.id), JSON.stringify(task.getValue())); } catch { /* storage full or off */ }
}
function loadDraft(id) {
  try { return JSON.parse(sessionStorage.getItem(draftKey(id)) || "null"); } catch { return null; }
}
function dropDraft(id) {
  try { sessionStorage.removeItem(draftKey(id)); } catch { /* ignore */ }
}

// ---- fetching work ------------------------------------------------------------------------------------
function next(exclude) {
  return api(urls.nextUrl, { method: "POST", body: { exclude } }).catch((error) => ({ error }));
}
function usable(response) {
  const a = response?.assignment;
  return Boolean(a) && !(a.expires_at && Date.parse(a.expires_at) - Date.now() < EXPIRY_MARGIN_MS);
}
async function advance() {
  unmount();
  let response = prefetching ? await prefetching : null;
  prefetching = null;
  if (!usable(response)) response = await next([]);
  show(response);
}
function unmount() {
  task?.destroy();
  task = null;
  current = null;
  slot.replaceChildren();
  taskError("");
  timer.pause();
}

async function show(response) {
  $("ws-empty").hidden = true;
  if (response.error) {
    emptyScreen("Could not load work", `${response.error.message}. Check your connection and try again.`);
    return;
  }
  if (!response.assignment) {
    emptyScreen(response.reason === "no_work" || !response.reason ? "No work right now" : "Work is on hold",
      response.message || "There is nothing for you to label at the moment.", response.reason);
    return;
  }
  const a = response.assignment;
  current = a;
  $("ws-kind").hidden = a.kind !== "calibration";
  $("ws-item").textContent = `item ${a.item.id}`;
  root.dataset.assignment = String(a.id);
  const { mount } = await modulePromise;
  slot.replaceChildren();
  const suggestion = a.suggestion && a.kind !== "calibration" ? a.suggestion : null;
  task = mount(slot, {
    payload: a.item.payload, ontology, suggestion, initial: loadDraft(a.id),
    labelBar: $("ws-label-bar"), notify: status, onChange: () => { saveDraft(); taskError(""); },
  });
  if (suggestion) {
    slot.prepend(h("p", { class: "suggestion-note" }, `Pre-filled from a model suggestion${
      typeof suggestion.confidence === "number" ? ` (confidence ${Math.round(suggestion.confidence * 100)}%)` : ""}: check it before you submit.`));
  }
  if (pageOntologyVersion !== null && a.ontology_version !== pageOntologyVersion) {
    status("The project's labels changed since this page loaded: reload the page before you go on.", "error");
  }
  timer.start();
  tick();
  root.dataset.state = "task";
  if (!taskArea.contains(document.activeElement) || document.activeElement === document.body) taskArea.focus({ preventScroll: true });
  prefetching = next([a.id]);
}

function emptyScreen(title, message, reason) {
  unmount();
  root.dataset.state = "empty";
  $("ws-label-bar").replaceChildren();
  $("ws-empty-title").textContent = title;
  $("ws-empty-message").textContent = message;
  $("ws-empty").dataset.reason = reason || "";
  $("ws-empty").hidden = false;
  $("ws-item").textContent = "";
  $("ws-kind").hidden = true;
}
$("ws-empty-retry").addEventListener("click", async () => {
  $("ws-empty").hidden = true;
  show(await next([]));
});

// ---- actions ------------------------------------------------------------------------------------------
function urlFor(template, id) {
  return template.replace("ASSIGNMENT_ID", String(id));
}

/** One line on where the calibration stands, shown with each calibration answer's feedback. */
function calibrationProgress(c) {
  if (!c) return "";
  const mark = Math.round(c.pass_mark * 100);
  if (c.status === "qualified") return `Calibration passed (${Math.round((c.score ?? 1) * 100)}%): real tasks start now.`;
  if (c.status === "blocked") return `Calibration not passed after ${c.attempts} attempts; ask your vendor manager.`;
  const retry = c.attempt > 1 ? ` · attempt ${c.attempt} of ${c.attempts}` : "";
  return `Calibration ${c.answered}/${c.needed}, ${c.correct} correct (pass mark ${mark}%)${retry}.`;
}

async function submit() {
  if (busy || blocking || !task || !current) return;
  const problem = task.validate();
  const value = task.getValue();
  if (problem || value === null) { taskError(problem || "The answer is not complete yet."); return; }
  const a = current;
  busy = true;
  root.dataset.busy = "submit";
  status("Submitting…");
  try {
    const result = await api(urlFor(urls.submitUrlTemplate, a.id), {
      method: "POST", body: { value, client_ms: Math.round(timer.read()) },
    });
    dropDraft(a.id);
    submitted += 1;
    const fb = result?.feedback;
    const progress = calibrationProgress(fb?.calibration);
    if (fb && !fb.correct) {
      timer.pause();
      notice({
        title: "Not quite", kind: "feedback",
        lines: [["Your answer", describeValue(value)], ["Expected", describeValue(fb.gold)], ["Why", fb.explanation || ""],
          progress ? ["Calibration", progress] : null].filter(Boolean),
      }, () => { status(""); advance(); });
      status("");
      return;
    }
    const verdict = fb ? `Correct${fb.explanation ? `: ${fb.explanation}` : "."} ${progress}` : `Submitted · ${submitted} this session`;
    status(verdict, fb ? "ok" : "info");
    await advance();
  } catch (err) {
    if (err.status === 400) {
      taskError(err.message, err.body?.field);
      status("The server did not accept that answer; it is still here to fix.", "error");
    } else if (err.status === 409 || err.status === 404 || err.status === 410) {
      timer.pause();
      notice({
        title: err.body?.code === "lease_lost" ? "Your time on this item ran out" : "This item is no longer yours",
        kind: "lost",
        lines: [[null, `${err.message}. Your answer was not saved; here it is so nothing is lost:`], ["Your answer", describeValue(value)]],
      }, () => { dropDraft(a.id); status(""); advance(); });
      status("");
    } else {
      status(`Could not submit (${err.message}). Your answer is kept: press Enter to try again.`, "error");
    }
  } finally {
    busy = false;
    delete root.dataset.busy;
  }
}

async function skip(reason) {
  if (busy || !current) return;
  const a = current;
  busy = true;
  try {
    await api(urlFor(urls.skipUrlTemplate, a.id), { method: "POST", body: { reason } });
    status("Skipped.");
  } catch (err) {
    if (![404, 409, 410].includes(err.status)) { status(`Could not skip (${err.message}).`, "error"); busy = false; return; }
  }
  dropDraft(a.id);
  busy = false;
  await advance();
}

function undo() {
  if (!task || blocking) return;
  task.undo();
  taskError("");
}

// ---- dialogs ------------------------------------------------------------------------------------------
const help = $("ws-help");
const skipDialog = $("ws-skip-dialog");
function openHelp() {
  $("ws-help-keys").replaceChildren(...keyRows(ontology).map(([k, what]) => h("tr", {}, h("td", {}, h("kbd", {}, k)), h("td", {}, what))));
  help.hidden = false;
}
function openSkip() {
  if (!current || busy) return;
  skipDialog.hidden = false;
  skipDialog.querySelector("input:checked").focus();
}
for (const overlay of [help, skipDialog]) {
  overlay.addEventListener("click", (e) => { if (e.target === overlay || e.target.closest("[data-close]")) overlay.hidden = true; });
}
$("ws-skip-form").addEventListener("submit", (e) => {
  e.preventDefault();
  skipDialog.hidden = true;
  skip(new FormData(e.target).get("reason"));
});
$("ws-submit").addEventListener("click", submit);
$("ws-skip").addEventListener("click", openSkip);
$("ws-undo").addEventListener("click", undo);
$("ws-help-toggle").addEventListener("click", openHelp);
const toggleGuidelines = () => {
  const open = root.classList.toggle("guidelines-closed") === false;
  $("ws-guidelines-toggle").setAttribute("aria-expanded", String(open));
  try { localStorage.setItem("labelhub:guidelines", open ? "open" : "closed"); } catch { /* ignore */ }
};
$("ws-guidelines-toggle").addEventListener("click", toggleGuidelines);

// ---- keyboard -----------------------------------------------------------------------------------------
document.addEventListener("keydown", (event) => {
  if (event.isComposing || event.defaultPrevented) return;
  const done = () => { event.preventDefault(); event.stopPropagation(); };
  if (!help.hidden) { if (event.key === "Escape" || event.key === "?") { help.hidden = true; done(); } return; }
  if (!skipDialog.hidden) {
    if (event.key === "Escape") { skipDialog.hidden = true; done(); }
    else if (/^[1-9]$/.test(event.key)) {
      const radio = skipDialog.querySelectorAll("input[name=reason]")[Number(event.key) - 1];
      if (radio) { radio.checked = true; radio.focus(); done(); }
    }
    else if (event.key === "Enter") { done(); $("ws-skip-form").requestSubmit(); }
    return;
  }
  if (blocking) { if (event.key === "Enter" || event.key === "Escape") { done(); finishNotice(); } return; }
  const typing = isTyping(event);
  const ctrl = event.ctrlKey || event.metaKey;
  if (event.key === "Enter" && ctrl) { done(); submit(); return; }
  if (event.key === "Enter" && !event.shiftKey && !event.altKey && !ctrl && event.target.tagName !== "TEXTAREA"
      && event.target.tagName !== "BUTTON" && event.target.tagName !== "A") { done(); submit(); return; }
  if (ctrl && !event.shiftKey && event.key.toLowerCase() === "z" && !typing) { done(); undo(); return; }
  if (event.key === "Escape" && typing) { event.target.blur(); taskArea.focus({ preventScroll: true }); done(); return; }
  if (task && task.handleKey(event)) { done(); return; }
  if (typing || isTyping({ target: document.activeElement }) || !plainKey(event)) return;
  if (event.key === "Escape" || event.key === "s") { done(); openSkip(); }
  else if (event.key === "u") { done(); undo(); }
  else if (event.key === "?") { done(); openHelp(); }
  else if (event.key === "/") { done(); toggleGuidelines(); }
});

// ---- start ----------------------------------------------------------------------------------------------
renderGuidelines($("ws-guidelines-body"), ontology, JSON.parse($("guidelines-html").textContent || '""'));
try { if (localStorage.getItem("labelhub:guidelines") === "closed") toggleGuidelines(); } catch { /* ignore */ }
if (!modulePromise) emptyScreen("This task type is not supported here", `Unknown task type “${ontology.task_type}”.`);
else next([]).then(show);
