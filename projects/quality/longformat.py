"""Long-format annotation arrays: validation, de-duplication and the dense reliability matrix.

Every function in ``projects.quality`` takes annotations as three equally long integer arrays ``items``
(0..n_items-1), ``workers`` (0..n_workers-1) and ``labels`` (0..n_classes-1); missing data is simply absent.
A repeated (item, worker) pair keeps only its LAST occurrence (a worker who changed their mind, or a crowd
file that logged both answers); :func:`dedupe_last` is the single place that rule lives.
"""

from __future__ import annotations

import numpy as np


def as_long(
    items: np.ndarray, workers: np.ndarray, labels: np.ndarray, *, labels_dtype: type = np.int64
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the three arrays as 1-D numpy arrays, raising ``ValueError`` on bad shapes or negative ids.

    Labels may be float (ratings, Krippendorff interval data) when ``labels_dtype`` is ``float``.
    """
    items = np.asarray(items)
    workers = np.asarray(workers)
    labels = np.asarray(labels)
    if items.ndim != 1 or workers.ndim != 1 or labels.ndim != 1:
        raise ValueError("items, workers and labels must be 1-D arrays")
    if not (len(items) == len(workers) == len(labels)):
        raise ValueError(
            f"items, workers and labels must have the same length ({len(items)}, {len(workers)}, {len(labels)})"
        )
    items = items.astype(np.int64, copy=False)
    workers = workers.astype(np.int64, copy=False)
    labels = labels.astype(labels_dtype, copy=False)
    if len(items) and (items.min() < 0 or workers.min() < 0):
        raise ValueError("item and worker ids must be non-negative integers")
    if labels_dtype is not float and len(labels) and labels.min() < 0:
        raise ValueError("labels must be non-negative class indices")
    return items, workers, labels


def dedupe_last(
    items: np.ndarray, workers: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep only the last annotation of every (item, worker) pair, preserving the original order.

    Why: Krippendorff, Dawid-Skene and every vote assume one answer per worker per item; counting a repeat twice
    would give that worker double weight. "Last" means the highest position in the input arrays, so callers must
    pass annotations in submission order. Labels keep their dtype (int classes or float values).
    """
    items = np.asarray(items, dtype=np.int64)
    workers = np.asarray(workers, dtype=np.int64)
    labels = np.asarray(labels)
    n = len(items)
    if n == 0:
        return items, workers, labels
    key = items * (int(workers.max()) + 1) + workers
    # Reverse so np.unique's "first occurrence" is the last one in submission order.
    _, first_in_reversed = np.unique(key[::-1], return_index=True)
    if len(first_in_reversed) == n:
        return items, workers, labels
    keep = np.sort(n - 1 - first_in_reversed)
    return items[keep], workers[keep], labels[keep]


def reliability_matrix(
    items: np.ndarray, workers: np.ndarray, values: np.ndarray, n_items: int | None = None, n_workers: int | None = None
) -> np.ndarray:
    """Dense workers x items float matrix with NaN where a worker did not annotate an item.

    This is the layout of Krippendorff's papers and of the ``krippendorff`` package. It costs
    8 * n_workers * n_items bytes, so use it for display and small data only; the metrics work on long format.
    """
    items, workers, values = dedupe_last(items, workers, np.asarray(values, dtype=float))
    n_items = int(items.max()) + 1 if n_items is None and len(items) else (n_items or 0)
    n_workers = int(workers.max()) + 1 if n_workers is None and len(workers) else (n_workers or 0)
    matrix = np.full((n_workers, n_items), np.nan)
    matrix[workers, items] = values
    return matrix


def from_reliability_matrix(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverse of :func:`reliability_matrix`: (items, workers, values) for the non-NaN cells."""
    matrix = np.asarray(matrix, dtype=float)
    workers, items = np.nonzero(~np.isnan(matrix))
    return items.astype(np.int64), workers.astype(np.int64), matrix[workers, items]


def within_item_pairs(sorted_items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (p, q), p < q, of annotations that share an item; ``sorted_items`` must be sorted.

    Vectorised self-join: annotation p is paired with the ``group_end - p - 1`` annotations after it in its group.
    The number of pairs is sum(m_i * (m_i - 1) / 2), so an item with thousands of annotations is quadratic.
    """
    n = len(sorted_items)
    if n < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    starts = np.flatnonzero(np.r_[True, sorted_items[1:] != sorted_items[:-1]])
    ends = np.r_[starts[1:], n]
    sizes = ends - starts
    group_end = np.repeat(ends, sizes)
    n_after = group_end - np.arange(n) - 1
    first = np.repeat(np.arange(n), n_after)
    run_start = np.cumsum(n_after) - n_after
    second = first + 1 + (np.arange(len(first)) - np.repeat(run_start, n_after))
    return first, second


def class_counts(items: np.ndarray, labels: np.ndarray, n_items: int, n_classes: int) -> np.ndarray:
    """n_items x n_classes matrix of how many annotations gave each class to each item."""
    flat = np.bincount(items * n_classes + labels, minlength=n_items * n_classes)
    return flat.reshape(n_items, n_classes)


def infer_sizes(items: np.ndarray, labels: np.ndarray, n_items: int | None, n_classes: int | None) -> tuple[int, int]:
    """Default n_items / n_classes to 1 + the largest id seen; raise if an explicit size is too small."""
    seen_items = int(items.max()) + 1 if len(items) else 0
    seen_classes = int(labels.max()) + 1 if len(labels) else 0
    n_items = seen_items if n_items is None else n_items
    n_classes = seen_classes if n_classes is None else n_classes
    if n_items < seen_items or n_classes < seen_classes:
        raise ValueError("n_items / n_classes smaller than the ids present in the data")
    return n_items, n_classes
