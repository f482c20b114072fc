"""A cost estimate before a project starts, with every assumption written out next to the figures."""

from decimal import Decimal

from billing.models import ExtraPrice
from billing.services.money import ZERO, InvalidAmount, round_money
from billing.services.prices import extra_price_for, price_for
from billing.services.usage import PRELABEL_BACKENDS
from workforce.policy import platform_policy
from workforce.services.pay import rate_for

OVERLAP_MODES = ("fixed", "adaptive")
MAX_ITEMS = 100_000_000
MAX_OVERLAP = 50


def _share(value, field: str, *, below_one: bool = False) -> Decimal:
    try:
        share = Decimal(str(value))
    except ArithmeticError:
        raise InvalidAmount(f"{field} must be a number", field=field) from None
    if not share.is_finite() or share < 0 or share > 1 or (below_one and share == 1):
        bound = "[0, 1)" if below_one else "[0, 1]"
        raise InvalidAmount(f"{field} must be in {bound}, got {value}", field=field)
    return share


def _overlap(mode: str, k: int, low: int, high: int, measured: float | None) -> tuple[Decimal, str]:
    if mode not in OVERLAP_MODES:
        raise InvalidAmount(f"overlap_mode must be fixed or adaptive, got {mode!r}", field="overlap_mode")
    if mode == "fixed":
        if not 1 <= k <= MAX_OVERLAP:
            raise InvalidAmount(f"overlap_k must be between 1 and {MAX_OVERLAP}", field="overlap_k")
        return Decimal(k), f"fixed overlap: every human-labeled item gets exactly {k} annotations"
    if not 1 <= low <= high <= MAX_OVERLAP:
        raise InvalidAmount("need 1 <= overlap_min <= overlap_max", field="overlap_min")
    if measured is not None:
        value = Decimal(str(measured))
        if not value.is_finite() or not low <= value <= high:
            raise InvalidAmount(f"measured_overlap must lie in [{low}, {high}]", field="measured_overlap")
        return value, f"adaptive overlap: measured mean of {value} annotations per item (given)"
    value = Decimal(low + high) / 2
    return value, (
        f"adaptive overlap: assumed mean of {value} annotations per item, the midpoint of min {low} and max {high} "
        "(pass measured_overlap once the project has history)"
    )


def quote(
    *,
    task_type: str,
    tier: str,
    items: int,
    overlap_mode: str,
    overlap_k: int,
    overlap_min: int,
    overlap_max: int,
    gold_rate: float,
    expected_prelabel_share: float = 0.0,
    tenant_id: int | None = None,
    project_id: int | None = None,
    measured_overlap: float | None = None,
    expected_adjudication_share: float = 0.0,
    prelabel_backend: str = "local",
) -> dict:
    """Client cost, worker pay and margin for a project shape. Counts are expectations (Decimals, may be
    fractional); money is rounded to four places only at the end."""
    if isinstance(items, bool) or not isinstance(items, int) or not 0 <= items <= MAX_ITEMS:
        raise InvalidAmount(f"items must be a whole number between 0 and {MAX_ITEMS}", field="items")
    if prelabel_backend not in PRELABEL_BACKENDS:
        raise InvalidAmount(f"unknown pre-label backend {prelabel_backend!r}", field="prelabel_backend")
    prelabel_share = _share(expected_prelabel_share, "expected_prelabel_share")
    adjudication_share = _share(expected_adjudication_share, "expected_adjudication_share")
    gold = _share(gold_rate, "gold_rate", below_one=True)
    overlap, overlap_note = _overlap(overlap_mode, overlap_k, overlap_min, overlap_max, measured_overlap)

    prelabeled = items * prelabel_share
    final_labels = items - prelabeled  # human final labels: one per item not finalised by a pre-label
    task_annotations = final_labels * overlap
    gold_annotations = task_annotations * gold / (1 - gold)
    paid_annotations = task_annotations + gold_annotations
    adjudications = final_labels * adjudication_share

    scope = {"tenant_id": tenant_id, "project_id": project_id}
    label_price = price_for(**scope, task_type=task_type, tier=tier)
    prelabel_price = extra_price_for(**scope, kind=PRELABEL_BACKENDS[prelabel_backend])
    adjudication_price = extra_price_for(**scope, kind=ExtraPrice.Kind.ADJUDICATION)
    worker_rate = rate_for(tier=tier, task_type=task_type, **scope)
    bonus_share = platform_policy().bonus_share

    client_labels = final_labels * label_price
    client_prelabels = prelabeled * prelabel_price
    client_adjudications = adjudications * adjudication_price
    client_cost = client_labels + client_prelabels + client_adjudications
    worker_base = paid_annotations * worker_rate
    worker_bonus = worker_base * bonus_share
    worker_pay = worker_base + worker_bonus
    margin = client_cost - worker_pay
    m = round_money
    return {
        "inputs": {
            "task_type": task_type, "tier": tier, "items": items, "overlap_mode": overlap_mode,
            "overlap_k": overlap_k, "overlap_min": overlap_min, "overlap_max": overlap_max, "gold_rate": gold,
            "expected_prelabel_share": prelabel_share, "expected_adjudication_share": adjudication_share,
            "measured_overlap": measured_overlap, "prelabel_backend": prelabel_backend, **scope,
        },
        "counts": {
            "items": items, "prelabeled_items": prelabeled, "final_labels": final_labels,
            "expected_overlap": overlap, "task_annotations": task_annotations,
            "gold_annotations": gold_annotations, "paid_annotations": paid_annotations,
            "adjudications": adjudications,
        },
        "prices": {
            "price_per_final_label": label_price, "price_per_prelabel": prelabel_price,
            "price_per_adjudication": adjudication_price, "worker_rate_per_annotation": worker_rate,
            "worker_bonus_share": bonus_share,
        },
        "client": {
            "final_labels": m(client_labels), "prelabels": m(client_prelabels),
            "adjudications": m(client_adjudications), "total": m(client_cost),
            "per_item": m(client_cost / items) if items else ZERO,
        },
        "worker_pay": {"base": m(worker_base), "bonus": m(worker_bonus), "total": m(worker_pay)},
        "margin": {"amount": m(margin), "share": m(margin / client_cost) if client_cost else None},
        "assumptions": [
            f"{prelabel_share} of the {items} items are finalised by a pre-label ({prelabel_backend}) and billed at "
            f"the pre-label price; the other {final_labels} are human final labels at the price per final label",
            overlap_note,
            f"hidden gold is served at rate {gold} of all tasks, so gold adds {gold}/(1-{gold}) paid annotations per "
            "task annotation; gold answers are paid to annotators but never billed to the client",
            f"{adjudication_share} of human-labeled items need an expert adjudication, billed at the adjudication "
            "price (expert time for adjudication is not in worker pay)",
            f"every annotation is made at the required tier ({tier}) and paid its rate; a higher-tier annotator on the "
            "project costs more",
            f"every paid annotation earns the quality bonus of {bonus_share} of its base pay (an upper bound)",
            "calibration answers, skipped and expired leases, and reversed (discarded) work are not included",
        ],
    }  # fmt: skip
