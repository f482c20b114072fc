"""Pre-labeling: run a backend over open items and route each answer (backends.py, routing.py), train the local
model and refresh active-learning priorities (training.py), measure and calibrate from audits (audits.py)."""

from projects.services.prelabel.audits import calibrate, record_audits, summary
from projects.services.prelabel.routing import run_prelabel
from projects.services.prelabel.training import refresh_priorities, train_local_model

__all__ = ["calibrate", "record_audits", "refresh_priorities", "run_prelabel", "summary", "train_local_model"]
