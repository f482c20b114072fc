"""Budgets: distribution stops before a project's committed cost would pass its budget, even with many annotators
at once; expired and skipped leases give their share back; final labels are billed once (real PostgreSQL)."""

import threading
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from billing.models import BudgetLedger, UsageEvent
from billing.services import budget_state, set_price
from labelhub.errors import Conflict
from projects.models import Assignment, Item, Project
from projects.services import consensus
from projects.services.annotate import skip_task, submit_annotation
from projects.services.distribution import NoTask, next_task
from projects.services.ontology import save_ontology
from projects.services.project import create_project, transition_project, update_project
from tests.projects.conftest import SPAM_ONTOLOGY
from workforce.services import enroll_annotator, ensure_vendor

WORKERS = 12


def people(n, prefix):
    vendor = ensure_vendor(name=f"Budget vendor {prefix}")
    made = []
    for i in range(n):
        person = enroll_annotator(email=f"{prefix}{i}@v.test", vendor=vendor, tier="crowd")
        person.status = "active"
        person.save()
        made.append(person)
    return made


def budget_project(items=20, budget="5.00", k=1) -> Project:
    project = create_project(name="budgeted", task_type="single_label", user_id=None, overlap_k=k, gold_rate=0,
                             calibration_items=0, budget=Decimal(budget))  # fmt: skip
    save_ontology(project=project, definition=SPAM_ONTOLOGY, user_id=None)
    Item.objects.bulk_create(Item(project=project, external_id=str(i), payload={"text": "t"}) for i in range(items))
    transition_project(project_id=project.pk, to="active")
    return Project.objects.get(pk=project.pk)


@pytest.mark.django_db(transaction=True)
def test_budget_stops_distribution_under_concurrent_annotators(committed_tenants):
    tenant = committed_tenants[0]
    set_price(task_type="single_label", tier="crowd", amount="1.00")
    workers = people(WORKERS, "race")
    connection.set_tenant(tenant)
    project = budget_project(items=40, budget="5.00", k=1)
    connection.set_schema_to_public()
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []
    done, refused = Counter(), Counter()

    def work(person):
        try:
            connection.set_tenant(tenant)
            barrier.wait()
            while True:
                lease = next_task(project=project, annotator=person, tenant_id=tenant.id)
                if isinstance(lease, NoTask):
                    refused[lease.reason] += 1
                    break
                submit_annotation(assignment_id=lease.pk, annotator_id=person.pk, value={"label": "ham"}, client_ms=1)
                done[person.pk] += 1
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(p,)) for p in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sum(done.values()) == 5 and refused == Counter({"budget_exhausted": WORKERS})
    connection.set_tenant(tenant)
    completed = list(Item.objects.filter(project=project, status="complete").values_list("id", flat=True))
    consensus.aggregate_items(project, completed)
    connection.set_schema_to_public()
    state = budget_state(tenant_id=tenant.id, project_id=project.pk)
    assert Decimal(state["spent"]) == Decimal("5.00") and Decimal(state["reserved"]) == 0
    assert UsageEvent.objects.filter(project_id=project.pk, kind="final_label").count() == 5


@pytest.mark.django_db
def test_expired_and_skipped_leases_give_their_share_back(in_tenant):
    set_price(task_type="single_label", tier="crowd", amount="0.90")
    a, b, c = people(3, "share")
    project = budget_project(items=5, budget="10.00", k=3)
    ledger = lambda: BudgetLedger.objects.get(tenant_id=in_tenant.id, project_id=project.pk)  # noqa: E731
    first = next_task(project=project, annotator=a, tenant_id=in_tenant.id)
    assert ledger().reserved == Decimal("0.3000")  # one annotator's third of the final label's price
    skip_task(assignment_id=first.pk, annotator_id=a.pk)
    assert ledger().reserved == 0
    second = next_task(project=project, annotator=b, tenant_id=in_tenant.id)
    Assignment.objects.filter(pk=second.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    next_task(project=project, annotator=c, tenant_id=in_tenant.id)  # this lease's script reclaims the expired one
    assert ledger().reserved == Decimal("0.3000")


@pytest.mark.django_db
def test_a_budget_below_what_is_spent_is_refused_and_nothing_changes(in_tenant):
    set_price(task_type="single_label", tier="crowd", amount="2.00")
    (person,) = people(1, "spent")
    project = budget_project(items=3, budget="10.00", k=1)
    for _ in range(2):
        lease = next_task(project=Project.objects.get(pk=project.pk), annotator=person, tenant_id=in_tenant.id)
        submit_annotation(assignment_id=lease.pk, annotator_id=person.pk, value={"label": "spam"}, client_ms=5)
    consensus.aggregate_items(project, list(Item.objects.filter(project=project).values_list("id", flat=True)))
    consensus.aggregate_items(project, list(Item.objects.filter(project=project).values_list("id", flat=True)))
    assert UsageEvent.objects.filter(project_id=project.pk).count() == 2  # a recount never bills twice
    with pytest.raises(Conflict) as refused:
        update_project(project=Project.objects.get(pk=project.pk), budget=Decimal("3.00"))
    assert refused.value.code == "budget_below_spent"
    assert Project.objects.get(pk=project.pk).budget == Decimal("10.00")
    update_project(project=Project.objects.get(pk=project.pk), budget=Decimal("4.00"))
    offer = next_task(project=Project.objects.get(pk=project.pk), annotator=person, tenant_id=in_tenant.id)
    assert isinstance(offer, NoTask) and offer.reason == "budget_exhausted"


@pytest.mark.django_db
def test_a_suspended_client_gets_no_work_served(in_tenant):
    from django.core.cache import cache

    from billing.models import TenantBillingState

    (person,) = people(1, "suspended")
    project = budget_project(items=3, budget="100.00", k=1)
    TenantBillingState.objects.create(tenant_id=in_tenant.id, suspended=True, reason="invoice in_1 unpaid")
    cache.clear()
    offer = next_task(project=Project.objects.get(pk=project.pk), annotator=person, tenant_id=in_tenant.id)
    assert isinstance(offer, NoTask) and offer.reason == "billing_suspended"
    TenantBillingState.objects.filter(tenant_id=in_tenant.id).update(suspended=False)
    cache.clear()
    assert not isinstance(next_task(project=Project.objects.get(pk=project.pk), annotator=person,
                                    tenant_id=in_tenant.id), NoTask)  # fmt: skip
