"""Adaptive overlap: ask for another annotation only while the item's consensus is still uncertain.

Confidence model (the same for the live check and the replay, so simulated savings are what production gets):

* without worker accuracies: the posterior mean of the top class's share under a uniform Dirichlet(1) prior,
  (c_top + 1) / (n + K). With K = 2, two agreeing votes give 0.75 and three give 0.8; a split never passes 0.5.
* with worker accuracies (e.g. from gold, Beta-smoothed): the one-coin posterior softmax(sum of
  log((K - 1) p_w / (1 - p_w))) with a uniform class prior, so a trusted worker counts for more.

An item stops when it has at least ``min_overlap`` votes and confidence >= target, or at ``max_overlap`` votes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .aggregation import accuracy_log_odds, argmax_with_ties
from .longformat import as_long, dedupe_last


def vote_confidence(scores: np.ndarray, n_votes: np.ndarray, weighted: bool) -> np.ndarray:
    """Confidence of the top class for rows of per-class vote counts (or log-odds sums when ``weighted``)."""
    scores = np.atleast_2d(np.asarray(scores, dtype=float))
    if weighted:
        shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
        return shifted.max(axis=1) / shifted.sum(axis=1)
    k = scores.shape[1]
    return (scores.max(axis=1) + 1.0) / (np.asarray(n_votes, dtype=float) + k)


def should_stop(
    votes: np.ndarray,
    n_classes: int,
    target_confidence: float,
    min_overlap: int,
    max_overlap: int,
    worker_accuracy: np.ndarray | None = None,
) -> bool:
    """True when the item needs no more annotations; call it after every submitted annotation.

    ``votes`` are the item's labels so far; ``worker_accuracy`` (same length, optional) the accuracy of the
    worker who gave each vote. Raises ``ValueError`` if a vote is outside 0..n_classes-1 or min > max overlap.
    """
    votes = np.asarray(votes, dtype=np.int64)
    if min_overlap > max_overlap:
        raise ValueError("min_overlap must not exceed max_overlap")
    if len(votes) and (votes.min() < 0 or votes.max() >= n_classes):
        raise ValueError("votes must be class indices below n_classes")
    if len(votes) >= max_overlap:
        return True
    if len(votes) < max(min_overlap, 1):
        return False
    if worker_accuracy is None:
        scores = np.bincount(votes, minlength=n_classes)
    else:
        weights = accuracy_log_odds(np.asarray(worker_accuracy, dtype=float), n_classes)
        scores = np.bincount(votes, weights=weights, minlength=n_classes)
    return bool(vote_confidence(scores, np.array([len(votes)]), worker_accuracy is not None)[0] >= target_confidence)


@dataclass(frozen=True)
class OverlapReplay:
    """Outcome of replaying crowd labels: consensus per item, votes used per item and accuracy against truth."""

    predictions: np.ndarray
    used: np.ndarray
    labels_used: int
    accuracy: float
    mean_overlap: float


def replay_overlap(
    items: np.ndarray,
    workers: np.ndarray,
    labels: np.ndarray,
    truth: np.ndarray,
    target_confidence: float,
    min_overlap: int,
    max_overlap: int,
    seed: int = 0,
    worker_accuracy: np.ndarray | None = None,
) -> OverlapReplay:
    """Replay each item's labels in a seeded random order, stopping as :func:`should_stop` would.

    ``truth[i]`` is the true class or -1 (accuracy is over items with truth). The consensus at the stop is the
    (weighted) vote with the global tie rule of :mod:`.aggregation`. A fixed overlap k is the special case
    ``target_confidence=inf, min_overlap=max_overlap=k``. Items with fewer labels than needed stop at what exists.
    Vectorised: cumulative class counts along the shuffled, item-sorted array; no loop over items.
    """
    items, workers, labels = dedupe_last(*as_long(items, workers, labels))
    truth = np.asarray(truth, dtype=np.int64)
    n_items = len(truth)
    n_classes = int(max(labels.max(initial=0), truth.max(initial=0))) + 1
    order = np.lexsort((np.random.default_rng(seed).random(len(items)), items))
    items, workers, labels = items[order], workers[order], labels[order]
    sizes = np.bincount(items, minlength=n_items)
    starts = np.cumsum(sizes) - sizes
    position = np.arange(len(items)) - starts[items]
    weighted = worker_accuracy is not None
    vote_weight = accuracy_log_odds(worker_accuracy, n_classes)[workers] if weighted else np.ones(len(items))
    one_hot = np.zeros((len(items), n_classes))
    one_hot[np.arange(len(items)), labels] = vote_weight
    running = np.cumsum(one_hot, axis=0)
    before = np.vstack([np.zeros((1, n_classes)), running])[starts[items]]
    prefix = running - before  # per-class (weighted) votes of the item's first position+1 annotations
    confidence = vote_confidence(prefix, position + 1, weighted)
    last_allowed = np.minimum(sizes[items], max_overlap) - 1
    stop = (position == last_allowed) | ((position + 1 >= min_overlap) & (confidence >= target_confidence))
    stop &= position <= last_allowed
    stop_items, first_stop = np.unique(items[stop], return_index=True)
    stop_rows = np.flatnonzero(stop)[first_stop]
    prior = np.bincount(labels, minlength=n_classes).astype(float)
    predictions = np.full(n_items, -1, dtype=np.int64)
    predictions[stop_items] = argmax_with_ties(prefix[stop_rows], prior)
    used = np.zeros(n_items, dtype=np.int64)
    used[stop_items] = position[stop_rows] + 1
    scored = truth >= 0
    accuracy = float((predictions[scored] == truth[scored]).mean()) if scored.any() else 0.0
    answered = used > 0
    return OverlapReplay(
        predictions=predictions,
        used=used,
        labels_used=int(used.sum()),
        accuracy=accuracy,
        mean_overlap=float(used[answered].mean()) if answered.any() else 0.0,
    )


def replay_fixed_overlap(
    items: np.ndarray, workers: np.ndarray, labels: np.ndarray, truth: np.ndarray, k: int, seed: int = 0
) -> OverlapReplay:
    """Majority vote over the first ``k`` labels of each item in the same seeded order as :func:`replay_overlap`."""
    return replay_overlap(items, workers, labels, truth, np.inf, k, k, seed=seed)


def cheapest_fixed_k_matching(
    items: np.ndarray,
    workers: np.ndarray,
    labels: np.ndarray,
    truth: np.ndarray,
    accuracy: float,
    max_k: int,
    seed: int = 0,
) -> OverlapReplay | None:
    """The smallest fixed overlap whose accuracy is at least ``accuracy`` (None if even ``max_k`` falls short)."""
    for k in range(1, max_k + 1):
        fixed = replay_fixed_overlap(items, workers, labels, truth, k, seed=seed)
        if fixed.accuracy >= accuracy - 1e-12:
            return fixed
    return None
