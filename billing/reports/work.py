"""What the cost report needs from a tenant's own data: the project's overlap settings, the task annotations its
human-final items got and which backend made each auto-accepted pre-label.

Billing never imports `projects` (an import-linter contract), and those rows live in the tenant's schema, so the
projects app provides the reader at start-up (ProjectsConfig.ready -> projects.cost_figures.work_figures). Without
a reader, or for a project the tenant does not have, `work_figures` returns None and the savings say so.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class PrelabelSource:
    """Usage-ledger totals of the pre-labels one backend (llm, local; None when unknown) made final."""

    backend: str | None
    final_labels: int
    amount: Decimal


@dataclass(frozen=True)
class WorkFigures:
    overlap_mode: str  # fixed | adaptive
    overlap_k: int
    overlap_max: int
    human_final_items: int  # final, not gold, not finalised by an auto-accepted pre-label
    task_annotations: int  # accepted task answers on those items (gold and calibration answers excluded)
    prelabels: list[PrelabelSource] = field(default_factory=list)


WorkReader = Callable[..., WorkFigures | None]
_readers: list[WorkReader] = []


def provide_work_figures(reader: WorkReader) -> None:
    """Install the reader `reader(*, tenant_id, project_id) -> WorkFigures | None` (the last one wins)."""
    _readers[:] = [reader]


def work_figures(*, tenant_id: int, project_id: int) -> WorkFigures | None:
    return _readers[0](tenant_id=tenant_id, project_id=project_id) if _readers else None
