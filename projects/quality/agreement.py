"""Chance-corrected agreement for categorical labels: Cohen's kappa (two annotators) and Fleiss' kappa (many).

Krippendorff's alpha lives in :mod:`.alpha`; raw and per-category agreement and the label confusion matrix in
:mod:`.cooccurrence`. All functions return :class:`MetricResult` (a value, or ``None`` and a reason), never NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .longformat import as_long, class_counts, dedupe_last, within_item_pairs
from .results import MetricResult, undefined


def cohen_kappa(a: np.ndarray, b: np.ndarray, weights: Literal["linear", "quadratic"] | None = None) -> MetricResult:
    """Cohen's kappa between two annotators' labels on the same items (``a[i]`` and ``b[i]`` label one item).

    Matches ``sklearn.metrics.cohen_kappa_score``, including weighted kappa whose distances are between positions
    in the sorted set of labels either annotator used. Undefined (``None``) for no shared items or when chance
    agreement is 1 (both annotators used one and the same single label throughout).
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("a and b must be 1-D arrays of the same length")
    if len(a) == 0:
        return undefined("the two annotators share no items")
    classes, codes = np.unique(np.r_[a, b], return_inverse=True)
    k = len(classes)
    confusion = np.bincount(codes[: len(a)] * k + codes[len(a) :], minlength=k * k).reshape(k, k).astype(float)
    return _kappa_from_confusion(confusion[None], weights)[0]


def _kappa_from_confusion(confusions: np.ndarray, weights: str | None = None) -> list[MetricResult]:
    """Kappa for a stack of k x k confusion matrices (pairs x k x k), vectorised over the stack."""
    k = confusions.shape[-1]
    if weights is None:
        disagreement = 1.0 - np.eye(k)
    elif weights in ("linear", "quadratic"):
        grid = np.abs(np.arange(k)[:, None] - np.arange(k)[None, :]).astype(float)
        disagreement = grid if weights == "linear" else grid**2
    else:
        raise ValueError("weights must be None, 'linear' or 'quadratic'")
    totals = confusions.sum(axis=(1, 2))
    expected = np.einsum("pi,pj->pij", confusions.sum(axis=2), confusions.sum(axis=1)) / totals[:, None, None]
    observed_d = (confusions * disagreement).sum(axis=(1, 2))
    expected_d = (expected * disagreement).sum(axis=(1, 2))
    out = []
    for obs, exp in zip(observed_d, expected_d, strict=True):
        if exp <= 1e-12 * max(1.0, obs):
            out.append(undefined("chance agreement is 1 (a single label used by both), so kappa is 0/0"))
        else:
            out.append(MetricResult(value=float(1.0 - obs / exp)))
    return out


@dataclass(frozen=True)
class PairwiseKappa:
    """Mean Cohen's kappa over annotator pairs (Light's kappa) and the per-pair table behind it.

    The table columns are parallel arrays: ``worker_a < worker_b``, ``n_shared`` items and ``kappa``. Pairs with
    fewer than ``min_shared`` items or an undefined kappa are left out of the table; ``n_pairs_skipped`` counts them.
    """

    mean: MetricResult
    worker_a: np.ndarray
    worker_b: np.ndarray
    n_shared: np.ndarray
    kappa: np.ndarray
    n_pairs_skipped: int


def pairwise_cohen(items: np.ndarray, workers: np.ndarray, labels: np.ndarray, min_shared: int = 10) -> PairwiseKappa:
    """Cohen's kappa for every annotator pair with at least ``min_shared`` shared items, and their plain mean.

    Small overlaps give very noisy kappas, hence the threshold. Work is proportional to the number of annotation
    pairs per item (sum m_i^2), with one bincount over (pair, label_a, label_b); no loop over items.
    """
    items, workers, labels = dedupe_last(*as_long(items, workers, labels))
    n_classes = int(labels.max()) + 1 if len(labels) else 1
    order = np.lexsort((workers, items))
    items, workers, labels = items[order], workers[order], labels[order]
    first, second = within_item_pairs(items)  # workers sorted within item, so workers[first] < workers[second]
    wa, wb = workers[first], workers[second]
    n_workers = int(workers.max()) + 1 if len(workers) else 1
    pair_keys, pair_index = np.unique(wa * n_workers + wb, return_inverse=True)
    n_pairs = len(pair_keys)
    flat = pair_index * n_classes * n_classes + labels[first] * n_classes + labels[second]
    confusions = np.bincount(flat, minlength=n_pairs * n_classes * n_classes).reshape(n_pairs, n_classes, n_classes)
    n_shared = confusions.sum(axis=(1, 2))
    big_enough = n_shared >= min_shared
    results = _kappa_from_confusion(confusions[big_enough].astype(float)) if big_enough.any() else []
    defined = np.array([r.defined for r in results], dtype=bool)
    keys = pair_keys[big_enough][defined]
    kappas = np.array([r.value for r in results if r.defined], dtype=float)
    mean = (
        MetricResult(value=float(kappas.mean()))
        if len(kappas)
        else undefined(f"no annotator pair shares at least {min_shared} items with a defined kappa")
    )
    return PairwiseKappa(
        mean=mean,
        worker_a=keys // n_workers,
        worker_b=keys % n_workers,
        n_shared=n_shared[big_enough][defined],
        kappa=kappas,
        n_pairs_skipped=int(n_pairs - len(kappas)),
    )


def fleiss_kappa_from_counts(table: np.ndarray) -> MetricResult:
    """Fleiss' kappa from an items x classes count table; rows with fewer than two ratings are ignored.

    With a constant number of raters per item this is exactly Fleiss (1971) and matches
    ``statsmodels.stats.inter_rater.fleiss_kappa``. When rater counts vary it uses the usual generalisation
    (per-item agreement P_i = sum_j n_ij (n_ij - 1) / (n_i (n_i - 1)) averaged over items, chance agreement from the
    pooled label proportions), which reduces to Fleiss when counts are constant; ``reason`` then says so.
    """
    table = np.asarray(table, dtype=float)
    if table.ndim != 2:
        raise ValueError("table must be items x classes")
    per_item = table.sum(axis=1)
    table = table[per_item >= 2]
    per_item = per_item[per_item >= 2]
    if len(table) == 0:
        return undefined("no item has two or more ratings")
    agreement = ((table * (table - 1)).sum(axis=1) / (per_item * (per_item - 1))).mean()
    proportions = table.sum(axis=0) / per_item.sum()
    chance = float((proportions**2).sum())
    if chance >= 1.0 - 1e-12:
        return undefined("every rating uses the same label, so chance agreement is 1 and kappa is 0/0")
    value = float((agreement - chance) / (1.0 - chance))
    if np.ptp(per_item) > 0:
        return MetricResult(value=value, reason="rater counts vary per item: generalised Fleiss kappa")
    return MetricResult(value=value)


def fleiss_kappa(
    items: np.ndarray, workers: np.ndarray, labels: np.ndarray, n_classes: int | None = None
) -> MetricResult:
    """Fleiss' kappa from long-format annotations (see :func:`fleiss_kappa_from_counts` for varying counts)."""
    items, workers, labels = dedupe_last(*as_long(items, workers, labels))
    if len(items) == 0:
        return undefined("there are no annotations")
    n_classes = int(labels.max()) + 1 if n_classes is None else n_classes
    return fleiss_kappa_from_counts(class_counts(items, labels, int(items.max()) + 1, n_classes))
