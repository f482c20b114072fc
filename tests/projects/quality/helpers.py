"""Shared test data: the real crowd sets and random long-format annotations with missing data."""

import os
from pathlib import Path

import numpy as np

from projects.quality.crowd_csv import CrowdData, read_crowd_csv

SHARED_DATA = Path(
    os.environ.get("LABELHUB_SHARED_DATA", Path(__file__).resolve().parents[3] / ".." / "shared" / "data")
)
CROWD_SETS = ["bluebird", "dog", "rte", "web", "temp"]
SEEDS = [0, 1, 2, 3, 4]


def crowd(name: str) -> CrowdData:
    folder = SHARED_DATA / "crowd" / name
    return read_crowd_csv(folder / "label.csv", folder / "truth.csv")


def random_long(seed: int, n_items: int = 80, n_workers: int = 9, n_classes: int = 4, missing: float = 0.45):
    """Random annotations where workers agree with a hidden truth 60 % of the time, about ``missing`` absent."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_classes, n_items)
    grid_items, grid_workers = np.meshgrid(np.arange(n_items), np.arange(n_workers), indexing="ij")
    keep = rng.random(grid_items.shape) >= missing
    items, workers = grid_items[keep], grid_workers[keep]
    noise = rng.integers(0, n_classes, len(items))
    labels = np.where(rng.random(len(items)) < 0.6, truth[items], noise)
    return items, workers, labels


def to_matrix(items, workers, values, n_workers=None, n_items=None):
    """Workers x items matrix with NaN for missing, built independently of the code under test."""
    n_workers = int(max(workers)) + 1 if n_workers is None else n_workers
    n_items = int(max(items)) + 1 if n_items is None else n_items
    matrix = np.full((n_workers, n_items), np.nan)
    for i, w, v in zip(items, workers, values, strict=True):
        matrix[w, i] = v
    return matrix
