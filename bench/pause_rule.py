"""The automatic-pause rule over many simulated lifetimes: how soon a bad annotator is paused and how often a good
one is paused by bad luck, for the rule LabelHub uses (upper 95% Wilson bound under the floor after >= N gold
answers) next to the naive rule (point estimate under the floor after >= N).

    .venv/bin/python bench/pause_rule.py [--runs 4000] [--floor 0.85] [--min-gold 10] [--horizon 300]
"""

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from workforce.stats import wilson_interval  # noqa: E402

CHECKPOINTS = (10, 20, 40, 100, 300)


def first_pause(correct: np.ndarray, rule: str, floor: float, min_gold: int) -> int | None:
    """The gold answer (1-based) at which the rule pauses this lifetime, or None."""
    hits = np.cumsum(correct)
    for n in range(min_gold, len(correct) + 1):
        c = int(hits[n - 1])
        estimate = wilson_interval(c, n)[1] if rule == "wilson_upper" else c / n
        if estimate < floor:
            return n
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4000)
    parser.add_argument("--floor", type=float, default=0.85)
    parser.add_argument("--min-gold", type=int, default=10)
    parser.add_argument("--horizon", type=int, default=300)
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    print(f"floor {args.floor:.0%}, N {args.min_gold}, {args.runs} lifetimes of {args.horizon} gold answers each")
    header = "".join(f"  by {k:>3}" for k in CHECKPOINTS if k <= args.horizon)
    print(f"{'rule':<14}{'accuracy':>9}{header}  median pause")
    for rule in ("wilson_upper", "point"):
        for accuracy in (0.60, 0.70, 0.80, 0.90, 0.95):
            draws = rng.random((args.runs, args.horizon)) < accuracy
            paused = np.array([first_pause(d, rule, args.floor, args.min_gold) or 10**9 for d in draws])
            shares = "".join(f"  {np.mean(paused <= k):>6.1%}" for k in CHECKPOINTS if k <= args.horizon)
            median = np.median(paused)
            print(f"{rule:<14}{accuracy:>9.0%}{shares}  {'never' if median >= 10**9 else int(median)}")


if __name__ == "__main__":
    main()
