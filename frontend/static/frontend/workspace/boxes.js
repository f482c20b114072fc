// boxes: drag on the image to draw a box with the current label; a label hotkey sets the label for new boxes
// and relabels the selected one. Click a box to select it, drag it to move, drag a corner to resize;
// Delete/Backspace removes it, arrow keys nudge it (Shift: 10 px), Esc deselects.
// Boxes live in image pixels (payload.width/height); the screen only scales them.
import { colourOf, h, history, isTyping, labelKeys, plainKey, renderLabelBar } from "./util.js";

const MIN_DRAG_PX = 4;

export function mount(container, { payload, ontology, suggestion, initial, onChange, labelBar, notify }) {
  const W = payload.width, H = payload.height;
  const labels = ontology.labels || [];
  const maxBoxes = ontology.constraints?.max_boxes ?? null;
  const minBoxes = ontology.constraints?.min_boxes ?? 0;
  const { byKey, keyOf } = labelKeys(labels);
  const known = new Set(labels.map((l) => l.name));
  const start = ((initial ?? suggestion?.value)?.boxes || []).filter((b) => known.has(b.label))
    .map(({ x, y, w, h: bh, label }) => ({ x, y, w, h: bh, label }));
  const state = history(start, () => { selected = Math.min(selected, state.get().length - 1); paint(); onChange?.(); });
  const say = notify || (() => {});
  let current = labels[0]?.name ?? null;  // label for the next box
  let selected = -1;
  let drag = null;                         // {mode, index, corner, origin, before, boxes}

  const layer = h("div", { class: "box-layer" });
  const img = h("img", { class: "box-image", src: payload.image, alt: "item image", draggable: false });
  const canvas = h("div", { class: "box-canvas" }, img, layer);
  const stage = h("div", { class: "box-stage" }, canvas);
  const list = h("ul", { class: "box-list" });
  const view = h("div", { class: "task boxes" }, stage, list);
  container.prepend(view);
  img.addEventListener("error", () => {
    img.replaceWith(h("div", { class: "image-placeholder box-image" }, h("span", {}, "image failed to load — you can still draw")));
  });
  const bar = labelBar || container.appendChild(h("nav", { class: "label-bar" }));
  const buttons = renderLabelBar(bar, labels, keyOf, choose);

  const fit = () => {
    const scale = Math.min(stage.clientWidth / W, stage.clientHeight / H);
    if (!(scale > 0)) return;
    canvas.style.width = `${W * scale}px`;
    canvas.style.height = `${H * scale}px`;
  };
  const observer = new ResizeObserver(fit);
  observer.observe(stage);

  const boxes = () => (drag ? drag.boxes : state.get());
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
  function point(event) {
    const r = canvas.getBoundingClientRect();
    return { x: clamp((event.clientX - r.left) * W / r.width, 0, W), y: clamp((event.clientY - r.top) * H / r.height, 0, H), scale: r.width / W };
  }
  function tidy(b) {
    const x = clamp(Math.round(b.x), 0, W), y = clamp(Math.round(b.y), 0, H);
    return { x, y, w: clamp(Math.round(b.x + b.w), 0, W) - x, h: clamp(Math.round(b.y + b.h), 0, H) - y, label: b.label };
  }

  layer.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    const p = point(event);
    const handle = event.target.closest("[data-corner]");
    const boxEl = event.target.closest("[data-box]");
    const copy = structuredClone(state.get());
    if (handle) {
      drag = { mode: "resize", index: selected, corner: handle.dataset.corner, origin: p, before: { ...copy[selected] }, boxes: copy };
    } else if (boxEl) {
      selected = Number(boxEl.dataset.box);
      drag = { mode: "move", index: selected, origin: p, before: { ...copy[selected] }, boxes: copy };
    } else {
      if (maxBoxes !== null && copy.length >= maxBoxes) { say(`At most ${maxBoxes} boxes on this item.`, "error"); return; }
      if (!current) { say("Choose a label first.", "error"); return; }
      selected = copy.length;
      copy.push({ x: p.x, y: p.y, w: 0, h: 0, label: current });
      drag = { mode: "draw", index: selected, origin: p, boxes: copy };
    }
    paint();
  });

  function onMove(event) {
    if (!drag) return;
    const p = point(event);
    const b = drag.boxes[drag.index];
    const dx = p.x - drag.origin.x, dy = p.y - drag.origin.y;
    if (drag.mode === "draw") {
      Object.assign(b, { x: Math.min(p.x, drag.origin.x), y: Math.min(p.y, drag.origin.y), w: Math.abs(dx), h: Math.abs(dy) });
    } else if (drag.mode === "move") {
      const o = drag.before;
      Object.assign(b, { x: clamp(o.x + dx, 0, W - o.w), y: clamp(o.y + dy, 0, H - o.h) });
    } else {
      const o = drag.before;
      let [x1, y1, x2, y2] = [o.x, o.y, o.x + o.w, o.y + o.h];
      if (drag.corner.includes("w")) x1 += dx; else x2 += dx;
      if (drag.corner.includes("n")) y1 += dy; else y2 += dy;
      [x1, x2] = [Math.min(x1, x2), Math.max(x1, x2)];
      [y1, y2] = [Math.min(y1, y2), Math.max(y1, y2)];
      Object.assign(b, { x: clamp(x1, 0, W), y: clamp(y1, 0, H), w: clamp(x2, 0, W) - clamp(x1, 0, W), h: clamp(y2, 0, H) - clamp(y1, 0, H) });
    }
    paint();
  }

  function onUp(event) {
    if (!drag) return;
    const { mode, index, boxes: next } = drag;
    const tiny = mode === "draw" && next[index].w * point(event).scale < MIN_DRAG_PX && next[index].h * point(event).scale < MIN_DRAG_PX;
    drag = null;
    if (tiny) { selected = -1; paint(); return; }    // a click on the image: deselect
    next[index] = tidy(next[index]);
    if (next[index].w < 1 || next[index].h < 1) { selected = -1; paint(); return; }
    if (JSON.stringify(next) === JSON.stringify(state.get())) { paint(); return; }
    state.set(next);
  }
  window.addEventListener("pointermove", onMove);
  window.addEventListener("pointerup", onUp);

  function choose(name) {
    current = name;
    if (selected >= 0 && state.get()[selected] && state.get()[selected].label !== name) {
      const next = structuredClone(state.get());
      next[selected].label = name;
      state.set(next);
    } else paint();
  }

  function paint() {
    const all = boxes();
    layer.replaceChildren(...all.map((b, i) => {
      const el = h("div", {
        class: `box${i === selected ? " selected" : ""}`, "data-box": String(i), "data-label": b.label,
        style: { left: `${100 * b.x / W}%`, top: `${100 * b.y / H}%`, width: `${100 * b.w / W}%`, height: `${100 * b.h / H}%`,
          "--label-colour": colourOf(labels, b.label) },
      }, h("span", { class: "box-tag" }, b.label));
      if (i === selected && !drag) for (const c of ["nw", "ne", "sw", "se"]) el.append(h("span", { class: `handle ${c}`, "data-corner": c }));
      return el;
    }));
    list.replaceChildren(...state.get().map((b, i) => h("li", {
      class: `box-chip${i === selected ? " selected" : ""}`, style: { "--label-colour": colourOf(labels, b.label) },
      onclick: () => { selected = i; paint(); },
    }, h("b", {}, b.label), ` ${b.x}, ${b.y} · ${b.w}×${b.h}`)));
    if (!state.get().length) list.append(h("li", { class: "muted" }, "Drag on the image to draw a box."));
    const shown = selected >= 0 && state.get()[selected] ? state.get()[selected].label : current;
    buttons.setSelected(shown ? [shown] : []);
  }
  paint();
  requestAnimationFrame(fit);

  return {
    getValue: () => ({ boxes: state.get().map((b) => ({ ...b })) }),
    validate() {
      const n = state.get().length;
      if (n < minBoxes) return `Draw at least ${minBoxes} box${minBoxes === 1 ? "" : "es"}.`;
      if (maxBoxes !== null && n > maxBoxes) return `Draw at most ${maxBoxes} boxes.`;
      return null;
    },
    undo: () => state.undo(),
    handleKey(event) {
      if (isTyping(event)) return false;
      const sel = state.get()[selected];
      if (sel && (event.key === "Delete" || event.key === "Backspace")) {
        state.set(state.get().filter((_, i) => i !== selected));
        selected = -1; paint();
        return true;
      }
      if (sel && event.key === "Escape") { selected = -1; paint(); return true; }
      if (sel && event.key.startsWith("Arrow")) {
        const step = event.shiftKey ? 10 : 1;
        const [dx, dy] = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[event.key];
        const next = structuredClone(state.get());
        next[selected] = { ...sel, x: clamp(sel.x + dx, 0, W - sel.w), y: clamp(sel.y + dy, 0, H - sel.h) };
        state.set(next);
        return true;
      }
      if (!plainKey(event)) return false;
      const label = byKey.get(event.key);
      if (!label) return false;
      choose(label.name);
      return true;
    },
    destroy() {
      observer.disconnect();
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      view.remove();
      if (!labelBar) bar.remove(); else bar.replaceChildren();
    },
  };
}
