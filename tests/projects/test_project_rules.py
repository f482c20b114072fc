import pytest

from projects.models import OntologyVersion, Project
from projects.services.ontology import OntologyRejected, lock_version, save_ontology
from projects.services.project import ProjectRuleBroken, create_project, transition_project, update_project
from tests.projects.conftest import SPAM_ONTOLOGY


def test_project_starts_in_draft(in_tenant):
    project = create_project(name="P", task_type="spans", user_id=7)
    assert project.status == "draft" and project.created_by_id == 7


@pytest.mark.parametrize(
    ("field", "value"),
    [("gold_rate", 1.5), ("audit_rate", -0.1), ("overlap_k", 0), ("task_type", "video"), ("budget", -1)],
)
def test_bad_project_settings_are_refused_naming_the_field(in_tenant, field, value):
    with pytest.raises(ProjectRuleBroken) as err:
        create_project(name="P", user_id=None, **({"task_type": "single_label"} | {field: value}))
    assert err.value.field == field
    assert not Project.objects.exists()


def test_project_cannot_start_without_an_ontology(in_tenant):
    project = create_project(name="P", task_type="single_label", user_id=None)
    with pytest.raises(ProjectRuleBroken, match="ontology"):
        transition_project(project_id=project.pk, to="active")
    project.refresh_from_db()
    assert project.status == "draft"


def test_valid_transitions_walk_the_life_cycle(spam_project):
    for to in ["calibrating", "active", "paused", "active", "completed", "archived"]:
        assert transition_project(project_id=spam_project.pk, to=to).status == to


@pytest.mark.parametrize(("start", "to"), [("draft", "paused"), ("draft", "completed"), ("archived", "active")])
def test_invalid_transitions_are_refused(spam_project, start, to):
    Project.objects.filter(pk=spam_project.pk).update(status=start)
    with pytest.raises(ProjectRuleBroken) as err:
        transition_project(project_id=spam_project.pk, to=to)
    assert err.value.code == "bad_transition"
    spam_project.refresh_from_db()
    assert spam_project.status == start


def test_task_type_is_frozen_after_draft(spam_project):
    transition_project(project_id=spam_project.pk, to="active")
    spam_project.refresh_from_db()
    with pytest.raises(ProjectRuleBroken) as err:
        update_project(project=spam_project, task_type="spans")
    assert err.value.field == "task_type"
    assert update_project(project=spam_project, gold_rate=0.1).gold_rate == 0.1


def test_unused_ontology_version_is_amended_in_place(spam_project):
    edited = SPAM_ONTOLOGY | {"labels": [*SPAM_ONTOLOGY["labels"], {"name": "promo", "hotkey": "3"}]}
    version = save_ontology(project=spam_project, definition=edited, user_id=None)
    assert version.number == 1
    assert OntologyVersion.objects.filter(project=spam_project).count() == 1
    assert "promo" in version.changelog


def test_locked_version_is_never_changed_and_editing_makes_the_next_version(spam_project):
    first = spam_project.current_ontology
    lock_version(version_id=first.pk)
    edited = SPAM_ONTOLOGY | {"labels": [*SPAM_ONTOLOGY["labels"], {"name": "promo", "hotkey": "3"}]}
    second = save_ontology(project=spam_project, definition=edited, changelog="add promo", user_id=None)
    first.refresh_from_db()
    spam_project.refresh_from_db()
    assert second.number == 2 and second.changelog == "add promo"
    assert spam_project.current_ontology_id == second.pk
    assert [label["name"] for label in first.definition["labels"]] == ["ham", "spam"]


def test_saving_the_same_ontology_makes_no_new_version(spam_project):
    lock_version(version_id=spam_project.current_ontology_id)
    again = save_ontology(project=spam_project, definition=SPAM_ONTOLOGY, user_id=None)
    assert again.pk == spam_project.current_ontology_id
    assert OntologyVersion.objects.filter(project=spam_project).count() == 1


def test_invalid_ontology_is_refused_with_every_field_named(spam_project):
    bad = {"task_type": "single_label", "labels": [{"name": "a", "hotkey": "1"}, {"name": "A", "hotkey": "1"}]}
    with pytest.raises(OntologyRejected) as err:
        save_ontology(project=spam_project, definition=bad, user_id=None)
    fields = {d["field"] for d in err.value.details}
    assert any(f.startswith("labels[1]") for f in fields)
    assert len(err.value.details) >= 2
    assert OntologyVersion.objects.filter(project=spam_project).count() == 1


def test_ontology_must_match_the_project_task_type(spam_project):
    with pytest.raises(OntologyRejected) as err:
        save_ontology(project=spam_project, definition={"task_type": "free_text", "labels": []}, user_id=None)
    assert err.value.field == "task_type"
