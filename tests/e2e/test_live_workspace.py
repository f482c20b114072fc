"""The real thing: headless Chromium against the real Django server (pytest-django's live_server) and a real
PostgreSQL tenant. An annotator logs in through the login form, labels one item of every task type with the
keyboard and the mouse, submits, and the test reads back what the database recorded. A client owner uploads a
JSONL file on the project page and sees the import appear (and a real Dramatiq worker finish it).

These tests need Django, so they cannot run under tests/e2e/pytest.ini (which exists so that the harness tests
run without it). Run them from the repository root with pyproject.toml as the ini file:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/labelhub_e2e DRAMATIQ_NAMESPACE=labelhub-e2e \\
        .venv/bin/pytest -c pyproject.toml tests/e2e/test_live_workspace.py -p no:cacheprovider

(without `-c pyproject.toml`, pytest picks tests/e2e/pytest.ini, Django is not configured and this module skips).
Screenshots of each real screen go to artifacts/e2e/live-<task_type>.png.
"""

import json
import shutil
import struct
import zlib
from pathlib import Path

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

from projects.models import Annotation, Item, Project
from projects.ontology.payloads import validate_payload
from projects.services.ontology import save_ontology
from projects.services.project import create_project, transition_project
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARGS, CHROMIUM, collect_js_errors
from tests.e2e.harness.ontologies import ONTOLOGIES, SPAN_TEXT
from tests.e2e.helpers import select_text
from tests.e2e.recipes import TYPES, draw, span_of
from workforce.services import enroll_annotator, ensure_vendor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ANNOTATOR_EMAIL = "live-annotator@vendor.test"
# An http(s) URL passes the payload validator; the browser never reaches this host: the page's requests to it
# are answered from memory with a PNG made below (see `live_page`).
IMAGE_URL = "http://images.labelhub.test/street-800x600.png"
CAR = (100, 300, 300, 420)  # x1, y1, x2, y2 in image pixels
PERSON = (500, 220, 560, 420)


# ---- a small PNG, made without any imaging library ---------------------------------------------------------
def street_png(width: int = 800, height: int = 600) -> bytes:
    """Sky, road, an orange car and a purple person: something worth drawing boxes on."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = bytearray()
    for y in range(height):
        row = bytearray((b"\xbb\xde\xfb" if y < 280 else b"\x9e\x9e\x9e") * width)
        for (x1, y1, x2, y2), colour in ((CAR, b"\xfb\x8c\x00"), (PERSON, b"\x8e\x24\xaa")):
            if y1 <= y < y2:
                row[x1 * 3 : x2 * 3] = colour * (x2 - x1)
        rows += b"\x00" + row
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b"")
    )


# ---- arranging the world -----------------------------------------------------------------------------------
PAYLOADS: dict[str, list[dict]] = {
    "single_label": [{"text": "What a wonderful little café, I will be back."}, {"text": "The service was slow."}],
    "multi_label": [{"text": "The minister opened a stadium with a new app."}, {"text": "A new vaccine."}],
    "spans": [{"text": SPAN_TEXT}, {"text": "Grace Hopper worked at Harvard."}],
    "boxes": [{"image": IMAGE_URL, "width": 800, "height": 600}, {"image": IMAGE_URL, "width": 800, "height": 600}],
    "pairwise": [
        {"prompt": "What is 2 + 2?", "response_a": "5, roughly.", "response_b": "4."},
        {"prompt": "Capital of France?", "response_a": "Paris.", "response_b": "Lyon."},
    ],
    "rating": [{"text": "Le chat est sur la table. → The cat is on the table."}, {"text": "Bonjour → Hello"}],
    "free_text": [
        {"prompt": "Summarise:", "text": "The meeting moved to Tuesday because of the rain."},
        {"prompt": "Summarise:", "text": "The office is closed on Friday."},
    ],
}


def make_live_project(tenant, task_type: str) -> tuple[Project, list[Item]]:
    """An active project of `task_type` with two items, no hidden gold and one annotator per item, so the
    workspace serves the first item first."""
    with tenant_context(tenant):
        project = create_project(name=f"Live {task_type}", task_type=task_type, user_id=None, gold_rate=0, overlap_k=1)
        save_ontology(project=project, definition=ONTOLOGIES[task_type], user_id=None)
        items = []
        for n, payload in enumerate(PAYLOADS[task_type], start=1):
            validate_payload(task_type, payload)  # only payloads a real import would accept
            items.append(Item.objects.create(project=project, external_id=f"{task_type}-{n}", payload=payload))
        project = transition_project(project_id=project.pk, to="active")
    connection.set_schema_to_public()
    return project, items


def enroll_live_annotator():
    annotator = enroll_annotator(
        email=ANNOTATOR_EMAIL, vendor=ensure_vendor(name="Live vendor"), tier="crowd", password=PASSWORD
    )
    annotator.status = "active"
    annotator.save()
    return annotator


# ---- the browser -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def live_browser():
    """Chromium for this module only. Playwright's sync API keeps an asyncio loop registered as running in the
    main thread while it is open, and Django refuses ORM calls from "async context" then; this test (and the
    transactional flush after it) must use the ORM with the browser open, so the check is switched off, for
    this module and no longer than its browser lives."""
    from playwright.sync_api import sync_playwright

    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as p:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_page(live_browser, live_server):
    """A fresh 1366x768 page on the live server; the street image is served from memory; any uncaught
    JavaScript error fails the test."""
    context = live_browser.new_context(viewport={"width": 1366, "height": 768}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    image = street_png()
    context.route(IMAGE_URL, lambda route: route.fulfill(status=200, content_type="image/png", body=image))
    tab = context.new_page()
    errors = collect_js_errors(tab)
    yield tab
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def log_in(page: Page, email: str, then: str) -> None:
    """Through the real login form, as a person would; lands on `then`."""
    page.goto(f"/accounts/login/?next={then}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{then}")


# ---- one item of each task type, labelled by hand: returns the value the database must hold ----------------
def label_single_label(page: Page) -> dict:
    page.locator('.label-btn[data-label="neutral"]').click()
    page.keyboard.press("2")  # the hotkey wins over the earlier click
    expect(page.locator('.label-btn[data-label="negative"]')).to_have_attribute("aria-pressed", "true")
    return {"label": "negative"}


def label_multi_label(page: Page) -> dict:
    page.keyboard.press("2")
    page.keyboard.press("t")
    page.locator('.label-btn[data-label="sports"]').click()
    expect(page.locator(".label-btn.selected")).to_have_count(3)
    return {"labels": ["sports", "politics", "tech"]}  # stored in ontology order, not in the order chosen


def label_spans(page: Page) -> dict:
    babbage, (s, e) = span_of("Charles Babbage", "PER")
    select_text(page, s, e)
    page.keyboard.press("p")
    london, (s, e) = span_of("London", "LOC")
    select_text(page, s, e)
    page.locator('.label-btn[data-label="LOC"]').click()
    expect(page.locator("mark.span")).to_have_count(2)
    # offsets in code points (the emoji counts once), and the server adds the covered text
    return {"spans": [babbage | {"text": "Charles Babbage"}, london | {"text": "London"}]}


def label_boxes(page: Page) -> dict:
    page.wait_for_function("document.querySelector('img.box-image')?.complete")
    assert page.evaluate("document.querySelector('img.box-image').naturalWidth") == 800, "the street image did not load"
    page.wait_for_function("document.querySelector('.box-canvas').style.width !== ''")  # scaled to the stage
    car = draw(page, *CAR, "car")  # the first label is current until another is chosen
    page.keyboard.press("Escape")  # deselect, so the next hotkey picks the label for new boxes
    page.keyboard.press("p")
    person = draw(page, *PERSON, "person")
    expect(page.locator(".box")).to_have_count(2)
    return {"boxes": [car, person]}


def label_pairwise(page: Page) -> dict:
    page.keyboard.press("b")
    page.locator("textarea.reason").click()
    page.keyboard.type("A is wrong; B is right.")
    page.keyboard.press("Escape")  # leave the box: Enter submits again
    return {"choice": "b", "reason": "A is wrong; B is right."}


def label_rating(page: Page) -> dict:
    page.locator('.scale-point[data-rating="2"]').click()
    page.keyboard.press("4")
    expect(page.locator(".scale-point.selected")).to_have_attribute("data-rating", "4")
    return {"rating": 4}


def label_free_text(page: Page) -> dict:
    page.keyboard.type("  Meeting moved to Tuesday (rain).  ")  # typing anywhere goes into the answer box
    return {"text": "Meeting moved to Tuesday (rain)."}  # stored stripped


LABEL = {
    "single_label": label_single_label,
    "multi_label": label_multi_label,
    "spans": label_spans,
    "boxes": label_boxes,
    "pairwise": label_pairwise,
    "rating": label_rating,
    "free_text": label_free_text,
}
SUBMIT_KEY = {"free_text": "Control+Enter"}  # in the answer box Enter is a new line


def assert_item_on_screen(page: Page, payload: dict) -> None:
    """Every text of the item's payload is on screen, and its image, if it has one, is the one shown."""
    for key, value in payload.items():
        if key == "image":
            expect(page.locator("#ws-task img")).to_have_attribute("src", value)
        elif isinstance(value, str):
            expect(page.locator("#ws-task")).to_contain_text(value)


def assert_same_boxes(recorded: list[dict], expected: list[dict], tolerance: int = 1) -> None:
    assert [b["label"] for b in recorded] == [b["label"] for b in expected], recorded
    for got, want in zip(recorded, expected, strict=True):
        for key in ("x", "y", "w", "h"):
            assert abs(got[key] - want[key]) <= tolerance, f"{key}: recorded {got}, drawn {want}"


# ---- tests ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("task_type", TYPES)
def test_annotator_logs_in_labels_an_item_by_hand_and_the_database_records_the_answer(
    task_type, committed_tenants, live_page, shot
):
    tenant = committed_tenants[0]
    project, (first, second) = make_live_project(tenant, task_type)
    annotator = enroll_live_annotator()
    workspace = f"/t/{tenant.slug}/work/{project.pk}/"

    log_in(live_page, ANNOTATOR_EMAIL, then=workspace)
    expect(live_page.locator("#workspace")).to_have_attribute("data-state", "task")
    expect(live_page.locator("#ws-item")).to_have_text(f"item {first.pk}")
    assert_item_on_screen(live_page, first.payload)

    expected = LABEL[task_type](live_page)
    shot(live_page, f"live-{task_type}")
    live_page.keyboard.press(SUBMIT_KEY.get(task_type, "Enter"))
    expect(live_page.locator("#ws-status")).to_have_text("Submitted · 1 this session")
    expect(live_page.locator("#ws-item")).to_have_text(f"item {second.pk}")  # the next item follows at once

    with tenant_context(tenant):
        annotation = Annotation.objects.select_related("ontology_version").get()
        project.refresh_from_db()
        assert annotation.item_id == first.pk
        assert annotation.annotator_id == annotator.pk
        if task_type == "boxes":
            assert_same_boxes(annotation.value["boxes"], expected["boxes"])
        else:
            assert annotation.value == expected
        assert annotation.ontology_version_id == project.current_ontology_id
        assert annotation.ontology_version.number == 1 and annotation.ontology_version.is_locked
        assert annotation.client_ms is not None and 0 < annotation.client_ms < 120_000, annotation.client_ms
        assert annotation.assignment.status == "submitted"
    connection.set_schema_to_public()


@pytest.mark.worker
def test_owner_uploads_a_jsonl_file_on_the_project_page_and_sees_the_import(
    committed_tenants, live_page, shot, dramatiq_worker, settings
):
    settings.STORAGE_DIR = dramatiq_worker.storage_dir  # the worker process reads the stored upload
    tenant = committed_tenants[0]
    with tenant_context(tenant):
        project = create_project(name="Live import", task_type="single_label", user_id=None)
        save_ontology(project=project, definition=ONTOLOGIES["single_label"], user_id=None)
    connection.set_schema_to_public()
    page_url = f"/t/{tenant.slug}/projects/{project.pk}/"
    lines = [{"external_id": f"up-{n}", "text": f"uploaded message {n}"} for n in range(3)]

    log_in(live_page, f"{tenant.slug}@x.test", then=page_url)  # committed_tenants' owner
    expect(live_page.locator("#imports tr[data-job]")).to_have_count(0)
    live_page.locator("#upload-file").set_input_files(
        {
            "name": "batch.jsonl",
            "mimeType": "application/x-ndjson",
            "buffer": "\n".join(json.dumps(line) for line in lines).encode(),
        }
    )
    live_page.get_by_role("button", name="Upload").click()

    job = live_page.locator("#imports tr[data-job]")
    expect(job).to_have_count(1)  # the page reloads with the new import listed
    expect(job).to_contain_text("upload jsonl")
    expect(job.locator(".st")).to_have_text("succeeded", timeout=30_000)  # polled, then reloaded when done
    expect(job.locator(".rec")).to_have_text("3")
    expect(live_page.locator("#upload-error")).to_have_text("")
    shot(live_page, "live-project-import")
    with tenant_context(tenant):
        assert sorted(Item.objects.filter(project=project).values_list("external_id", flat=True)) == [
            "up-0",
            "up-1",
            "up-2",
        ]
    connection.set_schema_to_public()
