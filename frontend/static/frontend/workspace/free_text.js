// free_text: a written answer, between constraints.min_length and max_length characters once surrounding
// whitespace is stripped (the server's rule). Enter makes a new line; Ctrl+Enter submits (core).
import { h, renderPayload } from "./util.js";

export function mount(container, { payload, ontology, suggestion, initial, onChange }) {
  const { min_length: min = 1, max_length: max = 10000 } = ontology.constraints || {};
  const start = (initial ?? suggestion?.value)?.text || "";
  const counter = h("span", { class: "muted counter" });
  const area = h("textarea", {
    class: "answer", rows: 6, value: start, maxLength: max + 200,
    placeholder: "Type your answer… (Ctrl+Enter submits, Esc leaves the box)", oninput: () => { paint(); onChange?.(); },
  });
  const view = h("div", { class: "task free-text" }, renderPayload(payload), h("label", { class: "answer-label" }, area), counter);
  container.prepend(view);
  const length = () => [...area.value.trim()].length;
  function paint() {
    counter.textContent = `${length()} / ${max} characters${min > 1 ? ` (at least ${min})` : ""}`;
    counter.classList.toggle("error", length() > max);
  }
  // Inside the box the browser's own undo applies; outside it, undo restores the text as it was before the
  // last editing session (focus to blur), so one Ctrl+Z / "u" takes back one round of typing.
  const past = [];
  let before = area.value;
  area.addEventListener("focus", () => { before = area.value; });
  area.addEventListener("blur", () => { if (area.value !== before) past.push(before); });
  paint();
  setTimeout(() => area.focus());

  return {
    getValue: () => (area.value.trim() ? { text: area.value.trim() } : null),
    validate() {
      const n = length();
      if (n < min) return min === 1 ? "Write an answer first." : `Write at least ${min} characters (${n} so far).`;
      if (n > max) return `Keep it to ${max} characters (${n} now).`;
      return null;
    },
    undo() {
      if (document.activeElement === area) { document.execCommand("undo"); return; }
      if (!past.length) return;
      area.value = past.pop();
      paint();
      onChange?.();
    },
    handleKey(event) {
      if (event.target !== area && !event.ctrlKey && !event.metaKey && !event.altKey && event.key.length === 1
          && event.key !== "?") {
        area.focus();  // typing anywhere goes into the answer box
        return false;
      }
      return false;
    },
    destroy() { view.remove(); },
  };
}
