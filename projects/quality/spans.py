"""Text spans ``{"start": int, "end": int, "label": str}`` (character offsets, end exclusive): scoring and consensus.

Overlap between two spans is their character IoU: |intersection| / |union| of the half-open ranges. A predicted
span matches a gold span when IoU >= 0.5 (the default), the labels are equal (when ``require_label``) and the pair
is part of the optimal one-to-one assignment (see :func:`.matching.match_one_to_one`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .matching import cluster_by_overlap, f1_counts, match_one_to_one, weighted_label

Span = dict


def _bounds(spans: Sequence[Span]) -> np.ndarray:
    arr = np.array([[s["start"], s["end"]] for s in spans], dtype=float).reshape(-1, 2)
    if (arr[:, 1] < arr[:, 0]).any():
        raise ValueError("a span has end < start")
    return arr


def span_iou_matrix(a: Sequence[Span], b: Sequence[Span]) -> np.ndarray:
    """Character IoU between every span of ``a`` and every span of ``b`` (len(a) x len(b)); empty spans give 0."""
    x, y = _bounds(a), _bounds(b)
    inter = np.clip(np.minimum(x[:, None, 1], y[None, :, 1]) - np.maximum(x[:, None, 0], y[None, :, 0]), 0, None)
    union = (x[:, 1] - x[:, 0])[:, None] + (y[:, 1] - y[:, 0])[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


@dataclass(frozen=True)
class MatchScore:
    """Precision, recall and F1 of predicted objects against gold, with the matched index pairs (gold, pred)."""

    precision: float
    recall: float
    f1: float
    matches: list[tuple[int, int]]
    n_gold: int
    n_predicted: int


def span_overlap_f1(
    gold_spans: Sequence[Span], spans: Sequence[Span], threshold: float = 0.5, require_label: bool = True
) -> MatchScore:
    """Score annotator (or model) spans against gold: one-to-one matches with IoU >= ``threshold``.

    Use ``threshold=1.0`` for exact-match F1 (CoNLL style). Both lists empty scores 1.0: nothing to find, nothing
    wrongly found.
    """
    overlap = span_iou_matrix(gold_spans, spans)
    if require_label and overlap.size:
        same = np.array([[g["label"] == s["label"] for s in spans] for g in gold_spans], dtype=bool)
        overlap = np.where(same, overlap, 0.0)
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    matches = match_one_to_one(overlap, threshold)
    precision, recall, f1 = f1_counts(len(matches), len(gold_spans), len(spans))
    return MatchScore(precision, recall, f1, matches, len(gold_spans), len(spans))


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """Smallest value at which the cumulative weight reaches half the total (the lower weighted median)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(np.asarray(weights, dtype=float)[order])
    return float(np.asarray(values)[order][np.searchsorted(cumulative, cumulative[-1] / 2.0)])


def aggregate_spans(
    annotations: Sequence[Sequence[Span]],
    weights: Sequence[float] | None = None,
    threshold: float = 0.5,
    min_support: float = 0.5,
) -> list[dict]:
    """Consensus spans for one text from several annotators' span lists (``annotations[a]`` is annotator a's list).

    1. Spans of different annotators are clustered by character IoU >= ``threshold``, ignoring labels (a boundary
       agreement with a label disagreement is still the same mention), at most one span per annotator per cluster.
    2. A cluster is kept when the weight of its annotators is at least ``min_support`` of the total weight of all
       annotators (so a span only one of three people marked is dropped; an annotator who marked nothing counts).
    3. Start and end are the weighted medians of the members' boundaries; the label is the weighted vote (ties:
       alphabetical). ``confidence`` is the weight share of annotators who marked this span with the winning label.
    ``weights`` default to 1 per annotator (e.g. pass gold accuracies). Output is sorted by start.
    """
    weights_arr = np.ones(len(annotations)) if weights is None else np.asarray(weights, dtype=float)
    if len(weights_arr) != len(annotations):
        raise ValueError("one weight per annotator")
    total = weights_arr.sum()
    flat = [span for spans in annotations for span in spans]
    if not flat or total <= 0:
        return []
    owners = np.repeat(np.arange(len(annotations)), [len(spans) for spans in annotations])
    bounds = _bounds(flat)
    consensus = []
    for cluster in cluster_by_overlap(span_iou_matrix(flat, flat), owners, threshold):
        w = weights_arr[owners[cluster]]
        if w.sum() < min_support * total:
            continue
        label, label_share = weighted_label([flat[i]["label"] for i in cluster], w)
        start = int(weighted_median(bounds[cluster, 0], w))
        end = int(weighted_median(bounds[cluster, 1], w))
        if end <= start:  # medians of crossing boundaries; fall back to the widest member
            start, end = int(bounds[cluster, 0].min()), int(bounds[cluster, 1].max())
        confidence = float(w.sum() * label_share / total)
        consensus.append(
            {"start": start, "end": end, "label": label, "confidence": confidence, "support": float(w.sum() / total)}
        )
    return sorted(consensus, key=lambda s: (s["start"], s["end"], s["label"]))
