"""Answers that mark regions of the item: character spans of a text and pixel boxes on an image.

Span offsets count Python characters (Unicode code points) of payload["text"], with end exclusive, as in
text[start:end]. A browser counts UTF-16 code units, which differ for emoji and other astral characters, so the
workspace must convert before submitting.
"""

from typing import Any, cast

from projects.ontology.attributes import check_attributes, resolve_label
from projects.ontology.checks import is_int, is_number, tidy_number, type_name
from projects.ontology.constraints import BoxConstraints, SpanConstraints
from projects.ontology.definition import Ontology
from projects.ontology.errors import Errors, index, join
from projects.ontology.payloads import validate_payload

SPAN_KEYS = ("start", "end", "label", "attributes", "text")
BOX_KEYS = ("x", "y", "w", "h", "label", "attributes")
BOX_TOLERANCE = 0.5  # pixels a box may stick out of the image (rounding in the drawing tool); clamped away


def _items(value: dict[str, Any], key: str, errors: Errors) -> list[Any]:
    raw = value.get(key)
    if not isinstance(raw, list):
        errors.add(key, "required" if raw is None else "type", f"{key} must be a list, got {type_name(raw)}")
        return []
    return raw


def check_spans(ontology: Ontology, value: dict[str, Any], payload: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """Spans inside the text, with matching "text" when given, non-overlapping unless allowed, no duplicates."""
    validate_payload(ontology.task_type, payload)
    text: str = payload["text"]
    constraints = cast(SpanConstraints, ontology.constraints)
    spans: list[tuple[int, dict[str, Any]]] = []
    for i, item in enumerate(_items(value, "spans", errors)):
        span = _span(ontology, item, text, index("spans", i), errors)
        if span is not None:
            spans.append((i, span))
    spans.sort(key=lambda pair: (pair[1]["start"], pair[1]["end"], pair[1]["label"]))
    seen: dict[tuple[int, int, str], int] = {}
    furthest: tuple[int, dict[str, Any]] | None = None  # the span reaching furthest right so far
    for i, span in spans:
        key = (span["start"], span["end"], span["label"])
        if key in seen:
            errors.add(
                index("spans", i), "duplicate", f"span {_where(span)} '{span['label']}' repeats spans[{seen[key]}]"
            )
            continue
        seen[key] = i
        if furthest is not None and furthest[1]["end"] > span["start"] and not constraints.allow_overlap:
            j, other = furthest
            errors.add(index("spans", i), "overlap", f"span {_where(span)} overlaps spans[{j}] at {_where(other)}")
        if furthest is None or span["end"] > furthest[1]["end"]:
            furthest = (i, span)
    return {"spans": [span for _, span in spans]}


def _where(span: dict[str, Any]) -> str:
    return f"{span['start']}..{span['end']}"


def _span(ontology: Ontology, item: Any, text: str, path: str, errors: Errors) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        errors.add(path, "type", f"a span must be an object with start, end and label, got {type_name(item)}")
        return None
    found = len(errors)
    errors.unknown_keys(item, SPAN_KEYS, path)
    start, end = item.get("start"), item.get("end")
    for key, offset in (("start", start), ("end", end)):
        if not is_int(offset):
            code = "required" if offset is None else "type"
            errors.add(join(path, key), code, f"span {key} must be a whole number, got {type_name(offset)}")
    label = resolve_label(ontology.labels, item.get("label"), join(path, "label"), errors)
    if is_int(start) and is_int(end):
        if start < 0:
            errors.add(join(path, "start"), "out_of_range", f"span start {start} is before the start of the text")
        if end > len(text):
            errors.add(
                join(path, "end"),
                "out_of_range",
                f"span end {end} is past the end of the text (length {len(text)})",
            )
        if end <= start:
            errors.add(join(path, "end"), "out_of_range", f"span end {end} must be after its start {start}")
    if len(errors) > found:
        if label is not None:
            check_attributes(label, item.get("attributes"), join(path, "attributes"), errors)
        return None
    assert label is not None
    covered = text[start:end]
    given = item.get("text")
    if given is not None and given != covered:
        errors.add(
            join(path, "text"),
            "text_mismatch",
            f"span text {given!r} does not match the text at {start}..{end}, which is {covered!r}",
        )
    attributes = check_attributes(label, item.get("attributes"), join(path, "attributes"), errors)
    span: dict[str, Any] = {"start": start, "end": end, "label": label.name, "text": covered}
    if attributes:
        span["attributes"] = attributes
    return span


def check_boxes(ontology: Ontology, value: dict[str, Any], payload: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """Boxes in pixels inside the image (0.5 px tolerance, clamped), positive size, min/max count, no duplicates."""
    validate_payload(ontology.task_type, payload)
    width, height = payload["width"], payload["height"]
    constraints = cast(BoxConstraints, ontology.constraints)
    items = _items(value, "boxes", errors)
    boxes: list[dict[str, Any]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for i, item in enumerate(items):
        box = _box(ontology, item, width, height, index("boxes", i), errors)
        if box is None:
            continue
        key = (box["x"], box["y"], box["w"], box["h"], box["label"])
        if key in seen:
            errors.add(index("boxes", i), "duplicate", f"box repeats boxes[{seen[key]}] exactly")
            continue
        seen[key] = i
        boxes.append(box)
    if len(items) < constraints.min_boxes:
        errors.add("boxes", "too_few", f"draw at least {constraints.min_boxes} box(es); {len(items)} drawn")
    if constraints.max_boxes is not None and len(items) > constraints.max_boxes:
        errors.add("boxes", "too_many", f"draw at most {constraints.max_boxes} box(es); {len(items)} drawn")
    return {"boxes": boxes}


def _box(ontology: Ontology, item: Any, width: int, height: int, path: str, errors: Errors) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        errors.add(path, "type", f"a box must be an object with x, y, w, h and label, got {type_name(item)}")
        return None
    found = len(errors)
    errors.unknown_keys(item, BOX_KEYS, path)
    numbers = {}
    for key in ("x", "y", "w", "h"):
        number = item.get(key)
        if not is_number(number):
            code = "required" if number is None else "type"
            errors.add(join(path, key), code, f"box {key} must be a number of pixels, got {type_name(number)}")
        else:
            numbers[key] = number
    label = resolve_label(ontology.labels, item.get("label"), join(path, "label"), errors)
    attributes = check_attributes(label, item.get("attributes"), join(path, "attributes"), errors) if label else {}
    if len(numbers) == 4:
        _check_extent(numbers, width, height, path, errors)
    if len(errors) > found or label is None:
        return None
    x0, y0 = max(0.0, numbers["x"]), max(0.0, numbers["y"])
    x1 = min(float(width), numbers["x"] + numbers["w"])
    y1 = min(float(height), numbers["y"] + numbers["h"])
    if x1 <= x0 or y1 <= y0:
        errors.add(path, "out_of_range", "the box has no area inside the image")
        return None
    box: dict[str, Any] = {
        "x": tidy_number(x0),
        "y": tidy_number(y0),
        "w": tidy_number(x1 - x0),
        "h": tidy_number(y1 - y0),
        "label": label.name,
    }
    if attributes:
        box["attributes"] = attributes
    return box


def _check_extent(n: dict[str, Any], width: int, height: int, path: str, errors: Errors) -> None:
    for size, origin, limit, axis in (("w", "x", width, "width"), ("h", "y", height, "height")):
        if n[size] <= 0:
            errors.add(join(path, size), "out_of_range", f"box {size} must be positive, got {n[size]}")
        if n[origin] < -BOX_TOLERANCE:
            errors.add(join(path, origin), "out_of_range", f"box {origin} {n[origin]} is outside the image (below 0)")
        if n[origin] + n[size] > limit + BOX_TOLERANCE:
            errors.add(
                join(path, size),
                "out_of_range",
                f"box reaches {origin} {n[origin] + n[size]}, past the image {axis} of {limit}",
            )
