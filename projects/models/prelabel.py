"""Pre-labels from a model or an LLM, and the local models trained per project (tenant schema)."""

from django.db import models

from projects.models.core import Item, Project


class PreLabel(models.Model):
    """The latest machine suggestion for an item, and what routing did with it."""

    class Status(models.TextChoices):
        OK = "ok"
        INVALID = "invalid"  # the answer failed the ontology's validator (after one retry)
        FAILED = "failed"  # timeout, server error, garbage, not configured

    class Route(models.TextChoices):
        AUTO_ACCEPTED = "auto_accepted"  # became the final label (never paid as human work)
        AUDIT = "audit"  # confident enough, but sampled for humans to measure the pre-labeler
        HUMAN = "human"  # below the threshold, or no usable answer: humans label it

    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="prelabel")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    backend = models.CharField(max_length=10)  # local | llm
    model = models.CharField(max_length=200, blank=True, default="")
    value = models.JSONField(null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    route = models.CharField(max_length=14, choices=Route.choices)
    error = models.TextField(blank=True, default="")
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    detail = models.JSONField(default=dict)
    audit_correct = models.BooleanField(null=True, blank=True)  # set once humans label an audited item
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index("project", "route", name="prelabel_by_route")]

    def __str__(self) -> str:
        return f"prelabel of item {self.item_id} ({self.route})"


class ModelVersion(models.Model):
    """A local model trained on a project's final human labels; its bytes live in storage under `key`."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="model_versions")
    number = models.PositiveIntegerField()
    key = models.CharField(max_length=500)
    n_train = models.PositiveIntegerField()
    metrics = models.JSONField(default=dict)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "-number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="one_model_number_per_project")]

    def __str__(self) -> str:
        return f"model v{self.number} of project {self.project_id}"
