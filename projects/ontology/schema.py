"""json_schema_for_value(): a JSON Schema (draft 2020-12) of a valid answer, for LLM structured output.

The schema says what it can: label enums, attribute types and options, counts, the rating scale, text length.
Some rules need the item or arithmetic JSON Schema lacks (span text must match the item, spans must not overlap,
whitespace is stripped before lengths are counted), so a value that passes the schema must still go through
validate_value(), and the normalised value validate_value() returns always passes the schema.
"""

from typing import Any, cast

from projects.ontology import constants as c
from projects.ontology.constraints import (
    BoxConstraints,
    FreeTextConstraints,
    MultiLabelConstraints,
    PairwiseConstraints,
    RatingConstraints,
)
from projects.ontology.definition import Attribute, Label, Ontology

DRAFT = "https://json-schema.org/draft/2020-12/schema"
MAX_ENUM_POINTS = 101  # a rating scale with more points is described by minimum/maximum instead of an enum
NOT_BLANK = r"\S"


def json_schema_for_value(ontology: Ontology, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """The schema of a value for `ontology`; with the item's `payload`, span ends and box edges get upper bounds."""
    payload = payload or {}
    task_type = ontology.task_type
    if task_type == c.SINGLE_LABEL:
        body = _labelled(ontology.labels, {}, [])
    elif task_type == c.MULTI_LABEL:
        body = _multi_label(ontology)
    elif task_type == c.SPANS:
        body = _regions(ontology, "spans", _span_properties(payload), ["start", "end"])
    elif task_type == c.BOXES:
        body = _regions(ontology, "boxes", _box_properties(payload), ["x", "y", "w", "h"])
        constraints = cast(BoxConstraints, ontology.constraints)
        body["properties"]["boxes"].update(_counts(constraints.min_boxes, constraints.max_boxes))
    elif task_type == c.PAIRWISE:
        body = _pairwise(cast(PairwiseConstraints, ontology.constraints))
    elif task_type == c.RATING:
        body = _rating(cast(RatingConstraints, ontology.constraints), ontology.labels)
    else:
        body = _free_text(cast(FreeTextConstraints, ontology.constraints))
    return {"$schema": DRAFT, "title": f"{task_type} annotation", **body}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _attribute_schema(attribute: Attribute) -> dict[str, Any]:
    if attribute.type == "choice":
        return {"type": "string", "enum": list(attribute.options)}
    if attribute.type == "boolean":
        return {"type": "boolean"}
    if attribute.type == "number":
        return {"type": "number"}
    return {"type": "string"}


def _attributes_schema(label: Label) -> dict[str, Any]:
    properties = {a.name: _attribute_schema(a) for a in label.attributes}
    return _object(properties, [a.name for a in label.attributes if a.required])


def _label_description(labels: tuple[Label, ...]) -> str:
    described = [f"{label.name}: {label.description}" for label in labels if label.description]
    return "; ".join(described)


def _labelled(labels: tuple[Label, ...], properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """An object naming one label; when labels have attributes, one variant per label ties attributes to it."""
    if not any(label.attributes for label in labels):
        label_schema: dict[str, Any] = {"type": "string", "enum": [label.name for label in labels]}
        if _label_description(labels):
            label_schema["description"] = _label_description(labels)
        return _object({**properties, "label": label_schema}, [*required, "label"])
    variants = []
    for label in labels:
        variant_properties = {**properties, "label": {"const": label.name}}
        variant_required = [*required, "label"]
        if label.attributes:
            variant_properties["attributes"] = _attributes_schema(label)
            if any(a.required for a in label.attributes):
                variant_required.append("attributes")
        variant = _object(variant_properties, variant_required)
        if label.description:
            variant["description"] = label.description
        variants.append(variant)
    return {"anyOf": variants}


def _counts(lo: int, hi: int | None) -> dict[str, Any]:
    counts: dict[str, Any] = {"minItems": lo} if lo else {}
    if hi is not None:
        counts["maxItems"] = hi
    return counts


def _multi_label(ontology: Ontology) -> dict[str, Any]:
    constraints = cast(MultiLabelConstraints, ontology.constraints)
    names = [label.name for label in ontology.labels]
    labels_schema: dict[str, Any] = {"type": "array", "items": {"type": "string", "enum": names}, "uniqueItems": True}
    labels_schema.update(_counts(constraints.min_labels, constraints.max_labels))
    if _label_description(ontology.labels):
        labels_schema["description"] = _label_description(ontology.labels)
    properties: dict[str, Any] = {"labels": labels_schema}
    with_attributes = [label for label in ontology.labels if label.attributes]
    if with_attributes:
        attribute_properties = {label.name: _attributes_schema(label) for label in with_attributes}
        properties["attributes"] = _object(attribute_properties, [])
    return _object(properties, ["labels"])


def _span_properties(payload: dict[str, Any]) -> dict[str, Any]:
    end: dict[str, Any] = {"type": "integer", "minimum": 1}
    text = payload.get("text")
    if isinstance(text, str):
        end["maximum"] = len(text)
    return {
        "start": {"type": "integer", "minimum": 0, "description": "character offset where the span starts"},
        "end": {**end, "description": "character offset just after the span ends"},
        "text": {"type": "string", "description": "the covered text, text[start:end]"},
    }


def _box_properties(payload: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "x": {"type": "number", "minimum": 0},
        "y": {"type": "number", "minimum": 0},
        "w": {"type": "number", "exclusiveMinimum": 0},
        "h": {"type": "number", "exclusiveMinimum": 0},
    }
    for origin, size, key in (("x", "w", "width"), ("y", "h", "height")):
        limit = payload.get(key)
        if isinstance(limit, int) and not isinstance(limit, bool):
            properties[origin]["exclusiveMaximum"] = limit
            properties[size]["maximum"] = limit
    return properties


def _regions(ontology: Ontology, key: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    items = _labelled(ontology.labels, properties, required)
    return _object({key: {"type": "array", "items": items}}, [key])


def _pairwise(constraints: PairwiseConstraints) -> dict[str, Any]:
    choices = list(c.PAIRWISE_CHOICES if constraints.allow_tie else c.PAIRWISE_CHOICES[:2])
    reason: dict[str, Any] = {"type": "string", "description": "why this response is better"}
    required = ["choice"]
    if constraints.require_reason:
        reason["pattern"] = NOT_BLANK
        required.append("reason")
    properties = {"choice": {"type": "string", "enum": choices}, "reason": reason}
    return _object(properties, required)


def _rating(scale: RatingConstraints, labels: tuple[Label, ...]) -> dict[str, Any]:
    rating: dict[str, Any] = {"type": "number"}
    if scale.point_count <= MAX_ENUM_POINTS:
        rating["enum"] = scale.points()
    else:
        rating.update({"minimum": scale.min, "maximum": scale.max})
    anchors = [f"{label.value} = {label.name}" for label in labels if label.value is not None]
    if anchors:
        rating["description"] = "; ".join(anchors)
    return _object({"rating": rating}, ["rating"])


def _free_text(limits: FreeTextConstraints) -> dict[str, Any]:
    text: dict[str, Any] = {"type": "string", "minLength": limits.min_length, "maxLength": limits.max_length}
    if limits.min_length:
        text["pattern"] = NOT_BLANK
    return _object({"text": text}, ["text"])
