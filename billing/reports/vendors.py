"""Margins for vendor managers: per vendor and client project, the vendor's share of the client's human revenue,
its workers' pay and the margin between them."""

from collections import defaultdict

from django.db.models import Sum

from billing.models import UsageEvent
from billing.reports.ledgers import ZERO, K, allocate, pay_rows, ratio
from workforce.models import PayEntry, ProjectListing


def vendor_margins(*, vendor_ids: list[int]) -> list[dict]:
    """Same allocation as the project report, so the figures agree with what the client's report shows. Rows in
    (tenant, project, vendor) order; only the given vendors' rows."""
    mine = PayEntry.objects.filter(vendor_id__in=vendor_ids)
    keys = set(mine.values_list("tenant_id", "project_id").distinct())
    if not keys:
        return []
    tenants, projects = {t for t, _ in keys}, {p for _, p in keys}
    counts = defaultdict(dict)
    pay = {}
    for r in pay_rows(PayEntry.objects.filter(tenant_id__in=tenants, project_id__in=projects),
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
            p, share = pay[(*key, vendor_id)], shares[vendor_id]
            rows.append({
                "vendor_id": vendor_id, "vendor": p["vendor__name"], "tenant_id": key[0], "project_id": key[1],
                "tenant": listing.tenant_name if listing else None, "project": listing.name if listing else None,
                "accepted_annotations": p["accepted_annotations"], "revenue": share, "worker_pay": p["worker_pay"],
                "margin": share - p["worker_pay"], "margin_share": ratio(share - p["worker_pay"], share) if share else None,
            })  # fmt: skip
    return rows
