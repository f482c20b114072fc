// multi_label: any number of labels within constraints.min_labels..max_labels; hotkeys toggle a label.
import { h, history, isTyping, labelKeys, plainKey, renderLabelBar, renderPayload } from "./util.js";

export function mount(container, { payload, ontology, suggestion, initial, onChange, labelBar }) {
  const labels = ontology.labels || [];
  const { min_labels: min = 1, max_labels: max = null } = ontology.constraints || {};
  const { byKey, keyOf } = labelKeys(labels);
  const known = new Set(labels.map((l) => l.name));
  const start = (initial ?? suggestion?.value)?.labels || [];
  const state = history(start.filter((n) => known.has(n)), () => { paint(); onChange?.(); });
  const bar = labelBar || container.appendChild(h("nav", { class: "label-bar" }));
  const count = h("p", { class: "muted count" });
  const view = h("div", { class: "task multi-label" }, renderPayload(payload), count);
  container.prepend(view);
  const buttons = renderLabelBar(bar, labels, keyOf, toggle);

  function toggle(name) {
    const now = state.get();
    // keep ontology order so the same choice always gives the same value
    const next = now.includes(name) ? now.filter((n) => n !== name) : labels.map((l) => l.name).filter((n) => n === name || now.includes(n));
    state.set(next);
  }
  function paint() {
    buttons.setSelected(state.get());
    const range = max === null ? `at least ${min}` : min === max ? `exactly ${min}` : `${min}–${max}`;
    count.textContent = `${state.get().length} chosen · choose ${range}`;
  }
  paint();

  return {
    getValue: () => (state.get().length || min === 0 ? { labels: [...state.get()] } : null),
    validate() {
      const n = state.get().length;
      if (n < min) return `Choose at least ${min} label${min === 1 ? "" : "s"}.`;
      if (max !== null && n > max) return `Choose at most ${max} label${max === 1 ? "" : "s"} (${n} chosen).`;
      return null;
    },
    undo: () => state.undo(),
    handleKey(event) {
      if (isTyping(event) || !plainKey(event)) return false;
      const label = byKey.get(event.key);
      if (!label) return false;
      toggle(label.name);
      return true;
    },
    destroy() { view.remove(); if (!labelBar) bar.remove(); else bar.replaceChildren(); },
  };
}
