"""Webhooks: signed JSON deliveries to a client's URLs, retried with backoff, every attempt logged.

Signature header (like Stripe's): `X-LabelHub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
A receiver recomputes the HMAC over the raw body and refuses timestamps older than a few minutes (replays);
`verify_signature` is the reference implementation.
"""

import hashlib
import hmac
import secrets
import time
from urllib.parse import urlparse

import orjson
import urllib3
from django.db import transaction
from django.utils import timezone

from labelhub.errors import DomainError, NotFound
from projects.models import WebhookDelivery, WebhookEndpoint

EVENTS = ("dataset.ready", "dataset.failed", "dataset.export.ready", "dataset.export.failed")
MAX_ATTEMPTS = 6  # with the actor's backoff: about a minute of retries in total before giving up
TIMEOUT = urllib3.Timeout(connect=3, read=10)
_http = urllib3.PoolManager(retries=False, timeout=TIMEOUT)


def create_endpoint(*, url: str, events: list[str] | None = None, user_id: int | None = None) -> WebhookEndpoint:
    parsed = urlparse(url or "")
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise DomainError("url must be an http(s) URL", field="url", code="invalid_url")
    unknown = sorted(set(events or ()) - set(EVENTS))
    if unknown:
        raise DomainError(f"unknown event {unknown[0]!r}; events are {', '.join(EVENTS)}", field="events")
    return WebhookEndpoint.objects.create(
        url=url, secret="whsec_" + secrets.token_urlsafe(32), events=list(events or []), created_by_id=user_id
    )


def delete_endpoint(endpoint_id: int) -> None:
    if not WebhookEndpoint.objects.filter(pk=endpoint_id).update(is_active=False):
        raise NotFound(f"no webhook {endpoint_id}")


def emit(event: str, payload: dict) -> int:
    """Record a delivery per subscribed endpoint and send them after the current transaction commits."""
    endpoints = [e for e in WebhookEndpoint.objects.filter(is_active=True) if not e.events or event in e.events]
    if not endpoints:
        return 0
    body = {"event": event, "created_at": timezone.now().isoformat(), "data": payload}
    made = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=e, event=event, payload=body) for e in endpoints
    )
    from projects.actors import deliver_webhook

    for delivery in made:
        transaction.on_commit(lambda delivery_id=delivery.pk: deliver_webhook.send(delivery_id))
    return len(made)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify_signature(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        t = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - t) > tolerance:
        return False
    expected = sign(secret, body, t).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


class DeliveryFailed(RuntimeError):
    """Raised so the actor retries with backoff."""


def deliver(*, delivery_id: int) -> WebhookDelivery | None:
    """One attempt. 2xx: delivered. Anything else: logged, and retried by the actor until MAX_ATTEMPTS."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return delivery
    body = orjson.dumps(delivery.payload)
    headers = {
        "Content-Type": "application/json", "User-Agent": "LabelHub-Webhooks/1",
        "X-LabelHub-Event": delivery.event, "X-LabelHub-Delivery": str(delivery.pk),
        "X-LabelHub-Signature": sign(delivery.endpoint.secret, body),
    }  # fmt: skip
    delivery.attempts += 1
    try:
        reply = _http.request("POST", delivery.endpoint.url, body=body, headers=headers)
        delivery.last_status_code, delivery.last_error = reply.status, ""
        ok = 200 <= reply.status < 300
        if not ok:
            delivery.last_error = f"HTTP {reply.status}: {reply.data[:300].decode(errors='replace')}"
    except urllib3.exceptions.HTTPError as exc:
        ok, delivery.last_status_code, delivery.last_error = False, None, f"{type(exc).__name__}: {exc}"[:1000]
    if ok:
        delivery.status, delivery.delivered_at = WebhookDelivery.Status.DELIVERED, timezone.now()
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
    delivery.save()
    if delivery.status == WebhookDelivery.Status.PENDING:
        raise DeliveryFailed(f"delivery {delivery.pk} attempt {delivery.attempts}: {delivery.last_error}")
    return delivery
