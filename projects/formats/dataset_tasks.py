"""Dataset writers tied to task types: COCO (boxes), preference pairs (pairwise) and Label Studio (every type).
CoNLL and spaCy (spans) are in dataset_spans.

COCO and preference files cannot tell "not labelled" from "labelled as nothing", so rows whose
value is None are skipped there and counted in the schema as `unlabelled_skipped`.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from projects.formats._ls_results import value_to_results
from projects.formats.dataset_common import ByteSink, Row, WriteResult, dumps, row_context
from projects.formats.records import FormatError


def _payload(row: Row) -> Mapping[str, Any]:
    payload = row.get("payload")
    if not isinstance(payload, Mapping):
        raise FormatError(f"{row_context(row)}: payload must be an object")
    return payload


# --- COCO ---------------------------------------------------------------------------------------------------------


def write_coco_dataset(
    rows: Iterable[Row], sink: Any, *, task_type: str, labels: Sequence[str] = (), answers: bool | None = None
) -> WriteResult:
    """COCO object-detection JSON, laid out like `write_coco` (categories, images, then annotations).

    Categories are `labels` in ontology order with ids 1..n. The image id is int(external_id) when the external
    id is all digits (so COCO files round-trip), else the item id; a clash raises FormatError. Each image also
    carries external_id, item_id, split, source and confidence (extra keys COCO tools ignore). Annotations are
    spooled to a temporary file (memory beyond 8 MiB goes to disk); the set of used image ids stays in memory.
    """
    if not labels:
        raise FormatError("a COCO export needs the ontology's label names (labels=...) for its categories")
    categories = [{"id": i, "name": name, "supercategory": ""} for i, name in enumerate(labels, 1)]
    category_ids = {c["name"]: c["id"] for c in categories}
    out = ByteSink(sink)
    out.write(b'{"info": {"description": "exported by LabelHub"}, "licenses": [],\n"categories": ')
    out.write(dumps(categories) + b',\n"images": [')
    seen: set[int] = set()
    images = annotations = unlabelled = 0
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
        for row in rows:
            value = row.get("value")
            if value is None:
                unlabelled += 1
                continue
            image = _coco_image(row, seen)
            out.write((b"\n" if not images else b",\n") + dumps(image))
            images += 1
            for box in value.get("boxes") or () if isinstance(value, Mapping) else ():
                try:
                    x, y, w, h = (box[k] for k in ("x", "y", "w", "h"))
                    category_id = category_ids[box["label"]]
                    area = w * h
                except (KeyError, TypeError) as exc:
                    raise FormatError(f"{row_context(row)}: box {box!r} needs x, y, w, h and a known label") from exc
                annotations += 1
                annotation = {
                    "id": annotations,
                    "image_id": image["id"],
                    "category_id": category_id,
                    "bbox": [x, y, w, h],
                    "area": area,
                    "iscrowd": 0,
                    "segmentation": [[x, y, x + w, y, x + w, y + h, x, y + h]],
                }
                spool.write((b"\n" if annotations == 1 else b",\n") + dumps(annotation))
        out.write(b'\n],\n"annotations": [')
        spool.seek(0)
        shutil.copyfileobj(spool, out, 1 << 20)
    out.write(b"\n]}\n")
    out.close()
    schema = {
        "format": "coco",
        "task_type": task_type,
        "layout": "COCO object detection JSON: info, licenses, categories, images, annotations (bbox in pixels)",
        "categories": [{"id": c["id"], "name": c["name"]} for c in categories],
        "image_fields": [
            "id",
            "file_name",
            "width",
            "height",
            "external_id",
            "item_id",
            "split",
            "source",
            "confidence",
        ],
        "images": images,
        "annotations": annotations,
        "unlabelled_skipped": unlabelled,
    }
    return WriteResult(images, schema)


def _coco_image(row: Row, seen: set[int]) -> dict[str, Any]:
    payload = _payload(row)
    external_id = str(row.get("external_id"))
    image_id = int(external_id) if external_id.isascii() and external_id.isdigit() else row.get("item_id")
    if not isinstance(image_id, int) or image_id in seen:
        raise FormatError(f"{row_context(row)}: COCO image id {image_id!r} is missing or already used")
    seen.add(image_id)
    try:
        file_name, width, height = payload["image"], payload["width"], payload["height"]
    except KeyError as exc:
        raise FormatError(f"{row_context(row)}: payload needs image, width and height") from exc
    return {
        "id": image_id,
        "file_name": file_name,
        "width": width,
        "height": height,
        "external_id": external_id,
        "item_id": row.get("item_id"),
        "split": row.get("split"),
        "source": row.get("source"),
        "confidence": row.get("confidence"),
    }


# --- preference pairs -----------------------------------------------------------------------------------------------

PREFERENCE_FIELDS = ("prompt", "chosen", "rejected", "external_id", "confidence", "split")


def write_preference(
    rows: Iterable[Row], sink: Any, *, task_type: str, labels: Sequence[str] = (), answers: bool | None = None
) -> WriteResult:
    """JSON Lines of DPO pairs {"prompt", "chosen", "rejected", "external_id", "confidence", "split"}.

    choice "a" makes response_a the chosen one, "b" response_b; ties carry no preference and are skipped
    (counted as `ties_skipped`), as are unlabelled rows.
    """
    out = ByteSink(sink)
    count = ties = unlabelled = 0
    for row in rows:
        value = row.get("value")
        if value is None:
            unlabelled += 1
            continue
        choice = value.get("choice")
        if choice == "tie":
            ties += 1
            continue
        if choice not in ("a", "b"):
            raise FormatError(f"{row_context(row)}: pairwise choice must be 'a', 'b' or 'tie', not {choice!r}")
        payload = _payload(row)
        try:
            prompt, a, b = payload["prompt"], payload["response_a"], payload["response_b"]
        except KeyError as exc:
            raise FormatError(f"{row_context(row)}: payload needs prompt, response_a and response_b") from exc
        chosen, rejected = (a, b) if choice == "a" else (b, a)
        record = {
            "prompt": prompt,
            "chosen": chosen,
            "rejected": rejected,
            "external_id": str(row.get("external_id")),
            "confidence": row.get("confidence"),
            "split": row.get("split"),
        }
        out.write(dumps(record) + b"\n")
        count += 1
    out.close()
    schema = {
        "format": "preference",
        "task_type": task_type,
        "layout": "JSON Lines of preference pairs (DPO)",
        "fields": [
            {"name": name, "type": "float64" if name == "confidence" else "string"} for name in PREFERENCE_FIELDS
        ],
        "ties_skipped": ties,
        "unlabelled_skipped": unlabelled,
    }
    return WriteResult(count, schema)


# --- Label Studio -----------------------------------------------------------------------------------------------


def _ls_results(row: Row, value: Any, task_type: str, payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    try:
        return value_to_results(value, task_type, dict(payload))
    except (KeyError, TypeError, ZeroDivisionError, AttributeError, FormatError) as exc:
        raise FormatError(f"{row_context(row)}: {task_type} value {value!r}: {exc}") from exc


def write_label_studio_dataset(
    rows: Iterable[Row], sink: Any, *, task_type: str, labels: Sequence[str] = (), answers: bool | None = None
) -> WriteResult:
    """A Label Studio JSON task array, one task per line, streamed.

    Task: {"id": item_id, "data": {**payload, "external_id"}, "meta": {item_id, split, source, confidence,
    annotators}, "annotations": [...]}. The final value is the first annotation (what read_label_studio takes as
    the label); raw answers, when the rows carry them, follow as annotations with "completed_by": annotator id.
    """
    out = ByteSink(sink)
    out.write(b"[")
    count = 0
    for count, row in enumerate(rows, 1):
        payload = _payload(row)
        annotations = []
        if row.get("value") is not None:
            results = _ls_results(row, row["value"], task_type, payload)
            annotations.append({"result": results, "was_cancelled": False, "ground_truth": False})
        for answer in row.get("answers") or ():
            results = _ls_results(row, answer.get("value"), task_type, payload)
            annotations.append(
                {
                    "result": results,
                    "was_cancelled": False,
                    "ground_truth": False,
                    "completed_by": answer.get("annotator"),
                }
            )
        task = {
            "id": row.get("item_id"),
            "data": {**payload, "external_id": str(row.get("external_id"))},
            "meta": {k: row.get(k) for k in ("item_id", "split", "source", "confidence", "annotators")},
            "annotations": annotations,
        }
        out.write((b"\n" if count == 1 else b",\n") + dumps(task))
    out.write(b"\n]\n")
    out.close()
    schema = {
        "format": "label_studio",
        "task_type": task_type,
        "layout": "Label Studio JSON task array; final value = first annotation; raw answers follow (completed_by)",
        "fields": [
            {"name": "id", "type": "int64", "description": "item_id"},
            {"name": "data", "type": "object", "description": "payload plus external_id"},
            {"name": "meta", "type": "object", "description": "item_id, split, source, confidence, annotators"},
            {"name": "annotations", "type": "list<object>"},
        ],
    }
    return WriteResult(count, schema)
