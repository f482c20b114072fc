"""All-or-nothing bulk insert of items with PostgreSQL COPY.

Fast path: validate each record while streaming it straight into `COPY projects_item`. A new file (the common
case) is read once and written once. If the COPY hits the unique (project, external_id) constraint, the file is
re-read into a temporary staging table where SQL finds in-file duplicates (an error, with both line numbers)
and ids that already exist (skipped and counted, so a re-import changes nothing). Any error rolls back the
whole file. Memory stays flat: records are never collected in Python.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import orjson
from django.db import connection, transaction
from psycopg import errors as pg_errors

from projects.formats import ImportRecord, RecordError
from projects.ontology import Ontology, PayloadInvalid, ValidationFailed, validate_payload, validate_value

MAX_ERRORS_KEPT = 100
PROGRESS_EVERY = 20_000

ITEM_COLUMNS = (
    "project_id, external_id, payload, metadata, existing_label, gold, gold_explanation, is_gold, priority, "
    "import_job_id"
)


@dataclass
class InsertResult:
    records: int = 0
    imported: int = 0
    duplicates: int = 0  # external ids that already existed: skipped, not an error
    error_count: int = 0
    errors: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_error(self, line: int, field_name: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append({"line": line, "field": field_name, "message": message})


class _Abort(Exception):
    """Raised inside COPY to make psycopg send CopyFail and roll the file back."""


class _UniqueClash(Exception):
    pass


def _json(value) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


class RecordChecker:
    """Semantic checks of one parsed record against the project's task type and ontology."""

    def __init__(self, task_type: str, ontology: Ontology):
        self.task_type = task_type
        self.ontology = ontology

    def row(self, record: ImportRecord, result: InsertResult, project_id: int, job_id: int | None) -> tuple | None:
        try:
            validate_payload(self.task_type, record.payload)
        except PayloadInvalid as exc:
            for err in exc.errors:
                result.add_error(record.line, f"payload.{err.field}".rstrip("."), err.message)
            return None
        label = self._value(record, record.label, "label", result)
        gold = self._value(record, record.gold, "gold", result)
        if label is False or gold is False:
            return None
        return (
            project_id,
            record.external_id,
            _json(record.payload),
            _json(record.metadata or {}),
            _json(label),
            _json(gold),
            record.gold_explanation or "",
            gold is not None,
            record.priority,
            job_id,
        )

    def _value(self, record: ImportRecord, value: dict | None, name: str, result: InsertResult):
        if value is None:
            return None
        try:
            return validate_value(self.ontology, value, record.payload)
        except ValidationFailed as exc:
            for err in exc.errors:
                result.add_error(record.line, f"{name}.{err.field}".rstrip("."), err.message)
            return False


def insert_records(
    *,
    open_records: Callable[[], Iterable[ImportRecord | RecordError]],
    project_id: int,
    checker: RecordChecker,
    job_id: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> InsertResult:
    """Insert every record from open_records() or none. open_records may be called twice (fallback path)."""
    result = InsertResult()
    try:
        with transaction.atomic():
            _copy_into(
                "projects_item", ITEM_COLUMNS, _rows(open_records(), checker, result, project_id, job_id, on_progress)
            )
            if not result.ok:
                raise _Abort()
            result.imported = result.records
        return result
    except _Abort:
        return result
    except _UniqueClash:
        return _insert_via_staging(open_records, project_id, checker, job_id)


def _rows(
    records: Iterable[ImportRecord | RecordError],
    checker: RecordChecker,
    result: InsertResult,
    project_id: int,
    job_id: int | None,
    on_progress: Callable[[int], None] | None,
    with_line: bool = False,
) -> Iterator[tuple]:
    for record in records:
        result.records += 1
        if on_progress and result.records % PROGRESS_EVERY == 0:
            on_progress(result.records)
        if isinstance(record, RecordError):
            result.add_error(record.line, record.field, record.message)
            continue
        row = checker.row(record, result, project_id, job_id)
        # After the first error keep scanning (to report every error) but stop writing rows.
        if row is not None and result.ok:
            yield (record.line, *row) if with_line else row


def _copy_into(table: str, columns: str, rows: Iterator[tuple]) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper (tenant search_path already set)
        try:
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        except pg_errors.UniqueViolation:
            raise _UniqueClash() from None


def _insert_via_staging(
    open_records: Callable[[], Iterable[ImportRecord | RecordError]],
    project_id: int,
    checker: RecordChecker,
    job_id: int | None,
) -> InsertResult:
    result = InsertResult()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE import_stage (line int, project_id bigint, external_id text, payload jsonb, "
                "metadata jsonb, existing_label jsonb, gold jsonb, gold_explanation text, is_gold bool, "
                "priority float8, import_job_id bigint) ON COMMIT DROP"
            )
        _copy_into(
            "import_stage",
            "line, " + ITEM_COLUMNS,
            _rows(open_records(), checker, result, project_id, job_id, None, with_line=True),
        )
        if result.ok:
            _report_in_file_duplicates(result)
        if not result.ok:
            transaction.set_rollback(True)
            return result
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO projects_item ({ITEM_COLUMNS}) SELECT {ITEM_COLUMNS} FROM import_stage ORDER BY line "
                "ON CONFLICT (project_id, external_id) DO NOTHING"
            )
            result.imported = cursor.rowcount
        result.duplicates = result.records - result.imported
    return result


def _report_in_file_duplicates(result: InsertResult) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT external_id, array_agg(line ORDER BY line) FROM import_stage "
            "GROUP BY external_id HAVING count(*) > 1 ORDER BY min(line)"
        )
        for external_id, lines in cursor.fetchall():
            for line in lines[1:]:
                result.add_error(
                    line, "external_id", f"external id {external_id!r} appears again (first on line {lines[0]})"
                )
    result.errors.sort(key=lambda e: e["line"])
