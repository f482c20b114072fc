"""Ontology versions: validate, save as the next version (or amend an unused one), lock when used."""

from django.db import connection, transaction

from projects.models import OntologyVersion, Project
from projects.ontology import Ontology, OntologyInvalid, diff_ontologies, parse_ontology
from projects.services.project import ProjectRuleBroken


class OntologyRejected(ProjectRuleBroken):
    code = "invalid_ontology"


def save_ontology(*, project: Project, definition: dict, changelog: str = "", user_id: int | None) -> OntologyVersion:
    """Make `definition` the project's current ontology.

    A version that no work references yet is amended in place; a locked one is never touched: the change
    becomes version n+1, with a changelog line computed from the difference when none is given.
    """
    try:
        ontology = parse_ontology(definition)
    except OntologyInvalid as exc:
        first = exc.errors[0]
        raise OntologyRejected(
            f"{first.field}: {first.message}" + (f" (+{len(exc.errors) - 1} more)" if len(exc.errors) > 1 else ""),
            field=first.field,
            details=[{"field": e.field, "code": e.code, "message": e.message} for e in exc.errors],
        ) from None
    if ontology.task_type != project.task_type:
        raise OntologyRejected(
            f"ontology task_type {ontology.task_type} does not match the project's {project.task_type}",
            field="task_type",
        )
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        current = project.current_ontology
        canonical = ontology.to_dict()
        if current is not None:
            lines = diff_ontologies(parse_ontology(current.definition), ontology)
            if not lines:
                return current
            changelog = changelog.strip() or "; ".join(lines)
        else:
            changelog = changelog.strip() or "first version"
        if current is not None and not current.is_locked:
            current.definition = canonical
            current.changelog = f"{current.changelog}\n{changelog}".strip()
            current.save(update_fields=["definition", "changelog"])
            return current
        number = (current.number + 1) if current else 1
        version = OntologyVersion.objects.create(
            project=project, number=number, definition=canonical, changelog=changelog, created_by_id=user_id
        )
        project.current_ontology = version
        project.save(update_fields=["current_ontology", "updated_at"])
        return version


def lock_version(*, version_id: int) -> None:
    """Called when an annotation, gold answer or pre-label first refers to the version."""
    OntologyVersion.objects.filter(pk=version_id, is_locked=False).update(is_locked=True)


def current_ontology(project: Project) -> Ontology:
    return parse_ontology(project.current_ontology.definition)


_LOCKED_CACHE: dict[tuple[str, int], Ontology] = {}


def ontology_of(version: OntologyVersion) -> Ontology:
    """The parsed ontology of a version. Locked versions never change, so their parse is kept per process."""
    if not version.is_locked:
        return parse_ontology(version.definition)
    key = (connection.schema_name, version.pk)
    ontology = _LOCKED_CACHE.get(key)
    if ontology is None:
        if len(_LOCKED_CACHE) > 2048:
            _LOCKED_CACHE.clear()
        ontology = _LOCKED_CACHE[key] = parse_ontology(version.definition)
    return ontology
