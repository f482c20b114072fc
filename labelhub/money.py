"""Money parsing shared by the pay ledger and billing: Decimal with four places, never floats."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db.models import Q

from labelhub.errors import DomainError

FOUR_PLACES = Decimal("0.0001")  # per-label amounts are often fractions of a cent


class InvalidAmount(DomainError):
    code = "invalid_amount"


def parse_money(
    raw, *, field: str = "amount", maximum: Decimal | int, unit: str = "", error: type[DomainError] = InvalidAmount
) -> Decimal:
    """A non-negative finite amount with at most four decimals, no larger than `maximum`; errors name `field`."""
    if isinstance(raw, float):
        raw = repr(raw)
    try:
        amount = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise error(f"{field} must be a number, got {raw!r}", field=field) from None
    if not amount.is_finite():
        raise error(f"{field} must be a finite number", field=field)
    if amount < 0:
        raise error(f"{field} cannot be negative ({amount})", field=field)
    if amount > maximum:
        raise error(f"{field} {amount}{unit} is above the {maximum} limit", field=field)
    if amount != amount.quantize(FOUR_PLACES):
        raise error(f"{field} has more than four decimals ({amount})", field=field)
    return amount.quantize(FOUR_PLACES)


def round_money(value: Decimal) -> Decimal:
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def project_or_platform(tenant_id: int | None, project_id: int | None) -> Q:
    """Rows of a rate table that apply to a project: its own override and the platform-wide row."""
    platform = Q(tenant_id__isnull=True, project_id__isnull=True)
    if tenant_id is None or project_id is None:
        return platform
    return platform | Q(tenant_id=tenant_id, project_id=project_id)


def most_specific_amount(rows) -> Decimal:
    """The project override's amount if among the rows, else the platform row's, else zero."""
    best = None
    for row in rows:
        if row.project_id is not None:
            return row.amount
        best = row.amount
    return best if best is not None else Decimal("0")
