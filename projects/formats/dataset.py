"""Streaming dataset writers for exports: `write_dataset(fmt, rows, sink, task_type=..., labels=...)`.

`rows` is an iterable of dataset rows (see `dataset_common`), consumed once and never materialised; `sink` is any
binary object with `.write(bytes)` (a file, an S3 multipart writer) that is written in ~1 MiB chunks and never
closed, seeked or told. Every writer returns a WriteResult(rows, schema) whose schema (format, task_type, fields or
layout, and skip counters) goes into the export manifest. Memory is constant in the number of rows, except COCO
(annotations spooled to a temporary file, image ids kept to detect clashes).

Formats: jsonl, csv, parquet and label_studio for every task type; coco for boxes; conll and spacy for spans;
preference for pairwise. See each writer's docstring for its exact layout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from projects.formats.dataset_common import Row, WriteResult
from projects.formats.dataset_spans import write_conll_dataset, write_spacy
from projects.formats.dataset_tabular import arrow_schema, write_csv, write_jsonl, write_parquet
from projects.formats.dataset_tasks import write_coco_dataset, write_label_studio_dataset, write_preference
from projects.formats.records import TASK_TYPES, FormatError

_EVERY_TYPE = ("jsonl", "csv", "parquet", "label_studio")
FORMATS_BY_TASK: dict[str, tuple[str, ...]] = {
    "single_label": _EVERY_TYPE,
    "multi_label": _EVERY_TYPE,
    "spans": (*_EVERY_TYPE, "conll", "spacy"),
    "boxes": (*_EVERY_TYPE, "coco"),
    "pairwise": (*_EVERY_TYPE, "preference"),
    "rating": _EVERY_TYPE,
    "free_text": _EVERY_TYPE,
}
DATASET_FORMATS: tuple[str, ...] = (*_EVERY_TYPE, "coco", "conll", "spacy", "preference")
# File extension and content type per format, for naming the exported object.
FORMAT_FILES: dict[str, tuple[str, str]] = {
    "jsonl": ("jsonl", "application/x-ndjson"),
    "csv": ("csv", "text/csv; charset=utf-8"),
    "parquet": ("parquet", "application/vnd.apache.parquet"),
    "label_studio": ("json", "application/json"),
    "coco": ("json", "application/json"),
    "conll": ("conll", "text/plain; charset=utf-8"),
    "spacy": ("jsonl", "application/x-ndjson"),
    "preference": ("jsonl", "application/x-ndjson"),
}

Writer = Callable[..., WriteResult]
_WRITERS: dict[str, Writer] = {
    "jsonl": write_jsonl,
    "csv": write_csv,
    "parquet": write_parquet,
    "label_studio": write_label_studio_dataset,
    "coco": write_coco_dataset,
    "conll": write_conll_dataset,
    "spacy": write_spacy,
    "preference": write_preference,
}


def check_format(fmt: str, task_type: str) -> None:
    """Raise FormatError for an unknown format or task type, or a format that cannot express the task type."""
    if task_type not in TASK_TYPES:
        raise FormatError(f"unknown task type {task_type!r}; expected one of {sorted(TASK_TYPES)}")
    if fmt not in _WRITERS:
        raise FormatError(f"unknown format {fmt!r}; expected one of {', '.join(DATASET_FORMATS)}")
    fitting = FORMATS_BY_TASK[task_type]
    if fmt not in fitting:
        raise FormatError(f"format {fmt} does not fit task type {task_type}; use one of {', '.join(fitting)}")


def write_dataset(
    fmt: str,
    rows: Iterable[Row],
    sink: Any,
    *,
    task_type: str,
    labels: Sequence[str] = (),
    answers: bool | None = None,
) -> WriteResult:
    """Write `rows` to `sink` in format `fmt`; the single entry point for exports.

    `labels` is the ontology's label order (COCO categories, CoNLL label list). `answers` says whether the
    tabular formats get a raw-answers column; None decides from the first row (rows of one export are alike).
    Raises FormatError before writing anything for a format that does not fit the task type, and while writing
    for a row the format cannot express (the caller should then abort the upload).
    """
    check_format(fmt, task_type)
    return _WRITERS[fmt](rows, sink, task_type=task_type, labels=tuple(labels), answers=answers)


__all__ = [
    "DATASET_FORMATS",
    "FORMATS_BY_TASK",
    "FORMAT_FILES",
    "WriteResult",
    "arrow_schema",
    "check_format",
    "write_dataset",
]
