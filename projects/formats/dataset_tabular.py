"""Dataset writers for every task type: JSONL, CSV and Parquet. All stream; memory does not grow with the rows."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from projects.formats.dataset_common import (
    BOX_FIELDS,
    SPAN_FIELDS,
    ByteSink,
    Column,
    Row,
    TextSink,
    WriteResult,
    column_schema,
    columns,
    dumps,
    peek,
    wants_answers,
)
from projects.formats.records import FormatError

if TYPE_CHECKING:
    import pyarrow as pa

JSONL_FIELDS: tuple[tuple[str, str], ...] = (
    ("external_id", "string"),
    ("item_id", "int64"),
    ("split", "string"),
    ("source", "string"),
    ("confidence", "float64"),
    ("annotators", "list<int64>"),
    ("payload", "object"),
    ("value", "object"),
)
ROW_GROUP_SIZE = 50_000
BATCH_SIZE = 5_000  # rows held as Python objects before they become an Arrow record batch


def write_jsonl(
    rows: Iterable[Row], sink: Any, *, task_type: str, labels: Sequence[str] = (), answers: bool | None = None
) -> WriteResult:
    """One JSON object per line with the row's fields in JSONL_FIELDS order, plus "answers" when requested."""
    first, rows = peek(rows)
    with_answers = wants_answers(answers, first)
    out = ByteSink(sink)
    count = 0
    for row in rows:
        count += 1
        record = {name: row.get(name) for name, _ in JSONL_FIELDS}
        record["external_id"] = str(record["external_id"])
        record["annotators"] = list(record["annotators"] or ())
        if with_answers:
            record["answers"] = row.get("answers")
        out.write(dumps(record) + b"\n")
    out.close()
    fields = [{"name": n, "type": t} for n, t in JSONL_FIELDS]
    if with_answers:
        fields.append({"name": "answers", "type": "list<object>", "description": 'raw [{"annotator", "value"}]'})
    return WriteResult(count, {"format": "jsonl", "task_type": task_type, "encoding": "utf-8", "fields": fields})


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return value


def write_csv(
    rows: Iterable[Row], sink: Any, *, task_type: str, labels: Sequence[str] = (), answers: bool | None = None
) -> WriteResult:
    """A header line, then one RFC 4180 record per row (UTF-8, "\\n" line ends, quoting as needed).

    Columns: see `dataset_common.columns`, without the nested span/box lists (they are in `value`). Lists
    (annotators, labels) are ";"-joined; JSON columns hold compact JSON text; a missing value is an empty cell.
    """
    first, rows = peek(rows)
    cols = [c for c in columns(task_type, wants_answers(answers, first)) if c.in_csv]
    out = ByteSink(sink)
    writer = csv.writer(TextSink(out), lineterminator="\n")
    writer.writerow([c.name for c in cols])
    count = 0
    for row in rows:
        count += 1
        writer.writerow([_csv_cell(c.get(row)) for c in cols])
    out.close()
    fields = [column_schema(c, "string" if c.type.startswith("list<") else None) for c in cols]
    for described in fields:
        if described["name"] in ("annotators", "labels"):
            described["encoding"] = "semicolon-joined"
    return WriteResult(
        count,
        {"format": "csv", "task_type": task_type, "encoding": "utf-8", "header": True, "fields": fields},
    )


@cache
def _arrow_types() -> dict[str, pa.DataType]:
    import pyarrow as pa  # imported on first use: it costs ~100 ms, which readers of other formats need not pay

    def nested(fields: tuple[tuple[str, str], ...]) -> pa.DataType:
        return pa.list_(pa.struct([(name, scalar[kind]) for name, kind in fields]))

    scalar = {"string": pa.string(), "json": pa.string(), "int64": pa.int64(), "float64": pa.float64()}
    return {
        **scalar,
        "list<int64>": pa.list_(pa.int64()),
        "list<string>": pa.list_(pa.string()),
        "list<span>": nested(SPAN_FIELDS),
        "list<box>": nested(BOX_FIELDS),
    }


def arrow_schema(task_type: str, answers: bool) -> pa.Schema:
    """The fixed Arrow schema of a task type's Parquet export; JSON-text columns carry field metadata encoding=json."""
    import pyarrow as pa

    types = _arrow_types()
    return pa.schema(
        [
            pa.field(c.name, types[c.type], metadata={"encoding": "json"} if c.type == "json" else None)
            for c in columns(task_type, answers)
        ],
        metadata={"labelhub.task_type": task_type},
    )


def _batch(batch: list[list[Any]], schema: pa.Schema) -> pa.RecordBatch:
    """Rows (lists of column values) to one record batch; a value of the wrong type is a FormatError."""
    import pyarrow as pa

    try:
        arrays = [pa.array(values, type=f.type) for values, f in zip(zip(*batch, strict=True), schema, strict=True)]
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise FormatError(f"a row does not fit the Parquet schema: {exc}") from exc
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def write_parquet(
    rows: Iterable[Row],
    sink: Any,
    *,
    task_type: str,
    labels: Sequence[str] = (),
    answers: bool | None = None,
    row_group_size: int = ROW_GROUP_SIZE,
) -> WriteResult:
    """Parquet (snappy) with `arrow_schema(task_type)`, one row group per `row_group_size` rows.

    The sink only needs `.write(bytes)`: pyarrow writes through a position-counting adapter, never seeking. At
    most BATCH_SIZE rows are held as Python objects and one row group as Arrow buffers.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    first, rows = peek(rows)
    cols: tuple[Column, ...] = columns(task_type, wants_answers(answers, first))
    schema = arrow_schema(task_type, wants_answers(answers, first))
    batch_size = max(1, min(BATCH_SIZE, row_group_size))
    out = ByteSink(sink)
    writer = pq.ParquetWriter(pa.PythonFile(out, mode="w"), schema, compression="snappy")
    getters = [c.get for c in cols]
    pending: list[pa.RecordBatch] = []
    pending_rows = count = 0
    batch: list[list[Any]] = []

    def flush_group() -> None:
        nonlocal pending, pending_rows
        if pending_rows:
            writer.write_table(pa.Table.from_batches(pending, schema), row_group_size=pending_rows)
        pending, pending_rows = [], 0

    try:
        for row in rows:
            count += 1
            batch.append([get(row) for get in getters])
            if len(batch) == batch_size:
                pending.append(_batch(batch, schema))
                pending_rows += batch_size
                batch = []
                if pending_rows >= row_group_size:
                    flush_group()
        if batch:
            pending.append(_batch(batch, schema))
            pending_rows += len(batch)
        flush_group()
        writer.close()
    except BaseException:
        out.abort()  # otherwise ParquetWriter.__del__ would append a footer to a truncated file
        raise
    out.close()
    fields = [column_schema(c, str(_arrow_types()[c.type])) for c in cols]
    return WriteResult(
        count,
        {
            "format": "parquet",
            "task_type": task_type,
            "compression": "snappy",
            "row_group_size": row_group_size,
            "fields": fields,
        },
    )
