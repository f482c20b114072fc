"""Bounding boxes ``{"x", "y", "w", "h", "label"}`` in pixels (x, y = top-left corner): IoU, scoring, consensus."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .matching import cluster_by_overlap, f1_counts, match_one_to_one, weighted_label
from .spans import MatchScore

Box = dict


def _xywh(boxes: Sequence[Box]) -> np.ndarray:
    arr = np.array([[b["x"], b["y"], b["w"], b["h"]] for b in boxes], dtype=float).reshape(-1, 4)
    if (arr[:, 2:] < 0).any():
        raise ValueError("a box has negative width or height")
    return arr


def box_iou_matrix(a: Sequence[Box] | np.ndarray, b: Sequence[Box] | np.ndarray) -> np.ndarray:
    """Intersection over union of every box in ``a`` with every box in ``b``; zero-area pairs give 0, not NaN."""
    x = a if isinstance(a, np.ndarray) else _xywh(a)
    y = b if isinstance(b, np.ndarray) else _xywh(b)
    left = np.maximum(x[:, None, 0], y[None, :, 0])
    top = np.maximum(x[:, None, 1], y[None, :, 1])
    right = np.minimum((x[:, 0] + x[:, 2])[:, None], (y[:, 0] + y[:, 2])[None, :])
    bottom = np.minimum((x[:, 1] + x[:, 3])[:, None], (y[:, 1] + y[:, 3])[None, :])
    inter = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
    union = (x[:, 2] * x[:, 3])[:, None] + (y[:, 2] * y[:, 3])[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def box_iou(a: Box, b: Box) -> float:
    """IoU of two boxes in [0, 1]; 0.0 when both have zero area."""
    return float(box_iou_matrix([a], [b])[0, 0])


def box_match_f1(
    gold_boxes: Sequence[Box], boxes: Sequence[Box], threshold: float = 0.5, require_label: bool = True
) -> MatchScore:
    """Detection-style score: one-to-one matches with IoU >= ``threshold`` (0.5 as in PASCAL VOC) and same label."""
    overlap = box_iou_matrix(gold_boxes, boxes)
    if require_label and overlap.size:
        same = np.array([[g["label"] == p["label"] for p in boxes] for g in gold_boxes], dtype=bool)
        overlap = np.where(same, overlap, 0.0)
    matches = match_one_to_one(overlap, threshold)
    precision, recall, f1 = f1_counts(len(matches), len(gold_boxes), len(boxes))
    return MatchScore(precision, recall, f1, matches, len(gold_boxes), len(boxes))


def aggregate_boxes(
    annotations: Sequence[Sequence[Box]],
    weights: Sequence[float] | None = None,
    threshold: float = 0.5,
    min_support: float = 0.5,
) -> list[dict]:
    """Consensus boxes for one image from several annotators' box lists (``annotations[a]`` is annotator a's list).

    Boxes of different annotators are clustered at IoU >= ``threshold`` (0.5, complete linkage, at most one box
    per annotator per cluster, labels ignored for matching). Clusters whose annotators carry less than
    ``min_support`` (half) of the total annotator weight are dropped: a box most people did not draw is more
    likely a false positive than a missed object. Coordinates are the weight-averaged x, y, w, h; the label is the
    weighted vote (ties: alphabetical); ``confidence`` = weight share of annotators agreeing on box and label.
    """
    weights_arr = np.ones(len(annotations)) if weights is None else np.asarray(weights, dtype=float)
    if len(weights_arr) != len(annotations):
        raise ValueError("one weight per annotator")
    total = weights_arr.sum()
    flat = [box for boxes in annotations for box in boxes]
    if not flat or total <= 0:
        return []
    owners = np.repeat(np.arange(len(annotations)), [len(boxes) for boxes in annotations])
    coords = _xywh(flat)
    consensus = []
    for cluster in cluster_by_overlap(box_iou_matrix(coords, coords), owners, threshold):
        w = weights_arr[owners[cluster]]
        if w.sum() < min_support * total or w.sum() <= 0:
            continue
        x, y, bw, bh = (w[:, None] * coords[cluster]).sum(axis=0) / w.sum()
        label, label_share = weighted_label([flat[i]["label"] for i in cluster], w)
        consensus.append(
            {
                "x": float(x),
                "y": float(y),
                "w": float(bw),
                "h": float(bh),
                "label": label,
                "confidence": float(w.sum() * label_share / total),
                "support": float(w.sum() / total),
            }
        )
    return consensus
