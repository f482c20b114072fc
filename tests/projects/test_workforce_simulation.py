"""Simulation on real data: annotators of known accuracy label the SMS spam set (../shared/data) through the real
distribution and submit services; hidden gold must pause the bad one quickly and never the good one.

The rule (see workforce.services.standing): pause once at least `gold_min_for_pause` gold answers were given and
the upper 95% Wilson bound of gold accuracy is under the floor. bench/pause_rule.py gives the odds over many runs
(floor 85%, N 10: a 60% annotator is paused by the 40th gold answer in ~98% of runs, a 95% one in ~0.2% of runs).
"""

import csv
import random

import pytest

from projects.models import Annotation, Item, Project
from projects.services.annotate import submit_annotation
from projects.services.distribution import NoTask, next_task
from projects.services.ontology import save_ontology
from projects.services.project import create_project, transition_project
from tests.conftest import SHARED_DATA
from tests.projects.conftest import SPAM_ONTOLOGY
from workforce.models import Qualification, QualityEvent
from workforce.services import enroll_annotator, ensure_vendor

SMS = SHARED_DATA / "text" / "sms_spam.tsv"
GOLD_ITEMS, TASK_ITEMS = 120, 600
PAUSE_WITHIN_GOLD = 40
GOOD_ANNOTATOR_GOLD = 60


def sms_rows(limit: int) -> list[tuple[str, str]]:
    with SMS.open(encoding="utf-8", newline="") as handle:
        rows = [(label, text) for label, text in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]
    return rows[:limit]


@pytest.mark.skipif(not SMS.exists(), reason="../shared/data is not next to the checkout")
def test_gold_pauses_the_60_percent_annotator_fast_and_never_the_95_percent_one(in_tenant):
    rows = sms_rows(GOLD_ITEMS + TASK_ITEMS)
    project = create_project(name="SMS spam simulation", task_type="single_label", user_id=None)
    save_ontology(project=project, definition=SPAM_ONTOLOGY, user_id=None)
    truth = {}
    items = []
    for n, (label, text) in enumerate(rows):
        gold = n < GOLD_ITEMS
        external_id = f"sms-{n}"
        truth[external_id] = label
        items.append(Item(project=project, external_id=external_id, payload={"text": text},
                          gold={"label": label} if gold else None, is_gold=gold))  # fmt: skip
    Item.objects.bulk_create(items)
    Project.objects.filter(pk=project.pk).update(
        overlap_k=3, gold_rate=0.3, calibration_items=0, accuracy_floor=0.85, gold_min_for_pause=10
    )
    transition_project(project_id=project.pk, to="active")
    project.refresh_from_db()
    vendor = ensure_vendor(name="Simulated crowd")
    accuracy = {}
    for acc in (0.95, 0.80, 0.60):
        person = enroll_annotator(email=f"sim{int(acc * 100)}@v.test", vendor=vendor, tier="crowd")
        person.status = "active"
        person.save()
        accuracy[person] = acc
    rng = random.Random(20261201)
    # distribution draws hidden gold with the module RNG: seed it too (with another seed: two lock-stepped streams
    # would make every gold item come up exactly when the answer draw is low, i.e. right)
    random.seed(99)
    external_of = dict(Item.objects.filter(project=project).values_list("id", "external_id"))
    stopped = {}
    for _ in range(400):
        for person, acc in accuracy.items():
            if person in stopped:
                continue
            offer = next_task(project=project, annotator=person, tenant_id=in_tenant.id)
            if isinstance(offer, NoTask):
                stopped[person] = offer.reason
                continue
            right = truth[external_of[offer.item_id]]
            label = right if rng.random() < acc else ("ham" if right == "spam" else "spam")
            submit_annotation(assignment_id=offer.pk, annotator_id=person.pk, value={"label": label}, client_ms=3000)
        best = Qualification.objects.get(annotator__user__email="sim95@v.test", project_id=project.pk)
        if best.gold_seen >= GOOD_ANNOTATOR_GOLD:
            break
    standings = {p: Qualification.objects.get(annotator=p, project_id=project.pk) for p in accuracy}
    by_acc = {acc: standings[p] for p, acc in accuracy.items()}
    worst = next(p for p, acc in accuracy.items() if acc == 0.60)
    figures = {acc: (q.status, q.gold_seen, q.gold_correct, q.labels) for acc, q in by_acc.items()}
    assert by_acc[0.60].status == "paused" and stopped[worst] == "paused_for_project", figures
    pause = QualityEvent.objects.get(annotator=worst, kind="paused_quality")
    assert 10 <= pause.figures["gold_seen"] <= PAUSE_WITHIN_GOLD, pause.figures
    assert pause.figures["wilson_high"] < 0.85
    # the paused person's task answers were all on unfinished items: all discarded, their slots re-queued
    answers = Annotation.objects.filter(annotator_id=worst.pk, kind="task")
    assert answers.exists() and not answers.filter(status="accepted").exists()
    assert by_acc[0.95].status == "qualified" and by_acc[0.95].gold_seen >= GOOD_ANNOTATOR_GOLD
    assert by_acc[0.95].gold_correct / by_acc[0.95].gold_seen > 0.85
    # no item ever went over k with accepted answers, even after the re-queue
    over = [i for i in Item.objects.filter(project=project, is_gold=False) if i.annotation_count > 3]
    assert not over
    counted = {i.pk: i.annotation_count for i in Item.objects.filter(project=project, is_gold=False)}
    for item_id, count in counted.items():
        assert count == Annotation.objects.filter(item_id=item_id, status="accepted").count()
