"""Each task type labelled the way a person would, with keys and the mouse, then submitted with Enter; the page must
send exactly the value shape the API expects. Screenshots of each screen go to artifacts/e2e/."""

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import Canvas, js_round, no_page_scroll, open_workspace, select_text, showing, wait_calls
from tests.e2e.recipes import draw, span_of

pytestmark = pytest.mark.e2e


def submitted(api) -> dict:
    calls = wait_calls(api, "submit", 1)
    assert len(calls) == 1, calls
    return calls[0]["body"]["value"]


def test_single_label_by_hotkey_and_click(api, page, shot):
    api.scenario("single_label")
    open_workspace(page, "single_label")
    page.keyboard.press("2")
    expect(page.locator('.label-btn[data-label="negative"]')).to_have_attribute("aria-pressed", "true")
    page.locator('.label-btn[data-label="neutral"]').click()
    page.keyboard.press("1")
    expect(page.locator('.label-btn[data-label="positive"]')).to_have_attribute("aria-pressed", "true")
    no_page_scroll(page)
    shot(page, "single_label")
    page.keyboard.press("Enter")
    showing(page, 102)
    assert submitted(api) == {"label": "positive"}


def test_multi_label_toggles_and_respects_the_maximum(api, page, shot):
    api.scenario("multi_label")
    open_workspace(page, "multi_label")
    for key in ["1", "2", "t"]:
        page.keyboard.press(key)
    page.locator('.label-btn[data-label="health"]').click()
    page.keyboard.press("Enter")
    expect(page.locator("#ws-task-error")).to_contain_text("at most 3")
    assert not api.calls("submit")
    page.keyboard.press("2")  # toggles politics off again
    no_page_scroll(page)
    shot(page, "multi_label")
    page.keyboard.press("Enter")
    showing(page, 102)
    assert submitted(api) == {"labels": ["sports", "tech", "health"]}


def test_spans_marked_by_mouse_selection_with_code_point_offsets(api, page, shot):
    api.scenario("spans")
    open_workspace(page, "spans")
    ada, (s, e) = span_of("Ada Lovelace", "PER")
    select_text(page, s, e)
    page.keyboard.press("p")
    london, (s, e) = span_of("London", "LOC")
    select_text(page, s, e)
    page.locator('.label-btn[data-label="LOC"]').click()
    _, (s, e) = span_of("met", "ORG")
    select_text(page, s, e)
    page.keyboard.press("o")
    page.locator("mark.span", has_text="met").click()  # a click on a span deletes it
    expect(page.locator("mark.span", has_text="met")).to_have_count(0)
    _, (s, e) = span_of("Lovelace", "ORG")
    select_text(page, s, e)
    page.keyboard.press("o")
    expect(page.locator("#ws-status")).to_contain_text("overlaps")
    page.keyboard.press("p")  # arm PER with nothing selected: the next selection is marked at once
    babbage, (s, e) = span_of("Charles Babbage", "PER")
    select_text(page, s, e)
    expect(page.locator("mark.span")).to_have_count(3)
    no_page_scroll(page)
    shot(page, "spans")
    page.keyboard.press("Enter")
    showing(page, 102)
    assert submitted(api) == {"spans": [ada, babbage, london]}
    assert ada["end"] < babbage["start"] and babbage["start"] == 19  # after the emoji: code points, not UTF-16


def test_boxes_drawn_moved_resized_relabelled_and_deleted_with_the_mouse(api, page, shot):
    api.scenario("boxes")
    open_workspace(page, "boxes")
    page.wait_for_function("document.querySelector('.box-image').complete")
    first = draw(page, 100, 100, 300, 250, "car")
    page.keyboard.press("Escape")  # deselect, so the next hotkey picks the label for new boxes
    page.keyboard.press("p")
    second = draw(page, 400, 200, 600, 400, "person")
    canvas = Canvas(page, 800, 600)

    # move the first box: press inside it and drag
    start = canvas.screen(first["x"] + 50, first["y"] + 50)
    canvas.drag(start, (start[0] + 40, start[1] + 15))
    first |= {"x": js_round(first["x"] + 40 / canvas.scale), "y": js_round(first["y"] + 15 / canvas.scale)}

    # resize the second: select it, then drag its bottom-right handle
    page.locator('.box[data-box="1"]').click()
    handle = page.locator(".handle.se").bounding_box()
    down = (round(handle["x"] + handle["width"] / 2), round(handle["y"] + handle["height"] / 2))
    target = canvas.screen(680, 470)
    canvas.drag(down, target)
    grow_x, grow_y = (target[0] - down[0]) / canvas.scale, (target[1] - down[1]) / canvas.scale
    second |= {
        "w": js_round(second["x"] + second["w"] + grow_x) - second["x"],
        "h": js_round(second["y"] + second["h"] + grow_y) - second["y"],
    }

    third = draw(page, 50, 450, 150, 550, "person")
    page.keyboard.press("c")  # relabels the selected (new) box
    expect(page.locator('.box[data-box="2"]')).to_have_attribute("data-label", "car")
    page.keyboard.press("Delete")
    expect(page.locator(".box")).to_have_count(2)
    assert third["w"] > 0
    no_page_scroll(page)
    shot(page, "boxes")
    page.keyboard.press("Enter")
    showing(page, 102)
    assert submitted(api) == {"boxes": [first, second]}


def test_boxes_on_an_image_that_fails_to_load_use_a_placeholder(api, page, shot):
    scenario = api.scenario("boxes")
    scenario.queue.insert(0, scenario.queue.pop())  # the missing 400x300 image first
    open_workspace(page, "boxes")
    placeholder = page.locator(".image-placeholder")
    expect(placeholder).to_be_visible()
    box = placeholder.bounding_box()
    assert abs(box["width"] / box["height"] - 4 / 3) < 0.02
    canvas = Canvas(page, 400, 300)
    a, b = canvas.screen(40, 30), canvas.screen(200, 150)
    canvas.drag(a, b)
    (x1, y1), (x2, y2) = canvas.image(*a), canvas.image(*b)
    shot(page, "boxes-placeholder")
    page.keyboard.press("Enter")
    expected = {
        "x": js_round(x1),
        "y": js_round(y1),
        "w": js_round(x2) - js_round(x1),
        "h": js_round(y2) - js_round(y1),
        "label": "car",
    }
    assert submitted(api) == {"boxes": [expected]}


def test_pairwise_needs_a_reason_when_the_project_says_so(api, page, shot):
    api.scenario("pairwise")
    open_workspace(page, "pairwise")
    page.locator('[data-choice="b"]').click()
    page.keyboard.press("Enter")
    expect(page.locator("#ws-task-error")).to_contain_text("reason")
    assert not api.calls("submit")
    expect(page.locator("textarea.reason")).to_be_focused()
    page.keyboard.type("B is more accurate")
    page.keyboard.press("Escape")
    page.keyboard.press("t")
    expect(page.locator('[data-choice="tie"]')).to_have_class("label-btn choice selected")
    page.keyboard.press("a")
    no_page_scroll(page)
    shot(page, "pairwise")
    page.keyboard.press("Enter")
    showing(page, 102)
    assert submitted(api) == {"choice": "a", "reason": "B is more accurate"}


def test_rating_by_click_arrow_and_digit(api, page, shot):
    api.scenario("rating")
    open_workspace(page, "rating")
    expect(page.locator('[data-rating="1"]')).to_contain_text("poor")
    page.keyboard.press("5")
    page.locator('[data-rating="2"]').click()
    page.keyboard.press("ArrowRight")
    expect(page.locator('[data-rating="3"]')).to_have_class("label-btn scale-point selected")
    no_page_scroll(page)
    shot(page, "rating")
    page.keyboard.press("Enter")
    showing(page, 102)
    assert submitted(api) == {"rating": 3}


def test_free_text_keeps_enter_for_new_lines_and_checks_the_length(api, page, shot):
    api.scenario("free_text")
    open_workspace(page, "free_text")
    page.locator("textarea.answer").click()
    page.keyboard.type("too short")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#ws-task-error")).to_contain_text("at least 10")
    assert not api.calls("submit")
    page.keyboard.press("Control+a")
    page.keyboard.type("Rain moved it")
    page.keyboard.press("Enter")
    page.keyboard.type("to Tuesday.  ")
    no_page_scroll(page)
    shot(page, "free_text")
    page.keyboard.press("Control+Enter")
    showing(page, 102)
    assert submitted(api) == {"text": "Rain moved it\nto Tuesday."}
