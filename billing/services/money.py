"""Money parsing and rounding shared by the billing services (Decimal, four places, like the pay ledger)."""

from decimal import Decimal

from labelhub import money as shared
from labelhub.money import FOUR_PLACES, InvalidAmount, round_money

__all__ = ["FOUR_PLACES", "MAX_MONEY", "ZERO", "InvalidAmount", "parse_money", "round_money"]

ZERO = Decimal("0")
MAX_MONEY = Decimal("9999999999.9999")  # what a Decimal(14, 4) column holds


def parse_money(raw, *, field: str = "amount", maximum: Decimal | int = MAX_MONEY, unit: str = "") -> Decimal:
    """A non-negative finite amount with at most four decimals, no larger than `maximum`; errors name `field`."""
    return shared.parse_money(raw, field=field, maximum=maximum, unit=unit)
