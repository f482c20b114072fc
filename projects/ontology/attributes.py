"""Checking an answer's attribute values against the attribute definitions of the label it chose."""

from typing import Any

from projects.ontology.checks import is_number, quote_list, type_name
from projects.ontology.definition import Label
from projects.ontology.errors import Errors, join

MAX_TEXT_ATTRIBUTE_LENGTH = 10_000


def check_attributes(label: Label, raw: Any, path: str, errors: Errors) -> dict[str, Any]:
    """Normalised attributes (canonical names, null values dropped, text stripped) for `label`.

    Adds an error for an unknown attribute, a value of the wrong type, a choice not among the options, and every
    required attribute that is missing. `path` is the attributes object's own path, e.g. "spans[0].attributes".
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        errors.add(path, "type", f"attributes must be an object, got {type_name(raw)}")
        return {}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        field = join(path, str(key))
        attribute = label.attribute(key) if isinstance(key, str) else None
        if attribute is None:
            known = [a.name for a in label.attributes]
            hint = f" (it has: {quote_list(known)})" if known else " (it has none)"
            errors.add(field, "unknown_attribute", f"label '{label.name}' has no attribute '{key}'{hint}")
            continue
        if value is None:
            continue
        if attribute.type == "boolean" and not isinstance(value, bool):
            errors.add(field, "type", f"'{attribute.name}' must be true or false, got {type_name(value)}")
        elif attribute.type == "number" and not is_number(value):
            errors.add(field, "type", f"'{attribute.name}' must be a number, got {type_name(value)}")
        elif attribute.type in ("text", "choice") and not isinstance(value, str):
            errors.add(field, "type", f"'{attribute.name}' must be a string, got {type_name(value)}")
        elif attribute.type == "choice" and value not in attribute.options:
            options = quote_list(list(attribute.options))
            errors.add(field, "invalid", f"'{value}' is not an option of '{attribute.name}' (options: {options})")
        elif attribute.type == "text" and len(value.strip()) > MAX_TEXT_ATTRIBUTE_LENGTH:
            errors.add(field, "too_long", f"'{attribute.name}' is longer than {MAX_TEXT_ATTRIBUTE_LENGTH} characters")
        elif attribute.type == "text" and not value.strip():
            continue
        else:
            out[attribute.name] = value.strip() if attribute.type == "text" else value
    for attribute in label.attributes:
        if attribute.required and attribute.name not in out and not _given(raw, attribute.name):
            errors.add(
                join(path, attribute.name),
                "required",
                f"label '{label.name}' needs a value for its required attribute '{attribute.name}'",
            )
    return out


def _given(raw: dict[str, Any], name: str) -> bool:
    """True when the attribute was supplied with a non-empty value (so a type error is not also 'missing')."""
    folded = name.casefold()
    for key, value in raw.items():
        if isinstance(key, str) and key.casefold() == folded:
            return value is not None and not (isinstance(value, str) and not value.strip())
    return False


def resolve_label(ontology_labels: tuple[Label, ...], raw: Any, field: str, errors: Errors) -> Label | None:
    """The label an answer names (matched ignoring case, so the answer is normalised to the canonical spelling)."""
    if not isinstance(raw, str):
        code = "required" if raw is None else "type"
        errors.add(field, code, f"a label name is required, got {type_name(raw)}")
        return None
    folded = raw.strip().casefold()
    label = next((label for label in ontology_labels if label.name.casefold() == folded), None)
    if label is None:
        names = quote_list([label.name for label in ontology_labels])
        errors.add(field, "unknown_label", f"'{raw}' is not a label of this ontology (labels: {names})")
    return label
