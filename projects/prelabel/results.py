"""Result types shared by every pre-labeling backend (the local model here, LLM backends elsewhere).

Kept dependency-free so any backend can return them and any caller (API, worker, benchmark) can consume them
without importing a model library.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Prediction:
    """One backend's suggestion for one item.

    ``status`` is "ok" (``value`` holds the suggestion), "invalid" (the backend answered but the answer, or the
    input, did not fit the ontology; ``error`` says why) or "failed" (no answer at all: timeout, crash, quota).
    ``confidence`` is a probability in [0, 1] when the backend has one, else None. ``detail`` must stay JSON-safe
    because callers persist it as-is.
    """

    value: dict | None
    confidence: float | None
    status: str  # "ok" | "invalid" | "failed"
    error: str = ""
    model: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)
