"""An annotator's standing in a project, updated on every answer: calibration, gold accuracy, speed, pay, pauses.

`record_answer` runs inside the submit transaction of the tenant (the public tables are on the search path),
so the answer, the score, the ledger entry and any pause commit or roll back together.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from labelhub.errors import Conflict
from workforce.models import TIER_CROWD, TIER_TRAINED, Annotator, GoldScore, Qualification, QualityEvent
from workforce.policy import PlatformPolicy, ProjectRules, platform_policy
from workforce.selectors import STANDING_FIELDS
from workforce.services.pay import reverse_pay, write_label_pay
from workforce.stats import accuracy_figures, speed_verdict, wilson_interval

KIND_TASK, KIND_GOLD, KIND_CALIBRATION = "task", "gold", "calibration"


@dataclass(frozen=True)
class GoldResult:
    score: float
    correct: bool


@dataclass
class Outcome:
    paused: bool = False  # the annotator was just paused for this project: the caller discards their open work
    calibration: dict | None = None  # progress shown with calibration feedback
    events: list[str] = field(default_factory=list)


def _standing_for_update(annotator_id: int, tenant_id: int, project_id: int, initial: str) -> Qualification:
    key = {"annotator_id": annotator_id, "tenant_id": tenant_id, "project_id": project_id}
    row = Qualification.objects.select_for_update().filter(**key).first()
    if row is None:
        Qualification.objects.bulk_create([Qualification(**key, status=initial)], ignore_conflicts=True)
        row = Qualification.objects.select_for_update().get(**key)
    return row


def _event(q: Qualification, kind: str, message: str, figures: dict, by_user_id: int | None = None) -> None:
    QualityEvent.objects.create(
        annotator_id=q.annotator_id, tenant_id=q.tenant_id, project_id=q.project_id, kind=kind, message=message,
        figures=figures, by_user_id=by_user_id,
    )  # fmt: skip


def record_answer(
    *,
    annotator: Annotator,
    tenant_id: int,
    project_id: int,
    task_type: str,
    annotation_id: int,
    item_id: int,
    kind: str,
    ms: int,
    gold: GoldResult | None,
    median_ms: float | None,
    rules: ProjectRules,
) -> Outcome:
    """Account for one accepted answer. Calibration answers are scored and move the calibration along; task and
    hidden-gold answers are paid, timed and (gold) scored, and may pause the annotator for the project."""
    if annotator.status in (Annotator.STATUS_PAUSED, Annotator.STATUS_REMOVED):
        raise Conflict(f"your account is {annotator.status}; the answer was not saved", code="annotator_paused")
    policy = platform_policy()
    outcome = Outcome()
    if kind == KIND_TASK and _task_answer_in_one_statement(
        annotator=annotator, tenant_id=tenant_id, project_id=project_id, task_type=task_type,
        annotation_id=annotation_id, ms=ms, median_ms=median_ms, policy=policy, outcome=outcome,
    ):  # fmt: skip
        return outcome
    initial = Qualification.Status.CALIBRATING if kind == KIND_CALIBRATION else Qualification.Status.QUALIFIED
    q = _standing_for_update(annotator.pk, tenant_id, project_id, initial)
    if kind != KIND_CALIBRATION and q.status in (Qualification.Status.PAUSED, Qualification.Status.BLOCKED):
        raise Conflict(f"you are {q.status} on this project; the answer was not saved", code="paused_for_project")
    if gold is not None:
        GoldScore.objects.create(
            annotator_id=annotator.pk, tenant_id=tenant_id, project_id=project_id, item_id=item_id,
            annotation_id=annotation_id, kind=KIND_CALIBRATION if kind == KIND_CALIBRATION else KIND_GOLD,
            attempt=q.attempt if kind == KIND_CALIBRATION else None, score=gold.score, correct=gold.correct,
        )  # fmt: skip
    if kind == KIND_CALIBRATION:
        if gold is None:
            raise ValueError("a calibration answer needs its gold result")
        _calibration_step(q, gold, rules, annotator, outcome)
        q.save()
        return outcome
    _earn_and_time(q, annotator, tenant_id, project_id, task_type, annotation_id, ms, median_ms, policy, outcome)
    if kind == KIND_GOLD and gold is not None:
        _gold_step(q, gold, rules, annotator, policy, outcome)
    q.save()
    return outcome


def _earn_and_time(q, annotator, tenant_id, project_id, task_type, annotation_id, ms, median_ms, policy, outcome):
    write_label_pay(
        annotator=annotator, tenant_id=tenant_id, project_id=project_id, task_type=task_type,
        annotation_id=annotation_id, with_bonus=_earns_bonus(q, policy),
    )  # fmt: skip
    q.labels += 1
    q.labels_window += 1
    q.time_ms_total += max(ms, 0)
    verdict = speed_verdict(ms, median_ms, fast_fraction=policy.fast_fraction, slow_factor=policy.slow_factor)
    q.slow_labels += verdict == "slow"  # reported on the console, never punished
    if verdict == "fast":
        q.fast_labels += 1
        _speed_checks(q, ms, median_ms, policy, outcome)


def _earns_bonus(q: Qualification, policy: PlatformPolicy) -> bool:
    """The same exact (decimal) test as the task-answer SQL below."""
    seen = q.gold_seen_total
    return seen >= policy.bonus_min_gold and q.gold_correct_total >= Decimal(str(policy.bonus_min_accuracy)) * seen


# A task answer from someone already standing in the project (nearly every answer): count it, time it and pay it
# in one statement. Pay is the project's rate override else the platform's (as rate_for), plus the bonus while the
# gold record earns it (as _earns_bonus; a task answer does not change that record), rounded half up like
# round_money. No row (first answer, or paused/blocked) -> the general path, which creates or refuses.
_TASK_ANSWER_SQL = f"""
WITH q AS (
    UPDATE workforce_qualification
    SET labels = labels + 1, labels_window = labels_window + 1, time_ms_total = time_ms_total + %(ms)s,
        fast_labels = fast_labels + %(fast)s, slow_labels = slow_labels + %(slow)s, updated_at = %(now)s
    WHERE annotator_id = %(annotator)s AND tenant_id = %(tenant)s AND project_id = %(project)s
      AND status NOT IN ('paused', 'blocked')
    RETURNING *
), rate AS (
    SELECT COALESCE((
        SELECT amount FROM workforce_payrate
        WHERE tier = %(tier)s AND task_type = %(task_type)s
          AND ((tenant_id = %(tenant)s AND project_id = %(project)s) OR (tenant_id IS NULL AND project_id IS NULL))
        ORDER BY project_id NULLS LAST LIMIT 1
    ), 0) AS amount
), paid AS (
    INSERT INTO workforce_payentry
        (annotator_id, vendor_id, tenant_id, project_id, annotation_id, kind, tier, task_type, amount, currency,
         created_at)
    SELECT %(annotator)s, %(vendor)s, %(tenant)s, %(project)s, %(annotation)s, entry.kind, %(tier)s, %(task_type)s,
           entry.amount, 'USD', %(now)s
    FROM q, rate, LATERAL (VALUES
        ('base', rate.amount),
        ('bonus', CASE WHEN rate.amount > 0 AND q.gold_seen_total >= %(bonus_min_gold)s
                        AND q.gold_correct_total >= %(bonus_min_accuracy)s * q.gold_seen_total
                   THEN round(rate.amount * %(bonus_share)s, 4) END)
    ) AS entry(kind, amount)
    WHERE entry.amount IS NOT NULL
    ON CONFLICT (tenant_id, annotation_id, kind) DO NOTHING
)
SELECT {", ".join(STANDING_FIELDS)} FROM q
"""


def _task_answer_in_one_statement(
    *, annotator: Annotator, tenant_id: int, project_id: int, task_type: str, annotation_id: int, ms: int,
    median_ms: float | None, policy: PlatformPolicy, outcome: Outcome,
) -> bool:  # fmt: skip
    verdict = speed_verdict(ms, median_ms, fast_fraction=policy.fast_fraction, slow_factor=policy.slow_factor)
    params = {
        "ms": max(ms, 0), "fast": int(verdict == "fast"), "slow": int(verdict == "slow"), "now": timezone.now(),
        "annotator": annotator.pk, "vendor": annotator.vendor_id, "tenant": tenant_id, "project": project_id,
        "annotation": annotation_id, "tier": annotator.tier, "task_type": task_type,
        "bonus_min_gold": policy.bonus_min_gold, "bonus_min_accuracy": Decimal(str(policy.bonus_min_accuracy)),
        "bonus_share": policy.bonus_share,
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_TASK_ANSWER_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return False
    if verdict == "fast":
        q = Qualification.from_db("default", STANDING_FIELDS, row)
        flagged, status = q.speed_flagged, q.status
        _speed_checks(q, ms, median_ms, policy, outcome)
        if (q.speed_flagged, q.status) != (flagged, status):
            q.save(update_fields=["speed_flagged", "status", "status_reason", "updated_at"])
    return True


def _calibration_step(q: Qualification, gold: GoldResult, rules: ProjectRules, annotator, outcome: Outcome) -> None:
    if q.status == Qualification.Status.CALIBRATING:
        q.attempt_answered += 1
        q.attempt_correct += int(gold.correct)
        if q.attempt_answered >= rules.calibration_items:
            finish_calibration_attempt(q, rules, annotator)
    outcome.calibration = calibration_progress(q, rules)


def calibration_progress(q: Qualification, rules: ProjectRules) -> dict:
    return {
        "status": q.status, "attempt": q.attempt, "attempts": rules.calibration_attempts,
        "answered": q.attempt_answered, "correct": q.attempt_correct, "needed": rules.calibration_items,
        "pass_mark": rules.calibration_pass, "score": q.calibration_score,
    }  # fmt: skip


def finish_calibration_attempt(q: Qualification, rules: ProjectRules, annotator: Annotator) -> None:
    """Grade the attempt in progress (also called when the calibration pool runs out before it is full)."""
    score = q.attempt_correct / q.attempt_answered if q.attempt_answered else 0.0
    q.calibration_score = round(score, 4)
    figures = {"attempt": q.attempt, "answered": q.attempt_answered, "correct": q.attempt_correct,
               "score": q.calibration_score, "pass_mark": rules.calibration_pass}  # fmt: skip
    if q.attempt_answered and score >= rules.calibration_pass:
        q.status = Qualification.Status.QUALIFIED
        q.status_reason = f"passed calibration with {score:.0%}"
        _event(q, QualityEvent.Kind.CALIBRATION_PASSED, q.status_reason, figures)
        if annotator.status == Annotator.STATUS_ONBOARDING:
            Annotator.objects.filter(pk=annotator.pk, status=Annotator.STATUS_ONBOARDING).update(
                status=Annotator.STATUS_ACTIVE
            )
        return
    q.attempts_failed += 1
    if q.attempts_failed >= rules.calibration_attempts:
        q.status = Qualification.Status.BLOCKED
        q.status_reason = f"failed calibration {q.attempts_failed} times (last score {score:.0%})"
        _event(q, QualityEvent.Kind.CALIBRATION_BLOCKED, q.status_reason, figures)
        return
    _event(q, QualityEvent.Kind.CALIBRATION_FAILED, f"calibration attempt {q.attempt} scored {score:.0%}", figures)
    q.attempt += 1
    q.attempt_answered = q.attempt_correct = 0


def _speed_checks(q: Qualification, ms: int, median_ms: float, policy: PlatformPolicy, outcome: Outcome) -> None:
    """After a fast answer was counted: flag, then pause, once the person's share of fast answers is too high."""
    share = q.fast_labels / q.labels_window
    figures = {"fast_labels": q.fast_labels, "labels": q.labels_window, "fast_share": round(share, 4),
               "median_ms": median_ms, "this_ms": ms, "fast_below_ms": round(policy.fast_fraction * median_ms)}  # fmt: skip
    if not q.speed_flagged and q.fast_labels >= policy.flag_min_fast and share >= policy.flag_fast_share:
        q.speed_flagged = True
        _event(q, QualityEvent.Kind.SPEED_FLAG, f"{share:.0%} of labels faster than the project allows", figures)
        outcome.events.append("speed_flag")
    if (
        q.status != Qualification.Status.PAUSED
        and q.fast_labels >= policy.pause_min_fast
        and share >= policy.pause_fast_share
    ):
        _pause(q, QualityEvent.Kind.PAUSED_SPEED, f"{share:.0%} of labels implausibly fast", figures, outcome)


def _gold_step(q, gold: GoldResult, rules: ProjectRules, annotator, policy: PlatformPolicy, outcome: Outcome) -> None:
    correct = int(gold.correct)
    q.gold_seen += 1
    q.gold_correct += correct
    q.gold_seen_total += 1
    q.gold_correct_total += correct
    Annotator.objects.filter(pk=annotator.pk).update(
        gold_seen=F("gold_seen") + 1, gold_correct=F("gold_correct") + correct
    )
    _maybe_promote(annotator, policy, outcome)
    # The upper Wilson bound decides: pause only when we are 95% sure the true accuracy is under the floor, so a
    # good annotator's unlucky run does not cost them their work, while a bad one is caught within a few dozen items.
    _, high = wilson_interval(q.gold_correct, q.gold_seen)
    if q.status != Qualification.Status.PAUSED and q.gold_seen >= rules.min_gold and high < rules.accuracy_floor:
        figures = accuracy_figures(q.gold_correct, q.gold_seen) | {
            "floor": rules.accuracy_floor,
            "min_gold": rules.min_gold,
        }
        message = (f"gold accuracy {q.gold_correct}/{q.gold_seen} (95% upper bound {high:.0%}) "
                   f"is below the project floor {rules.accuracy_floor:.0%}")  # fmt: skip
        _pause(q, QualityEvent.Kind.PAUSED_QUALITY, message, figures, outcome)


def _maybe_promote(annotator: Annotator, policy: PlatformPolicy, outcome: Outcome) -> None:
    if annotator.tier != TIER_CROWD:
        return
    row = Annotator.objects.filter(pk=annotator.pk).values("tier", "gold_seen", "gold_correct").get()
    if row["tier"] != TIER_CROWD or row["gold_seen"] < policy.promote_min_gold:
        return
    low, _ = wilson_interval(row["gold_correct"], row["gold_seen"])
    if low < policy.promote_min_lower_bound:
        return
    Annotator.objects.filter(pk=annotator.pk, tier=TIER_CROWD).update(tier=TIER_TRAINED)
    annotator.tier = TIER_TRAINED
    QualityEvent.objects.create(
        annotator_id=annotator.pk, kind=QualityEvent.Kind.PROMOTED,
        message=f"promoted to trained after {row['gold_correct']}/{row['gold_seen']} gold answers",
        figures=accuracy_figures(row["gold_correct"], row["gold_seen"]) | {"from": TIER_CROWD, "to": TIER_TRAINED},
    )  # fmt: skip
    outcome.events.append("promoted")


def _pause(q: Qualification, kind: str, message: str, figures: dict, outcome: Outcome) -> None:
    q.status = Qualification.Status.PAUSED
    q.status_reason = message[:300]
    _event(q, kind, message, figures)
    outcome.paused = True
    outcome.events.append(kind)


def work_discarded(*, annotator_id: int, tenant_id: int, project_id: int, annotation_ids: list[int]) -> None:
    """Reverse the pay of annotations the project discarded and log it next to the pause that caused it."""
    reversed_amount = reverse_pay(tenant_id=tenant_id, annotation_ids=annotation_ids)
    QualityEvent.objects.create(
        annotator_id=annotator_id, tenant_id=tenant_id, project_id=project_id, kind=QualityEvent.Kind.WORK_DISCARDED,
        message=f"{len(annotation_ids)} answers on unfinished items discarded and re-queued",
        figures={"annotations": len(annotation_ids), "pay_reversed": str(reversed_amount)},
    )  # fmt: skip


def grade_calibration_now(*, standing: Qualification, rules: ProjectRules, annotator: Annotator) -> None:
    """Grade the attempt in progress on the answers given so far (the project ran out of fresh items)."""
    with transaction.atomic():
        q = Qualification.objects.select_for_update().get(pk=standing.pk)
        if q.status == Qualification.Status.CALIBRATING and q.attempt_answered > 0:
            finish_calibration_attempt(q, rules, annotator)
            q.save()


def record_consensus_agreement(*, tenant_id: int, project_id: int, agreement: dict[int, tuple[int, int]]) -> int:
    """Store, per annotator, how many of their compared answers matched the consensus (a full recount each time:
    the metrics actor passes totals, so a retry writes the same numbers). Returns the rows updated."""
    updated = 0
    for annotator_id, (agreed, compared) in agreement.items():
        updated += Qualification.objects.filter(
            annotator_id=annotator_id, tenant_id=tenant_id, project_id=project_id
        ).update(consensus_agreement=agreed / compared if compared else None, consensus_compared=compared)
    return updated
