"""A project's agreement figures: computed from its accepted answers (figures.py), stored in ProjectMetrics for the
API and the dashboard, and each annotator's agreement with consensus written to their workforce standing."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count, Max

from labelhub.redis import get_redis
from projects.models import Consensus, Project, ProjectMetrics
from projects.services.metrics.figures import FIGURES_VERSION, accepted_answers, compute_figures
from tenants.selectors import current_client
from workforce.services.standing import record_consensus_agreement

SYNC_LIMIT = 20_000  # below this many answers the API computes in the request (about a second)
SCHEDULE_SECONDS = 30

__all__ = ["compute_figures", "is_stale", "metrics_report", "refresh_metrics", "schedule_metrics"]


def refresh_metrics(project_id: int) -> ProjectMetrics | None:
    """Recompute and store the figures, and write each annotator's agreement with consensus to their standing
    (public schema). A full recount: running it twice stores the same numbers. None if the project is gone."""
    project = Project.objects.select_related("current_ontology").filter(pk=project_id).first()
    if project is None:
        return None
    figures = compute_figures(project)
    agreement = {r["annotator_id"]: (r["agreed"], r["compared"]) for r in figures["annotators"]["rows"]}
    with transaction.atomic():
        metrics, _ = ProjectMetrics.objects.update_or_create(
            project=project,
            defaults={"figures": figures, "annotation_count": figures["annotations"] + figures["unusable"]},
        )
        record_consensus_agreement(tenant_id=connection.tenant.pk, project_id=project.pk, agreement=agreement)
    return metrics


def is_stale(metrics: ProjectMetrics) -> bool:
    """Whether answers or consensus changed since the figures were computed (or the layout is older)."""
    figures = metrics.figures or {}
    if figures.get("version") != FIGURES_VERSION:
        return True
    as_of = datetime.fromisoformat(figures["as_of"]) if figures.get("as_of") else metrics.computed_at
    now = accepted_answers(metrics.project).aggregate(n=Count("id"), newest=Max("created_at"))
    consensus = Consensus.objects.filter(project_id=metrics.project_id).aggregate(newest=Max("updated_at"))
    newer = [t for t in (now["newest"], consensus["newest"]) if t is not None and t > as_of]
    return now["n"] != metrics.annotation_count or bool(newer)


def schedule_metrics(project_id: int, *, delay_seconds: int = SCHEDULE_SECONDS) -> bool:
    """Enqueue a recount at most once per SCHEDULE_SECONDS per project: consensus batches arrive every second on a
    busy project, and each full recount reads every answer. Returns False when one is already queued."""
    from projects.actors import compute_metrics

    tenant = current_client()
    if tenant is None:
        return False
    key = f"labelhub:metrics-refresh:{tenant.schema_name}:{project_id}"
    if not get_redis().set(key, "1", nx=True, ex=SCHEDULE_SECONDS):
        return False
    compute_metrics.send_with_options(args=(project_id,), delay=delay_seconds * 1000)
    return True


@dataclass(frozen=True)
class MetricsReport:
    body: dict
    ready: bool  # False: being computed in the background (no figures yet)


def metrics_report(project: Project) -> MetricsReport:
    """The stored figures for the API. Without a row yet, a small project is computed in the request and a big one
    in the background; stale figures are returned as they are while a recount is scheduled."""
    metrics = ProjectMetrics.objects.select_related("project").filter(project=project).first()
    if metrics is None:
        count = accepted_answers(project).count()
        if count >= SYNC_LIMIT:
            schedule_metrics(project.pk, delay_seconds=0)
            message = f"{count} answers: the figures are being computed; ask again in a minute"
            body = {"computed_at": None, "annotation_count": count, "figures": None, "stale": True,
                    "status": "computing", "message": message}  # fmt: skip
            return MetricsReport(body=body, ready=False)
        metrics = refresh_metrics(project.pk)
    stale = is_stale(metrics)
    if stale:
        schedule_metrics(project.pk)
    body = {"computed_at": metrics.computed_at, "annotation_count": metrics.annotation_count,
            "figures": metrics.figures, "stale": stale, "status": "ready"}  # fmt: skip
    return MetricsReport(body=body, ready=True)
