"""The projects side of billing: what a final label costs the client, reserving a share of it for every task lease
so distribution stops before a project's committed cost passes its budget, and recording billable events.

Rule: a task lease reserves price / overlap target (one annotator's share of the item's final label); the final
label's usage event converts the item's reservations into spend; an expired or skipped lease gives its share back.
Where an answer is discarded or adaptive overlap asks for extra annotators, the reservation errs high, so the stop
comes early rather than late.
"""

from decimal import ROUND_UP, Decimal

from django.db import connection

from billing import services as billing
from labelhub.cache import local_figure
from projects.models import Project

SHARE_PLACES = Decimal("0.0001")


def _tenant_id() -> int:
    return connection.tenant.pk


SUSPENSION_CACHE_SECONDS = 10


def tenant_suspended() -> bool:
    """Unpaid invoice past its grace period (billing decides). Cached briefly: it is asked on every lease, and a
    suspension or a payment taking effect ten seconds later costs nothing."""
    tenant_id = _tenant_id()
    key = f"billing-suspended:{tenant_id}"
    return bool(local_figure(key, SUSPENSION_CACHE_SECONDS, lambda: billing.is_suspended(tenant_id)))


def lease_share(project: Project) -> Decimal | None:
    """The amount one task lease reserves, or None when the project has no budget (then nothing is reserved)."""
    if project.budget is None:
        return None
    price = billing.price_for(tenant_id=_tenant_id(), project_id=project.pk, task_type=project.task_type,
                              tier=project.min_tier)  # fmt: skip
    return (price / max(project.default_overlap_target, 1)).quantize(SHARE_PLACES, rounding=ROUND_UP)


def reserve_lease(project: Project, share: Decimal) -> bool:
    return billing.reserve(tenant_id=_tenant_id(), project_id=project.pk, amount=share)


def release_leases(project: Project, share: Decimal | None, count: int = 1) -> None:
    if share and count > 0:
        billing.release(tenant_id=_tenant_id(), project_id=project.pk, amount=share * count)


def sync_budget(project: Project) -> None:
    """The project's budget field is what clients edit; the billing ledger enforces it (409 below spend)."""
    billing.set_budget(tenant_id=_tenant_id(), project_id=project.pk, limit=project.budget)


def record_final_labels(project: Project, item_ids: list[int]) -> None:
    """One billable final label per item, idempotent on the item id (a recount never bills twice)."""
    for item_id in item_ids:
        billing.record_usage(tenant_id=_tenant_id(), project_id=project.pk, kind="final_label", source_id=item_id,
                             task_type=project.task_type, tier=project.min_tier)  # fmt: skip


def record_prelabel(project: Project, item_id: int, backend: str) -> None:
    billing.record_usage(tenant_id=_tenant_id(), project_id=project.pk, kind="prelabel", source_id=item_id,
                         task_type=project.task_type, tier=project.min_tier, prelabel_backend=backend,
                         release=Decimal("0"))  # fmt: skip


def record_adjudication(project: Project, adjudication_id: int, item_id: int) -> None:
    billing.record_usage(tenant_id=_tenant_id(), project_id=project.pk, kind="adjudication", source_id=adjudication_id,
                         task_type=project.task_type, tier=project.min_tier, release=Decimal("0"))  # fmt: skip
    record_final_labels(project, [item_id])
