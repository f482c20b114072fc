"""Consensus: aggregate the answers of completed items, make them final or escalate them to an expert, and decide
under adaptive overlap whether an item needs another annotator.

Completed items are queued in Redis and aggregated in batches by an actor (`aggregate_pending`); Dawid-Skene
needs the whole project, so a batch under that method re-estimates every completed item of the project (a
million answers take about a second). Adjudicated items are never overwritten.
"""

from collections import defaultdict

import numpy as np
from django.db import connection, transaction

from labelhub.redis import get_redis
from projects.models import Annotation, Consensus, Item, Project
from projects.ontology import Ontology
from projects.ontology.constraints import RatingConstraints
from projects.quality import ItemConsensus, aggregate_item, project_dawid_skene, should_stop
from projects.services import budget
from projects.services.ontology import current_ontology
from workforce.models import Qualification

CATEGORICAL = {"single_label", "pairwise"}
PAIRWISE_CLASSES = ("a", "b", "tie")
AGGREGATED_STATUSES = (Item.Status.COMPLETE, Item.Status.FINAL, Item.Status.ESCALATED)
BATCH_DELAY_MS = 1000
BATCH = 2000
# Accuracy smoothing (pseudo right, pseudo wrong answers): someone without gold answers yet counts as 75% accurate,
# about what passing calibration shows; at 50% their votes would weigh nothing and nothing could ever be decided.
UNKNOWN_ACCURACY_PRIOR = (3, 1)


def _pending_key(project_id: int) -> str:
    return f"labelhub:consensus-pending:{connection.schema_name}:{project_id}"


def item_completed(project_id: int, item_id: int) -> None:
    """Queue a completed item for aggregation (called after the submit commits). One actor run per second per
    project picks up everything queued meanwhile."""
    from projects.actors import aggregate_pending

    redis = get_redis()
    redis.sadd(_pending_key(project_id), item_id)
    if redis.set(_pending_key(project_id) + ":scheduled", "1", nx=True, px=BATCH_DELAY_MS):
        aggregate_pending.send_with_options(args=(project_id,), delay=BATCH_DELAY_MS)


def aggregate_pending(*, project_id: int) -> int:
    redis = get_redis()
    project = Project.objects.select_related("current_ontology").filter(pk=project_id).first()
    if project is None:
        return 0
    done = 0
    while True:
        ids = [int(i) for i in redis.spop(_pending_key(project_id), BATCH) or []]
        if not ids:
            break
        done += aggregate_items(project, ids)
    if done:
        from projects.services.metrics import schedule_metrics

        schedule_metrics(project_id)
    return done


def recompute_project(*, project_id: int) -> int:
    """Re-aggregate every completed item (after a method change, or on demand)."""
    project = Project.objects.select_related("current_ontology").get(pk=project_id)
    ids = list(
        Item.objects.filter(project=project, is_gold=False, status__in=AGGREGATED_STATUSES).values_list("id", flat=True)
    )
    done = 0
    for start in range(0, len(ids), BATCH):
        done += aggregate_items(project, ids[start : start + BATCH])
    from projects.services.metrics import schedule_metrics

    schedule_metrics(project_id)
    return done


def gold_accuracies(*, tenant_id: int, project_id: int, annotator_ids) -> dict[int, float]:
    """Smoothed hidden-gold accuracy per annotator in the project (public-schema standings)."""
    rows = Qualification.objects.filter(
        tenant_id=tenant_id, project_id=project_id, annotator_id__in=set(annotator_ids)
    ).values_list("annotator_id", "gold_correct_total", "gold_seen_total")
    right, wrong = UNKNOWN_ACCURACY_PRIOR
    known = {a: (c + right) / (n + right + wrong) for a, c, n in rows}
    return {a: known.get(a, right / (right + wrong)) for a in annotator_ids}


def _label_names(project: Project, ontology: Ontology) -> tuple[str, ...]:
    return PAIRWISE_CLASSES if project.task_type == "pairwise" else ontology.label_names


def _rating_scale(ontology: Ontology):
    c = ontology.constraints
    return (c.min, c.max, c.step) if isinstance(c, RatingConstraints) else None


def aggregate_items(project: Project, item_ids: list[int]) -> int:
    """Compute and store the consensus of these items; make each final, or escalate it. Returns items handled."""
    ontology = current_ontology(project)
    rows = Annotation.objects.filter(
        project=project, item_id__in=item_ids, status=Annotation.Status.ACCEPTED, kind="task"
    ).values_list("item_id", "annotator_id", "value")
    answers: dict[int, list[tuple[int, dict]]] = defaultdict(list)
    for item_id, annotator_id, value in rows:
        answers[item_id].append((annotator_id, value))
    labels = _label_names(project, ontology)
    annotators = {i: sorted({a for a, _ in pairs}) for i, pairs in answers.items()}
    if not answers and project.aggregation != Project.Aggregation.DAWID_SKENE:
        return 0
    if project.aggregation == Project.Aggregation.DAWID_SKENE and project.task_type in CATEGORICAL:
        # DS re-estimates the whole project: store every completed item's new posterior
        results, annotators = _dawid_skene_results(project, labels)
    else:
        weights = None
        if project.aggregation == Project.Aggregation.WEIGHTED:
            people = {a for pairs in answers.values() for a, _ in pairs}
            weights = gold_accuracies(tenant_id=connection.tenant.pk, project_id=project.pk, annotator_ids=people)
        results = {
            item_id: aggregate_item(
                project.task_type,
                [v for _, v in pairs],
                label_names=labels,
                weights=[weights[a] for a, _ in pairs] if weights else None,
                method="weighted" if weights else "majority",
                rating_scale=_rating_scale(ontology),
            )
            for item_id, pairs in answers.items()
        }
    stored = _store(project, results, annotators)
    _after_aggregation(project, list(results))
    return stored


def _after_aggregation(project: Project, item_ids: list[int]) -> None:
    """Human consensus measures the pre-labeler (audits) and may call for a retrain of the local model."""
    from projects.services.prelabel.audits import record_audits
    from projects.services.prelabel.training import maybe_retrain

    record_audits(project, item_ids)
    maybe_retrain(project)


def _dawid_skene_results(project: Project, labels) -> tuple[dict[int, ItemConsensus], dict[int, list[int]]]:
    rows = list(
        Annotation.objects.filter(
            project=project, status=Annotation.Status.ACCEPTED, kind="task", item__status__in=AGGREGATED_STATUSES
        ).values_list("item_id", "annotator_id", "value")
    )
    if not rows:
        return {}, {}
    items, workers, values = zip(*rows, strict=True)
    annotators: dict[int, set[int]] = defaultdict(set)
    for item_id, annotator_id in zip(items, workers, strict=True):
        annotators[item_id].add(annotator_id)
    results = project_dawid_skene(list(items), list(workers), list(values), project.task_type, labels)
    return results, {i: sorted(a) for i, a in annotators.items()}


def _store(project: Project, results: dict[int, ItemConsensus], annotators: dict[int, list[int]]) -> int:
    if not results:
        return 0
    with transaction.atomic():
        # lock the rows in id order (as every other writer of items does) and skip what an expert already decided
        current = dict(
            Item.objects.select_for_update(of=("self",))
            .filter(pk__in=list(results), status__in=AGGREGATED_STATUSES)
            .order_by("id")
            .values_list("id", "status")
        )
        adjudicated = set(
            Consensus.objects.filter(item_id__in=list(current), status=Consensus.Status.ADJUDICATED).values_list(
                "item_id", flat=True
            )
        )
        rows, final, escalated = [], [], []
        for item_id, result in results.items():
            if item_id not in current or item_id in adjudicated:
                continue
            status = _status_for(project, result)
            (final if status == Consensus.Status.AGREED else escalated).append(item_id)
            rows.append(
                Consensus(
                    item_id=item_id,
                    project=project,
                    value=result.value,
                    confidence=result.confidence,
                    method=result.method,
                    params=result.detail,
                    status=status,
                    annotation_count=len(annotators.get(item_id, [])),
                    annotator_ids=annotators.get(item_id, []),
                    ontology_version_id=project.current_ontology_id,
                )
            )
        Consensus.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["item"],
            update_fields=["value", "confidence", "method", "params", "status", "annotation_count", "annotator_ids",
                           "ontology_version", "updated_at"],
        )  # fmt: skip
        newly_final = [i for i in final if current.get(i) != Item.Status.FINAL]
        Item.objects.filter(pk__in=final).exclude(status=Item.Status.FINAL).update(status=Item.Status.FINAL)
        budget.record_final_labels(project, newly_final)
        Item.objects.filter(pk__in=escalated).exclude(status=Item.Status.ESCALATED).update(status=Item.Status.ESCALATED)
    return len(rows)


def _status_for(project: Project, result: ItemConsensus) -> str:
    if result.value is None:
        return Consensus.Status.REVIEW
    if result.confidence is not None and result.confidence >= project.target_confidence:
        return Consensus.Status.AGREED
    return Consensus.Status.ESCALATED


def adaptive_target(
    *, project: Project, item: Item, values: list[dict], annotator_ids: list[int], tenant_id: int, label_names
) -> int:
    """Under adaptive overlap, the item's new overlap target once it has `target` answers: the same target when
    the vote is confident enough (or max overlap is reached), else one more annotator. Categorical types only;
    other types stop at the minimum and let aggregation escalate what is unclear."""
    target = item.overlap_target or project.overlap_min
    if project.overlap_mode != Project.Overlap.ADAPTIVE or project.task_type not in CATEGORICAL:
        return target
    if len(values) < target or target >= project.overlap_max:
        return target
    key = "choice" if project.task_type == "pairwise" else "label"
    classes = list(PAIRWISE_CLASSES) if project.task_type == "pairwise" else list(label_names)
    index = {name: i for i, name in enumerate(classes)}
    votes = [index[v[key]] for v in values if v.get(key) in index]
    accuracy = gold_accuracies(tenant_id=tenant_id, project_id=project.pk, annotator_ids=annotator_ids)
    weights = np.array([accuracy[a] for a, v in zip(annotator_ids, values, strict=True) if v.get(key) in index])
    stop = should_stop(np.array(votes), len(classes), project.target_confidence, project.overlap_min,
                       project.overlap_max, worker_accuracy=weights)  # fmt: skip
    return target if stop else target + 1


OUTCOME = {"a": 0, "b": 1, "tie": 2}  # projects.quality.preferences: A_WINS, B_WINS, TIE


def preference_rankings(project: Project, *, limit: int = 200) -> list[dict]:
    """Per prompt, a Bradley-Terry ranking of its responses from every accepted pairwise answer (each annotator's
    vote counts, not only the item consensus: that is the data a reward model would learn from)."""
    from projects.quality import rank_responses

    if project.task_type != "pairwise":
        return []
    rows = Annotation.objects.filter(project=project, status=Annotation.Status.ACCEPTED, kind="task").values_list(
        "item__payload", "value"
    )
    prompt_ids: dict[str, int] = {}
    response_ids: dict[tuple[int, str], int] = {}
    prompts, first, second, outcomes = [], [], [], []
    for payload, value in rows:
        p = prompt_ids.setdefault(payload["prompt"], len(prompt_ids))
        prompts.append(p)
        first.append(response_ids.setdefault((p, payload["response_a"]), len(response_ids)))
        second.append(response_ids.setdefault((p, payload["response_b"]), len(response_ids)))
        outcomes.append(OUTCOME[value["choice"]])
    if not prompts:
        return []
    text_of = {rid: text for (_, text), rid in response_ids.items()}
    prompt_of = {p: text for text, p in prompt_ids.items()}
    fits = rank_responses(np.array(prompts), np.array(first), np.array(second), np.array(outcomes))
    out = []
    for p, fit in list(fits.items())[:limit]:
        ids = sorted({r for (q, _), r in response_ids.items() if q == p})
        strength = dict(zip(ids, (float(s) for s in fit.strength), strict=True))
        out.append({
            "prompt": prompt_of[p], "comparisons": prompts.count(p), "converged": fit.converged, "reason": fit.reason,
            "ranking": [{"response": text_of[int(r)], "strength": _finite(strength[int(r)])} for r in fit.ranking],
        })  # fmt: skip
    return out


def _finite(x: float) -> float | None:
    return round(x, 6) if np.isfinite(x) else None
