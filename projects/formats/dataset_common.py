"""Pieces every dataset writer shares: the result type, the byte sink adapter and the tabular column layout.

A dataset row (what the export service streams in) is a dict:
    {"item_id": int, "external_id": str, "payload": dict, "value": dict | None, "confidence": float | None,
     "split": "train" | "validation" | "test", "source": "consensus" | "adjudicated" | "prelabel",
     "annotators": [int], "answers": [{"annotator": int, "value": dict}]}   # answers only when requested
The CSV and Parquet writers share one column list per task type (`columns`) so the two formats never drift.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import orjson

from projects.formats.records import TASK_TYPES, FormatError

Row = Mapping[str, Any]
CHUNK_SIZE = 1 << 20  # bytes handed to the caller's sink per write (S3 multipart parts are >= 5 MiB anyway)


@dataclass(frozen=True, slots=True)
class WriteResult:
    """`rows`: records written (images for COCO, sentences for CoNLL, pairs for preference); `schema`: for the manifest."""

    rows: int
    schema: dict[str, Any] = field(default_factory=dict)


class ByteSink:
    """Buffers writes into ~1 MiB chunks for a caller's binary sink (anything with `.write(bytes)`).

    It also counts bytes so that it can answer `tell()` for pyarrow, which needs the position to write Parquet
    offsets, on sinks that cannot seek or tell (an S3 multipart writer, a pipe). `close()` flushes but never
    closes the caller's sink: the caller owns it (and completes the multipart upload). A writer that fails leaves
    its last unflushed chunk unwritten: the caller is expected to abort the upload / discard the file.
    """

    def __init__(self, sink: Any, chunk_size: int = CHUNK_SIZE) -> None:
        if isinstance(sink, io.TextIOBase):
            raise TypeError("expected a binary sink (opened with 'wb'), got text")
        self._sink = sink
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self.position = 0
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> int:
        size = len(data) if not isinstance(data, memoryview) else data.nbytes
        if self.closed:
            return size  # after abort(): e.g. a ParquetWriter finalised by the garbage collector
        self._buffer += data
        self.position += size
        if len(self._buffer) >= self._chunk_size:
            self.flush()
        return size

    def write_text(self, text: str) -> None:
        self.write(text.encode("utf-8"))

    def flush(self) -> None:
        if self._buffer:
            self._sink.write(bytes(self._buffer))
            self._buffer.clear()

    def tell(self) -> int:
        return self.position

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return False

    def close(self) -> None:
        self.flush()
        self.closed = True

    def abort(self) -> None:
        """Drop what is buffered and ignore later writes, so a failed export never gets a well-formed ending."""
        self._buffer.clear()
        self.closed = True


class TextSink:
    """A text-mode view (`.write(str)`) of a ByteSink, for csv.writer and the existing text-stream writers."""

    def __init__(self, sink: ByteSink) -> None:
        self._sink = sink

    def write(self, text: str) -> int:
        self._sink.write_text(text)
        return len(text)


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON; NaN/inf become null (orjson) rather than the invalid JSON tokens json.dumps writes."""
    return orjson.dumps(value)


def dumps_text(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode("utf-8")


def peek(rows: Iterable[Row]) -> tuple[Row | None, Iterator[Row]]:
    """The first row (None when there is none) and an iterator that still yields every row, without materialising."""
    iterator = iter(rows)
    first = next(iterator, None)
    return first, (iterator if first is None else chain((first,), iterator))


def wants_answers(answers: bool | None, first: Row | None) -> bool:
    """Explicit choice, else whether the first row carries raw answers (rows of one export are all alike)."""
    if answers is not None:
        return answers
    return first is not None and first.get("answers") is not None


def row_context(row: Row) -> str:
    return f"item {row.get('external_id')!r}"


# --- the tabular (CSV / Parquet) column layout -------------------------------------------------------------------
# Column types are names, mapped to Arrow types by the Parquet writer. "json" means a string holding JSON text;
# list<span> / list<box> are nested structs that only Parquet carries (CSV readers get them from `value`).
SPAN_FIELDS = (("start", "int64"), ("end", "int64"), ("label", "string"), ("text", "string"))
BOX_FIELDS = (("x", "float64"), ("y", "float64"), ("w", "float64"), ("h", "float64"), ("label", "string"))
NESTED_TYPES = frozenset({"list<span>", "list<box>"})


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str  # string | int64 | float64 | json | list<int64> | list<string> | list<span> | list<box>
    get: Callable[[Row], Any]
    description: str = ""

    @property
    def in_csv(self) -> bool:
        return self.type not in NESTED_TYPES


def _payload(row: Row) -> Mapping[str, Any]:
    payload = row.get("payload")
    return payload if isinstance(payload, Mapping) else {}


def _value(row: Row) -> Mapping[str, Any]:
    value = row.get("value")
    return value if isinstance(value, Mapping) else {}


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _strings(value: Any) -> list[str] | None:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else None


def _spans(row: Row) -> list[dict[str, Any]] | None:
    spans = _value(row).get("spans")
    if not isinstance(spans, list):
        return None
    text = _string(_payload(row).get("text")) or ""
    out = []
    for s in spans:
        if isinstance(s, Mapping):
            start, end = _integer(s.get("start")), _integer(s.get("end"))
            snippet = s.get("text") if isinstance(s.get("text"), str) else None
            if snippet is None and start is not None and end is not None:
                snippet = text[start:end]
            out.append({"start": start, "end": end, "label": _string(s.get("label")), "text": snippet})
    return out


def _boxes(row: Row) -> list[dict[str, Any]] | None:
    boxes = _value(row).get("boxes")
    if not isinstance(boxes, list):
        return None
    return [
        {**{k: _number(b.get(k)) for k in ("x", "y", "w", "h")}, "label": _string(b.get("label"))}
        for b in boxes
        if isinstance(b, Mapping)
    ]


def _from_payload(key: str, convert: Callable[[Any], Any] = _string) -> Callable[[Row], Any]:
    return lambda row: convert(_payload(row).get(key))


def _from_value(key: str, convert: Callable[[Any], Any] = _string) -> Callable[[Row], Any]:
    return lambda row: convert(_value(row).get(key))


# Base columns pass values through unconverted: Arrow checks their types (a mismatch is a FormatError).
BASE_COLUMNS: tuple[Column, ...] = (
    Column("external_id", "string", lambda r: str(r.get("external_id"))),
    Column("item_id", "int64", lambda r: r.get("item_id")),
    Column("split", "string", lambda r: r.get("split"), "train | validation | test"),
    Column("source", "string", lambda r: r.get("source"), "consensus | adjudicated | prelabel"),
    Column("confidence", "float64", lambda r: r.get("confidence")),
    Column("annotators", "list<int64>", lambda r: r.get("annotators") or []),
    Column("payload", "json", lambda r: dumps_text(r.get("payload"))),
    Column("value", "json", lambda r: dumps_text(r.get("value")), "final value; null when there is none"),
)
_TEXT = Column("text", "string", _from_payload("text"), "payload.text")
TASK_COLUMNS: dict[str, tuple[Column, ...]] = {
    "single_label": (_TEXT, Column("label", "string", _from_value("label"))),
    "multi_label": (_TEXT, Column("labels", "list<string>", _from_value("labels", _strings))),
    "spans": (_TEXT, Column("spans", "list<span>", _spans, "value.spans; character offsets, end exclusive")),
    "boxes": (
        Column("image", "string", _from_payload("image")),
        Column("width", "int64", _from_payload("width", _integer)),
        Column("height", "int64", _from_payload("height", _integer)),
        Column("boxes", "list<box>", _boxes, "value.boxes in pixels"),
    ),
    "pairwise": (
        Column("prompt", "string", _from_payload("prompt")),
        Column("response_a", "string", _from_payload("response_a")),
        Column("response_b", "string", _from_payload("response_b")),
        Column("choice", "string", _from_value("choice"), "a | b | tie"),
        Column("reason", "string", _from_value("reason")),
    ),
    "rating": (_TEXT, Column("rating", "float64", _from_value("rating", _number))),
    "free_text": (_TEXT, Column("answer", "string", _from_value("text"), "value.text")),
}
ANSWERS_COLUMN = Column(
    "answers", "json", lambda r: dumps_text(r.get("answers")), 'raw answers [{"annotator", "value"}]'
)


def columns(task_type: str, answers: bool) -> tuple[Column, ...]:
    return BASE_COLUMNS + TASK_COLUMNS[task_type] + ((ANSWERS_COLUMN,) if answers else ())


def column_schema(column: Column, type_name: str | None = None) -> dict[str, Any]:
    described: dict[str, Any] = {"name": column.name, "type": type_name or column.type}
    if column.type == "json":
        described["type"], described["encoding"] = (type_name or "string"), "json"
    if column.description:
        described["description"] = column.description
    return described


def check_rows_task_type(task_type: str) -> None:
    if task_type not in TASK_TYPES:
        raise FormatError(f"unknown task type {task_type!r}; expected one of {sorted(TASK_TYPES)}")
