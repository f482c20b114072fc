"""Small result types shared by the quality maths: a value or a reason why there is none, never NaN."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricResult:
    """A statistic that may be undefined.

    ``value`` is a finite float or ``None``; when it is ``None`` (or when the value needed a caveat, such as a
    generalised formula) ``reason`` says why in words a project manager can read. Callers should show the reason
    instead of a number rather than inventing 0 or NaN.
    """

    value: float | None
    reason: str | None = None

    @property
    def defined(self) -> bool:
        return self.value is not None


def undefined(reason: str) -> MetricResult:
    """Shorthand for a statistic that cannot be computed on this data."""
    return MetricResult(value=None, reason=reason)
