"""Record types shared by every import reader, and the structural checks they all apply.

Readers only check *structure* (keys present, JSON types right); whether a label is allowed by the project's ontology
is decided later by the ontology validators. Keeping the checks here means JSONL, CSV and Label Studio files reject
the same mistakes with the same words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

MAX_EXTERNAL_ID_LENGTH = 255

TEXT_TASK_TYPES = frozenset({"single_label", "multi_label", "spans", "rating", "free_text"})
TASK_TYPES = TEXT_TASK_TYPES | {"boxes", "pairwise"}

# Payload keys a reader recognises when they appear as top-level JSONL keys or as CSV columns.
PAYLOAD_KEYS = ("text", "image", "width", "height", "prompt", "response_a", "response_b")
INT_PAYLOAD_KEYS = frozenset({"width", "height"})

# Required payload keys per task type, with the Python type the JSON value must have.
_TEXT_PAYLOAD: tuple[tuple[str, type], ...] = (("text", str),)
REQUIRED_PAYLOAD: dict[str, tuple[tuple[str, type], ...]] = {
    **dict.fromkeys(TEXT_TASK_TYPES, _TEXT_PAYLOAD),
    "boxes": (("image", str), ("width", int), ("height", int)),
    "pairwise": (("prompt", str), ("response_a", str), ("response_b", str)),
}

_TYPE_WORDS = {str: "a string", int: "an integer", dict: "an object"}


class FormatError(ValueError):
    """A file cannot be read or written at all (wrong top-level shape, spans off token boundaries, ...).

    Import readers report per-record problems as `RecordError` values instead; this is for whole-file problems
    and for writers given data the format cannot express.
    """


@dataclass(slots=True)
class ImportRecord:
    """One item to import. `line` is where it starts in the file (the 1-based task index for Label Studio)."""

    line: int
    external_id: str
    payload: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)
    label: dict[str, Any] | None = None
    gold: dict[str, Any] | None = None
    gold_explanation: str = ""
    priority: float = 0.0


@dataclass(slots=True)
class RecordError:
    """Why one input record was rejected. `field` is a dotted path such as "payload.text", or "" for the line."""

    line: int
    field: str
    message: str


def check_task_type(task_type: str) -> None:
    """Raise at call time (not lazily at the first record) so a caller's typo fails loudly and at once."""
    if task_type not in TASK_TYPES:
        raise ValueError(f"unknown task type {task_type!r}; expected one of {sorted(TASK_TYPES)}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def normalise_external_id(value: Any) -> tuple[str, str]:
    """Return (external_id, "") or ("", why it is unusable). Integers become strings; blank strings are missing."""
    if _is_int(value):
        value = str(value)
    elif isinstance(value, str):
        value = value.strip()
    elif value is not None:
        return "", "external_id must be a string or an integer"
    if not value:
        return "", "external_id is required"
    if len(value) > MAX_EXTERNAL_ID_LENGTH:
        return "", f"external_id is longer than {MAX_EXTERNAL_ID_LENGTH} characters"
    return value, ""


def payload_problem(task_type: str, payload: Any, prefix: str) -> tuple[str, str] | None:
    """Return (field, message) for the first structural problem in a payload, or None if it is usable."""
    if not isinstance(payload, dict):
        return (prefix, f"{prefix} must be an object")
    for key, kind in REQUIRED_PAYLOAD[task_type]:
        name = f"{prefix}.{key}" if prefix else key
        value = payload.get(key)
        if value is None:
            return (name, f"{name} is required for {task_type} tasks")
        if kind is int:
            if not _is_int(value) or value <= 0:
                return (name, f"{name} must be a positive integer")
        elif not isinstance(value, kind):
            return (name, f"{name} must be {_TYPE_WORDS[kind]}")
    return None


def build_record(
    line: int,
    task_type: str,
    *,
    external_id: Any,
    payload: Any,
    payload_field: str = "payload",
    metadata: Any = None,
    label: Any = None,
    gold: Any = None,
    gold_explanation: Any = None,
    priority: Any = None,
) -> ImportRecord | RecordError:
    """Check one record's structure and build it; the first problem found becomes a RecordError.

    Values are expected as decoded JSON (None means "absent"). Only the first problem is reported so that every
    input record yields exactly one result, which keeps counts and line numbers easy to reconcile for the caller.
    """
    ext, why = normalise_external_id(external_id)
    if why:
        return RecordError(line, "external_id", why)
    problem = payload_problem(task_type, payload, payload_field)
    if problem is not None:
        return RecordError(line, problem[0], problem[1])
    if metadata is None:
        metadata = {}
    elif not isinstance(metadata, dict):
        return RecordError(line, "metadata", "metadata must be an object")
    if label is not None and not isinstance(label, dict):
        return RecordError(line, "label", "label must be an object")
    if gold is not None and not isinstance(gold, dict):
        return RecordError(line, "gold", "gold must be an object")
    if gold_explanation is None:
        gold_explanation = ""
    elif not isinstance(gold_explanation, str):
        return RecordError(line, "gold_explanation", "gold_explanation must be a string")
    if priority is None:
        priority = 0.0
    elif isinstance(priority, bool) or not isinstance(priority, int | float) or not math.isfinite(priority):
        return RecordError(line, "priority", "priority must be a finite number")
    return ImportRecord(line, ext, payload, metadata, label, gold, gold_explanation, float(priority))
