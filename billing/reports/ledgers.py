"""Ledger queries shared by the project report and the vendor margins: usage by kind, pay rows, exact splits."""

from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from billing.models import UsageEvent
from billing.services.money import FOUR_PLACES, round_money
from workforce.models import PayEntry

K = UsageEvent.Kind
ZERO = Decimal("0.0000")  # money zero with the ledger's four places, so it prints as 0.0000
_PAY_KINDS = {k: Sum("amount", filter=Q(kind=k)) for k in PayEntry.Kind.values}
ACCEPTED = Count("id", filter=Q(kind=PayEntry.Kind.BASE)) - Count("id", filter=Q(kind=PayEntry.Kind.BASE_REVERSAL))


def ratio(money: Decimal, count) -> Decimal | None:
    """money / count to four places, or None when there is nothing to divide by."""
    return round_money(money / count) if count else None


def usage_of(tenant_id: int, project_id: int) -> QuerySet[UsageEvent]:
    return UsageEvent.objects.filter(tenant_id=tenant_id, project_id=project_id)


def usage_by_kind(tenant_id: int, project_id: int) -> dict[str, dict]:
    rows = (
        usage_of(tenant_id, project_id)
        .values("kind")
        .annotate(events=Count("id"), quantity=Sum("quantity"), amount=Sum("amount"))
    )
    found = {r["kind"]: {"events": r["events"], "quantity": r["quantity"], "amount": r["amount"]} for r in rows}
    return {k: found.get(k, {"events": 0, "quantity": 0, "amount": ZERO}) for k in K.values}


def pay_rows(entries: QuerySet[PayEntry], *group: str) -> list[dict]:
    """Accepted annotations (paid minus reversed) and net pay per group of pay-ledger rows."""
    rows = entries.values(*group).annotate(accepted=ACCEPTED, net=Sum("amount"), **_PAY_KINDS).order_by(*group)
    return [
        {
            **{g: r[g] for g in group}, "accepted_annotations": r["accepted"], "base": r["base"] or ZERO,
            "bonus": r["bonus"] or ZERO, "reversals": (r["base_reversal"] or ZERO) + (r["bonus_reversal"] or ZERO),
            "worker_pay": r["net"],
        }
        for r in rows
    ]  # fmt: skip


def allocate(total: Decimal, weights: dict) -> dict:
    """Split `total` over keys by integer weights, exactly, to 0.0001 (largest remainder, ties by key)."""
    units = int(total / FOUR_PLACES)
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        return dict.fromkeys(weights, ZERO)
    floors = {key: units * w // weight_sum for key, w in weights.items()}
    left = units - sum(floors.values())
    by_remainder = sorted(weights, key=lambda key: (-(units * weights[key] % weight_sum), key))
    for key in by_remainder[:left]:
        floors[key] += 1
    return {key: n * FOUR_PLACES for key, n in floors.items()}
