"""Dataset versions (immutable snapshots of final labels), their exported files, and webhooks (tenant schema)."""

from django.db import models

from projects.models.core import OntologyVersion, Project


class DatasetVersion(models.Model):
    """A frozen set of final labels with its lineage. Rows live in DatasetItem; files in DatasetExport."""

    class Status(models.TextChoices):
        BUILDING = "building"  # snapshot or first exports still running
        READY = "ready"  # snapshot taken and every requested export (file + manifest) complete
        FAILED = "failed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="dataset_versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BUILDING)
    filters = models.JSONField(default=dict)  # {"splits", "min_confidence", "labels", "since", "until"}
    include_prelabels = models.BooleanField(default=False)
    include_answers = models.BooleanField(default=False)
    lineage = models.JSONField(default=dict)  # ontology versions, aggregation method and parameters, split rule
    item_count = models.PositiveIntegerField(default=0)
    split_counts = models.JSONField(default=dict)
    checksum = models.CharField(max_length=64, blank=True, default="")  # sha256 of the snapshot's rows
    changes = models.JSONField(default=dict)  # against the previous version: added / removed / relabelled
    error = models.TextField(blank=True, default="")
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "-number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="one_dataset_number_per_project")]

    def __str__(self) -> str:
        return f"dataset v{self.number} of project {self.project_id} ({self.status})"


class DatasetItem(models.Model):
    """One labeled item of a version, frozen at snapshot time (later relabelling never changes it)."""

    version = models.ForeignKey(DatasetVersion, on_delete=models.CASCADE, related_name="rows")
    item_id = models.BigIntegerField()
    external_id = models.CharField(max_length=255)
    value = models.JSONField()
    confidence = models.FloatField(null=True)
    split = models.CharField(max_length=10)
    source = models.CharField(max_length=12)  # consensus | adjudicated | prelabel
    annotator_ids = models.JSONField(default=list)
    ontology_version = models.ForeignKey(OntologyVersion, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "item_id"], name="one_row_per_item_and_version")]

    def __str__(self) -> str:
        return f"v{self.version_id} item {self.item_id}"


class DatasetExport(models.Model):
    """One file of a version in one format, plus its manifest; `ready` only when both are fully written."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        READY = "ready"
        FAILED = "failed"

    version = models.ForeignKey(DatasetVersion, on_delete=models.CASCADE, related_name="exports")
    format = models.CharField(max_length=16)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    key = models.CharField(max_length=500, blank=True, default="")
    manifest_key = models.CharField(max_length=500, blank=True, default="")
    manifest = models.JSONField(default=dict)
    rows = models.PositiveIntegerField(default=0)
    bytes = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    progress_rows = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "format"], name="one_export_per_format")]

    def __str__(self) -> str:
        return f"{self.format} of dataset {self.version_id} ({self.status})"


class WebhookEndpoint(models.Model):
    """A client URL told about events (dataset ready, export failed), with a secret that signs every delivery."""

    url = models.URLField(max_length=1000)
    secret = models.CharField(max_length=100)
    events = models.JSONField(default=list)  # empty: every event
    is_active = models.BooleanField(default=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"  # retries exhausted

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=50)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint_id} ({self.status})"
