// Helpers shared by the task-type modules: element building, label hotkeys, the label bar, undo history,
// rendering of text/image payloads, and UTF-16 <-> code point offsets (the server counts code points).

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "style" && typeof value === "object") {
      for (const [prop, v] of Object.entries(value)) {
        if (prop.startsWith("--")) node.style.setProperty(prop, v); else node.style[prop] = v;
      }
    }
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key in node && key !== "list") node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) node.append(child);
  }
  return node;
}

export function isTyping(event) {
  const t = event.target;
  return Boolean(t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName)));
}

export function plainKey(event) {
  return !event.ctrlKey && !event.metaKey && !event.altKey;
}

/** Map key -> label: a label's own hotkey first, then 1..9 by position for digits no label claims. */
export function labelKeys(labels) {
  const byKey = new Map();
  const keyOf = new Map();
  for (const label of labels) {
    if (label.hotkey) { byKey.set(label.hotkey, label); keyOf.set(label.name, label.hotkey); }
  }
  labels.slice(0, 9).forEach((label, i) => {
    const digit = String(i + 1);
    if (byKey.has(digit)) return;
    byKey.set(digit, label);
    if (!keyOf.has(label.name)) keyOf.set(label.name, digit);
  });
  return { byKey, keyOf };
}

export const DEFAULT_COLOURS = ["#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#6d4c41", "#3949ab"];

export function colourOf(labels, name) {
  const i = labels.findIndex((l) => l.name === name);
  if (i < 0) return "#888888";
  return labels[i].colour || DEFAULT_COLOURS[i % DEFAULT_COLOURS.length];
}

/** Fill `bar` with one button per label (colour swatch, name, hotkey hint); returns setSelected(names). */
export function renderLabelBar(bar, labels, keyOf, onPick) {
  bar.replaceChildren();
  const buttons = new Map();
  for (const label of labels) {
    const key = keyOf.get(label.name);
    const button = h("button", {
      type: "button", class: "label-btn", title: label.description || label.name,
      style: { "--label-colour": colourOf(labels, label.name) },
      "data-label": label.name, onclick: (e) => { e.preventDefault(); onPick(label.name); },
      onmousedown: (e) => e.preventDefault(),  // keep a text selection alive (spans) and focus where it was
    }, h("span", { class: "swatch" }), h("span", { class: "name" }, label.name), key ? h("kbd", {}, key) : null);
    buttons.set(label.name, button);
    bar.append(button);
  }
  return {
    setSelected(names) {
      const chosen = new Set(names);
      for (const [name, button] of buttons) {
        button.classList.toggle("selected", chosen.has(name));
        button.setAttribute("aria-pressed", String(chosen.has(name)));
      }
    },
  };
}

/** A value with an undo stack of snapshots. */
export function history(initial, onChange) {
  let current = structuredClone(initial);
  const past = [];
  return {
    get: () => current,
    set(next) {
      past.push(structuredClone(current));
      current = structuredClone(next);
      onChange?.();
    },
    undo() {
      if (!past.length) return false;
      current = past.pop();
      onChange?.();
      return true;
    },
  };
}

/** Show a text / image / prompt payload read-only; returns the element (images get a grey fallback). */
export function renderPayload(payload) {
  const box = h("div", { class: "payload" });
  if (payload.prompt) box.append(h("div", { class: "payload-prompt" }, payload.prompt));
  if (payload.image) box.append(imageOrPlaceholder(payload));
  if (payload.text !== undefined && payload.text !== null) box.append(h("div", { class: "payload-text" }, payload.text));
  return box;
}

export function imageOrPlaceholder(payload, { onLoad } = {}) {
  const img = h("img", { class: "payload-image", src: payload.image, alt: "item image", draggable: false });
  img.addEventListener("load", () => onLoad?.(img));
  img.addEventListener("error", () => img.replaceWith(placeholder(payload)));
  return img;
}

export function placeholder(payload) {
  const w = payload.width || 4, hgt = payload.height || 3;
  return h("div", { class: "image-placeholder", style: { aspectRatio: `${w} / ${hgt}` } },
    h("span", {}, "image failed to load"));
}

/** Offsets: the browser counts UTF-16 units, the server Unicode code points. */
export function toCodePoints(text, utf16) {
  return Array.from(text.slice(0, utf16)).length;
}

export function toUtf16(text, codePoints) {
  return Array.from(text).slice(0, codePoints).join("").length;
}

/** A short human description of a value, for notices that must show an answer (lease lost, feedback). */
export function describeValue(value) {
  if (!value || typeof value !== "object") return "(no answer)";
  if ("label" in value) return value.label;
  if ("labels" in value) return value.labels.join(", ") || "(none)";
  if ("spans" in value) return value.spans.map((s) => `${s.label} [${s.start}–${s.end}]${s.text ? ` “${s.text}”` : ""}`).join("; ") || "(no spans)";
  if ("boxes" in value) return value.boxes.map((b) => `${b.label} (${b.x}, ${b.y}, ${b.w}×${b.h})`).join("; ") || "(no boxes)";
  if ("choice" in value) return `${value.choice === "tie" ? "tie" : `response ${value.choice.toUpperCase()}`}${value.reason ? ` — ${value.reason}` : ""}`;
  if ("rating" in value) return String(value.rating);
  if ("text" in value) return value.text;
  return JSON.stringify(value);
}
