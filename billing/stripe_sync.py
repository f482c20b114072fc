"""Stripe sync: customers, usage reported as invoice items, prepaid credit via Checkout, the customer portal,
webhooks (exactly once) and suspension for non-payment.

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
reporting actor runs far more often than that).
"""

import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import stripe
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing.models import (
    CreditGrant,
    ProcessedWebhook,
    StripeCustomer,
    StripeInvoice,
    TenantBillingState,
    UsageEvent,
)
from labelhub.errors import DomainError
from tenants.models import Client

log = logging.getLogger(__name__)

LEDGER_ONLY = "ledger-only"
OK = "ok"
DEFAULT_API_BASE = "https://api.stripe.com"
DEFAULT_GRACE_DAYS = 14
CENTS = Decimal(100)


class InvalidWebhook(DomainError):
    """A forged, malformed or stale (replayed) webhook delivery."""

    code = "invalid_webhook"


def _api_key() -> str:
    return getattr(settings, "STRIPE_API_KEY", None) or ""


def _webhook_secret() -> str:
    return getattr(settings, "STRIPE_WEBHOOK_SECRET", None) or ""


def grace_days() -> int:
    return int(getattr(settings, "BILLING_GRACE_DAYS", DEFAULT_GRACE_DAYS))


def enabled() -> bool:
    """False in ledger-only mode (no STRIPE_API_KEY): usage is recorded but never sent anywhere."""
    return bool(_api_key())


def _ledger_only() -> dict:
    return {"status": LEDGER_ONLY, "detail": "Stripe is not configured (STRIPE_API_KEY empty): ledger-only mode"}


def _client() -> stripe.StripeClient:
    base = getattr(settings, "STRIPE_API_BASE", None) or DEFAULT_API_BASE
    # Network retries resend the same idempotency key, so they are safe.
    return stripe.StripeClient(_api_key(), base_addresses={"api": base}, max_network_retries=2)


# --- customers -------------------------------------------------------------------------------------------------


def _customer_id(client: stripe.StripeClient, tenant: Client) -> str:
    existing = StripeCustomer.objects.filter(tenant_id=tenant.id).values_list("customer_id", flat=True).first()
    if existing:
        return existing
    customer = client.v1.customers.create(
        params={"name": tenant.name, "metadata": {"tenant_id": str(tenant.id), "slug": tenant.slug}},
        options={"idempotency_key": f"customer-{tenant.id}"},
    )
    row, _ = StripeCustomer.objects.get_or_create(tenant_id=tenant.id, defaults={"customer_id": customer.id})
    return row.customer_id


def ensure_customer(tenant: Client) -> dict:
    """The tenant's Stripe customer, created once (idempotency key per tenant covers a crash before saving)."""
    if not enabled():
        return _ledger_only()
    return {"status": OK, "customer_id": _customer_id(_client(), tenant)}


# --- usage -----------------------------------------------------------------------------------------------------


def _after_item_created(event: UsageEvent, item_id: str) -> None:
    """Test seam: runs between the Stripe call and marking the event reported (a crash here must not double-bill)."""


def report_usage(limit: int = 500) -> dict:
    """Send the oldest unreported usage events as invoice items, one per event, then mark each reported.

    Safe to run concurrently with itself only in the sense that a duplicate send reuses the idempotency key and
    Stripe returns the same item; the marking UPDATE is conditional on `reported_at IS NULL`."""
    if not enabled():
        return _ledger_only()
    from billing.services.usage import unreported_events  # lazy: billing.services re-exports is_suspended from here

    client = _client()
    customers: dict[int, str] = {}
    reported = 0
    for event in unreported_events(limit=limit):
        if event.tenant_id not in customers:
            customers[event.tenant_id] = _customer_id(client, Client.objects.get(pk=event.tenant_id))
        item = client.v1.invoice_items.create(
            params={
                "customer": customers[event.tenant_id],
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
            },
            options={"idempotency_key": f"usage-{event.id}"},
        )
        _after_item_created(event, item.id)
        reported += UsageEvent.objects.filter(pk=event.pk, reported_at__isnull=True).update(
            reported_at=timezone.now(), stripe_id=item.id
        )
    return {"status": OK, "reported": reported}


# --- checkout and portal ---------------------------------------------------------------------------------------


def checkout_session(tenant: Client, amount: Decimal, success_url: str, cancel_url: str) -> dict:
    """A Checkout session (payment mode) buying `amount` of prepaid credit; credit is recorded by the
    `checkout.session.completed` webhook, never here (the client may abandon the page)."""
    if not enabled():
        return _ledger_only()
    client = _client()
    cents = int((Decimal(amount) * CENTS).to_integral_value())
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "customer": _customer_id(client, tenant),
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
        return _ledger_only()
    client = _client()
    session = client.v1.billing_portal.sessions.create(
        params={"customer": _customer_id(client, tenant), "return_url": return_url}
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


def _maybe_resume(tenant_id: int, now: datetime) -> None:
    if _overdue(now).filter(tenant_id=tenant_id).exists():
        return
    TenantBillingState.objects.filter(
        tenant_id=tenant_id, suspended=True, reason=TenantBillingState.NON_PAYMENT
    ).update(suspended=False, reason="", since=now)


def billing_state(tenant_id: int) -> dict:
    state = TenantBillingState.objects.filter(tenant_id=tenant_id).first()
    invoices = StripeInvoice.objects.filter(tenant_id=tenant_id).order_by("-updated_at")[:50]
    return {
        "suspended": bool(state and state.suspended),
        "reason": state.reason if state else "",
        "invoices": [
            {
                "invoice_id": i.invoice_id,
                "status": i.status,
                "amount_due": str(i.amount_due),
                "currency": i.currency,
                "due_at": i.due_at and i.due_at.isoformat(),
                "paid_at": i.paid_at and i.paid_at.isoformat(),
            }
            for i in invoices
        ],
    }


# --- webhooks --------------------------------------------------------------------------------------------------


def _ts(value) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _tenant_of(obj: dict) -> int | None:
    customer = obj.get("customer")
    if customer:
        tenant_id = StripeCustomer.objects.filter(customer_id=customer).values_list("tenant_id", flat=True).first()
        if tenant_id is not None:
            return tenant_id
    raw = (obj.get("metadata") or {}).get("tenant_id")
    return int(raw) if raw and str(raw).isdigit() else None


def _record_invoice(obj: dict, now: datetime, *, failed: bool = False) -> StripeInvoice | None:
    tenant_id = _tenant_of(obj)
    if tenant_id is None:
        log.warning("stripe invoice %s for an unknown customer %s ignored", obj.get("id"), obj.get("customer"))
        return None
    invoice = StripeInvoice.objects.select_for_update().filter(invoice_id=obj["id"]).first()
    if invoice is None:
        invoice = StripeInvoice(invoice_id=obj["id"], tenant_id=tenant_id)
    status = obj.get("status") or StripeInvoice.OPEN
    # Out-of-order deliveries: a late `payment_failed` never reopens a paid or voided invoice.
    if invoice.status not in StripeInvoice.FINAL_STATUSES:
        invoice.status = status
    invoice.amount_due = Decimal(int(obj.get("amount_due") or 0)) / CENTS
    invoice.currency = (obj.get("currency") or "usd").upper()
    # Charge-automatically invoices have no due_date: a failed payment makes them due now (grace starts).
    invoice.due_at = _ts(obj.get("due_date")) or invoice.due_at or (now if failed else None)
    if status == StripeInvoice.PAID:
        invoice.paid_at = _ts((obj.get("status_transitions") or {}).get("paid_at")) or now
    invoice.save()
    return invoice


def _on_invoice_paid(obj: dict, now: datetime) -> None:
    invoice = _record_invoice({**obj, "status": StripeInvoice.PAID}, now)
    if invoice is not None:
        _maybe_resume(invoice.tenant_id, now)


def _on_invoice_failed(obj: dict, now: datetime) -> None:
    _record_invoice(obj, now, failed=True)


def _on_invoice_finalized(obj: dict, now: datetime) -> None:
    _record_invoice(obj, now)


def _on_invoice_closed(obj: dict, now: datetime) -> None:  # voided or marked uncollectible: no longer owed
    invoice = _record_invoice(obj, now)
    if invoice is not None:
        StripeInvoice.objects.filter(pk=invoice.pk).update(status=obj.get("status") or "void")
        _maybe_resume(invoice.tenant_id, now)


def _on_checkout_completed(obj: dict, now: datetime) -> None:
    if obj.get("mode") != "payment" or obj.get("payment_status") != "paid":
        return
    tenant_id = _tenant_of(obj)
    if tenant_id is None:
        log.warning("checkout session %s for an unknown customer ignored", obj.get("id"))
        return
    CreditGrant.objects.get_or_create(
        session_id=obj["id"],
        defaults={"tenant_id": tenant_id, "amount": Decimal(int(obj.get("amount_total") or 0)) / CENTS,
                  "currency": (obj.get("currency") or "usd").upper()},
    )  # fmt: skip


HANDLERS = {
    "invoice.paid": _on_invoice_paid,
    "invoice.payment_failed": _on_invoice_failed,
    "invoice.finalized": _on_invoice_finalized,
    "invoice.voided": _on_invoice_closed,
    "invoice.marked_uncollectible": _on_invoice_closed,
    "checkout.session.completed": _on_checkout_completed,
}


def handle_webhook(payload: bytes, signature: str) -> dict:
    """Verify the Stripe-Signature (HMAC of "t.payload", timestamp within 5 minutes) and process the event once.

    Raises InvalidWebhook (400) on a forged or stale delivery. A redelivered event id returns
    {"status": "duplicate"} and changes nothing; the handler and the ProcessedWebhook row commit together, so a
    crash mid-handler lets Stripe's retry process it again."""
    secret = _webhook_secret()
    if not secret:
        return {"status": LEDGER_ONLY, "detail": "STRIPE_WEBHOOK_SECRET is not set"}
    try:
        stripe.Webhook.construct_event(payload, signature or "", secret)
        event = json.loads(payload)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise InvalidWebhook(f"webhook refused: {exc}") from None
    event_id, event_type = event.get("id"), event.get("type", "")
    if not event_id:
        raise InvalidWebhook("webhook refused: no event id")
    now = timezone.now()
    with transaction.atomic():
        _, created = ProcessedWebhook.objects.get_or_create(event_id=event_id, defaults={"type": event_type})
        if not created:
            return {"status": "duplicate", "event_id": event_id}
        handler = HANDLERS.get(event_type)
        if handler is not None:
            handler(event["data"]["object"], now)
    return {"status": "processed" if handler else "ignored", "event_id": event_id, "type": event_type}
