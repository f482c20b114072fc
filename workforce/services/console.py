"""What vendor managers and annotators do to standings: pause, resume, promote, dispute."""

from django.db import transaction
from django.utils import timezone

from labelhub.errors import Conflict, DomainError, Forbidden, NotFound
from workforce.models import (
    TIER_CHOICES,
    TIER_RANK,
    Annotator,
    Dispute,
    Qualification,
    QualityEvent,
    VendorManager,
)


def managed_annotator(*, manager_user_id: int, annotator_id: int, for_update: bool = False) -> Annotator:
    """The annotator, if one of the manager's vendors employs them; another vendor's person is refused."""
    query = Annotator.objects.select_for_update() if for_update else Annotator.objects
    annotator = query.filter(pk=annotator_id).first()
    if annotator is None:
        raise NotFound(f"annotator {annotator_id} does not exist")
    if not VendorManager.objects.filter(user_id=manager_user_id, vendor_id=annotator.vendor_id).exists():
        raise Forbidden(f"annotator {annotator_id} works for a vendor you do not manage", code="not_your_annotator")
    return annotator


def _log(annotator: Annotator, kind: str, message: str, by: int, **where) -> None:
    QualityEvent.objects.create(annotator=annotator, kind=kind, message=message, by_user_id=by, **where)


@transaction.atomic
def pause_annotator(*, manager_user_id: int, annotator_id: int, reason: str = "") -> Annotator:
    """Stop serving the person any work on any project (their past work stays; an automatic quality pause is
    what discards work)."""
    annotator = managed_annotator(manager_user_id=manager_user_id, annotator_id=annotator_id, for_update=True)
    if annotator.status == Annotator.STATUS_REMOVED:
        raise Conflict("this annotator was removed", code="annotator_removed")
    annotator.status = Annotator.STATUS_PAUSED
    annotator.save(update_fields=["status"])
    _log(annotator, QualityEvent.Kind.PAUSED, reason or "paused by the vendor manager", manager_user_id)
    return annotator


@transaction.atomic
def resume_annotator(
    *, manager_user_id: int, annotator_id: int, tenant_id: int | None = None, project_id: int | None = None
) -> Annotator:
    """Resume the person everywhere, or (tenant and project given) lift an automatic pause on one project.

    A project resume starts a fresh evaluation window (gold and speed counters of the window restart), or the
    next gold answer would pause them again on the figures that paused them; lifetime totals are kept."""
    annotator = managed_annotator(manager_user_id=manager_user_id, annotator_id=annotator_id, for_update=True)
    if project_id is None:
        if annotator.status == Annotator.STATUS_REMOVED:
            raise Conflict("this annotator was removed", code="annotator_removed")
        if annotator.status == Annotator.STATUS_PAUSED:
            annotator.status = Annotator.STATUS_ACTIVE
            annotator.save(update_fields=["status"])
        _log(annotator, QualityEvent.Kind.RESUMED, "resumed by the vendor manager", manager_user_id)
        return annotator
    standing = (
        Qualification.objects.select_for_update()
        .filter(annotator=annotator, tenant_id=tenant_id, project_id=project_id)
        .first()
    )
    if standing is None:
        raise NotFound(f"annotator {annotator_id} has no standing in project {tenant_id}/{project_id}")
    if standing.status != Qualification.Status.PAUSED:
        raise Conflict(f"the annotator is {standing.status} in that project, not paused", code="not_paused")
    standing.status = Qualification.Status.QUALIFIED
    standing.status_reason = "resumed by the vendor manager"
    standing.gold_seen = standing.gold_correct = 0
    standing.labels_window = standing.fast_labels = standing.slow_labels = 0
    standing.speed_flagged = False
    standing.save()
    _log(annotator, QualityEvent.Kind.RESUMED, standing.status_reason, manager_user_id, tenant_id=tenant_id,
         project_id=project_id)  # fmt: skip
    return annotator


@transaction.atomic
def promote_annotator(*, manager_user_id: int, annotator_id: int, tier: str) -> Annotator:
    """Raise the tier (expert only ever happens here). Lowering a tier is not a promotion and is refused."""
    if tier not in dict(TIER_CHOICES):
        raise DomainError(f"unknown tier {tier!r}", field="tier", code="invalid_tier")
    annotator = managed_annotator(manager_user_id=manager_user_id, annotator_id=annotator_id, for_update=True)
    if TIER_RANK[tier] <= TIER_RANK[annotator.tier]:
        raise DomainError(f"the annotator is already {annotator.tier}; {tier} is not a promotion", field="tier",
                          code="not_a_promotion")  # fmt: skip
    old = annotator.tier
    annotator.tier = tier
    annotator.save(update_fields=["tier"])
    QualityEvent.objects.create(
        annotator=annotator, kind=QualityEvent.Kind.PROMOTED, message=f"promoted from {old} to {tier}",
        figures={"from": old, "to": tier, "gold_seen": annotator.gold_seen, "gold_correct": annotator.gold_correct},
        by_user_id=manager_user_id,
    )  # fmt: skip
    return annotator


def open_dispute(
    *, annotator: Annotator, reason: str, tenant_id: int | None = None, project_id: int | None = None,
    annotation_id: int | None = None,
) -> Dispute:  # fmt: skip
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("say what is wrong", field="reason", code="reason_required")
    if (
        annotation_id is not None
        and not annotator.pay_entries.filter(tenant_id=tenant_id, annotation_id=annotation_id).exists()
        and not annotator.gold_scores.filter(tenant_id=tenant_id, annotation_id=annotation_id).exists()
    ):
        raise NotFound(f"you have no paid or scored annotation {annotation_id} there")  # fmt: skip
    return Dispute.objects.create(
        annotator=annotator, tenant_id=tenant_id, project_id=project_id, annotation_id=annotation_id,
        reason=reason[:5000],
    )  # fmt: skip


@transaction.atomic
def settle_dispute(*, manager_user_id: int, dispute_id: int, accept: bool, resolution: str) -> Dispute:
    dispute = Dispute.objects.select_for_update().filter(pk=dispute_id).first()
    if dispute is None:
        raise NotFound(f"dispute {dispute_id} does not exist")
    managed_annotator(manager_user_id=manager_user_id, annotator_id=dispute.annotator_id)
    if dispute.status != Dispute.Status.OPEN:
        raise Conflict(f"dispute {dispute_id} is already {dispute.status}", code="dispute_closed")
    dispute.status = Dispute.Status.ACCEPTED if accept else Dispute.Status.REJECTED
    dispute.resolution = (resolution or "")[:5000]
    dispute.resolved_by_id = manager_user_id
    dispute.resolved_at = timezone.now()
    dispute.save()
    return dispute
