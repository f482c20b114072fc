"""The vendor console in a real browser: headless Chromium against the real Django server (pytest-django's
live_server) and PostgreSQL, through the real /api/v1/vendor/ endpoints. A manager logs in, sees their vendor's
annotators, opens one, reads the accuracy chart, resumes a paused project, settles a dispute, creates a payout
and downloads its CSV. Same browser setup as test_live_workspace.py (run from the repo root, see there).
Screenshots go to artifacts/e2e/vendor-*.png.
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

from tests.conftest import PASSWORD
from tests.e2e import test_live_workspace as live
from workforce.models import Dispute, GoldScore, PayEntry, Payout, ProjectListing, Qualification, QualityEvent
from workforce.services import add_vendor_manager, enroll_annotator, ensure_vendor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
# The live-server browser fixtures and the login helper of the workspace test, reused as they are.
live_browser, live_page, log_in = live.live_browser, live.live_page, live.log_in

MANAGER = "manager@acme-annotation.test"
ALICE, BOB, STRANGER = "alice@acme-annotation.test", "bob@acme-annotation.test", "carol@other-vendor.test"
TENANT, PAUSED_PROJECT, OK_PROJECT = 7001, 11, 12
# Alice's hidden-gold answers per day (days ago -> correct, seen): she slips, then the project pauses her.
GOLD_DAYS = {6: (9, 10), 5: (8, 10), 4: (7, 10), 3: (5, 10), 2: (4, 10)}


def ago(days: float):
    return timezone.now() - timedelta(days=days)


def seed() -> dict:
    """Two annotators of the manager's vendor (Alice with a gold history, a paused project and pay; Bob with pay
    and an open dispute) and one of another vendor who must not appear."""
    vendor = ensure_vendor(name="Acme Annotation")
    add_vendor_manager(email=MANAGER, vendor=vendor, password=PASSWORD)
    alice = enroll_annotator(email=ALICE, vendor=vendor, tier="crowd", password=PASSWORD)
    bob = enroll_annotator(email=BOB, vendor=vendor, tier="trained", password=PASSWORD)
    enroll_annotator(email=STRANGER, vendor=ensure_vendor(name="Other vendor"), tier="crowd")
    for n, name in ((PAUSED_PROJECT, "Street scenes"), (OK_PROJECT, "Reviews sentiment")):
        ProjectListing.objects.create(tenant_id=TENANT, tenant_slug="acme", tenant_name="Acme Corp", project_id=n,
                                      name=name, task_type="single_label", min_tier="crowd", status="active")  # fmt: skip

    annotation = iter(range(1, 10_000))
    seen = sum(s for _, s in GOLD_DAYS.values())
    correct = sum(c for c, _ in GOLD_DAYS.values())
    for days, (right, total) in GOLD_DAYS.items():
        for k in range(total):
            score = GoldScore.objects.create(annotator=alice, tenant_id=TENANT, project_id=PAUSED_PROJECT,
                                             item_id=k, annotation_id=next(annotation), kind="gold",
                                             score=float(k < right), correct=k < right)  # fmt: skip
            GoldScore.objects.filter(pk=score.pk).update(created_at=ago(days))  # auto_now_add: backdate after
    alice.gold_seen, alice.gold_correct, alice.status = seen, correct, "active"
    alice.save()
    Qualification.objects.create(annotator=alice, tenant_id=TENANT, project_id=PAUSED_PROJECT, status="paused",
                                 status_reason="gold accuracy 0.40 below the floor 0.80", calibration_score=0.9,
                                 gold_seen=10, gold_correct=4, gold_seen_total=seen, gold_correct_total=correct,
                                 labels=400, time_ms_total=1_600_000)  # fmt: skip
    Qualification.objects.create(annotator=alice, tenant_id=TENANT, project_id=OK_PROJECT, status="qualified",
                                 calibration_score=1.0, labels=50, time_ms_total=150_000)  # fmt: skip
    QualityEvent.objects.create(annotator=alice, tenant_id=TENANT, project_id=PAUSED_PROJECT, kind="paused_quality",
                                message="gold accuracy 0.40 below the floor 0.80",
                                figures={"gold_seen": 10, "gold_correct": 4, "floor": 0.8})  # fmt: skip

    pay = {alice: [Decimal("0.0500")] * 4, bob: [Decimal("0.0800")] * 3}
    for person, amounts in pay.items():
        for amount in amounts:
            entry = PayEntry.objects.create(annotator=person, vendor=vendor, tenant_id=TENANT, project_id=OK_PROJECT,
                                            annotation_id=next(annotation), kind="base", tier=person.tier,
                                            task_type="single_label", amount=amount)  # fmt: skip
            PayEntry.objects.filter(pk=entry.pk).update(created_at=ago(1))
    dispute = Dispute.objects.create(
        annotator=bob, tenant_id=TENANT, project_id=OK_PROJECT, reason="my label was right"
    )
    Dispute.objects.filter(pk=dispute.pk).update(created_at=ago(0.5))  # raised inside the period paid below
    return {"alice": alice, "bob": bob, "dispute": dispute}


def annotator_row(page: Page, email: str):
    return page.locator("#annotators tbody tr", has_text=email)


def test_manager_reviews_an_annotator_resumes_a_project_and_pays_the_vendor(live_page, shot, tmp_path):
    world = seed()
    alice, bob = world["alice"], world["bob"]
    log_in(live_page, MANAGER, then="/vendor/")

    rows = live_page.locator("#annotators tbody tr")
    expect(rows).to_have_count(2)
    expect(live_page.locator("#annotators")).not_to_contain_text(STRANGER)
    expect(annotator_row(live_page, ALICE)).to_contain_text("66.0% (")  # 33/50 with its Wilson interval
    expect(annotator_row(live_page, ALICE)).to_contain_text("paused on 1 project(s)")
    expect(annotator_row(live_page, BOB)).to_contain_text("—")  # no gold yet, no consensus agreement yet
    expect(live_page.get_by_role("link", name="Vendor console")).to_be_visible()
    expect(live_page.locator("#disputes tbody tr[data-dispute]")).to_have_count(1)
    shot(live_page, "vendor-console")

    annotator_row(live_page, ALICE).get_by_role("button", name=ALICE).click()
    detail = live_page.locator("#detail")
    expect(detail).to_be_visible()
    expect(live_page.locator("#detail-title")).to_have_text(ALICE)
    paused = live_page.locator(f'#standings tr[data-project="{TENANT}/{PAUSED_PROJECT}"]')
    expect(paused).to_contain_text("Street scenes")
    expect(paused).to_contain_text("gold accuracy 0.40 below the floor 0.80")
    expect(paused).to_contain_text("40.0% (")  # the window
    expect(live_page.locator("#events")).to_contain_text("gold_seen=10")
    line = live_page.locator("#chart svg path.line")
    expect(line).to_have_count(1)
    assert line.get_attribute("d").count("L") == len(GOLD_DAYS) - 1  # one vertex per day
    expect(live_page.locator("#chart svg path.band")).to_have_count(1)
    expect(live_page.locator("#chart svg circle.dot")).to_have_count(len(GOLD_DAYS))
    expect(live_page.locator("#promote-tier option:not([hidden])")).to_have_count(2)  # trained, expert
    shot(live_page, "vendor-detail")

    paused.get_by_role("button", name="Resume on Acme Corp · Street scenes").click()
    expect(paused.locator(".badge")).to_have_text("qualified")
    expect(paused.get_by_role("button")).to_have_count(0)
    standing = Qualification.objects.get(annotator=alice, project_id=PAUSED_PROJECT)
    assert (standing.status, standing.gold_seen, standing.gold_seen_total) == ("qualified", 0, 50)
    detail_api = live_page.request.get(f"/api/v1/vendor/annotators/{alice.pk}/").json()
    assert {p["project_id"]: p["status"] for p in detail_api["projects"]} == {
        PAUSED_PROJECT: "qualified",
        OK_PROJECT: "qualified",
    }
    expect(annotator_row(live_page, ALICE)).not_to_contain_text("paused on")

    # An open dispute blocks the payout: the API's refusal is shown, then the manager settles it and pays.
    live_page.get_by_role("button", name="Create payout").click()
    expect(live_page.locator("#notice")).to_be_visible()
    expect(live_page.locator("#notice-text")).to_contain_text(
        f"settle the open disputes first (ids {world['dispute'].pk})"
    )
    shot(live_page, "vendor-payout-refused")
    dispute = live_page.locator(f'#disputes tr[data-dispute="{world["dispute"].pk}"]')
    expect(dispute).to_contain_text(BOB)
    dispute.get_by_role("button", name="Accept").click()  # without a resolution: the API says which field
    expect(live_page.locator("#notice-text")).to_contain_text("(resolution)")
    dispute.get_by_label(f"Resolution of dispute {world['dispute'].pk}").fill("Checked: the label was right.")
    dispute.get_by_role("button", name="Accept").click()
    expect(dispute.locator(".badge")).to_have_text("accepted")
    expect(live_page.locator("#notice")).to_be_hidden()

    live_page.get_by_role("button", name="Create payout").click()
    expect(live_page.locator("#payout-result")).to_contain_text("7 entries for 2 annotator(s), 0.44 USD")
    payout = Payout.objects.get()
    row = live_page.locator(f'#payouts tr[data-payout="{payout.pk}"]')
    expect(row).to_contain_text("0.44 USD")
    expect(annotator_row(live_page, BOB).locator("td").nth(11)).to_have_text("0.00")  # nothing unpaid now
    shot(live_page, "vendor-payout")

    with live_page.expect_download() as download:
        row.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == f"payout-{payout.pk}.csv"
    path = tmp_path / "payout.csv"
    download.value.save_as(path)
    lines = list(csv.DictReader(io.StringIO(path.read_text())))
    assert [(r["email"], r["labels"], Decimal(r["net"])) for r in lines] == [
        (ALICE, "4", Decimal("0.2")),
        (BOB, "3", Decimal("0.24")),
    ]
    assert {r["payout_id"] for r in lines} == {str(payout.pk)} and {r["currency"] for r in lines} == {"USD"}
    assert not PayEntry.objects.filter(payout__isnull=True).exists()
    assert Dispute.objects.get().status == "accepted" and bob.pay_entries.count() == 3


def test_manager_pauses_and_promotes_through_the_detail_panel(live_page, shot):
    world = seed()
    bob = world["bob"]
    log_in(live_page, MANAGER, then="/vendor/")
    annotator_row(live_page, BOB).get_by_role("button", name=BOB).click()
    expect(live_page.locator("#resume")).to_be_disabled()

    live_page.get_by_role("button", name="Pause…").click()
    live_page.get_by_label("Reason").fill("on leave this week")
    shot(live_page, "vendor-pause-dialog")
    live_page.locator("#pause-dialog").get_by_role("button", name="Pause", exact=True).click()
    expect(live_page.locator("#events li").first).to_contain_text("on leave this week")
    expect(live_page.locator("#resume")).to_be_enabled()
    expect(annotator_row(live_page, BOB)).to_contain_text("paused by manager")
    bob.refresh_from_db()
    assert bob.status == "paused"

    live_page.locator("#resume").click()
    expect(live_page.locator("#resume")).to_be_disabled()
    bob.refresh_from_db()
    assert bob.status == "active"

    live_page.locator("#promote-tier").select_option("expert")
    live_page.get_by_role("button", name="Promote").click()
    expect(live_page.locator("#detail-summary")).to_contain_text("tier expert")
    expect(live_page.locator("#promote")).to_be_disabled()  # nothing above expert
    bob.refresh_from_db()
    assert bob.tier == "expert"
    shot(live_page, "vendor-promoted")


def test_annotator_home_shows_own_quality_earnings_and_the_paused_mark(live_page, shot):
    seed()
    log_in(live_page, ALICE, then="/work/")
    paused = live_page.locator(f'#listings tr[data-project="{TENANT}/{PAUSED_PROJECT}"]')
    expect(paused.locator(".badge")).to_have_text("paused")
    expect(paused.get_by_role("link", name="Start")).to_have_count(0)
    expect(live_page.locator(f'#listings tr[data-project="{TENANT}/{OK_PROJECT}"]').get_by_role("link")).to_have_text(
        "Start"
    )
    quality = live_page.locator("#my-quality tbody tr")
    expect(quality).to_have_count(2)
    expect(quality.first).to_contain_text("Acme Corp · Street scenes")
    expect(quality.first).to_contain_text("gold accuracy 0.40 below the floor 0.80")
    expect(quality.first).to_contain_text("66.0% of 50")
    expect(live_page.locator('#my-earnings-totals dd[data-figure="unpaid"]')).to_have_text("0.20")
    expect(live_page.locator('#my-earnings-totals dd[data-figure="paid"]')).to_have_text("0.00")
    expect(live_page.locator("#my-earnings tbody tr")).to_contain_text("Reviews sentiment")
    expect(live_page.locator("#notice")).to_be_hidden()
    expect(live_page.get_by_role("link", name="Vendor console")).to_have_count(0)
    shot(live_page, "annotator-home")
