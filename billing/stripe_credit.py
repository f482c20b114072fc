"""Prepaid credit: what a tenant bought through Checkout (CreditGrant), how much of it has been used, and, with
Stripe, crediting the customer balance so that Stripe deducts it from the next invoices by itself.

Ledger-only mode (no STRIPE_API_KEY): nothing is invoiced, so usage is paid from credit first:
applied = min(granted, usage total), remaining = granted - applied, owed beyond credit = usage total - applied.
Stripe mode: Stripe applies the balance when it finalizes an invoice and the invoice says how much
(StripeInvoice.credit_applied, from the webhooks); owed beyond credit is what open invoices still ask for.

A grant is pushed to Stripe right after the webhook that recorded it commits, and again by the billing tick while
it is still unapplied (Stripe unreachable, worker killed), exactly once: the key `credit-<checkout session>` covers
retries within a day, and a later retry first lists the customer's balance transactions since the first attempt
and adopts the one carrying the grant's id.
"""

import logging
from datetime import datetime
from decimal import Decimal

import stripe
from django.db.models import QuerySet, Sum
from django.utils import timezone

from billing import stripe_sync
from billing.models import CreditGrant, StripeInvoice, UsageEvent
from billing.services.money import ZERO, round_money

log = logging.getLogger(__name__)

VOID = "void"  # Stripe hands a voided invoice's applied balance back to the customer


def _total(rows: QuerySet, field: str) -> Decimal:
    return round_money(rows.aggregate(total=Sum(field))["total"] or ZERO)


def credit_summary(tenant_id: int) -> dict[str, Decimal]:
    """credit_granted, credit_applied, credit_remaining and owed_beyond_credit of one tenant (currency units; every
    amount is USD today: checkout and the price book both use it)."""
    granted = _total(CreditGrant.objects.filter(tenant_id=tenant_id), "amount")
    if stripe_sync.enabled():
        invoices = StripeInvoice.objects.filter(tenant_id=tenant_id).exclude(status=VOID)
        applied = _total(invoices, "credit_applied")
        owed = _total(invoices.filter(status=StripeInvoice.OPEN), "amount_due")
    else:
        usage = _total(UsageEvent.objects.filter(tenant_id=tenant_id), "amount")
        applied = min(granted, usage)
        owed = usage - applied
    return {
        "credit_granted": granted,
        "credit_applied": applied,
        # Stripe may have applied more than was bought here (a credit added by hand in the dashboard).
        "credit_remaining": round_money(max(ZERO, granted - applied)),
        "owed_beyond_credit": owed,
    }


def credit_applied_to(invoice: dict) -> Decimal | None:
    """Customer credit Stripe used on an invoice object, or None before it is finalized (`ending_balance` null).

    Customer balances are in cents, negative meaning credit. Finalizing moves the balance from `starting_balance`
    toward zero by what the invoice consumed, so the credit used is the rise of the negative part:
    -5000 -> -2000 used 30.00; a positive (owed) starting balance is a debit added to the invoice, not credit."""
    start, end = invoice.get("starting_balance"), invoice.get("ending_balance")
    if start is None or end is None:
        return None
    return Decimal(max(0, min(int(end), 0) - min(int(start), 0))) / stripe_sync.CENTS


def _adoptable(client: stripe.StripeClient, customer: str, grant: CreditGrant) -> str | None:
    """The balance transaction an earlier attempt created for this grant, if Stripe has one."""
    for txn in stripe_sync.listed_since(
        lambda params: client.v1.customers.balance_transactions.list(customer, params=params),
        grant.stripe_attempted_at,
    ):
        metadata = stripe_sync.metadata_of(txn)
        if metadata.get("credit_grant_id") == str(grant.id) or metadata.get("checkout_session_id") == grant.session_id:
            return txn.id
    return None


def apply_credit(grant_id: int, now: datetime | None = None) -> str:
    """Credit the tenant's Stripe customer balance with one grant, once; returns the balance transaction id.

    Raises stripe.StripeError when Stripe fails: the grant stays unapplied (`balance_txn_id` empty) for a retry.
    The first attempt is stamped before the call so that a retry knows whether Stripe still remembers its key."""
    grant = CreditGrant.objects.get(pk=grant_id)
    if grant.balance_txn_id:
        return grant.balance_txn_id
    now = now or timezone.now()
    client = stripe_sync.stripe_client()
    customer = stripe_sync.customer_of(client, grant.tenant_id)
    CreditGrant.objects.filter(pk=grant.pk, stripe_attempted_at__isnull=True).update(stripe_attempted_at=now)
    txn_id = None
    if stripe_sync.key_may_be_forgotten(grant.stripe_attempted_at, now):
        txn_id = _adoptable(client, customer, grant)
    if txn_id is None:
        txn_id = client.v1.customers.balance_transactions.create(
            customer,
            params={
                "amount": -int((grant.amount * stripe_sync.CENTS).to_integral_value()),  # negative: credit
                "currency": grant.currency.lower(),
                "description": f"LabelHub prepaid credit (checkout {grant.session_id})",
                "metadata": {"credit_grant_id": str(grant.id), "checkout_session_id": grant.session_id},
            },
            options={"idempotency_key": f"credit-{grant.session_id}"},
        ).id
    CreditGrant.objects.filter(pk=grant.pk, balance_txn_id="").update(balance_txn_id=txn_id)
    return txn_id


def apply_credit_quietly(grant_id: int, now: datetime | None = None) -> bool:
    """apply_credit, logging a Stripe failure instead of raising: the grant stays pending for the billing tick."""
    try:
        apply_credit(grant_id, now)
    except stripe.StripeError as exc:
        log.warning("credit grant %s not applied to Stripe yet (%s); the billing tick retries", grant_id, exc)
        return False
    return True


def apply_pending_credit(limit: int = 100, now: datetime | None = None) -> dict:
    """Push every grant not yet on the Stripe customer balance (the billing tick's retry); oldest first."""
    if not stripe_sync.enabled():
        return stripe_sync.ledger_only()
    pending = CreditGrant.objects.filter(balance_txn_id="").order_by("id").values_list("id", flat=True)[:limit]
    results = [apply_credit_quietly(grant_id, now) for grant_id in pending]
    return {"status": stripe_sync.OK, "applied": results.count(True), "failed": results.count(False)}
