"""Multi-label consensus (each label voted on independently) and rating summaries (median and spread)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .longformat import as_long, dedupe_last


@dataclass(frozen=True)
class MultiLabelVote:
    """``selected`` (items x labels, bool), ``share`` of voters who chose each label, ``confidence`` and voters.

    ``confidence`` is the share of voters who agree with the decision: ``share`` where selected, ``1 - share``
    where not. Items nobody annotated select nothing with confidence 0.
    """

    selected: np.ndarray
    share: np.ndarray
    confidence: np.ndarray
    n_voters: np.ndarray


def multilabel_vote(
    items: np.ndarray, workers: np.ndarray, chosen: np.ndarray, n_items: int | None = None, threshold: float = 0.5
) -> MultiLabelVote:
    """Per-label vote: a label is selected when at least ``threshold`` of the item's voters chose it.

    ``chosen`` is an annotations x labels 0/1 matrix (one row per annotation, possibly all zero: "none apply").
    At the default 0.5 a label picked by exactly half the voters IS selected (recall over precision on a split).
    A worker's repeated annotation of the same item keeps the last row.
    """
    chosen = np.asarray(chosen)
    if chosen.ndim != 2 or len(chosen) != len(items):
        raise ValueError("chosen must be an annotations x labels matrix with one row per annotation")
    items, workers, rows = dedupe_last(*as_long(items, workers, np.arange(len(items))))
    chosen = chosen[rows].astype(float)
    n_items = (int(items.max()) + 1 if len(items) else 0) if n_items is None else n_items
    n_voters = np.bincount(items, minlength=n_items)
    votes = np.zeros((n_items, chosen.shape[1]))
    np.add.at(votes, items, chosen)
    share = np.divide(votes, n_voters[:, None], out=np.zeros_like(votes), where=n_voters[:, None] > 0)
    selected = (share >= threshold) & (n_voters[:, None] > 0)
    confidence = np.where(selected, share, 1.0 - share) * (n_voters[:, None] > 0)
    return MultiLabelVote(selected=selected, share=share, confidence=confidence, n_voters=n_voters)


@dataclass(frozen=True)
class RatingSummary:
    """Per item: ``median``, ``q1``/``q3`` and ``iqr`` (numpy's linear percentile), population ``std``, ``n``.

    Items without ratings hold 0.0 everywhere and ``n == 0``; check ``n`` before showing them.
    """

    median: np.ndarray
    q1: np.ndarray
    q3: np.ndarray
    iqr: np.ndarray
    std: np.ndarray
    n: np.ndarray


def _group_quantile(sorted_values: np.ndarray, starts: np.ndarray, sizes: np.ndarray, q: float) -> np.ndarray:
    position = starts + (sizes - 1) * q
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, starts + sizes - 1)
    fraction = position - low
    return sorted_values[low] * (1 - fraction) + sorted_values[high] * fraction


def rating_summary(
    items: np.ndarray, workers: np.ndarray, values: np.ndarray, n_items: int | None = None
) -> RatingSummary:
    """Median and spread of numeric ratings per item, vectorised by sorting (item, value) once.

    The median is robust to one annotator who uses the scale differently; the IQR and std tell a reviewer which
    items are contested. NaN ratings are treated as missing.
    """
    items, workers, values = dedupe_last(*as_long(items, workers, values, labels_dtype=float))
    keep = ~np.isnan(values)
    items, values = items[keep], values[keep]
    n_items = (int(items.max()) + 1 if len(items) else 0) if n_items is None else n_items
    order = np.lexsort((values, items))
    items, values = items[order], values[order]
    n = np.bincount(items, minlength=n_items)
    rated = n > 0
    starts = (np.cumsum(n) - n)[rated]
    sizes = n[rated]
    out = {name: np.zeros(n_items) for name in ("median", "q1", "q3", "std")}
    if len(values):
        out["median"][rated] = _group_quantile(values, starts, sizes, 0.5)
        out["q1"][rated] = _group_quantile(values, starts, sizes, 0.25)
        out["q3"][rated] = _group_quantile(values, starts, sizes, 0.75)
        mean = np.bincount(items, weights=values, minlength=n_items)[rated] / sizes
        squares = np.bincount(items, weights=values**2, minlength=n_items)[rated] / sizes
        out["std"][rated] = np.sqrt(np.maximum(squares - mean**2, 0.0))
    return RatingSummary(iqr=out["q3"] - out["q1"], n=n, **out)
