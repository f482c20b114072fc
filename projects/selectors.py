"""Read queries of the projects app (tenant schema: the connection is already inside the tenant)."""

from django.db.models import Count, Q, QuerySet

from labelhub.errors import NotFound
from projects.models import ImportJob, Item, OntologyVersion, Project


def projects_with_counts() -> QuerySet[Project]:
    return Project.objects.select_related("current_ontology").annotate(
        item_count=Count("items"),
        final_count=Count("items", filter=Q(items__status=Item.Status.FINAL)),
    )


def get_project(project_id: int) -> Project:
    project = Project.objects.select_related("current_ontology").filter(pk=project_id).first()
    if project is None:
        raise NotFound(f"no project {project_id}")
    return project


def get_project_for_work(project_id: int) -> Project:
    """The project as the annotator hot path needs it: no large ontology JSON, just the current version number."""
    project = (
        Project.objects.select_related("current_ontology")
        .defer("description", "current_ontology__definition", "current_ontology__changelog")
        .filter(pk=project_id)
        .first()
    )
    if project is None:
        raise NotFound(f"no project {project_id}")
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
