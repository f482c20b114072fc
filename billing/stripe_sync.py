"""Stripe sync: customers, usage reported as invoice items, Checkout for prepaid credit, the customer portal,
suspension for non-payment and the billing state a client sees.

Settings (read with defaults so an unconfigured deployment works): STRIPE_API_KEY (empty: ledger-only mode, every
Stripe call is a no-op returning {"status": "ledger-only"}), STRIPE_WEBHOOK_SECRET, STRIPE_API_BASE (default
Stripe's), BILLING_GRACE_DAYS (default 14). The usage ledger (UsageEvent) stays the source of truth either way.

Why invoice items and not Billing Meter events: every UsageEvent is already priced by our price book when it
happened (exact Decimal, often fractions of a cent, never re-priced). A meter only counts quantities and Stripe
would price them again from its own Price objects, which would have to mirror every per-project override and
would re-price history whenever a price changed. An invoice item carries our price as-is: `quantity` and
`unit_amount_decimal` (cents, up to 12 decimal places, so 0.0020 USD is "0.2000") give exactly the event's amount.
Each item is created with `idempotency_key=f"usage-{event.id}"`, so a retry after a crash between the Stripe call
and marking the event reported returns the same item instead of charging twice (Stripe keeps keys 24 h; the
reporting actor runs far more often than that). A retry later than IDEMPOTENCY_TRUST after the first attempt (a
worker that crashed and stayed down, Stripe unreachable for a day) cannot rely on the key: it first lists the
customer's invoice items created since that attempt and adopts the one carrying the event's id.

Credit bought through Checkout lives in billing.stripe_credit, webhook handling in billing.stripe_webhooks.
"""

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import stripe
from django.conf import settings
from django.utils import timezone

from billing.models import StripeCustomer, StripeInvoice, TenantBillingState, UsageEvent
from tenants.models import Client

log = logging.getLogger(__name__)

LEDGER_ONLY = "ledger-only"
OK = "ok"
DEFAULT_API_BASE = "https://api.stripe.com"
DEFAULT_GRACE_DAYS = 14
CENTS = Decimal(100)
# Stripe prunes idempotency keys once they are 24 h old; an hour of margin for slow retries and clock drift.
IDEMPOTENCY_TRUST = timedelta(hours=23)
CLOCK_SKEW = timedelta(hours=1)  # our clock against Stripe's `created` timestamps, when searching after a retry


def _api_key() -> str:
    return getattr(settings, "STRIPE_API_KEY", None) or ""


def grace_days() -> int:
    return int(getattr(settings, "BILLING_GRACE_DAYS", DEFAULT_GRACE_DAYS))


def enabled() -> bool:
    """False in ledger-only mode (no STRIPE_API_KEY): usage is recorded but never sent anywhere."""
    return bool(_api_key())


def ledger_only() -> dict:
    return {"status": LEDGER_ONLY, "detail": "Stripe is not configured (STRIPE_API_KEY empty): ledger-only mode"}


def stripe_client() -> stripe.StripeClient:
    base = getattr(settings, "STRIPE_API_BASE", None) or DEFAULT_API_BASE
    # Network retries resend the same idempotency key, so they are safe.
    return stripe.StripeClient(_api_key(), base_addresses={"api": base}, max_network_retries=2)


def key_may_be_forgotten(first_attempt: datetime | None, now: datetime) -> bool:
    """True when an earlier attempt may have reached Stripe under an idempotency key Stripe no longer remembers:
    the caller must look for what that attempt created before sending again."""
    return first_attempt is not None and now - first_attempt > IDEMPOTENCY_TRUST


def listed_since(list_page, since: datetime, **params) -> Iterator:
    """Every object of a Stripe list created since `since` (minus CLOCK_SKEW), newest first, page after page."""
    params = {**params, "created": {"gte": int((since - CLOCK_SKEW).timestamp())}, "limit": 100}
    while True:
        page = list_page(params=params)
        yield from page.data
        if not page.has_more or not page.data:
            return
        params = {**params, "starting_after": page.data[-1].id}


def metadata_of(obj) -> dict:
    return obj.metadata.to_dict() if getattr(obj, "metadata", None) else {}


# --- customers -------------------------------------------------------------------------------------------------


def customer_of(client: stripe.StripeClient, tenant_id: int) -> str:
    """The tenant's Stripe customer id, created on first use (the idempotency key per tenant covers a crash
    between Stripe's answer and saving it)."""
    existing = StripeCustomer.objects.filter(tenant_id=tenant_id).values_list("customer_id", flat=True).first()
    if existing:
        return existing
    tenant = Client.objects.get(pk=tenant_id)
    customer = client.v1.customers.create(
        params={"name": tenant.name, "metadata": {"tenant_id": str(tenant.id), "slug": tenant.slug}},
        options={"idempotency_key": f"customer-{tenant.id}"},
    )
    row, _ = StripeCustomer.objects.get_or_create(tenant_id=tenant.id, defaults={"customer_id": customer.id})
    return row.customer_id


def ensure_customer(tenant: Client) -> dict:
    """The tenant's Stripe customer, created once."""
    if not enabled():
        return ledger_only()
    return {"status": OK, "customer_id": customer_of(stripe_client(), tenant.id)}


# --- usage -----------------------------------------------------------------------------------------------------


def _after_item_created(event: UsageEvent, item_id: str) -> None:
    """Test seam: runs between the Stripe call and marking the event reported (a crash here must not double-bill)."""


def _item_params(event: UsageEvent, customer: str) -> dict:
    return {
        "customer": customer,
        "currency": event.currency.lower(),
        "quantity": event.quantity,
        "unit_amount_decimal": str(event.unit_price * CENTS),
        "description": f"{event.kind} x{event.quantity} ({event.task_type}, {event.tier}), "
        f"project {event.project_id}, source {event.source_id}",
        "metadata": {
            "usage_event_id": str(event.id),
            "tenant_id": str(event.tenant_id),
            "project_id": str(event.project_id),
            "kind": event.kind,
            "source_id": str(event.source_id),
            "amount": str(event.amount),
        },
    }


def _items_by_event(client: stripe.StripeClient, customer: str, since: datetime) -> dict[str, str]:
    """usage_event_id -> invoice item id, for the customer's items created since `since`."""
    found: dict[str, str] = {}
    for item in listed_since(client.v1.invoice_items.list, since, customer=customer):
        event_id = metadata_of(item).get("usage_event_id")
        if event_id:
            found.setdefault(event_id, item.id)
    return found


def _stale_attempts(events: list[UsageEvent], now: datetime) -> dict[int, datetime]:
    """Per tenant, the earliest first attempt whose idempotency key Stripe may have forgotten."""
    since: dict[int, datetime] = {}
    for event in events:
        if key_may_be_forgotten(event.stripe_attempted_at, now):
            since[event.tenant_id] = min(
                event.stripe_attempted_at, since.get(event.tenant_id, event.stripe_attempted_at)
            )
    return since


def report_usage(limit: int = 500, now: datetime | None = None) -> dict:
    """Send the oldest unreported usage events as invoice items, one per event, then mark each reported.

    The batch's first attempt is stamped before any Stripe call so that a retry knows how old its keys are (see the
    module docstring). A concurrent duplicate send reuses the key; the marking UPDATE needs `reported_at IS NULL`."""
    if not enabled():
        return ledger_only()
    from billing.services.usage import unreported_events  # lazy: billing.services re-exports is_suspended from here

    now = now or timezone.now()
    client = stripe_client()
    events = unreported_events(limit=limit)
    UsageEvent.objects.filter(pk__in=[e.pk for e in events], stripe_attempted_at__isnull=True).update(
        stripe_attempted_at=now
    )
    stale = _stale_attempts(events, now)
    customers: dict[int, str] = {}
    orphans: dict[int, dict[str, str]] = {}  # listed once per tenant and run: usage_event_id -> item id
    reported = 0
    for event in events:
        if event.tenant_id not in customers:
            customers[event.tenant_id] = customer_of(client, event.tenant_id)
            if event.tenant_id in stale:
                orphans[event.tenant_id] = _items_by_event(client, customers[event.tenant_id], stale[event.tenant_id])
        item_id = orphans.get(event.tenant_id, {}).get(str(event.id))
        if item_id is None:
            item_id = client.v1.invoice_items.create(
                params=_item_params(event, customers[event.tenant_id]),
                options={"idempotency_key": f"usage-{event.id}"},
            ).id
        _after_item_created(event, item_id)
        reported += UsageEvent.objects.filter(pk=event.pk, reported_at__isnull=True).update(
            reported_at=now, stripe_id=item_id
        )
    return {"status": OK, "reported": reported}


# --- checkout and portal ---------------------------------------------------------------------------------------


def checkout_session(tenant: Client, amount: Decimal, success_url: str, cancel_url: str) -> dict:
    """A Checkout session (payment mode) buying `amount` of prepaid credit; credit is recorded by the
    `checkout.session.completed` webhook, never here (the client may abandon the page)."""
    if not enabled():
        return ledger_only()
    client = stripe_client()
    cents = int((Decimal(amount) * CENTS).to_integral_value())
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "customer": customer_of(client, tenant.id),
            "success_url": success_url,
            "cancel_url": cancel_url,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": cents,
                        "product_data": {"name": "LabelHub prepaid credit"},
                    },
                }
            ],
            "metadata": {"tenant_id": str(tenant.id), "purpose": "prepaid_credit"},
        }
    )
    return {"status": OK, "url": session.url, "session_id": session.id}


def portal_link(tenant: Client, return_url: str) -> dict:
    if not enabled():
        return ledger_only()
    client = stripe_client()
    session = client.v1.billing_portal.sessions.create(
        params={"customer": customer_of(client, tenant.id), "return_url": return_url}
    )
    return {"status": OK, "url": session.url}


# --- suspension ------------------------------------------------------------------------------------------------


def is_suspended(tenant_id: int) -> bool:
    """True when the tenant must receive no new work (one indexed lookup on the unique tenant_id)."""
    return TenantBillingState.objects.filter(tenant_id=tenant_id, suspended=True).exists()


def _overdue(now: datetime):
    cutoff = now - timedelta(days=grace_days())
    return StripeInvoice.objects.filter(status=StripeInvoice.OPEN, due_at__lt=cutoff)


def suspend_overdue(now: datetime | None = None) -> list[int]:
    """Suspend every tenant with an open invoice past due + grace. Returns the tenant ids newly suspended."""
    now = now or timezone.now()
    newly = []
    for tenant_id in sorted(set(_overdue(now).values_list("tenant_id", flat=True))):
        state, _ = TenantBillingState.objects.get_or_create(tenant_id=tenant_id)
        if not state.suspended:
            TenantBillingState.objects.filter(pk=state.pk).update(
                suspended=True, reason=TenantBillingState.NON_PAYMENT, since=now
            )
            newly.append(tenant_id)
            log.warning("tenant %s suspended for non-payment", tenant_id)
    return newly


def resume_if_settled(tenant_id: int, now: datetime) -> None:
    """Lift a non-payment suspension once the tenant has no overdue invoice left."""
    if _overdue(now).filter(tenant_id=tenant_id).exists():
        return
    TenantBillingState.objects.filter(
        tenant_id=tenant_id, suspended=True, reason=TenantBillingState.NON_PAYMENT
    ).update(suspended=False, reason="", since=now)


def billing_state(tenant_id: int) -> dict:
    """What the client sees: suspension, prepaid credit (granted, applied, remaining, owed beyond it) and the
    latest invoices. Money as Decimal strings."""
    from billing.stripe_credit import credit_summary  # lazy: stripe_credit builds on this module

    state = TenantBillingState.objects.filter(tenant_id=tenant_id).first()
    invoices = StripeInvoice.objects.filter(tenant_id=tenant_id).order_by("-updated_at")[:50]
    return {
        "suspended": bool(state and state.suspended),
        "reason": state.reason if state else "",
        "mode": "stripe" if enabled() else LEDGER_ONLY,
        **{name: str(value) for name, value in credit_summary(tenant_id).items()},
        "invoices": [
            {
                "invoice_id": i.invoice_id,
                "status": i.status,
                "amount_due": str(i.amount_due),
                "credit_applied": str(i.credit_applied),
                "currency": i.currency,
                "due_at": i.due_at and i.due_at.isoformat(),
                "paid_at": i.paid_at and i.paid_at.isoformat(),
            }
            for i in invoices
        ],
    }
