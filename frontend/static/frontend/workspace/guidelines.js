// The guidelines side panel: the server's sanitised HTML, then each label with its worked examples,
// the edge cases and the decision tree, all taken from the ontology embedded in the page.
import { colourOf, h } from "./util.js";

const show = (input) => (typeof input === "string" ? input : JSON.stringify(input));

export function renderGuidelines(panel, ontology, html) {
  const g = ontology.guidelines || {};
  const labels = ontology.labels || [];
  const examples = g.examples || [];
  const body = h("div", { class: "guidelines-body" });
  body.innerHTML = html || "";  // sanitised by the server (nh3) before it is embedded
  const parts = [body];
  if (labels.length) {
    parts.push(h("h3", {}, "Labels"), h("dl", { class: "label-guide" }, ...labels.flatMap((label) => {
      const mine = examples.filter((e) => e.label === label.name);
      return [
        h("dt", { style: { "--label-colour": colourOf(labels, label.name) } }, h("span", { class: "swatch" }), label.name,
          label.hotkey ? h("kbd", {}, label.hotkey) : null),
        h("dd", {}, label.description || "",
          mine.length ? h("ul", { class: "examples" }, ...mine.map((e) => h("li", { class: `example ${e.kind}` },
            h("span", { class: "kind" }, e.kind === "negative" ? "✗ not this" : "✓ this"), " ", h("q", {}, show(e.input)),
            e.note ? h("div", { class: "muted" }, e.note) : null))) : null),
      ];
    })));
  }
  const loose = examples.filter((e) => !labels.some((l) => l.name === e.label));
  if (loose.length) {
    parts.push(h("h3", {}, "Examples"), h("ul", { class: "examples" }, ...loose.map((e) => h("li", { class: `example ${e.kind}` },
      h("b", {}, e.label ?? ""), " ", h("q", {}, show(e.input)), e.note ? h("div", { class: "muted" }, e.note) : null))));
  }
  if ((g.edge_cases || []).length) {
    parts.push(h("h3", {}, "Edge cases"), h("dl", { class: "edge-cases" },
      ...g.edge_cases.flatMap((c) => [h("dt", {}, c.case), h("dd", {}, c.resolution)])));
  }
  if ((g.decision_tree || []).length) {
    parts.push(h("h3", {}, "Decision tree"), h("ol", { class: "decision-tree" }, ...g.decision_tree.map((n) =>
      h("li", { id: `dt-${n.id}` }, h("b", {}, n.question), h("div", {}, `yes → ${show(n.yes)} · no → ${show(n.no)}`)))));
  }
  if (parts.length === 1 && !html) parts.push(h("p", { class: "muted" }, "No guidelines for this project yet."));
  panel.replaceChildren(...parts);
}
