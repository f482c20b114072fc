"""Cost report of one project from the two public ledgers: usage events (what the client owes) and pay entries
(what workers earn). Every figure is a Decimal sum of ledger rows, so the parts add up exactly to the totals.

Definitions (also in the report's `definitions`):
- revenue: sum of the project's usage amounts (what the client is charged); worker pay: net sum of its PayEntry
  rows (reversals included).
- final labels: human final labels (`final_label` quantity) plus items finalised by a pre-label (`prelabel`).
- cost per final label: revenue / final labels (what the client pays per finished item).
- cost per accepted label: worker pay / final labels (what the quality labels cost in pay, overlap and gold
  included).
- by source: human work, and pre-labels by the backend that made them (llm: a language model, model: the
  project's locally trained model; prelabel: backend unknown).
- by day: usage amounts per UTC day of the event and kind; days without usage are left out.
- vendor revenue: human revenue (everything but pre-labels) split over vendors in proportion to their accepted
  annotations, to the ten-thousandth, largest remainder first, so the shares add up to the project's human revenue.
- savings: see each figure's assumption; a label saved is one human annotation nobody had to make.
"""

from django.db.models import Q, Sum
from django.db.models.functions import TruncDate

from billing.reports.ledgers import ZERO, K, allocate, pay_rows, ratio, usage_by_kind, usage_of
from billing.reports.savings import savings
from billing.reports.work import WorkFigures, work_figures
from workforce.models import PayEntry

SOURCE_OF_BACKEND = {"llm": "llm", "local": "model", None: "prelabel"}


def _by_source(usage: dict, work: WorkFigures | None, worker_pay) -> list[dict]:
    human_labels = usage[K.FINAL_LABEL]["quantity"]
    human_revenue = sum((u["amount"] for k, u in usage.items() if k != K.PRELABEL), ZERO)
    rows = [{"source": "human", "final_labels": human_labels, "revenue": human_revenue, "worker_pay": worker_pay,
             "margin": human_revenue - worker_pay, "cost_per_final_label": ratio(human_revenue, human_labels),
             "cost_per_accepted_label": ratio(worker_pay, human_labels)}]  # fmt: skip
    found = {"llm": (0, ZERO), "model": (0, ZERO)}
    if work is None:
        found["prelabel"] = (usage[K.PRELABEL]["quantity"], usage[K.PRELABEL]["amount"])
    else:
        for part in work.prelabels:
            source = SOURCE_OF_BACKEND.get(part.backend, "prelabel")
            labels, amount = found.get(source, (0, ZERO))
            found[source] = (labels + part.final_labels, amount + part.amount)
    for source, (labels, amount) in found.items():
        if labels or source != "prelabel":
            rows.append({"source": source, "final_labels": labels, "revenue": amount, "worker_pay": ZERO,
                         "margin": amount, "cost_per_final_label": ratio(amount, labels),
                         "cost_per_accepted_label": None})  # fmt: skip
    return rows


def _by_day(tenant_id: int, project_id: int) -> list[dict]:
    rows = (
        usage_of(tenant_id, project_id)
        .annotate(day=TruncDate("created_at"))
        .values("day", "kind")
        .annotate(amount=Sum("amount"))
        .order_by("day")
    )
    days: dict = {}
    for r in rows:
        day = days.setdefault(r["day"], {"day": r["day"].isoformat(), **dict.fromkeys(K.values, ZERO), "total": ZERO})
        day[r["kind"]] = r["amount"]
        day["total"] += r["amount"]
    return list(days.values())


def project_report(*, tenant_id: int, project_id: int) -> dict:
    """Revenue, worker pay, margin, unit costs, savings and spend per day of one project, by source, tier, vendor
    and annotator."""
    usage = usage_by_kind(tenant_id, project_id)
    revenue = sum((u["amount"] for u in usage.values()), ZERO)
    entries = PayEntry.objects.filter(tenant_id=tenant_id, project_id=project_id)
    worker_pay = entries.aggregate(total=Sum("amount"))["total"] or ZERO
    human_labels, prelabel_labels = usage[K.FINAL_LABEL]["quantity"], usage[K.PRELABEL]["quantity"]
    final_labels = human_labels + prelabel_labels
    human_revenue = revenue - usage[K.PRELABEL]["amount"]
    by_vendor = pay_rows(entries, "vendor_id", "vendor__name")
    shares = allocate(human_revenue, {r["vendor_id"]: r["accepted_annotations"] for r in by_vendor})
    for row in by_vendor:
        row["revenue"] = shares[row["vendor_id"]]
        row["margin"] = row["revenue"] - row["worker_pay"]
    accepted = sum(r["accepted_annotations"] for r in by_vendor)
    billed_tiers = (
        usage_of(tenant_id, project_id)
        .values("tier")
        .annotate(revenue=Sum("amount"), final_labels=Sum("quantity", filter=Q(kind__in=[K.FINAL_LABEL, K.PRELABEL])))
    )
    work = work_figures(tenant_id=tenant_id, project_id=project_id)
    return {
        "tenant_id": tenant_id, "project_id": project_id, "currency": "USD",
        "totals": {
            "revenue": revenue, "worker_pay": worker_pay, "margin": revenue - worker_pay,
            "margin_share": ratio(revenue - worker_pay, revenue) if revenue else None,
            "final_labels": final_labels, "human_final_labels": human_labels, "prelabel_final_labels": prelabel_labels,
            "accepted_annotations": accepted,
            "cost_per_final_label": ratio(revenue, final_labels),
            "cost_per_accepted_label": ratio(worker_pay, final_labels),
        },
        "by_kind": usage,
        "by_source": _by_source(usage, work, worker_pay),
        "by_billed_tier": [
            {"tier": r["tier"], "final_labels": r["final_labels"] or 0, "revenue": r["revenue"],
             "cost_per_final_label": ratio(r["revenue"], r["final_labels"])}
            for r in sorted(billed_tiers, key=lambda r: r["tier"])
        ],
        "by_annotator_tier": pay_rows(entries, "tier"),
        "by_vendor": by_vendor,
        "by_annotator": pay_rows(entries, "annotator_id", "vendor_id"),
        "by_day": _by_day(tenant_id, project_id),
        "savings": savings(tenant_id=tenant_id, project_id=project_id, prelabel_usage=usage[K.PRELABEL],
                           worker_pay=worker_pay, accepted=accepted, work=work),
        "definitions": __doc__.split("Definitions (also in the report's `definitions`):\n", 1)[1].strip(),
    }  # fmt: skip
