"""Consensus of ONE item's answers for every task type (:func:`aggregate_item`) and project-wide Dawid-Skene.

Input: the item's validated answer values (one per annotator, in the task type's value shape) and optionally one
weight per answer: the annotator's accuracy in [0, 1] (e.g. Beta-smoothed gold accuracy). Output: an
:class:`ItemConsensus` whose ``value`` has the same shape as an answer, so it can be exported like one.
Every number in the output is a plain finite Python number (``json.dumps(..., allow_nan=False)`` works).

Methods (``method=``):

* ``"majority"`` (default): every answer counts the same; ``weights`` are ignored for every task type.
* ``"weighted"``: ``weights`` are required (one per answer, in [0, 1]). Single-label and pairwise votes add
  ``accuracy_log_odds(p) = log((K - 1) p / (1 - p))`` per answer; multi-label, spans and boxes use the accuracy
  itself as the ballot weight. Ratings always use the plain median (the median is already robust to one
  annotator who uses the scale differently).

Rules per task type (``confidence`` is always in [0, 1]):

* **single_label** (classes = ``label_names`` in ontology order; labels not in ``label_names`` are appended in
  alphabetical order so no answer is lost). Majority: the most frequent label; ``confidence`` = winning votes /
  votes. Tie rule of :func:`.aggregation.majority_vote` (larger prior, then smaller class index); within one item
  the tied classes have the same count, so a tie goes to the label that comes first in the ontology. Weighted:
  the largest log-odds sum; ``confidence`` = one-coin posterior softmax(scores) of the winner, as
  ``adaptive.vote_confidence(weighted=True)``; ties go to the label with more votes, then ontology order. With a
  single class the only label wins with confidence 1. ``detail``: ``counts`` per label (+ ``posterior`` when
  weighted).
* **pairwise** (classes ``a``, ``b``, ``tie``). Majority uses :func:`.preferences.pairwise_vote`: when A and B get
  the same number of votes the consensus is ``tie`` whatever the tie votes (the crowd preferred neither), so its
  confidence (the share of ``tie`` votes) can be 0. Weighted applies the same rule to the log-odds scores.
  ``value`` is ``{"choice": ...}``; reasons are not merged: ``detail["reasons"]`` counts the answers of each
  choice that gave one.
* **multi_label**: each label is voted on separately and selected when at least half of the (weighted) voters
  chose it (:func:`.multilabel.multilabel_vote`, threshold 0.5; a 50/50 split selects). ``value`` lists the
  selected labels in label order. A label's confidence is the (weighted) share of voters who agree with its
  decision; ``confidence`` is the minimum over all labels (how sure the least certain decision is), 1.0 when
  there is no label at all. ``detail``: ``votes`` and ``shares`` per label.
* **spans**: :func:`.spans.aggregate_spans` with character IoU >= 0.5 and support >= half the annotator weight.
  ``value`` spans carry start, end, label (and ``text`` when an answer had a span with exactly those bounds).
  ``confidence`` = the minimum span confidence (weight share of annotators who marked the span with the winning
  label); when no span survives, the weight share of annotators who marked nothing (0 if everybody marked
  something but nobody agreed). ``detail``: ``empty_share`` and per span ``confidence``/``support``.
* **boxes**: :func:`.boxes.aggregate_boxes` with IoU >= 0.5 (PASCAL VOC) and support >= half the weight; the
  coordinates are the (weighted) mean of the cluster's boxes. Confidence as for spans.
* **rating**: the median (numpy linear percentile, so an even count averages the two middle ratings). With
  ``rating_scale=(min, max, step)`` it is snapped to the nearest scale point, a median exactly halfway between
  two points going to the LOWER one (deterministic, and the cautious reading of a split). ``confidence`` = share
  of ratings within one step (1 when no scale is given) of the reported rating. ``detail``: median (unsnapped),
  q1, q3, iqr, std (population), n.
* **free_text**: no automatic consensus: value None, confidence None, method ``"none"``; it goes to review.

Zero answers give value None, confidence None, method ``"none"`` for every task type. One answer gives that
answer with the same formulas: confidence 1.0 for majority (and for spans, boxes, ratings, multi-label), and
the annotator's own accuracy p for a weighted single-label or pairwise vote (softmax of one log-odds vote is p).
``detail["answers"]`` is always the number of answers.

:func:`project_dawid_skene` fits Dawid-Skene on a whole project's single-label or pairwise answers (long format)
and gives every answered item its MAP label with the DS posterior of that label as confidence (method
``"dawid_skene"``; posterior ties follow the vote tie rule, no pairwise A = B rule). Other task types raise
``ValueError``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from projects.ontology.checks import tidy_number
from projects.ontology.constants import (
    BOXES,
    FREE_TEXT,
    MULTI_LABEL,
    PAIRWISE,
    PAIRWISE_CHOICES,
    RATING,
    SINGLE_LABEL,
    SPANS,
    TASK_TYPES,
)

from .aggregation import accuracy_log_odds, majority_vote, weighted_vote
from .boxes import aggregate_boxes
from .dawid_skene import dawid_skene
from .longformat import class_counts, dedupe_last
from .multilabel import multilabel_vote, rating_summary
from .preferences import TIE, pairwise_vote
from .spans import aggregate_spans

METHODS: tuple[str, ...] = ("majority", "weighted")
OVERLAP_THRESHOLD = 0.5  # IoU for clustering spans (characters) and boxes (pixels)
MIN_SUPPORT = 0.5  # share of the annotator weight a span/box needs to enter the consensus
MULTI_LABEL_THRESHOLD = 0.5
_TOLERANCE = 1e-9  # float noise in weighted shares and fractional rating steps


@dataclass(frozen=True)
class ItemConsensus:
    """One item's consensus: ``value`` in the task type's value shape (None: no vote possible), ``confidence`` in
    [0, 1] (None: undefined), the ``method`` that produced it and JSON-safe ``detail``."""

    value: dict | None
    confidence: float | None
    method: str
    detail: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "confidence": self.confidence, "method": self.method, "detail": self.detail}


def _plain(obj: Any) -> Any:
    """Numpy scalars/arrays to Python, recursively; a non-finite float is a bug here, so it raises."""
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | np.ndarray):
        return [_plain(v) for v in obj]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        if not math.isfinite(obj):
            raise ValueError("consensus produced a non-finite number")
        return float(obj)
    return obj


def _result(value: dict | None, confidence: float | None, method: str, detail: dict) -> ItemConsensus:
    if confidence is not None:
        confidence = min(max(float(confidence), 0.0), 1.0)  # softmax/shares can overshoot 1 by float noise
    return ItemConsensus(_plain(value), _plain(confidence), method, _plain(detail))


def _none(n: int) -> ItemConsensus:
    return ItemConsensus(None, None, "none", {"answers": n})


def _field(answers: Sequence[dict], key: str, task_type: str) -> list[Any]:
    values = []
    for position, answer in enumerate(answers):
        if not isinstance(answer, Mapping) or key not in answer:
            raise ValueError(f"{task_type} answer {position} has no {key!r}")
        values.append(answer[key])
    return values


def _weights(weights: Sequence[float] | None, n: int, method: str) -> np.ndarray | None:
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if method == "majority":
        return None
    if weights is None:
        raise ValueError("method 'weighted' needs weights: one annotator accuracy per answer")
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"weights must have one entry per answer ({n}), got shape {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any() or (w > 1).any():
        raise ValueError("weights must be annotator accuracies in [0, 1]")
    return w


def _ballot_weights(w: np.ndarray | None, n: int) -> np.ndarray:
    """Linear ballot weights (multi-label, spans, boxes); all-zero weights would make every share 0/0."""
    if w is None:
        return np.ones(n)
    if w.sum() <= 0:
        raise ValueError("weights are all zero: no answer would count")
    return w


def _classes(label_names: Sequence[str], seen: Sequence[str]) -> list[str]:
    known = list(dict.fromkeys(label_names))
    return known + sorted(set(seen) - set(known))


def _pairwise_outcome(scores: np.ndarray) -> int:
    """The rule of :func:`.preferences.pairwise_vote` on real-valued scores: A = B (within float noise) is a tie."""
    a, b, tie = scores
    scale = _TOLERANCE * max(1.0, abs(a), abs(b))
    if (tie > a and tie > b) or abs(a - b) <= scale:
        return TIE
    return 0 if a > b else 1


def _categorical(task_type: str, answers: Sequence[dict], label_names: Sequence[str], w: np.ndarray | None):
    pairwise = task_type == PAIRWISE
    values = _field(answers, "choice" if pairwise else "label", task_type)
    if pairwise:
        classes = list(PAIRWISE_CHOICES)
        unknown = [v for v in values if v not in classes]
        if unknown:
            raise ValueError(f"pairwise choice must be one of {', '.join(classes)}, got {unknown[0]!r}")
    else:
        if not all(isinstance(v, str) for v in values):
            raise ValueError("single_label labels must be strings")
        classes = _classes(label_names, values)
    index = {c: k for k, c in enumerate(classes)}
    labels = np.array([index[v] for v in values], dtype=np.int64)
    n, k = len(labels), len(classes)
    items, workers = np.zeros(n, dtype=np.int64), np.arange(n)
    counts = np.bincount(labels, minlength=k)
    detail: dict[str, Any] = {"answers": n, "counts": dict(zip(classes, counts, strict=True))}
    if pairwise:
        detail["reasons"] = _reason_counts(answers, values)
    if w is None:
        if pairwise:
            vote = pairwise_vote(items, workers, labels, n_comparisons=1)
            winner, confidence = int(vote.outcome[0]), float(vote.confidence[0])
        else:
            vote = majority_vote(items, workers, labels, n_items=1, n_classes=k)
            winner, confidence = int(vote.labels[0]), float(vote.confidence[0])
        method = "majority"
    else:
        method = "weighted"
        if k == 1:  # log((K - 1) p / (1 - p)) is -inf for K = 1, and there is nothing to decide anyway
            winner, posterior = 0, np.ones(1)
        else:
            scores = np.bincount(labels, weights=accuracy_log_odds(w, k), minlength=k)
            shifted = np.exp(scores - scores.max())
            posterior = shifted / shifted.sum()
            if pairwise:
                winner = _pairwise_outcome(scores)
            else:
                vote = weighted_vote(items, workers, labels, w, n_items=1, n_classes=k, log_odds=True)
                winner = int(vote.labels[0])
        confidence = float(posterior[winner])
        detail["posterior"] = dict(zip(classes, posterior, strict=True))
    key = "choice" if pairwise else "label"
    return _result({key: classes[winner]}, confidence, method, detail)


def _reason_counts(answers: Sequence[dict], choices: Sequence[str]) -> dict[str, int]:
    reasons = dict.fromkeys(PAIRWISE_CHOICES, 0)
    for answer, choice in zip(answers, choices, strict=True):
        reason = answer.get("reason")
        if isinstance(reason, str) and reason.strip():
            reasons[choice] += 1
    return reasons


def _multi_label(answers: Sequence[dict], label_names: Sequence[str], w: np.ndarray | None) -> ItemConsensus:
    chosen = [set(labels) for labels in _field(answers, "labels", MULTI_LABEL)]
    classes = _classes(label_names, [label for labels in chosen for label in labels])
    n, k = len(chosen), len(classes)
    index = {c: i for i, c in enumerate(classes)}
    matrix = np.zeros((n, k))
    for row, labels in enumerate(chosen):
        matrix[row, [index[label] for label in labels]] = 1.0
    if w is None:
        vote = multilabel_vote(np.zeros(n, dtype=np.int64), np.arange(n), matrix, n_items=1)
        share, selected, per_label = vote.share[0], vote.selected[0], vote.confidence[0]
        method = "majority"
    else:
        weights = _ballot_weights(w, n)
        share = weights @ matrix / weights.sum()
        selected = share >= MULTI_LABEL_THRESHOLD - _TOLERANCE  # same ">= half" rule as multilabel_vote
        per_label = np.where(selected, share, 1.0 - share)
        method = "weighted"
    # With no label to decide, every annotator agreed that nothing applies.
    confidence = float(per_label.min()) if k else 1.0
    detail = {
        "answers": n,
        "votes": dict(zip(classes, matrix.sum(axis=0).astype(int), strict=True)),
        "shares": dict(zip(classes, share, strict=True)),
    }
    return _result(
        {"labels": [c for c, keep in zip(classes, selected, strict=True) if keep]}, confidence, method, detail
    )


def _objects(task_type: str, answers: Sequence[dict], w: np.ndarray | None) -> ItemConsensus:
    spans = task_type == SPANS
    key = "spans" if spans else "boxes"
    annotations = [list(objects) for objects in _field(answers, key, task_type)]
    n = len(annotations)
    weights = _ballot_weights(w, n)
    aggregate = aggregate_spans if spans else aggregate_boxes
    found = aggregate(
        annotations, weights=None if w is None else weights, threshold=OVERLAP_THRESHOLD, min_support=MIN_SUPPORT
    )
    marked_nothing = np.array([len(objects) == 0 for objects in annotations])
    empty_share = float(weights[marked_nothing].sum() / weights.sum())
    confidence = min(obj["confidence"] for obj in found) if found else empty_share
    if spans:
        # Every answer is about the same text, so any span with the same bounds carries the same text.
        texts = {(s["start"], s["end"]): s["text"] for objects in annotations for s in objects if "text" in s}
        value = []
        for s in found:
            span = {"start": s["start"], "end": s["end"], "label": s["label"]}
            if (s["start"], s["end"]) in texts:
                span["text"] = texts[(s["start"], s["end"])]
            value.append(span)
    else:
        value = [{**{c: tidy_number(float(b[c])) for c in "xywh"}, "label": b["label"]} for b in found]
    detail = {
        "answers": n,
        "empty_share": empty_share,
        key: [{"confidence": obj["confidence"], "support": obj["support"]} for obj in found],
    }
    method = "span_match" if spans else "box_cluster"
    return _result({key: value}, confidence, method, detail)


def _check_scale(rating_scale: tuple[float, float, float] | None) -> tuple[float, float, float] | None:
    if rating_scale is None:
        return None
    low, high, step = (float(v) for v in rating_scale)
    if not all(math.isfinite(v) for v in (low, high, step)) or step <= 0 or high < low:
        raise ValueError("rating_scale must be finite (min, max, step) with step > 0 and max >= min")
    return low, high, step


def _snap(value: float, scale: tuple[float, float, float]) -> int | float:
    low, high, step = scale
    last = math.floor((high - low) / step + _TOLERANCE)  # the last point that is not above max
    # ceil(k - 0.5) is "nearest point, exactly halfway goes down"; the tolerance keeps 2.5000000001 halfway.
    k = math.ceil((value - low) / step - 0.5 - _TOLERANCE)
    return tidy_number(low + min(max(k, 0), last) * step)


def _rating(answers: Sequence[dict], scale: tuple[float, float, float] | None) -> ItemConsensus:
    raw = _field(answers, "rating", RATING)
    if not all(isinstance(v, int | float | np.number) and not isinstance(v, bool) for v in raw):
        raise ValueError("ratings must be numbers")
    ratings = np.array(raw, dtype=float)
    if not np.isfinite(ratings).all():
        raise ValueError("ratings must be finite numbers")
    n = len(ratings)
    summary = rating_summary(np.zeros(n, dtype=np.int64), np.arange(n), ratings, n_items=1)
    median = float(summary.median[0])
    rating = _snap(median, scale) if scale else tidy_number(median)
    step = scale[2] if scale else 1.0
    within = int((np.abs(ratings - rating) <= step * (1 + _TOLERANCE)).sum())
    detail = {
        "answers": n,
        "median": median,
        "q1": summary.q1[0],
        "q3": summary.q3[0],
        "iqr": summary.iqr[0],
        "std": summary.std[0],
        "n": int(summary.n[0]),
        "within_one_step": within,
    }
    return _result({"rating": rating}, within / n, "median", detail)


def aggregate_item(
    task_type: str,
    answers: Sequence[dict],
    *,
    label_names: Sequence[str] = (),
    weights: Sequence[float] | None = None,
    method: str = "majority",
    rating_scale: tuple[float, float, float] | None = None,
) -> ItemConsensus:
    """Consensus of one item's answers (one validated value per annotator); rules in the module docstring.

    ``label_names`` gives the class order (pass ``Ontology.label_names``); ``weights`` are annotator accuracies
    used only by ``method="weighted"``; ``rating_scale`` is ``(min, max, step)`` of a rating ontology. Raises
    ``ValueError`` on an unknown task type or method, malformed answers or weights.
    """
    if task_type not in TASK_TYPES:
        raise ValueError(f"unknown task type {task_type!r}")
    scale = _check_scale(rating_scale)
    w = _weights(weights, len(answers), method)
    if not answers or task_type == FREE_TEXT:
        return _none(len(answers))
    if task_type in (SINGLE_LABEL, PAIRWISE):
        return _categorical(task_type, answers, label_names, w)
    if task_type == MULTI_LABEL:
        return _multi_label(answers, label_names, w)
    if task_type in (SPANS, BOXES):
        return _objects(task_type, answers, w)
    return _rating(answers, scale)


def project_dawid_skene(
    items: Sequence[int],
    workers: Sequence[int],
    answers: Sequence[dict],
    task_type: str,
    label_names: Sequence[str],
    **ds_kwargs: Any,
) -> dict[int, ItemConsensus]:
    """Dawid-Skene consensus of every answered item of a project, from long-format (item, worker, answer) rows.

    Item and worker ids may be any integers (database keys); a repeated (item, worker) pair keeps its last row.
    ``ds_kwargs`` go to :func:`.dawid_skene.dawid_skene` (``tol``, ``max_iter``, ``smoothing``). Returns
    ``{item id: ItemConsensus}`` with the MAP label, its posterior as confidence and ``detail`` holding the
    answer ``counts``, the ``posterior`` per class, and ``converged``. Raises ``ValueError`` for task types other
    than single_label and pairwise and for unequal lengths.
    """
    if task_type not in (SINGLE_LABEL, PAIRWISE):
        raise ValueError(f"Dawid-Skene needs single_label or pairwise answers, not {task_type!r}")
    if not len(items) == len(workers) == len(answers):
        raise ValueError(f"items, workers and answers differ in length ({len(items)}, {len(workers)}, {len(answers)})")
    if not answers:
        return {}
    pairwise = task_type == PAIRWISE
    key = "choice" if pairwise else "label"
    values = _field(answers, key, task_type)
    classes = list(PAIRWISE_CHOICES) if pairwise else _classes(label_names, values)
    index = {c: k for k, c in enumerate(classes)}
    unknown = [v for v in values if v not in index]
    if unknown:
        raise ValueError(f"{task_type} answer {unknown[0]!r} is not one of {', '.join(classes)}")
    item_ids, item_idx = np.unique(np.asarray(items, dtype=np.int64), return_inverse=True)
    worker_ids, worker_idx = np.unique(np.asarray(workers, dtype=np.int64), return_inverse=True)
    item_idx, worker_idx, rows = dedupe_last(item_idx.ravel(), worker_idx.ravel(), np.arange(len(values)))
    labels = np.array([index[values[r]] for r in rows], dtype=np.int64)
    n_items, k = len(item_ids), len(classes)
    fit = dawid_skene(
        item_idx, worker_idx, labels, n_classes=k, n_items=n_items, n_workers=len(worker_ids), **ds_kwargs
    )
    counts = class_counts(item_idx, labels, n_items, k)
    reasons = np.zeros((n_items, k), dtype=np.int64)
    if pairwise:
        for i, r in zip(item_idx, rows, strict=True):
            reason = answers[r].get("reason")
            if isinstance(reason, str) and reason.strip():
                reasons[i, index[values[r]]] += 1
    result = {}
    for i, item in enumerate(item_ids):
        winner = int(fit.labels[i])
        detail: dict[str, Any] = {
            "answers": int(counts[i].sum()),
            "counts": dict(zip(classes, counts[i], strict=True)),
            "posterior": dict(zip(classes, fit.posteriors[i], strict=True)),
            "converged": fit.converged,
        }
        if pairwise:
            detail["reasons"] = dict(zip(classes, reasons[i], strict=True))
        result[int(item)] = _result({key: classes[winner]}, fit.posteriors[i, winner], "dawid_skene", detail)
    return result
