"""Savings measured on the project's own data (tests/billing/savings_world.py: real services, real tenant schema):
labels saved by pre-labels and adaptive overlap, the client's money and the worker pay they avoided, each figure
with its assumption. Expected figures are worked out here from the counts and straight from the pay ledger."""

import csv
import io
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.models import UsageEvent
from billing.reports import project_report, project_report_csv
from billing.reports.savings import NO_PAY
from projects.services.project import create_project
from tests.billing import savings_world
from workforce.models import PayEntry

pytestmark = pytest.mark.django_db


def exact(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@pytest.fixture
def world(tenant_a, price_book):
    return savings_world.build(tenant_a)


def pay_history(tenant, project) -> tuple[Decimal, int]:
    """Net pay and accepted annotations, straight from the pay ledger."""
    entries = PayEntry.objects.filter(tenant_id=tenant.id, project_id=project.pk)
    net = entries.aggregate(total=Sum("amount"))["total"]
    return net, entries.filter(kind="base").count() - entries.filter(kind="base_reversal").count()


def report_of(tenant, project) -> dict:
    return project_report(tenant_id=tenant.id, project_id=project.pk)


def test_adaptive_overlap_saves_the_answers_items_did_not_need_up_to_the_maximum(tenant_a, world):
    net, accepted = pay_history(tenant_a, world.project)
    base = PayEntry.objects.filter(project_id=world.project.pk, kind="base").aggregate(total=Sum("amount"))["total"]
    assert accepted == 9 and base == Decimal("0.1800")  # 8 task answers and 1 gold answer at 0.02 each
    savings = report_of(tenant_a, world.project)["savings"]
    adaptive = savings["adaptive_overlap"]
    # 3 human-final items x overlap max 4, minus the 2 + 2 + 4 task answers they got (the gold answer is no task)
    assert adaptive["labels_saved"]["value"] == Decimal("4.00")
    assert "3 human-final items x overlap max 4" in adaptive["labels_saved"]["assumption"]
    assert adaptive["worker_pay_avoided"]["value"] == exact(4 * net / 9)
    assert adaptive["client_saved"]["value"] == 0  # the client pays per final label, not per answer
    assert savings["mean_pay_per_annotation"]["value"] == exact(net / 9)


def test_prelabels_save_the_measured_mean_of_human_answers_per_item(tenant_a, world):
    net, _ = pay_history(tenant_a, world.project)
    savings = report_of(tenant_a, world.project)["savings"]
    prelabel = savings["prelabel"]
    assert prelabel["final_labels"]["value"] == 3
    assert prelabel["annotations_per_item"]["value"] == exact(Decimal(8) / 3)  # adaptive: measured, 8 over 3 items
    assert prelabel["labels_saved"]["value"] == Decimal("8.00")  # 3 items x 8/3
    assert prelabel["human_price_equivalent"]["value"] == Decimal("0.3000")  # 3 x 0.10 per final label
    assert prelabel["billed"]["value"] == Decimal("0.0300")  # 3 x the LLM pre-label price 0.01
    assert prelabel["client_saved"]["value"] == Decimal("0.2700")
    assert prelabel["worker_pay_avoided"]["value"] == exact(8 * net / 9)
    total = savings["total"]
    assert (total["labels_saved"]["value"], total["client_saved"]["value"]) == (Decimal("12.00"), Decimal("0.2700"))
    assert total["worker_pay_avoided"]["value"] == exact(8 * net / 9) + exact(4 * net / 9)
    for block in ("prelabel", "adaptive_overlap", "total"):
        for name, f in savings[block].items():
            assert isinstance(f.get("assumption"), str) and len(f["assumption"]) > 10, (block, name, f)


def test_sources_follow_the_backend_that_made_each_prelabel(tenant_a, world):
    report = report_of(tenant_a, world.project)
    sources = {r["source"]: (r["final_labels"], r["revenue"]) for r in report["by_source"]}
    # human: 3 final labels x 0.10 plus one adjudication at 0.50; the three pre-labels came from the LLM
    assert sources == {"human": (3, Decimal("0.8000")), "llm": (3, Decimal("0.0300")), "model": (0, Decimal("0"))}
    assert report["totals"]["revenue"] == Decimal("0.8300") == sum(r["revenue"] for r in report["by_source"])


@pytest.mark.parametrize(("mode", "per_item"), [("fixed", 3), ("adaptive", 4)])
def test_without_human_work_savings_assume_the_overlap_and_leave_pay_unknown(tenant_a, price_book, mode, per_item):
    project = savings_world.build_prelabel_only(tenant_a, overlap_mode=mode, overlap_k=3, overlap_min=2,
                                                overlap_max=4)  # fmt: skip
    savings = report_of(tenant_a, project)["savings"]
    prelabel, adaptive = savings["prelabel"], savings["adaptive_overlap"]
    assert prelabel["annotations_per_item"]["value"] == per_item  # fixed: k; adaptive without history: the max
    assert prelabel["labels_saved"]["value"] == Decimal(2 * per_item)
    assert prelabel["worker_pay_avoided"] == {"value": None, "reason": NO_PAY}
    assert (
        savings["mean_pay_per_annotation"]["value"] is None and savings["total"]["worker_pay_avoided"]["value"] is None
    )
    assert adaptive["labels_saved"]["value"] == 0
    if mode == "fixed":
        assert (
            adaptive["worker_pay_avoided"]["value"] == 0 and "fixed overlap" in adaptive["labels_saved"]["assumption"]
        )
    else:
        assert adaptive["worker_pay_avoided"] == {"value": None, "reason": NO_PAY}


def test_the_csv_carries_each_saving_with_its_assumption(tenant_a, world):
    rows = list(csv.DictReader(io.StringIO(project_report_csv(report_of(tenant_a, world.project)))))
    saved = next(r for r in rows if (r["section"], r["key"], r["metric"]) == ("savings", "adaptive_overlap",
                                                                             "labels_saved"))  # fmt: skip
    assert Decimal(saved["value"]) == 4 and "overlap max 4" in saved["note"]
    assert {r["key"] for r in rows if r["section"] == "source"} == {"human", "llm", "model"}


def test_the_api_reports_savings_and_spend_per_day_inside_its_tenant(api, tenant_a, tenant_b, owner_of, world):
    first = world.human_items[0]
    two_days_ago = timezone.now() - timedelta(days=2)
    UsageEvent.objects.filter(tenant_id=tenant_a.id, kind="final_label", source_id=first).update(
        created_at=two_days_ago
    )
    api.force_authenticate(owner_of(tenant_a))
    body = api.get(f"/t/{tenant_a.slug}/api/v1/billing/reports/projects/{world.project.pk}/").json()
    assert body["savings"]["adaptive_overlap"]["labels_saved"]["value"] == "4.00"
    zero = "0.0000"
    assert body["by_day"] == [
        {"day": two_days_ago.date().isoformat(), "final_label": "0.1000", "adjudication": zero, "prelabel": zero,
         "audit": zero, "total": "0.1000"},
        {"day": timezone.now().date().isoformat(), "final_label": "0.2000", "adjudication": "0.5000",
         "prelabel": "0.0300", "audit": zero, "total": "0.7300"},
    ]  # fmt: skip
    assert sum(Decimal(d["total"]) for d in body["by_day"]) == Decimal(body["totals"]["revenue"])

    with tenant_context(tenant_b):  # tenant B's own project, very likely under the same id: its figures only
        other = create_project(name="B's", task_type="single_label", user_id=None, overlap_k=2)
    connection.set_schema_to_public()
    api.force_authenticate(owner_of(tenant_b))
    theirs = api.get(f"/t/{tenant_b.slug}/api/v1/billing/reports/projects/{other.pk}/").json()
    assert theirs["by_day"] == [] and theirs["totals"]["revenue"] == zero
    assert (
        "fixed overlap: every item gets exactly 2"
        in theirs["savings"]["adaptive_overlap"]["labels_saved"]["assumption"]
    )
    assert api.get(f"/t/{tenant_a.slug}/api/v1/billing/reports/projects/{world.project.pk}/").status_code == 403
