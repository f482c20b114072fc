"""Per-task-type constraints: what a valid answer must satisfy beyond naming known labels.

Every key is optional; the defaults below are what an ontology without a "constraints" object means:
- multi_label: min_labels 1, max_labels none (no limit)
- spans: allow_overlap false
- boxes: min_boxes 0, max_boxes none (no limit)
- pairwise: allow_tie true, require_reason false
- rating: scale {"min": 1, "max": 5, "step": 1}
- free_text: min_length 1, max_length 10000 (characters, after stripping surrounding whitespace)
- single_label: no constraints
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from projects.ontology import constants as c
from projects.ontology.checks import is_int, is_number, tidy_number, type_name
from projects.ontology.errors import Errors, join

STEP_TOLERANCE = 1e-9


@dataclass(frozen=True)
class NoConstraints:
    def to_dict(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True)
class MultiLabelConstraints:
    min_labels: int = 1
    max_labels: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"min_labels": self.min_labels, "max_labels": self.max_labels}


@dataclass(frozen=True)
class SpanConstraints:
    allow_overlap: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"allow_overlap": self.allow_overlap}


@dataclass(frozen=True)
class BoxConstraints:
    min_boxes: int = 0
    max_boxes: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"min_boxes": self.min_boxes, "max_boxes": self.max_boxes}


@dataclass(frozen=True)
class PairwiseConstraints:
    allow_tie: bool = True
    require_reason: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"allow_tie": self.allow_tie, "require_reason": self.require_reason}


@dataclass(frozen=True)
class RatingConstraints:
    min: int | float = 1
    max: int | float = 5
    step: int | float = 1

    def to_dict(self) -> dict[str, Any]:
        return {"scale": {"min": self.min, "max": self.max, "step": self.step}}

    @property
    def point_count(self) -> int:
        return round((self.max - self.min) / self.step) + 1

    def points(self) -> list[int | float]:
        """Every allowed rating, smallest first (can be long for fine steps; check point_count first)."""
        return [tidy_number(self.min + k * self.step) for k in range(self.point_count)]

    def snap(self, value: int | float) -> int | float | None:
        """The scale point equal to `value` (float noise removed), or None when it is off the scale or a step."""
        if value < self.min - STEP_TOLERANCE or value > self.max + STEP_TOLERANCE:
            return None
        k = (value - self.min) / self.step
        if abs(k - round(k)) > STEP_TOLERANCE * max(1.0, abs(k)):
            return None
        return tidy_number(self.min + round(k) * self.step)


@dataclass(frozen=True)
class FreeTextConstraints:
    min_length: int = 1
    max_length: int = 10_000

    def to_dict(self) -> dict[str, Any]:
        return {"min_length": self.min_length, "max_length": self.max_length}


Constraints = (
    NoConstraints
    | MultiLabelConstraints
    | SpanConstraints
    | BoxConstraints
    | PairwiseConstraints
    | RatingConstraints
    | FreeTextConstraints
)


def _count(data: Mapping[str, Any], key: str, default: int | None, minimum: int, path: str, errors: Errors) -> Any:
    value = data.get(key, default)
    if value is None and default is None:
        return None
    if not is_int(value):
        errors.add(join(path, key), "type", f"{key} must be a whole number, got {type_name(value)}")
        return default
    if value < minimum:
        errors.add(join(path, key), "out_of_range", f"{key} must be at least {minimum}, got {value}")
        return default
    return value


def _flag(data: Mapping[str, Any], key: str, default: bool, path: str, errors: Errors) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        errors.add(join(path, key), "type", f"{key} must be true or false, got {type_name(value)}")
        return default
    return value


def _min_max(lo: int, hi: int | None, lo_key: str, hi_key: str, path: str, errors: Errors) -> None:
    if hi is not None and lo > hi:
        errors.add(join(path, lo_key), "out_of_range", f"{lo_key} {lo} is larger than {hi_key} {hi}")


def _scale(data: Any, path: str, errors: Errors) -> RatingConstraints:
    default = RatingConstraints()
    if data is None:
        return default
    if not isinstance(data, dict):
        errors.add(path, "type", f"scale must be an object with min, max and step, got {type_name(data)}")
        return default
    errors.unknown_keys(data, ("min", "max", "step"), path)
    found = len(errors)
    values = {}
    for key in ("min", "max", "step"):
        value = data.get(key, getattr(default, key))
        if not is_number(value):
            errors.add(join(path, key), "type", f"scale {key} must be a number, got {type_name(value)}")
        values[key] = value
    if len(errors) > found:
        return default
    lo, hi, step = values["min"], values["max"], values["step"]
    if step <= 0:
        errors.add(join(path, "step"), "out_of_range", f"scale step must be positive, got {step}")
    elif lo >= hi:
        errors.add(join(path, "max"), "out_of_range", f"scale max {hi} must be larger than min {lo}")
    else:
        n = (hi - lo) / step
        if abs(n - round(n)) > STEP_TOLERANCE * max(1.0, n):
            errors.add(join(path, "step"), "off_step", f"scale step {step} does not divide {lo}..{hi} evenly")
    if len(errors) > found:
        return default
    return RatingConstraints(min=lo, max=hi, step=step)


def parse_constraints(task_type: str, data: Any, label_count: int | None, path: str, errors: Errors) -> Constraints:
    """Read the constraints for `task_type`, adding an error per bad key and falling back to the default for it.

    `label_count` (None when the labels are themselves in error) lets min_labels be checked against the labels.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        errors.add(path, "type", f"constraints must be an object, got {type_name(data)}")
        data = {}
    if task_type == c.MULTI_LABEL:
        errors.unknown_keys(data, ("min_labels", "max_labels"), path)
        lo = _count(data, "min_labels", 1, 0, path, errors)
        hi = _count(data, "max_labels", None, 1, path, errors)
        _min_max(lo, hi, "min_labels", "max_labels", path, errors)
        if label_count is not None and lo > label_count:
            errors.add(
                join(path, "min_labels"), "out_of_range", f"min_labels {lo} is more than the {label_count} labels"
            )
        return MultiLabelConstraints(min_labels=lo, max_labels=hi)
    if task_type == c.SPANS:
        errors.unknown_keys(data, ("allow_overlap",), path)
        return SpanConstraints(allow_overlap=_flag(data, "allow_overlap", False, path, errors))
    if task_type == c.BOXES:
        errors.unknown_keys(data, ("min_boxes", "max_boxes"), path)
        lo = _count(data, "min_boxes", 0, 0, path, errors)
        hi = _count(data, "max_boxes", None, 1, path, errors)
        _min_max(lo, hi, "min_boxes", "max_boxes", path, errors)
        return BoxConstraints(min_boxes=lo, max_boxes=hi)
    if task_type == c.PAIRWISE:
        errors.unknown_keys(data, ("allow_tie", "require_reason"), path)
        return PairwiseConstraints(
            allow_tie=_flag(data, "allow_tie", True, path, errors),
            require_reason=_flag(data, "require_reason", False, path, errors),
        )
    if task_type == c.RATING:
        errors.unknown_keys(data, ("scale",), path)
        return _scale(data.get("scale"), join(path, "scale"), errors)
    if task_type == c.FREE_TEXT:
        errors.unknown_keys(data, ("min_length", "max_length"), path)
        lo = _count(data, "min_length", 1, 0, path, errors)
        hi = _count(data, "max_length", 10_000, 1, path, errors)
        _min_max(lo, hi, "min_length", "max_length", path, errors)
        return FreeTextConstraints(min_length=lo, max_length=hi)
    errors.unknown_keys(data, (), path)
    return NoConstraints()
