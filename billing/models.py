"""Billing tables (public schema): price book, extra prices, usage events and per-project budgets.

Billing never imports `projects`: every row names its tenant and project by id. Money is Decimal with four places
(per-label prices are often fractions of a cent). Stripe is a later seam: `UsageEvent.reported_at` / `stripe_id`
say whether an event has been sent; nothing here needs Stripe to be configured.
"""

from django.db import models

from workforce.models import TIER_CHOICES

MAX_PRICE_PER_LABEL = 1000  # a per-label price above this is a typo (cents for dollars), not a price
MONEY_PLACES = 4


def _scope_constraints(prefix: str, maximum: int) -> list:
    return [
        models.CheckConstraint(condition=models.Q(amount__gte=0, amount__lte=maximum), name=f"{prefix}_sane"),
        # A row is the platform's (no tenant, no project) or one project's override (both): nothing in between.
        models.CheckConstraint(
            condition=models.Q(tenant_id__isnull=True, project_id__isnull=True)
            | models.Q(tenant_id__isnull=False, project_id__isnull=False),
            name=f"{prefix}_scope_whole",
        ),
    ]


class PriceBook(models.Model):
    """Client price per FINAL label (one per finished item) by task type and required tier (the project's
    min_tier). A (tenant, project) row overrides the platform row for that project only."""

    task_type = models.CharField(max_length=20)
    tier = models.CharField(max_length=10, choices=TIER_CHOICES)
    tenant_id = models.BigIntegerField(null=True, blank=True)
    project_id = models.BigIntegerField(null=True, blank=True)
    amount = models.DecimalField(max_digits=10, decimal_places=MONEY_PLACES)
    currency = models.CharField(max_length=3, default="USD")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task_type", "tier", "tenant_id", "project_id"],
                name="one_price_per_scope",
                nulls_distinct=False,
            ),
            *_scope_constraints("price", MAX_PRICE_PER_LABEL),
        ]

    def __str__(self) -> str:
        scope = f" for {self.tenant_id}/{self.project_id}" if self.project_id else ""
        return f"{self.task_type} {self.tier}{scope}: {self.amount} {self.currency}"


class ExtraPrice(models.Model):
    """Prices of work that is not a human final label: an expert adjudication, a pre-label (LLM or local model)
    that finalised an item, an audit of an auto-accepted item. Same scoping as PriceBook."""

    class Kind(models.TextChoices):
        ADJUDICATION = "adjudication"
        LLM_PRELABEL = "llm_prelabel"
        LOCAL_PRELABEL = "local_prelabel"
        AUDIT = "audit"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    tenant_id = models.BigIntegerField(null=True, blank=True)
    project_id = models.BigIntegerField(null=True, blank=True)
    amount = models.DecimalField(max_digits=10, decimal_places=MONEY_PLACES)
    currency = models.CharField(max_length=3, default="USD")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "tenant_id", "project_id"], name="one_extra_price_per_scope", nulls_distinct=False
            ),
            *_scope_constraints("extra_price", MAX_PRICE_PER_LABEL),
        ]

    def __str__(self) -> str:
        scope = f" for {self.tenant_id}/{self.project_id}" if self.project_id else ""
        return f"{self.kind}{scope}: {self.amount} {self.currency}"


class UsageEvent(models.Model):
    """The client-side ledger: one row per billable event, priced when it happened (later price changes never
    re-price history). Unique on (tenant, kind, source): recording the same event twice counts it once."""

    class Kind(models.TextChoices):
        FINAL_LABEL = "final_label"  # source: the item id; a human-made final label
        ADJUDICATION = "adjudication"  # source: the adjudication id
        PRELABEL = "prelabel"  # source: the item id; a pre-label was accepted as the final label
        AUDIT = "audit"  # source: the item id; a human audit of an auto-accepted item

    tenant_id = models.BigIntegerField()
    project_id = models.BigIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    source_id = models.BigIntegerField()
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(max_digits=10, decimal_places=MONEY_PLACES)
    amount = models.DecimalField(max_digits=14, decimal_places=MONEY_PLACES)
    currency = models.CharField(max_length=3, default="USD")
    task_type = models.CharField(max_length=20)
    tier = models.CharField(max_length=10, choices=TIER_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)
    # Stripe seam: set when the event has been reported as metered usage (null: not yet, or ledger-only mode).
    reported_at = models.DateTimeField(null=True, blank=True)
    stripe_id = models.CharField(max_length=255, blank=True, default="")
    # First time an invoice item was requested for it: Stripe forgets idempotency keys after 24 h, so a retry later
    # than that looks for the item the earlier attempt may have created instead of trusting the key.
    stripe_attempted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant_id", "kind", "source_id"], name="one_usage_per_source"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="usage_quantity_positive"),
            models.CheckConstraint(condition=models.Q(amount__gte=0, unit_price__gte=0), name="usage_amount_nonneg"),
        ]
        indexes = [
            models.Index("tenant_id", "project_id", "kind", name="usage_by_project"),
            models.Index("created_at", name="usage_unreported", condition=models.Q(reported_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.tenant_id}/{self.source_id}: {self.amount} {self.currency}"


class BudgetLedger(models.Model):
    """Money of one project: the client's limit (null: no budget), what usage has cost so far (`spent`, the sum of
    the project's usage amounts) and what is committed to work in flight (`reserved`).

    `spent + reserved <= limit` is deliberately NOT a database constraint. `reserve` enforces it atomically for new
    work, but a final event whose work was already in flight (leased before the limit was lowered, or priced higher
    than its reservation) must still be recorded: the client owes it. So `spent` may exceed `limit` by such events;
    `set_budget` only refuses a limit below what is already spent.
    """

    tenant_id = models.BigIntegerField()
    project_id = models.BigIntegerField()
    # `limit` is an SQL keyword: the column is named budget_limit so raw SQL needs no quoting.
    limit = models.DecimalField(
        max_digits=14, decimal_places=MONEY_PLACES, null=True, blank=True, db_column="budget_limit"
    )
    spent = models.DecimalField(max_digits=14, decimal_places=MONEY_PLACES, default=0)
    reserved = models.DecimalField(max_digits=14, decimal_places=MONEY_PLACES, default=0)
    currency = models.CharField(max_length=3, default="USD")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant_id", "project_id"], name="one_budget_per_project"),
            models.CheckConstraint(condition=models.Q(spent__gte=0, reserved__gte=0), name="budget_ledger_nonneg"),
            models.CheckConstraint(
                condition=models.Q(limit__isnull=True) | models.Q(limit__gte=0), name="budget_limit_nonneg"
            ),
        ]

    def __str__(self) -> str:
        return f"budget {self.tenant_id}/{self.project_id}: {self.spent}+{self.reserved} of {self.limit}"


from billing.models_stripe import *  # noqa: E402, F403  (Stripe mirror tables)
