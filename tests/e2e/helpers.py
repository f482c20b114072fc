"""Small page helpers shared by the workspace tests."""

import math
import time

from playwright.sync_api import Page, expect


def open_workspace(page: Page, name: str) -> None:
    page.goto(f"/t/acme/work/{name}/")
    expect(page.locator("#workspace")).to_have_attribute("data-state", "task")


def showing(page: Page, assignment_id: int) -> None:
    expect(page.locator("#workspace")).to_have_attribute("data-assignment", str(assignment_id))


def wait_calls(api, kind: str, count: int, timeout: float = 5.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        calls = api.calls(kind)
        if len(calls) >= count and all(c["done"] for c in calls[:count]):
            return calls
        time.sleep(0.02)
    raise AssertionError(f"expected {count} {kind} call(s), got {api.calls(kind)}")


def select_text(page: Page, start: int, end: int) -> None:
    """Drag the mouse across UTF-16 offsets start..end of the span text, like a person selecting a phrase."""
    first, last = page.evaluate(
        """([start, end]) => {
            const el = document.querySelector('.span-text');
            const rectAt = (i) => {
                const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
                let n, seen = 0;
                while ((n = walker.nextNode())) {
                    if (i < seen + n.length) {
                        const r = document.createRange(); r.setStart(n, i - seen); r.setEnd(n, i - seen + 1);
                        const b = r.getBoundingClientRect(); return [b.left, b.right, b.top + b.height / 2];
                    }
                    seen += n.length;
                }
            };
            return [rectAt(start), rectAt(end - 1)];
        }""",
        [start, end],
    )
    page.mouse.move(first[0] + 1, first[2])
    page.mouse.down()
    page.mouse.move((first[0] + last[1]) / 2, last[2], steps=3)
    page.mouse.move(last[1] - 1, last[2], steps=2)
    page.mouse.up()


def js_round(v: float) -> int:
    return math.floor(v + 0.5)


class Canvas:
    """Maps image pixels to whole screen pixels on the boxes canvas, and predicts what the page will record."""

    def __init__(self, page: Page, width: int, height: int):
        box = page.locator(".box-canvas").bounding_box()
        self.page, self.left, self.top, self.scale = page, box["x"], box["y"], box["width"] / width
        self.width, self.height = width, height

    def screen(self, x: float, y: float) -> tuple[int, int]:
        return round(self.left + x * self.scale), round(self.top + y * self.scale)

    def image(self, sx: int, sy: int) -> tuple[float, float]:
        return (sx - self.left) / self.scale, (sy - self.top) / self.scale

    def drag(self, a: tuple[int, int], b: tuple[int, int]) -> None:
        self.page.mouse.move(*a)
        self.page.mouse.down()
        self.page.mouse.move((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, steps=2)
        self.page.mouse.move(*b, steps=2)
        self.page.mouse.up()


def no_page_scroll(page: Page) -> None:
    size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= 1366 and size[1] <= 768, f"page scrolls at 1366x768: {size}"
