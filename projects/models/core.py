"""Projects, ontology versions, imports and items (tenant schema)."""

from django.db import models
from django.db.models.functions import Now

from projects.ontology import TASK_TYPES

TASK_TYPE_CHOICES = [(t, t.replace("_", " ")) for t in TASK_TYPES]
TIER_CHOICES = [("crowd", "Crowd"), ("trained", "Trained"), ("expert", "Expert")]


class Project(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        CALIBRATING = "calibrating"
        ACTIVE = "active"
        PAUSED = "paused"
        COMPLETED = "completed"
        ARCHIVED = "archived"

    class Overlap(models.TextChoices):
        FIXED = "fixed"
        ADAPTIVE = "adaptive"

    class Aggregation(models.TextChoices):
        MAJORITY = "majority"
        WEIGHTED = "weighted"  # votes weighted by each annotator's hidden-gold accuracy
        DAWID_SKENE = "dawid_skene"

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    task_type = models.CharField(max_length=20, choices=TASK_TYPE_CHOICES)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    current_ontology = models.ForeignKey(
        "OntologyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Overlap: fixed k distinct annotators per item, or adaptive between min and max until target confidence.
    overlap_mode = models.CharField(max_length=10, choices=Overlap.choices, default=Overlap.FIXED)
    overlap_k = models.PositiveSmallIntegerField(default=3)
    overlap_min = models.PositiveSmallIntegerField(default=2)
    overlap_max = models.PositiveSmallIntegerField(default=5)
    target_confidence = models.FloatField(default=0.9)
    aggregation = models.CharField(max_length=12, choices=Aggregation.choices, default=Aggregation.MAJORITY)
    min_tier = models.CharField(max_length=10, choices=TIER_CHOICES, default="crowd")
    gold_rate = models.FloatField(default=0.05)
    calibration_items = models.PositiveSmallIntegerField(default=10)
    calibration_pass_threshold = models.FloatField(default=0.8)
    calibration_attempts = models.PositiveSmallIntegerField(default=2)
    accuracy_floor = models.FloatField(default=0.85)
    # Hidden gold answers an annotator must have given before the floor can pause them (too few prove nothing).
    gold_min_for_pause = models.PositiveSmallIntegerField(default=10)
    # Pre-labeling: which backend proposes labels, its settings (LLM base URL, model, prices; the API key is write-only),
    # whether annotators see suggestions (off: anchoring), and the last state a person should know about.
    prelabel_backend = models.CharField(max_length=10, default="none")  # none | local | llm
    prelabel_settings = models.JSONField(default=dict, blank=True)
    show_suggestions = models.BooleanField(default=False)
    prelabel_state = models.CharField(max_length=500, blank=True, default="")
    auto_accept_threshold = models.FloatField(null=True, blank=True)
    audit_rate = models.FloatField(default=0.05)
    blind = models.BooleanField(default=True)
    lease_seconds = models.PositiveIntegerField(default=600)
    deadline = models.DateTimeField(null=True, blank=True)
    budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(overlap_k__gte=1), name="overlap_k_positive"),
            models.CheckConstraint(
                condition=models.Q(overlap_min__lte=models.F("overlap_max")), name="overlap_min_le_max"
            ),
            models.CheckConstraint(condition=models.Q(gold_rate__gte=0, gold_rate__lte=1), name="gold_rate_unit"),
            models.CheckConstraint(condition=models.Q(audit_rate__gte=0, audit_rate__lte=1), name="audit_rate_unit"),
            models.CheckConstraint(
                condition=models.Q(budget__isnull=True) | models.Q(budget__gte=0), name="budget_nonneg"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def default_overlap_target(self) -> int:
        """Distinct annotators an item needs before it is complete (adaptive: the minimum, raised per item)."""
        return self.overlap_k if self.overlap_mode == self.Overlap.FIXED else self.overlap_min


class OntologyVersion(models.Model):
    """One version of a project's ontology and guidelines. Locked (immutable) once work references it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ontology_versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    changelog = models.TextField(blank=True, default="")
    is_locked = models.BooleanField(default=False)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="one_number_per_project")]

    def __str__(self) -> str:
        return f"{self.project_id} v{self.number}"


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    class Format(models.TextChoices):
        JSONL = "jsonl"
        CSV = "csv"
        LABEL_STUDIO = "label_studio"

    class Source(models.TextChoices):
        UPLOAD = "upload"
        S3 = "s3"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="imports")
    source = models.CharField(max_length=10, choices=Source.choices)
    format = models.CharField(max_length=16, choices=Format.choices)
    # upload: storage keys of the stored upload; s3: {"bucket", "prefix", "pattern"} and the keys found.
    location = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    files = models.JSONField(default=list)  # per file: {"name", "status", "records", "imported", "duplicates", ...}
    records = models.BigIntegerField(default=0)
    imported = models.BigIntegerField(default=0)
    duplicates = models.BigIntegerField(default=0)
    error_count = models.BigIntegerField(default=0)
    errors = models.JSONField(default=list)  # first errors: {"file", "line", "field", "message"}
    message = models.TextField(blank=True, default="")
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.status})"


class Item(models.Model):
    """One unit of work. Written in bulk by COPY, so every column the import omits has a database default."""

    class Status(models.TextChoices):
        OPEN = "open"  # has a free slot: distribution may lease it
        FULL = "full"  # every slot leased or answered; reopens when a lease expires or is skipped
        COMPLETE = "complete"  # enough annotations, awaiting consensus
        ESCALATED = "escalated"  # needs an expert
        FINAL = "final"  # has a final label

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="items")
    external_id = models.CharField(max_length=255)
    payload = models.JSONField()
    metadata = models.JSONField(db_default=models.Value({}, output_field=models.JSONField()))
    existing_label = models.JSONField(null=True, blank=True)
    gold = models.JSONField(null=True, blank=True)
    gold_explanation = models.TextField(db_default="", blank=True)
    is_gold = models.BooleanField(db_default=False)
    status = models.CharField(max_length=10, choices=Status.choices, db_default=Status.OPEN)
    priority = models.FloatField(db_default=0.0)
    annotation_count = models.PositiveIntegerField(db_default=0)
    # Slots in use: active leases + accepted annotations. Kept in the row so that next-task never counts.
    assigned_count = models.PositiveIntegerField(db_default=0)
    # Per-item overlap target; null means the project's k (adaptive overlap raises it item by item).
    overlap_target = models.PositiveSmallIntegerField(null=True, blank=True)
    import_job = models.ForeignKey(ImportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "external_id"], name="external_id_unique_per_project"),
        ]
        indexes = [
            # next-task scans only open, non-gold items in priority order; done items leave this index.
            models.Index(
                "project",
                models.F("priority").desc(),
                "id",
                name="item_open_queue",
                condition=models.Q(status="open", is_gold=False),
            ),
            models.Index("project", "id", name="item_gold_pool", condition=models.Q(is_gold=True)),
            # progress counts per status and the items list filtered by status, without reading the table (a
            # status change on the hot path already updates item_open_queue, so this adds one index entry to it).
            models.Index("project", "status", "id", name="item_by_status"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.external_id}"
