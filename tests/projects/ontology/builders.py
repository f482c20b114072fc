"""Definitions and helpers shared by the ontology tests (plain functions, no fixtures)."""

import copy
from typing import Any

import pytest

from projects.ontology import Ontology, ValidationFailed, parse_ontology

LABELS = [
    {"name": "spam", "description": "Unsolicited advertising", "colour": "#e53935", "hotkey": "1"},
    {"name": "ham", "description": "A normal message", "colour": "#43A047", "hotkey": "2"},
    {"name": "unsure", "hotkey": "u"},
]
ATTRIBUTES = [
    {"name": "severity", "type": "choice", "options": ["low", "high"], "required": True},
    {"name": "confirmed", "type": "boolean"},
    {"name": "comment", "type": "text"},
    {"name": "score", "type": "number"},
]
PAYLOADS: dict[str, dict[str, Any]] = {
    "single_label": {"text": "Buy cheap watches now"},
    "multi_label": {"text": "Buy cheap watches now"},
    "spans": {"text": "Alice works at Acme in Paris"},
    "boxes": {"image": "s3://bucket/cats/1.jpg", "width": 640, "height": 480},
    "pairwise": {"prompt": "Say hi", "response_a": "Hi!", "response_b": "Hello there."},
    "rating": {"text": "A short poem"},
    "free_text": {"image": "https://example.com/cat.png"},
}
VALUES: dict[str, dict[str, Any]] = {
    "single_label": {"label": "spam"},
    "multi_label": {"labels": ["spam", "unsure"]},
    "spans": {"spans": [{"start": 0, "end": 5, "label": "spam"}]},
    "boxes": {"boxes": [{"x": 10, "y": 20, "w": 100, "h": 50, "label": "ham"}]},
    "pairwise": {"choice": "a"},
    "rating": {"rating": 4},
    "free_text": {"text": "A cat on a sofa"},
}


def definition(task_type: str, **overrides: Any) -> dict[str, Any]:
    """A valid definition of `task_type`; keyword arguments replace top-level keys."""
    data: dict[str, Any] = {
        "task_type": task_type,
        "labels": [] if task_type == "free_text" else copy.deepcopy(LABELS),
        "guidelines": {"markdown": "# Read me", "examples": [], "edge_cases": []},
    }
    data.update(overrides)
    return data


def ontology(task_type: str, **overrides: Any) -> Ontology:
    return parse_ontology(definition(task_type, **overrides))


def with_label(task_type: str, **fields: Any) -> dict[str, Any]:
    """A definition whose first label has `fields` merged in."""
    data = definition(task_type)
    data["labels"][0].update(fields)
    return data


def problems(exc_info: pytest.ExceptionInfo[ValidationFailed]) -> list[tuple[str, str]]:
    """(field, code) for every error carried by the raised exception."""
    return [(error.field, error.code) for error in exc_info.value.errors]
