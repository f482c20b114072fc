"""Task distribution: who gets which item next, leases, skips and expiry.

Correct under concurrency without serialising a project: the next item is chosen with
`FOR UPDATE SKIP LOCKED` over a partial index of open items, and the slot counter lives in the item row and
is changed in the same statement, so no two sessions can take the last slot of an item. Items whose slots are
all taken leave the index (status `full`), so next-task cost does not grow with the work already done.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from labelhub.db.rows import json_column, script_cursor
from labelhub.errors import Forbidden
from projects.models import Assignment, Item, Project
from projects.services import budget
from projects.services.standing import calibration_required, rules_for
from workforce import selectors as workforce
from workforce.models import Qualification
from workforce.services.standing import grade_calibration_now

STANDING_CALIBRATING = Qualification.Status.CALIBRATING
STANDING_QUALIFIED = Qualification.Status.QUALIFIED
STANDING_PAUSED = Qualification.Status.PAUSED
STANDING_BLOCKED = Qualification.Status.BLOCKED

MAX_HELD_LEASES = 2  # the task on screen + one prefetched
SERVABLE = {Project.Status.ACTIVE, Project.Status.CALIBRATING}
PAUSED_ANNOTATOR = {"paused", "removed"}


@dataclass(frozen=True)
class NoTask:
    reason: str
    message: str


def _refuse_if_not_allowed(project: Project, annotator) -> NoTask | None:
    if project.status not in SERVABLE:
        return NoTask("project_not_active", f"this project is {project.status}; no work is being handed out")
    if annotator.status in PAUSED_ANNOTATOR:
        return NoTask("paused", f"your account is {annotator.status}; contact your vendor manager")
    if not workforce.tier_allows(annotator_tier=annotator.tier, required_tier=project.min_tier):
        raise Forbidden(f"this project needs {project.min_tier} annotators or above", code="tier_too_low")
    return None


_READ = object()


def next_task(
    *, project: Project, annotator, tenant_id: int, exclude: tuple[int, ...] = (), standing=_READ
) -> Assignment | NoTask:
    """The lease the annotator should work on now: one already held, else calibration until qualified, else hidden
    gold at the project's rate, else the highest-priority open item they have never seen. `standing` is the
    annotator's Qualification (or None) when the caller read it with the project; otherwise it is read here."""
    refusal = _refuse_if_not_allowed(project, annotator)
    if refusal:
        return refusal
    if standing is _READ:
        standing = workforce.standing_of(annotator_id=annotator.pk, tenant_id=tenant_id, project_id=project.pk)
    refusal = _refuse_by_standing(standing)
    if refusal:
        return refusal
    now = timezone.now()
    held = _held_leases(project, annotator.pk, now)
    for lease in held:
        if lease.pk not in exclude:
            return lease
    if len(held) >= MAX_HELD_LEASES:
        return NoTask("lease_limit", "finish the tasks you hold first")
    needs_calibration = standing is None or standing.status == STANDING_CALIBRATING
    if needs_calibration and not workforce.is_qualified(
        standing=standing, calibration_required=calibration_required(project)
    ):
        return _calibration_task(project, annotator, tenant_id, standing, held, now, exclude)
    if project.gold_rate > 0 and random.random() < project.gold_rate:
        lease = _lease_gold(project, annotator.pk, now)
        if lease is not None:
            return lease
    if budget.tenant_suspended():
        return NoTask("billing_suspended", "this client's account is suspended for an unpaid invoice")
    share = budget.lease_share(project)
    if share is not None and not budget.reserve_lease(project, share):
        return NoTask("budget_exhausted", "this project has reached its budget; the client has been told")
    lease = _lease_open_item(project, annotator.pk, now, share)
    if lease is None:
        budget.release_leases(project, share)
    return lease or NoTask("no_work", "no more items for you in this project right now")


def _refuse_by_standing(standing) -> NoTask | None:
    if standing is None:
        return None
    if standing.status == STANDING_PAUSED:
        return NoTask("paused_for_project", f"you are paused on this project: {standing.status_reason}")
    if standing.status == STANDING_BLOCKED:
        return NoTask("calibration_failed", f"you did not pass this project's calibration ({standing.status_reason})")
    return None


def _calibration_task(project, annotator, tenant_id, standing, held, now, exclude) -> Assignment | NoTask:
    """A fresh gold item shown openly as calibration, until the attempt has its items. If the pool runs dry the
    attempt is graded on what was answered; with nothing answered there is nothing to grade and the person waits."""
    answered = standing.attempt_answered if standing else 0
    in_hand = sum(1 for lease in held if lease.kind == Assignment.Kind.CALIBRATION)
    if answered + in_hand >= project.calibration_items:
        return NoTask("calibration_pending", "finish the calibration items you hold first")
    lease = _lease_gold(project, annotator.pk, now, kind=Assignment.Kind.CALIBRATION)
    if lease is not None:
        return lease
    if in_hand == 0 and standing is not None and answered > 0:
        grade_calibration_now(standing=standing, rules=rules_for(project), annotator=annotator)
        fresh = workforce.standing_of(annotator_id=annotator.pk, tenant_id=tenant_id, project_id=project.pk)
        if fresh.status == STANDING_QUALIFIED:
            return next_task(project=project, annotator=annotator, tenant_id=tenant_id, exclude=exclude)
        return _refuse_by_standing(fresh) or NoTask(
            "no_calibration_items", "there are no calibration items left for you; ask your vendor manager"
        )
    return NoTask("no_calibration_items", "there are no calibration items left for you; ask your vendor manager")


_HELD = """
SELECT a.id, a.item_id, a.kind, a.ontology_version_id, a.created_at, a.expires_at, i.external_id, i.payload
FROM projects_assignment a JOIN projects_item i ON i.id = a.item_id
WHERE a.annotator_id = %(annotator)s AND a.project_id = %(project)s AND a.status = 'active' AND a.expires_at > %(now)s
ORDER BY a.id
"""


def _held_leases(project: Project, annotator_id: int, now) -> list[Assignment]:
    with connection.cursor() as cursor:
        cursor.execute(_HELD, {"annotator": annotator_id, "project": project.pk, "now": now})
        rows = cursor.fetchall()
    return [
        _lease(project, annotator_id, pk, (item_id, external_id, payload), kind, version_id, created, expires)
        for pk, item_id, kind, version_id, created, expires, external_id, payload in rows
    ]


def _lease(project, annotator_id, pk, item_row, kind, version_id, created, expires) -> Assignment:
    """An Assignment built from a row of the hot-path SQL (no second query for the item)."""
    item_id, external_id, payload = item_row
    payload = json_column(payload)
    lease = Assignment(
        pk=pk, project=project, item_id=item_id, annotator_id=annotator_id, kind=kind, status=Assignment.Status.ACTIVE,
        ontology_version_id=version_id, created_at=created, expires_at=expires,
    )  # fmt: skip
    lease.item = Item(pk=item_id, project_id=project.pk, external_id=external_id, payload=payload)
    return lease


def _new_lease(project: Project, item_id: int, annotator_id: int, kind: str, now) -> Assignment:
    return Assignment.objects.create(
        project=project,
        item_id=item_id,
        annotator_id=annotator_id,
        kind=kind,
        ontology_version_id=project.current_ontology_id,
        expires_at=now + timedelta(seconds=project.lease_seconds),
    )


# Pick, count and lease in one statement: one round trip, and the row lock is held for microseconds.
_PICK_OPEN = """
WITH picked AS (
    SELECT i.id FROM projects_item i
    WHERE i.project_id = %(project)s AND i.status = 'open' AND i.is_gold = false
      AND NOT EXISTS (SELECT 1 FROM projects_assignment a WHERE a.item_id = i.id AND a.annotator_id = %(annotator)s)
    ORDER BY i.priority DESC, i.id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
), counted AS (
    UPDATE projects_item i
    SET assigned_count = i.assigned_count + 1,
        status = CASE WHEN i.assigned_count + 1 >= COALESCE(i.overlap_target, %(k)s) THEN 'full' ELSE 'open' END,
        updated_at = now()
    FROM picked WHERE i.id = picked.id
    RETURNING i.id, i.external_id, i.payload
), leased AS (
    INSERT INTO projects_assignment
        (project_id, item_id, annotator_id, kind, status, ontology_version_id, created_at, expires_at, skip_reason)
    SELECT %(project)s, id, %(annotator)s, 'task', 'active', %(version)s, %(now)s, %(expires)s, '' FROM counted
    RETURNING id, item_id
)
SELECT leased.id, counted.id, counted.external_id, counted.payload FROM leased JOIN counted ON counted.id = leased.item_id
"""


def _lease_open_item(project: Project, annotator_id: int, now, share=None) -> Assignment | None:
    """Reclaim expired leases, then pick, count and lease, as one round trip: the three statements travel in one
    query string, which PostgreSQL runs as one transaction (or inside the caller's, when there is one)."""
    expires = now + timedelta(seconds=project.lease_seconds)
    params = {
        "project": project.pk, "annotator": annotator_id, "k": project.default_overlap_target,
        "version": project.current_ontology_id, "now": now, "expires": expires,
    }  # fmt: skip
    with script_cursor() as cursor:
        cursor.execute(_LEASE_SCRIPT, params)
        cursor.nextset()  # past set_config's result to the reclaim's: task leases expired per item
        expired = sum(n for (n,) in cursor.fetchall())
        cursor.nextset()  # the pick's result is the last of the three
        row = cursor.fetchone()
    budget.release_leases(project, share, expired)
    if row is None:
        return None
    kind, version = Assignment.Kind.TASK, project.current_ontology_id
    return _lease(project, annotator_id, row[0], row[1:], kind, version, now, expires)


_PICK_GOLD = """
SELECT i.id FROM projects_item i
WHERE i.project_id = %(project)s AND i.is_gold = true
  AND NOT EXISTS (SELECT 1 FROM projects_assignment a WHERE a.item_id = i.id AND a.annotator_id = %(annotator)s)
ORDER BY md5(i.id::text || ':' || %(annotator)s::text)
LIMIT 1
"""


def _lease_gold(project: Project, annotator_id: int, now, kind: str = Assignment.Kind.GOLD) -> Assignment | None:
    """Gold items take no slot (any number of annotators answer them); the order is shuffled per annotator
    so that people cannot trade the answers of 'the next gold item'. Calibration draws from the same pool."""
    with connection.cursor() as cursor:
        cursor.execute(_PICK_GOLD, {"project": project.pk, "annotator": annotator_id})
        row = cursor.fetchone()
    if row is None:
        return None
    try:
        with transaction.atomic():
            return _new_lease(project, row[0], annotator_id, kind, now)
    except IntegrityError:  # a concurrent request of the same person took it first
        return None


_RECLAIM = """
WITH expired AS (
    UPDATE projects_assignment SET status = 'expired', closed_at = now()
    WHERE id IN (
        SELECT id FROM projects_assignment
        WHERE project_id = %(project)s AND status = 'active' AND expires_at < %(now)s
        ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED
    )
    RETURNING item_id, kind
), freed AS (
    SELECT item_id, count(*) AS n FROM expired WHERE kind <> 'gold' GROUP BY item_id
)
UPDATE projects_item i
SET assigned_count = i.assigned_count - freed.n,
    status = CASE WHEN i.status = 'full' THEN 'open' ELSE i.status END,
    updated_at = now()
FROM freed WHERE i.id = freed.item_id
RETURNING freed.n
"""


# Expired leases are reclaimed by the same script that takes a new one. The cut-off is the application clock, like
# `expires_at` itself (SQL now() is the transaction's start). A lease is soft state: if the server crashed in the
# next milliseconds, the annotator would simply ask again, so the lease transaction does not wait for its WAL
# flush (synchronous_commit off, for this transaction only).
_LEASE_SCRIPT = f"SELECT set_config('synchronous_commit', 'off', true); {_RECLAIM}; {_PICK_OPEN}"


def release_slot(item: Item) -> None:
    """Give back one slot of a locked item row (skip, or a lease that ends without an answer)."""
    item.assigned_count = max(item.assigned_count - 1, 0)
    if item.status == Item.Status.FULL:
        item.status = Item.Status.OPEN
    item.updated_at = timezone.now()
    item.save(update_fields=["assigned_count", "status", "updated_at"])
