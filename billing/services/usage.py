"""Usage events: the client-side ledger. Recording is idempotent and moves money from `reserved` to `spent`."""

from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest, Now

from billing.models import BudgetLedger, ExtraPrice, UsageEvent
from billing.services.budget import ensure_ledger
from billing.services.money import InvalidAmount, parse_money, round_money
from billing.services.prices import extra_price_for, price_for

DEFAULT_CURRENCY = "USD"
PRELABEL_BACKENDS = {"llm": ExtraPrice.Kind.LLM_PRELABEL, "local": ExtraPrice.Kind.LOCAL_PRELABEL}
_EXTRA_FOR_KIND = {
    UsageEvent.Kind.ADJUDICATION: ExtraPrice.Kind.ADJUDICATION,
    UsageEvent.Kind.AUDIT: ExtraPrice.Kind.AUDIT,
}

_INSERT = """
INSERT INTO {table} (tenant_id, project_id, kind, source_id, quantity, unit_price, amount, currency, task_type, tier,
                     created_at, reported_at, stripe_id)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now(), NULL, '')
ON CONFLICT (tenant_id, kind, source_id) DO NOTHING
RETURNING id
"""


def unit_price_of(
    *, tenant_id: int, project_id: int, kind: str, task_type: str, tier: str, prelabel_backend: str = "local"
) -> Decimal:
    """What one unit of a usage kind costs the client today (final label: the price book; others: extras)."""
    if kind == UsageEvent.Kind.FINAL_LABEL:
        return price_for(tenant_id=tenant_id, project_id=project_id, task_type=task_type, tier=tier)
    if kind == UsageEvent.Kind.PRELABEL:
        if prelabel_backend not in PRELABEL_BACKENDS:
            raise InvalidAmount(f"unknown pre-label backend {prelabel_backend!r}", field="prelabel_backend")
        extra = PRELABEL_BACKENDS[prelabel_backend]
    elif kind in _EXTRA_FOR_KIND:
        extra = _EXTRA_FOR_KIND[kind]
    else:
        raise InvalidAmount(f"unknown usage kind {kind!r}", field="kind", code="invalid_usage")
    return extra_price_for(tenant_id=tenant_id, project_id=project_id, kind=extra)


@transaction.atomic
def record_usage(
    *,
    tenant_id: int,
    project_id: int,
    kind: str,
    source_id: int,
    task_type: str,
    tier: str,
    quantity: int = 1,
    prelabel_backend: str = "local",
    release: Decimal | None = None,
) -> UsageEvent | None:
    """Record one billable event, priced now. INSERT ... ON CONFLICT DO NOTHING on (tenant, kind, source): a retry
    or a concurrent duplicate returns None and changes nothing. A new event adds its amount to the project's
    `spent` and releases its reservation (`release`, by default the event's amount; never below zero) in the
    same transaction, with single UPDATEs (no read-modify-write)."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidAmount("quantity must be a positive whole number", field="quantity", code="invalid_usage")
    unit = unit_price_of(
        tenant_id=tenant_id, project_id=project_id, kind=kind, task_type=task_type, tier=tier,
        prelabel_backend=prelabel_backend,
    )  # fmt: skip
    amount = round_money(unit * quantity)
    freed = amount if release is None else parse_money(release, field="release")
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT.format(table=UsageEvent._meta.db_table),
            [tenant_id, project_id, kind, source_id, quantity, unit, amount, DEFAULT_CURRENCY, task_type, tier],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    ensure_ledger(tenant_id=tenant_id, project_id=project_id)
    BudgetLedger.objects.filter(tenant_id=tenant_id, project_id=project_id).update(
        spent=F("spent") + amount, reserved=Greatest(F("reserved") - freed, Value(Decimal("0"))), updated_at=Now()
    )
    return UsageEvent.objects.get(pk=row[0])


def unreported_events(*, limit: int = 500) -> list[UsageEvent]:
    """Stripe seam: the oldest events not yet reported as metered usage (the billing-sync actor reads these)."""
    return list(UsageEvent.objects.filter(reported_at__isnull=True).order_by("created_at", "id")[:limit])
