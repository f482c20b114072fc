"""What billing's cost report needs from the tenant schema (see billing.reports.work): the project's overlap
settings, the task annotations its human-final items got, and which backend made each auto-accepted pre-label.
Installed as billing's reader in ProjectsConfig.ready(): billing may not import projects, projects may import
billing. Three aggregate queries whatever the project's size."""

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django_tenants.utils import tenant_context

from billing.models import UsageEvent
from billing.reports import PrelabelSource, WorkFigures
from projects.models import Annotation, Assignment, Item, PreLabel, Project
from tenants.models import Client

_TASK_ANSWER = Q(annotations__kind=Assignment.Kind.TASK, annotations__status=Annotation.Status.ACCEPTED)


def _human_final(project_id: int) -> dict:
    """Final items made by people: not gold, not finalised by an auto-accepted pre-label; and their task answers
    (gold and calibration answers are other kinds; discarded answers do not count)."""
    return (
        Item.objects.filter(project_id=project_id, status=Item.Status.FINAL, is_gold=False)
        .exclude(prelabel__route=PreLabel.Route.AUTO_ACCEPTED)
        .aggregate(items=Count("id", distinct=True), answers=Count("annotations", filter=_TASK_ANSWER))
    )


def _prelabels(tenant_id: int, project_id: int) -> list[PrelabelSource]:
    """The usage ledger's pre-label events grouped by the backend recorded on the item's PreLabel row."""
    backend = PreLabel.objects.filter(item_id=OuterRef("source_id")).values("backend")[:1]
    rows = (
        UsageEvent.objects.filter(tenant_id=tenant_id, project_id=project_id, kind=UsageEvent.Kind.PRELABEL)
        .annotate(backend=Subquery(backend))
        .values("backend")
        .annotate(final_labels=Sum("quantity"), amount=Sum("amount"))
        .order_by("backend")
    )
    return [PrelabelSource(backend=r["backend"], final_labels=r["final_labels"], amount=r["amount"]) for r in rows]


def work_figures(*, tenant_id: int, project_id: int) -> WorkFigures | None:
    """The figures, read inside the tenant's schema whatever schema the caller is in; None for an unknown tenant
    or project."""
    client = Client.objects.filter(pk=tenant_id).exclude(schema_name="public").first()
    if client is None:
        return None
    with tenant_context(client):
        project = Project.objects.filter(pk=project_id).first()
        if project is None:
            return None
        human = _human_final(project_id)
        return WorkFigures(
            overlap_mode=project.overlap_mode, overlap_k=project.overlap_k, overlap_max=project.overlap_max,
            human_final_items=human["items"], task_annotations=human["answers"],
            prelabels=_prelabels(tenant_id, project_id),
        )  # fmt: skip
