"""The projects side of the workforce loop: score gold answers, report every answer to the workforce, and throw
away the open work of an annotator the workforce paused for low quality."""

from django.db import connection

from labelhub.cache import local_figure
from projects.models import Item, Project
from projects.ontology.constraints import RatingConstraints
from projects.quality.gold import score_gold
from workforce.policy import ProjectRules, platform_policy
from workforce.services.standing import GoldResult, Outcome, record_answer, work_discarded
from workforce.stats import effective_ms

MEDIAN_CACHE_SECONDS = 60
MEDIAN_SAMPLE = 2000  # the project's most recent labels; recent speed is what a cheater is compared with


def rules_for(project: Project) -> ProjectRules:
    return ProjectRules(
        accuracy_floor=project.accuracy_floor,
        min_gold=project.gold_min_for_pause,
        calibration_items=project.calibration_items,
        calibration_pass=project.calibration_pass_threshold,
        calibration_attempts=max(project.calibration_attempts, 1),
    )


def calibration_required(project: Project) -> bool:
    """Calibration applies when the project asks for it and has gold items to calibrate on (a project without
    gold cannot test anyone; its annotators start straight away)."""
    if project.calibration_items <= 0:
        return False
    return Item.objects.filter(project_id=project.pk, is_gold=True).exists()


_MEDIAN_SQL = """
SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM (
    SELECT LEAST(COALESCE(client_ms, server_ms), server_ms) AS ms FROM projects_annotation
    WHERE project_id = %s AND status = 'accepted' AND kind <> 'calibration'
    ORDER BY id DESC LIMIT %s
) recent
"""


def median_ms(project_id: int) -> float | None:
    """The project's median time per label over its recent labels (cached briefly: it moves slowly), or None
    while there are too few labels for a median to mean anything."""
    key = f"median-ms:{connection.schema_name}:{project_id}"
    return local_figure(key, MEDIAN_CACHE_SECONDS, lambda: _median_now(project_id))


def _median_now(project_id: int) -> float | None:
    with connection.cursor() as cursor:
        cursor.execute(_MEDIAN_SQL, [project_id, MEDIAN_SAMPLE])
        count, median = cursor.fetchone()
    return float(median) if median is not None and count >= platform_policy().speed_min_labels else None


def gold_result(task_type: str, ontology, answer: dict, gold: dict) -> GoldResult:
    extra = {}
    if isinstance(ontology.constraints, RatingConstraints):
        extra = {"rating_min": ontology.constraints.min, "rating_max": ontology.constraints.max}
    scored = score_gold(task_type, answer, gold, **extra)
    return GoldResult(score=scored.score, correct=scored.correct)


def account_answer(
    *, lease, item: Item, annotation_id: int, value: dict, ontology, annotator, tenant_id: int,
    client_ms: int | None, server_ms: int,
) -> dict | None:  # fmt: skip
    """Report one answer to the workforce (inside the submit transaction). Returns the feedback the annotator may
    see: only for calibration items; hidden gold must look exactly like any other task."""
    project = lease.project
    kind = lease.kind
    scored = None
    if kind in ("gold", "calibration") and item.gold is not None:
        scored = gold_result(project.task_type, ontology, value, item.gold)
    outcome: Outcome = record_answer(
        annotator=annotator, tenant_id=tenant_id, project_id=project.pk, task_type=project.task_type,
        annotation_id=annotation_id, item_id=item.pk, kind=kind, ms=effective_ms(client_ms, server_ms),
        gold=scored, median_ms=None if kind == "calibration" else median_ms(project.pk), rules=rules_for(project),
    )  # fmt: skip
    if outcome.paused:
        discard_work(project_id=project.pk, annotator_id=annotator.pk, tenant_id=tenant_id)
    if kind != "calibration" or scored is None:
        return None
    return {
        "correct": scored.correct, "score": scored.score, "gold": item.gold,
        "explanation": item.gold_explanation or "", "calibration": outcome.calibration,
    }  # fmt: skip


_DISCARD = """
WITH gone AS (
    UPDATE projects_annotation a SET status = 'discarded'
    FROM projects_item i
    WHERE a.item_id = i.id AND a.project_id = %(project)s AND a.annotator_id = %(annotator)s
      AND a.status = 'accepted' AND a.kind = 'task' AND i.status <> 'final'
    RETURNING a.id, a.item_id
), freed AS (
    SELECT item_id, count(*) AS n FROM gone GROUP BY item_id
), counted AS (
    UPDATE projects_item i
    SET annotation_count = i.annotation_count - freed.n, assigned_count = GREATEST(i.assigned_count - freed.n, 0),
        status = CASE WHEN i.status IN ('full', 'complete') THEN 'open' ELSE i.status END, updated_at = now()
    FROM freed WHERE i.id = freed.item_id
)
SELECT id FROM gone
"""

_END_LEASES = """
WITH ended AS (
    UPDATE projects_assignment SET status = 'expired', closed_at = now()
    WHERE project_id = %(project)s AND annotator_id = %(annotator)s AND status = 'active'
    RETURNING item_id, kind
), freed AS (
    SELECT item_id, count(*) AS n FROM ended WHERE kind = 'task' GROUP BY item_id
)
UPDATE projects_item i
SET assigned_count = GREATEST(i.assigned_count - freed.n, 0),
    status = CASE WHEN i.status = 'full' THEN 'open' ELSE i.status END, updated_at = now()
FROM freed WHERE i.id = freed.item_id
"""


def discard_work(*, project_id: int, annotator_id: int, tenant_id: int) -> list[int]:
    """Discard the person's answers on items that are not final, give their slots back (the items are served to
    someone else), end their leases, and reverse the pay of the discarded answers. Gold answers are kept: they
    are the evidence for the pause."""
    params = {"project": project_id, "annotator": annotator_id}
    with connection.cursor() as cursor:
        cursor.execute(_END_LEASES, params)
        cursor.execute(_DISCARD, params)
        discarded = [row[0] for row in cursor.fetchall()]
    work_discarded(annotator_id=annotator_id, tenant_id=tenant_id, project_id=project_id, annotation_ids=discarded)
    return discarded
