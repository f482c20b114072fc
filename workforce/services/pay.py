"""Pay: the rate table, the append-only ledger, reversals for discarded work, and payout batches."""

import csv
import io
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from labelhub.errors import Conflict, DomainError
from labelhub.money import most_specific_amount, parse_money, project_or_platform, round_money
from workforce.models import (
    MAX_PAY_PER_LABEL,
    TIER_CHOICES,
    Annotator,
    Dispute,
    PayEntry,
    Payout,
    PayRate,
    Vendor,
)
from workforce.policy import platform_policy

TASK_TYPE_MAX = 20


# The platform's starting rate table (USD per accepted label), roughly proportional to the seconds a label takes.
DEFAULT_RATES = {
    "single_label": ("0.0200", "0.0300", "0.0800"),
    "multi_label": ("0.0300", "0.0450", "0.1000"),
    "spans": ("0.0600", "0.0900", "0.2000"),
    "boxes": ("0.0800", "0.1200", "0.2500"),
    "pairwise": ("0.0500", "0.0800", "0.2000"),
    "rating": ("0.0200", "0.0300", "0.0800"),
    "free_text": ("0.1000", "0.1500", "0.3000"),
}


class InvalidRate(DomainError):
    code = "invalid_pay_rate"


def parse_amount(raw, *, field: str = "amount") -> Decimal:
    return parse_money(raw, field=field, maximum=MAX_PAY_PER_LABEL, unit=" per label", error=InvalidRate)


@transaction.atomic
def set_pay_rate(
    *, tier: str, task_type: str, amount, tenant_id: int | None = None, project_id: int | None = None
) -> PayRate:
    """Create or change one rate. A (tenant, project) rate overrides the platform rate for that project only."""
    if tier not in dict(TIER_CHOICES):
        raise InvalidRate(f"unknown tier {tier!r}", field="tier")
    if not task_type or len(task_type) > TASK_TYPE_MAX:
        raise InvalidRate("task_type is required", field="task_type")
    if project_id is not None and tenant_id is None:
        raise InvalidRate("a project rate must name its tenant", field="tenant_id")
    value = parse_amount(amount)
    rate = (
        PayRate.objects.select_for_update()
        .filter(tier=tier, task_type=task_type, tenant_id=tenant_id, project_id=project_id)
        .first()
    )
    if rate is None:
        rate = PayRate(tier=tier, task_type=task_type, tenant_id=tenant_id, project_id=project_id)
    rate.amount = value
    rate.save()
    return rate


def seed_default_rates() -> int:
    """Create the platform rates that do not exist yet (never overwrites a rate someone set). Returns how many."""
    made = 0
    for task_type, amounts in DEFAULT_RATES.items():
        for (tier, _), amount in zip(TIER_CHOICES, amounts, strict=True):
            _, created = PayRate.objects.get_or_create(
                tier=tier, task_type=task_type, tenant_id=None, project_id=None, defaults={"amount": Decimal(amount)}
            )
            made += created
    return made


def rate_for(*, tier: str, task_type: str, tenant_id: int | None, project_id: int | None) -> Decimal:
    """The project's override if there is one, else the platform rate, else zero (and the console shows it)."""
    rows = PayRate.objects.filter(project_or_platform(tenant_id, project_id), tier=tier, task_type=task_type)
    return most_specific_amount(rows)


def write_label_pay(
    *, annotator: Annotator, tenant_id: int, project_id: int, task_type: str, annotation_id: int, with_bonus: bool
) -> list[PayEntry]:
    """Base pay (and the quality bonus) for one accepted annotation; idempotent on (tenant, annotation, kind)."""
    base = rate_for(tier=annotator.tier, task_type=task_type, tenant_id=tenant_id, project_id=project_id)
    common = {
        "annotator_id": annotator.pk, "vendor_id": annotator.vendor_id, "tenant_id": tenant_id,
        "project_id": project_id, "annotation_id": annotation_id, "tier": annotator.tier, "task_type": task_type,
    }  # fmt: skip
    entries = [PayEntry(**common, kind=PayEntry.Kind.BASE, amount=base)]
    if with_bonus and base > 0:
        bonus = round_money(base * platform_policy().bonus_share)
        entries.append(PayEntry(**common, kind=PayEntry.Kind.BONUS, amount=bonus))
    return PayEntry.objects.bulk_create(entries, ignore_conflicts=True)


_REVERSAL_OF = {PayEntry.Kind.BASE: PayEntry.Kind.BASE_REVERSAL, PayEntry.Kind.BONUS: PayEntry.Kind.BONUS_REVERSAL}


def reverse_pay(*, tenant_id: int, annotation_ids: list[int]) -> Decimal:
    """Cancel the pay of discarded annotations with negative entries (never edits the originals). Idempotent."""
    if not annotation_ids:
        return Decimal("0")
    originals = PayEntry.objects.filter(
        tenant_id=tenant_id, annotation_id__in=annotation_ids, kind__in=list(_REVERSAL_OF)
    )
    done = set(
        PayEntry.objects.filter(
            tenant_id=tenant_id, annotation_id__in=annotation_ids, kind__in=list(_REVERSAL_OF.values())
        ).values_list("annotation_id", "kind")
    )
    originals = [e for e in originals if (e.annotation_id, _REVERSAL_OF[e.kind]) not in done]
    reversals = [
        PayEntry(
            annotator_id=e.annotator_id,
            vendor_id=e.vendor_id,
            tenant_id=e.tenant_id,
            project_id=e.project_id,
            annotation_id=e.annotation_id,
            kind=_REVERSAL_OF[e.kind],
            tier=e.tier,
            task_type=e.task_type,
            amount=-e.amount,
            currency=e.currency,
        )
        for e in originals
    ]
    PayEntry.objects.bulk_create(reversals, ignore_conflicts=True)
    return -sum((e.amount for e in originals), Decimal("0"))


@transaction.atomic
def create_payout(*, vendor: Vendor, period_start: datetime, period_end: datetime, by_user_id: int | None) -> Payout:
    """Batch every unpaid entry of the vendor created in [start, end). Refused while disputes of the vendor's
    annotators raised before the period's end are open: paying first and settling later loses money one way."""
    if period_start >= period_end:
        raise DomainError("period_start must be before period_end", field="period_end", code="invalid_period")
    if period_end > timezone.now():
        raise DomainError("the period has not ended yet", field="period_end", code="period_not_over")
    open_disputes = Dispute.objects.filter(
        annotator__vendor=vendor, status=Dispute.Status.OPEN, created_at__lt=period_end
    ).values_list("id", flat=True)
    if open_disputes:
        ids = ", ".join(str(i) for i in sorted(open_disputes)[:10])
        raise Conflict(f"settle the open disputes first (ids {ids})", code="open_disputes")
    entries = PayEntry.objects.select_for_update().filter(
        vendor=vendor, payout__isnull=True, created_at__gte=period_start, created_at__lt=period_end
    )
    ids = list(entries.values_list("id", flat=True))
    if not ids:
        raise DomainError("no unpaid ledger entries in that period", field="period_start", code="nothing_to_pay")
    total = PayEntry.objects.filter(id__in=ids).aggregate(total=Sum("amount"))["total"]
    payout = Payout.objects.create(
        vendor=vendor, period_start=period_start, period_end=period_end, total=total, entries=len(ids),
        created_by_id=by_user_id,
    )  # fmt: skip
    PayEntry.objects.filter(id__in=ids).update(payout=payout)
    return payout


def payout_rows(payout: Payout) -> list[dict]:
    """One row per annotator of the batch: base, bonus, reversals and the net amount to pay."""
    per_kind = {k: Sum("amount", filter=Q(kind=k)) for k in PayEntry.Kind.values}
    rows = (
        PayEntry.objects.filter(payout=payout)
        .values("annotator_id", "annotator__user__email")
        .annotate(labels=Count("id", filter=Q(kind=PayEntry.Kind.BASE)), net=Sum("amount"), **per_kind)
        .order_by("annotator_id")
    )
    zero = Decimal("0")
    return [
        {
            "annotator_id": r["annotator_id"],
            "email": r["annotator__user__email"],
            "labels": r["labels"],
            "base": r["base"] or zero,
            "bonus": r["bonus"] or zero,
            "reversals": (r["base_reversal"] or zero) + (r["bonus_reversal"] or zero),
            "net": r["net"],
        }
        for r in rows
    ]


def payout_csv(payout: Payout) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["payout_id", "vendor", "period_start", "period_end", "annotator_id", "email", "labels", "base",
                     "bonus", "reversals", "net", "currency"])  # fmt: skip
    for row in payout_rows(payout):
        writer.writerow([
            payout.pk, payout.vendor.name, payout.period_start.isoformat(), payout.period_end.isoformat(),
            row["annotator_id"], row["email"], row["labels"], row["base"], row["bonus"], row["reversals"], row["net"],
            payout.currency,
        ])  # fmt: skip
    return out.getvalue()
