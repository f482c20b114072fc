"""parse_ontology(): turn a stored or submitted definition dict into an Ontology, or say everything wrong with it."""

from typing import Any

from projects.ontology import constants as c
from projects.ontology.checks import type_name
from projects.ontology.constraints import NoConstraints, RatingConstraints, parse_constraints
from projects.ontology.definition import Label, Ontology
from projects.ontology.errors import Errors, FieldError, OntologyInvalid, index, join
from projects.ontology.fields import read_list
from projects.ontology.guidelines import parse_guidelines
from projects.ontology.labels import parse_labels

TOP_KEYS = ("task_type", "labels", "constraints", "guidelines")


def parse_ontology(data: dict[str, Any]) -> Ontology:
    """Validate a definition and return its immutable form.

    Raises OntologyInvalid listing every problem found (not just the first), each with a field path such as
    "labels[2].hotkey". Unknown keys are errors too, so a misspelt constraint cannot silently fall back to a default.
    """
    if not isinstance(data, dict):
        raise OntologyInvalid([FieldError("", "type", f"an ontology must be an object, got {type_name(data)}")])
    errors = Errors()
    errors.unknown_keys(data, TOP_KEYS, "")
    task_type = _task_type(data.get("task_type"), errors)
    raw_labels = read_list(data, "labels", "", errors, what="labels")
    positioned = _labels(raw_labels, task_type, errors) if isinstance(data.get("labels", []), list | None) else []
    labels = [label for _, label in positioned]
    constraints = (
        parse_constraints(task_type, data.get("constraints"), len(raw_labels) or None, "constraints", errors)
        if task_type
        else NoConstraints()
    )
    if isinstance(constraints, RatingConstraints):
        _check_anchors(positioned, constraints, errors)
    guidelines = parse_guidelines(data.get("guidelines"), task_type, labels, "guidelines", errors)
    errors.raise_if_any(OntologyInvalid)
    assert task_type is not None  # an unknown task type always adds an error above
    return Ontology(task_type=task_type, labels=tuple(labels), constraints=constraints, guidelines=guidelines)


def _task_type(value: Any, errors: Errors) -> str | None:
    if value is None:
        errors.add("task_type", "required", f"task_type is required (one of: {', '.join(c.TASK_TYPES)})")
        return None
    if value not in c.TASK_TYPES:
        errors.add("task_type", "invalid", f"unknown task type {value!r} (expected one of: {', '.join(c.TASK_TYPES)})")
        return None
    return value


def _labels(raw: list[Any], task_type: str | None, errors: Errors) -> list[tuple[int, Label]]:
    if task_type in c.LABELS_FORBIDDEN:
        if raw:
            errors.add("labels", "not_allowed", f"a {task_type} ontology takes no labels, but {len(raw)} were given")
        return []
    if task_type in c.LABELS_REQUIRED and not raw:
        errors.add("labels", "required", f"a {task_type} ontology needs at least one label")
    return parse_labels(raw, task_type, "labels", errors)


def _check_anchors(labels: list[tuple[int, Label]], scale: RatingConstraints, errors: Errors) -> None:
    """Rating anchors must sit on the scale, one label per point."""
    seen: dict[int | float, str] = {}
    for i, label in labels:
        if label.value is None:
            continue
        field = join(index("labels", i), "value")
        point = scale.snap(label.value)
        if point is None:
            errors.add(
                field,
                "out_of_range",
                f"anchor value {label.value} is not a point of the scale {scale.min}..{scale.max} step {scale.step}",
            )
        elif point in seen:
            errors.add(field, "duplicate", f"anchor value {label.value} is already used by label '{seen[point]}'")
        else:
            seen[point] = label.name
