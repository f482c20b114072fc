"""Krippendorff's alpha for any number of annotators, missing data and four levels of measurement.

alpha = 1 - D_o / D_e with the coincidence matrix o[c, k] = sum_u (n_uc * n_uk - [c == k] * n_uc) / (m_u - 1)
over items u with m_u >= 2 values, and D_e from the marginals n_c = sum_k o[c, k] (Krippendorff 2011,
"Computing Krippendorff's alpha-reliability"). The coincidence matrix is a sparse product C^T W C of the
item x value count matrix, so there is no Python loop over items; memory is O(annotations + distinct values^2)
only for the expected-disagreement step, which is done in row blocks.

The value domain is the sorted set of distinct values present in the (de-duplicated) data, like the
``krippendorff`` package with ``reliability_data``; ordinal distances depend on the marginals of that domain.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import sparse

from .longformat import as_long, dedupe_last
from .results import MetricResult, undefined

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")
_BLOCK = 512


def _distance(level: str, ci: np.ndarray, ck: np.ndarray, domain: np.ndarray, n_v: np.ndarray) -> np.ndarray:
    """Squared distance between domain indices ``ci`` and ``ck`` (broadcastable), Krippendorff's delta^2."""
    if level == "nominal":
        return (ci != ck).astype(float)
    if level == "interval":
        return (domain[ci] - domain[ck]) ** 2
    if level == "ratio":
        total = domain[ci] + domain[ck]
        diff = domain[ci] - domain[ck]
        safe = np.where(total == 0, 1.0, total)
        return np.where(total == 0, 0.0, (diff / safe) ** 2)
    # ordinal: (sum of marginals from c to k inclusive, minus half of the two end marginals) squared
    cumulative = np.r_[0.0, np.cumsum(n_v)]
    lo, hi = np.minimum(ci, ck), np.maximum(ci, ck)
    between = cumulative[hi + 1] - cumulative[lo]
    return (between - (n_v[lo] + n_v[hi]) / 2.0) ** 2


def _expected_disagreement(level: str, domain: np.ndarray, n_v: np.ndarray) -> float:
    """sum_{c,k} n_c * n_k * delta^2(c, k) / (n - 1), in row blocks so memory stays bounded."""
    n_total = n_v.sum()
    v = len(domain)
    columns = np.arange(v)
    if level == "interval":  # closed form, O(V): sum n_c n_k (x_c - x_k)^2 = 2 N sum n x^2 - 2 (sum n x)^2
        weighted = (n_v * domain).sum()
        return float((2 * n_total * (n_v * domain**2).sum() - 2 * weighted**2) / (n_total - 1))
    total = 0.0
    for start in range(0, v, _BLOCK):
        rows = np.arange(start, min(start + _BLOCK, v))
        d = _distance(level, rows[:, None], columns[None, :], domain, n_v)
        total += float(n_v[rows] @ d @ n_v)
    return total / (n_total - 1)


def _domain(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and each value's index; a bincount fast path for small integer codes."""
    if len(values) and np.all(values == np.round(values)) and values.min() >= 0 and values.max() < 4 * len(values):
        codes = values.astype(np.int64)
        present = np.bincount(codes) > 0
        lookup = np.cumsum(present) - 1
        return np.flatnonzero(present).astype(float), lookup[codes]
    return np.unique(values, return_inverse=True)


def coincidence_matrix(
    items: np.ndarray, workers: np.ndarray, values: np.ndarray
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Krippendorff's coincidence matrix (sparse, over the value domain) and the sorted value domain.

    Items with fewer than two values are not pairable and contribute nothing. NaN values count as missing.
    """
    items, workers, values = as_long(items, workers, values, labels_dtype=float)
    items, workers, values = dedupe_last(items, workers, values)
    present = ~np.isnan(values)
    items, values = items[present], values[present]
    domain, value_index = _domain(values)
    if len(items) == 0:
        return sparse.csr_matrix((0, 0)), domain
    per_item = np.bincount(items)
    item_index = items
    weight = np.zeros(len(per_item))
    pairable = per_item >= 2
    weight[pairable] = 1.0 / (per_item[pairable] - 1)
    counts = sparse.csr_matrix(
        (np.ones(len(items)), (item_index, value_index)), shape=(len(per_item), len(domain))
    )  # duplicates are summed: the item x value count matrix
    weighted = sparse.diags(weight) @ counts
    o = (counts.T @ weighted).tocsr()
    o = o - sparse.diags(np.asarray(weighted.sum(axis=0)).ravel())
    return o.tocsr(), domain


def krippendorff_alpha(
    items: np.ndarray, workers: np.ndarray, values: np.ndarray, level: Level = "nominal"
) -> MetricResult:
    """Krippendorff's alpha over long-format annotations; ``values`` are class indices or numbers (NaN = missing).

    Returns ``MetricResult(None, reason)`` instead of NaN when no item has two values or when all pairable values
    are identical (expected disagreement is zero, so alpha is 0/0). Raises ``ValueError`` for an unknown level
    or for negative values at the ratio level, where the distance is not defined.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    o, domain = coincidence_matrix(items, workers, values)
    if level == "ratio" and len(domain) and domain.min() < 0:
        raise ValueError("ratio-level alpha needs non-negative values")
    if o.nnz == 0:
        return undefined("no item has annotations from two or more annotators, so nothing can be compared")
    n_v = np.asarray(o.sum(axis=0)).ravel()
    if n_v.sum() <= 1 or np.count_nonzero(n_v) < 2:
        return undefined("every comparable annotation has the same value, so expected disagreement is zero")
    coo = o.tocoo()
    observed = float((coo.data * _distance(level, coo.row, coo.col, domain, n_v)).sum())
    expected = _expected_disagreement(level, domain, n_v)
    if expected <= 0:
        return undefined("expected disagreement is zero for this level of measurement")
    return MetricResult(value=1.0 - observed / expected)
