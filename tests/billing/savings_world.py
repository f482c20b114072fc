"""A small project worked through the real services, for the savings tests and the cost dashboards' browser test.

Adaptive overlap (min 2, max 4, target confidence 0.85) with no hidden gold in the queue and no calibration:
- three items auto-accepted from an LLM pre-label (the real openai client against tests/fake_openai.py, confidence
  0.9 over an auto-accept threshold of 0.85): billed as pre-labels, never paid;
- three items labeled by people: two agree at once (2 answers each), one splits, takes the maximum of 4 answers,
  ends 2-2, is escalated and adjudicated by an expert: 8 task answers on 3 human-final items;
- one hidden-gold answer (paid, never a task answer), given on a lease made as distribution makes gold leases.
Prices and pay rates come from the `price_book` fixture (tests/billing/conftest.py).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from projects.models import Assignment, Item, Project
from projects.services import adjudication, consensus, prelabel
from projects.services.annotate import submit_annotation
from projects.services.distribution import next_task
from projects.services.ontology import save_ontology
from projects.services.project import create_project, transition_project
from tests.fake_openai import FakeOpenAI
from tests.projects.conftest import SPAM_ONTOLOGY
from workforce.services import enroll_annotator, ensure_vendor

PRELABELED = ["WINNER! Claim your free prize now, call 09061701461", "Free entry: txt WIN to 80086 now",
              "Urgent! You have won a cash award, reply CLAIM"]  # fmt: skip
HUMAN = ["Are we still on for lunch?", "I'll be late, start without me", "Call me when you can"]
SPAM, HAM = {"label": "spam"}, {"label": "ham"}
# (annotator index, value) in the order they take their next task: item 1 and 2 agree at once, item 3 splits.
ANSWERS = [(0, HAM), (1, HAM), (2, HAM), (3, HAM), (4, SPAM), (0, HAM), (1, SPAM), (2, HAM)]
VENDOR = "Cost vendor"
MANAGER = "costs-manager@vendor.test"


@dataclass
class World:
    project: Project
    people: list
    expert: object
    human_items: list[int]
    prelabeled_items: list[int]


def _person(email: str, tier: str, vendor, password: str | None, **extra):
    person = enroll_annotator(email=email, vendor=vendor, tier=tier, password=password, **extra)
    person.status = "active"
    person.save()
    return person


def _project(name: str, **settings) -> tuple[Project, list[int], list[int], Item]:
    project = create_project(name=name, task_type="single_label", user_id=None)
    save_ontology(project=project, definition=SPAM_ONTOLOGY, user_id=None)
    human = [
        Item.objects.create(project=project, external_id=f"h{n}", payload={"text": t}) for n, t in enumerate(HUMAN)
    ]
    pre = [Item.objects.create(project=project, external_id=f"p{n}", payload={"text": t})
           for n, t in enumerate(PRELABELED)]  # fmt: skip
    gold = Item.objects.create(project=project, external_id="g0", payload={"text": "WIN cash now"}, is_gold=True,
                               gold=SPAM)  # fmt: skip
    defaults = {"gold_rate": 0, "calibration_items": 0, "prelabel_backend": "llm", "auto_accept_threshold": 0.85,
                "audit_rate": 0}  # fmt: skip
    Project.objects.filter(pk=project.pk).update(**(defaults | settings))
    transition_project(project_id=project.pk, to="active")
    project.refresh_from_db()
    return project, [i.pk for i in human], [i.pk for i in pre], gold


def prelabel_with_llm(project: Project, item_ids: list[int]) -> None:
    with FakeOpenAI(label_probability=0.9) as fake:
        Project.objects.filter(pk=project.pk).update(
            prelabel_settings={"base_url": fake.base_url, "model": "fake-1", "api_key": "sk-test", "concurrency": 1}
        )
        counts = prelabel.run_prelabel(project_id=project.pk, item_ids=item_ids)
    assert counts == {"auto_accepted": len(item_ids)}, counts


def _gold_answer(project: Project, gold: Item, person, tenant_id: int) -> None:
    lease = Assignment.objects.create(project=project, item=gold, annotator_id=person.pk, kind=Assignment.Kind.GOLD,
                                      ontology_version_id=project.current_ontology_id,
                                      expires_at=timezone.now() + timedelta(minutes=10))  # fmt: skip
    submit_annotation(assignment_id=lease.pk, annotator_id=person.pk, value=SPAM, client_ms=900, tenant_id=tenant_id)


def build(tenant, *, password: str | None = None) -> World:
    """The adaptive project described above, in `tenant`; returns to the public schema afterwards."""
    vendor = ensure_vendor(name=VENDOR)
    people = [_person(f"costs{i}@vendor.test", "crowd", vendor, password) for i in range(5)]
    expert = _person("costs-expert@vendor.test", "expert", vendor, password, is_reviewer=True)
    with tenant_context(tenant):
        project, human, pre, gold = _project("Costs (adaptive)", overlap_mode="adaptive", overlap_min=2,
                                             overlap_max=4, target_confidence=0.85)  # fmt: skip
        prelabel_with_llm(project, pre)
        for index, value in ANSWERS:
            lease = next_task(project=Project.objects.get(pk=project.pk), annotator=people[index], tenant_id=tenant.id)
            assert isinstance(lease, Assignment), lease
            submit_annotation(assignment_id=lease.pk, annotator_id=people[index].pk, value=value, client_ms=1200,
                              tenant_id=tenant.id)  # fmt: skip
        _gold_answer(project, gold, people[3], tenant.id)
        consensus.aggregate_items(project, human)
        split = Item.objects.get(pk=human[2])
        assert (split.status, split.annotation_count) == ("escalated", 4), (split.status, split.annotation_count)
        adjudication.adjudicate(project=project, item_id=split.pk, reviewer=expert, value=HAM,
                                reason="A friend asking to be called back is not advertising.")  # fmt: skip
        assert Item.objects.filter(pk__in=human, status="final").count() == 3
    connection.set_schema_to_public()
    return World(project=project, people=people, expert=expert, human_items=human, prelabeled_items=pre)


def build_prelabel_only(tenant, **settings) -> Project:
    """A project whose only final labels are two auto-accepted LLM pre-labels (no human work, no pay yet)."""
    with tenant_context(tenant):
        project, _, pre, _ = _project("Costs (pre-labels only)", **settings)
        prelabel_with_llm(project, pre[:2])
    connection.set_schema_to_public()
    return project
