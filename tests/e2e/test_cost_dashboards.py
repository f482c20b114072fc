"""Cost dashboards in a real browser: headless Chromium against the real Django server (pytest-django's live_server)
and PostgreSQL. A project is worked through the real services (tests/billing/savings_world.py: LLM pre-labels,
adaptive overlap, a gold answer, an adjudication); the client's owner reads the cost panel on the project page and
the vendor's manager the margins on the vendor console. What the pages show is checked against the APIs they read,
the bar charts are real SVG, and the "Download CSV" links give files whose totals match. Same browser setup as
test_live_workspace.py (run from the repo root with `-c pyproject.toml`, see there).
Screenshots go to artifacts/e2e/costs-*.png.
"""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings

if not settings.configured:
    pytest.skip(
        "needs Django settings: run from the repo root with `-c pyproject.toml` (tests/e2e/pytest.ini has none)",
        allow_module_level=True,
    )
pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

from django.utils import timezone
from playwright.sync_api import Page, expect

from billing.models import UsageEvent
from billing.services import set_budget, set_extra_price, set_price
from tests.billing import savings_world
from tests.conftest import PASSWORD
from tests.e2e import test_live_workspace as live
from workforce.services import add_vendor_manager, ensure_vendor
from workforce.services.pay import set_pay_rate

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
live_browser, live_page, log_in = live.live_browser, live.live_page, live.log_in


def money(value: str | None) -> str:
    """What charts.js `money` shows: 2 to 4 decimals, thousands separated."""
    if value is None:
        return "—"
    text = f"{Decimal(value):,.4f}"
    while text.endswith("0") and len(text.split(".")[1]) > 2:
        text = text[:-1]
    return text


def count(value) -> str:
    number = Decimal(str(value)).quantize(Decimal("0.01"))
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def seed(tenant) -> savings_world.World:
    """The price book of tests/billing/conftest.py, the savings world, a budget and one final label billed two
    days ago (so the spend chart has more than one day)."""
    set_price(task_type="single_label", tier="crowd", amount="0.1000")
    set_price(task_type="single_label", tier="expert", amount="0.5000")
    for kind, amount in (("local_prelabel", "0.0020"), ("llm_prelabel", "0.0100"), ("adjudication", "0.5000")):
        set_extra_price(kind=kind, amount=amount)
    set_pay_rate(tier="crowd", task_type="single_label", amount="0.0200")
    set_pay_rate(tier="expert", task_type="single_label", amount="0.0800")
    world = savings_world.build(tenant, password=PASSWORD)
    set_budget(tenant_id=tenant.id, project_id=world.project.pk, limit="10")
    UsageEvent.objects.filter(tenant_id=tenant.id, kind="final_label", source_id=world.human_items[0]).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    return world


def download_csv(page: Page, link, tmp_path, name: str) -> list[dict]:
    with page.expect_download() as download:
        link.click()
    path = tmp_path / name
    download.value.save_as(path)
    assert download.value.suggested_filename == name
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_owner_reads_the_cost_panel_and_downloads_the_csv(committed_tenants, live_page, shot, tmp_path):
    tenant = committed_tenants[0]
    world = seed(tenant)
    pk = world.project.pk
    log_in(live_page, f"{tenant.slug}@x.test", then=f"/t/{tenant.slug}/projects/{pk}/")
    report = live_page.request.get(f"/t/{tenant.slug}/api/v1/billing/reports/projects/{pk}/").json()
    totals, savings = report["totals"], report["savings"]
    assert (totals["revenue"], savings["adaptive_overlap"]["labels_saved"]["value"]) == ("0.8300", "4.00")

    tiles = live_page.locator("#costs-tiles")
    expect(tiles.locator('[data-figure="revenue"] .big')).to_have_text(money(totals["revenue"]))
    expect(tiles.locator('[data-figure="cost_per_final_label"] .big')).to_have_text(
        money(totals["cost_per_final_label"])
    )
    expect(tiles.locator('[data-figure="cost_per_accepted_label"] .big')).to_have_text(
        money(totals["cost_per_accepted_label"])
    )
    expect(tiles.locator('[data-figure="budget"] .big')).to_have_text("0.83 of 10.00")
    expect(tiles.locator('[data-figure="budget"] .why')).to_contain_text("available 9.17")
    for row in report["by_source"]:
        cells = live_page.locator(f'#costs-sources tr[data-key="{row["source"]}"] td')
        expect(cells).to_have_text([count(row["final_labels"]), money(row["revenue"]),
                                    money(row["cost_per_final_label"])])  # fmt: skip
    expect(live_page.locator('#costs-sources tr[data-key="llm"] th')).to_have_text("Pre-labels (LLM)")
    for key in ("prelabel", "adaptive_overlap", "total"):
        figures = savings[key]
        cells = live_page.locator(f'#costs-savings tr[data-key="{key}"] td')
        expect(cells).to_have_text([count(figures["labels_saved"]["value"]), money(figures["client_saved"]["value"]),
                                    money(figures["worker_pay_avoided"]["value"])])  # fmt: skip
    expect(live_page.locator('#costs-savings tr[data-key="adaptive_overlap"] td').first).to_have_attribute(
        "title", savings["adaptive_overlap"]["labels_saved"]["assumption"]
    )
    expect(live_page.locator("#costs-savings-notes")).to_contain_text("overlap max 4")

    # Spend per day: three days (the middle one empty) x the three kinds billed, one bar each.
    days = [d["day"] for d in report["by_day"]]
    assert len(days) == 2
    chart = live_page.locator("#costs-days svg.chart")
    expect(chart.locator("rect.bar")).to_have_count(3 * 3)
    first = chart.locator(f'rect.bar[data-series="final_label"][data-category="{days[0]}"]')
    expect(first.locator("title")).to_have_text(f"{days[0][5:]} · Human labels: 0.10")
    assert float(first.get_attribute("height")) > 0
    assert (
        float(chart.locator(f'rect.bar[data-series="adjudication"][data-category="{days[0]}"]').get_attribute("height"))
        == 0
    )
    expect(chart.locator("text.legend")).to_have_text(["Human labels", "Pre-labels", "Adjudication"])
    live_page.locator("#costs").scroll_into_view_if_needed()
    shot(live_page, "costs-project")

    rows = download_csv(
        live_page, live_page.get_by_role("link", name="Download CSV"), tmp_path, f"project-{pk}-costs.csv"
    )
    value = {(r["section"], r["key"], r["metric"]): r["value"] for r in rows}
    assert value[("totals", "project", "revenue")] == totals["revenue"]
    assert sum(Decimal(r["value"]) for r in rows if r["section"] == "day" and r["metric"] == "total") == Decimal(
        totals["revenue"]
    )
    assert value[("savings", "total", "worker_pay_avoided")] == savings["total"]["worker_pay_avoided"]["value"]


def test_vendor_manager_reads_margins_per_client_project_and_downloads_them(
    committed_tenants, live_page, shot, tmp_path
):
    tenant = committed_tenants[0]
    world = seed(tenant)
    add_vendor_manager(email=savings_world.MANAGER, vendor=ensure_vendor(name=savings_world.VENDOR), password=PASSWORD)
    log_in(live_page, savings_world.MANAGER, then="/vendor/")
    margins = live_page.request.get("/api/v1/vendor/margins/").json()["margins"]
    assert [(m["project"], m["revenue"]) for m in margins] == [(world.project.name, "0.8000")]  # all human revenue
    m = margins[0]
    assert Decimal(m["revenue"]) - Decimal(m["worker_pay"]) == Decimal(m["margin"])

    row = live_page.locator(f'#margins tbody tr[data-project="{tenant.id}/{world.project.pk}"]')
    expect(row.locator("td")).to_have_text([f"{m['tenant']} · {m['project']}", str(m["accepted_annotations"]),
                                            money(m["revenue"]), money(m["worker_pay"]), money(m["margin"]),
                                            f"{Decimal(m['margin_share']) * 100:.1f}%"])  # fmt: skip
    expect(live_page.locator("#margins tfoot tr td").nth(2)).to_have_text(money(m["revenue"]))
    bars = live_page.locator("#margins-chart svg.chart rect.bar")
    expect(bars).to_have_count(3)
    expect(bars.locator("title")).to_have_text([f"{m['tenant']} · {m['project']} · {name}: {money(m[key])}"
                                                for key, name in (("revenue", "Price"), ("worker_pay", "Pay"),
                                                                  ("margin", "Margin"))])  # fmt: skip
    live_page.locator("#margins").scroll_into_view_if_needed()
    shot(live_page, "costs-vendor-margins")

    lines = download_csv(live_page, live_page.locator("#margins-csv"), tmp_path, "vendor-margins.csv")
    assert [(r["project"], r["revenue"], r["worker_pay"], r["margin"]) for r in lines] == [
        (m["project"], m["revenue"], m["worker_pay"], m["margin"])
    ]
