"""Streaming reader for JSON Lines item files: one JSON object per line, read one line at a time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from projects.formats._streams import iter_lines
from projects.formats.records import PAYLOAD_KEYS, ImportRecord, RecordError, build_record, check_task_type


def read_jsonl(stream: BinaryIO | Any, task_type: str) -> Iterator[ImportRecord | RecordError]:
    """Yield one ImportRecord or RecordError per non-blank line of `stream`, lazily and in file order.

    Accepted keys: "external_id" (or "id"), "payload" (or "data"), "metadata", "label", "gold", "gold_explanation"
    and "priority". Without "payload"/"data", the known payload keys found at the top level (text, image, width,
    height, prompt, response_a, response_b) form the payload. Other keys are ignored. Blank lines are skipped but
    still counted, so line numbers match what an editor shows. Bad data never raises (invalid UTF-8, malformed JSON
    and wrong types become RecordErrors); only I/O errors from `stream` propagate. Raises ValueError at once for an
    unknown task type and TypeError for a text stream.
    """
    check_task_type(task_type)
    return _read(iter_lines(stream), task_type)


def _read(lines: Iterator[bytes], task_type: str) -> Iterator[ImportRecord | RecordError]:
    for number, raw in enumerate(lines, 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield RecordError(number, "", f"not valid UTF-8 (byte {exc.start + 1} of the line)")
            continue
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except ValueError as exc:
            yield RecordError(number, "", f"malformed JSON: {exc}")
            continue
        if not isinstance(obj, dict):
            yield RecordError(number, "", "each line must be a JSON object")
            continue
        yield _record(number, obj, task_type)


def _record(number: int, obj: dict[str, Any], task_type: str) -> ImportRecord | RecordError:
    external_id = obj.get("external_id")
    if external_id is None:
        external_id = obj.get("id")
    if "payload" in obj:
        payload, payload_field = obj["payload"], "payload"
    elif "data" in obj:
        payload, payload_field = obj["data"], "data"
    else:
        payload = {key: obj[key] for key in PAYLOAD_KEYS if key in obj}
        if not payload:
            return RecordError(number, "payload", "payload is required (a 'payload' object or top-level text, ...)")
        payload_field = ""
    return build_record(
        number,
        task_type,
        external_id=external_id,
        payload=payload,
        payload_field=payload_field,
        metadata=obj.get("metadata"),
        label=obj.get("label"),
        gold=obj.get("gold"),
        gold_explanation=obj.get("gold_explanation"),
        priority=obj.get("priority"),
    )
