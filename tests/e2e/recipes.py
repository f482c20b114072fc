"""For each task type: a quick keyboard answer (with the value the page must send) and a different second change,
so the same undo / skip / error / prefetch tests can run against every task type."""

from collections.abc import Callable

from playwright.sync_api import Page

from tests.e2e.harness.ontologies import SPAN_TEXT
from tests.e2e.helpers import Canvas, js_round, select_text

TYPES = ["single_label", "multi_label", "spans", "boxes", "pairwise", "rating", "free_text"]


def u16(text: str, code_points: int) -> int:
    """UTF-16 length of the first `code_points` characters (what the browser counts)."""
    return len(text[:code_points].encode("utf-16-le")) // 2


def span_of(word: str, label: str) -> tuple[dict, tuple[int, int]]:
    start = SPAN_TEXT.index(word)
    end = start + len(word)
    return {"start": start, "end": end, "label": label}, (u16(SPAN_TEXT, start), u16(SPAN_TEXT, end))


def draw(page: Page, x1: int, y1: int, x2: int, y2: int, label: str) -> dict:
    """Draw a box by mouse between two image points; returns the box the page must report."""
    canvas = Canvas(page, 800, 600)
    a, b = canvas.screen(x1, y1), canvas.screen(x2, y2)
    canvas.drag(a, b)
    (ix1, iy1), (ix2, iy2) = canvas.image(*a), canvas.image(*b)
    x, y = js_round(ix1), js_round(iy1)
    return {"x": x, "y": y, "w": js_round(ix2) - x, "h": js_round(iy2) - y, "label": label}


def _single(page: Page) -> dict:
    page.keyboard.press("2")
    return {"label": "negative"}


def _multi(page: Page) -> dict:
    page.keyboard.press("1")
    page.keyboard.press("t")
    return {"labels": ["sports", "tech"]}


def _spans(page: Page) -> dict:
    span, (s, e) = span_of("Charles Babbage", "PER")
    select_text(page, s, e)
    page.keyboard.press("p")
    return {"spans": [span]}


def _boxes(page: Page) -> dict:
    return {"boxes": [draw(page, 100, 100, 300, 250, "car")]}


def _pairwise(page: Page) -> dict:
    page.keyboard.press("a")
    page.locator("textarea.reason").click()
    page.keyboard.type("short reason")
    page.keyboard.press("Escape")
    return {"choice": "a", "reason": "short reason"}


def _rating(page: Page) -> dict:
    page.keyboard.press("4")
    return {"rating": 4}


def _free_text(page: Page) -> dict:
    page.keyboard.type("Moved to Tuesday.")
    return {"text": "Moved to Tuesday."}


QUICK: dict[str, Callable[[Page], dict]] = {
    "single_label": _single,
    "multi_label": _multi,
    "spans": _spans,
    "boxes": _boxes,
    "pairwise": _pairwise,
    "rating": _rating,
    "free_text": _free_text,
}


def _second_spans(page: Page) -> None:
    _, (s, e) = span_of("London", "LOC")
    select_text(page, s, e)
    page.keyboard.press("l")


def _second_free_text(page: Page) -> None:
    page.keyboard.press("Escape")  # leave the box, come back, rewrite, leave again: one editing session
    page.locator("textarea.answer").press("Control+a")
    page.keyboard.type("oops")
    page.keyboard.press("Escape")


SECOND: dict[str, Callable[[Page], None]] = {
    "single_label": lambda p: p.keyboard.press("n"),
    "multi_label": lambda p: p.keyboard.press("2"),
    "spans": _second_spans,
    "boxes": lambda p: draw(p, 400, 300, 500, 420, "car"),
    "pairwise": lambda p: p.keyboard.press("b"),
    "rating": lambda p: p.keyboard.press("1"),
    "free_text": _second_free_text,
}
