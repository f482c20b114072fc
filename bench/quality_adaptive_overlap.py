"""Adaptive overlap vs fixed overlap on the shared real crowd sets: labels needed at equal accuracy.

Each item's real labels are replayed in a random order (5 seeds, averaged). Adaptive: stop once the item has
``min_overlap`` labels and the smoothed top-class share (c_top + 1) / (n + K) reaches the target, or at
``max_overlap``. Fixed k: majority vote of the first k labels in the same order. "matching k" is the smallest fixed
k whose mean accuracy is at least the adaptive one; "saved" is the share of labels adaptive overlap saves against
it ("> all": more accurate than every fixed k, so no equal-accuracy comparison exists). The "DS-weighted" rows use worker accuracies estimated by Dawid-Skene on ALL labels, which peeks at data a
live system would not have yet: read them as an upper bound.

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
                matched, saved = "> all", ""
            else:
                matched, saved = str(match), f"{100 * (1 - used / fixed[match][1]):6.1f}%"
            print(f"{name:<9} {label:<26} {100 * acc:8.2f} {used:8.0f} {used / n_items:8.2f} {matched:>10} {saved:>7}")
        print()


if __name__ == "__main__":
    main()
