"""The price book: what a client pays per final label (and per extra), with per-project overrides."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from billing.models import MAX_PRICE_PER_LABEL, ExtraPrice, PriceBook
from billing.services.money import InvalidAmount, parse_money
from labelhub.money import most_specific_amount, project_or_platform
from workforce.models import TIER_CHOICES

TASK_TYPE_MAX = 20

# The platform's starting price book (USD per final label): several annotators' pay per label plus margin.
DEFAULT_PRICES = {
    "single_label": ("0.1000", "0.1500", "0.4000"),
    "multi_label": ("0.1500", "0.2200", "0.5000"),
    "spans": ("0.3000", "0.4500", "1.0000"),
    "boxes": ("0.4000", "0.6000", "1.2500"),
    "pairwise": ("0.2500", "0.4000", "1.0000"),
    "rating": ("0.1000", "0.1500", "0.4000"),
    "free_text": ("0.5000", "0.7500", "1.5000"),
}
DEFAULT_EXTRAS = {"adjudication": "0.5000", "llm_prelabel": "0.0100", "local_prelabel": "0.0020", "audit": "0.0500"}


def _check_scope(tenant_id: int | None, project_id: int | None) -> None:
    if (tenant_id is None) != (project_id is None):
        raise InvalidAmount("an override names both its tenant and its project", field="project_id")


def _check_label_keys(task_type: str, tier: str) -> None:
    if tier not in dict(TIER_CHOICES):
        raise InvalidAmount(f"unknown tier {tier!r}", field="tier", code="invalid_price")
    if not task_type or len(task_type) > TASK_TYPE_MAX:
        raise InvalidAmount("task_type is required (at most 20 characters)", field="task_type", code="invalid_price")


def parse_price(raw, *, field: str = "amount") -> Decimal:
    return parse_money(raw, field=field, maximum=MAX_PRICE_PER_LABEL, unit=" per label")


@transaction.atomic
def set_price(
    *, task_type: str, tier: str, amount, tenant_id: int | None = None, project_id: int | None = None
) -> PriceBook:
    """Create or change one price-book row (platform row, or one project's override), in place."""
    _check_label_keys(task_type, tier)
    _check_scope(tenant_id, project_id)
    value = parse_price(amount)
    scope = {"task_type": task_type, "tier": tier, "tenant_id": tenant_id, "project_id": project_id}
    row = PriceBook.objects.select_for_update().filter(**scope).first() or PriceBook(**scope)
    row.amount = value
    row.save()
    return row


@transaction.atomic
def set_extra_price(*, kind: str, amount, tenant_id: int | None = None, project_id: int | None = None) -> ExtraPrice:
    if kind not in ExtraPrice.Kind.values:
        raise InvalidAmount(f"unknown extra price kind {kind!r}", field="kind", code="invalid_price")
    _check_scope(tenant_id, project_id)
    value = parse_price(amount)
    scope = {"kind": kind, "tenant_id": tenant_id, "project_id": project_id}
    row = ExtraPrice.objects.select_for_update().filter(**scope).first() or ExtraPrice(**scope)
    row.amount = value
    row.save()
    return row


def price_for(*, tenant_id: int | None, project_id: int | None, task_type: str, tier: str) -> Decimal:
    """Price per final label: the project's override, else the platform price, else zero."""
    rows = PriceBook.objects.filter(project_or_platform(tenant_id, project_id), task_type=task_type, tier=tier)
    return most_specific_amount(rows)


def extra_price_for(*, tenant_id: int | None, project_id: int | None, kind: str) -> Decimal:
    """Price of one extra (adjudication, pre-label, audit): override, else platform, else zero."""
    return most_specific_amount(ExtraPrice.objects.filter(project_or_platform(tenant_id, project_id), kind=kind))


def seed_default_prices() -> int:
    """Create the platform prices that do not exist yet (never overwrites a price someone set). Returns how many."""
    made = 0
    for task_type, amounts in DEFAULT_PRICES.items():
        for (tier, _), amount in zip(TIER_CHOICES, amounts, strict=True):
            _, created = PriceBook.objects.get_or_create(
                task_type=task_type, tier=tier, tenant_id=None, project_id=None, defaults={"amount": Decimal(amount)}
            )
            made += created
    for kind, amount in DEFAULT_EXTRAS.items():
        _, created = ExtraPrice.objects.get_or_create(
            kind=kind, tenant_id=None, project_id=None, defaults={"amount": Decimal(amount)}
        )
        made += created
    return made


def price_rows(*, tenant_id: int | None) -> dict:
    """Platform rows plus the overrides of one tenant (None: platform rows only)."""
    scope = project_or_platform(None, None) | (Q(tenant_id=tenant_id) if tenant_id is not None else Q(pk__in=[]))
    labels = PriceBook.objects.filter(scope).order_by("tenant_id", "project_id", "task_type", "tier")
    extras = ExtraPrice.objects.filter(scope).order_by("tenant_id", "project_id", "kind")
    return {"labels": list(labels), "extras": list(extras)}
