"""Billing background jobs (public schema): push prepaid credit not yet on the Stripe customer balance, report usage
to Stripe and suspend tenants with overdue invoices. The billing tick runs all three every few minutes; each is a
no-op in ledger-only mode or when idle."""

from labelhub.tasks import public_actor


@public_actor
def report_usage_actor(limit: int = 500) -> dict:
    from billing.stripe_sync import report_usage

    return report_usage(limit=limit)


@public_actor
def apply_credit_actor(limit: int = 100) -> dict:
    from billing.stripe_credit import apply_pending_credit

    return apply_pending_credit(limit=limit)


@public_actor
def suspend_overdue_actor() -> list[int]:
    from billing.stripe_sync import suspend_overdue

    return suspend_overdue()


TICK_SECONDS = 300


@public_actor(max_retries=0)
def billing_tick() -> None:
    """Every TICK_SECONDS: report usage, suspend overdue tenants and apply pending credit, then schedule the next
    tick. A Redis key makes sure only one tick chain runs however many workers start one (each worker start kicks
    it off)."""
    from labelhub.redis import get_redis

    if not get_redis().set("labelhub:billing-tick", "1", nx=True, ex=TICK_SECONDS - 5):
        return
    try:
        report_usage_actor.fn()
        suspend_overdue_actor.fn()
        apply_credit_actor.fn()  # order is free: Stripe applies the balance when it finalizes an invoice
    finally:
        billing_tick.send_with_options(delay=TICK_SECONDS * 1000)
