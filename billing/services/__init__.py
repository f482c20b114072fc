"""Billing state changes and figures (public schema). Callers import from here; modules split by subject."""

from billing.services.budget import budget_state, release, reserve, set_budget
from billing.services.prices import extra_price_for, price_for, seed_default_prices, set_extra_price, set_price
from billing.services.quote import quote
from billing.services.usage import record_usage, unit_price_of

__all__ = [
    "budget_state", "extra_price_for", "price_for", "quote", "record_usage", "release", "reserve",
    "seed_default_prices", "set_budget", "set_extra_price", "set_price", "unit_price_of",
]  # fmt: skip

from billing.stripe_sync import is_suspended as is_suspended  # suspension gate for distribution
