"""Per-project budgets: a limit, what is spent and what is reserved for work in flight.

`reserve` is one conditional UPDATE, so concurrent callers can never reserve past the limit together; there is
no read-modify-write in Python anywhere in this module. `spent` may still exceed `limit` (see BudgetLedger).
"""

from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest, Now

from billing.models import BudgetLedger
from billing.services.money import ZERO, parse_money
from labelhub.errors import Conflict

_ENSURE = """
INSERT INTO {table} (tenant_id, project_id, budget_limit, spent, reserved, currency, updated_at)
VALUES (%s, %s, NULL, 0, 0, 'USD', now())
ON CONFLICT (tenant_id, project_id) DO NOTHING
"""

_RESERVE = """
UPDATE {table} SET reserved = reserved + %s, updated_at = now()
WHERE tenant_id = %s AND project_id = %s AND (budget_limit IS NULL OR spent + reserved + %s <= budget_limit)
RETURNING id
"""


def _table() -> str:
    return BudgetLedger._meta.db_table


def ensure_ledger(*, tenant_id: int, project_id: int) -> None:
    """Create the project's ledger row (no limit) unless it exists; safe under concurrent callers."""
    with connection.cursor() as cursor:
        cursor.execute(_ENSURE.format(table=_table()), [tenant_id, project_id])


@transaction.atomic
def set_budget(*, tenant_id: int, project_id: int, limit) -> BudgetLedger:
    """Set (or with None remove) the project's limit. A limit below what is already spent is refused (409);
    a limit below spent + reserved is accepted: work in flight finishes, new reservations fail."""
    value = None if limit is None else parse_money(limit, field="limit")
    ensure_ledger(tenant_id=tenant_id, project_id=project_id)
    ledger = BudgetLedger.objects.select_for_update().get(tenant_id=tenant_id, project_id=project_id)
    if value is not None and value < ledger.spent:
        raise Conflict(
            f"limit {value} is below what the project has already spent ({ledger.spent})",
            code="budget_below_spent", field="limit", details={"spent": str(ledger.spent)},
        )  # fmt: skip
    ledger.limit = value
    ledger.save(update_fields=["limit", "updated_at"])
    return ledger


def reserve(*, tenant_id: int, project_id: int, amount) -> bool:
    """Commit `amount` to work about to start. True when it fits (or the project has no limit), else False and
    nothing changes. One atomic UPDATE ... WHERE spent + reserved + amount <= limit: holds under concurrency."""
    value = parse_money(amount, field="amount")
    with transaction.atomic():
        ensure_ledger(tenant_id=tenant_id, project_id=project_id)
        with connection.cursor() as cursor:
            cursor.execute(_RESERVE.format(table=_table()), [value, tenant_id, project_id, value])
            return cursor.fetchone() is not None


def release(*, tenant_id: int, project_id: int, amount) -> None:
    """Give back a reservation whose work will not be billed (lease expired, item skipped). Never below zero."""
    value = parse_money(amount, field="amount")
    BudgetLedger.objects.filter(tenant_id=tenant_id, project_id=project_id).update(
        reserved=Greatest(F("reserved") - value, Value(Decimal("0"))), updated_at=Now()
    )


def budget_state(*, tenant_id: int, project_id: int) -> dict:
    """Limit, spent, reserved and what is left (None without a limit; negative if spend ran past the limit)."""
    ledger = BudgetLedger.objects.filter(tenant_id=tenant_id, project_id=project_id).first()
    limit = ledger.limit if ledger else None
    spent = ledger.spent if ledger else ZERO
    reserved = ledger.reserved if ledger else ZERO
    return {
        "tenant_id": tenant_id, "project_id": project_id, "limit": limit, "spent": spent, "reserved": reserved,
        "available": None if limit is None else limit - spent - reserved,
        "exhausted": limit is not None and spent + reserved >= limit,
        "currency": ledger.currency if ledger else "USD",
        "updated_at": ledger.updated_at.isoformat() if ledger else None,
    }  # fmt: skip
