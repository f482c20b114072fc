"""Submitting and skipping leased tasks."""

from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from labelhub.db.rows import in_model_order, json_column
from labelhub.errors import Conflict, DomainError, NotFound
from projects.models import Annotation, Assignment, Item, OntologyVersion, Project
from projects.ontology import ValidationFailed, validate_value
from projects.services import budget, consensus, listing
from projects.services.distribution import SERVABLE, release_slot
from projects.services.ontology import lock_version, ontology_of
from projects.services.standing import account_answer
from workforce.models import Annotator


class AnnotationRejected(DomainError):
    code = "invalid_annotation"


_LEASE_FIELDS = in_model_order(
    Assignment, {"id", "project_id", "item_id", "annotator_id", "kind", "status", "ontology_version_id", "created_at"}
)
_LEASE_PROJECT_FIELDS = in_model_order(
    Project,
    {"id", "status", "task_type", "overlap_mode", "overlap_k", "overlap_min", "overlap_max", "target_confidence",
     "accuracy_floor", "gold_min_for_pause", "calibration_items", "calibration_pass_threshold", "calibration_attempts",
     "current_ontology_id", "budget", "min_tier"},
)  # fmt: skip
_LEASE_VERSION_FIELDS = in_model_order(OntologyVersion, {"id", "is_locked"})
_ITEM_FIELDS = in_model_order(
    Item,
    {"id", "payload", "status", "assigned_count", "annotation_count", "overlap_target", "is_gold", "gold",
     "gold_explanation"},
)  # fmt: skip
_LEASE_COLUMNS = [
    *(f"a.{f}" for f in _LEASE_FIELDS),
    *(f"p.{f}" for f in _LEASE_PROJECT_FIELDS),
    *(f"v.{f}" for f in _LEASE_VERSION_FIELDS),
]
_LEASE_FROM = (
    " FROM projects_assignment a JOIN projects_project p ON p.id = a.project_id"
    " JOIN projects_ontologyversion v ON v.id = a.ontology_version_id"
)
_LEASE_SQL = f"SELECT {', '.join(_LEASE_COLUMNS)}{_LEASE_FROM} WHERE a.id = %s AND a.annotator_id = %s FOR UPDATE OF a"
# Submit locks the lease and then its item (rows are locked in FROM order), in one round trip.
_LEASE_AND_ITEM_SQL = (
    f"SELECT {', '.join([*_LEASE_COLUMNS, *(f'i.{f}' for f in _ITEM_FIELDS)])}{_LEASE_FROM}"
    " JOIN projects_item i ON i.id = a.item_id WHERE a.id = %s AND a.annotator_id = %s FOR UPDATE OF a, i"
)


def _lease_from_row(row: tuple) -> Assignment:
    a, p = len(_LEASE_FIELDS), len(_LEASE_FIELDS) + len(_LEASE_PROJECT_FIELDS)
    lease = Assignment.from_db("default", _LEASE_FIELDS, row[:a])
    lease.project = Project.from_db("default", _LEASE_PROJECT_FIELDS, row[a:p])
    lease.ontology_version = OntologyVersion.from_db("default", _LEASE_VERSION_FIELDS, row[p:])
    return lease


def _own_lease_for_update(assignment_id: int, annotator_id: int) -> Assignment:
    """The caller's lease, row-locked (only the lease row: locking the project would serialise all submits).

    The ontology JSON is left deferred and loaded only when the parsed-ontology cache misses (see ontology_of)."""
    with connection.cursor() as cursor:
        cursor.execute(_LEASE_SQL, [assignment_id, annotator_id])
        row = cursor.fetchone()
    if row is None:  # not yours and not there look the same
        raise NotFound(f"no task {assignment_id} is assigned to you")
    return _lease_from_row(row)


def _own_lease_and_item_for_update(assignment_id: int, annotator_id: int) -> tuple[Assignment, Item]:
    """The caller's lease and its item's counters, both row-locked, lease first (the order every writer uses)."""
    with connection.cursor() as cursor:
        cursor.execute(_LEASE_AND_ITEM_SQL, [assignment_id, annotator_id])
        row = cursor.fetchone()
    if row is None:
        raise NotFound(f"no task {assignment_id} is assigned to you")
    split = len(row) - len(_ITEM_FIELDS)
    item_row = list(row[split:])
    for name in ("payload", "gold"):
        at = _ITEM_FIELDS.index(name)
        item_row[at] = json_column(item_row[at])
    return _lease_from_row(row[:split]), Item.from_db("default", _ITEM_FIELDS, item_row)


def _check_open(lease: Assignment) -> None:
    if lease.status == Assignment.Status.SUBMITTED:
        raise Conflict("this task was already submitted", code="already_submitted")
    if lease.status == Assignment.Status.SKIPPED:
        raise Conflict("this task was skipped", code="already_skipped")
    if lease.project.status not in SERVABLE:
        raise Conflict(f"the project is {lease.project.status}; submissions are closed", code="project_not_active")


def _validated_value(lease: Assignment, item: Item, value) -> dict:
    if not isinstance(value, dict):
        raise AnnotationRejected("value must be a JSON object", field="value")
    try:
        return validate_value(ontology_of(lease.ontology_version), value, item.payload)
    except ValidationFailed as exc:
        first = exc.errors[0]
        raise AnnotationRejected(
            first.message,
            field=f"value.{first.field}".rstrip("."),
            details=[{"field": e.field, "code": e.code, "message": e.message} for e in exc.errors],
        ) from None


_WRITE_ANSWER = """
WITH answer AS (
    INSERT INTO projects_annotation
        (assignment_id, project_id, item_id, annotator_id, kind, value, ontology_version_id, status, client_ms,
         server_ms, created_at)
    VALUES (%(lease)s, %(project)s, %(item)s, %(annotator)s, %(kind)s, %(value)s, %(version)s, 'accepted',
            %(client_ms)s, %(server_ms)s, %(now)s)
    RETURNING id
), closed AS (
    UPDATE projects_assignment SET status = 'submitted', closed_at = %(now)s WHERE id = %(lease)s
), counted AS (
    UPDATE projects_item
    SET assigned_count = %(assigned)s, annotation_count = %(answers)s, status = %(item_status)s, updated_at = %(now)s,
        overlap_target = %(overlap_target)s
    WHERE id = %(item)s AND %(counts)s
)
SELECT id FROM answer
"""


def _adaptive_target(lease: Assignment, item: Item, value: dict, annotator_id: int, tenant_id: int) -> int:
    """The item's overlap target after this answer under adaptive overlap (the earlier answers plus this one)."""
    earlier = list(
        Annotation.objects.filter(item_id=item.pk, status=Annotation.Status.ACCEPTED, kind="task").values_list(
            "annotator_id", "value"
        )
    )
    people = [a for a, _ in earlier] + [annotator_id]
    values = [v for _, v in earlier] + [value]
    return consensus.adaptive_target(
        project=lease.project, item=item, values=values, annotator_ids=people, tenant_id=tenant_id,
        label_names=ontology_of(lease.ontology_version).label_names,
    )  # fmt: skip


def submit_annotation(
    *, assignment_id: int, annotator_id: int, value, client_ms: int | None, annotator=None, tenant_id: int | None = None
) -> Annotation:
    """Close the lease with an answer. A late answer (lease expired) is taken only while a slot is still free;
    otherwise it is refused with `lease_lost` and nothing is written (the workspace keeps the answer).

    The workforce accounts for the answer in the same transaction (score, pay, speed, maybe a pause), so either
    everything is written or nothing. The returned annotation carries `feedback` (calibration only, else None).

    Hot path: one locking read (lease, then item: always in that order) and one statement for the writes."""
    if annotator is None:
        annotator = Annotator.objects.get(pk=annotator_id)
    if tenant_id is None:
        tenant_id = connection.tenant.pk
    with transaction.atomic():
        lease, item = _own_lease_and_item_for_update(assignment_id, annotator_id)
        _check_open(lease)
        clean = _validated_value(lease, item, value)
        now = timezone.now()
        counts = lease.kind == Assignment.Kind.TASK  # gold and calibration answers take no slot
        target = item.overlap_target or lease.project.default_overlap_target
        if counts and lease.status == Assignment.Status.EXPIRED:
            if item.status != Item.Status.OPEN or item.assigned_count >= target:
                raise Conflict(
                    "your time on this task ran out and another annotator took the slot; your answer was not saved",
                    code="lease_lost",
                )
            item.assigned_count += 1  # retake the slot the expiry gave back
        if counts:
            item.annotation_count += 1
            if item.annotation_count >= target and lease.project.overlap_mode == Project.Overlap.ADAPTIVE:
                target = item.overlap_target = _adaptive_target(lease, item, clean, annotator_id, tenant_id)
            if item.annotation_count >= target:
                item.status = Item.Status.COMPLETE
                project_id, item_id = lease.project_id, item.pk
                transaction.on_commit(lambda: listing.item_completed(project_id))
                transaction.on_commit(lambda: consensus.item_completed(project_id, item_id))
            elif item.assigned_count >= target:
                item.status = Item.Status.FULL
            else:
                item.status = Item.Status.OPEN  # adaptive overlap asked for one more annotator
        params = {
            "lease": lease.pk, "project": lease.project_id, "item": item.pk, "annotator": annotator_id,
            "kind": lease.kind, "value": Jsonb(clean), "version": lease.ontology_version_id,
            "client_ms": client_ms if client_ms is None or client_ms >= 0 else None,
            "server_ms": max(int((now - lease.created_at).total_seconds() * 1000), 0), "now": now,
            "assigned": item.assigned_count, "answers": item.annotation_count, "item_status": item.status,
            "counts": counts, "overlap_target": item.overlap_target,
        }  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(_WRITE_ANSWER, params)
            annotation_id = cursor.fetchone()[0]
        if not lease.ontology_version.is_locked:
            lock_version(version_id=lease.ontology_version_id)
        feedback = account_answer(
            lease=lease, item=item, annotation_id=annotation_id, value=clean,
            ontology=ontology_of(lease.ontology_version), annotator=annotator, tenant_id=tenant_id,
            client_ms=params["client_ms"], server_ms=params["server_ms"],
        )  # fmt: skip
    annotation = Annotation(
        pk=annotation_id,
        assignment_id=lease.pk,
        project_id=lease.project_id,
        item_id=item.pk,
        annotator_id=annotator_id,
        kind=lease.kind,
        value=clean,
        ontology_version_id=lease.ontology_version_id,
        status=Annotation.Status.ACCEPTED,
        client_ms=params["client_ms"],
        server_ms=params["server_ms"],
        created_at=now,
    )
    annotation.feedback = feedback
    return annotation


def skip_task(*, assignment_id: int, annotator_id: int, reason: str = "") -> Assignment:
    """Give the slot back; the item is never served to this annotator again."""
    with transaction.atomic():
        lease = _own_lease_for_update(assignment_id, annotator_id)
        if lease.status == Assignment.Status.SKIPPED:
            return lease
        _check_open(lease)
        was_active = lease.status == Assignment.Status.ACTIVE
        lease.status = Assignment.Status.SKIPPED
        lease.closed_at = timezone.now()
        lease.skip_reason = (reason or "")[:500]
        lease.save(update_fields=["status", "closed_at", "skip_reason"])
        if was_active and lease.kind == Assignment.Kind.TASK:
            release_slot(Item.objects.select_for_update().get(pk=lease.item_id))
            budget.release_leases(lease.project, budget.lease_share(lease.project))
    return lease
