"""A tiny fake of the Stripe API for tests: only the endpoints billing.stripe_sync calls.

Requests arrive form-encoded as the real `stripe` client sends them (`metadata[k]=v`, `line_items[0][...]=...`);
responses are JSON shaped like Stripe's. A repeated `Idempotency-Key` returns the first response unchanged (no new
object), as Stripe does. Every request is recorded. `signed_event` builds webhook payloads signed like Stripe's so
the real `stripe.Webhook.construct_event` check runs against them.
"""

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

_ids = itertools.count(1)

_PREFIX = {
    "/v1/customers": ("cus", "customer"),
    "/v1/invoiceitems": ("ii", "invoiceitem"),
    "/v1/checkout/sessions": ("cs_test", "checkout.session"),
    "/v1/billing_portal/sessions": ("bps", "billing_portal.session"),
}


def _nest(pairs: list[tuple[str, str]]) -> dict:
    """`a[b][0][c]=v` -> {"a": {"b": {"0": {"c": "v"}}}} (lists stay dicts keyed by index: enough for tests)."""
    out: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


class FakeStripe:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.objects: dict[str, list[dict]] = {path: [] for path in _PREFIX}
        self._idempotent: dict[str, tuple[int, dict]] = {}
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                status, payload = fake.handle(self.path, _nest(parse_qsl(body)), self.headers.get("Idempotency-Key"),
                                              self.headers.get("Authorization", ""))  # fmt: skip
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("Request-Id", f"req_{next(_ids)}")
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeStripe":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, path: str, params: dict, key: str | None, auth: str) -> tuple[int, dict]:
        with self._lock:
            self.requests.append({"path": path, "params": params, "idempotency_key": key})
            if not auth.startswith("Bearer sk_"):
                return 401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}}
            if path not in _PREFIX:
                return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL {path}"}}
            if key and key in self._idempotent:
                return self._idempotent[key]
            prefix, kind = _PREFIX[path]
            obj = {
                "id": f"{prefix}_{next(_ids)}",
                "object": kind,
                "livemode": False,
                "created": int(time.time()),
                "metadata": params.get("metadata", {}),
                **{k: v for k, v in params.items() if k != "metadata"},
            }
            if path == "/v1/checkout/sessions":
                obj["url"] = f"https://checkout.stripe.test/c/pay/{obj['id']}"
            elif path == "/v1/billing_portal/sessions":
                obj["url"] = f"https://billing.stripe.test/p/session/{obj['id']}"
            self.objects[path].append(obj)
            if key:
                self._idempotent[key] = (200, obj)
            return 200, obj


def signed_event(secret: str, event_type: str, obj: dict, *, event_id: str | None = None,
                 timestamp: int | None = None) -> tuple[bytes, str]:  # fmt: skip
    """A webhook body and its `Stripe-Signature` header (v1 = HMAC-SHA256(secret, "t.payload"))."""
    event = {"id": event_id or f"evt_{next(_ids)}", "object": "event", "type": event_type, "api_version": None,
             "created": int(time.time()), "data": {"object": obj}}  # fmt: skip
    payload = json.dumps(event).encode()
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={t},v1={mac}"
