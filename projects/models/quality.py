"""Consensus per item, expert adjudications (case law) and agreement figures (tenant schema)."""

from django.db import models

from projects.models.core import Item, OntologyVersion, Project


class Consensus(models.Model):
    """The item's aggregated answer: the label (or value) the crowd agreed on, with its posterior confidence."""

    class Status(models.TextChoices):
        AGREED = "agreed"  # confident enough: the item is final
        ESCALATED = "escalated"  # below target at max overlap: an expert decides
        REVIEW = "review"  # no vote possible (free text): an expert reviews
        ADJUDICATED = "adjudicated"  # an expert's final answer

    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="consensus")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    value = models.JSONField(null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    method = models.CharField(max_length=20)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=Status.choices)
    annotation_count = models.PositiveSmallIntegerField(default=0)
    annotator_ids = models.JSONField(default=list)
    ontology_version = models.ForeignKey(
        OntologyVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index("project", "status", name="consensus_by_status")]

    def __str__(self) -> str:
        return f"consensus of item {self.item_id}: {self.status}"


class Adjudication(models.Model):
    """An expert's final answer on a disputed item, with the written reason: the project's case law."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="adjudications")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="adjudications")
    reviewer_id = models.BigIntegerField()  # public-schema annotator id of the expert
    value = models.JSONField()
    reason = models.TextField()
    labels = models.JSONField(default=list)  # labels named in the final value, for searching case law by label
    answers = models.JSONField(default=list)  # what the annotators had answered, as the expert saw it
    ontology_version = models.ForeignKey(OntologyVersion, on_delete=models.PROTECT, related_name="+")
    # The ontology change this case led to (a guideline clarified in a later version), once someone links it.
    led_to_version = models.ForeignKey(
        OntologyVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="case_law"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"adjudication of item {self.item_id} by {self.reviewer_id}"


class ProjectMetrics(models.Model):
    """The latest agreement figures of a project (computed by an actor; the API and dashboard read this row)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="metrics")
    figures = models.JSONField(default=dict)
    annotation_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"metrics of project {self.project_id}"
