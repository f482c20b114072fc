"""A project's agreement figures, computed from its accepted answers (stored and served by the package).

The statistics are projects.quality's (Django-free, checked against reference packages); this module turns the
answers into long-format arrays and the results into JSON. Every undefined figure is {"value": null, "reason": ...}:
never NaN, never an invented 0. Layout of `figures`: see compute_figures.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.db.models import QuerySet
from django.utils import timezone

from projects.models import Annotation, Assignment, Consensus, Project
from projects.ontology import (
    BOXES,
    FREE_TEXT,
    MULTI_LABEL,
    PAIRWISE,
    RATING,
    SINGLE_LABEL,
    SPANS,
    Ontology,
    parse_ontology,
)
from projects.ontology.checks import tidy_number
from projects.ontology.constants import PAIRWISE_CHOICES
from projects.ontology.constraints import PairwiseConstraints
from projects.quality import (
    MetricResult,
    fleiss_kappa,
    krippendorff_alpha,
    label_confusion,
    observed_agreement,
    pairwise_cohen,
    score_gold,
    specific_agreement,
)

FIGURES_VERSION = 1  # bump when the layout changes: older rows then read as stale and are recomputed
KINDS = (Assignment.Kind.TASK, Assignment.Kind.GOLD)  # calibration answers are a test, not the project's labels
KEY_FIELD = {SINGLE_LABEL: "label", PAIRWISE: "choice", RATING: "rating"}  # one categorical answer per row
MATCHED = {SPANS: "spans", BOXES: "boxes", FREE_TEXT: "text"}  # no label per answer: compared by the gold rule
LEVELS = ("nominal", "ordinal", "interval")
MIN_SHARED = 10  # Cohen's kappa on fewer shared items is mostly noise
TOP_PAIRS = 50
WEEK_MIN_ITEMS = 10
MAX_CONFUSION_LABELS = 30  # a bigger heat map is unreadable; the most used labels are kept


@dataclass
class Answers:
    """Accepted answers in long format: compact item and annotator indices, one hashable key per answer (label,
    choice, rating, frozenset of labels; None for matched types, whose raw values are kept instead)."""

    items: np.ndarray
    workers: np.ndarray
    keys: list[Any]
    values: list[dict]
    days: np.ndarray  # UTC day number of each answer's created_at
    item_ids: np.ndarray
    annotator_ids: np.ndarray
    read: int  # rows read, including any without a usable answer (staleness compares this with the live count)


def accepted_answers(project: Project) -> QuerySet[Annotation]:
    return Annotation.objects.filter(project=project, status=Annotation.Status.ACCEPTED, kind__in=KINDS)


def _key(task_type: str, value: Any) -> Any:
    if not isinstance(value, dict):
        return None
    if task_type == MULTI_LABEL:
        labels = value.get("labels")
        return frozenset(labels) if isinstance(labels, list) else None
    key = value.get(KEY_FIELD.get(task_type, ""))
    if task_type == RATING:
        return float(key) if isinstance(key, int | float) and not isinstance(key, bool) else None
    return key if isinstance(key, str) else None


def _load(project: Project) -> Answers:
    task_type, matched = project.task_type, project.task_type in MATCHED
    rows = accepted_answers(project).order_by("id").values_list("item_id", "annotator_id", "value", "created_at")
    item_ids, annotator_ids, keys, values, days = [], [], [], [], []
    read = 0
    for item_id, annotator_id, value, created_at in rows.iterator(chunk_size=5000):
        read += 1
        key = None if matched else _key(task_type, value)
        usable = isinstance(value, dict) and MATCHED[task_type] in value if matched else key is not None
        if not usable:  # validated answers always have their field; an odd row must not break the whole report
            continue
        item_ids.append(item_id)
        annotator_ids.append(annotator_id)
        keys.append(key)
        values.append(value if matched else None)
        days.append(int(created_at.timestamp() // 86400))
    unique_items, items = np.unique(np.array(item_ids, dtype=np.int64), return_inverse=True)
    unique_people, workers = np.unique(np.array(annotator_ids, dtype=np.int64), return_inverse=True)
    return Answers(items.astype(np.int64), workers.astype(np.int64), keys, values, np.array(days, dtype=np.int64),
                   unique_items, unique_people, read)  # fmt: skip


def _ontology(project: Project) -> Ontology | None:
    return parse_ontology(project.current_ontology.definition) if project.current_ontology_id else None


def _classes(project: Project, ontology: Ontology | None, answers: Answers) -> list[Any]:
    """The categories in display order: the ontology's, then any seen only in answers to older versions."""
    if project.task_type == MULTI_LABEL:
        seen = set().union(*answers.keys) if answers.keys else set()
    else:
        seen = set(answers.keys)
    if project.task_type == RATING:
        return sorted(seen)
    if project.task_type == PAIRWISE:
        no_tie = ontology is not None and isinstance(ontology.constraints, PairwiseConstraints)
        known = list(PAIRWISE_CHOICES[:2] if no_tie and not ontology.constraints.allow_tie else PAIRWISE_CHOICES)
    else:
        known = list(ontology.label_names) if ontology else []
    return known + sorted(seen - set(known), key=str)


def _m(result: MetricResult) -> dict:
    if result.value is not None and not math.isfinite(result.value):
        return {"value": None, "reason": "the statistic is not a finite number on this data"}
    return {"value": None if result.value is None else float(result.value), "reason": result.reason}


def _na(reason: str) -> dict:
    return {"value": None, "reason": reason}


def compute_figures(project: Project) -> dict:
    """All agreement figures of the project's accepted task and hidden-gold answers, as JSON-safe data:

    version, task_type, as_of, annotations, unusable, annotators, items, comparable_items, labels;
    alpha {nominal, ordinal, interval} each {value, reason};
    fleiss {value, reason, raters_per_item, items_used, items_comparable};
    cohen {value, reason, min_shared, pairs_used, pairs_skipped, pairs [{a, b, shared, kappa}]};
    observed {value, reason, basis};
    per_label {reason, rows [{label, answers, specific {value, reason}, alpha {value, reason}}]};
    confusion {reason, labels, counts (labels x labels) | null, labels_total};
    annotators {reason, rows [{annotator_id, answers, compared, agreed, agreement_with_consensus, reason}]};
    over_time {reason, level, min_items, weeks [{week, start, items, annotations, value, reason}]}.
    """
    as_of = timezone.now()
    answers = _load(project)
    ontology = _ontology(project)
    classes = _classes(project, ontology, answers) if project.task_type not in MATCHED else []
    per_item = np.bincount(answers.items, minlength=len(answers.item_ids))
    figures: dict[str, Any] = {
        "version": FIGURES_VERSION, "task_type": project.task_type, "as_of": as_of.isoformat(),
        "annotations": len(answers.keys), "unusable": answers.read - len(answers.keys),
        "annotators": len(answers.annotator_ids), "items": len(answers.item_ids),
        "comparable_items": int((per_item >= 2).sum()), "labels": [_name(c) for c in classes],
    }  # fmt: skip
    if project.task_type in MATCHED:
        figures |= _matched(project.task_type, answers)
    elif project.task_type == MULTI_LABEL:
        figures |= _multi_label(answers, classes, figures["comparable_items"])
    else:
        figures |= _categorical(project.task_type, answers, classes)
    figures["annotators"] = _per_annotator(project, answers)
    return figures


def _name(category: Any) -> str:
    return str(tidy_number(category)) if isinstance(category, float) else str(category)


def _undefined_sections(reason: str, n_comparable: int) -> dict:
    return {
        "alpha": {level: _na(reason) for level in LEVELS},
        "fleiss": {**_na(reason), "raters_per_item": None, "items_used": 0, "items_comparable": n_comparable},
        "cohen": {**_na(reason), "min_shared": MIN_SHARED, "pairs_used": 0, "pairs_skipped": 0, "pairs": []},
        "per_label": {"reason": reason, "rows": []},
        "confusion": {"reason": reason, "labels": [], "counts": None, "labels_total": 0},
        "over_time": {"reason": reason, "level": None, "min_items": WEEK_MIN_ITEMS, "weeks": []},
    }


# ---- single label, pairwise, rating: one category per answer --------------------------------------------------
def _categorical(task_type: str, a: Answers, classes: list[Any]) -> dict:
    index = {c: i for i, c in enumerate(classes)}
    codes = np.array([index[k] for k in a.keys], dtype=np.int64)
    alpha = {"nominal": _m(krippendorff_alpha(a.items, a.workers, codes))}
    numbers = codes
    if task_type == RATING:
        numbers = np.array(a.keys, dtype=float)
        for level in ("ordinal", "interval"):
            alpha[level] = _m(krippendorff_alpha(a.items, a.workers, numbers, level))
    else:
        alpha |= {level: _na("only for rating scales: these answers have no order") for level in LEVELS[1:]}
    return {
        "alpha": alpha,
        "fleiss": _fleiss(a, codes, len(classes)),
        "cohen": _cohen(a, codes),
        "observed": {**_m(observed_agreement(a.items, a.workers, codes)), "basis": "same answer"},
        "per_label": _per_label(
            a, classes, lambda c: codes == c, specific_agreement(a.items, a.workers, codes, n_classes=len(classes))
        ),
        "confusion": _confusion(a, codes, classes),
        "over_time": _over_time(a, numbers, "ordinal" if task_type == RATING else "nominal"),
    }


def _fleiss(a: Answers, codes: np.ndarray, n_classes: int) -> dict:
    """Fleiss' kappa assumes every item has the same number of raters, so only items with the most common count
    are used (ties: the larger count); the response says how many that was."""
    per_item = np.bincount(a.items, minlength=len(a.item_ids))
    comparable = per_item[per_item >= 2]
    if not len(comparable):
        reason = "fewer than 2 annotators on any item"
        return {**_na(reason), "raters_per_item": None, "items_used": 0, "items_comparable": 0}
    frequency = np.bincount(comparable)
    modal = int(len(frequency) - 1 - frequency[::-1].argmax())
    keep = per_item[a.items] == modal
    result = fleiss_kappa(a.items[keep], a.workers[keep], codes[keep], n_classes=n_classes)
    return {**_m(result), "raters_per_item": modal, "items_used": int((comparable == modal).sum()),
            "items_comparable": len(comparable)}  # fmt: skip


def _cohen(a: Answers, codes: np.ndarray) -> dict:
    if not len(codes):
        return {**_na("there are no answers"), "min_shared": MIN_SHARED, "pairs_used": 0, "pairs_skipped": 0,
                "pairs": []}  # fmt: skip
    r = pairwise_cohen(a.items, a.workers, codes, min_shared=MIN_SHARED)
    order = np.lexsort((-r.kappa, -r.n_shared))[:TOP_PAIRS]  # the best-supported pairs first
    pairs = [
        {"a": int(a.annotator_ids[r.worker_a[i]]), "b": int(a.annotator_ids[r.worker_b[i]]),
         "shared": int(r.n_shared[i]), "kappa": float(r.kappa[i])}
        for i in order
    ]  # fmt: skip
    return {**_m(r.mean), "min_shared": MIN_SHARED, "pairs_used": len(r.kappa), "pairs_skipped": r.n_pairs_skipped,
            "pairs": pairs}  # fmt: skip


def _per_label(
    a: Answers, classes: list[Any], chosen: Callable[[int], np.ndarray], specific: list[MetricResult] | None
) -> dict:
    """Per category: how often it was used, specific agreement (given for single-category answers; for multi-label,
    the agreement on choosing the label) and Krippendorff's alpha of the binary "this label or not" split.
    `chosen(c)` makes one category's flags on demand: a labels x answers matrix could be large."""
    rows = []
    for c in range(len(classes)):
        binary = chosen(c).astype(np.int64)
        agree = specific[c] if specific is not None else specific_agreement(a.items, a.workers, binary, 2)[1]
        rows.append({"label": _name(classes[c]), "answers": int(binary.sum()), "specific": _m(agree),
                     "alpha": _m(krippendorff_alpha(a.items, a.workers, binary))})  # fmt: skip
    return {"reason": None if rows else "no labels defined or used", "rows": rows}


def _confusion(a: Answers, codes: np.ndarray, classes: list[Any]) -> dict:
    counts = label_confusion(a.items, a.workers, codes, n_classes=len(classes)).counts
    if not counts.sum():
        return {"reason": "fewer than 2 annotators on any item", "labels": [_name(c) for c in classes],
                "counts": None, "labels_total": len(classes)}  # fmt: skip
    keep = np.arange(len(classes))
    if len(classes) > MAX_CONFUSION_LABELS:
        used = np.bincount(codes, minlength=len(classes))
        keep = np.sort(np.argsort(-used, kind="stable")[:MAX_CONFUSION_LABELS])
    return {"reason": None, "labels": [_name(classes[c]) for c in keep],
            "counts": counts[np.ix_(keep, keep)].tolist(), "labels_total": len(classes)}  # fmt: skip


def _over_time(a: Answers, values: np.ndarray, level: str) -> dict:
    """Alpha per ISO week (UTC). An item counts in the week of its last answer, when it became comparable: splitting
    one item's answers over two weeks would leave it comparable in neither."""
    out = {"reason": None, "level": level, "min_items": WEEK_MIN_ITEMS, "weeks": []}
    per_item = np.bincount(a.items, minlength=len(a.item_ids))
    if not (per_item >= 2).any():
        return out | {"reason": "fewer than 2 annotators on any item"}
    last_day = np.full(len(a.item_ids), np.iinfo(np.int64).min)
    np.maximum.at(last_day, a.items, a.days)
    monday = last_day - (last_day + 3) % 7  # day 0 (1970-01-01) was a Thursday
    for start in np.unique(monday[per_item >= 2]):
        members = (per_item >= 2) & (monday == start)
        if members.sum() < WEEK_MIN_ITEMS:
            continue
        keep = members[a.items]
        day = date(1970, 1, 1) + timedelta(days=int(start))
        year, week, _ = day.isocalendar()
        result = krippendorff_alpha(a.items[keep], a.workers[keep], values[keep], level)
        out["weeks"].append({"week": f"{year}-W{week:02d}", "start": day.isoformat(), "items": int(members.sum()),
                             "annotations": int(keep.sum()), **_m(result)})  # fmt: skip
    if not out["weeks"]:
        out["reason"] = f"no week has {WEEK_MIN_ITEMS} or more items answered by 2 or more annotators"
    return out


# ---- multi label: each label is its own yes/no question -------------------------------------------------------
def _multi_label(a: Answers, classes: list[Any], n_comparable: int) -> dict:
    reason = "multi-label answers are sets of labels: agreement is given per label (per-label table)"
    out = _undefined_sections(reason, n_comparable)
    sets = {s: i for i, s in enumerate(dict.fromkeys(a.keys))}
    same_set = np.array([sets[s] for s in a.keys], dtype=np.int64)
    out["observed"] = {**_m(observed_agreement(a.items, a.workers, same_set)), "basis": "identical label sets"}
    out["per_label"] = _per_label(
        a, classes, lambda c: np.fromiter((classes[c] in s for s in a.keys), dtype=bool, count=len(a.keys)), None
    )
    return out


# ---- spans, boxes, free text: answers match or not by the hidden-gold rule ------------------------------------
def _matched(task_type: str, a: Answers) -> dict:
    reason = f"not defined for {task_type.replace('_', ' ')} answers, which have no single label per item"
    out = _undefined_sections(reason, 0)
    by_item: dict[int, list[dict]] = {}
    for item, value in zip(a.items.tolist(), a.values, strict=True):
        by_item.setdefault(item, []).append(value)
    shares = []
    for group in by_item.values():
        if len(group) < 2:
            continue
        pairs = [(x, y) for i, x in enumerate(group) for y in group[i + 1 :]]
        shares.append(sum(_matches(task_type, x, y) for x, y in pairs) / len(pairs))
    out["fleiss"]["items_comparable"] = len(shares)
    observed = (
        {"value": float(np.mean(shares)), "reason": None} if shares else _na("fewer than 2 annotators on any item")
    )
    out["observed"] = {**observed, "basis": _MATCH_BASIS[task_type]}
    return out


_MATCH_BASIS = {
    SPANS: "span F1 >= 0.8 (same label, overlap >= 0.5), as for hidden gold",
    BOXES: "box F1 >= 0.8 (same label, IoU >= 0.5), as for hidden gold",
    FREE_TEXT: "same text after normalising case and spaces",
}


def _matches(task_type: str, answer: dict, other: Any) -> bool:
    try:
        return score_gold(task_type, answer, other).correct
    except (ValueError, TypeError, KeyError):  # a consensus of another shape (e.g. after a task-type change)
        return False


# ---- each annotator against the consensus ---------------------------------------------------------------------
def _per_annotator(project: Project, a: Answers) -> dict:
    """Share of each annotator's answers equal to the item's consensus (for items that have one)."""
    task_type = project.task_type
    consensus = dict(Consensus.objects.filter(project=project, value__isnull=False).values_list("item_id", "value"))
    matched = task_type in MATCHED
    target = [consensus.get(int(i)) for i in a.item_ids]
    if not matched:
        target = [None if t is None else _key(task_type, t) for t in target]
    n = len(a.annotator_ids)
    compared, agreed = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    for row, (item, worker) in enumerate(zip(a.items.tolist(), a.workers.tolist(), strict=True)):
        want = target[item]
        if want is None:
            continue
        compared[worker] += 1
        same = _matches(task_type, a.values[row], want) if matched else a.keys[row] == want
        agreed[worker] += int(same)
    answers = np.bincount(a.workers, minlength=n)
    rows = []
    for w in np.argsort(-answers, kind="stable"):
        share = float(agreed[w] / compared[w]) if compared[w] else None
        rows.append({
            "annotator_id": int(a.annotator_ids[w]), "answers": int(answers[w]), "compared": int(compared[w]),
            "agreed": int(agreed[w]), "agreement_with_consensus": share,
            "reason": None if compared[w] else "none of their answers is on an item with a consensus",
        })  # fmt: skip
    reason = None
    if not rows:
        reason = "there are no answers"
    elif not consensus:
        reason = "no item has a consensus yet"
    return {"reason": reason, "rows": rows}
