"""Import jobs: store an upload or point at an S3 prefix, then a worker imports each file all-or-nothing."""

import io
import re
from collections.abc import Callable, Iterator
from typing import BinaryIO

from django.db import connection, transaction
from django.utils import timezone

from labelhub import storage
from labelhub.errors import DomainError
from labelhub.redis import get_redis
from projects.formats import read_csv, read_jsonl, read_label_studio
from projects.models import ImportJob, Project
from projects.ontology import parse_ontology
from projects.services import listing
from projects.services.bulk_insert import InsertResult, RecordChecker, insert_records
from projects.services.ontology import lock_version

READERS: dict[str, Callable] = {
    ImportJob.Format.JSONL: read_jsonl,
    ImportJob.Format.CSV: read_csv,
    ImportJob.Format.LABEL_STUDIO: read_label_studio,
}
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".json": "label_studio"}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class ImportRejected(DomainError):
    code = "import_rejected"


def guess_format(filename: str, declared: str | None) -> str:
    if declared:
        if declared not in READERS:
            raise ImportRejected(
                f"unknown format {declared!r}; use one of {', '.join(READERS)}", field="format", code="bad_format"
            )
        return declared
    for ext, fmt in EXTENSIONS.items():
        if filename.lower().endswith(ext):
            return fmt
    raise ImportRejected(
        f"cannot tell the format of {filename!r}: name it .jsonl, .csv or .json, or pass format",
        field="format",
        code="bad_format",
    )


def _check_importable(project: Project) -> None:
    if project.current_ontology_id is None:
        raise ImportRejected("define the project's ontology before importing items", code="no_ontology")
    if project.status == Project.Status.ARCHIVED:
        raise ImportRejected("the project is archived", code="archived")


def create_upload_import(
    *, project: Project, stream: BinaryIO, filename: str, fmt: str | None, user_id: int | None
) -> ImportJob:
    """Store the uploaded file (streamed, never read whole) and queue its import."""
    _check_importable(project)
    fmt = guess_format(filename, fmt)
    job = ImportJob.objects.create(project=project, source=ImportJob.Source.UPLOAD, format=fmt, created_by_id=user_id)
    key = f"{connection.schema_name}/imports/{job.pk}/{_SAFE_NAME.sub('_', filename)[-120:] or 'upload'}"
    size = storage.save_stream(key, stream)
    job.location = {"keys": [key], "filename": filename, "bytes": size}
    job.save(update_fields=["location"])
    _enqueue(job)
    return job


def create_s3_import(
    *, project: Project, bucket: str, prefix: str, pattern: str, fmt: str, user_id: int | None
) -> ImportJob:
    _check_importable(project)
    if not bucket:
        raise ImportRejected("bucket is required", field="bucket", code="required")
    fmt = guess_format(pattern, fmt or None)
    job = ImportJob.objects.create(
        project=project,
        source=ImportJob.Source.S3,
        format=fmt,
        location={"bucket": bucket, "prefix": prefix or "", "pattern": pattern or "*"},
        created_by_id=user_id,
    )
    _enqueue(job)
    return job


def _enqueue(job: ImportJob) -> None:
    from projects.actors import run_import_job

    transaction.on_commit(lambda: run_import_job.send(job.pk))


def progress_key(job_id: int) -> str:
    return f"labelhub:import:{connection.schema_name}:{job_id}"


def live_progress(job: ImportJob) -> int | None:
    """Records read so far by a running job (kept in Redis: the job's own transaction is not visible yet)."""
    if job.status != ImportJob.Status.RUNNING:
        return None
    value = get_redis().hget(progress_key(job.pk), "records")
    return int(value) if value else 0


def run_import(*, job_id: int) -> ImportJob:
    """Import every file of the job. Idempotent: a finished job is returned untouched on redelivery."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update(of=("self",)).select_related("project").get(pk=job_id)
        if job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED):
            return job
        job.status = ImportJob.Status.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])

    project = job.project
    ontology = parse_ontology(project.current_ontology.definition)
    checker = RecordChecker(project.task_type, ontology)
    try:
        sources = list(_sources(job))
    except storage.StorageError as exc:
        return _finish(job, failed=True, message=exc.message)
    if not sources:
        return _finish(job, failed=True, message="no files matched the prefix and pattern")

    reader = READERS[job.format]
    redis_key = progress_key(job.pk)
    done_before = 0
    files, any_failed = [], False
    for name, opener in sources:

        def open_records(opener=opener):
            return _records(opener, reader, project.task_type)

        def on_progress(n: int, base=done_before, name=name) -> None:
            get_redis().hset(redis_key, mapping={"records": base + n, "file": name})

        try:
            result = insert_records(
                open_records=open_records,
                project_id=project.pk,
                checker=checker,
                job_id=job.pk,
                on_progress=on_progress,
            )
        except storage.StorageError as exc:
            result = InsertResult()
            result.add_error(0, "", exc.message)
        done_before += result.records
        any_failed |= not result.ok
        files.append(_file_summary(name, result))
        _accumulate(job, name, result)
    get_redis().delete(redis_key)
    if job.imported:
        # Gold answers and existing labels were checked against this version: it may no longer change in place.
        lock_version(version_id=project.current_ontology_id)
        listing.publish(project)
    job.files = files
    message = "" if not any_failed else "some files had errors and were not imported (see errors)"
    return _finish(job, failed=any_failed, message=message)


def _records(opener: Callable[[], BinaryIO], reader: Callable, task_type: str) -> Iterator:
    stream = opener()
    try:
        yield from reader(stream, task_type)
    finally:
        stream.close()


def _sources(job: ImportJob) -> Iterator[tuple[str, Callable[[], BinaryIO]]]:
    if job.source == ImportJob.Source.UPLOAD:
        for key in job.location["keys"]:
            yield job.location.get("filename", key), (lambda key=key: storage.open_stream(key))
        return
    bucket, prefix, pattern = job.location["bucket"], job.location["prefix"], job.location["pattern"]
    for key in storage.list_s3_keys(bucket, prefix, pattern):
        yield f"s3://{bucket}/{key}", (lambda key=key: _buffered(storage.open_s3_object(bucket, key)))


def _buffered(body) -> BinaryIO:
    return io.BufferedReader(body, buffer_size=1024 * 1024) if hasattr(body, "readinto") else body


def _file_summary(name: str, result: InsertResult) -> dict:
    return {
        "name": name,
        "status": "imported" if result.ok else "rejected",
        "records": result.records,
        "imported": result.imported,
        "duplicates": result.duplicates,
        "error_count": result.error_count,
    }


def _accumulate(job: ImportJob, name: str, result: InsertResult) -> None:
    job.records += result.records
    job.imported += result.imported
    job.duplicates += result.duplicates
    job.error_count += result.error_count
    room = 100 - len(job.errors)
    job.errors.extend({"file": name, **err} for err in result.errors[: max(room, 0)])


def _finish(job: ImportJob, *, failed: bool, message: str) -> ImportJob:
    job.status = ImportJob.Status.FAILED if failed else ImportJob.Status.SUCCEEDED
    job.message = message
    job.finished_at = timezone.now()
    job.save()
    return job
