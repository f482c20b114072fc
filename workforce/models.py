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
