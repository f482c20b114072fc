"""Next task, leases, skips, gold injection and submission rules."""

from datetime import timedelta

import pytest
from django.utils import timezone

from labelhub.errors import Conflict, Forbidden, NotFound
from projects.models import Annotation, Assignment, Item, Project
from projects.services.annotate import AnnotationRejected, skip_task, submit_annotation
from projects.services.distribution import NoTask, next_task
from projects.services.project import transition_project
from workforce.services import enroll_annotator, ensure_vendor


@pytest.fixture
def vendor(db):
    return ensure_vendor(name="Test vendor")


@pytest.fixture
def make_annotator(vendor):
    counter = iter(range(1, 10_000))

    def make(tier: str = "crowd", status: str = "active"):
        annotator = enroll_annotator(email=f"ann{next(counter)}@v.test", vendor=vendor, tier=tier)
        annotator.status = status
        annotator.save()
        return annotator

    return make


@pytest.fixture
def active_project(spam_project):
    Item.objects.bulk_create(
        Item(project=spam_project, external_id=f"i{i}", payload={"text": f"message {i}"}, priority=0) for i in range(6)
    )
    Project.objects.filter(pk=spam_project.pk).update(gold_rate=0, overlap_k=2)
    transition_project(project_id=spam_project.pk, to="active")
    spam_project.refresh_from_db()
    return spam_project


def serve(project, annotator, tenant, exclude=()):
    return next_task(project=project, annotator=annotator, tenant_id=tenant.id, exclude=exclude)


def test_highest_priority_open_item_is_served_first(active_project, make_annotator, in_tenant):
    Item.objects.filter(project=active_project, external_id="i4").update(priority=9)
    lease = serve(active_project, make_annotator(), in_tenant)
    assert lease.item.external_id == "i4"
    assert lease.kind == "task" and lease.ontology_version_id == active_project.current_ontology_id


def test_repeating_the_request_returns_the_held_lease(active_project, make_annotator, in_tenant):
    annotator = make_annotator()
    first = serve(active_project, annotator, in_tenant)
    assert serve(active_project, annotator, in_tenant).pk == first.pk


def test_prefetch_gives_a_second_lease_then_stops(active_project, make_annotator, in_tenant):
    annotator = make_annotator()
    first = serve(active_project, annotator, in_tenant)
    second = serve(active_project, annotator, in_tenant, exclude=(first.pk,))
    assert second.pk != first.pk and second.item_id != first.item_id
    limit = serve(active_project, annotator, in_tenant, exclude=(first.pk, second.pk))
    assert isinstance(limit, NoTask) and limit.reason == "lease_limit"


def test_an_item_never_gets_more_than_k_annotators(active_project, make_annotator, in_tenant):
    people = [make_annotator() for _ in range(5)]
    for person in people:
        for _ in range(6):
            lease = serve(active_project, person, in_tenant)
            if isinstance(lease, NoTask):
                break
            submit_annotation(assignment_id=lease.pk, annotator_id=person.pk, value={"label": "ham"}, client_ms=100)
    counts = list(Item.objects.filter(project=active_project).values_list("annotation_count", flat=True))
    assert counts == [2] * 6
    assert set(Item.objects.filter(project=active_project).values_list("status", flat=True)) == {"complete"}
    assert Annotation.objects.count() == 12


def test_an_annotator_never_sees_the_same_item_twice(active_project, make_annotator, in_tenant):
    person = make_annotator()
    seen = []
    while not isinstance(lease := serve(active_project, person, in_tenant), NoTask):
        seen.append(lease.item_id)
        submit_annotation(assignment_id=lease.pk, annotator_id=person.pk, value={"label": "spam"}, client_ms=None)
    assert len(seen) == len(set(seen)) == 6
    assert lease.reason == "no_work"


def test_skipped_item_returns_its_slot_and_is_not_served_to_the_skipper_again(
    active_project, make_annotator, in_tenant
):
    Project.objects.filter(pk=active_project.pk).update(overlap_k=1)
    active_project.refresh_from_db()
    skipper, other = make_annotator(), make_annotator()
    lease = serve(active_project, skipper, in_tenant)
    skip_task(assignment_id=lease.pk, annotator_id=skipper.pk, reason="unreadable")
    assert Assignment.objects.get(pk=lease.pk).skip_reason == "unreadable"
    served_to_skipper = []
    while not isinstance(next_lease := serve(active_project, skipper, in_tenant), NoTask):
        served_to_skipper.append(next_lease.item_id)
        skip_task(assignment_id=next_lease.pk, annotator_id=skipper.pk)
    assert lease.item_id not in served_to_skipper
    assert serve(active_project, other, in_tenant).item_id == lease.item_id


def test_expired_lease_returns_the_slot(active_project, make_annotator, in_tenant):
    Project.objects.filter(pk=active_project.pk).update(overlap_k=1)
    active_project.refresh_from_db()
    Item.objects.filter(project=active_project).exclude(external_id="i0").delete()
    slow, fast = make_annotator(), make_annotator()
    lease = serve(active_project, slow, in_tenant)
    assert isinstance(serve(active_project, fast, in_tenant), NoTask)
    Assignment.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    retaken = serve(active_project, fast, in_tenant)
    assert retaken.item_id == lease.item_id
    assert Assignment.objects.get(pk=lease.pk).status == "expired"


def test_late_submit_is_accepted_while_the_slot_is_free(active_project, make_annotator, in_tenant):
    person = make_annotator()
    lease = serve(active_project, person, in_tenant)
    Assignment.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    serve(active_project, make_annotator(), in_tenant)  # triggers reclaim of the expired lease
    assert Assignment.objects.get(pk=lease.pk).status == "expired"
    annotation = submit_annotation(assignment_id=lease.pk, annotator_id=person.pk, value={"label": "ham"}, client_ms=5)
    item = Item.objects.get(pk=lease.item_id)
    assert annotation.pk and item.annotation_count == 1 and item.assigned_count >= 1


def test_late_submit_is_refused_when_the_slot_was_taken(active_project, make_annotator, in_tenant):
    Project.objects.filter(pk=active_project.pk).update(overlap_k=1)
    active_project.refresh_from_db()
    Item.objects.filter(project=active_project).exclude(external_id="i0").delete()
    slow, fast = make_annotator(), make_annotator()
    lease = serve(active_project, slow, in_tenant)
    Assignment.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    taken = serve(active_project, fast, in_tenant)
    submit_annotation(assignment_id=taken.pk, annotator_id=fast.pk, value={"label": "ham"}, client_ms=5)
    with pytest.raises(Conflict) as err:
        submit_annotation(assignment_id=lease.pk, annotator_id=slow.pk, value={"label": "spam"}, client_ms=5)
    assert err.value.code == "lease_lost"
    assert Annotation.objects.filter(annotator_id=slow.pk).count() == 0
    assert Item.objects.get(pk=lease.item_id).annotation_count == 1


def test_submit_records_times_version_and_closes_the_lease(active_project, make_annotator, in_tenant):
    person = make_annotator()
    lease = serve(active_project, person, in_tenant)
    annotation = submit_annotation(
        assignment_id=lease.pk, annotator_id=person.pk, value={"label": "spam"}, client_ms=1234
    )
    lease.refresh_from_db()
    assert lease.status == "submitted" and lease.closed_at is not None
    assert annotation.client_ms == 1234 and annotation.server_ms >= 0
    assert annotation.ontology_version_id == active_project.current_ontology_id
    active_project.current_ontology.refresh_from_db()
    assert active_project.current_ontology.is_locked


def test_double_submit_is_refused_and_writes_nothing(active_project, make_annotator, in_tenant):
    person = make_annotator()
    lease = serve(active_project, person, in_tenant)
    submit_annotation(assignment_id=lease.pk, annotator_id=person.pk, value={"label": "spam"}, client_ms=1)
    with pytest.raises(Conflict) as err:
        submit_annotation(assignment_id=lease.pk, annotator_id=person.pk, value={"label": "ham"}, client_ms=1)
    assert err.value.code == "already_submitted"
    assert Annotation.objects.get(assignment=lease).value == {"label": "spam"}


def test_invalid_value_is_refused_naming_the_field_and_keeps_the_lease(active_project, make_annotator, in_tenant):
    person = make_annotator()
    lease = serve(active_project, person, in_tenant)
    with pytest.raises(AnnotationRejected) as err:
        submit_annotation(assignment_id=lease.pk, annotator_id=person.pk, value={"label": "eggs"}, client_ms=1)
    assert err.value.field.startswith("value")
    assert Assignment.objects.get(pk=lease.pk).status == "active"
    assert not Annotation.objects.exists()


def test_someone_elses_lease_is_not_found(active_project, make_annotator, in_tenant):
    owner, intruder = make_annotator(), make_annotator()
    lease = serve(active_project, owner, in_tenant)
    with pytest.raises(NotFound):
        submit_annotation(assignment_id=lease.pk, annotator_id=intruder.pk, value={"label": "ham"}, client_ms=1)
    with pytest.raises(NotFound):
        skip_task(assignment_id=lease.pk, annotator_id=intruder.pk)
    assert Assignment.objects.get(pk=lease.pk).status == "active"


def test_submissions_to_a_paused_project_are_refused(active_project, make_annotator, in_tenant):
    person = make_annotator()
    lease = serve(active_project, person, in_tenant)
    transition_project(project_id=active_project.pk, to="paused")
    with pytest.raises(Conflict) as err:
        submit_annotation(assignment_id=lease.pk, annotator_id=person.pk, value={"label": "ham"}, client_ms=1)
    assert err.value.code == "project_not_active"
    active_project.refresh_from_db()
    assert serve(active_project, person, in_tenant).reason == "project_not_active"


def test_minimum_tier_is_enforced(active_project, make_annotator, in_tenant):
    Project.objects.filter(pk=active_project.pk).update(min_tier="trained")
    active_project.refresh_from_db()
    with pytest.raises(Forbidden):
        serve(active_project, make_annotator(tier="crowd"), in_tenant)
    assert isinstance(serve(active_project, make_annotator(tier="expert"), in_tenant), Assignment)


def test_paused_annotator_gets_no_work(active_project, make_annotator, in_tenant):
    assert serve(active_project, make_annotator(status="paused"), in_tenant).reason == "paused"


def test_hidden_gold_is_served_at_the_project_rate(spam_project, make_annotator, in_tenant):
    items = [Item(project=spam_project, external_id=f"t{i}", payload={"text": "x"}) for i in range(2000)]
    gold = [
        Item(project=spam_project, external_id=f"g{i}", payload={"text": "g"}, gold={"label": "ham"}, is_gold=True)
        for i in range(400)
    ]
    Item.objects.bulk_create(items + gold)
    Project.objects.filter(pk=spam_project.pk).update(gold_rate=0.2, overlap_k=1, status="active", calibration_items=0)
    spam_project.refresh_from_db()
    kinds = []
    for _ in range(8):
        person = make_annotator()
        for _ in range(100):
            lease = serve(spam_project, person, in_tenant)
            kinds.append(lease.kind)
            submit_annotation(assignment_id=lease.pk, annotator_id=person.pk, value={"label": "ham"}, client_ms=1)
    share = kinds.count("gold") / len(kinds)
    assert 0.15 <= share <= 0.25, share  # 800 draws at p=0.2: +-0.05 is over 3.5 standard deviations
    # gold answers take no slots
    assert not Item.objects.filter(is_gold=True, assigned_count__gt=0).exists()
