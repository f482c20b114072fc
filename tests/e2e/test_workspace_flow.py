"""Undo, skip, a rejected answer, and prefetching, for every task type, through the real page in Chromium."""

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import open_workspace, showing, wait_calls
from tests.e2e.recipes import QUICK, SECOND, TYPES

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("task_type", TYPES)
def test_prefetched_task_appears_without_waiting_for_a_new_request(task_type, api, page, shot):
    api.scenario(task_type, next_delays={3: 1.5})  # the prefetch after the first submit answers slowly
    open_workspace(page, task_type)
    showing(page, 101)
    first_two = wait_calls(api, "next", 2)
    assert [c["body"] for c in first_two] == [{"exclude": []}, {"exclude": [101]}]

    expected = QUICK[task_type](page)
    page.keyboard.press("Control+Enter")
    started = time.monotonic()
    showing(page, 102)
    assert time.monotonic() - started < 1.0
    while len(api.calls("next")) < 3 and time.monotonic() - started < 1.0:  # the new prefetch is on its way
        time.sleep(0.01)
    nexts = api.calls("next")
    assert len(nexts) == 3
    assert not nexts[2]["done"], "item 102 was on screen before the third /next call was answered"
    assert nexts[2]["body"] == {"exclude": [102]}
    assert [c["kind"] for c in api.calls()] == ["next", "next", "submit", "next"]
    submit = api.calls("submit")[0]
    assert submit["assignment"] == 101
    assert submit["body"]["value"] == expected
    assert isinstance(submit["body"]["client_ms"], int) and submit["body"]["client_ms"] > 0
    shot(page, f"{task_type}-second-item")


@pytest.mark.parametrize("task_type", TYPES)
def test_undo_takes_back_the_last_change_only(task_type, api, page):
    api.scenario(task_type)
    open_workspace(page, task_type)
    expected = QUICK[task_type](page)
    SECOND[task_type](page)
    page.keyboard.press("Control+z")
    page.locator("#ws-submit").click()
    showing(page, 102)
    assert api.calls("submit")[0]["body"]["value"] == expected


@pytest.mark.parametrize("task_type", TYPES)
def test_skip_asks_for_a_reason_and_moves_on(task_type, api, page):
    api.scenario(task_type)
    open_workspace(page, task_type)
    page.keyboard.press("Escape")
    if page.locator("#ws-skip-dialog").is_hidden():  # free text: the first Esc leaves the answer box
        page.keyboard.press("Escape")
    expect(page.locator("#ws-skip-dialog")).to_be_visible()
    page.keyboard.press("3")
    page.keyboard.press("Enter")
    showing(page, 102)
    skips = api.calls("skip")
    assert [(s["assignment"], s["body"]) for s in skips] == [(101, {"reason": "broken"})]
    assert not api.calls("submit")


@pytest.mark.parametrize("task_type", TYPES)
def test_a_rejected_answer_stays_on_screen_with_the_message(task_type, api, page, shot):
    error = {"error": {"code": "invalid", "message": "that answer breaks a rule", "field": "value"}}
    api.scenario(task_type, submit_replies=[(400, error)])
    open_workspace(page, task_type)
    expected = QUICK[task_type](page)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#ws-task-error")).to_contain_text("that answer breaks a rule")
    shot(page, f"{task_type}-rejected")
    showing(page, 101)
    page.keyboard.press("Control+Enter")  # the same answer goes again, unchanged
    showing(page, 102)
    values = [c["body"]["value"] for c in api.calls("submit")]
    assert values == [expected, expected]
