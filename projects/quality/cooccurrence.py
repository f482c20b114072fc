"""Raw agreement, per-category (specific) agreement and the label confusion matrix between annotators.

All three come from the same per-item class counts n_ic (items x classes): no chance correction here, so they are
easy to explain to annotators ("when someone said *spam*, how often did a second person also say *spam*").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .longformat import as_long, class_counts, dedupe_last, infer_sizes
from .results import MetricResult, undefined


def _counts(items: np.ndarray, workers: np.ndarray, labels: np.ndarray, n_classes: int | None) -> np.ndarray:
    items, workers, labels = dedupe_last(*as_long(items, workers, labels))
    n_items, n_classes = infer_sizes(items, labels, None, n_classes)
    counts = class_counts(items, labels, n_items, n_classes).astype(float)
    return counts[counts.sum(axis=1) >= 2]


def observed_agreement(items: np.ndarray, workers: np.ndarray, labels: np.ndarray) -> MetricResult:
    """Mean over items (with >= 2 annotations) of the share of annotator pairs on the item that agree.

    This is Fleiss' P-bar: every item weighs the same whatever its number of annotators. ``None`` when no item has
    two annotations.
    """
    counts = _counts(items, workers, labels, None)
    if len(counts) == 0:
        return undefined("no item has two or more annotations")
    m = counts.sum(axis=1)
    return MetricResult(value=float(((counts * (counts - 1)).sum(axis=1) / (m * (m - 1))).mean()))


def specific_agreement(
    items: np.ndarray, workers: np.ndarray, labels: np.ndarray, n_classes: int | None = None
) -> list[MetricResult]:
    """Per-class specific agreement (Uebersax 1982): P(a second annotator also chose c | one chose c).

    ps_c = sum_i n_ic (n_ic - 1) / sum_i n_ic (m_i - 1), over items with m_i >= 2. For two annotators this is the
    positive/negative agreement 2a / (2a + b + c). A class nobody used on a shared item is ``None`` with a reason.
    """
    counts = _counts(items, workers, labels, n_classes)
    if len(counts) == 0:
        k = n_classes or 0
        return [undefined("no item has two or more annotations")] * k
    m = counts.sum(axis=1, keepdims=True)
    agree = (counts * (counts - 1)).sum(axis=0)
    possible = (counts * (m - 1)).sum(axis=0)
    return [
        MetricResult(value=float(a / p)) if p > 0 else undefined("no annotator used this label on a shared item")
        for a, p in zip(agree, possible, strict=True)
    ]


@dataclass(frozen=True)
class LabelConfusion:
    """Symmetric co-occurrence counts of labels given to the same item by two different annotators.

    ``counts[c, k]`` counts ordered annotation pairs (one annotator said c, another said k) on the same item, so
    each unordered pair is counted once in each direction and the diagonal holds twice the agreeing pairs.
    ``rates`` is ``counts`` with every row divided by its sum: row c reads "when one annotator said c, the other
    said k this often"; rows of classes never seen on a shared item are all zero (not NaN).
    """

    counts: np.ndarray
    rates: np.ndarray


def label_confusion(
    items: np.ndarray, workers: np.ndarray, labels: np.ndarray, n_classes: int | None = None
) -> LabelConfusion:
    """Label confusion between annotators: sum over items of n_i n_i^T - diag(n_i) (unweighted pair counts)."""
    counts = _counts(items, workers, labels, n_classes)
    k = counts.shape[1]
    matrix = counts.T @ counts - np.diag(counts.sum(axis=0)) if len(counts) else np.zeros((k, k))
    rows = matrix.sum(axis=1, keepdims=True)
    rates = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    return LabelConfusion(counts=matrix.astype(np.int64), rates=rates)
