"""Writing a dataset version's rows to a file in one format, streamed from the database into storage (S3 multipart
or the local directory) in constant memory, followed by a manifest. `ready` only when both are complete."""

import hashlib
from dataclasses import dataclass

import orjson
from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.utils import timezone

from labelhub import storage
from labelhub.db.rows import json_column
from labelhub.errors import Conflict, DomainError, Forbidden, NotFound
from labelhub.redis import get_redis
from projects.formats import FormatError, check_format, write_dataset
from projects.models import DatasetExport, DatasetVersion
from projects.services import webhooks
from projects.services.ontology import current_ontology

EXTENSIONS = {"jsonl": "jsonl", "csv": "csv", "parquet": "parquet", "coco": "json", "conll": "conll",
              "spacy": "jsonl", "preference": "jsonl", "label_studio": "json"}  # fmt: skip
PROGRESS_EVERY = 50_000
FETCH = 5_000


def export_key(export: DatasetExport) -> str:
    version = export.version
    name = f"v{version.number}.{EXTENSIONS.get(export.format, 'bin')}"
    return f"{connection.schema_name}/datasets/project-{version.project_id}/{export.format}/{name}"


def request_export(*, version: DatasetVersion, fmt: str) -> DatasetExport:
    """Another format of an existing snapshot (or a retry of a failed one)."""
    try:
        check_format(fmt, version.project.task_type)
    except FormatError as exc:
        raise DomainError(str(exc), field="format", code="invalid_dataset_request") from None
    if version.status == DatasetVersion.Status.FAILED and not version.rows.exists():
        raise Conflict(f"dataset v{version.number} failed before its snapshot: create a new version",
                       code="version_failed")  # fmt: skip
    export, created = DatasetExport.objects.get_or_create(version=version, format=fmt)
    if not created and export.status in (DatasetExport.Status.QUEUED, DatasetExport.Status.RUNNING):
        return export
    if not created and export.status == DatasetExport.Status.READY:
        return export
    DatasetExport.objects.filter(pk=export.pk).update(status=DatasetExport.Status.QUEUED, error="")
    export.refresh_from_db()
    if version.status != DatasetVersion.Status.BUILDING:
        from projects.actors import run_dataset_export

        transaction.on_commit(lambda: run_dataset_export.send(export.pk))
    return export


_ROWS = """
SELECT d.item_id, d.external_id, i.payload, d.value, d.confidence, d.split, d.source, d.annotator_ids{answers}
FROM projects_datasetitem d JOIN projects_item i ON i.id = d.item_id
WHERE d.version_id = %s ORDER BY d.item_id
"""
_ANSWERS = """,
  (SELECT json_agg(json_build_object('annotator', a.annotator_id, 'value', a.value) ORDER BY a.id)
   FROM projects_annotation a WHERE a.item_id = d.item_id AND a.status = 'accepted' AND a.kind = 'task')"""


def dataset_rows(version: DatasetVersion):
    """The version's rows in item order through a server-side cursor (a few thousand rows in memory at a time)."""
    sql = _ROWS.format(answers=_ANSWERS if version.include_answers else "")
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.itersize = FETCH
        cursor.execute(sql, [version.pk])
        for row in cursor:
            item_id, external_id, payload, value, confidence, split, source, annotators = row[:8]
            out = {
                "item_id": item_id, "external_id": external_id, "payload": json_column(payload),
                "value": json_column(value), "confidence": confidence, "split": split, "source": source,
                "annotators": json_column(annotators) or [],
            }  # fmt: skip
            if version.include_answers:
                out["answers"] = json_column(row[8]) or []
            yield out


class _Digesting:
    """Sink wrapper: sha256 and byte count of everything written, on the way to storage."""

    def __init__(self, sink):
        self.sink, self.hash, self.bytes = sink, hashlib.sha256(), 0

    def write(self, data) -> int:
        data = bytes(data)
        self.hash.update(data)
        self.bytes += len(data)
        return self.sink.write(data)


def _progress_key(export_id: int) -> str:
    return f"labelhub:export-progress:{connection.schema_name}:{export_id}"


def live_progress(export: DatasetExport) -> int:
    """Rows written so far by a running export. Kept in Redis: the export reads inside one long transaction (its
    server-side cursor needs it), so a progress column updated there would stay invisible until the end."""
    if export.status != DatasetExport.Status.RUNNING:
        return export.progress_rows
    value = get_redis().get(_progress_key(export.pk))
    return int(value) if value else 0


@dataclass
class _Progress:
    export_id: int
    rows: int = 0

    def tick(self, rows):
        key, redis = _progress_key(self.export_id), get_redis()
        redis.set(key, 0, ex=86_400)
        for row in rows:
            self.rows += 1
            if self.rows % PROGRESS_EVERY == 0:
                redis.set(key, self.rows, ex=86_400)
            yield row


def run_export(*, export_id: int) -> DatasetExport | None:
    """Write the file and then its manifest. Idempotent: a ready export is left alone; a retry starts over with a
    fresh upload (the half-written one was aborted). Storage errors (missing bucket, access denied) are final."""
    export = DatasetExport.objects.select_related("version__project").filter(pk=export_id).first()
    if export is None or export.status == DatasetExport.Status.READY:
        return export
    version = export.version
    DatasetExport.objects.filter(pk=export.pk).update(
        status=DatasetExport.Status.RUNNING, attempts=export.attempts + 1, progress_rows=0, error=""
    )
    key = export_key(export)
    progress = _Progress(export.pk)
    try:
        labels = current_ontology(version.project).label_names if version.project.current_ontology_id else ()
        with storage.BlobWriter(key) as blob:
            sink = _Digesting(blob)
            result = write_dataset(export.format, progress.tick(dataset_rows(version)), sink,
                                   task_type=version.project.task_type, labels=labels)  # fmt: skip
        manifest = _manifest(export, key, result, sink)
        storage.save_bytes(key + ".manifest.json", orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    except storage.StorageError as exc:
        _failed(export, str(exc.message))
        return export
    except Exception as exc:
        _failed(export, f"{type(exc).__name__}: {exc}")
        raise  # transient failures are retried by the actor
    DatasetExport.objects.filter(pk=export.pk).update(
        status=DatasetExport.Status.READY, key=key, manifest_key=key + ".manifest.json", manifest=manifest,
        rows=result.rows, bytes=sink.bytes, sha256=sink.hash.hexdigest(), progress_rows=result.rows,
        finished_at=timezone.now(),
    )  # fmt: skip
    from projects.services.datasets.snapshot import mark_ready_if_complete

    if not mark_ready_if_complete(version.pk):
        webhooks.emit("dataset.export.ready", {"project_id": version.project_id, "version": version.number,
                                               "format": export.format, "rows": result.rows})  # fmt: skip
    export.refresh_from_db()
    return export


def _manifest(export: DatasetExport, key: str, result, sink: _Digesting) -> dict:
    version = export.version
    return {
        "dataset": {"project_id": version.project_id, "version": version.number, "checksum": version.checksum,
                    "items": version.item_count, "splits": version.split_counts, "changes": version.changes},
        "file": {"key": key, "format": export.format, "rows": result.rows, "bytes": sink.bytes,
                 "sha256": sink.hash.hexdigest()},
        "schema": result.schema, "lineage": version.lineage, "written_at": timezone.now().isoformat(),
    }  # fmt: skip


def _failed(export: DatasetExport, message: str) -> None:
    from projects.services.datasets.snapshot import fail_version

    DatasetExport.objects.filter(pk=export.pk).update(status=DatasetExport.Status.FAILED, error=message[:5000],
                                                      finished_at=timezone.now())  # fmt: skip
    fail_version(export.version, f"{export.format} export failed: {message}")
    webhooks.emit("dataset.export.failed", {"project_id": export.version.project_id,
                                            "version": export.version.number, "format": export.format,
                                            "error": message})  # fmt: skip


@dataclass(frozen=True)
class DownloadTarget:
    url: str | None  # presigned S3 URL, or None: the API streams `key` from the local directory
    key: str
    token: str  # for this API's own time-limited link (works without the API key, like a presigned URL)
    expires_in: int


_SIGNER_SALT = "labelhub.dataset-download"


def download_target(export: DatasetExport) -> DownloadTarget:
    if export.status != DatasetExport.Status.READY:
        raise NotFound(f"the {export.format} file of dataset v{export.version.number} is {export.status}, not ready")
    seconds = settings.DATASET_URL_SECONDS
    token = signing.TimestampSigner(salt=_SIGNER_SALT).sign(f"{connection.schema_name}:{export.pk}")
    return DownloadTarget(url=storage.presigned_url(export.key, seconds), key=export.key, token=token,
                          expires_in=seconds)  # fmt: skip


class LinkExpired(DomainError):
    code = "link_expired"
    status = 410


def export_for_token(token: str) -> DatasetExport:
    """The export a download link names, if the link is genuine, for this tenant, and not expired."""
    signer = signing.TimestampSigner(salt=_SIGNER_SALT)
    try:
        value = signer.unsign(token, max_age=settings.DATASET_URL_SECONDS)
    except signing.SignatureExpired:
        raise LinkExpired(
            f"this download link expired (links last {settings.DATASET_URL_SECONDS} s): ask GET .../exports/<format>/ "
            "for a new one"
        ) from None
    except signing.BadSignature:
        raise Forbidden("this download link is not valid", code="bad_link") from None
    schema, _, export_id = value.rpartition(":")
    export = DatasetExport.objects.select_related("version").filter(pk=int(export_id)).first()
    if schema != connection.schema_name or export is None:
        raise Forbidden("this download link is not valid here", code="bad_link")
    return export
