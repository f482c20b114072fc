"""A loopback server for the workspace: the real template (rendered by a bare Django template engine), the real
static files, and a fake work API that hands out canned leases and records every request the page makes."""

import contextlib
import functools
import json
import re
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.template import Context, Engine

from tests.e2e.harness.ontologies import ONTOLOGIES, payloads

REPO = Path(__file__).resolve().parents[3]
STATIC = REPO / "frontend" / "static"
CSRF = "harness-csrf-token"
TYPES = {"js": "text/javascript", "css": "text/css", "png": "image/png", "html": "text/html; charset=utf-8"}

_engine = Engine(
    dirs=[str(REPO / "frontend" / "templates")],
    libraries={"static": "tests.e2e.harness.static_tags"},
    autoescape=True,
)


@functools.lru_cache(maxsize=8)
def png(width: int, height: int) -> bytes:
    """A width x height RGB gradient PNG, built by hand so the harness needs no imaging library."""
    rows = b"".join(
        b"\x00" + bytes(c for x in range(width) for c in (x * 255 // width, y * 255 // height, 160))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")


@dataclass
class Scenario:
    """What the fake API does for one page: the queue of items, replies to submits, delays for /next calls."""

    task_type: str
    queue: list[dict[str, Any]] = field(default_factory=list)
    submit_replies: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    next_delays: dict[int, float] = field(default_factory=dict)  # n-th /next call (1-based) -> seconds
    empty_reply: dict[str, Any] = field(
        default_factory=lambda: {"assignment": None, "reason": "no_work", "message": "All items are done. Thank you!"}
    )
    held: list[dict[str, Any]] = field(default_factory=list)


class FakeAPI:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.log: list[dict[str, Any]] = []
            self.scenarios: dict[str, Scenario] = {}
            self._ids = 100

    def scenario(self, name: str, task_type: str | None = None, items: int = 3, **kw: Any) -> Scenario:
        """Register a scenario; its assignments get ids 101, 102, ... in queue order."""
        task_type = task_type or name
        queue = []
        for payload in payloads(task_type)[:items]:
            self._ids += 1
            queue.append(assignment(self._ids, payload))
        self.scenarios[name] = Scenario(task_type=task_type, queue=queue, **kw)
        return self.scenarios[name]

    def calls(self, kind: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.log if kind is None or e["kind"] == kind]

    def handle(self, kind: str, scenario: Scenario, assignment_id: int | None, body: Any) -> tuple[int, Any]:
        with self.lock:
            entry = {"kind": kind, "assignment": assignment_id, "body": body, "done": False}
            self.log.append(entry)
            n = sum(1 for e in self.log if e["kind"] == kind)
        if kind == "next" and scenario.next_delays.get(n):
            time.sleep(scenario.next_delays[n])
        with self.lock:
            status, reply = self._reply(kind, scenario, assignment_id, body)
            entry["done"] = True
            entry["status"] = status
        return status, reply

    def _reply(self, kind: str, s: Scenario, assignment_id: int | None, body: Any) -> tuple[int, Any]:
        if kind == "next":
            exclude = set(body.get("exclude", []))
            for held in s.held:  # the real server returns a lease the annotator already holds
                if held["id"] not in exclude:
                    return 200, {"assignment": held}
            if s.queue and len(s.held) < 2:
                s.held.append(s.queue.pop(0))
                return 200, {"assignment": s.held[-1]}
            return 200, s.empty_reply
        held = next((a for a in s.held if a["id"] == assignment_id), None)
        if held is None:
            return 404, {"error": {"code": "not_found", "message": "no such assignment", "field": None}}
        if kind == "skip":
            s.held.remove(held)
            return 200, {}
        status, reply = s.submit_replies.pop(0) if s.submit_replies else (201, {"annotation_id": 1, "feedback": None})
        if status in (201, 409):
            s.held.remove(held)
        return status, reply


def assignment(assignment_id: int, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
    expires = (datetime.now(UTC) + timedelta(minutes=30)).isoformat()
    return {
        "id": assignment_id,
        "expires_at": expires,
        "item": {"id": assignment_id + 1000, "payload": payload},
        "ontology_version": 3,
        "kind": "task",
        "suggestion": None,
    } | extra


def render_page(name: str, task_type: str) -> bytes:
    ontology = ONTOLOGIES[task_type]
    context = {
        "tenant": SimpleNamespace(name="Acme"),
        "project": SimpleNamespace(
            name=f"Demo {task_type.replace('_', ' ')}", current_ontology=SimpleNamespace(number=3)
        ),
        "ontology": ontology,
        "guidelines_html": f"<p>{ontology['guidelines'].get('markdown', '')}</p>",
        "next_url": f"/t/acme/api/{name}/next/",
        "submit_url_template": f"/t/acme/api/{name}/assignments/ASSIGNMENT_ID/submit/",
        "skip_url_template": f"/t/acme/api/{name}/assignments/ASSIGNMENT_ID/skip/",
    }
    return _engine.get_template("frontend/workspace.html").render(Context(context)).encode()


API_RE = re.compile(r"^/t/acme/api/(?P<name>[\w-]+)/(?:next/|assignments/(?P<id>\d+)/(?P<kind>submit|skip)/)$")


def make_handler(api: FakeAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep pytest output clean
            pass

        def send(self, status: int, body: bytes, content_type: str, cookie: bool = False) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            if cookie:
                self.send_header("Set-Cookie", f"csrftoken={CSRF}; Path=/; SameSite=Lax")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the page navigated away mid-download
                self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if m := re.match(r"^/t/acme/work/([\w-]+)/$", path):
                scenario = api.scenarios.get(m[1])
                if scenario is None:
                    return self.send(404, b"no scenario", "text/plain")
                return self.send(200, render_page(m[1], scenario.task_type), TYPES["html"], cookie=True)
            if m := re.match(r"^/media/(\d+)x(\d+)\.png$", path):
                return self.send(200, png(int(m[1]), int(m[2])), TYPES["png"])
            if path.startswith("/static/"):
                file = (STATIC / path.removeprefix("/static/")).resolve()
                if file.is_relative_to(STATIC) and file.is_file():
                    return self.send(200, file.read_bytes(), TYPES.get(file.suffix[1:], "application/octet-stream"))
            self.send(404, b"not found", "text/plain")

        def do_POST(self) -> None:
            m = API_RE.match(self.path)
            scenario = api.scenarios.get(m["name"]) if m else None
            if scenario is None:
                return self.send(404, b"{}", "application/json")
            if self.headers.get("X-CSRFToken") != CSRF:
                return self.send(
                    403, b'{"error": {"code": "csrf", "message": "CSRF token missing"}}', "application/json"
                )
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            kind = m["kind"] or "next"
            status, reply = api.handle(kind, scenario, int(m["id"]) if m["id"] else None, body)
            self.send(status, json.dumps(reply).encode(), "application/json")

    return Handler


def serve() -> tuple[ThreadingHTTPServer, FakeAPI, str]:
    api = FakeAPI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(api))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, api, f"http://127.0.0.1:{server.server_address[1]}"
