"""Adaptive overlap vs fixed overlap on the shared real crowd sets: labels needed at equal accuracy.

Each item's real labels are replayed in a random order (5 seeds, averaged). Adaptive: stop once the item has
``min_overlap`` labels and the smoothed top-class share (c_top + 1) / (n + K) reaches the target, or at
``max_overlap``. Fixed k: majority vote of the first k labels in the same order. "matching k" is the smallest fixed
k whose mean accuracy is at least the adaptive one; "saved" is the share of labels adaptive overlap saves against
it ("> all": more accurate than every fixed k; the saving is then against the largest k, at better accuracy). The "DS-weighted" rows use worker accuracies estimated by Dawid-Skene on ALL labels, which peeks at data a
live system would not have yet: read them as an upper bound. The "gold-weighted" rows are what production does:
worker accuracies from 10% of the items used as gold (smoothed (right + 3) / (seen + 4)), and both adaptive
overlap and fixed k replayed on the other 90%.

    .venv/bin/python bench/quality_adaptive_overlap.py
"""

import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from projects.quality import dawid_skene, replay_fixed_overlap, replay_overlap  # noqa: E402
from projects.quality.crowd_csv import read_crowd_csv  # noqa: E402

SHARED_DATA = Path(os.environ.get("LABELHUB_SHARED_DATA", REPO / ".." / "shared" / "data"))
SETS = ["bluebird", "dog", "rte", "web", "temp"]
SEEDS = range(5)
TARGETS = [0.7, 0.8, 0.9]


def mean_replay(data, **kwargs):
    runs = [replay_overlap(data.items, data.workers, data.labels, data.truth, seed=s, **kwargs) for s in SEEDS]
    return float(np.mean([r.accuracy for r in runs])), float(np.mean([r.labels_used for r in runs]))


GOLD_SHARE = 0.1  # items whose truth plays the role of hidden gold in the realistic policy
PRIOR_RIGHT, PRIOR_WRONG = 3, 1  # the production smoothing (projects.services.consensus.UNKNOWN_ACCURACY_PRIOR)


def gold_weighted(data, max_k: int, targets=(0.9, 0.95)) -> list[tuple[str, float, float, str, str]]:
    """The production policy without peeking: worker accuracy from 10% of items used as gold (smoothed as in
    production), adaptive overlap and every fixed k replayed on the other 90%, averaged over the seeds."""
    rows = []
    per_policy: dict[str, list[tuple[float, float]]] = {}
    fixed_runs: dict[int, list[tuple[float, float]]] = {k: [] for k in range(1, max_k + 1)}
    n_items, n_workers = len(data.truth), int(data.workers.max()) + 1
    for seed in SEEDS:
        rng = np.random.default_rng(1000 + seed)
        with_truth = np.flatnonzero(data.truth >= 0)
        gold = rng.choice(with_truth, size=max(1, int(GOLD_SHARE * len(with_truth))), replace=False)
        is_gold = np.zeros(n_items, dtype=bool)
        is_gold[gold] = True
        on_gold = is_gold[data.items]
        right = np.bincount(data.workers[on_gold], weights=data.labels[on_gold] == data.truth[data.items[on_gold]],
                            minlength=n_workers)  # fmt: skip
        seen = np.bincount(data.workers[on_gold], minlength=n_workers)
        accuracy = (right + PRIOR_RIGHT) / (seen + PRIOR_RIGHT + PRIOR_WRONG)
        keep = ~on_gold
        items, workers, labels = data.items[keep], data.workers[keep], data.labels[keep]
        truth = np.where(is_gold, -1, data.truth)
        for k in fixed_runs:
            r = replay_fixed_overlap(items, workers, labels, truth, k, seed)
            fixed_runs[k].append((r.accuracy, r.labels_used))
        for t in targets:
            r = replay_overlap(items, workers, labels, truth, t, 2, max_k, seed=seed, worker_accuracy=accuracy)
            per_policy.setdefault(f"gold-weighted t={t}", []).append((r.accuracy, r.labels_used))
    fixed = {k: tuple(np.mean(v, axis=0)) for k, v in fixed_runs.items()}
    for label, runs in per_policy.items():
        acc, used = np.mean(runs, axis=0)
        match = next((k for k in sorted(fixed) if fixed[k][0] >= acc - 1e-12), None)
        matched = "> all" if match is None else str(match)
        best = max(fixed)  # more accurate than every fixed k: the saving against the largest k, more accurate too
        saved = f"{100 * (1 - used / fixed[match if match else best][1]):6.1f}%" + ("" if match else f" vs k={best}")
        rows.append((label, float(acc), float(used), matched, saved))
    return rows


def main() -> None:
    header = f"{'set':<9} {'policy':<26} {'accuracy':>8} {'labels':>8} {'per item':>8} {'matching k':>10} {'saved':>7}"
    print(header)
    print("-" * len(header))
    for name in SETS:
        folder = SHARED_DATA / "crowd" / name
        data = read_crowd_csv(folder / "label.csv", folder / "truth.csv")
        n_items = len(data.truth)
        max_k = int(np.bincount(data.items).max())
        fixed = {}
        for k in range(1, max_k + 1):
            runs = [replay_fixed_overlap(data.items, data.workers, data.labels, data.truth, k, s) for s in SEEDS]
            fixed[k] = (float(np.mean([r.accuracy for r in runs])), float(np.mean([r.labels_used for r in runs])))
        for k in (1, 3, 5, max_k):
            if k in fixed:
                acc, used = fixed[k]
                print(f"{name:<9} {'fixed k=' + str(k):<26} {100 * acc:8.2f} {used:8.0f} {used / n_items:8.2f}")
        accuracy = dawid_skene(data.items, data.workers, data.labels, n_classes=data.n_classes).worker_accuracy()
        policies = [(f"adaptive t={t}", {"target_confidence": t}) for t in TARGETS]
        policies += [(f"DS-weighted t={t}", {"target_confidence": t, "worker_accuracy": accuracy}) for t in (0.9, 0.95)]
        for label, extra in policies:
            acc, used = mean_replay(data, min_overlap=2, max_overlap=max_k, **extra)
            match = next((k for k in sorted(fixed) if fixed[k][0] >= acc - 1e-12), None)
            if match is None:
                matched, saved = "> all", f"{100 * (1 - used / fixed[max_k][1]):6.1f}% vs k={max_k}"
            else:
                matched, saved = str(match), f"{100 * (1 - used / fixed[match][1]):6.1f}%"
            print(f"{name:<9} {label:<26} {100 * acc:8.2f} {used:8.0f} {used / n_items:8.2f} {matched:>10} {saved:>7}")
        for label, acc, used, matched, saved in gold_weighted(data, max_k):
            per_item = used / (n_items * (1 - GOLD_SHARE))
            print(f"{name:<9} {label:<26} {100 * acc:8.2f} {used:8.0f} {per_item:8.2f} {matched:>10} {saved:>7}")
        print()


if __name__ == "__main__":
    main()
