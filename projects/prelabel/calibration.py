"""Auto-accept thresholds from audits, and deterministic audit sampling.

A pre-label is auto-accepted when its confidence is at or above a threshold. The threshold is chosen from audited
pre-labels (a human checked whether the suggestion was right), so it reflects the model's real accuracy on this
project's data rather than what its probabilities claim.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

MIN_AUDITS = 30


@dataclass(frozen=True)
class ThresholdChoice:
    """``threshold`` None means "do not auto-accept"; ``reason`` says why, or how the threshold was reached.

    ``expected_accuracy`` is the audited accuracy at/above the threshold (overall audited accuracy when there is
    no threshold); ``lower_bound`` its Wilson lower bound; ``coverage`` the share of audited items at/above the
    threshold (0 when there is none); ``n`` the number of audits considered.
    """

    threshold: float | None
    expected_accuracy: float | None
    coverage: float
    n: int
    reason: str
    lower_bound: float | None = None


def wilson_lower(successes: np.ndarray, n: np.ndarray, z: float) -> np.ndarray:
    """Vectorised Wilson score lower bound; 0 where n == 0.

    Wilson rather than the normal approximation because audited accuracy sits near 1, where the normal interval
    collapses to zero width at n/n and would accept a threshold on a handful of lucky audits.
    """
    successes = np.asarray(successes, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    safe_n = np.where(n > 0, n, 1.0)
    p = successes / safe_n
    z2 = z * z
    denominator = 1.0 + z2 / safe_n
    centre = (p + z2 / (2 * safe_n)) / denominator
    half = z * np.sqrt(np.maximum(p * (1 - p) / safe_n + z2 / (4 * safe_n * safe_n), 0.0)) / denominator
    low = np.maximum(centre - half, 0.0)
    return np.where((n > 0) & (successes > 0), low, 0.0)


def calibrate_threshold(
    confidences: Sequence[float] | np.ndarray,
    correct: Sequence[bool] | np.ndarray,
    target_accuracy: float,
    *,
    min_audits: int = MIN_AUDITS,
    confidence_level: float = 0.95,
) -> ThresholdChoice:
    """The lowest confidence threshold whose audited items (confidence >= threshold) have a Wilson lower bound on
    accuracy >= ``target_accuracy``.

    Scan: sort audits by confidence descending and, at every distinct confidence value, compute the accuracy of
    everything at or above it (cumulative sums, so O(n log n)). Candidate thresholds are the audited confidences
    themselves, so the chosen one is always backed by real audits. The bound is one-sided in spirit but uses the
    two-sided ``confidence_level`` interval, which errs on the safe side.
    """
    conf = np.asarray(confidences, dtype=np.float64).ravel()
    ok = np.asarray(correct).ravel()
    if conf.shape != ok.shape:
        raise ValueError(f"{conf.size} confidences but {ok.size} correctness flags")
    if not 0.0 < target_accuracy <= 1.0:
        raise ValueError(f"target_accuracy must be in (0, 1], got {target_accuracy}")
    if not 0.0 < confidence_level < 1.0:
        raise ValueError(f"confidence_level must be in (0, 1), got {confidence_level}")
    if np.isnan(conf).any():
        raise ValueError("confidences contain NaN")
    ok = ok.astype(bool)
    n = int(conf.size)
    overall = float(ok.mean()) if n else None
    if n < min_audits:
        return ThresholdChoice(None, overall, 0.0, n, f"too few audits: {n} < {min_audits}")

    z = float(norm.ppf(0.5 + confidence_level / 2))
    order = np.argsort(-conf, kind="stable")
    conf_sorted, ok_sorted = conf[order], ok[order]
    hits = np.cumsum(ok_sorted)
    counts = np.arange(1, n + 1)
    # Only the last position of each run of equal confidences is a valid cut: a threshold includes all ties.
    last_of_run = np.append(conf_sorted[1:] != conf_sorted[:-1], True)
    cut = np.flatnonzero(last_of_run)
    lower = wilson_lower(hits[cut], counts[cut], z)
    passing = np.flatnonzero(lower >= target_accuracy)
    if passing.size == 0:
        best = int(np.argmax(lower))
        return ThresholdChoice(
            None,
            overall,
            0.0,
            n,
            f"no threshold reaches {target_accuracy:.3f}: best lower bound {lower[best]:.3f} "
            f"at confidence >= {conf_sorted[cut[best]]:.4f} ({counts[cut[best]]} audits)",
        )
    i = cut[passing[-1]]  # the last passing cut in descending order = the lowest threshold
    m = int(counts[i])
    accuracy = float(hits[i] / m)
    bound = float(lower[passing[-1]])
    return ThresholdChoice(
        threshold=float(conf_sorted[i]),
        expected_accuracy=accuracy,
        coverage=m / n,
        n=n,
        reason=f"{m} of {n} audits at/above; accuracy {accuracy:.3f}, {confidence_level:.0%} lower bound {bound:.3f}",
        lower_bound=bound,
    )


def should_audit(item_id: object, audit_rate: float, salt: str = "") -> bool:
    """Deterministic audit sampling: the same (item, salt) always gives the same answer, across processes and runs.

    SHA-256 rather than ``hash()`` because Python salts str hashes per process. The first 8 bytes as a fraction
    of 2**64 are uniform on [0, 1); the item is audited when that fraction is below the rate. A new salt (e.g. per
    model version) draws a fresh, independent sample.
    """
    if not 0.0 <= audit_rate <= 1.0 or math.isnan(audit_rate):
        raise ValueError(f"audit_rate must be in [0, 1], got {audit_rate}")
    digest = hashlib.sha256(f"{salt}\x1f{item_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < audit_rate


@dataclass(frozen=True)
class AuditRateCheck:
    share: float
    expected: float
    tolerance: float
    within: bool


def audit_sample_rate_check(
    item_ids: Sequence[object], audit_rate: float, salt: str = "", *, tolerance: float = 0.015
) -> AuditRateCheck:
    """The share of ``item_ids`` that :func:`should_audit` selects, and whether it is within ``tolerance`` of the
    rate: a cheap health check for a new salt or id scheme (ids that hash badly would show up here)."""
    if not item_ids:
        raise ValueError("need at least one item id")
    share = sum(should_audit(i, audit_rate, salt) for i in item_ids) / len(item_ids)
    return AuditRateCheck(share, audit_rate, tolerance, abs(share - audit_rate) <= tolerance)
