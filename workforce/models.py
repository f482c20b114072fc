"""Workforce tables (public schema): vendors, annotators and their managers."""

from django.conf import settings
from django.db import models

TIER_CROWD = "crowd"
TIER_TRAINED = "trained"
TIER_EXPERT = "expert"
TIER_CHOICES = [(TIER_CROWD, "Crowd"), (TIER_TRAINED, "Trained"), (TIER_EXPERT, "Expert")]
TIER_RANK = {TIER_CROWD: 0, TIER_TRAINED: 1, TIER_EXPERT: 2}


class Vendor(models.Model):
    KIND_PLATFORM = "platform_crowd"
    KIND_MANAGED = "managed_team"
    KIND_PRIVATE = "client_private"
    KIND_CHOICES = [
        (KIND_PLATFORM, "Platform crowd"),
        (KIND_MANAGED, "Managed team"),
        (KIND_PRIVATE, "Client team"),
    ]

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES, default=KIND_MANAGED)
    # For a client's private team: the tenant it belongs to (public id, never a FK across apps' ownership).
    client_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Annotator(models.Model):
    STATUS_ONBOARDING = "onboarding"
    STATUS_ACTIVE = "active"
    STATUS_PAUSED = "paused"
    STATUS_REMOVED = "removed"
    STATUS_CHOICES = [
        (STATUS_ONBOARDING, "Onboarding"),
        (STATUS_ACTIVE, "Active"),
        (STATUS_PAUSED, "Paused"),
        (STATUS_REMOVED, "Removed"),
    ]

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="annotator")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="annotators")
    tier = models.CharField(max_length=10, choices=TIER_CHOICES, default=TIER_CROWD)
    # Expert reviewers adjudicate disagreements; only expert-tier annotators may hold the flag.
    is_reviewer = models.BooleanField(default=False)
    skills = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=STATUS_CHOICES, default=STATUS_ONBOARDING)
    # Lifetime hidden-gold record across every client project: what automatic promotion looks at.
    gold_seen = models.PositiveIntegerField(default=0)
    gold_correct = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(is_reviewer=True) | models.Q(tier=TIER_EXPERT),
                name="reviewers_are_experts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.tier})"


class VendorManager(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vendor_roles")
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="managers")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "vendor"], name="one_manager_row_per_vendor")]

    def __str__(self) -> str:
        return f"{self.user} manages {self.vendor}"


class ProjectListing(models.Model):
    """Public-schema mirror of a tenant project that annotators may work on, kept current by the projects app
    when the project changes, so the annotator home never loops over tenant schemas."""

    tenant_id = models.BigIntegerField()
    tenant_slug = models.CharField(max_length=63)
    tenant_name = models.CharField(max_length=200)
    project_id = models.BigIntegerField()
    name = models.CharField(max_length=200)
    task_type = models.CharField(max_length=20)
    min_tier = models.CharField(max_length=10, choices=TIER_CHOICES)
    status = models.CharField(max_length=12)
    remaining = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant_id", "project_id"], name="one_listing_per_project")]

    def __str__(self) -> str:
        return f"{self.tenant_slug}/{self.name}"


class Qualification(models.Model):
    """One annotator's standing in one client project: calibration, hidden-gold accuracy, speed, per-project pause.

    Written as events happen (each answer), so the vendor console reads it without visiting tenant schemas.
    The `gold_*` window counters decide pausing and restart when a manager resumes the annotator; the
    `*_total` counters are the lifetime record.
    """

    class Status(models.TextChoices):
        CALIBRATING = "calibrating"
        QUALIFIED = "qualified"
        BLOCKED = "blocked"  # failed every calibration attempt
        PAUSED = "paused"  # quality or speed fell below the project's floor

    annotator = models.ForeignKey(Annotator, on_delete=models.CASCADE, related_name="qualifications")
    tenant_id = models.BigIntegerField()
    project_id = models.BigIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CALIBRATING)
    attempt = models.PositiveSmallIntegerField(default=1)
    attempt_answered = models.PositiveSmallIntegerField(default=0)
    attempt_correct = models.PositiveSmallIntegerField(default=0)
    attempts_failed = models.PositiveSmallIntegerField(default=0)
    calibration_score = models.FloatField(null=True, blank=True)
    gold_seen = models.PositiveIntegerField(default=0)
    gold_correct = models.PositiveIntegerField(default=0)
    gold_seen_total = models.PositiveIntegerField(default=0)
    gold_correct_total = models.PositiveIntegerField(default=0)
    labels = models.PositiveIntegerField(default=0)
    labels_window = models.PositiveIntegerField(default=0)
    time_ms_total = models.BigIntegerField(default=0)
    fast_labels = models.PositiveIntegerField(default=0)
    slow_labels = models.PositiveIntegerField(default=0)
    speed_flagged = models.BooleanField(default=False)
    # Share of the annotator's answers that match the item's consensus (written by the metrics actor).
    consensus_agreement = models.FloatField(null=True, blank=True)
    consensus_compared = models.PositiveIntegerField(default=0)
    status_reason = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["annotator", "tenant_id", "project_id"], name="one_standing_per_project")
        ]

    def __str__(self) -> str:
        return f"{self.annotator_id} in {self.tenant_id}/{self.project_id}: {self.status}"


class GoldScore(models.Model):
    """One scored answer to a gold item (hidden in the stream, or overt during calibration)."""

    class Kind(models.TextChoices):
        GOLD = "gold"
        CALIBRATION = "calibration"

    annotator = models.ForeignKey(Annotator, on_delete=models.CASCADE, related_name="gold_scores")
    tenant_id = models.BigIntegerField()
    project_id = models.BigIntegerField()
    item_id = models.BigIntegerField()
    annotation_id = models.BigIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    attempt = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.FloatField()
    correct = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant_id", "annotation_id"], name="one_score_per_annotation")]
        indexes = [models.Index("annotator", "created_at", name="gold_score_timeline")]

    def __str__(self) -> str:
        return f"{self.kind} score {self.score:.2f} by {self.annotator_id} on {self.tenant_id}/{self.item_id}"


class QualityEvent(models.Model):
    """Why an annotator's standing changed, with the figures that caused it (audit log for managers)."""

    class Kind(models.TextChoices):
        CALIBRATION_PASSED = "calibration_passed"
        CALIBRATION_FAILED = "calibration_failed"
        CALIBRATION_BLOCKED = "calibration_blocked"
        PAUSED_QUALITY = "paused_quality"
        PAUSED_SPEED = "paused_speed"
        SPEED_FLAG = "speed_flag"
        PAUSED = "paused"
        RESUMED = "resumed"
        PROMOTED = "promoted"
        WORK_DISCARDED = "work_discarded"

    annotator = models.ForeignKey(Annotator, on_delete=models.CASCADE, related_name="quality_events")
    tenant_id = models.BigIntegerField(null=True, blank=True)
    project_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    figures = models.JSONField(default=dict)
    message = models.CharField(max_length=500, blank=True, default="")
    by_user_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index("annotator", "created_at", name="quality_event_timeline")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.annotator_id}: {self.message}"


MAX_PAY_PER_LABEL = 100  # a per-label rate above this is a typo (cents for dollars), not a price


class PayRate(models.Model):
    """Base pay per accepted label by tier and task type; a (tenant, project) row overrides the platform row."""

    tier = models.CharField(max_length=10, choices=TIER_CHOICES)
    task_type = models.CharField(max_length=20)
    tenant_id = models.BigIntegerField(null=True, blank=True)
    project_id = models.BigIntegerField(null=True, blank=True)
    amount = models.DecimalField(max_digits=10, decimal_places=4)
    currency = models.CharField(max_length=3, default="USD")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "task_type", "tenant_id", "project_id"], name="one_rate_per_scope", nulls_distinct=False
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0, amount__lte=MAX_PAY_PER_LABEL), name="pay_rate_sane"
            ),
            models.CheckConstraint(
                condition=models.Q(project_id__isnull=True) | models.Q(tenant_id__isnull=False),
                name="project_rate_names_tenant",
            ),
        ]

    def __str__(self) -> str:
        scope = f" for {self.tenant_id}/{self.project_id}" if self.project_id else ""
        return f"{self.tier} {self.task_type}{scope}: {self.amount} {self.currency}"


class Payout(models.Model):
    """One payment batch: every unpaid ledger entry of a vendor's annotators in [period_start, period_end)."""

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="payouts")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    total = models.DecimalField(max_digits=14, decimal_places=4)
    entries = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="USD")
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(period_start__lt=models.F("period_end")), name="payout_period")
        ]

    def __str__(self) -> str:
        return f"payout {self.pk} to {self.vendor_id}: {self.total} {self.currency}"


class PayEntry(models.Model):
    """The pay ledger: append-only; a discarded annotation gets reversal rows, nothing is edited or deleted."""

    class Kind(models.TextChoices):
        BASE = "base"
        BONUS = "bonus"
        BASE_REVERSAL = "base_reversal"
        BONUS_REVERSAL = "bonus_reversal"

    annotator = models.ForeignKey(Annotator, on_delete=models.PROTECT, related_name="pay_entries")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="+")
    tenant_id = models.BigIntegerField()
    project_id = models.BigIntegerField()
    annotation_id = models.BigIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    tier = models.CharField(max_length=10, choices=TIER_CHOICES)
    task_type = models.CharField(max_length=20)
    amount = models.DecimalField(max_digits=12, decimal_places=4)
    currency = models.CharField(max_length=3, default="USD")
    payout = models.ForeignKey(Payout, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant_id", "annotation_id", "kind"], name="one_entry_kind_per_annotation")
        ]
        indexes = [
            models.Index("vendor", "created_at", name="pay_unpaid_by_vendor", condition=models.Q(payout__isnull=True)),
            models.Index("annotator", "created_at", name="pay_by_annotator"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} for annotation {self.tenant_id}/{self.annotation_id}"


class Dispute(models.Model):
    """An annotator contests a gold score or a pay entry; payouts wait until the period's disputes are settled."""

    class Status(models.TextChoices):
        OPEN = "open"
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    annotator = models.ForeignKey(Annotator, on_delete=models.CASCADE, related_name="disputes")
    tenant_id = models.BigIntegerField(null=True, blank=True)
    project_id = models.BigIntegerField(null=True, blank=True)
    annotation_id = models.BigIntegerField(null=True, blank=True)
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(blank=True, default="")
    resolved_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"dispute {self.pk} by {self.annotator_id} ({self.status})"
