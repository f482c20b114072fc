"""The workspace's other screens: no work, a lost lease, calibration feedback, help, suggestions, drafts."""

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import no_page_scroll, open_workspace, showing, wait_calls

pytestmark = pytest.mark.e2e


def test_no_work_screen_shows_the_servers_message_and_can_check_again(api, page, shot):
    api.scenario(
        "single_label",
        items=0,
        empty_reply={"assignment": None, "reason": "paused", "message": "The project is paused by its owner."},
    )
    page.goto("/t/acme/work/single_label/")
    expect(page.locator("#ws-empty")).to_be_visible()
    expect(page.locator("#ws-empty-message")).to_have_text("The project is paused by its owner.")
    expect(page.locator("#ws-empty-title")).to_have_text("Work is on hold")
    no_page_scroll(page)
    shot(page, "no-work")
    page.locator("#ws-empty-retry").click()
    wait_calls(api, "next", 2)
    assert not api.calls("submit")


def test_a_lost_lease_shows_the_answer_before_moving_on(api, page, shot):
    lost = {"error": {"code": "lease_lost", "message": "Your lease on this item expired", "field": None}}
    api.scenario("single_label", submit_replies=[(409, lost)])
    open_workspace(page, "single_label")
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    notice = page.locator("#ws-notice")
    expect(notice).to_contain_text("Your lease on this item expired")
    expect(notice).to_contain_text("negative")
    shot(page, "lease-lost")
    showing(page, 101)
    page.keyboard.press("Enter")
    showing(page, 102)
    expect(notice).to_be_hidden()
    assert len(api.calls("submit")) == 1


def test_calibration_feedback_is_shown_when_the_answer_was_wrong(api, page, shot):
    progress = {"status": "calibrating", "attempt": 2, "attempts": 2, "answered": 3, "correct": 2, "needed": 5,
                "pass_mark": 0.8, "score": 0.4}  # fmt: skip
    feedback = {"correct": False, "gold": {"label": "positive"}, "explanation": "Praise for the café is approving.",
                "calibration": progress}  # fmt: skip
    scenario = api.scenario("single_label", submit_replies=[(201, {"annotation_id": 9, "feedback": feedback})])
    scenario.queue[0]["kind"] = "calibration"
    open_workspace(page, "single_label")
    expect(page.locator("#ws-kind")).to_be_visible()
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    notice = page.locator("#ws-notice")
    expect(notice).to_contain_text("Expected: positive")
    expect(notice).to_contain_text("Praise for the café is approving.")
    expect(notice).to_contain_text("Calibration 3/5, 2 correct (pass mark 80%) · attempt 2 of 2.")
    shot(page, "calibration-feedback")
    page.keyboard.press("Enter")
    showing(page, 102)
    expect(page.locator("#ws-kind")).to_be_hidden()


def test_correct_calibration_answer_moves_on_with_a_note(api, page):
    api.scenario(
        "single_label",
        submit_replies=[
            (201, {"annotation_id": 9, "feedback": {"correct": True, "gold": {"label": "negative"}, "explanation": "",
                                                    "calibration": {"status": "qualified", "score": 0.8, "pass_mark": 0.8,
                                                                    "attempt": 1, "attempts": 2, "answered": 5,
                                                                    "correct": 4, "needed": 5}}})
        ],
    )  # fmt: skip
    open_workspace(page, "single_label")
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    showing(page, 102)
    expect(page.locator("#ws-status")).to_contain_text("Correct")
    expect(page.locator("#ws-status")).to_contain_text("Calibration passed (80%): real tasks start now.")


def test_help_overlay_lists_the_keys_and_guidelines_fold_away(api, page, shot):
    api.scenario("spans")
    open_workspace(page, "spans")
    page.keyboard.press("?")
    help_box = page.locator("#ws-help")
    expect(help_box).to_be_visible()
    for text in ["Ctrl+Z", "Esc (or s)", "PER", "Click a highlight"]:
        expect(help_box).to_contain_text(text)
    shot(page, "help")
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()
    page.keyboard.press("/")
    expect(page.locator("#ws-guidelines")).to_be_hidden()
    shot(page, "guidelines-closed")
    page.locator("#ws-guidelines-toggle").click()
    expect(page.locator("#ws-guidelines")).to_be_visible()
    assert not api.calls("skip")


def test_an_answer_in_progress_survives_a_reload(api, page):
    api.scenario("multi_label")
    open_workspace(page, "multi_label")
    page.keyboard.press("2")
    page.keyboard.press("t")
    page.reload()
    open_workspace(page, "multi_label")  # the server hands back the lease already held
    showing(page, 101)
    expect(page.locator(".label-btn.selected")).to_have_count(2)
    page.keyboard.press("Enter")
    showing(page, 102)
    assert api.calls("submit")[0]["body"]["value"] == {"labels": ["politics", "tech"]}


def test_a_model_suggestion_is_prefilled_and_marked(api, page, shot):
    scenario = api.scenario("single_label")
    scenario.queue[0]["suggestion"] = {"value": {"label": "neutral"}, "confidence": 0.82}
    open_workspace(page, "single_label")
    expect(page.locator(".suggestion-note")).to_contain_text("82%")
    expect(page.locator('.label-btn[data-label="neutral"]')).to_have_attribute("aria-pressed", "true")
    shot(page, "suggestion")
    page.keyboard.press("Enter")
    showing(page, 102)
    assert api.calls("submit")[0]["body"]["value"] == {"label": "neutral"}


def test_a_server_error_keeps_the_answer_for_a_retry(api, page):
    api.scenario("rating", submit_replies=[(500, {"error": {"code": "server", "message": "boom"}})])
    open_workspace(page, "rating")
    page.keyboard.press("4")
    page.keyboard.press("Enter")
    expect(page.locator("#ws-status")).to_contain_text("Your answer is kept")
    showing(page, 101)
    page.keyboard.press("Enter")
    showing(page, 102)
    assert [c["body"]["value"] for c in api.calls("submit")] == [{"rating": 4}, {"rating": 4}]
