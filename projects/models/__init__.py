"""Tenant-schema tables: projects, ontology versions, items and imports.

Rows that refer to public-schema people (users, annotators) store their ids, never foreign keys across schemas.
"""

from projects.models.core import TASK_TYPE_CHOICES, TIER_CHOICES, ImportJob, Item, OntologyVersion, Project
from projects.models.datasets import (
    DatasetExport,
    DatasetItem,
    DatasetVersion,
    WebhookDelivery,
    WebhookEndpoint,
)
from projects.models.prelabel import ModelVersion, PreLabel
from projects.models.quality import Adjudication, Consensus, ProjectMetrics
from projects.models.work import Annotation, Assignment, WorkerPing

__all__ = [
    "TASK_TYPE_CHOICES", "TIER_CHOICES", "Adjudication", "Annotation", "Assignment", "Consensus", "DatasetExport",
    "DatasetItem", "DatasetVersion", "ImportJob", "Item", "ModelVersion", "OntologyVersion", "PreLabel", "Project",
    "ProjectMetrics",
    "WebhookDelivery", "WebhookEndpoint", "WorkerPing",
]  # fmt: skip
