// rating: one point on constraints.scale {min, max, step} (default 1..5). Digit keys pick a point (its value when
// every point is a digit 0-9, otherwise its position 1..9, 0 for the tenth); arrow keys step; points are clickable.
import { h, history, isTyping, plainKey, renderPayload } from "./util.js";

export function scalePoints({ min = 1, max = 5, step = 1 } = {}) {
  const n = Math.round((max - min) / step) + 1;
  return Array.from({ length: n }, (_, k) => Number((min + k * step).toFixed(10)));
}

export function mount(container, { payload, ontology, suggestion, initial, onChange, labelBar }) {
  const points = scalePoints(ontology.constraints?.scale);
  const anchors = new Map((ontology.labels || []).filter((l) => typeof l.value === "number").map((l) => [l.value, l]));
  const byValue = points.every((p) => Number.isInteger(p) && p >= 0 && p <= 9);
  const keyOf = (p, i) => (byValue ? String(p) : i < 9 ? String(i + 1) : i === 9 ? "0" : null);
  const start = (initial ?? suggestion?.value)?.rating;
  const state = history(points.includes(start) ? start : null, () => { paint(); onChange?.(); });
  const view = h("div", { class: "task rating" }, renderPayload(payload));
  container.prepend(view);
  const bar = labelBar || container.appendChild(h("nav", { class: "label-bar" }));
  const buttons = points.map((p, i) => {
    const anchor = anchors.get(p);
    const key = keyOf(p, i);
    return h("button", {
      type: "button", class: "label-btn scale-point", "data-rating": String(p), title: anchor?.description || "",
      onclick: () => choose(p), onmousedown: (e) => e.preventDefault(),
    }, h("span", { class: "name" }, String(p)), anchor ? h("small", {}, anchor.name) : null, key && points.length <= 10 ? h("kbd", {}, key) : null);
  });
  bar.replaceChildren(h("div", { class: "scale" }, ...buttons));

  function choose(p) {
    if (state.get() !== p) state.set(p);
  }
  function paint() {
    buttons.forEach((b, i) => b.classList.toggle("selected", points[i] === state.get()));
  }
  paint();

  return {
    getValue: () => (state.get() === null ? null : { rating: state.get() }),
    validate: () => (state.get() === null ? "Choose a rating." : null),
    undo: () => state.undo(),
    handleKey(event) {
      if (isTyping(event) || !plainKey(event)) return false;
      const at = points.indexOf(state.get());
      if (event.key === "ArrowRight" || event.key === "ArrowUp") { choose(points[Math.min(points.length - 1, at + 1)]); return true; }
      if (event.key === "ArrowLeft" || event.key === "ArrowDown") { choose(points[Math.max(0, at < 0 ? 0 : at - 1)]); return true; }
      if (points.length > 10) return false;
      const i = points.findIndex((p, k) => keyOf(p, k) === event.key);
      if (i < 0) return false;
      choose(points[i]);
      return true;
    },
    destroy() { view.remove(); if (!labelBar) bar.remove(); else bar.replaceChildren(); },
  };
}
