"""Snapshotting a project's final labels into an immutable dataset version, with stable splits and lineage."""

import hashlib
from datetime import datetime

import orjson
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from labelhub.errors import DomainError
from projects.formats import FormatError, check_format
from projects.models import DatasetExport, DatasetItem, DatasetVersion, OntologyVersion, Project
from projects.services import webhooks

SPLITS = ("train", "validation", "test")
SPLIT_SHARES = (0.8, 0.1, 0.1)
DEFAULT_FORMATS = ("jsonl",)


class DatasetRequestInvalid(DomainError):
    code = "invalid_dataset_request"


def _where(filters: dict) -> tuple[str, dict]:
    """SQL conditions over consensus c / item i for the version's filters (values bound, never formatted in)."""
    clauses, params = [], {}
    if filters.get("min_confidence") is not None:
        clauses.append("COALESCE(c.confidence, 0) >= %(min_confidence)s")
        params["min_confidence"] = float(filters["min_confidence"])
    if filters.get("labels"):
        clauses.append(
            "(c.value->>'label' = ANY(%(labels)s) OR c.value->>'choice' = ANY(%(labels)s)"
            " OR c.value->'labels' ?| %(labels)s)"
        )
        params["labels"] = list(filters["labels"])
    for name, op in (("since", ">="), ("until", "<")):
        if filters.get(name):
            clauses.append(f"c.updated_at {op} %({name})s")
            params[name] = filters[name]
    if filters.get("splits"):
        clauses.append(f"{_SPLIT_SQL} = ANY(%(splits)s)")
        params["splits"] = list(filters["splits"])
    return (" AND " + " AND ".join(clauses)) if clauses else "", params


# The split is a function of the item id alone (md5 of the id, first 32 bits as a fraction), so an item keeps its
# split in every version and a new version never leaks test items into train.
_FRACTION_SQL = "(('x' || substr(md5(i.id::text), 1, 8))::bit(32)::bigint / 4294967296.0)"
_SPLIT_SQL = (
    f"(CASE WHEN {_FRACTION_SQL} < {SPLIT_SHARES[0]} THEN 'train' "
    f"WHEN {_FRACTION_SQL} < {SPLIT_SHARES[0] + SPLIT_SHARES[1]} THEN 'validation' ELSE 'test' END)"
)
_FINAL = "i.project_id = %(project)s AND i.status = 'final' AND i.is_gold = false"


def split_of(item_id: int) -> str:
    """The same rule in Python (tests and clients use it to check stability)."""
    fraction = int(hashlib.md5(str(item_id).encode()).hexdigest()[:8], 16) / 2**32
    return SPLITS[0] if fraction < SPLIT_SHARES[0] else SPLITS[1] if fraction < sum(SPLIT_SHARES[:2]) else SPLITS[2]


def _clean_filters(filters: dict) -> dict:
    allowed = {"splits", "min_confidence", "labels", "since", "until"}
    unknown = set(filters) - allowed
    if unknown:
        raise DatasetRequestInvalid(f"unknown filter {sorted(unknown)[0]!r}", field=f"filters.{sorted(unknown)[0]}")
    clean = dict(filters)
    if clean.get("splits") and not set(clean["splits"]) <= set(SPLITS):
        raise DatasetRequestInvalid(f"splits must be among {', '.join(SPLITS)}", field="filters.splits")
    confidence = clean.get("min_confidence")
    if confidence is not None and not (isinstance(confidence, int | float) and 0 <= confidence <= 1):
        raise DatasetRequestInvalid("min_confidence must be a number from 0 to 1", field="filters.min_confidence")
    if clean.get("labels") is not None and not (
        isinstance(clean["labels"], list) and all(isinstance(x, str) for x in clean["labels"])
    ):
        raise DatasetRequestInvalid("labels must be a list of label names", field="filters.labels")
    for name in ("since", "until"):
        if clean.get(name):
            try:
                clean[name] = datetime.fromisoformat(str(clean[name])).isoformat()
            except ValueError:
                raise DatasetRequestInvalid(
                    f"{name} must be an ISO date or datetime", field=f"filters.{name}"
                ) from None
    return clean


def matching_count(project: Project, filters: dict, include_prelabels: bool = False) -> int:
    where, params = _where(filters)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM projects_item i JOIN projects_consensus c ON c.item_id = i.id "
            f"WHERE {_FINAL} AND (%(prelabels)s OR c.method NOT LIKE 'prelabel%%'){where}",
            {"project": project.pk, "prelabels": include_prelabels, **params},
        )
        return cursor.fetchone()[0]


def create_version(
    *, project: Project, filters: dict | None = None, formats=DEFAULT_FORMATS, include_prelabels: bool = False,
    include_answers: bool = False, user_id: int | None = None,
) -> DatasetVersion:  # fmt: skip
    """Validate the request, number the version and queue its snapshot and exports. Refused (nothing written)
    when a format does not fit the task type or no final label matches."""
    filters = _clean_filters(filters or {})
    formats = list(dict.fromkeys(formats or DEFAULT_FORMATS))
    for fmt in formats:
        try:
            check_format(fmt, project.task_type)
        except FormatError as exc:
            raise DatasetRequestInvalid(str(exc), field="formats") from None
    if matching_count(project, filters, include_prelabels) == 0:
        raise DatasetRequestInvalid(
            "no final labels match: the project has none yet, or the filters exclude them all", field="filters",
            code="empty_dataset",
        )  # fmt: skip
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=project.pk).first()  # numbers are handed out one at a time
        number = (DatasetVersion.objects.filter(project=project).aggregate(n=Max("number"))["n"] or 0) + 1
        version = DatasetVersion.objects.create(
            project=project, number=number, filters=filters, include_prelabels=include_prelabels,
            include_answers=include_answers, created_by_id=user_id,
        )  # fmt: skip
        DatasetExport.objects.bulk_create(DatasetExport(version=version, format=fmt) for fmt in formats)
        transaction.on_commit(lambda: _enqueue_build(version.pk))
    return version


def _enqueue_build(version_id: int) -> None:
    from projects.actors import build_dataset

    build_dataset.send(version_id)


_SNAPSHOT = f"""
INSERT INTO projects_datasetitem
    (version_id, item_id, external_id, value, confidence, split, source, annotator_ids, ontology_version_id)
SELECT %(version)s, i.id, i.external_id, c.value, c.confidence, {_SPLIT_SQL},
       CASE WHEN c.status = 'adjudicated' THEN 'adjudicated' WHEN c.method LIKE 'prelabel%%' THEN 'prelabel'
            ELSE 'consensus' END, c.annotator_ids,
       c.ontology_version_id
FROM projects_item i JOIN projects_consensus c ON c.item_id = i.id
WHERE {_FINAL} AND c.value IS NOT NULL AND (%(prelabels)s OR c.method NOT LIKE 'prelabel%%')"""


def build_version(*, version_id: int) -> DatasetVersion | None:
    """Take the snapshot (idempotent: a retry replaces a half-taken one), record lineage, checksum and changes,
    then queue the exports."""
    version = DatasetVersion.objects.select_related("project").filter(pk=version_id).first()
    if version is None or version.status != DatasetVersion.Status.BUILDING:
        return version
    project = version.project
    where, params = _where(version.filters)
    with transaction.atomic():
        DatasetItem.objects.filter(version=version).delete()
        with connection.cursor() as cursor:
            cursor.execute(_SNAPSHOT + where, {"version": version.pk, "project": project.pk,
                                               "prelabels": version.include_prelabels, **params})  # fmt: skip
        version.item_count = DatasetItem.objects.filter(version=version).count()
        version.split_counts = _split_counts(version)
        version.checksum = _checksum(version)
        version.lineage = _lineage(version)
        version.changes = _changes(version)
        version.save()
    if version.item_count == 0:
        fail_version(version, "no final labels matched when the snapshot was taken")
        return version
    from projects.actors import run_dataset_export

    for export in version.exports.filter(status=DatasetExport.Status.QUEUED):
        transaction.on_commit(lambda export_id=export.pk: run_dataset_export.send(export_id))
    return version


def _split_counts(version: DatasetVersion) -> dict:
    rows = DatasetItem.objects.filter(version=version).values_list("split").order_by()
    return dict(rows.annotate(n=Count("id")))


def _checksum(version: DatasetVersion) -> str:
    """sha256 over the rows in item order ("item_id<TAB>value JSON<TAB>split" lines): equal snapshots, equal sums."""
    digest = hashlib.sha256()
    rows = DatasetItem.objects.filter(version=version).order_by("item_id").values_list("item_id", "value", "split")
    for item_id, value, split in rows.iterator(chunk_size=10_000):
        digest.update(b"%d\t%s\t%s\n" % (item_id, orjson.dumps(value, option=orjson.OPT_SORT_KEYS), split.encode()))
    return digest.hexdigest()


def _lineage(version: DatasetVersion) -> dict:
    project = version.project
    version_ids = set(
        DatasetItem.objects.filter(version=version).values_list("ontology_version_id", flat=True).distinct()
    )
    numbers = sorted(OntologyVersion.objects.filter(pk__in=version_ids - {None}).values_list("number", flat=True))
    return {
        "project": {"id": project.pk, "name": project.name, "task_type": project.task_type},
        "ontology_versions": numbers,
        "aggregation": {"method": project.aggregation, "target_confidence": project.target_confidence,
                        "overlap": {"mode": project.overlap_mode, "k": project.overlap_k, "min": project.overlap_min,
                                    "max": project.overlap_max}},
        "split_rule": {"hash": "md5(item id), first 32 bits / 2^32", "shares": dict(zip(SPLITS, SPLIT_SHARES,
                                                                                        strict=True))},
        "filters": version.filters, "include_prelabels": version.include_prelabels,
        "include_answers": version.include_answers, "created_by": version.created_by_id,
        "created_at": version.created_at.isoformat(),
        "annotators_per_item": "the `annotators` field of each row",
    }  # fmt: skip


def _changes(version: DatasetVersion) -> dict:
    previous = (
        DatasetVersion.objects.filter(project=version.project, number__lt=version.number)
        .exclude(status=DatasetVersion.Status.FAILED)
        .order_by("-number")
        .first()
    )
    if previous is None:
        return {"previous": None, "added": version.item_count, "removed": 0, "relabelled": 0}
    sql = """
    SELECT
      (SELECT count(*) FROM projects_datasetitem n WHERE n.version_id = %(new)s
         AND NOT EXISTS (SELECT 1 FROM projects_datasetitem o WHERE o.version_id = %(old)s AND o.item_id = n.item_id)),
      (SELECT count(*) FROM projects_datasetitem o WHERE o.version_id = %(old)s
         AND NOT EXISTS (SELECT 1 FROM projects_datasetitem n WHERE n.version_id = %(new)s AND n.item_id = o.item_id)),
      (SELECT count(*) FROM projects_datasetitem n JOIN projects_datasetitem o
         ON o.item_id = n.item_id AND o.version_id = %(old)s WHERE n.version_id = %(new)s AND o.value <> n.value)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"new": version.pk, "old": previous.pk})
        added, removed, relabelled = cursor.fetchone()
    return {"previous": previous.number, "added": added, "removed": removed, "relabelled": relabelled}


def fail_version(version: DatasetVersion, message: str) -> None:
    if version.status == DatasetVersion.Status.READY:
        return
    DatasetVersion.objects.filter(pk=version.pk).update(status=DatasetVersion.Status.FAILED, error=message[:5000])
    webhooks.emit("dataset.failed", {"project_id": version.project_id, "version": version.number, "error": message})


def mark_ready_if_complete(version_id: int) -> bool:
    """Ready only when every requested export (file and manifest) is complete. Emits `dataset.ready` once."""
    with transaction.atomic():
        version = DatasetVersion.objects.select_for_update().get(pk=version_id)
        if version.status == DatasetVersion.Status.READY:
            return False
        if version.exports.exclude(status=DatasetExport.Status.READY).exists():
            return False
        version.status, version.ready_at, version.error = DatasetVersion.Status.READY, timezone.now(), ""
        version.save(update_fields=["status", "ready_at", "error"])
        payload = {
            "project_id": version.project_id, "version": version.number, "items": version.item_count,
            "checksum": version.checksum,
            "exports": [{"format": e.format, "rows": e.rows, "bytes": e.bytes, "sha256": e.sha256}
                        for e in version.exports.all()],
        }  # fmt: skip
        webhooks.emit("dataset.ready", payload)
    return True
