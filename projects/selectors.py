"""Read queries of the projects app (tenant schema: the connection is already inside the tenant)."""

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from labelhub.db.rows import in_model_order
from labelhub.errors import NotFound
from projects.models import ImportJob, Item, OntologyVersion, Project
from workforce.models import Qualification
from workforce.selectors import STANDING_FIELDS


def _item_count(**filters) -> Coalesce:
    """Items of the outer project, counted by a correlated subquery: an index-only scan per project, where a join
    and GROUP BY over the whole items table took seconds on million-item projects."""
    per_project = Item.objects.filter(project=OuterRef("pk"), **filters).order_by().values("project")
    return Coalesce(Subquery(per_project.annotate(n=Count("*")).values("n"), output_field=IntegerField()), 0)


def projects_with_counts() -> QuerySet[Project]:
    return Project.objects.select_related("current_ontology").annotate(
        item_count=_item_count(), final_count=_item_count(status=Item.Status.FINAL)
    )


def get_project(project_id: int, *, with_counts: bool = False) -> Project:
    queryset = projects_with_counts() if with_counts else Project.objects.select_related("current_ontology")
    project = queryset.filter(pk=project_id).first()
    if project is None:
        raise NotFound(f"no project {project_id}")
    return project


_WORK_FIELDS = in_model_order(
    Project,
    {"id", "name", "task_type", "status", "min_tier", "gold_rate", "overlap_mode", "overlap_k", "overlap_min",
     "lease_seconds", "current_ontology_id", "accuracy_floor", "gold_min_for_pause", "calibration_items",
     "calibration_pass_threshold", "calibration_attempts", "show_suggestions", "budget"},
)  # fmt: skip


_WORK_SQL = (
    f"SELECT {', '.join(f'p.{f}' for f in _WORK_FIELDS)}, v.number, {', '.join(f'q.{f}' for f in STANDING_FIELDS)}"
    " FROM projects_project p LEFT JOIN projects_ontologyversion v ON v.id = p.current_ontology_id"
    " LEFT JOIN workforce_qualification q"
    " ON q.annotator_id = %(annotator)s AND q.tenant_id = %(tenant)s AND q.project_id = p.id"
    " WHERE p.id = %(project)s"
)


def get_project_for_work(project_id: int, *, annotator_id: int | None = None, tenant_id: int | None = None) -> Project:
    """The project as the annotator hot path needs it, in one raw query: the settings distribution reads, the
    current ontology version number (as `current_ontology_number`) and, given an annotator, their standing in it
    (as `standing`, None before their first answer); other fields are deferred."""
    with connection.cursor() as cursor:
        cursor.execute(_WORK_SQL, {"project": project_id, "annotator": annotator_id, "tenant": tenant_id})
        row = cursor.fetchone()
    if row is None:
        raise NotFound(f"no project {project_id}")
    split = len(_WORK_FIELDS)
    project = Project.from_db("default", _WORK_FIELDS, row[:split])
    project.current_ontology_number = row[split]
    standing_row = row[split + 1 :]
    project.standing = (
        None if standing_row[0] is None else Qualification.from_db("default", STANDING_FIELDS, standing_row)
    )
    return project


def get_version(project: Project, number: int) -> OntologyVersion:
    version = OntologyVersion.objects.filter(project=project, number=number).first()
    if version is None:
        raise NotFound(f"project {project.pk} has no ontology version {number}")
    return version


def get_import(project: Project, job_id: int) -> ImportJob:
    job = ImportJob.objects.filter(project=project, pk=job_id).first()
    if job is None:
        raise NotFound(f"no import {job_id} in project {project.pk}")
    return job


def items_of(project: Project, *, status: str | None = None, is_gold: bool | None = None) -> QuerySet[Item]:
    items = Item.objects.filter(project=project)
    if status:
        items = items.filter(status=status)
    if is_gold is not None:
        items = items.filter(is_gold=is_gold)
    return items.order_by("id")


def get_item(project: Project, item_id: int) -> Item:
    item = Item.objects.filter(project=project, pk=item_id).first()
    if item is None:
        raise NotFound(f"no item {item_id} in project {project.pk}")
    return item


def suggestion_for(project: Project, lease) -> dict | None:
    """The pre-label shown to the annotator, only where the project opted in (off by default: anchoring), only on
    ordinary tasks, and never on audited items (an audit must measure the pre-labeler, not echo it)."""
    if not getattr(project, "show_suggestions", False) or lease.kind != "task":
        return None
    from projects.models import PreLabel

    row = (
        PreLabel.objects.filter(item_id=lease.item_id, status=PreLabel.Status.OK, route=PreLabel.Route.HUMAN)
        .values("value", "confidence", "backend")
        .first()
    )
    return row
