"""Agreement and aggregation benchmark: Krippendorff's alpha and Dawid-Skene on 1,000,000 annotations.

200,000 items x 5 annotators drawn from 1,000 workers, 5 classes, worker accuracy uniform in [0.35, 0.95].
Prints best-of-3 seconds and peak traced memory (tracemalloc, first run) for our alpha and Dawid-Skene, the ``krippendorff`` package on
the same data (fed the item x value count table, since its reliability-matrix input would be a 1,000 x 200,000
float matrix of 1.6 GB), and crowd-kit's DawidSkene if a Python with crowd-kit exists at /tmp/ck (subprocess).

    .venv/bin/python bench/quality_agreement_aggregation.py [--items 200000] [--workers 1000]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from projects.quality import dawid_skene, krippendorff_alpha, majority_vote  # noqa: E402

CROWDKIT_PYTHON = Path("/tmp/ck/bin/python")
CROWDKIT_SCRIPT = """
import sys, time, json, numpy as np, pandas as pd
from crowdkit.aggregation import DawidSkene
data = np.load(sys.argv[1])
df = pd.DataFrame({"task": data["items"], "worker": data["workers"], "label": data["labels"]})
start = time.perf_counter()
result = DawidSkene(n_iter=100, tol=1e-6).fit_predict(df)
seconds = time.perf_counter() - start
truth = data["truth"]
print(json.dumps({"seconds": seconds, "accuracy": float((result.sort_index().values == truth).mean())}))
"""


def simulate(n_items: int, n_workers: int, per_item: int, n_classes: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_classes, n_items)
    accuracy = rng.uniform(0.35, 0.95, n_workers)
    items = np.repeat(np.arange(n_items), per_item)
    # per_item distinct workers per item: random offsets from a random start, modulo n_workers
    start = rng.integers(0, n_workers, n_items)
    offsets = np.argsort(rng.random((n_items, n_workers // 50)), axis=1)[:, :per_item] * 50 + rng.integers(0, 50)
    workers = ((start[:, None] + offsets) % n_workers).ravel()
    correct = rng.random(len(items)) < accuracy[workers]
    wrong = (truth[items] + rng.integers(1, n_classes, len(items))) % n_classes
    labels = np.where(correct, truth[items], wrong)
    return items, workers, labels, truth


def measure(label: str, func, repeats: int = 3):
    """Best wall time of ``repeats`` runs (first run under tracemalloc for the peak of traced allocations)."""
    tracemalloc.start()
    result = func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    print(f"{label:<48} {min(times):8.3f} s   peak {peak / 2**20:8.1f} MiB   (best of {repeats})")
    return result, min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=1_000)
    parser.add_argument("--per-item", type=int, default=5)
    parser.add_argument("--classes", type=int, default=5)
    args = parser.parse_args()
    items, workers, labels, truth = simulate(args.items, args.workers, args.per_item, args.classes)
    assert len(np.unique(items * args.workers + workers)) == len(items), "a worker twice on one item"
    print(f"{len(items):,} annotations, {args.items:,} items, {args.workers:,} workers, {args.classes} classes\n")

    for level in ("nominal", "ordinal", "interval"):
        ours, _ = measure(
            f"projects.quality krippendorff_alpha ({level})",
            lambda lv=level: krippendorff_alpha(items, workers, labels, lv),
        )
        print(f"    alpha = {ours.value:.9f}")

    import krippendorff

    counts = np.bincount(items * args.classes + labels, minlength=args.items * args.classes)
    counts = counts.reshape(args.items, args.classes)
    for level in ("nominal", "ordinal", "interval"):
        theirs, _ = measure(
            f"krippendorff package, value_counts ({level})",
            lambda lv=level: krippendorff.alpha(value_counts=counts, level_of_measurement=lv),
        )
        print(f"    alpha = {theirs:.9f}")
    sub = items < 20_000
    matrix = np.full((args.workers, 20_000), np.nan)
    matrix[workers[sub], items[sub]] = labels[sub]
    measure(
        "krippendorff package, reliability_data, 1/10",
        lambda: krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"),
    )
    measure("projects.quality alpha, same 1/10", lambda: krippendorff_alpha(items[sub], workers[sub], labels[sub]))

    print()
    mv, _ = measure("majority_vote", lambda: majority_vote(items, workers, labels))
    ds, _ = measure("dawid_skene (tol 1e-6, max_iter 100)", lambda: dawid_skene(items, workers, labels))
    print(f"    DS iterations {ds.n_iter}, converged {ds.converged}")
    print(
        f"    accuracy: majority vote {100 * (mv.labels == truth).mean():.2f} %, "
        f"Dawid-Skene {100 * (ds.labels == truth).mean():.2f} %"
    )

    if CROWDKIT_PYTHON.exists():
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "data.npz"
            np.savez(path, items=items, workers=workers, labels=labels, truth=truth)
            run = subprocess.run(
                [str(CROWDKIT_PYTHON), "-c", CROWDKIT_SCRIPT, str(path)], capture_output=True, text=True, check=False
            )
        if run.returncode == 0:
            out = json.loads(run.stdout.strip().splitlines()[-1])
            print(
                f"{'crowd-kit DawidSkene (subprocess, fit only)':<48} {out['seconds']:8.3f} s   "
                f"accuracy {100 * out['accuracy']:.2f} %"
            )
        else:
            print("crowd-kit run failed:", run.stderr.strip().splitlines()[-1:])
    else:
        print(f"crowd-kit not found at {CROWDKIT_PYTHON}; skipped")


if __name__ == "__main__":
    main()
