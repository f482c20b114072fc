// Rows for the "?" overlay: the workspace's own keys, then the keys of this project's task type and labels.
import { labelKeys } from "./util.js";
import { scalePoints } from "./rating.js";

const BY_TYPE = {
  single_label: [["Click a label", "choose it"]],
  multi_label: [["Click a label", "toggle it"]],
  spans: [["Mouse drag / Shift+arrows", "select text, then press a label key or click a label"],
    ["Label key first", "arms the label: the next selection is marked at once"], ["Click a highlight", "delete that span"],
    ["Esc", "drop the selection or armed label"]],
  boxes: [["Drag on the image", "draw a box with the current label"], ["Label key", "current label; relabels the selected box"],
    ["Click + drag a box", "select and move it"], ["Drag a corner", "resize"], ["Delete / Backspace", "remove the selected box"],
    ["Arrows (Shift: ×10)", "nudge the selected box"], ["Esc", "deselect"]],
  pairwise: [["a", "response A is better"], ["b", "response B is better"], ["t", "tie (if allowed)"]],
  rating: [["← → / ↑ ↓", "step along the scale"]],
  free_text: [["Type", "write the answer"], ["Ctrl+Enter", "submit from the text box"]],
};

export function keyRows(ontology) {
  const rows = [
    ["Enter", "submit (Ctrl+Enter inside a text box)"],
    ["Ctrl+Z (or u)", "undo the last change"],
    ["Esc (or s)", "skip this item (asks for a reason)"],
    ["?", "this help"],
    ["/", "show or hide the guidelines"],
  ];
  const type = ontology.task_type;
  rows.push(...(BY_TYPE[type] || []));
  if (type === "rating") {
    const points = scalePoints(ontology.constraints?.scale);
    if (points.length <= 10) rows.push(["Digits", `pick a point of ${points[0]}…${points[points.length - 1]}`]);
  } else if (["single_label", "multi_label", "spans", "boxes"].includes(type)) {
    const { byKey } = labelKeys(ontology.labels || []);
    for (const [key, label] of byKey) rows.push([key, label.name]);
  }
  if ((ontology.labels || []).some((l) => ["u", "s"].includes(l.hotkey))) {
    rows.push(["Note", "a label uses u or s here, so use Ctrl+Z / Esc for undo / skip"]);
  }
  return rows;
}
