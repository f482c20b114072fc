"""Stripe mirror tables (public schema): one customer per tenant, the invoices Stripe told us about, the webhook
events already processed (exactly-once), prepaid credit bought through Checkout, and each tenant's suspension state.

Rows name tenants by id (billing never imports `projects`); amounts are Decimal in currency units, not cents.
"""

from django.db import models

MONEY_PLACES = 4

__all__ = ["CreditGrant", "ProcessedWebhook", "StripeCustomer", "StripeInvoice", "TenantBillingState"]


class StripeCustomer(models.Model):
    tenant_id = models.BigIntegerField(unique=True)
    customer_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"tenant {self.tenant_id} = {self.customer_id}"


class StripeInvoice(models.Model):
    """An invoice as last reported by a webhook. `due_at` starts the grace period; `paid_at` ends it.
    `credit_applied` is the prepaid credit (customer balance) Stripe used on it, known once it is finalized."""

    OPEN = "open"
    PAID = "paid"
    FINAL_STATUSES = ("paid", "void", "uncollectible")

    tenant_id = models.BigIntegerField()
    invoice_id = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=20)
    amount_due = models.DecimalField(max_digits=14, decimal_places=MONEY_PLACES, default=0)
    credit_applied = models.DecimalField(max_digits=14, decimal_places=MONEY_PLACES, default=0)
    currency = models.CharField(max_length=3, default="USD")
    due_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index("status", "due_at", name="stripe_invoice_overdue")]

    def __str__(self) -> str:
        return f"{self.invoice_id} ({self.status}) tenant {self.tenant_id}"


class ProcessedWebhook(models.Model):
    """One row per Stripe event id handled: a redelivery finds its row and changes nothing."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class CreditGrant(models.Model):
    """Prepaid credit bought through Stripe Checkout (one per completed session). Kept apart from UsageEvent,
    whose amounts are non-negative charges: credit is money received, not negative usage.

    With Stripe the grant is also added to the customer balance, which Stripe deducts from the next invoices:
    `balance_txn_id` empty means not applied yet (the billing tick retries); `stripe_attempted_at` is the first
    attempt, after which Stripe's 24 h idempotency window starts."""

    tenant_id = models.BigIntegerField(db_index=True)
    session_id = models.CharField(max_length=255, unique=True)
    amount = models.DecimalField(max_digits=14, decimal_places=MONEY_PLACES)
    currency = models.CharField(max_length=3, default="USD")
    created_at = models.DateTimeField(auto_now_add=True)
    balance_txn_id = models.CharField(max_length=255, blank=True, default="")
    stripe_attempted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"credit {self.amount} {self.currency} tenant {self.tenant_id}"


class TenantBillingState(models.Model):
    """Whether a tenant may receive new work. Distribution checks `billing.services.is_suspended(tenant_id)`."""

    NON_PAYMENT = "non_payment"

    tenant_id = models.BigIntegerField(unique=True)
    suspended = models.BooleanField(default=False)
    reason = models.CharField(max_length=40, blank=True, default="")
    since = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"tenant {self.tenant_id}: {'suspended (' + self.reason + ')' if self.suspended else 'active'}"
