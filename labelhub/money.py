"""Money parsing shared by the pay ledger and billing: Decimal with four places, never floats."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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
