"""Stripe webhooks: verified by the Stripe-Signature HMAC and processed exactly once (one ProcessedWebhook row per
event id, committed with the handler's changes). Invoices update the mirror that drives suspension and records the
credit each invoice used; a completed Checkout session records a CreditGrant and pushes it to the customer balance.
"""

import json
import logging
from datetime import UTC, datetime
from decimal import Decimal

import stripe
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing import stripe_credit
from billing.models import CreditGrant, ProcessedWebhook, StripeCustomer, StripeInvoice
from billing.stripe_sync import CENTS, LEDGER_ONLY, enabled, resume_if_settled
from labelhub.errors import DomainError

log = logging.getLogger(__name__)


class InvalidWebhook(DomainError):
    """A forged, malformed or stale (replayed) webhook delivery."""

    code = "invalid_webhook"


def _webhook_secret() -> str:
    return getattr(settings, "STRIPE_WEBHOOK_SECRET", None) or ""


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
    credit = stripe_credit.credit_applied_to(obj)
    if credit is not None:  # null until finalized: an earlier draft event never erases a known figure
        invoice.credit_applied = credit
    if status == StripeInvoice.PAID:
        invoice.paid_at = _ts((obj.get("status_transitions") or {}).get("paid_at")) or now
    invoice.save()
    return invoice


def _on_invoice_paid(obj: dict, now: datetime) -> None:
    invoice = _record_invoice({**obj, "status": StripeInvoice.PAID}, now)
    if invoice is not None:
        resume_if_settled(invoice.tenant_id, now)


def _on_invoice_failed(obj: dict, now: datetime) -> None:
    _record_invoice(obj, now, failed=True)


def _on_invoice_finalized(obj: dict, now: datetime) -> None:
    _record_invoice(obj, now)


def _on_invoice_closed(obj: dict, now: datetime) -> None:  # voided or marked uncollectible: no longer owed
    invoice = _record_invoice(obj, now)
    if invoice is not None:
        StripeInvoice.objects.filter(pk=invoice.pk).update(status=obj.get("status") or "void")
        resume_if_settled(invoice.tenant_id, now)


def _on_checkout_completed(obj: dict, now: datetime) -> None:
    if obj.get("mode") != "payment" or obj.get("payment_status") != "paid":
        return
    tenant_id = _tenant_of(obj)
    if tenant_id is None:
        log.warning("checkout session %s for an unknown customer ignored", obj.get("id"))
        return
    grant, created = CreditGrant.objects.get_or_create(
        session_id=obj["id"],
        defaults={"tenant_id": tenant_id, "amount": Decimal(int(obj.get("amount_total") or 0)) / CENTS,
                  "currency": (obj.get("currency") or "usd").upper()},
    )  # fmt: skip
    if created and enabled():
        # After commit, so a rolled-back delivery never credits Stripe; a failure leaves it to the billing tick.
        transaction.on_commit(lambda: stripe_credit.apply_credit_quietly(grant.pk))


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
