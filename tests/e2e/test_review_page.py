"""The expert reviewer's adjudication page in a real browser: headless Chromium against the real Django server
(pytest-django's live_server) and PostgreSQL, through the real /api/v1/review/ endpoints. Two crowd annotators
disagree on two items through the real services, consensus escalates both, and the expert decides the first one
from the keyboard: a too-short reason is refused at the reason field (nothing typed is lost), a good one with
Ctrl+Enter is stored as an Adjudication and the second item follows. Same browser setup as
test_live_workspace.py (run from the repo root, see there). Screenshots go to artifacts/e2e/review-*.png.
"""

import pytest
from django.conf import settings

if not settings.configured:
    pytest.skip(
        "needs Django settings: run from the repo root with `-c pyproject.toml` (tests/e2e/pytest.ini has none)",
        allow_module_level=True,
    )
pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

from django.db import connection
from django_tenants.utils import tenant_context
from playwright.sync_api import Page, expect

from projects.models import Adjudication, Assignment, Consensus, Item, Project
from projects.services import adjudication, consensus
from projects.services.annotate import submit_annotation
from projects.services.distribution import next_task
from projects.services.ontology import save_ontology
from projects.services.project import create_project, transition_project
from tests.conftest import PASSWORD
from tests.e2e import test_live_workspace as live
from tests.e2e.harness.ontologies import ONTOLOGIES, SPAN_TEXT
from tests.e2e.helpers import select_text
from tests.e2e.recipes import span_of
from workforce.services import enroll_annotator, ensure_vendor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
# The live-server browser fixtures and the login helper of the workspace test, reused as they are.
live_browser, live_page, log_in = live.live_browser, live.live_page, live.log_in

EXPERT = "judge@experts.test"
SPAM_ONTOLOGY = {  # as tests/projects/conftest.py
    "task_type": "single_label",
    "labels": [
        {"name": "ham", "description": "a normal message", "colour": "#2e7d32", "hotkey": "1"},
        {"name": "spam", "description": "unsolicited advertising or scams", "colour": "#c62828", "hotkey": "2"},
    ],
    "guidelines": {"markdown": "# Spam or ham\nLabel **spam** for unsolicited offers."},
}
HOTKEY = {"ham": "1", "spam": "2"}
GOOD_REASON = "Prize offers from unknown numbers are spam, whatever the wording."


def people() -> tuple[list, object]:
    vendor = ensure_vendor(name="Review crowd")
    crowd = []
    for n in range(2):
        person = enroll_annotator(email=f"crowd{n}@review.test", vendor=vendor, tier="crowd")
        person.status = "active"
        person.save()
        crowd.append(person)
    expert = enroll_annotator(email=EXPERT, vendor=ensure_vendor(name="Experts"), tier="expert", is_reviewer=True,
                              password=PASSWORD)  # fmt: skip
    expert.status = "active"
    expert.save()
    return crowd, expert


def escalated_project(tenant, crowd, ontology, task_type, payloads, answers) -> tuple[Project, list[int]]:
    """An active project whose items every crowd annotator answered (answers[n] for annotator n) through the real
    distribution and submit services, then aggregated: the disagreement escalates each item to an expert.
    Returns the project and the review queue's item ids in order."""
    with tenant_context(tenant):
        project = create_project(name=f"Review {task_type}", task_type=task_type, user_id=None)
        save_ontology(project=project, definition=ontology, user_id=None)
        for n, payload in enumerate(payloads, start=1):
            Item.objects.create(project=project, external_id=f"{task_type}-{n}", payload=payload)
        Project.objects.filter(pk=project.pk).update(overlap_k=len(crowd), target_confidence=0.9,
                                                     calibration_items=0, gold_rate=0)  # fmt: skip
        transition_project(project_id=project.pk, to="active")
        touched = set()
        for person, value in zip(crowd, answers, strict=True):
            for _ in payloads:
                lease = next_task(project=Project.objects.get(pk=project.pk), annotator=person, tenant_id=tenant.id)
                assert isinstance(lease, Assignment), lease
                submit_annotation(assignment_id=lease.pk, annotator_id=person.pk, value=value, client_ms=1500)
                touched.add(lease.item_id)
        project.refresh_from_db()
        consensus.aggregate_items(project, sorted(touched))
        queue = [item.pk for item in adjudication.review_queue(project)]
        assert len(queue) == len(payloads), "every item should wait for an expert"
    connection.set_schema_to_public()
    return project, queue


def showing(page: Page, item_id: int) -> None:
    expect(page.locator("#review")).to_have_attribute("data-item", str(item_id))
    expect(page.locator("#review")).to_have_attribute("data-state", "item")


def test_expert_decides_an_escalated_item_from_the_keyboard_and_the_next_one_follows(
    committed_tenants, live_page, shot
):
    tenant = committed_tenants[0]
    crowd, expert = people()
    payloads = [{"text": "WIN a free cruise, reply YES"}, {"text": "Lunch at noon? Bring the slides."}]
    project, (first, second) = escalated_project(
        tenant, crowd, SPAM_ONTOLOGY, "single_label", payloads, [{"label": "spam"}, {"label": "ham"}]
    )
    with tenant_context(tenant):
        attempt = Consensus.objects.get(item_id=first).value  # the tie-break's pick, pre-filled on the page
    connection.set_schema_to_public()
    chosen = "ham" if attempt and attempt.get("label") == "spam" else "spam"  # the expert overrules it
    page = live_page
    review = f"/t/{tenant.slug}/review/{project.pk}/"

    log_in(page, EXPERT, then=review)
    expect(page.locator("#rv-waiting")).to_have_text("2")
    expect(page.locator("#rv-queue-list [data-item]")).to_have_count(2)
    showing(page, first)
    expect(page.locator("#rv-answers li")).to_have_count(2)
    expect(page.locator("#rv-answers")).to_contain_text("annotator 1")
    expect(page.locator("#rv-answers")).to_contain_text("spam")
    expect(page.locator("#rv-answers")).to_contain_text("ham")
    expect(page.locator("#rv-consensus")).to_contain_text("50%")
    if attempt:
        expect(page.locator(f'.label-btn[data-label="{attempt["label"]}"]')).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("j")
    showing(page, second)
    page.keyboard.press("k")
    showing(page, first)

    page.keyboard.press(HOTKEY[chosen])
    expect(page.locator(f'.label-btn[data-label="{chosen}"]')).to_have_attribute("aria-pressed", "true")
    page.locator("#rv-reason").click()
    page.keyboard.type("spammy")
    page.keyboard.press("Control+Enter")
    error = page.locator("#rv-reason-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("at least 10 characters")
    expect(page.locator("#rv-reason")).to_have_value("spammy")  # kept, and so is the answer
    expect(page.locator(f'.label-btn[data-label="{chosen}"]')).to_have_attribute("aria-pressed", "true")
    shot(page, "review-reason-refused")
    with tenant_context(tenant):
        assert not Adjudication.objects.exists()
    connection.set_schema_to_public()

    page.keyboard.press("Escape")  # leave the box; moving away and back keeps the typed reason and the answer
    page.keyboard.press("j")
    showing(page, second)
    expect(page.locator("#rv-reason")).to_have_value("")
    page.keyboard.press("k")
    showing(page, first)
    expect(page.locator("#rv-reason")).to_have_value("spammy")
    expect(page.locator(f'.label-btn[data-label="{chosen}"]')).to_have_attribute("aria-pressed", "true")

    page.locator("#rv-reason").fill(GOOD_REASON)
    expect(error).to_be_hidden()
    page.locator("#rv-reason").press("Control+Enter")
    showing(page, second)
    expect(page.locator("#rv-waiting")).to_have_text("1")
    expect(page.locator("#rv-queue-list [data-item]")).to_have_count(1)
    expect(page.locator("#rv-status")).to_contain_text(f"Decided item {first}")
    expect(page.locator("#rv-reason")).to_have_value("")
    shot(page, "review-next-item")

    with tenant_context(tenant):
        decision = Adjudication.objects.get()
        assert (decision.item_id, decision.value, decision.reason) == (first, {"label": chosen}, GOOD_REASON)
        assert decision.reviewer_id == expert.pk and len(decision.answers) == 2
        assert Item.objects.get(pk=first).status == "final"
        assert Item.objects.get(pk=second).status == "escalated"
        assert Consensus.objects.get(item_id=first).status == "adjudicated"
        # meanwhile another reviewer decides the second item: this page's decision on it is refused with a 409
        adjudication.adjudicate(project=project, item_id=second, reviewer=expert, value={"label": "ham"},
                                reason="A lunch invitation between colleagues.")  # fmt: skip
    connection.set_schema_to_public()
    page.keyboard.press("1")
    page.locator("#rv-reason").fill("Colleagues asking about lunch: ham.")
    page.keyboard.press("Control+Enter")
    notice = page.locator("#rv-notice")
    expect(notice).to_contain_text(f"Item {second} is already decided")
    expect(notice).to_contain_text("Colleagues asking about lunch: ham.")  # the typed reason is shown back
    expect(page.locator("#review")).to_have_attribute("data-state", "empty")
    expect(page.locator("#rv-waiting")).to_have_text("0")
    shot(page, "review-already-decided")
    with tenant_context(tenant):
        assert Adjudication.objects.count() == 2
    connection.set_schema_to_public()


def test_expert_corrects_the_spans_of_an_escalated_item(committed_tenants, live_page, shot):
    tenant = committed_tenants[0]
    crowd, _ = people()
    babbage, (s, e) = span_of("Charles Babbage", "PER")
    london, _ = span_of("London", "LOC")
    project, (item,) = escalated_project(
        tenant, crowd, ONTOLOGIES["spans"], "spans", [{"text": SPAN_TEXT}],
        [{"spans": [babbage]}, {"spans": [london | {"label": "ORG"}]}],
    )  # fmt: skip
    page = live_page

    log_in(page, EXPERT, then=f"/t/{tenant.slug}/review/{project.pk}/")
    showing(page, item)
    expect(page.locator("#rv-answers li")).to_have_count(2)
    while page.locator("mark.span").count():  # start afresh from whatever the consensus kept
        page.locator("mark.span").first.click()
    expect(page.locator("mark.span")).to_have_count(0)
    select_text(page, s, e)
    page.keyboard.press("p")
    expect(page.locator("mark.span")).to_have_count(1)
    page.locator("#rv-reason").fill("Babbage is a person; London was mistaken for an organisation.")
    shot(page, "review-spans")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#review")).to_have_attribute("data-state", "empty")
    expect(page.locator("#rv-waiting")).to_have_text("0")

    with tenant_context(tenant):
        decision = Adjudication.objects.get()
        assert decision.item_id == item
        assert decision.value == {"spans": [babbage | {"text": "Charles Babbage"}]}
        assert Item.objects.get(pk=item).status == "final"
    connection.set_schema_to_public()
