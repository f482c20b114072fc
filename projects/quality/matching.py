"""Overlap-based matching shared by spans and boxes: one-to-one matching for scoring, clustering for consensus."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment


def match_one_to_one(overlap: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """Pairs (row, col) maximising total overlap, each row and column used once, every pair >= ``threshold``.

    Hungarian assignment (scipy ``linear_sum_assignment``) on the overlap matrix with pairs under the threshold
    forbidden, so one sloppy prediction cannot steal the match of a better one (greedy matching can).
    """
    overlap = np.asarray(overlap, dtype=float)
    if overlap.size == 0:
        return []
    allowed = overlap >= threshold
    rows, cols = linear_sum_assignment(np.where(allowed, overlap, 0.0), maximize=True)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if allowed[r, c]]


def cluster_by_overlap(overlap: np.ndarray, owners: np.ndarray, threshold: float) -> list[list[int]]:
    """Group objects from different annotators that overlap by >= ``threshold``; at most one object per annotator.

    Greedy agglomeration in order of decreasing pairwise overlap (ties broken by index for reproducibility): two
    clusters merge when the pair linking them passes the threshold, they have no annotator in common, and every
    cross pair also passes the threshold (complete linkage, so a chain of shifted boxes cannot drift into one).
    Returns clusters as lists of object indices, sorted by their first index.
    """
    n = len(owners)
    cluster_of = np.arange(n)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    first, second = np.triu_indices(n, k=1)
    values = overlap[first, second] if n > 1 else np.zeros(0)
    order = np.lexsort((second, first, -values))
    for p in order:
        if values[p] < threshold:
            break
        a, b = cluster_of[first[p]], cluster_of[second[p]]
        if a == b:
            continue
        left, right = members[a], members[b]
        if set(owners[left]) & set(owners[right]):
            continue
        if overlap[np.ix_(left, right)].min() < threshold:
            continue
        members[a] = left + right
        cluster_of[right] = a
        del members[b]
    return sorted((sorted(m) for m in members.values()), key=lambda m: m[0])


def weighted_label(labels: list[str], weights: np.ndarray) -> tuple[str, float]:
    """Label with the largest total weight (ties: alphabetical) and its share of the weight."""
    totals: dict[str, float] = {}
    for label, weight in zip(labels, weights, strict=True):
        totals[label] = totals.get(label, 0.0) + float(weight)
    best = min(totals, key=lambda lab: (-totals[lab], lab))
    whole = sum(totals.values())
    return best, (totals[best] / whole if whole > 0 else 0.0)


def f1_counts(n_matched: int, n_gold: int, n_predicted: int) -> tuple[float, float, float]:
    """Precision, recall, F1; an empty prediction for an empty gold is perfect (1, 1, 1), never 0/0."""
    precision = n_matched / n_predicted if n_predicted else (1.0 if n_gold == 0 else 0.0)
    recall = n_matched / n_gold if n_gold else (1.0 if n_predicted == 0 else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f1
