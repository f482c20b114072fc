"""Django-free pre-labeling: a local text model, active-learning priorities and auto-accept calibration.

* :class:`TextClassifier` (``local_model``): TF-IDF + calibrated logistic regression returning
  :class:`Prediction` objects, the result type every pre-labeling backend shares (``results``).
* ``active``: uncertainty scores, k-center diversity and their mix into one labeling priority per item.
* ``calibration``: the auto-accept threshold from audits, and deterministic audit sampling.
"""

import importlib
from typing import Any

# Names load on first use (PEP 562): importing the package must not pull scikit-learn into every web process
# that only needs `results` or `calibration`.
_WHERE = {
    "entropy": "active", "k_center_greedy": "active", "least_confidence": "active", "margin": "active",
    "mixed_priority": "active", "priorities_for": "active",
    "AuditRateCheck": "calibration", "ThresholdChoice": "calibration", "audit_sample_rate_check": "calibration",
    "calibrate_threshold": "calibration", "should_audit": "calibration", "wilson_lower": "calibration",
    "MIN_LABELS_TO_TRAIN": "local_model", "ModelFormatError": "local_model", "NotEnoughLabels": "local_model",
    "TextClassifier": "local_model", "check_enough_labels": "local_model",
    "Prediction": "results",
}  # fmt: skip
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
