"""Platform-wide workforce rules (promotion, bonus, speed), with defaults that settings may override.

Per-project rules (accuracy floor, minimum gold before pausing, calibration size, pass mark and attempts) come
from the project itself and reach the workforce services as a `ProjectRules`.
"""

from dataclasses import dataclass, fields, replace
from decimal import Decimal

from django.conf import settings


@dataclass(frozen=True)
class ProjectRules:
    accuracy_floor: float = 0.85
    min_gold: int = 10
    calibration_items: int = 10
    calibration_pass: float = 0.8
    calibration_attempts: int = 2


@dataclass(frozen=True)
class PlatformPolicy:
    # Crowd -> trained once the lifetime gold record is long and good enough: the lower Wilson bound must clear
    # the bar, so a lucky streak of 10 does not promote anyone.
    promote_min_gold: int = 50
    promote_min_lower_bound: float = 0.90
    # Quality bonus on each paid label while the project's gold record is at least this good (point estimate).
    bonus_min_gold: int = 10
    bonus_min_accuracy: float = 0.95
    bonus_share: Decimal = Decimal("0.10")
    # Speed: a label faster than fast_fraction x the project's median time is "fast"; slower than slow_factor x
    # the median is "slow" (reported only). Past flag_* the annotator is flagged; past pause_* the speed counts as
    # low quality and pauses them for the project.
    fast_fraction: float = 0.25
    slow_factor: float = 4.0
    speed_min_labels: int = 30  # labels the project needs before its median means anything
    flag_min_fast: int = 5
    flag_fast_share: float = 0.2
    pause_min_fast: int = 10
    pause_fast_share: float = 0.5


def platform_policy() -> PlatformPolicy:
    """The defaults, with any keys of settings.WORKFORCE_POLICY applied (unknown keys are a configuration error)."""
    overrides = getattr(settings, "WORKFORCE_POLICY", None) or {}
    known = {f.name for f in fields(PlatformPolicy)}
    unknown = set(overrides) - known
    if unknown:
        raise ValueError(f"unknown WORKFORCE_POLICY keys: {', '.join(sorted(unknown))}")
    return replace(PlatformPolicy(), **overrides)
