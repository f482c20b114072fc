"""A tiny fake of the Stripe API for tests: only the endpoints billing.stripe_sync and billing.stripe_credit call.

Requests arrive form-encoded as the real `stripe` client sends them (`metadata[k]=v`, `line_items[0][...]=...`,
list filters in the query string); responses are JSON shaped like Stripe's. A repeated `Idempotency-Key` returns the
first response unchanged (no new object), as Stripe does, until the key is 24 h old on the fake's clock: `advance()`
moves that clock, so a test can outlive Stripe's idempotency window. Lists are newest first and page with
`limit` / `starting_after` / `has_more`. `fail()` makes matching requests answer 500 (optionally after doing the
work, i.e. a response lost on the way back). Every request is recorded. `signed_event` builds webhook payloads
signed like Stripe's so the real `stripe.Webhook.construct_event` check runs against them.
"""

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

_ids = itertools.count(1)

BALANCE_TXNS = "/v1/customers/*/balance_transactions"  # one collection for every customer's transactions
KEY_LIFETIME = 24 * 3600  # Stripe prunes idempotency keys once they are at least 24 hours old
MAX_PAGE = 100

_PREFIX = {
    "/v1/customers": ("cus", "customer"),
    "/v1/invoiceitems": ("ii", "invoiceitem"),
    "/v1/checkout/sessions": ("cs_test", "checkout.session"),
    "/v1/billing_portal/sessions": ("bps", "billing_portal.session"),
    BALANCE_TXNS: ("cbtxn", "customer_balance_transaction"),
}
_LISTABLE = {"/v1/invoiceitems", BALANCE_TXNS}
_CUSTOMER_PATH = re.compile(r"^/v1/customers/([^/]+)/balance_transactions$")


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


def _error(status: int, message: str, kind: str = "invalid_request_error") -> tuple[int, dict]:
    return status, {"error": {"type": kind, "message": message}}


def _created_matches(created: int, bounds: dict | str | None) -> bool:
    if bounds is None:
        return True
    if not isinstance(bounds, dict):
        return created == int(bounds)
    checks = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}
    return all(checks[op](created, int(value)) for op, value in bounds.items())


class FakeStripe:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.objects: dict[str, list[dict]] = {path: [] for path in _PREFIX}
        self._idempotent: dict[str, tuple[float, tuple[int, dict]]] = {}
        self._offset = 0.0
        self._failing: dict[str, bool] = {}
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _answer(self, status: int, payload: dict) -> None:
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("Request-Id", f"req_{next(_ids)}")
                if status >= 500:  # what Stripe says when a retry with the same key would not help
                    self.send_header("Stripe-Should-Retry", "false")
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                self._answer(*fake.handle("POST", self.path, _nest(parse_qsl(body)),
                                          self.headers.get("Idempotency-Key"), self.headers.get("Authorization", "")))  # fmt: skip

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                self._answer(*fake.handle("GET", url.path, _nest(parse_qsl(url.query)), None,
                                          self.headers.get("Authorization", "")))  # fmt: skip

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeStripe":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- test hooks ----------------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every request, object, idempotency key, failure and clock offset (a fresh Stripe account)."""
        with self._lock:
            self.requests.clear()
            for objects in self.objects.values():
                objects.clear()
            self._idempotent.clear()
            self._failing.clear()
            self._offset = 0.0

    def now(self) -> int:
        return int(time.time() + self._offset)

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward; idempotency keys older than 24 h on that clock are forgotten."""
        with self._lock:
            self._offset += seconds

    def fail(self, collection: str, *, processed: bool = False) -> None:
        """Answer 500 to POSTs on `collection` until `heal()`; with `processed`, after creating the object (the
        response is lost, the work is done)."""
        self._failing[collection] = processed

    def heal(self) -> None:
        self._failing.clear()

    def posts(self, collection: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST" and r["collection"] == collection]

    def customer(self, customer_id: str) -> dict:
        return next(c for c in self.objects["/v1/customers"] if c["id"] == customer_id)

    # --- requests ------------------------------------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict, key: str | None, auth: str) -> tuple[int, dict]:
        match = _CUSTOMER_PATH.match(path)
        collection, customer = (BALANCE_TXNS, match.group(1)) if match else (path, None)
        with self._lock:
            self.requests.append({"method": method, "path": path, "collection": collection, "params": params,
                                  "idempotency_key": key})  # fmt: skip
            if not auth.startswith("Bearer sk_"):
                return _error(401, "Invalid API Key provided")
            if collection not in _PREFIX or (method == "GET" and collection not in _LISTABLE):
                return _error(404, f"Unrecognized request URL ({method}: {path})")
            if customer is not None and not any(c["id"] == customer for c in self.objects["/v1/customers"]):
                return _error(404, f"No such customer: '{customer}'")
            if method == "GET":
                return 200, self._list(collection, path, params, customer)
            if collection in self._failing and not self._failing[collection]:
                return _error(500, "An unknown error occurred", "api_error")
            now = self.now()
            if key and key in self._idempotent and now - self._idempotent[key][0] < KEY_LIFETIME:
                response = self._idempotent[key][1]
            else:
                response = (200, self._create(collection, params, customer, now))
                if key:
                    self._idempotent[key] = (now, response)
            if collection in self._failing:
                return _error(500, "An unknown error occurred", "api_error")
            return response

    def _create(self, collection: str, params: dict, customer: str | None, now: int) -> dict:
        prefix, kind = _PREFIX[collection]
        obj = {
            "id": f"{prefix}_{next(_ids)}",
            "object": kind,
            "livemode": False,
            "created": now,
            "metadata": params.get("metadata", {}),
            **{k: v for k, v in params.items() if k != "metadata"},
        }
        if collection == "/v1/customers":
            obj["balance"] = 0
        elif collection == BALANCE_TXNS:
            owner = self.customer(customer)
            owner["balance"] += int(obj["amount"])
            obj.update(customer=customer, type="adjustment", ending_balance=owner["balance"])
        elif collection == "/v1/checkout/sessions":
            obj["url"] = f"https://checkout.stripe.test/c/pay/{obj['id']}"
        elif collection == "/v1/billing_portal/sessions":
            obj["url"] = f"https://billing.stripe.test/p/session/{obj['id']}"
        self.objects[collection].append(obj)
        return obj

    def _list(self, collection: str, path: str, params: dict, customer: str | None) -> dict:
        customer = customer or params.get("customer")
        rows = [o for o in reversed(self.objects[collection])  # newest first, as Stripe lists
                if (customer is None or o.get("customer") == customer)
                and _created_matches(o["created"], params.get("created"))]  # fmt: skip
        after = params.get("starting_after")
        if after:
            rows = rows[[o["id"] for o in rows].index(after) + 1 :]
        limit = min(int(params.get("limit") or 10), MAX_PAGE)
        return {"object": "list", "url": path, "has_more": len(rows) > limit, "data": rows[:limit]}


def signed_event(secret: str, event_type: str, obj: dict, *, event_id: str | None = None,
                 timestamp: int | None = None) -> tuple[bytes, str]:  # fmt: skip
    """A webhook body and its `Stripe-Signature` header (v1 = HMAC-SHA256(secret, "t.payload"))."""
    event = {"id": event_id or f"evt_{next(_ids)}", "object": "event", "type": event_type, "api_version": None,
             "created": int(time.time()), "data": {"object": obj}}  # fmt: skip
    payload = json.dumps(event).encode()
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={t},v1={mac}"


def use_fake(settings, server: FakeStripe, *, webhook_secret: str) -> FakeStripe:
    """Point billing at `server` (a fresh account) with a test key: the body of each test module's `fake` fixture."""
    settings.STRIPE_API_KEY = "sk_test_123"
    settings.STRIPE_WEBHOOK_SECRET = webhook_secret
    settings.STRIPE_API_BASE = server.url
    settings.BILLING_GRACE_DAYS = 14
    server.reset()
    return server
