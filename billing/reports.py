"""Cost reports from the two public ledgers: usage events (what the client owes) and pay entries (what workers
earn). Every figure is a Decimal sum of ledger rows, so the parts add up exactly to the totals.

Definitions (also in the report's `definitions`):
- revenue: sum of the project's usage amounts; worker pay: net sum of its PayEntry rows (reversals included).
- final labels: human final labels (`final_label` quantity) plus items finalised by a pre-label (`prelabel`).
- cost per final label: revenue / final labels (what the client pays per finished item).
- cost per accepted label: worker pay / final labels (what the quality labels cost in pay, overlap and gold
  included).
- vendor revenue: human revenue (everything but pre-labels) split over vendors in proportion to their accepted
  annotations, to the ten-thousandth, largest remainder first, so the shares add up to the project's human revenue.
"""

import csv
import io
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum

from billing.models import UsageEvent
from billing.services.money import FOUR_PLACES, ZERO, round_money
from billing.services.prices import price_for
from workforce.models import PayEntry, ProjectListing

K = UsageEvent.Kind
_PAY_KINDS = {k: Sum("amount", filter=Q(kind=k)) for k in PayEntry.Kind.values}
_ACCEPTED = Count("id", filter=Q(kind=PayEntry.Kind.BASE)) - Count("id", filter=Q(kind=PayEntry.Kind.BASE_REVERSAL))


def _ratio(money: Decimal, count) -> Decimal | None:
    return round_money(money / count) if count else None


def _usage_by_kind(tenant_id: int, project_id: int) -> dict[str, dict]:
    rows = (
        UsageEvent.objects.filter(tenant_id=tenant_id, project_id=project_id)
        .values("kind")
        .annotate(events=Count("id"), quantity=Sum("quantity"), amount=Sum("amount"))
    )
    found = {r["kind"]: {"events": r["events"], "quantity": r["quantity"], "amount": r["amount"]} for r in rows}
    return {k: found.get(k, {"events": 0, "quantity": 0, "amount": ZERO}) for k in K.values}


def _pay_rows(entries, *group: str) -> list[dict]:
    rows = entries.values(*group).annotate(accepted=_ACCEPTED, net=Sum("amount"), **_PAY_KINDS).order_by(*group)
    return [
        {
            **{g: r[g] for g in group}, "accepted_annotations": r["accepted"], "base": r["base"] or ZERO,
            "bonus": r["bonus"] or ZERO, "reversals": (r["base_reversal"] or ZERO) + (r["bonus_reversal"] or ZERO),
            "worker_pay": r["net"],
        }
        for r in rows
    ]  # fmt: skip


def allocate(total: Decimal, weights: dict) -> dict:
    """Split `total` over keys by integer weights, exactly, to 0.0001 (largest remainder, ties by key)."""
    units = int(total / FOUR_PLACES)
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        return dict.fromkeys(weights, ZERO)
    floors = {key: units * w // weight_sum for key, w in weights.items()}
    left = units - sum(floors.values())
    by_remainder = sorted(weights, key=lambda key: (-(units * weights[key] % weight_sum), key))
    for key in by_remainder[:left]:
        floors[key] += 1
    return {key: n * FOUR_PLACES for key, n in floors.items()}


def _savings(tenant_id: int, project_id: int, prelabel: dict, adaptive_overlap_savings: Decimal | None) -> dict:
    groups = (
        UsageEvent.objects.filter(tenant_id=tenant_id, project_id=project_id, kind=K.PRELABEL)
        .values("task_type", "tier")
        .annotate(quantity=Sum("quantity"))
    )
    gross = sum(
        (g["quantity"] * price_for(tenant_id=tenant_id, project_id=project_id, task_type=g["task_type"],
                                   tier=g["tier"]) for g in groups),
        ZERO,
    )  # fmt: skip
    return {
        "labels_saved_by_prelabel": prelabel["quantity"], "prelabel_human_price_equivalent": gross,
        "prelabel_cost": prelabel["amount"], "prelabel_savings": gross - prelabel["amount"],
        "adaptive_overlap_savings": adaptive_overlap_savings,
    }  # fmt: skip


def project_report(*, tenant_id: int, project_id: int, adaptive_overlap_savings: Decimal | None = None) -> dict:
    """Revenue, worker pay, margin and unit costs of one project, by source, tier, vendor and annotator."""
    usage = _usage_by_kind(tenant_id, project_id)
    revenue = sum((u["amount"] for u in usage.values()), ZERO)
    entries = PayEntry.objects.filter(tenant_id=tenant_id, project_id=project_id)
    worker_pay = entries.aggregate(total=Sum("amount"))["total"] or ZERO
    human_labels, prelabel_labels = usage[K.FINAL_LABEL]["quantity"], usage[K.PRELABEL]["quantity"]
    final_labels = human_labels + prelabel_labels
    human_revenue = revenue - usage[K.PRELABEL]["amount"]
    by_vendor = _pay_rows(entries, "vendor_id", "vendor__name")
    shares = allocate(human_revenue, {r["vendor_id"]: r["accepted_annotations"] for r in by_vendor})
    for row in by_vendor:
        row["revenue"] = shares[row["vendor_id"]]
        row["margin"] = row["revenue"] - row["worker_pay"]
    billed_tiers = (
        UsageEvent.objects.filter(tenant_id=tenant_id, project_id=project_id)
        .values("tier")
        .annotate(revenue=Sum("amount"), final_labels=Sum("quantity", filter=Q(kind__in=[K.FINAL_LABEL, K.PRELABEL])))
    )
    return {
        "tenant_id": tenant_id, "project_id": project_id, "currency": "USD",
        "totals": {
            "revenue": revenue, "worker_pay": worker_pay, "margin": revenue - worker_pay,
            "margin_share": _ratio(revenue - worker_pay, revenue) if revenue else None,
            "final_labels": final_labels, "human_final_labels": human_labels, "prelabel_final_labels": prelabel_labels,
            "accepted_annotations": sum(r["accepted_annotations"] for r in by_vendor),
            "cost_per_final_label": _ratio(revenue, final_labels),
            "cost_per_accepted_label": _ratio(worker_pay, final_labels),
        },
        "by_kind": usage,
        "by_source": [
            {"source": "human", "final_labels": human_labels, "revenue": human_revenue, "worker_pay": worker_pay,
             "margin": human_revenue - worker_pay, "cost_per_accepted_label": _ratio(worker_pay, human_labels)},
            {"source": "prelabel", "final_labels": prelabel_labels, "revenue": usage[K.PRELABEL]["amount"],
             "worker_pay": ZERO, "margin": usage[K.PRELABEL]["amount"], "cost_per_accepted_label": None},
        ],
        "by_billed_tier": [
            {"tier": r["tier"], "final_labels": r["final_labels"] or 0, "revenue": r["revenue"]}
            for r in sorted(billed_tiers, key=lambda r: r["tier"])
        ],
        "by_annotator_tier": _pay_rows(entries, "tier"),
        "by_vendor": by_vendor,
        "by_annotator": _pay_rows(entries, "annotator_id", "vendor_id"),
        "savings": _savings(tenant_id, project_id, usage[K.PRELABEL], adaptive_overlap_savings),
        "definitions": __doc__.split("Definitions (also in the report's `definitions`):\n", 1)[1].strip(),
    }  # fmt: skip


def vendor_margins(*, vendor_ids: list[int]) -> list[dict]:
    """For vendor managers: per vendor and client project, the vendor's share of human revenue, its pay and margin
    (same allocation as the project report, so the figures agree with what the client's report shows)."""
    mine = PayEntry.objects.filter(vendor_id__in=vendor_ids)
    keys = set(mine.values_list("tenant_id", "project_id").distinct())
    if not keys:
        return []
    tenants, projects = {t for t, _ in keys}, {p for _, p in keys}
    counts = defaultdict(dict)
    pay = {}
    for r in _pay_rows(PayEntry.objects.filter(tenant_id__in=tenants, project_id__in=projects),
                       "tenant_id", "project_id", "vendor_id", "vendor__name"):  # fmt: skip
        key = (r["tenant_id"], r["project_id"])
        if key in keys:
            counts[key][r["vendor_id"]] = r["accepted_annotations"]
            pay[(*key, r["vendor_id"])] = r
    revenue = {
        (r["tenant_id"], r["project_id"]): r["amount"]
        for r in UsageEvent.objects.filter(tenant_id__in=tenants, project_id__in=projects)
        .exclude(kind=K.PRELABEL)
        .values("tenant_id", "project_id")
        .annotate(amount=Sum("amount"))
    }
    names = {
        (x.tenant_id, x.project_id): x
        for x in ProjectListing.objects.filter(tenant_id__in=tenants, project_id__in=projects)
    }
    rows = []
    for key in sorted(keys):
        shares = allocate(revenue.get(key, ZERO), counts[key])
        listing = names.get(key)
        for vendor_id in sorted(v for v in counts[key] if v in vendor_ids):
            p = pay[(*key, vendor_id)]
            rows.append({
                "vendor_id": vendor_id, "vendor": p["vendor__name"], "tenant_id": key[0], "project_id": key[1],
                "tenant": listing.tenant_name if listing else None, "project": listing.name if listing else None,
                "accepted_annotations": p["accepted_annotations"], "revenue": shares[vendor_id],
                "worker_pay": p["worker_pay"], "margin": shares[vendor_id] - p["worker_pay"],
            })  # fmt: skip
    return rows


CSV_HEADER = ["section", "key", "metric", "value"]


def _csv_rows(report: dict):
    for metric, value in report["totals"].items():
        yield "totals", "project", metric, value
    for kind, figures in report["by_kind"].items():
        for metric, value in figures.items():
            yield "kind", kind, metric, value
    sections = [("source", "by_source", ("source",)), ("billed_tier", "by_billed_tier", ("tier",)),
                ("annotator_tier", "by_annotator_tier", ("tier",)), ("vendor", "by_vendor", ("vendor_id",)),
                ("annotator", "by_annotator", ("annotator_id",))]  # fmt: skip
    for section, field, key_fields in sections:
        for row in report[field]:
            key = "/".join(str(row[k]) for k in key_fields)
            for metric, value in row.items():
                if metric not in key_fields:
                    yield section, key, metric, value
    for metric, value in report["savings"].items():
        yield "savings", "project", metric, value


def project_report_csv(report: dict) -> str:
    """The report in long form (section, key, metric, value): every figure exactly as in the JSON."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for section, key, metric, value in _csv_rows(report):
        writer.writerow([section, key, metric, "" if value is None else value])
    return out.getvalue()
