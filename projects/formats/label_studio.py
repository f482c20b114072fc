"""Label Studio JSON tasks: a streaming reader (one task in memory at a time) and a streaming writer.

Mapping: external_id = data.external_id, else the task "id", else the 1-based task index; payload = data (minus
external_id); metadata = the task's "meta" object. The first non-cancelled annotation not flagged "ground_truth"
becomes `label`, the first non-cancelled "ground_truth" annotation becomes `gold`. Predictions are ignored.
Not representable in Label Studio and therefore lost on export: gold_explanation and priority.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, TextIO

import ijson

from projects.formats._ls_results import image_size, results_to_value, value_to_results
from projects.formats._streams import BomSkipper, json_error_message
from projects.formats.records import FormatError, ImportRecord, RecordError, build_record, check_task_type


def read_label_studio(stream: BinaryIO | Any, task_type: str) -> Iterator[ImportRecord | RecordError]:
    """Yield one ImportRecord or RecordError per task of a Label Studio JSON export, lazily and in file order.

    `line` is the 1-based task index. Boxes are converted from Label Studio's percent coordinates to pixels using
    the result's original_width/original_height (falling back to data.width/height), rounded to 0.01 px; a missing
    data.width/height is filled in from the results. Pairwise "left"/"right" become "a"/"b" (a non-standard "tie",
    which only write_label_studio produces, stays "tie"; a textarea result becomes the reason).

    The file must be a top-level JSON array; anything else is a single RecordError on line 1. Malformed JSON stops
    the stream: the parser cannot resynchronise, so one RecordError is yielded for the task where it failed and
    nothing after it. Only I/O errors from `stream` propagate.
    """
    check_task_type(task_type)
    return _read(stream, task_type)


_END = object()


def _read(stream: Any, task_type: str) -> Iterator[ImportRecord | RecordError]:
    source = BomSkipper(stream)
    if source.first_byte() != b"[":
        yield RecordError(1, "", "a Label Studio file must be a JSON array of tasks")
        return
    index = 0
    tasks = ijson.items(io.BufferedReader(source), "item", use_float=True)
    while True:
        try:
            task = next(tasks, _END)
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            where = f" after task {index}" if index else ""
            yield RecordError(index + 1, "", f"malformed JSON{where}: {json_error_message(exc)}")
            return
        if task is _END:
            return
        index += 1
        yield _record(index, task, task_type)


def _record(index: int, task: Any, task_type: str) -> ImportRecord | RecordError:
    if not isinstance(task, dict):
        return RecordError(index, "", "each task must be a JSON object")
    data = task.get("data")
    if not isinstance(data, dict):
        return RecordError(index, "data", "data must be an object")
    external_id = data.get("external_id")
    if external_id is None or external_id == "":
        external_id = task.get("id")
    if external_id is None:
        external_id = index
    payload = {k: v for k, v in data.items() if k != "external_id"}
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list) or not all(isinstance(a, dict) for a in annotations):
        return RecordError(index, "annotations", "annotations must be a list of objects")
    live = [a for a in annotations if not a.get("was_cancelled")]
    if task_type == "boxes" and ("width" not in payload or "height" not in payload):
        results = [r for a in live for r in a.get("result") or [] if isinstance(r, dict)]
        size = image_size(results)
        if size is not None:
            payload.setdefault("width", size[0])
            payload.setdefault("height", size[1])
    values: dict[str, dict[str, Any] | None] = {"label": None, "gold": None}
    for name, ground_truth in (("label", False), ("gold", True)):
        chosen = next((a for a in live if bool(a.get("ground_truth")) is ground_truth), None)
        if chosen is not None:
            value, why = results_to_value(chosen.get("result"), task_type, payload)
            if why:
                return RecordError(index, name, f"{name}: {why}")
            values[name] = value
    meta = task.get("meta")
    return build_record(
        index,
        task_type,
        external_id=external_id,
        payload=payload,
        payload_field="data",
        metadata=meta if isinstance(meta, dict) else None,
        label=values["label"],
        gold=values["gold"],
    )


def write_label_studio(records: Iterable[ImportRecord], out: TextIO, task_type: str) -> int:
    """Write records as a Label Studio JSON task array to a text stream, one task per line; return the count.

    The output reads back through read_label_studio to the same external ids, payloads, metadata, labels and gold
    (a gold-only record comes back with gold set and label None). Raises FormatError naming the record when a
    label or gold value does not have the shape its task type requires; tasks already written stay written.
    """
    check_task_type(task_type)
    count = 0
    out.write("[")
    for count, record in enumerate(records, 1):
        task: dict[str, Any] = {"id": count, "data": {**record.payload, "external_id": record.external_id}}
        if record.metadata:
            task["meta"] = record.metadata
        annotations = []
        for value, ground_truth in ((record.label, False), (record.gold, True)):
            if value is not None:
                try:
                    result = value_to_results(value, task_type, record.payload)
                except (KeyError, TypeError, ZeroDivisionError, FormatError) as exc:
                    raise FormatError(f"record {record.external_id!r}: {task_type} value {value!r}: {exc}") from exc
                annotations.append({"result": result, "was_cancelled": False, "ground_truth": ground_truth})
        task["annotations"] = annotations
        out.write("\n" if count == 1 else ",\n")
        out.write(json.dumps(task, ensure_ascii=False))
    out.write("\n]\n")
    return count
