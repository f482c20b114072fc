"""Webhook signatures, Django-free: a copy of the server's reference algorithm (projects/services/webhooks.py).

Header: `X-LabelHub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-LabelHub-Signature"


def sign_webhook(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value the server would send for `body` (useful to test a receiver)."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify_webhook(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """True when `header` signs the raw request `body` with `secret` and is at most `tolerance` seconds old.

    Pass the body exactly as received (bytes), before any JSON parsing."""
    if isinstance(body, str):
        body = body.encode()
    try:
        parts = dict(p.split("=", 1) for p in (header or "").split(","))
        t = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - t) > tolerance:
        return False
    expected = sign_webhook(secret, body, t).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
