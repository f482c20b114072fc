"""Consensus labels for single-label tasks: majority vote, weighted vote and the worker weights that feed it.

Dawid-Skene lives in :mod:`.dawid_skene`; multi-label, spans, boxes, preferences and ratings in their own modules.

Tie rule (deterministic, used by every vote here): among the tied classes pick the one with the larger global prior
(its share of all annotations in the call), then the smallest class index. Rationale: when the crowd is split, the
class that is more common overall is the better bet, and a fixed order keeps exports reproducible.
Items with no annotation get label ``-1`` and confidence ``0.0``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .longformat import as_long, class_counts, dedupe_last, infer_sizes


@dataclass(frozen=True)
class VoteResult:
    """Per-item consensus: ``labels`` (-1 when unannotated), ``confidence`` in [0, 1] and ``n_votes``."""

    labels: np.ndarray
    confidence: np.ndarray
    n_votes: np.ndarray


def priority_rank(prior: np.ndarray) -> np.ndarray:
    """Rank of each class for tie-breaking: larger prior first, then smaller index (rank 0 is preferred)."""
    order = np.lexsort((np.arange(len(prior)), -np.asarray(prior, dtype=float)))
    rank = np.empty(len(prior), dtype=np.int64)
    rank[order] = np.arange(len(prior))
    return rank


def argmax_with_ties(scores: np.ndarray, prior: np.ndarray, rtol: float = 1e-12) -> np.ndarray:
    """Row-wise argmax of ``scores`` (items x classes) breaking near-ties with :func:`priority_rank`."""
    if scores.shape[1] == 0:
        return np.full(len(scores), -1, dtype=np.int64)
    best = scores.max(axis=1, keepdims=True)
    tied = scores >= best - rtol * np.maximum(np.abs(best), 1.0)
    preference = len(prior) - priority_rank(prior)  # larger is preferred, always >= 1
    return np.argmax(tied * preference[None, :], axis=1).astype(np.int64)


def majority_vote(
    items: np.ndarray,
    workers: np.ndarray,
    labels: np.ndarray,
    n_items: int | None = None,
    n_classes: int | None = None,
) -> VoteResult:
    """Most frequent label per item; confidence is the winning label's share of the item's votes."""
    items, workers, labels = dedupe_last(*as_long(items, workers, labels))
    n_items, n_classes = infer_sizes(items, labels, n_items, n_classes)
    counts = class_counts(items, labels, n_items, n_classes).astype(float)
    return _vote_from_scores(counts, counts.sum(axis=1), counts.sum(axis=0))


def _vote_from_scores(scores: np.ndarray, n_votes: np.ndarray, prior: np.ndarray) -> VoteResult:
    winners = argmax_with_ties(scores, prior)
    totals = scores.sum(axis=1)
    top = scores[np.arange(len(scores)), winners] if scores.shape[1] else np.zeros(len(scores))
    confidence = np.divide(top, totals, out=np.zeros(len(scores)), where=totals > 0)
    winners = np.where(n_votes > 0, winners, -1)
    return VoteResult(labels=winners, confidence=confidence, n_votes=n_votes.astype(np.int64))


def accuracy_log_odds(accuracy: np.ndarray, n_classes: int, clip: float = 1e-3) -> np.ndarray:
    """Optimal vote weight log((K - 1) p / (1 - p)) of a worker with accuracy p under the one-coin model.

    Accuracies are clipped to [clip, 1 - clip] so a perfect gold record does not give an infinite weight; a worker
    at chance level (p = 1/K) gets weight 0 and a worker below chance a negative weight.
    """
    p = np.clip(np.asarray(accuracy, dtype=float), clip, 1.0 - clip)
    return np.log((n_classes - 1) * p / (1.0 - p))


def weighted_vote(
    items: np.ndarray,
    workers: np.ndarray,
    labels: np.ndarray,
    worker_weights: np.ndarray,
    n_items: int | None = None,
    n_classes: int | None = None,
    log_odds: bool = False,
) -> VoteResult:
    """Vote where each worker's ballot counts ``worker_weights[worker]``.

    ``log_odds=False``: weights must be >= 0 (e.g. gold accuracy) and confidence is the winning label's share of
    the total weight. ``log_odds=True``: ``worker_weights`` are accuracies in (0, 1); each vote adds
    :func:`accuracy_log_odds` to its class and confidence is the one-coin-model posterior softmax(scores) with a
    uniform class prior, which is a calibrated probability when the accuracies are right and workers independent.
    """
    items, workers, labels = dedupe_last(*as_long(items, workers, labels))
    n_items, n_classes = infer_sizes(items, labels, n_items, n_classes)
    weights = np.asarray(worker_weights, dtype=float)
    if len(workers) and weights.shape[0] <= workers.max():
        raise ValueError("worker_weights must have one entry per worker id")
    n_votes = np.bincount(items, minlength=n_items).astype(float)
    prior = np.bincount(labels, minlength=n_classes).astype(float)
    if not log_odds:
        if (weights < 0).any():
            raise ValueError("weights must be non-negative unless log_odds=True")
        flat = np.bincount(items * n_classes + labels, weights=weights[workers], minlength=n_items * n_classes)
        return _vote_from_scores(flat.reshape(n_items, n_classes), n_votes, prior)
    per_vote = accuracy_log_odds(weights, n_classes)[workers]
    scores = np.bincount(items * n_classes + labels, weights=per_vote, minlength=n_items * n_classes)
    scores = scores.reshape(n_items, n_classes)
    winners = argmax_with_ties(scores, prior)
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    posterior = shifted / shifted.sum(axis=1, keepdims=True)
    confidence = np.where(n_votes > 0, posterior[np.arange(n_items), winners], 0.0)
    return VoteResult(labels=np.where(n_votes > 0, winners, -1), confidence=confidence, n_votes=n_votes.astype(int))


def worker_accuracy_from_gold(
    items: np.ndarray,
    workers: np.ndarray,
    labels: np.ndarray,
    gold: dict[int, int] | np.ndarray,
    n_workers: int | None = None,
    prior_correct: float = 2.0,
    prior_wrong: float = 1.0,
) -> np.ndarray:
    """Beta-smoothed accuracy of every worker on gold items: (correct + a) / (answered + a + b).

    ``gold`` maps item id to the true label (or is an array with -1 for non-gold items). The Beta(2, 1) default
    prior pulls workers with few gold answers towards 2/3 instead of 0 or 1, so one lucky answer does not make
    a worker an oracle. Workers with no gold answer get the prior mean.
    """
    items, workers, labels = dedupe_last(*as_long(items, workers, labels))
    n_workers = (int(workers.max()) + 1 if len(workers) else 0) if n_workers is None else n_workers
    if isinstance(gold, dict):
        size = max([*gold.keys(), int(items.max()) if len(items) else 0]) + 1
        truth = np.full(size, -1, dtype=np.int64)
        truth[list(gold.keys())] = list(gold.values())
    else:
        truth = np.asarray(gold, dtype=np.int64)
        if len(items) and len(truth) <= items.max():
            truth = np.r_[truth, np.full(int(items.max()) + 1 - len(truth), -1)]
    on_gold = truth[items] >= 0 if len(items) else np.zeros(0, dtype=bool)
    answered = np.bincount(workers[on_gold], minlength=n_workers).astype(float)
    correct = np.bincount(
        workers[on_gold], weights=(labels[on_gold] == truth[items[on_gold]]).astype(float), minlength=n_workers
    )
    return (correct + prior_correct) / (answered + prior_correct + prior_wrong)
