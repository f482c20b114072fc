"""Leases and answers: the annotators' work (tenant schema; annotators are public ids, never foreign keys)."""

from django.db import models

from projects.models.core import Item, OntologyVersion, Project


class Assignment(models.Model):
    """A lease: one annotator holds one slot of one item until it expires, is submitted or skipped."""

    class Kind(models.TextChoices):
        TASK = "task"
        GOLD = "gold"  # hidden: the annotator is never told
        CALIBRATION = "calibration"

    class Status(models.TextChoices):
        ACTIVE = "active"
        SUBMITTED = "submitted"
        SKIPPED = "skipped"
        EXPIRED = "expired"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="assignments")
    annotator_id = models.BigIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.TASK)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    ontology_version = models.ForeignKey(OntologyVersion, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        constraints = [
            # An annotator never sees the same item twice (served, skipped or expired alike).
            models.UniqueConstraint(fields=["item", "annotator_id"], name="one_assignment_per_annotator_item"),
        ]
        indexes = [
            models.Index(
                "annotator_id", "project", name="assignment_active_by_person", condition=models.Q(status="active")
            ),
            models.Index("project", "expires_at", name="assignment_active_expiry", condition=models.Q(status="active")),
        ]

    def __str__(self) -> str:
        return f"lease {self.pk} item {self.item_id} by {self.annotator_id} ({self.status})"


class Annotation(models.Model):
    class Status(models.TextChoices):
        ACCEPTED = "accepted"
        DISCARDED = "discarded"  # e.g. the annotator was paused for low quality

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="annotation")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="annotations")
    annotator_id = models.BigIntegerField()
    kind = models.CharField(max_length=12, choices=Assignment.Kind.choices, default=Assignment.Kind.TASK)
    value = models.JSONField()
    ontology_version = models.ForeignKey(OntologyVersion, on_delete=models.PROTECT, related_name="annotations")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    client_ms = models.PositiveIntegerField(null=True, blank=True)
    server_ms = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index("project", "annotator_id", name="annotation_by_person")]

    def __str__(self) -> str:
        return f"annotation {self.pk} on item {self.item_id}"


class WorkerPing(models.Model):
    """Proof that a worker processed a message inside this tenant's schema (see projects.actors.ping)."""

    nonce = models.CharField(max_length=64, unique=True)
    seen_schema = models.CharField(max_length=63)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"ping {self.nonce} in {self.seen_schema}"
