"""Django-free statistics of the workforce: accuracy intervals and speed verdicts.

:func:`wilson_interval` bounds an annotator's gold accuracy; :func:`effective_ms` decides which duration to trust,
:func:`speed_verdict` flags answers much faster or slower than the project's median, and :func:`robust_z` gives
log-time robust z-scores for reports.
"""

from __future__ import annotations

import math

import numpy as np

FAST_FRACTION = 0.25  # faster than a quarter of the median: likely not read
SLOW_FACTOR = 4.0  # slower than four medians: likely walked away
MAD_TO_SD = 1.482602218505602  # 1 / Phi^-1(3/4): makes the MAD estimate the SD of normal data


def wilson_interval(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval for a proportion (default 95 %); (0.0, 1.0) when there are no trials.

    Preferred to the normal approximation for gold accuracy because workers see few gold items and score near 1:
    Wilson never leaves [0, 1] and does not collapse to a zero-width interval at 0/n or n/n.
    """
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if not z > 0:
        raise ValueError(f"z must be positive, got {z}")
    if n == 0:
        return 0.0, 1.0
    p, z2 = successes / n, z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # At 0/n and n/n the bound is exactly 0 or 1; rounding would leave dust such as 5.6e-17 that excludes p itself
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def effective_ms(client_ms: int | None, server_ms: int) -> int:
    """The answer duration to trust: min(client, server) when the client reported one (>= 0), else the server's.

    The server's time (task served to answer received) includes network and page load, so it is an upper bound:
    a client cannot have spent longer than the server saw, and a larger claim is ignored. A client claiming less
    than the server saw can only make its answer look rushed, so there is no gain in cheating downwards.
    """
    if server_ms < 0:
        raise ValueError(f"server_ms must be >= 0, got {server_ms}")
    if client_ms is None or client_ms < 0:  # a negative client time is a broken clock, not a measurement
        return server_ms
    return min(client_ms, server_ms)


def speed_verdict(
    ms: int, median_ms: float | None, *, fast_fraction: float = FAST_FRACTION, slow_factor: float = SLOW_FACTOR
) -> str:
    """ "fast" below ``fast_fraction`` x median, "slow" above ``slow_factor`` x median, else "normal".

    Without a usable median (None, <= 0 or NaN, e.g. too few answers yet) every answer is "normal": no verdict
    beats a made-up one. The bounds themselves count as normal.
    """
    if not 0 < fast_fraction <= 1 or not slow_factor >= 1:
        raise ValueError(f"need 0 < fast_fraction <= 1 <= slow_factor, got {fast_fraction} and {slow_factor}")
    if median_ms is None or not median_ms > 0:
        return "normal"
    if ms < fast_fraction * median_ms:
        return "fast"
    if ms > slow_factor * median_ms:
        return "slow"
    return "normal"


def robust_z(values: np.ndarray) -> np.ndarray:
    """(log x - median(log x)) / (MAD_TO_SD * MAD(log x)) for durations; all zeros when the MAD is 0.

    Durations are right-skewed, so they are compared on a log scale, and median/MAD keep a few walked-away
    answers from hiding everyone else. Values under 1 (a 0 ms timing) are raised to 1 so the log stays finite.
    For reports only: the cut-offs of :func:`speed_verdict` are what flag answers.
    """
    x = np.asarray(values, dtype=float)
    if not np.isfinite(x).all() or (x < 0).any():
        raise ValueError("durations must be finite non-negative numbers")
    logs = np.log(np.maximum(x, 1.0))
    if logs.size == 0:
        return logs
    centred = logs - np.median(logs)
    mad = float(np.median(np.abs(centred)))
    if mad == 0:
        return np.zeros_like(logs)
    return centred / (MAD_TO_SD * mad)


def accuracy_figures(correct: int, seen: int) -> dict:
    """Gold accuracy with its 95% Wilson interval, rounded for JSON (all None while nothing was seen)."""
    low, high = wilson_interval(correct, seen)
    return {
        "gold_seen": seen, "gold_correct": correct, "accuracy": round(correct / seen, 4) if seen else None,
        "wilson_low": round(low, 4) if seen else None, "wilson_high": round(high, 4) if seen else None,
    }  # fmt: skip
