"""API key format and hashing.

A key is `lh_<prefix>_<secret>`: the prefix (12 hex chars) is stored in clear to find the row; the secret
(32 random bytes) is stored only as SHA-256. A fast hash is right here because the secret has 256 bits of
entropy: there is nothing to brute-force, and a slow KDF would cost every API request tens of milliseconds.
"""

import hashlib
import hmac
import secrets

KEY_PREFIX = "lh_"


def new_key() -> tuple[str, str, str]:
    """Return (full key to show once, prefix to store, hash to store)."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"{KEY_PREFIX}{prefix}_{secret}", prefix, hash_secret(secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(raw: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed key, else None."""
    if not raw.startswith(KEY_PREFIX):
        return None
    prefix, sep, secret = raw[len(KEY_PREFIX) :].partition("_")
    if not sep or len(prefix) != 12 or not secret:
        return None
    return prefix, secret


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
