"""Billing background jobs (public schema): report usage to Stripe and suspend tenants with overdue invoices.
Schedule both periodically (e.g. every few minutes / hourly); both are no-ops in ledger-only mode or when idle."""

from labelhub.tasks import public_actor


@public_actor
def report_usage_actor(limit: int = 500) -> dict:
    from billing.stripe_sync import report_usage

    return report_usage(limit=limit)


@public_actor
def suspend_overdue_actor() -> list[int]:
    from billing.stripe_sync import suspend_overdue

    return suspend_overdue()
