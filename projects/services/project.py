"""Projects: create, update settings, move through the status life cycle."""

from django.db import transaction

from labelhub.errors import DomainError
from projects.models import Project
from projects.ontology import TASK_TYPES
from projects.services import budget, listing

S = Project.Status
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.CALIBRATING, S.ACTIVE, S.ARCHIVED},
    S.CALIBRATING: {S.ACTIVE, S.PAUSED, S.ARCHIVED},
    S.ACTIVE: {S.PAUSED, S.COMPLETED},
    S.PAUSED: {S.ACTIVE, S.CALIBRATING, S.COMPLETED, S.ARCHIVED},
    S.COMPLETED: {S.ACTIVE, S.ARCHIVED},
    S.ARCHIVED: set(),
}
# Settings that change what existing work means; frozen once the project has left draft.
FROZEN_AFTER_DRAFT = {"task_type"}


class ProjectRuleBroken(DomainError):
    code = "invalid_project"


def _check_settings(values: dict) -> None:
    def unit(name: str) -> None:
        value = values.get(name)
        if value is not None and not 0 <= value <= 1:
            raise ProjectRuleBroken(f"{name} must be between 0 and 1, got {value}", field=name)

    for name in (
        "gold_rate", "audit_rate", "accuracy_floor", "calibration_pass_threshold",
        "auto_accept_threshold", "target_confidence",
    ):  # fmt: skip
        unit(name)
    if "task_type" in values and values["task_type"] not in TASK_TYPES:
        raise ProjectRuleBroken(
            f"unknown task type {values['task_type']!r}; one of {', '.join(TASK_TYPES)}", field="task_type"
        )
    k, lo, hi = values.get("overlap_k"), values.get("overlap_min"), values.get("overlap_max")
    if k is not None and not 1 <= k <= 50:
        raise ProjectRuleBroken("overlap_k must be between 1 and 50", field="overlap_k")
    if lo is not None and hi is not None and not 1 <= lo <= hi <= 50:
        raise ProjectRuleBroken("need 1 <= overlap_min <= overlap_max <= 50", field="overlap_min")
    budget = values.get("budget")
    if budget is not None and budget < 0:
        raise ProjectRuleBroken("budget cannot be negative", field="budget")


def create_project(*, name: str, task_type: str, user_id: int | None, **settings) -> Project:
    values = {"name": name, "task_type": task_type, **settings}
    if not (name or "").strip():
        raise ProjectRuleBroken("name is required", field="name", code="required")
    _check_settings(values)
    with transaction.atomic():
        project = Project.objects.create(created_by_id=user_id, **values)
        if project.budget is not None:
            budget.sync_budget(project)
    return project


def update_project(*, project: Project, **changes) -> Project:
    if project.status != S.DRAFT:
        frozen = FROZEN_AFTER_DRAFT & changes.keys()
        frozen = {f for f in frozen if changes[f] != getattr(project, f)}
        if frozen:
            name = sorted(frozen)[0]
            raise ProjectRuleBroken(f"{name} cannot change once the project has left draft", field=name)
    merged = {f.name: getattr(project, f.name) for f in Project._meta.concrete_fields} | changes
    _check_settings(merged)
    with transaction.atomic():
        for key, value in changes.items():
            setattr(project, key, value)
        if "budget" in changes:
            budget.sync_budget(project)  # refused (409) below what is already spent: nothing is saved then
        project.save()
    return project


def transition_project(*, project_id: int, to: str) -> Project:
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project_id)
        if to not in S.values:
            raise ProjectRuleBroken(f"unknown status {to!r}", field="status", code="bad_status")
        if to not in TRANSITIONS[project.status]:
            allowed = ", ".join(sorted(TRANSITIONS[project.status])) or "none"
            raise ProjectRuleBroken(
                f"cannot go from {project.status} to {to} (allowed: {allowed})", field="status", code="bad_transition"
            )
        if to in (S.ACTIVE, S.CALIBRATING) and project.current_ontology_id is None:
            raise ProjectRuleBroken(
                "define an ontology before starting the project", field="status", code="no_ontology"
            )
        project.status = to
        project.save(update_fields=["status", "updated_at"])
        listing.publish(project)
    return project
