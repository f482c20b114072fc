"""Read queries of the vendor console and the annotator's own figures (public schema only, no tenant visits)."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from workforce.models import (
    Annotator,
    Dispute,
    GoldScore,
    PayEntry,
    Payout,
    ProjectListing,
    Qualification,
    QualityEvent,
    VendorManager,
)
from workforce.stats import accuracy_figures, wilson_interval

ZERO = Decimal("0")


def managed_vendor_ids(*, user_id: int) -> list[int]:
    return list(VendorManager.objects.filter(user_id=user_id).values_list("vendor_id", flat=True))


def annotator_rows(*, vendor_ids: list[int], annotator_ids: list[int] | None = None) -> list[dict]:
    """One row per annotator of the vendors: quality, speed, throughput, earnings and flags."""
    people = Annotator.objects.filter(vendor_id__in=vendor_ids).select_related("user", "vendor").order_by("id")
    if annotator_ids is not None:
        people = people.filter(pk__in=annotator_ids)
    people = list(people)
    ids = [a.pk for a in people]
    standing = {
        r["annotator_id"]: r
        for r in Qualification.objects.filter(annotator_id__in=ids)
        .values("annotator_id")
        .annotate(
            labels=Sum("labels"),
            time_ms=Sum("time_ms_total"),
            fast=Sum("fast_labels"),
            slow=Sum("slow_labels"),
            flagged=Count("id", filter=Q(speed_flagged=True)),
            paused=Count("id", filter=Q(status=Qualification.Status.PAUSED)),
            blocked=Count("id", filter=Q(status=Qualification.Status.BLOCKED)),
            projects=Count("id"),
            compared=Sum("consensus_compared"),
            agreed=Sum(F("consensus_agreement") * F("consensus_compared")),
        )
    }
    since = timezone.now() - timedelta(hours=24)
    pay = {
        r["annotator_id"]: r
        for r in PayEntry.objects.filter(annotator_id__in=ids)
        .values("annotator_id")
        .annotate(
            earned=Sum("amount"),
            unpaid=Sum("amount", filter=Q(payout__isnull=True)),
            labels_24h=Count("id", filter=Q(kind=PayEntry.Kind.BASE, created_at__gte=since)),
        )
    }
    rows = []
    for a in people:
        s, p = standing.get(a.pk, {}), pay.get(a.pk, {})
        labels = s.get("labels") or 0
        rows.append({
            "id": a.pk, "email": a.user.email, "vendor": a.vendor.name, "vendor_id": a.vendor_id, "tier": a.tier,
            "status": a.status, "is_reviewer": a.is_reviewer, **accuracy_figures(a.gold_correct, a.gold_seen),
            "agreement_with_consensus": _share(s.get("agreed"), s.get("compared")), "consensus_compared": s.get("compared") or 0,
            "labels": labels, "labels_24h": p.get("labels_24h") or 0,
            "ms_per_label": round((s.get("time_ms") or 0) / labels) if labels else None,
            "fast_labels": s.get("fast") or 0, "slow_labels": s.get("slow") or 0,
            "earned": p.get("earned") or ZERO, "unpaid": p.get("unpaid") or ZERO,
            "flags": _flags(a, s), "projects": s.get("projects") or 0,
        })  # fmt: skip
    return rows


def _share(agreed, compared) -> float | None:
    return round(agreed / compared, 4) if compared and agreed is not None else None


def _flags(annotator: Annotator, standing: dict) -> list[str]:
    flags = []
    if standing.get("paused"):
        flags.append(f"paused on {standing['paused']} project(s)")
    if standing.get("blocked"):
        flags.append(f"failed calibration on {standing['blocked']} project(s)")
    if standing.get("flagged"):
        flags.append("too fast")
    if annotator.status == Annotator.STATUS_PAUSED:
        flags.append("paused by manager")
    return flags


def standings_of(*, annotator_id: int) -> list[dict]:
    """The annotator's standing per project, named from the public listing (no tenant schema is visited)."""
    rows = list(Qualification.objects.filter(annotator_id=annotator_id).order_by("tenant_id", "project_id"))
    names = {
        (x.tenant_id, x.project_id): x
        for x in ProjectListing.objects.filter(
            tenant_id__in={r.tenant_id for r in rows}, project_id__in={r.project_id for r in rows}
        )
    }
    out = []
    for q in rows:
        listing = names.get((q.tenant_id, q.project_id))
        out.append({
            "tenant_id": q.tenant_id, "project_id": q.project_id,
            "tenant": listing.tenant_name if listing else None, "project": listing.name if listing else None,
            "status": q.status, "reason": q.status_reason, "calibration_score": q.calibration_score,
            "attempts_failed": q.attempts_failed, "labels": q.labels,
            "ms_per_label": round(q.time_ms_total / q.labels) if q.labels else None,
            "fast_labels": q.fast_labels, "slow_labels": q.slow_labels, "speed_flagged": q.speed_flagged,
            "consensus_agreement": q.consensus_agreement, "consensus_compared": q.consensus_compared,
            "window": accuracy_figures(q.gold_correct, q.gold_seen), **accuracy_figures(q.gold_correct_total, q.gold_seen_total),
        })  # fmt: skip
    return out


def accuracy_timeline(*, annotator_id: int, days: int = 90) -> list[dict]:
    """Hidden-gold accuracy per day and cumulative (with its Wilson interval), for the console chart."""
    since = timezone.now() - timedelta(days=days)
    daily = (
        GoldScore.objects.filter(annotator_id=annotator_id, kind=GoldScore.Kind.GOLD, created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(seen=Count("id"), correct=Count("id", filter=Q(correct=True)))
        .order_by("day")
    )
    points, seen, correct = [], 0, 0
    for d in daily:
        seen += d["seen"]
        correct += d["correct"]
        low, high = wilson_interval(correct, seen)
        points.append({
            "day": d["day"].isoformat(), "seen": d["seen"], "correct": d["correct"],
            "accuracy": round(d["correct"] / d["seen"], 4), "cumulative": round(correct / seen, 4),
            "wilson_low": round(low, 4), "wilson_high": round(high, 4),
        })  # fmt: skip
    return points


def recent_events(*, annotator_id: int, limit: int = 50) -> list[QualityEvent]:
    return list(QualityEvent.objects.filter(annotator_id=annotator_id)[:limit])


def earnings_of(*, annotator_id: int) -> dict:
    entries = PayEntry.objects.filter(annotator_id=annotator_id)
    by_kind = dict(entries.values_list("kind").annotate(total=Sum("amount")))
    per_project = list(
        entries.values("tenant_id", "project_id")
        .annotate(total=Sum("amount"), labels=Count("id", filter=Q(kind=PayEntry.Kind.BASE)))
        .order_by("tenant_id", "project_id")
    )
    names = {(x.tenant_id, x.project_id): x.name for x in ProjectListing.objects.filter(
        project_id__in={p["project_id"] for p in per_project})}  # fmt: skip
    for p in per_project:
        p["project"] = names.get((p["tenant_id"], p["project_id"]))
    totals = entries.aggregate(total=Sum("amount"), unpaid=Sum("amount", filter=Q(payout__isnull=True)))
    return {
        "total": totals["total"] or ZERO, "unpaid": totals["unpaid"] or ZERO,
        "paid": (totals["total"] or ZERO) - (totals["unpaid"] or ZERO),
        "by_kind": {k: by_kind.get(k, ZERO) for k in PayEntry.Kind.values}, "per_project": per_project,
    }  # fmt: skip


def payouts_of(*, vendor_ids: list[int]) -> list[Payout]:
    return list(Payout.objects.filter(vendor_id__in=vendor_ids).select_related("vendor"))


def disputes_of(*, vendor_ids: list[int], open_only: bool = False) -> list[Dispute]:
    rows = Dispute.objects.filter(annotator__vendor_id__in=vendor_ids).select_related("annotator__user")
    if open_only:
        rows = rows.filter(status=Dispute.Status.OPEN)
    return list(rows.order_by("-created_at"))


def standing_by_project(annotator_id: int) -> dict[tuple[int, int], str]:
    """The annotator's status per (tenant_id, project_id), for marking listings on the annotator home."""
    rows = Qualification.objects.filter(annotator_id=annotator_id).values_list("tenant_id", "project_id", "status")
    return {(tenant_id, project_id): status for tenant_id, project_id, status in rows}
