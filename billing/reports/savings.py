"""Labels and money saved by pre-labeling and adaptive overlap, measured on the project's own data. Every figure is
{"value", "assumption"} (what it rests on), or {"value": None, "reason"} when it cannot be known yet.

A "label" here is one human annotation (one annotator's answer), the unit workers are paid for; the client pays
per final label (one per item), so adaptive overlap saves worker pay but no price.
"""

from decimal import Decimal

from django.db.models import Sum

from billing.reports.ledgers import ZERO, K, usage_of
from billing.reports.work import WorkFigures
from billing.services.money import FOUR_PLACES, round_money
from billing.services.prices import price_for

LABEL_PLACES = Decimal("0.01")
NO_WORK = "the project's overlap settings and annotations are unknown (no such project in this tenant)"
NO_PAY = "no pay history yet: no accepted annotation has been paid on this project"
SAVED_KEYS = ("labels_saved", "client_saved", "worker_pay_avoided")


def figure(value, assumption: str) -> dict:
    return {"value": value, "assumption": assumption}


def missing(reason: str) -> dict:
    return {"value": None, "reason": reason}


def _mean_pay(worker_pay: Decimal, accepted: int) -> tuple[Decimal | None, dict]:
    if accepted <= 0:
        return None, missing(NO_PAY)
    exact = worker_pay / accepted
    return exact, figure(round_money(exact), f"net worker pay {worker_pay} (base, bonus, reversals) over {accepted} "
                                             "accepted annotations, hidden gold and calibration included")  # fmt: skip


def _pay_avoided(labels: Decimal, mean: Decimal | None) -> dict:
    if mean is None:
        return missing(NO_PAY)
    return figure(round_money(labels * mean), f"labels saved x the project's mean pay per accepted annotation "
                                              f"({round_money(mean)}), rounded once at the end")  # fmt: skip


def _annotations_per_item(work: WorkFigures) -> tuple[Decimal, str]:
    if work.overlap_mode != "adaptive":
        return Decimal(work.overlap_k), f"fixed overlap: every human-labeled item gets {work.overlap_k} annotations"
    if work.human_final_items:
        mean = Decimal(work.task_annotations) / work.human_final_items
        return mean, (f"adaptive overlap: measured mean of {mean.quantize(FOUR_PLACES)} task annotations per item "
                      f"({work.task_annotations} over {work.human_final_items} human-final items)")  # fmt: skip
    return Decimal(work.overlap_max), (
        f"adaptive overlap with no human-final item yet: assumed the maximum of {work.overlap_max} per item"
    )


def _human_price_equivalent(tenant_id: int, project_id: int) -> Decimal:
    groups = usage_of(tenant_id, project_id).filter(kind=K.PRELABEL).values("task_type", "tier")
    return sum(
        (g["quantity"] * price_for(tenant_id=tenant_id, project_id=project_id, task_type=g["task_type"],
                                   tier=g["tier"]) for g in groups.annotate(quantity=Sum("quantity"))),
        ZERO,
    )  # fmt: skip


def _prelabel(tenant_id: int, project_id: int, usage: dict, work: WorkFigures | None, mean: Decimal | None) -> dict:
    items, billed = usage["quantity"], usage["amount"]
    equivalent = _human_price_equivalent(tenant_id, project_id)
    block = {
        "final_labels": figure(items, "items finalised by an auto-accepted pre-label (usage ledger)"),
        "human_price_equivalent": figure(equivalent, "each such item at today's price per final label"),
        "billed": figure(billed, "what the pre-labels were billed (usage ledger)"),
        "client_saved": figure(equivalent - billed, "human price equivalent minus what the pre-labels were billed"),
    }
    if work is None:
        return block | {k: missing(NO_WORK) for k in ("annotations_per_item", "labels_saved", "worker_pay_avoided")}
    per_item, basis = _annotations_per_item(work)
    saved = items * per_item
    return block | {
        "annotations_per_item": figure(per_item.quantize(FOUR_PLACES), basis),
        "labels_saved": figure(saved.quantize(LABEL_PLACES), f"{items} items x the human annotations each would "
                                                             f"have needed ({basis})"),
        "worker_pay_avoided": _pay_avoided(saved, mean),
    }  # fmt: skip


def _adaptive(work: WorkFigures | None, mean: Decimal | None) -> dict:
    no_price = figure(ZERO, "the client pays per final label whatever the overlap: fewer annotations save pay only")
    if work is None:
        return {"labels_saved": missing(NO_WORK), "client_saved": no_price, "worker_pay_avoided": missing(NO_WORK)}
    if work.overlap_mode != "adaptive":
        why = f"fixed overlap: every item gets exactly {work.overlap_k} annotations, adaptive overlap is off"
        return {"labels_saved": figure(ZERO.quantize(LABEL_PLACES), why), "client_saved": no_price,
                "worker_pay_avoided": figure(ZERO, why)}  # fmt: skip
    saved = Decimal(work.human_final_items * work.overlap_max - work.task_annotations)
    basis = (f"{work.human_final_items} human-final items x overlap max {work.overlap_max}, minus the "
             f"{work.task_annotations} task annotations they got (gold and calibration excluded)")  # fmt: skip
    return {"labels_saved": figure(saved.quantize(LABEL_PLACES), basis), "client_saved": no_price,
            "worker_pay_avoided": _pay_avoided(saved, mean)}  # fmt: skip


def _total(parts: list[dict]) -> dict:
    if any(p["value"] is None for p in parts):
        return missing("a part is unknown: " + "; ".join(p["reason"] for p in parts if p["value"] is None))
    first, *rest = (p["value"] for p in parts)
    return figure(sum(rest, first), "pre-labeling plus adaptive overlap")  # keeps the parts' decimal places


def savings(
    *, tenant_id: int, project_id: int, prelabel_usage: dict, worker_pay: Decimal, accepted: int,
    work: WorkFigures | None,
) -> dict:  # fmt: skip
    """Pre-labeling and adaptive-overlap savings of one project, with their total and the mean pay they use."""
    mean, mean_figure = _mean_pay(worker_pay, accepted)
    prelabel = _prelabel(tenant_id, project_id, prelabel_usage, work, mean)
    adaptive = _adaptive(work, mean)
    return {
        "mean_pay_per_annotation": mean_figure, "prelabel": prelabel, "adaptive_overlap": adaptive,
        "total": {key: _total([prelabel[key], adaptive[key]]) for key in SAVED_KEYS},
    }  # fmt: skip
