"""validate_value(): is an annotator's (or a model's) answer valid for this ontology and item?

Each task type has one checker returning the normalised value: canonical label names, sorted spans, clamped boxes,
snapped ratings, stripped text. Store the normalised value, not the submitted one, so consensus compares like
with like.
"""

from collections.abc import Callable
from typing import Any, cast

from projects.ontology import constants as c
from projects.ontology.attributes import check_attributes, resolve_label
from projects.ontology.checks import is_number, type_name
from projects.ontology.constraints import (
    FreeTextConstraints,
    MultiLabelConstraints,
    PairwiseConstraints,
    RatingConstraints,
)
from projects.ontology.definition import Ontology
from projects.ontology.errors import Errors, FieldError, ValueInvalid, index, join
from projects.ontology.regions import check_boxes, check_spans

VALUE_KEYS: dict[str, tuple[str, ...]] = {
    c.SINGLE_LABEL: ("label", "attributes"),
    c.MULTI_LABEL: ("labels", "attributes"),
    c.SPANS: ("spans",),
    c.BOXES: ("boxes",),
    c.PAIRWISE: ("choice", "reason"),
    c.RATING: ("rating",),
    c.FREE_TEXT: ("text",),
}


def validate_value(ontology: Ontology, value: dict[str, Any], payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the normalised value, or raise ValueInvalid naming every bad field ("spans[1].end", ...).

    `payload` is the item's payload; spans and boxes need it (text length, image size) and raise PayloadInvalid
    when it is unusable, since then no answer could be checked. Other task types ignore it.
    """
    if not isinstance(value, dict):
        raise ValueInvalid([FieldError("", "type", f"an annotation value must be an object, got {type_name(value)}")])
    errors = Errors()
    errors.unknown_keys(value, VALUE_KEYS[ontology.task_type], "")
    checker = _CHECKERS[ontology.task_type]
    result = checker(ontology, value, payload or {}, errors)
    errors.raise_if_any(ValueInvalid)
    return result


def _single_label(ontology: Ontology, value: dict[str, Any], payload: dict[str, Any], errors: Errors) -> dict[str, Any]:
    label = resolve_label(ontology.labels, value.get("label"), "label", errors)
    if label is None:
        return {}
    result: dict[str, Any] = {"label": label.name}
    attributes = check_attributes(label, value.get("attributes"), "attributes", errors)
    if attributes:
        result["attributes"] = attributes
    return result


def _multi_label(ontology: Ontology, value: dict[str, Any], payload: dict[str, Any], errors: Errors) -> dict[str, Any]:
    constraints = cast(MultiLabelConstraints, ontology.constraints)
    raw = value.get("labels")
    if not isinstance(raw, list):
        code = "required" if raw is None else "type"
        errors.add("labels", code, f"labels must be a list of label names, got {type_name(raw)}")
        return {}
    chosen: dict[str, int] = {}
    for i, name in enumerate(raw):
        label = resolve_label(ontology.labels, name, index("labels", i), errors)
        if label is None:
            continue
        if label.name in chosen:
            errors.add(
                index("labels", i),
                "duplicate",
                f"label '{label.name}' is already chosen at labels[{chosen[label.name]}]",
            )
            continue
        chosen[label.name] = i
    if len(raw) < constraints.min_labels:
        errors.add("labels", "too_few", f"choose at least {constraints.min_labels} label(s); {len(raw)} chosen")
    if constraints.max_labels is not None and len(raw) > constraints.max_labels:
        errors.add("labels", "too_many", f"choose at most {constraints.max_labels} label(s); {len(raw)} chosen")
    raw_attributes = value.get("attributes") or {}
    if not isinstance(raw_attributes, dict):
        errors.add(
            "attributes", "type", f"attributes must be an object keyed by label name, got {type_name(raw_attributes)}"
        )
        raw_attributes = {}
    attributes: dict[str, Any] = {}
    for key in raw_attributes:
        label = ontology.label(key) if isinstance(key, str) else None
        if label is None or label.name not in chosen:
            errors.add(
                join("attributes", str(key)), "not_allowed", f"attributes given for '{key}', which is not chosen"
            )
    for label in ontology.labels:  # definition order: the canonical order of a multi-label answer
        if label.name in chosen:
            key = next(
                (k for k in raw_attributes if isinstance(k, str) and k.casefold() == label.name.casefold()), None
            )
            found = check_attributes(label, raw_attributes.get(key), join("attributes", label.name), errors)
            if found:
                attributes[label.name] = found
    result: dict[str, Any] = {"labels": [label.name for label in ontology.labels if label.name in chosen]}
    if attributes:
        result["attributes"] = attributes
    return result


def _pairwise(ontology: Ontology, value: dict[str, Any], payload: dict[str, Any], errors: Errors) -> dict[str, Any]:
    constraints = cast(PairwiseConstraints, ontology.constraints)
    choice = value.get("choice")
    allowed = c.PAIRWISE_CHOICES if constraints.allow_tie else c.PAIRWISE_CHOICES[:2]
    if choice == "tie" and not constraints.allow_tie:
        errors.add("choice", "not_allowed", "this project does not allow ties: choose 'a' or 'b'")
    elif choice not in allowed:
        errors.add(
            "choice",
            "required" if choice is None else "invalid",
            f"choice must be one of {', '.join(allowed)}, got {choice!r}",
        )
    reason = value.get("reason")
    if reason is not None and not isinstance(reason, str):
        errors.add("reason", "type", f"reason must be a string, got {type_name(reason)}")
        reason = None
    reason = (reason or "").strip()
    if constraints.require_reason and not reason:
        errors.add("reason", "required", "this project asks for a reason with every choice")
    result: dict[str, Any] = {"choice": choice}
    if reason:
        result["reason"] = reason
    return result


def _rating(ontology: Ontology, value: dict[str, Any], payload: dict[str, Any], errors: Errors) -> dict[str, Any]:
    scale = cast(RatingConstraints, ontology.constraints)
    rating = value.get("rating")
    if not is_number(rating):
        errors.add(
            "rating", "required" if rating is None else "type", f"rating must be a number, got {type_name(rating)}"
        )
        return {}
    if rating < scale.min or rating > scale.max:
        errors.add("rating", "out_of_range", f"rating {rating} is outside the scale {scale.min}..{scale.max}")
        return {}
    point = scale.snap(rating)
    if point is None:
        errors.add(
            "rating", "off_step", f"rating {rating} is not on the scale's steps of {scale.step} from {scale.min}"
        )
        return {}
    return {"rating": point}


def _free_text(ontology: Ontology, value: dict[str, Any], payload: dict[str, Any], errors: Errors) -> dict[str, Any]:
    limits = cast(FreeTextConstraints, ontology.constraints)
    text = value.get("text")
    if not isinstance(text, str):
        errors.add("text", "required" if text is None else "type", f"text must be a string, got {type_name(text)}")
        return {}
    text = text.strip()
    if len(text) < limits.min_length:
        code = "empty" if not text else "too_short"
        errors.add("text", code, f"text is {len(text)} characters long; at least {limits.min_length} are needed")
    elif len(text) > limits.max_length:
        errors.add("text", "too_long", f"text is {len(text)} characters long; the limit is {limits.max_length}")
    return {"text": text}


_CHECKERS: dict[str, Callable[[Ontology, dict[str, Any], dict[str, Any], Errors], dict[str, Any]]] = {
    c.SINGLE_LABEL: _single_label,
    c.MULTI_LABEL: _multi_label,
    c.SPANS: check_spans,
    c.BOXES: check_boxes,
    c.PAIRWISE: _pairwise,
    c.RATING: _rating,
    c.FREE_TEXT: _free_text,
}
