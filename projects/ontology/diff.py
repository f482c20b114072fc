"""diff_ontologies(): the human changelog written when an edit creates the next ontology version."""

import json
from typing import Any

from projects.ontology.definition import Label, Ontology


def diff_ontologies(old: Ontology, new: Ontology) -> list[str]:
    """One readable line per change, in a stable order; [] when the two versions mean the same thing.

    Renames cannot be known for sure (labels have no ids), so a removed and an added label that share a hotkey,
    a non-empty description or, failing those, the same position are reported as "probably renamed".
    """
    lines: list[str] = []
    if old.task_type != new.task_type:
        lines.append(f"task type changed from {old.task_type} to {new.task_type}")
    lines.extend(_label_lines(old, new))
    lines.extend(_constraint_lines(old.constraints.to_dict(), new.constraints.to_dict()))
    lines.extend(_guideline_lines(old, new))
    return lines


def _label_lines(old: Ontology, new: Ontology) -> list[str]:
    old_by = {label.name.casefold(): label for label in old.labels}
    new_by = {label.name.casefold(): label for label in new.labels}
    removed = [label for label in old.labels if label.name.casefold() not in new_by]
    added = [label for label in new.labels if label.name.casefold() not in old_by]
    lines: list[str] = []
    for before, after in _guess_renames(old, new, removed, added):
        lines.append(f"label '{before.name}' probably renamed to '{after.name}'")
        removed.remove(before)
        added.remove(after)
        lines.extend(_label_changes(before, after, after.name))
    lines.extend(f"label '{label.name}' removed" for label in removed)
    lines.extend(f"label '{label.name}' added" for label in added)
    for label in new.labels:
        before = old_by.get(label.name.casefold())
        if before is None:
            continue
        if before.name != label.name:
            lines.append(f"label '{before.name}' renamed to '{label.name}'")
        lines.extend(_label_changes(before, label, label.name))
    kept_old = [name.casefold() for name in old.label_names if name.casefold() in new_by]
    kept_new = [name.casefold() for name in new.label_names if name.casefold() in old_by]
    if kept_old != kept_new:
        lines.append("labels reordered")
    return lines


def _guess_renames(old: Ontology, new: Ontology, removed: list[Label], added: list[Label]) -> list[tuple[Label, Label]]:
    pairs: list[tuple[Label, Label]] = []
    free = list(added)
    for before in removed:
        match = next((a for a in free if before.hotkey and a.hotkey == before.hotkey), None)
        match = match or next((a for a in free if before.description and a.description == before.description), None)
        if match is None and len(removed) == len(added) == 1:
            match = free[0] if old.labels.index(before) == new.labels.index(free[0]) else None
        if match is not None:
            pairs.append((before, match))
            free.remove(match)
    return pairs


def _label_changes(before: Label, after: Label, name: str) -> list[str]:
    lines: list[str] = []
    for field in ("description", "colour", "hotkey", "value"):
        was, now = getattr(before, field), getattr(after, field)
        if was != now:
            if field == "description":
                lines.append(f"label '{name}': description changed")
            else:
                lines.append(f"label '{name}': {field} changed from {_show(was)} to {_show(now)}")
    old_attrs = {a.name.casefold(): a for a in before.attributes}
    new_attrs = {a.name.casefold(): a for a in after.attributes}
    for key, attr in old_attrs.items():
        if key not in new_attrs:
            lines.append(f"label '{name}': attribute '{attr.name}' removed")
        elif new_attrs[key] != attr:
            lines.append(f"label '{name}': attribute '{attr.name}' changed")
    lines.extend(
        f"label '{name}': attribute '{attr.name}' added" for key, attr in new_attrs.items() if key not in old_attrs
    )
    return lines


def _constraint_lines(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for key in [*old, *(k for k in new if k not in old)]:
        was, now = old.get(key), new.get(key)
        if was != now:
            lines.append(f"constraint {key} changed from {_show(was)} to {_show(now)}")
    return lines


def _guideline_lines(old: Ontology, new: Ontology) -> list[str]:
    before, after = old.guidelines, new.guidelines
    lines: list[str] = []
    if before.markdown != after.markdown:
        lines.append("guidelines text changed")
    for field, noun in (("examples", "example"), ("edge_cases", "edge case")):
        was, now = getattr(before, field), getattr(after, field)
        gone = [item for item in was if item not in now]
        came = [item for item in now if item not in was]
        if gone or came:
            parts = [f"{len(came)} added"] if came else []
            parts += [f"{len(gone)} removed"] if gone else []
            lines.append(f"guidelines {noun}s: {', '.join(parts)}")
    if before.decision_tree != after.decision_tree:
        lines.append("guidelines decision tree changed")
    return lines


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return f"'{value}'"
    return json.dumps(value, sort_keys=True)
