// spans: select text with the mouse (or Shift+arrows), then press a label hotkey or click a label to mark it.
// Pressing a label with nothing selected arms it: the next selection becomes a span of that label at once.
// Click a highlighted span to delete it. Offsets are kept in UTF-16 here and sent as code points.
import { colourOf, h, history, isTyping, labelKeys, plainKey, renderLabelBar, toCodePoints, toUtf16 } from "./util.js";

export function mount(container, { payload, ontology, suggestion, initial, onChange, labelBar, notify }) {
  const text = payload.text || "";
  const labels = ontology.labels || [];
  const allowOverlap = Boolean(ontology.constraints?.allow_overlap);
  const { byKey, keyOf } = labelKeys(labels);
  const known = new Set(labels.map((l) => l.name));
  const start = ((initial ?? suggestion?.value)?.spans || [])
    .filter((s) => known.has(s.label))
    .map((s) => ({ start: toUtf16(text, s.start), end: toUtf16(text, s.end), label: s.label }));
  const state = history(start, () => { paint(); onChange?.(); });
  let pending = null;   // {start, end} of the current selection, UTF-16
  let armed = null;     // label chosen before selecting
  const say = notify || (() => {});

  const textEl = h("div", { class: "span-text", tabindex: "0" });
  const list = h("ul", { class: "span-list" });
  const view = h("div", { class: "task spans" }, textEl, list);
  container.prepend(view);
  const bar = labelBar || container.appendChild(h("nav", { class: "label-bar" }));
  const buttons = renderLabelBar(bar, labels, keyOf, pick);

  textEl.addEventListener("mousedown", () => { pending = null; });
  textEl.addEventListener("mouseup", () => readSelection());
  textEl.addEventListener("keyup", (e) => { if (e.shiftKey) readSelection(); });
  textEl.addEventListener("click", (e) => {
    const mark = e.target.closest("mark[data-spans]");
    if (!mark || !window.getSelection().isCollapsed) return;
    const covering = mark.dataset.spans.split(",").map(Number).map((i) => state.get()[i]);
    covering.sort((a, b) => (a.end - a.start) - (b.end - b.start));
    remove(covering[0]);
  });

  function offset(node, off) {
    const range = document.createRange();
    range.setStart(textEl, 0);
    range.setEnd(node, off);
    return range.toString().length;
  }

  function readSelection() {
    const sel = window.getSelection();
    if (!sel.rangeCount || sel.isCollapsed) return;
    const r = sel.getRangeAt(0);
    if (!textEl.contains(r.startContainer) || !textEl.contains(r.endContainer)) return;
    let s = offset(r.startContainer, r.startOffset), e = offset(r.endContainer, r.endOffset);
    while (s < e && /\s/.test(text[s])) s++;
    while (e > s && /\s/.test(text[e - 1])) e--;
    if (s > 0 && /[\uDC00-\uDFFF]/.test(text[s])) s--;          // never split a surrogate pair
    if (e < text.length && /[\uDC00-\uDFFF]/.test(text[e])) e++;
    if (e <= s) return;
    pending = { start: s, end: e };
    if (armed) add(armed);
  }

  function pick(name) {
    if (!pending) readSelection();  // a selection made some other way (keyboard, double-click)
    if (pending) { add(name); return; }
    armed = armed === name ? null : name;
    buttons.setSelected(armed ? [armed] : []);
    say(armed ? `“${name}” armed: select text to mark it.` : "");
  }

  function add(label) {
    const span = { ...pending, label };
    pending = null;
    window.getSelection().removeAllRanges();
    const spans = state.get();
    if (spans.some((o) => o.start === span.start && o.end === span.end && o.label === label)) return;
    const clash = spans.find((o) => o.start < span.end && span.start < o.end);
    if (clash && !allowOverlap) {
      say(`That overlaps “${text.slice(clash.start, clash.end)}” (${clash.label}); delete it first.`, "error");
      return;
    }
    state.set([...spans, span].sort((a, b) => a.start - b.start || a.end - b.end));
    say("");
  }

  function remove(span) {
    state.set(state.get().filter((o) => o !== span));
  }

  function paint() {
    const spans = state.get();
    const cuts = [...new Set([0, text.length, ...spans.flatMap((s) => [s.start, s.end])])].sort((a, b) => a - b);
    textEl.replaceChildren();
    for (let i = 0; i + 1 < cuts.length; i++) {
      const [a, b] = [cuts[i], cuts[i + 1]];
      const piece = text.slice(a, b);
      const covering = spans.map((s, k) => [s, k]).filter(([s]) => s.start <= a && s.end >= b);
      if (!covering.length) { textEl.append(piece); continue; }
      const [top] = covering[covering.length - 1];
      const ends = covering.filter(([s]) => s.end === b).map(([s]) => s.label);
      const mark = h("mark", {
        class: `span${covering.length > 1 ? " multi" : ""}${ends.length ? " end" : ""}`,
        style: { "--label-colour": colourOf(labels, top.label) },
        "data-spans": covering.map(([, k]) => k).join(","),
        "data-tag": ends.join(" + "),
        title: covering.map(([s]) => s.label).join(" + ") + " (click to delete)",
      }, piece);
      textEl.append(mark);
    }
    list.replaceChildren(...spans.map((s) => h("li", {
      class: "span-chip", style: { "--label-colour": colourOf(labels, s.label) },
      title: "click to delete", onclick: () => remove(s),
    }, h("b", {}, s.label), ` “${text.slice(s.start, s.end)}” `, h("span", { class: "x" }, "×"))));
    if (!spans.length) list.append(h("li", { class: "muted" }, "Select text, then press a label key or click a label."));
  }
  paint();

  return {
    getValue: () => ({
      spans: state.get().map((s) => ({ start: toCodePoints(text, s.start), end: toCodePoints(text, s.end), label: s.label })),
    }),
    validate: () => null,
    undo: () => state.undo(),
    handleKey(event) {
      if (event.key === "Escape" && (pending || armed)) {
        pending = null; armed = null; buttons.setSelected([]); window.getSelection().removeAllRanges(); say("");
        return true;
      }
      if (isTyping(event) || !plainKey(event)) return false;
      const label = byKey.get(event.key);
      if (!label) return false;
      pick(label.name);
      return true;
    },
    destroy() { view.remove(); if (!labelBar) bar.remove(); else bar.replaceChildren(); },
  };
}
