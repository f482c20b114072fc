"""Money parsing and rounding shared by the billing services (Decimal, four places, like the pay ledger)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from labelhub.errors import DomainError

FOUR_PLACES = Decimal("0.0001")
ZERO = Decimal("0")
MAX_MONEY = Decimal("9999999999.9999")  # what a Decimal(14, 4) column holds


class InvalidAmount(DomainError):
    code = "invalid_amount"


def parse_money(raw, *, field: str = "amount", maximum: Decimal | int = MAX_MONEY, unit: str = "") -> Decimal:
    """A non-negative finite amount with at most four decimals, no larger than `maximum`; errors name `field`."""
    if isinstance(raw, float):
        raw = repr(raw)
    try:
        amount = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise InvalidAmount(f"{field} must be a number, got {raw!r}", field=field) from None
    if not amount.is_finite():
        raise InvalidAmount(f"{field} must be a finite number", field=field)
    if amount < 0:
        raise InvalidAmount(f"{field} cannot be negative ({amount})", field=field)
    if amount > maximum:
        raise InvalidAmount(f"{field} {amount}{unit} is above the {maximum} limit", field=field)
    if amount != amount.quantize(FOUR_PLACES):
        raise InvalidAmount(f"{field} has more than four decimals ({amount})", field=field)
    return amount.quantize(FOUR_PLACES)


def round_money(value: Decimal) -> Decimal:
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
