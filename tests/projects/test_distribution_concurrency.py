"""Real concurrent sessions against real PostgreSQL: many annotators at once never over-assign."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from projects.models import Annotation, Assignment, Item, Project
from projects.services.annotate import submit_annotation
from projects.services.distribution import NoTask, next_task
from projects.services.ontology import save_ontology
from projects.services.project import create_project, transition_project
from tests.projects.conftest import SPAM_ONTOLOGY
from workforce.services import enroll_annotator, ensure_vendor

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 16
ITEMS = 120
K = 3


def test_item_never_gets_more_than_k_annotators_under_concurrency(committed_tenants):
    tenant = committed_tenants[0]
    vendor = ensure_vendor(name="Concurrency vendor")
    people = [enroll_annotator(email=f"c{i}@v.test", vendor=vendor, tier="crowd") for i in range(WORKERS)]
    for person in people:
        person.status = "active"
        person.save()
    connection.set_tenant(tenant)
    project = create_project(name="race", task_type="single_label", user_id=None, overlap_k=K, gold_rate=0)
    save_ontology(project=project, definition=SPAM_ONTOLOGY, user_id=None)
    Item.objects.bulk_create(Item(project=project, external_id=str(i), payload={"text": "t"}) for i in range(ITEMS))
    transition_project(project_id=project.pk, to="active")
    project = Project.objects.get(pk=project.pk)
    connection.set_schema_to_public()

    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []
    done = Counter()

    def work(person):
        try:
            connection.set_tenant(tenant)
            barrier.wait()
            while True:
                lease = next_task(project=project, annotator=person, tenant_id=tenant.id)
                if isinstance(lease, NoTask):
                    break
                submit_annotation(assignment_id=lease.pk, annotator_id=person.pk, value={"label": "ham"}, client_ms=1)
                done[person.pk] += 1
        except BaseException as exc:  # surfaced below; a thread must not swallow failures
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]

    connection.set_tenant(tenant)
    per_item = Counter(Annotation.objects.filter(project=project).values_list("item_id", flat=True))
    assert max(per_item.values()) == K  # never over k
    assert len(per_item) == ITEMS and set(per_item.values()) == {K}  # and everything got done
    pairs = list(Assignment.objects.filter(project=project).values_list("item_id", "annotator_id"))
    assert len(pairs) == len(set(pairs))
    assert not Item.objects.filter(project=project).exclude(assigned_count=K).exists()
    assert sum(done.values()) == ITEMS * K
    assert len(done) > 1  # the work really was spread over several sessions
    connection.set_schema_to_public()
