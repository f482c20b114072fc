"""Streaming reader for CSV item files (header row required), one row at a time.

CSV cannot tell an empty cell from a missing value, so empty cells are treated as absent everywhere: an empty
"text" cell is a missing payload.text, an empty "label" cell means no label.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from projects.formats._streams import iter_lines
from projects.formats.records import (
    INT_PAYLOAD_KEYS,
    PAYLOAD_KEYS,
    ImportRecord,
    RecordError,
    build_record,
    check_task_type,
)

META_PREFIX = "meta."
_KNOWN_COLUMNS = frozenset({"external_id", "id", "label", "gold", "gold_explanation", "priority", *PAYLOAD_KEYS})


def read_csv(stream: BinaryIO | Any, task_type: str) -> Iterator[ImportRecord | RecordError]:
    """Yield one ImportRecord or RecordError per data row of `stream`, lazily and in file order.

    Columns: external_id (or id); payload fields text, image, width, height (integers), prompt, response_a,
    response_b; meta.<key> columns into metadata; label and gold (a JSON object, or a plain string converted by
    task type: single_label "x" -> {"label": "x"}, multi_label "a|b" -> {"labels": ["a", "b"]}, pairwise "a" ->
    {"choice": "a"}, rating "4" -> {"rating": 4.0}, free_text -> {"text": ...}; spans and boxes need JSON);
    gold_explanation; priority. Unknown columns give a single RecordError on line 1 and are then ignored.

    Quoting is strict: a stray quote or an unterminated quoted field is an error for that row, never a silent
    merge of the rest of the file into one cell. `line` is the physical line where the row starts (csv line_num
    based), so a quoted field spanning lines pushes later rows down just as an editor shows them. A cell over
    csv.field_size_limit() (128 KiB by default) is an error rather than read, which also bounds memory on a
    runaway quote. Only I/O errors from `stream` propagate.
    """
    check_task_type(task_type)
    return _read(stream, task_type)


class _DecodedLines:
    """Decode physical lines for csv.reader, remembering which ones were not valid UTF-8."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self._lines = lines
        self.count = 0
        self.bad: list[int] = []

    def __iter__(self) -> _DecodedLines:
        return self

    def __next__(self) -> str:
        raw = next(self._lines)
        self.count += 1
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.bad.append(self.count)
            return raw.decode("utf-8", "replace")


def _read(stream: Any, task_type: str) -> Iterator[ImportRecord | RecordError]:
    lines = _DecodedLines(iter_lines(stream))
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        yield RecordError(1, "", f"unreadable header row: {exc}")
        return
    if lines.bad:
        yield RecordError(1, "", "header row is not valid UTF-8")
        return
    if not header:
        yield RecordError(1, "", "a header row is required")
        return
    columns = [name.strip() for name in header]
    unknown = [c for c in columns if c not in _KNOWN_COLUMNS and not _is_meta(c)]
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if unknown:
        yield RecordError(1, "", f"unknown columns: {', '.join(map(repr, unknown))}")
    if duplicates:
        yield RecordError(1, "", f"duplicate columns: {', '.join(duplicates)}")
    width = len(columns)
    previous_end = reader.line_num
    while True:
        start = previous_end + 1
        try:
            row = next(reader, None)
        except csv.Error as exc:
            yield RecordError(start, "", f"unreadable CSV row: {exc}")
            if reader.line_num < start:  # nothing consumed: the reader is stuck at end of data
                return
            previous_end = reader.line_num
            lines.bad.clear()
            continue
        if row is None:
            return
        previous_end = reader.line_num
        if lines.bad and lines.bad[-1] >= start:
            lines.bad.clear()
            yield RecordError(start, "", "not valid UTF-8")
            continue
        if not row:
            continue
        if len(row) != width:
            yield RecordError(start, "", f"row has {len(row)} fields but the header has {width}")
            continue
        yield _record(start, dict(zip(columns, row, strict=True)), task_type)


def _is_meta(column: str) -> bool:
    return column.startswith(META_PREFIX) and len(column) > len(META_PREFIX)


def _record(line: int, cells: dict[str, str], task_type: str) -> ImportRecord | RecordError:
    payload: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    for name, value in cells.items():
        if not value:
            continue
        if name.startswith(META_PREFIX):
            metadata[name[len(META_PREFIX) :]] = value
        elif name in INT_PAYLOAD_KEYS:
            try:
                payload[name] = int(value)
            except ValueError:
                return RecordError(line, f"payload.{name}", f"payload.{name} must be an integer")
        elif name in PAYLOAD_KEYS:
            payload[name] = value
    values: dict[str, Any] = {}
    for name in ("label", "gold"):
        cell = cells.get(name)
        if cell:
            value, why = _convert_value(cell, task_type)
            if why:
                return RecordError(line, name, f"{name}: {why}")
            values[name] = value
    priority: Any = cells.get("priority") or None
    if priority is not None:
        try:
            priority = float(priority)
        except ValueError:
            return RecordError(line, "priority", "priority must be a finite number")
    return build_record(
        line,
        task_type,
        external_id=cells.get("external_id") or cells.get("id"),
        payload=payload,
        metadata=metadata,
        label=values.get("label"),
        gold=values.get("gold"),
        gold_explanation=cells.get("gold_explanation"),
        priority=priority,
    )


def _convert_value(cell: str, task_type: str) -> tuple[dict[str, Any] | None, str]:
    """Turn a label/gold cell into a value object; return (value, "") or (None, why it cannot be used)."""
    if cell.lstrip().startswith("{"):
        try:
            value = json.loads(cell)
        except ValueError as exc:
            return None, f"malformed JSON: {exc}"
        if not isinstance(value, dict):
            return None, "must be a JSON object"
        return value, ""
    if task_type == "single_label":
        return {"label": cell}, ""
    if task_type == "multi_label":
        return {"labels": [part.strip() for part in cell.split("|") if part.strip()]}, ""
    if task_type == "pairwise":
        return {"choice": cell.strip()}, ""
    if task_type == "rating":
        try:
            return {"rating": float(cell)}, ""
        except ValueError:
            return None, "a rating must be a number"
    if task_type == "free_text":
        return {"text": cell}, ""
    return None, f"must be a JSON object for {task_type} tasks"
