"""Consensus through the real services: aggregation methods, final vs escalated, adaptive overlap, adjudication
and case law (real PostgreSQL; the actor path runs in a real Dramatiq worker)."""

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from labelhub.errors import Conflict, DomainError, Forbidden
from projects.models import Adjudication, Annotation, Assignment, Consensus, Item, Project
from projects.services import adjudication, consensus
from projects.services.annotate import submit_annotation
from projects.services.distribution import next_task
from projects.services.ontology import save_ontology
from projects.services.project import create_project, transition_project
from tests.conftest import wait_for
from tests.projects.conftest import SPAM_ONTOLOGY
from workforce.models import Qualification
from workforce.services import enroll_annotator, ensure_vendor

FREE_TEXT = {"task_type": "free_text", "labels": [], "guidelines": {"markdown": "Describe the message."}}


@pytest.fixture
def people(db):
    vendor = ensure_vendor(name="Consensus vendor")
    made = []
    for i in range(5):
        person = enroll_annotator(email=f"c{i}@v.test", vendor=vendor, tier="crowd")
        person.status = "active"
        person.save()
        made.append(person)
    return made


@pytest.fixture
def expert(db):
    person = enroll_annotator(email="judge@v.test", vendor=ensure_vendor(name="Experts"), tier="expert",
                              is_reviewer=True)  # fmt: skip
    person.status = "active"
    person.save()
    return person


def project_with(ontology=SPAM_ONTOLOGY, task_type="single_label", items=1, **settings) -> Project:
    project = create_project(name="consensus", task_type=task_type, user_id=None)
    save_ontology(project=project, definition=ontology, user_id=None)
    payload = {"text": "WIN a prize now"} if task_type == "single_label" else {"image": "https://x.test/a.png"}
    Item.objects.bulk_create(Item(project=project, external_id=f"i{n}", payload=payload) for n in range(items))
    Project.objects.filter(pk=project.pk).update(**({"gold_rate": 0, "calibration_items": 0} | settings))
    transition_project(project_id=project.pk, to="active")
    project.refresh_from_db()
    return project


def answer_all(project, people, values, tenant):
    """Each person takes the next task and answers with their value; returns the item ids touched."""
    touched = []
    for person, value in zip(people, values, strict=False):
        lease = next_task(project=Project.objects.get(pk=project.pk), annotator=person, tenant_id=tenant.id)
        assert isinstance(lease, Assignment), lease
        submit_annotation(assignment_id=lease.pk, annotator_id=person.pk, value=value, client_ms=1000)
        touched.append(lease.item_id)
    return touched


def test_majority_makes_a_confident_item_final_and_escalates_a_split(in_tenant, people):
    project = project_with(items=2, overlap_k=3, target_confidence=0.6)
    spam, ham = {"label": "spam"}, {"label": "ham"}
    first = answer_all(project, people[:3], [spam, spam, ham], in_tenant)[0]
    consensus.aggregate_items(project, [first])
    result = Consensus.objects.get(item_id=first)
    assert (result.value, result.status, result.method) == (spam, "agreed", "majority")
    assert result.confidence == pytest.approx(2 / 3) and result.annotation_count == 3
    assert sorted(result.annotator_ids) == sorted(p.pk for p in people[:3])
    assert Item.objects.get(pk=first).status == "final"
    Project.objects.filter(pk=project.pk).update(target_confidence=0.9)
    project.refresh_from_db()
    consensus.recompute_project(project_id=project.pk)
    assert Consensus.objects.get(item_id=first).status == "escalated"
    assert Item.objects.get(pk=first).status == "escalated"


def test_weighted_vote_trusts_the_annotator_with_the_better_gold_record(in_tenant, people):
    project = project_with(items=1, overlap_k=3, aggregation="weighted", target_confidence=0.5)
    expert_like, sloppy_a, sloppy_b = people[:3]
    for person, (right, seen) in ((expert_like, (40, 40)), (sloppy_a, (6, 12)), (sloppy_b, (6, 12))):
        Qualification.objects.create(annotator=person, tenant_id=in_tenant.id, project_id=project.pk,
                                     status="qualified", gold_correct_total=right, gold_seen_total=seen)  # fmt: skip
    item = answer_all(project, [expert_like, sloppy_a, sloppy_b],
                      [{"label": "ham"}, {"label": "spam"}, {"label": "spam"}], in_tenant)[0]  # fmt: skip
    consensus.aggregate_items(project, [item])
    weighted = Consensus.objects.get(item_id=item)
    assert weighted.value == {"label": "ham"} and weighted.method == "weighted"
    Project.objects.filter(pk=project.pk).update(aggregation="majority")
    project.refresh_from_db()
    consensus.aggregate_items(project, [item])
    assert Consensus.objects.get(item_id=item).value == {"label": "spam"}


def test_dawid_skene_estimates_every_completed_item_of_the_project(in_tenant, people):
    project = project_with(items=6, overlap_k=3, aggregation="dawid_skene", target_confidence=0.5)
    truth = ["spam", "ham", "spam", "ham", "spam", "ham"]
    for n, right in enumerate(truth):
        wrong = "ham" if right == "spam" else "spam"
        values = [{"label": right}, {"label": right}, {"label": wrong if n % 2 else right}]
        answer_all(project, people[n % 2 : n % 2 + 3], values, in_tenant)
    done = list(Item.objects.filter(project=project, status="complete").values_list("id", flat=True))
    assert len(done) == 6
    consensus.aggregate_items(project, done[:1])  # one item completed, yet DS updates the whole project
    rows = Consensus.objects.filter(project=project)
    assert rows.count() == 6 and {r.method for r in rows} == {"dawid_skene"}
    assert all(0 <= r.confidence <= 1 for r in rows)
    by_item = {r.item.external_id: r.value["label"] for r in rows.select_related("item")}
    assert sum(by_item[f"i{n}"] == truth[n] for n in range(6)) >= 5


def test_free_text_goes_to_review_without_a_vote(in_tenant, people):
    project = project_with(FREE_TEXT, "free_text", items=1, overlap_k=2)
    item = answer_all(project, people[:2], [{"text": "a cat"}, {"text": "a kitten"}], in_tenant)[0]
    consensus.aggregate_items(project, [item])
    row = Consensus.objects.get(item_id=item)
    assert (row.status, row.value) == ("review", None)
    assert Item.objects.get(pk=item).status == "escalated"


def test_adaptive_overlap_stops_early_on_agreement_and_asks_for_more_on_disagreement(in_tenant, people):
    project = project_with(items=2, overlap_mode="adaptive", overlap_min=2, overlap_max=4, target_confidence=0.85)
    agree = answer_all(project, people[:2], [{"label": "spam"}] * 2, in_tenant)
    first = Item.objects.get(pk=agree[0])
    # two agreeing annotators without gold records (75% each): posterior 0.9 >= 0.85, no third label needed
    assert (first.status, first.overlap_target, first.annotation_count) == ("complete", 2, 2)
    split = answer_all(project, people[2:4], [{"label": "spam"}, {"label": "ham"}], in_tenant)
    second = Item.objects.get(pk=split[0])
    assert (second.status, second.overlap_target) == ("open", 3)
    answer_all(project, [people[4]], [{"label": "spam"}], in_tenant)
    second.refresh_from_db()
    assert (second.status, second.overlap_target, second.annotation_count) == ("open", 4, 3)  # 2-1: still unsure


def test_expert_adjudication_becomes_case_law_and_is_never_overwritten(in_tenant, people, expert):
    project = project_with(items=1, overlap_k=2, target_confidence=0.9)
    item = answer_all(project, people[:2], [{"label": "spam"}, {"label": "ham"}], in_tenant)[0]
    consensus.aggregate_items(project, [item])
    assert [i.pk for i in adjudication.review_queue(project)] == [item]
    case = adjudication.case_file(project, item)
    assert [a["annotator"] for a in case["answers"]] == ["annotator 1", "annotator 2"]  # numbered, not named
    assert str(people[0].pk) not in str(case["answers"])
    with pytest.raises(Forbidden):
        adjudication.adjudicate(project=project, item_id=item, reviewer=people[2], value={"label": "spam"},
                                reason="it offers a prize")  # fmt: skip
    with pytest.raises(DomainError) as short:
        adjudication.adjudicate(project=project, item_id=item, reviewer=expert, value={"label": "spam"}, reason="no")
    assert short.value.field == "reason"
    with pytest.raises(DomainError) as bad:
        adjudication.adjudicate(project=project, item_id=item, reviewer=expert, value={"label": "eggs"},
                                reason="it offers a prize to strangers")  # fmt: skip
    assert bad.value.field.startswith("value")
    decision = adjudication.adjudicate(project=project, item_id=item, reviewer=expert, value={"label": "spam"},
                                       reason="Unsolicited prize offers are spam even from a friend's number.")  # fmt: skip
    assert Item.objects.get(pk=item).status == "final"
    assert Consensus.objects.get(item_id=item).status == "adjudicated"
    assert decision.labels == ["spam"] and len(decision.answers) == 2
    consensus.recompute_project(project_id=project.pk)
    assert Consensus.objects.get(item_id=item).value == {"label": "spam"}  # the expert's answer stands
    with pytest.raises(Conflict):
        adjudication.adjudicate(project=project, item_id=item, reviewer=expert, value={"label": "ham"},
                                reason="changed my mind about this one")  # fmt: skip
    assert list(adjudication.case_law(project, label="spam")) == [decision]
    assert not adjudication.case_law(project, label="ham").exists()
    assert list(adjudication.case_law(project, text="friend's number")) == [decision]
    save_ontology(project=project, definition=SPAM_ONTOLOGY | {"guidelines": {"markdown": "Prizes are spam."}},
                  user_id=None)  # fmt: skip
    linked = adjudication.link_case(project=project, adjudication_id=decision.pk, version_number=2)
    assert linked.led_to_version.number == 2
    with pytest.raises(DomainError):
        adjudication.link_case(project=project, adjudication_id=decision.pk, version_number=1)


def test_review_api_for_reviewers_and_case_law_api_for_clients(api, tenant_a, people, expert, key_for):
    with tenant_context(tenant_a):
        project = project_with(items=1, overlap_k=2, target_confidence=0.9)
        item = answer_all(project, people[:2], [{"label": "spam"}, {"label": "ham"}], tenant_a)[0]
        consensus.aggregate_items(project, [item])
    connection.set_schema_to_public()
    base = f"/t/{tenant_a.slug}/api/v1"
    api.force_login(people[3].user)
    assert api.get(f"{base}/review/projects/{project.pk}/queue/").status_code == 403
    api.force_login(expert.user)
    queue = api.get(f"{base}/review/projects/{project.pk}/queue/").json()
    assert [row["id"] for row in queue["items"]] == [item] and queue["waiting"] == 1
    case = api.get(f"{base}/review/projects/{project.pk}/items/{item}/").json()
    assert len(case["answers"]) == 2 and case["guidelines"]["markdown"].startswith("# Spam")
    url = f"{base}/review/projects/{project.pk}/items/{item}/adjudicate/"
    bad = api.post(url, {"value": {"label": "spam"}, "reason": ""}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "reason"
    made = api.post(url, {"value": {"label": "spam"}, "reason": "prize offers are spam"}, format="json")
    assert made.status_code == 201
    again = api.post(url, {"value": {"label": "spam"}, "reason": "prize offers are spam"}, format="json")
    assert again.status_code == 409
    api.logout()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key_for(tenant_a)}"}
    cases = api.get(f"{base}/projects/{project.pk}/case-law/?label=spam", **auth).json()["cases"]
    assert [c["item_id"] for c in cases] == [item]
    summary = api.get(f"{base}/projects/{project.pk}/consensus/", **auth).json()
    assert summary["consensus"] == {"adjudicated": 1} and summary["items"] == {"final": 1}
    with tenant_context(tenant_a):
        assert Adjudication.objects.count() == 1 and Annotation.objects.count() == 2


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_completed_items_are_aggregated_by_the_worker(dramatiq_worker, committed_tenants):
    tenant = committed_tenants[0]
    vendor = ensure_vendor(name="Worker consensus vendor")
    workers = []
    for i in range(3):
        person = enroll_annotator(email=f"wc{i}@v.test", vendor=vendor, tier="crowd")
        person.status = "active"
        person.save()
        workers.append(person)
    with tenant_context(tenant):
        project = project_with(items=2, overlap_k=3, target_confidence=0.6)
        answer_all(project, workers, [{"label": "spam"}] * 3, tenant)

    def aggregated():
        with tenant_context(tenant):
            return Consensus.objects.filter(project_id=project.pk).first()

    row = wait_for(aggregated, timeout=30)
    assert row.value == {"label": "spam"} and row.status == "agreed"
    with tenant_context(tenant):
        assert Item.objects.get(pk=row.item_id).status == "final"
    connection.set_schema_to_public()


PAIRWISE = {"task_type": "pairwise", "labels": [], "constraints": {"allow_tie": True, "require_reason": False},
            "guidelines": {"markdown": "Pick the better answer."}}  # fmt: skip


def test_pairwise_items_vote_per_pair_and_rank_each_prompts_responses(in_tenant, people):
    project = create_project(name="prefs", task_type="pairwise", user_id=None)
    save_ontology(project=project, definition=PAIRWISE, user_id=None)
    pairs = [("good", "bad"), ("good", "ok"), ("ok", "bad")]
    Item.objects.bulk_create(
        Item(project=project, external_id=f"p{n}", payload={"prompt": "Say hi", "response_a": a, "response_b": b})
        for n, (a, b) in enumerate(pairs)
    )
    Project.objects.filter(pk=project.pk).update(gold_rate=0, calibration_items=0, overlap_k=3, target_confidence=0.6)
    transition_project(project_id=project.pk, to="active")
    project.refresh_from_db()
    better = {"good": 3, "ok": 2, "bad": 1}
    for person in people[:3]:
        for _ in pairs:
            lease = next_task(project=Project.objects.get(pk=project.pk), annotator=person, tenant_id=in_tenant.id)
            payload = lease.item.payload
            wins_a = better[payload["response_a"]] > better[payload["response_b"]]
            choice = "a" if wins_a else "b"
            if person == people[2] and payload["response_a"] == "ok":  # one dissent
                choice = "b" if wins_a else "a"
            submit_annotation(assignment_id=lease.pk, annotator_id=person.pk, value={"choice": choice}, client_ms=900)
    consensus.aggregate_items(project, list(Item.objects.filter(project=project).values_list("id", flat=True)))
    votes = {c.item.external_id: c for c in Consensus.objects.filter(project=project).select_related("item")}
    assert votes["p0"].value == {"choice": "a"} and votes["p0"].confidence == 1.0
    assert votes["p2"].value == {"choice": "a"} and votes["p2"].confidence == pytest.approx(2 / 3)
    (ranking,) = consensus.preference_rankings(project)
    assert ranking["prompt"] == "Say hi" and ranking["comparisons"] == 9
    assert [r["response"] for r in ranking["ranking"]] == ["good", "ok", "bad"]
