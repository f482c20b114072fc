"""Parsing of the "labels" list: names, colours, hotkeys and per-label attribute definitions."""

import re
from typing import Any

from projects.ontology import constants as c
from projects.ontology.checks import is_number, type_name
from projects.ontology.definition import Attribute, Label
from projects.ontology.errors import Errors, index, join
from projects.ontology.fields import read_list, read_name, read_str

LABEL_KEYS = ("name", "description", "colour", "hotkey", "attributes", "value")
ATTRIBUTE_KEYS = ("name", "type", "options", "required")
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


def parse_labels(raw: list[Any], task_type: str | None, path: str, errors: Errors) -> list[tuple[int, Label]]:
    """Parse each label, then check names and hotkeys are unique across labels.

    Returns (position in `raw`, label) pairs so later checks can name the right field; bad labels are left out.
    """
    labels: list[tuple[int, Label]] = []
    seen_names: dict[str, int] = {}
    seen_hotkeys: dict[str, str] = {}
    for i, item in enumerate(raw):
        label_path = index(path, i)
        label = _parse_label(item, task_type, label_path, errors)
        if label is None:
            continue
        if label.hotkey is not None:
            if label.hotkey in seen_hotkeys:
                errors.add(
                    join(label_path, "hotkey"),
                    "duplicate",
                    f"hotkey '{label.hotkey}' is already used by label '{seen_hotkeys[label.hotkey]}'",
                )
            else:
                seen_hotkeys[label.hotkey] = label.name
        folded = label.name.casefold()
        if folded in seen_names:
            errors.add(
                join(label_path, "name"),
                "duplicate",
                f"label name '{label.name}' is already used by labels[{seen_names[folded]}] (names ignore case)",
            )
            continue
        seen_names[folded] = i
        labels.append((i, label))
    return labels


def _parse_label(item: Any, task_type: str | None, path: str, errors: Errors) -> Label | None:
    if not isinstance(item, dict):
        errors.add(path, "type", f"a label must be an object with at least a name, got {type_name(item)}")
        return None
    allowed = LABEL_KEYS if task_type == c.RATING else LABEL_KEYS[:-1]
    errors.unknown_keys(item, allowed, path)
    name = read_name(item, path, errors, what="label name")
    description = read_str(item, "description", path, errors, max_length=c.MAX_DESCRIPTION_LENGTH) or ""
    colour = _colour(item.get("colour"), join(path, "colour"), errors)
    hotkey = _hotkey(item.get("hotkey"), join(path, "hotkey"), errors)
    attributes = _attributes(read_list(item, "attributes", path, errors, what="attributes"), path, errors)
    value = item.get("value")
    if value is not None and not is_number(value):
        errors.add(join(path, "value"), "type", f"an anchor value must be a number, got {type_name(value)}")
        value = None
    if name is None:
        return None
    return Label(name, description, colour, hotkey, tuple(attributes), value)


def _colour(value: Any, path: str, errors: Errors) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not COLOUR_RE.match(value):
        errors.add(path, "invalid", f"colour must look like '#e53935' (# and six hex digits), got {value!r}")
        return None
    return value.lower()


def _hotkey(value: Any, path: str, errors: Errors) -> str | None:
    """One character of [0-9a-z]; empty, longer, uppercase or punctuation keys are rejected with a hint why."""
    if value is None:
        return None
    if not isinstance(value, str):
        errors.add(path, "type", f"hotkey must be a single character, got {type_name(value)}")
        return None
    if len(value) != 1:
        what = "empty" if not value else f"{len(value)} characters long"
        errors.add(path, "invalid", f"hotkey must be exactly one character (a-z or 0-9), got {value!r} ({what})")
        return None
    if value not in c.HOTKEY_CHARS:
        hint = f"; use '{value.lower()}'" if value.lower() in c.HOTKEY_CHARS else ""
        errors.add(path, "invalid", f"hotkey must be a lowercase letter a-z or a digit 0-9, got {value!r}{hint}")
        return None
    if value in c.RESERVED_HOTKEYS:
        errors.add(path, "reserved", f"hotkey {value!r} is used by the annotator workspace itself")
        return None
    return value


def _attributes(raw: list[Any], label_path: str, errors: Errors) -> list[Attribute]:
    attributes: list[Attribute] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        path = index(join(label_path, "attributes"), i)
        attribute = _attribute(item, path, errors)
        if attribute is None:
            continue
        folded = attribute.name.casefold()
        if folded in seen:
            errors.add(
                join(path, "name"),
                "duplicate",
                f"attribute name '{attribute.name}' is already used by attributes[{seen[folded]}] of this label",
            )
            continue
        seen[folded] = i
        attributes.append(attribute)
    return attributes


def _attribute(item: Any, path: str, errors: Errors) -> Attribute | None:
    if not isinstance(item, dict):
        errors.add(path, "type", f"an attribute must be an object with name and type, got {type_name(item)}")
        return None
    errors.unknown_keys(item, ATTRIBUTE_KEYS, path)
    name = read_name(item, path, errors, what="attribute name")
    kind = item.get("type")
    if kind not in c.ATTRIBUTE_TYPES:
        code = "required" if kind is None else "invalid"
        errors.add(
            join(path, "type"), code, f"attribute type must be one of {', '.join(c.ATTRIBUTE_TYPES)}, got {kind!r}"
        )
        kind = None
    required = item.get("required", False)
    if not isinstance(required, bool):
        errors.add(join(path, "required"), "type", f"required must be true or false, got {type_name(required)}")
        required = False
    raw_options = read_list(item, "options", path, errors, what="options")
    well_formed = isinstance(item.get("options", []), list | None)
    options = _options(raw_options, kind, join(path, "options"), errors) if well_formed else None
    if name is None or kind is None or options is None:
        return None
    return Attribute(name, kind, options, required)


def _options(raw: list[Any], kind: str | None, path: str, errors: Errors) -> tuple[str, ...] | None:
    if kind != "choice":
        if raw and kind is not None:
            errors.add(path, "not_allowed", f"options only apply to choice attributes, not {kind}")
        return ()
    if not raw:
        errors.add(path, "required", "a choice attribute needs at least one option")
        return None
    options: list[str] = []
    folded: set[str] = set()
    ok = True
    for i, option in enumerate(raw):
        if not isinstance(option, str) or not option.strip():
            errors.add(index(path, i), "invalid", f"an option must be a non-empty string, got {option!r}")
            ok = False
        elif option.strip().casefold() in folded:
            errors.add(index(path, i), "duplicate", f"option '{option.strip()}' is listed twice (options ignore case)")
            ok = False
        else:
            options.append(option.strip())
            folded.add(option.strip().casefold())
    return tuple(options) if ok else None
