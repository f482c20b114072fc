"""Gold questions and answer speed: score an answer against a known-correct one, and flag implausible timings.

:func:`score_gold` takes validated annotation values (the output of ``projects.ontology.validate_value``; a gold
answer has the same shape) and returns a :class:`GoldScore`: ``score`` in [0, 1] (partial credit), ``correct``
(what counts towards a worker's gold accuracy) and ``detail`` (one line a reviewer can read). Rules per task type:

- single_label ``{"label": str}``: correct iff the labels are equal; score 1 or 0.
- multi_label ``{"labels": [str]}``: score is the Jaccard index of the two label sets (both empty: 1.0); correct
  iff the sets are equal.
- spans ``{"spans": [{"start", "end", "label"}]}``: score is the one-to-one span F1 (:func:`.spans.span_overlap_f1`)
  where a span matches a gold span with the same label and character IoU >= SPAN_MATCH_IOU (0.5); correct iff
  F1 >= SPAN_CORRECT_F1 (0.8). Both lists empty: 1.0, correct.
- boxes ``{"boxes": [{"x", "y", "w", "h", "label"}]}``: score is the detection F1 (:func:`.boxes.box_match_f1`)
  with the same label and IoU >= BOX_MATCH_IOU (0.5); correct iff F1 >= BOX_CORRECT_F1 (0.8). Both empty: correct.
- pairwise ``{"choice": "a" | "b" | "tie"}``: correct iff the same choice ("tie" is a choice like any other);
  score 1 or 0. The free-text ``reason`` is not scored.
- rating ``{"rating": number}``: correct iff |answer - gold| <= ``rating_tolerance`` (default 0: exact). With the
  scale given (``rating_min``, ``rating_max``) the score is 1 - |answer - gold| / (max - min); without it, 1 or 0.
- free_text ``{"text": str}``: correct iff equal after normalising both (Unicode NFKC, case folding, runs of
  whitespace collapsed to one space, ends stripped); score 1 or 0. Paraphrases are not recognised.

Thresholds are compared with a 1e-9 allowance so that an F1 of exactly 0.8 or a rating difference of exactly the
tolerance (0.9 - 0.7 is 0.20000000000000007 in floating point) counts as reached.

Attributes (on labels, spans and boxes), a span's copied ``text`` and any other extra keys are ignored: a gold
question checks the main decision, and attribute rules differ per attribute (free text, numbers), so mixing them
in would make "correct" depend on details the gold author may not have meant to test. An unknown task type or a
value without the keys of its type raises ValueError: callers pass validated values, so this is a programming error.

Accuracy intervals and speed verdicts live in ``workforce.stats`` (the workforce decides pauses from them).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from projects.ontology import constants as c

from .boxes import box_match_f1
from .spans import span_overlap_f1

SPAN_MATCH_IOU = 0.5  # character IoU for a span to match a gold span (same label required)
SPAN_CORRECT_F1 = 0.8  # span F1 at or above which a gold answer counts as correct
BOX_MATCH_IOU = 0.5  # box IoU for a match, as in PASCAL VOC (same label required)
BOX_CORRECT_F1 = 0.8  # box F1 at or above which a gold answer counts as correct
_EPS = 1e-9  # rounding allowance on threshold comparisons (see the module docstring)


@dataclass(frozen=True)
class GoldScore:
    """How an answer compares with the gold answer: ``score`` in [0, 1], ``correct`` and a readable ``detail``."""

    score: float
    correct: bool
    detail: str


def score_gold(
    task_type: str,
    answer: Mapping[str, Any],
    gold: Mapping[str, Any],
    *,
    rating_min: float | None = None,
    rating_max: float | None = None,
    rating_tolerance: float = 0.0,
) -> GoldScore:
    """Score a validated ``answer`` against the ``gold`` answer of the same task type (rules in the module docstring).

    ``rating_min``/``rating_max`` (the ontology's scale; both or neither) and ``rating_tolerance`` apply to rating
    tasks only. Raises ValueError for an unknown task type or a value that lacks the shape of its type.
    """
    if task_type not in c.TASK_TYPES:
        raise ValueError(f"unknown task type {task_type!r}; expected one of {', '.join(c.TASK_TYPES)}")
    if task_type == c.RATING:
        return _rating(_number(answer, "answer"), _number(gold, "gold"), rating_min, rating_max, rating_tolerance)
    if task_type == c.SINGLE_LABEL:
        mine, want = _field(answer, "answer", "label", str), _field(gold, "gold", "label", str)
        return _exact(mine == want, f"label {mine!r}", f"gold {want!r}")
    if task_type == c.MULTI_LABEL:
        return _multi_label(_label_set(answer, "answer"), _label_set(gold, "gold"))
    if task_type == c.SPANS:
        mine, want = _regions(answer, "answer", "spans"), _regions(gold, "gold", "spans")
        match = span_overlap_f1(want, mine, threshold=SPAN_MATCH_IOU, require_label=True)
        return _f1_score(match.f1, len(match.matches), len(want), len(mine), "span", SPAN_CORRECT_F1)
    if task_type == c.BOXES:
        mine, want = _regions(answer, "answer", "boxes"), _regions(gold, "gold", "boxes")
        match = box_match_f1(want, mine, threshold=BOX_MATCH_IOU, require_label=True)
        return _f1_score(match.f1, len(match.matches), len(want), len(mine), "box", BOX_CORRECT_F1)
    if task_type == c.PAIRWISE:
        mine, want = _choice(answer, "answer"), _choice(gold, "gold")
        return _exact(mine == want, f"choice {mine!r}", f"gold {want!r}")
    mine, want = _field(answer, "answer", "text", str), _field(gold, "gold", "text", str)  # free_text
    return _exact(normalise_text(mine) == normalise_text(want), "text", "gold text after normalising")


def normalise_text(text: str) -> str:
    """NFKC, case-folded, whitespace runs collapsed to one space and stripped: what free-text gold compares."""
    # NFKC again after casefold: folding can produce sequences NFKC would compose differently (Unicode's NFKC_Casefold)
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(folded.split())  # str.split() splits on every Unicode whitespace character


def _exact(same: bool, mine: str, want: str) -> GoldScore:
    return GoldScore(1.0, True, f"{mine} matches") if same else GoldScore(0.0, False, f"{mine} differs from {want}")


def _multi_label(mine: frozenset[str], want: frozenset[str]) -> GoldScore:
    union = mine | want
    score = len(mine & want) / len(union) if union else 1.0  # nothing to choose and nothing chosen: agreement
    if mine == want:
        return GoldScore(score, True, "label sets match")
    missing, extra = sorted(want - mine), sorted(mine - want)
    parts = [f"Jaccard {score:.3f}"] + [
        f"{name}: {', '.join(v)}" for name, v in (("missing", missing), ("extra", extra)) if v
    ]
    return GoldScore(score, False, "; ".join(parts))


def _f1_score(f1: float, matched: int, n_gold: int, n_answer: int, noun: str, needed: float) -> GoldScore:
    correct = f1 >= needed - _EPS
    detail = f"{noun} F1 {f1:.3f} ({matched} of {n_gold} gold matched, {n_answer} given; needs {needed})"
    return GoldScore(float(f1), correct, detail)


def _rating(mine: float, want: float, low: float | None, high: float | None, tolerance: float) -> GoldScore:
    if tolerance < 0 or not math.isfinite(tolerance):
        raise ValueError(f"rating_tolerance must be a finite number >= 0, got {tolerance}")
    if (low is None) != (high is None):
        raise ValueError("give both rating_min and rating_max, or neither")
    diff = abs(mine - want)
    correct = diff <= tolerance + _EPS
    if low is None or high is None:
        score = 1.0 if correct else 0.0
    else:
        if not high > low:
            raise ValueError(f"rating_max must be greater than rating_min, got {low}..{high}")
        for name, v in (("answer", mine), ("gold", want)):
            if not low <= v <= high:
                raise ValueError(f"{name} rating {v} is outside the scale {low}..{high}")
        score = 1.0 - diff / (high - low)
    verb = "within" if correct else "more than"
    return GoldScore(score, correct, f"rating {mine} vs gold {want}: {verb} tolerance {tolerance}")


# ------------------------------------------------------------------ shape checks (programming errors, not user input)


def _field(value: Mapping[str, Any], who: str, key: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(value, Mapping):
        raise ValueError(f"{who} must be an annotation value (a dict), got {type(value).__name__}")
    if key not in value:
        raise ValueError(f"{who} has no {key!r} key: {dict(value)!r}")
    found = value[key]
    if not isinstance(found, kind) or isinstance(found, bool):
        wanted = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise ValueError(f"{who} {key!r} must be {wanted}, got {type(found).__name__}")
    return found


def _number(value: Mapping[str, Any], who: str) -> float:
    rating = _field(value, who, "rating", (int, float))
    if not math.isfinite(rating):
        raise ValueError(f"{who} rating must be finite, got {rating}")
    return rating


def _label_set(value: Mapping[str, Any], who: str) -> frozenset[str]:
    labels = _field(value, who, "labels", list)
    if not all(isinstance(label, str) for label in labels):
        raise ValueError(f"{who} 'labels' must be a list of label names")
    return frozenset(labels)


def _choice(value: Mapping[str, Any], who: str) -> str:
    choice = _field(value, who, "choice", str)
    if choice not in c.PAIRWISE_CHOICES:
        raise ValueError(f"{who} choice must be one of {', '.join(c.PAIRWISE_CHOICES)}, got {choice!r}")
    return choice


_REGION_FIELDS = {"spans": ("start", "end"), "boxes": ("x", "y", "w", "h")}


def _regions(value: Mapping[str, Any], who: str, key: str) -> Sequence[Mapping[str, Any]]:
    regions = _field(value, who, key, list)
    numbers = _REGION_FIELDS[key]
    for i, region in enumerate(regions):
        ok = isinstance(region, Mapping) and isinstance(region.get("label"), str)
        ok = ok and all(_is_number(region.get(k), whole=key == "spans") for k in numbers)
        if not ok:
            raise ValueError(f"{who} {key}[{i}] must have numeric {', '.join(numbers)} and a label, got {region!r}")
    return regions


def _is_number(x: Any, whole: bool) -> bool:
    kinds = int if whole else (int, float)
    return isinstance(x, kinds) and not isinstance(x, bool) and math.isfinite(x)
