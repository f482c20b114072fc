"""Parsing of the "guidelines" object: markdown, worked examples, edge cases and a yes/no decision tree.

Examples and decision-tree outcomes that name a label are checked against the labels, so renaming a label in
an edit cannot leave guidelines pointing at a label that no longer exists.
"""

from typing import Any

from projects.ontology import constants as c
from projects.ontology.checks import type_name
from projects.ontology.definition import DecisionNode, EdgeCase, Example, Guidelines, Label
from projects.ontology.errors import Errors, index, join
from projects.ontology.fields import read_list, read_str

GUIDELINE_KEYS = ("markdown", "examples", "edge_cases", "decision_tree")


def parse_guidelines(data: Any, task_type: str | None, labels: list[Label], path: str, errors: Errors) -> Guidelines:
    if data is None:
        return Guidelines()
    if not isinstance(data, dict):
        errors.add(path, "type", f"guidelines must be an object, got {type_name(data)}")
        return Guidelines()
    errors.unknown_keys(data, GUIDELINE_KEYS, path)
    markdown = read_str(data, "markdown", path, errors, max_length=c.MAX_GUIDELINES_LENGTH) or ""
    by_name = {label.name.casefold(): label.name for label in labels}
    examples = [
        _example(item, by_name, index(join(path, "examples"), i), errors)
        for i, item in enumerate(read_list(data, "examples", path, errors, what="examples"))
    ]
    edge_cases = [
        _edge_case(item, index(join(path, "edge_cases"), i), errors)
        for i, item in enumerate(read_list(data, "edge_cases", path, errors, what="edge_cases"))
    ]
    raw_tree = read_list(data, "decision_tree", path, errors, what="decision_tree")
    tree = _decision_tree(raw_tree, task_type, by_name, join(path, "decision_tree"), errors)
    return Guidelines(
        markdown=markdown,
        examples=tuple(e for e in examples if e is not None),
        edge_cases=tuple(e for e in edge_cases if e is not None),
        decision_tree=tuple(tree),
    )


def _example(item: Any, by_name: dict[str, str], path: str, errors: Errors) -> Example | None:
    if not isinstance(item, dict):
        errors.add(path, "type", f"an example must be an object, got {type_name(item)}")
        return None
    errors.unknown_keys(item, ("label", "kind", "input", "note"), path)
    label = read_str(item, "label", path, errors) or None
    if label is not None and by_name:
        if label.casefold() not in by_name:
            errors.add(join(path, "label"), "unknown_label", f"example label '{label}' is not one of the labels")
        label = by_name.get(label.casefold(), label)
    kind = item.get("kind", "positive")
    if kind not in c.EXAMPLE_KINDS:
        errors.add(join(path, "kind"), "invalid", f"example kind must be 'positive' or 'negative', got {kind!r}")
    text = read_str(item, "input", path, errors, required=True, what="example input")
    note = read_str(item, "note", path, errors) or ""
    if text is None or kind not in c.EXAMPLE_KINDS:
        return None
    return Example(label=label, kind=kind, input=text, note=note)


def _edge_case(item: Any, path: str, errors: Errors) -> EdgeCase | None:
    if not isinstance(item, dict):
        errors.add(path, "type", f"an edge case must be an object with case and resolution, got {type_name(item)}")
        return None
    errors.unknown_keys(item, ("case", "resolution"), path)
    case = read_str(item, "case", path, errors, required=True, what="edge case")
    resolution = read_str(item, "resolution", path, errors, required=True, what="resolution")
    if case is None or resolution is None:
        return None
    return EdgeCase(case, resolution)


def _decision_tree(
    raw: list[Any], task_type: str | None, by_name: dict[str, str], path: str, errors: Errors
) -> list[DecisionNode]:
    """Nodes whose yes/no lead to another node id or to an outcome; outcomes must be labels when answers are.

    The first node is the root. Loops are rejected because a person following the tree would never finish.
    """
    rows: list[tuple[int, dict[str, Any]]] = []
    ids: dict[str, int] = {}
    for i, item in enumerate(raw):
        node_path = index(path, i)
        if not isinstance(item, dict):
            errors.add(node_path, "type", f"a decision node must be an object, got {type_name(item)}")
            continue
        errors.unknown_keys(item, ("id", "question", "yes", "no"), node_path)
        node_id = read_str(item, "id", node_path, errors, required=True, what="node id")
        if node_id is not None:
            if node_id in ids:
                errors.add(
                    join(node_path, "id"), "duplicate", f"node id '{node_id}' is already used by [{ids[node_id]}]"
                )
            elif node_id.casefold() in by_name:
                errors.add(join(node_path, "id"), "invalid", f"node id '{node_id}' is also a label name; rename one")
            else:
                ids[node_id] = i
        rows.append((i, item))
    nodes: list[DecisionNode] = []
    edges: dict[str, list[str]] = {}
    for i, item in rows:
        node_path = index(path, i)
        node_id = read_str(item, "id", node_path, Errors())
        question = read_str(item, "question", node_path, errors, required=True, what="question")
        answers = [_outcome(item, key, task_type, by_name, ids, node_path, errors) for key in ("yes", "no")]
        if node_id is None or ids.get(node_id) != i or question is None or None in answers:
            continue
        yes, no = answers
        nodes.append(DecisionNode(node_id, question, yes, no))
        edges[node_id] = [target for target in (yes, no) if target in ids]
    loop = _find_loop(edges)
    if loop:
        errors.add(path, "cycle", f"the decision tree loops: {' -> '.join(loop)}")
    return nodes


def _outcome(
    item: dict[str, Any],
    key: str,
    task_type: str | None,
    by_name: dict[str, str],
    ids: dict[str, int],
    path: str,
    errors: Errors,
) -> str | None:
    target = read_str(item, key, path, errors, required=True, what=f"'{key}' outcome")
    if target is None or target in ids:
        return target
    if target.casefold() in by_name:
        return by_name[target.casefold()]
    if task_type in c.LABELS_REQUIRED:
        errors.add(join(path, key), "unknown_target", f"'{target}' is neither a label nor the id of a node")
        return None
    return target


def _find_loop(edges: dict[str, list[str]]) -> list[str]:
    """A path that returns to its start ([] when the graph has no cycle), by depth-first search."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished

    def visit(node: str, trail: list[str]) -> list[str]:
        state[node] = 1
        for nxt in edges.get(node, []):
            if state.get(nxt) == 1:
                return [*trail[trail.index(nxt) :], node, nxt] if nxt in trail else [node, nxt]
            if nxt not in state:
                found = visit(nxt, [*trail, node])
                if found:
                    return found
        state[node] = 2
        return []

    for start in edges:
        if start not in state:
            found = visit(start, [])
            if found:
                return found
    return []
