"""The workforce loop through the real distribution and submit services: calibration, hidden gold, automatic
pause with re-queue, pay and its reversal, promotion and speed checks (real PostgreSQL, tenant schema + public)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone

from labelhub.errors import Conflict
from projects.models import Annotation, Assignment, Item, Project
from projects.services.annotate import submit_annotation
from projects.services.distribution import NoTask, next_task
from projects.services.ontology import save_ontology
from projects.services.project import create_project, transition_project
from tests.projects.ontology.builders import PAYLOADS, VALUES, definition
from workforce.models import Annotator, GoldScore, PayEntry, Qualification, QualityEvent
from workforce.services import enroll_annotator, ensure_vendor
from workforce.services.pay import set_pay_rate

WRONG = {
    "single_label": {"label": "ham"},
    "multi_label": {"labels": ["spam"]},
    "spans": {"spans": [{"start": 6, "end": 11, "label": "spam"}]},
    "boxes": {"boxes": [{"x": 300, "y": 300, "w": 100, "h": 50, "label": "ham"}]},
    "pairwise": {"choice": "b"},
    "rating": {"rating": 2},
    "free_text": {"text": "A dog in a garden"},
}


@pytest.fixture
def vendor(db):
    return ensure_vendor(name="Loop vendor")


@pytest.fixture
def person(vendor):
    counter = iter(range(1, 10_000))

    def make(tier: str = "crowd", status: str = "active") -> Annotator:
        annotator = enroll_annotator(email=f"loop{next(counter)}@v.test", vendor=vendor, tier=tier)
        annotator.status = status
        annotator.save()
        return annotator

    return make


def make_project(task_type="single_label", *, tasks=6, gold=0, **settings) -> Project:
    project = create_project(name=f"{task_type} project", task_type=task_type, user_id=None)
    save_ontology(project=project, definition=definition(task_type), user_id=None)
    Item.objects.bulk_create(
        [Item(project=project, external_id=f"t{i}", payload=PAYLOADS[task_type]) for i in range(tasks)]
        + [
            Item(project=project, external_id=f"g{i}", payload=PAYLOADS[task_type], gold=VALUES[task_type],
                 gold_explanation=f"because {i}", is_gold=True)
            for i in range(gold)
        ]
    )  # fmt: skip
    Project.objects.filter(pk=project.pk).update(**({"gold_rate": 0, "overlap_k": 1} | settings))
    transition_project(project_id=project.pk, to="active")
    project.refresh_from_db()
    return project


def serve(project, annotator, tenant):
    project.refresh_from_db()
    return next_task(project=project, annotator=annotator, tenant_id=tenant.id)


def answer(lease, annotator, value, client_ms=2000):
    return submit_annotation(assignment_id=lease.pk, annotator_id=annotator.pk, value=value, client_ms=client_ms)


def standing(annotator, project):
    return Qualification.objects.get(annotator=annotator, project_id=project.pk)


# ----------------------------------------------------------------------------------------------------- calibration


def test_calibration_is_served_openly_scored_with_feedback_and_passing_qualifies(in_tenant, person):
    project = make_project(tasks=3, gold=5, calibration_items=3, calibration_pass_threshold=0.6)
    worker = person(status="onboarding")
    seen = set()
    for i in range(3):
        lease = serve(project, worker, in_tenant)
        assert lease.kind == Assignment.Kind.CALIBRATION and lease.item_id not in seen
        seen.add(lease.item_id)
        result = answer(lease, worker, WRONG["single_label"] if i == 0 else VALUES["single_label"])
        fb = result.feedback
        assert fb["correct"] is (i != 0) and fb["gold"] == VALUES["single_label"]
        assert fb["explanation"].startswith("because") and fb["calibration"]["answered"] == i + 1
    assert fb["calibration"]["status"] == "qualified"
    q = standing(worker, project)
    assert q.status == Qualification.Status.QUALIFIED and q.calibration_score == pytest.approx(2 / 3, abs=1e-4)
    worker.refresh_from_db()
    assert worker.status == Annotator.STATUS_ACTIVE  # onboarding ends with the first pass
    assert serve(project, worker, in_tenant).kind == Assignment.Kind.TASK
    assert QualityEvent.objects.filter(annotator=worker, kind="calibration_passed").exists()
    # calibration answers take no slot and are not paid
    assert not Item.objects.filter(project=project, is_gold=True, assigned_count__gt=0).exists()
    assert not PayEntry.objects.filter(annotator=worker).exists()


def test_failing_calibration_retries_on_fresh_items_then_blocks(in_tenant, person):
    project = make_project(tasks=2, gold=6, calibration_items=2, calibration_pass_threshold=1.0, calibration_attempts=2)
    worker = person()
    attempts = []
    for _ in range(2):
        items = []
        for _ in range(2):
            lease = serve(project, worker, in_tenant)
            assert lease.kind == Assignment.Kind.CALIBRATION
            items.append(lease.item_id)
            fb = answer(lease, worker, WRONG["single_label"]).feedback
            assert fb["correct"] is False
        attempts.append(items)
    assert not set(attempts[0]) & set(attempts[1])  # the retry uses fresh items
    q = standing(worker, project)
    assert q.status == Qualification.Status.BLOCKED and q.attempts_failed == 2
    offer = serve(project, worker, in_tenant)
    assert isinstance(offer, NoTask) and offer.reason == "calibration_failed"
    kinds = list(QualityEvent.objects.filter(annotator=worker).values_list("kind", flat=True))
    assert sorted(kinds) == ["calibration_blocked", "calibration_failed"]
    scores = GoldScore.objects.filter(annotator=worker, kind="calibration").order_by("id")
    assert [s.attempt for s in scores] == [1, 1, 2, 2]


def test_a_retry_after_failing_can_pass(in_tenant, person):
    project = make_project(tasks=2, gold=4, calibration_items=2, calibration_pass_threshold=1.0, calibration_attempts=2)
    worker = person()
    for value in (WRONG, WRONG, VALUES, VALUES):
        answer(serve(project, worker, in_tenant), worker, value["single_label"])
    assert standing(worker, project).status == Qualification.Status.QUALIFIED


def test_calibration_is_graded_on_what_was_answered_when_the_pool_runs_dry(in_tenant, person):
    project = make_project(tasks=2, gold=2, calibration_items=5, calibration_pass_threshold=0.5)
    worker = person()
    for _ in range(2):
        answer(serve(project, worker, in_tenant), worker, VALUES["single_label"])
    offer = serve(project, worker, in_tenant)  # no fresh gold left: grade 2/2 and hand out real work
    assert offer.kind == Assignment.Kind.TASK
    assert standing(worker, project).status == Qualification.Status.QUALIFIED


def test_a_project_without_gold_needs_no_calibration(in_tenant, person):
    project = make_project(tasks=2, gold=0, calibration_items=5)
    assert serve(project, person(), in_tenant).kind == Assignment.Kind.TASK


# ------------------------------------------------------------------------------------------------------ hidden gold


@pytest.mark.parametrize("task_type", sorted(WRONG))
def test_hidden_gold_is_scored_for_every_task_type_and_never_reveals_itself(in_tenant, person, task_type):
    project = make_project(task_type, tasks=0, gold=2, calibration_items=0, gold_rate=1.0)
    worker = person()
    results = []
    for value in (VALUES[task_type], WRONG[task_type]):
        lease = serve(project, worker, in_tenant)
        assert lease.kind == Assignment.Kind.GOLD
        annotation = answer(lease, worker, value)
        assert annotation.feedback is None  # hidden gold looks exactly like a task
        results.append(GoldScore.objects.get(annotation_id=annotation.pk, kind="gold").correct)
    assert results == [True, False]
    q = standing(worker, project)
    assert (q.gold_seen, q.gold_correct) == (2, 1)


# ---------------------------------------------------------------------------------------------------- pay, pausing


@pytest.fixture
def rates(db):
    set_pay_rate(tier="crowd", task_type="single_label", amount="0.0500")
    set_pay_rate(tier="trained", task_type="single_label", amount="0.0800")


def test_every_accepted_task_and_gold_answer_is_paid_at_the_tier_rate_with_project_override(in_tenant, person, rates):
    project = make_project(tasks=2, gold=1, calibration_items=0)
    worker = person()
    answer(serve(project, worker, in_tenant), worker, VALUES["single_label"])
    set_pay_rate(tier="crowd", task_type="single_label", amount="0.1200", tenant_id=in_tenant.id,
                 project_id=project.pk)  # fmt: skip
    answer(serve(project, worker, in_tenant), worker, VALUES["single_label"])
    amounts = list(PayEntry.objects.filter(annotator=worker).order_by("id").values_list("kind", "amount"))
    assert amounts == [("base", Decimal("0.0500")), ("base", Decimal("0.1200"))]
    entry = PayEntry.objects.filter(annotator=worker).first()
    assert (entry.tenant_id, entry.project_id, entry.vendor_id) == (in_tenant.id, project.pk, worker.vendor_id)


@override_settings(WORKFORCE_POLICY={"bonus_min_gold": 2, "bonus_min_accuracy": 0.9})
def test_quality_bonus_is_paid_once_the_gold_record_is_good(in_tenant, person, rates):
    project = make_project(tasks=3, gold=2, calibration_items=0, gold_rate=1.0)
    worker = person()
    for _ in range(2):  # two correct hidden gold answers
        answer(serve(project, worker, in_tenant), worker, VALUES["single_label"])
    Project.objects.filter(pk=project.pk).update(gold_rate=0)
    answer(serve(project, worker, in_tenant), worker, VALUES["single_label"])
    kinds = list(PayEntry.objects.filter(annotator=worker).order_by("id").values_list("kind", "amount"))
    assert kinds[-1] == ("bonus", Decimal("0.0050")) and [k for k, _ in kinds].count("bonus") == 1


def test_low_gold_accuracy_pauses_discards_open_work_requeues_and_reverses_pay(in_tenant, person, rates):
    project = make_project(tasks=4, gold=12, calibration_items=0, gold_min_for_pause=5, accuracy_floor=0.85)
    worker, other = person(), person()
    done = [answer(serve(project, worker, in_tenant), worker, VALUES["single_label"]) for _ in range(3)]
    Item.objects.filter(pk=done[0].item_id).update(status="final")  # final labels stay
    held = serve(project, worker, in_tenant)  # a lease in hand when the pause comes
    assert held.kind == Assignment.Kind.TASK
    Project.objects.filter(pk=project.pk).update(gold_rate=1.0)
    gold_answers = 0
    while standing(worker, project).status != Qualification.Status.PAUSED:
        lease = next_task(project=Project.objects.get(pk=project.pk), annotator=worker, tenant_id=in_tenant.id,
                          exclude=(held.pk,))  # fmt: skip
        answer(lease, worker, WRONG["single_label"])
        gold_answers += 1
        assert gold_answers <= 5
    assert gold_answers == 5  # 0/5: upper Wilson bound 43% < 85% at the minimum number of gold answers
    event = QualityEvent.objects.get(annotator=worker, kind="paused_quality")
    assert event.figures["gold_seen"] == 5 and event.figures["gold_correct"] == 0
    assert event.figures["wilson_high"] < 0.85 and event.figures["floor"] == 0.85
    statuses = dict(Annotation.objects.filter(annotator_id=worker.pk, kind="task").values_list("item_id", "status"))
    assert statuses[done[0].item_id] == "accepted"  # on a final item
    assert statuses[done[1].item_id] == statuses[done[2].item_id] == "discarded"
    assert Annotation.objects.filter(annotator_id=worker.pk, kind="gold", status="accepted").count() == 5
    for annotation in done[1:]:
        item = Item.objects.get(pk=annotation.item_id)
        assert (item.status, item.annotation_count, item.assigned_count) == ("open", 0, 0)
    assert Assignment.objects.get(pk=held.pk).status == "expired"
    assert Item.objects.get(pk=held.item_id).assigned_count == 0
    # no pay is kept for discarded work; gold answers and the final item stay paid
    discarded_ids = [a.pk for a in done[1:]]
    assert PayEntry.objects.filter(annotation_id__in=discarded_ids).aggregate(s=Sum("amount"))["s"] == 0
    assert PayEntry.objects.filter(annotator=worker).aggregate(s=Sum("amount"))["s"] == Decimal("0.0500") * 6
    assert QualityEvent.objects.get(annotator=worker, kind="work_discarded").figures["annotations"] == 2
    # the paused person gets nothing more here, and their late answer is refused; someone else gets the items
    offer = serve(project, worker, in_tenant)
    assert isinstance(offer, NoTask) and offer.reason == "paused_for_project"
    with pytest.raises(Conflict):
        answer(held, worker, VALUES["single_label"])
    Project.objects.filter(pk=project.pk).update(gold_rate=0)
    requeued = {serve(project, other, in_tenant).item_id for _ in range(1)}
    assert requeued <= {a.item_id for a in done[1:]} | {held.item_id}


def test_the_floor_needs_the_minimum_number_of_gold_answers(in_tenant, person):
    project = make_project(tasks=0, gold=6, calibration_items=0, gold_rate=1.0, gold_min_for_pause=6)
    worker = person()
    for _ in range(5):
        answer(serve(project, worker, in_tenant), worker, WRONG["single_label"])
    assert standing(worker, project).status == Qualification.Status.QUALIFIED  # 0/5 but under the minimum


# ------------------------------------------------------------------------------------------------------ promotion


@override_settings(WORKFORCE_POLICY={"promote_min_gold": 6, "promote_min_lower_bound": 0.6})
def test_crowd_is_promoted_to_trained_after_enough_good_gold(in_tenant, person):
    project = make_project(tasks=0, gold=8, calibration_items=0, gold_rate=1.0)
    worker = person()
    for n in range(1, 8):
        answer(serve(project, worker, in_tenant), worker, VALUES["single_label"])
        worker.refresh_from_db()
        # 6/6 has a Wilson lower bound of 61%: the earliest point the rule allows
        assert worker.tier == ("trained" if n >= 6 else "crowd")
    event = QualityEvent.objects.get(annotator=worker, kind="promoted")
    assert event.figures["from"] == "crowd" and event.figures["gold_seen"] == 6


@override_settings(WORKFORCE_POLICY={"promote_min_gold": 4, "promote_min_lower_bound": 0.6})
def test_a_mediocre_record_is_not_promoted(in_tenant, person):
    project = make_project(tasks=0, gold=8, calibration_items=0, gold_rate=1.0, gold_min_for_pause=100)
    worker = person()
    for i in range(8):
        answer(serve(project, worker, in_tenant), worker, VALUES["single_label"] if i % 4 else WRONG["single_label"])
    worker.refresh_from_db()
    assert worker.tier == "crowd"  # 6/8 correct: lower bound 41%


# ---------------------------------------------------------------------------------------------------------- speed


def _answer_taking(lease, annotator, value, ms):
    """Submit as if the lease had been on screen for `ms` (the server's clock is moved back, not the client's)."""
    Assignment.objects.filter(pk=lease.pk).update(created_at=timezone.now() - timedelta(milliseconds=ms + 50))
    return answer(lease, annotator, value, client_ms=ms)


@override_settings(WORKFORCE_POLICY={"speed_min_labels": 10, "flag_min_fast": 2, "flag_fast_share": 0.2,
                                     "pause_min_fast": 4, "pause_fast_share": 0.5})  # fmt: skip
def test_too_fast_is_flagged_then_paused_and_too_slow_is_only_reported(in_tenant, person, rates):
    cache.clear()
    project = make_project(tasks=40, calibration_items=0)
    steady, rusher, slowpoke = person(), person(), person()
    for _ in range(12):
        _answer_taking(serve(project, steady, in_tenant), steady, VALUES["single_label"], 8000)
    cache.clear()  # the median is cached for a minute; start from the steady annotator's 8 s
    for _ in range(3):
        _answer_taking(serve(project, slowpoke, in_tenant), slowpoke, VALUES["single_label"], 60_000)
    q = standing(slowpoke, project)
    assert (q.slow_labels, q.status, q.speed_flagged) == (3, "qualified", False)
    verdicts = []
    for _ in range(4):
        _answer_taking(serve(project, rusher, in_tenant), rusher, VALUES["single_label"], 500)
        q = standing(rusher, project)
        verdicts.append((q.fast_labels, q.speed_flagged, q.status))
    assert verdicts == [(1, False, "qualified"), (2, True, "qualified"), (3, True, "qualified"), (4, True, "paused")]
    flag = QualityEvent.objects.get(annotator=rusher, kind="speed_flag")
    assert flag.figures["median_ms"] == pytest.approx(8000, rel=0.05)
    assert QualityEvent.objects.filter(annotator=rusher, kind="paused_speed").exists()
    # treated like low quality: the rushed answers are discarded and unpaid
    assert not Annotation.objects.filter(annotator_id=rusher.pk, status="accepted").exists()
    assert PayEntry.objects.filter(annotator=rusher).aggregate(s=Sum("amount"))["s"] == 0
