"""Read crowd label files (``item,worker,label`` and ``item,truth`` CSVs) into long-format integer arrays.

Item and worker ids may be any strings; they are numbered in order of first appearance. Labels are numbered by
sorting the distinct label strings of both files (numerically when all are integers), so ``1``/``2`` files map to
0/1 and 0-based files keep their numbers. Truth for an item with no crowd label is dropped.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class CrowdData:
    """Long-format labels plus ``truth`` per item (-1 = unknown) and the original label strings per class."""

    items: np.ndarray
    workers: np.ndarray
    labels: np.ndarray
    truth: np.ndarray
    classes: list[str]

    @property
    def n_classes(self) -> int:
        return len(self.classes)


def _label_order(value: str) -> tuple[int, float | str]:
    try:
        return (0, float(value))
    except ValueError:
        return (1, value)


def read_crowd_csv(label_path: Path, truth_path: Path | None = None) -> CrowdData:
    """Load one crowd data set; raises ``KeyError`` if a header column is missing."""
    with open(label_path, newline="") as handle:
        rows = [(r["item"], r["worker"], r["label"]) for r in csv.DictReader(handle)]
    truth_rows: list[tuple[str, str]] = []
    if truth_path is not None:
        with open(truth_path, newline="") as handle:
            truth_rows = [(r["item"], r["truth"]) for r in csv.DictReader(handle)]
    classes = sorted({r[2] for r in rows} | {t[1] for t in truth_rows}, key=_label_order)
    class_index = {c: i for i, c in enumerate(classes)}
    item_index: dict[str, int] = {}
    worker_index: dict[str, int] = {}
    items = np.array([item_index.setdefault(r[0], len(item_index)) for r in rows], dtype=np.int64)
    workers = np.array([worker_index.setdefault(r[1], len(worker_index)) for r in rows], dtype=np.int64)
    labels = np.array([class_index[r[2]] for r in rows], dtype=np.int64)
    truth = np.full(len(item_index), -1, dtype=np.int64)
    for item, value in truth_rows:
        if item in item_index:
            truth[item_index[item]] = class_index[value]
    return CrowdData(items=items, workers=workers, labels=labels, truth=truth, classes=classes)
