// pairwise: which response is better? Keys a / b / t (tie, unless constraints.allow_tie is false) or the buttons;
// an optional reason, required when constraints.require_reason is true.
import { h, history, isTyping, plainKey } from "./util.js";

export function mount(container, { payload, ontology, suggestion, initial, onChange, labelBar }) {
  const { allow_tie: allowTie = true, require_reason: requireReason = false } = ontology.constraints || {};
  const start = initial ?? suggestion?.value ?? {};
  const choices = allowTie ? ["a", "tie", "b"] : ["a", "b"];
  const state = history(choices.includes(start.choice) ? start.choice : null, () => { paint(); onChange?.(); });
  const side = (which, text) => h("section", { class: "response", "data-side": which },
    h("h3", {}, `Response ${which.toUpperCase()}`), h("div", { class: "response-text" }, text));
  const reason = h("textarea", {
    class: "reason", rows: 2, value: start.reason || "",
    placeholder: requireReason ? "Why? (required)" : "Why? (optional)", oninput: () => onChange?.(),
  });
  const responses = h("div", { class: "responses" }, side("a", payload.response_a), side("b", payload.response_b));
  const view = h("div", { class: "task pairwise" },
    h("div", { class: "payload-prompt" }, payload.prompt), responses,
    h("label", { class: "reason-label" }, `Reason${requireReason ? " (required)" : ""}`, reason));
  container.prepend(view);
  const bar = labelBar || container.appendChild(h("nav", { class: "label-bar" }));
  const keyFor = { a: "a", b: "b", tie: "t" };
  const nameFor = { a: "A is better", b: "B is better", tie: "Tie" };
  const buttons = new Map(choices.map((c) => [c, h("button", {
    type: "button", class: "label-btn choice", "data-choice": c, onclick: () => choose(c),
    onmousedown: (e) => e.preventDefault(),
  }, h("span", { class: "name" }, nameFor[c]), h("kbd", {}, keyFor[c]))]));
  bar.replaceChildren(...buttons.values());

  function choose(choice) {
    if (state.get() !== choice) state.set(choice);
  }
  function paint() {
    for (const [c, b] of buttons) b.classList.toggle("selected", c === state.get());
    for (const s of responses.children) s.classList.toggle("chosen", state.get() === s.dataset.side || state.get() === "tie");
  }
  paint();

  return {
    getValue() {
      if (!state.get()) return null;
      const why = reason.value.trim();
      return why ? { choice: state.get(), reason: why } : { choice: state.get() };
    },
    validate() {
      if (!state.get()) return allowTie ? "Choose A, B or tie." : "Choose A or B.";
      if (requireReason && !reason.value.trim()) { reason.focus(); return "Give a reason for your choice."; }
      return null;
    },
    undo: () => state.undo(),
    handleKey(event) {
      if (isTyping(event) || !plainKey(event)) return false;
      const choice = { a: "a", b: "b", t: "tie" }[event.key];
      if (!choice || !choices.includes(choice)) return false;
      choose(choice);
      return true;
    },
    destroy() { view.remove(); if (!labelBar) bar.remove(); else bar.replaceChildren(); },
  };
}
