"""Dramatiq actors of the projects app: unpack ids, call one service."""

from django.db import connection

from labelhub.tasks import tenant_actor
from projects.models import Project, WorkerPing
from projects.services import imports, listing


@tenant_actor(max_retries=3)
def ping(nonce: str) -> None:
    """Health probe for the worker path; idempotent on the nonce."""
    WorkerPing.objects.get_or_create(nonce=nonce, defaults={"seen_schema": connection.schema_name})


@tenant_actor(max_retries=3, time_limit=3_600_000)
def run_import_job(job_id: int) -> None:
    imports.run_import(job_id=job_id)


@tenant_actor(max_retries=3)
def refresh_listing(project_id: int) -> None:
    """Recount a project's remaining work for the annotators' listing (idempotent: it recounts)."""
    project = Project.objects.filter(pk=project_id).first()
    if project is not None:
        listing.publish(project)


@tenant_actor(max_retries=3, time_limit=1_800_000)
def compute_metrics(project_id: int) -> None:
    """Recompute a project's agreement figures (idempotent: a full recount each time)."""
    from projects.services import metrics

    metrics.refresh_metrics(project_id=project_id)


@tenant_actor(max_retries=3, time_limit=1_800_000)
def aggregate_pending(project_id: int) -> None:
    """Aggregate the items that completed since the last run (idempotent: consensus is recomputed from answers)."""
    from projects.services import consensus

    consensus.aggregate_pending(project_id=project_id)


@tenant_actor(max_retries=3, time_limit=3_600_000)
def recompute_consensus(project_id: int) -> None:
    """Full recompute of every completed item's consensus (on demand, or after the method changed)."""
    from projects.services import consensus

    consensus.recompute_project(project_id=project_id)


@tenant_actor(max_retries=3, time_limit=3_600_000)
def build_dataset(version_id: int) -> None:
    """Snapshot a dataset version, then queue its exports (idempotent: a retry retakes the snapshot)."""
    from projects.services import datasets

    datasets.build_version(version_id=version_id)


@tenant_actor(max_retries=3, time_limit=7_200_000)
def run_dataset_export(export_id: int) -> None:
    from projects.services import datasets

    datasets.run_export(export_id=export_id)


# Webhook retries: 1 s, 2 s, 4 s ... capped at 30 s; the delivery row counts attempts and gives up at MAX_ATTEMPTS.
@tenant_actor(max_retries=8, min_backoff=1_000, max_backoff=30_000)
def deliver_webhook(delivery_id: int) -> None:
    from projects.services import webhooks

    webhooks.deliver(delivery_id=delivery_id)


@tenant_actor(max_retries=3, time_limit=3_600_000)
def run_prelabel(project_id: int) -> None:
    """Pre-label open items (idempotent: items already answered or final are skipped; a pre-label is replaced)."""
    from projects.services import prelabel

    prelabel.run_prelabel(project_id=project_id)


@tenant_actor(max_retries=3, time_limit=3_600_000)
def retrain_model(project_id: int) -> None:
    """Train a new local model version, then re-order open items by what it is unsure about."""
    from projects.services import prelabel

    if prelabel.train_local_model(project_id=project_id) is not None:
        prelabel.refresh_priorities(project_id=project_id)
