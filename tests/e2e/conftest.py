"""Browser fixtures: headless Chromium (the Debian package) driven by Playwright against the loopback harness."""

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.harness.server import REPO, serve

CHROMIUM = os.environ.get("LABELHUB_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "artifacts" / "e2e"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def harness():
    server, api, base = serve()
    yield api, base
    server.shutdown()
    server.server_close()


@pytest.fixture
def api(harness):
    fake, _ = harness
    fake.reset()
    return fake


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright; never `playwright install`)")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, harness):
    """A fresh 1366x768 page; any uncaught JavaScript error fails the test."""
    _, base = harness
    context = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=base)
    context.set_default_timeout(5000)
    tab = context.new_page()
    errors = collect_js_errors(tab)
    yield tab
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def collect_js_errors(tab) -> list[str]:
    """Uncaught exceptions and console errors of a page (failed image loads excepted), for asserting none."""
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on(
        "console",
        lambda msg: (
            msg.type == "error" and not msg.text.startswith("Failed to load resource") and errors.append(msg.text)
        ),
    )
    return errors


@pytest.fixture
def shot():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return take
