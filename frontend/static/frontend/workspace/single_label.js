// single_label: one label per item. A label's hotkey (or its position 1-9) selects it; Enter (core) submits.
import { h, history, isTyping, labelKeys, plainKey, renderLabelBar, renderPayload } from "./util.js";

export function mount(container, { payload, ontology, suggestion, initial, onChange, labelBar }) {
  const labels = ontology.labels || [];
  const { byKey, keyOf } = labelKeys(labels);
  const start = initial ?? suggestion?.value ?? null;
  const known = (name) => labels.some((l) => l.name === name);
  const state = history(start && known(start.label) ? start.label : null, () => { paint(); onChange?.(); });
  const bar = labelBar || container.appendChild(h("nav", { class: "label-bar" }));
  const view = h("div", { class: "task single-label" }, renderPayload(payload));
  container.prepend(view);
  const buttons = renderLabelBar(bar, labels, keyOf, select);

  function select(name) {
    if (state.get() !== name) state.set(name);
  }
  function paint() {
    buttons.setSelected(state.get() ? [state.get()] : []);
  }
  paint();

  return {
    getValue: () => (state.get() ? { label: state.get() } : null),
    validate: () => (state.get() ? null : "Choose a label first."),
    undo: () => state.undo(),
    handleKey(event) {
      if (isTyping(event) || !plainKey(event)) return false;
      const label = byKey.get(event.key);
      if (!label) return false;
      select(label.name);
      return true;
    },
    destroy() { view.remove(); if (!labelBar) bar.remove(); else bar.replaceChildren(); },
  };
}
