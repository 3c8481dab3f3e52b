"""Signatures of webhook deliveries: HMAC-SHA256 over ``timestamp + "." + body``.

Headers of every delivery::

    X-Syncgql-Event: RUN_FINISHED                 the event kind
    X-Syncgql-Delivery: 4f1c…                     the delivery id (the same on every retry)
    X-Syncgql-Timestamp: 1764650000               epoch seconds of this attempt
    X-Syncgql-Signature: v1=<hex HMAC-SHA256>     over "<timestamp>.<raw body>" with the secret

The timestamp is inside the signed text, so a receiver that refuses timestamps older than a
few minutes refuses replays too; the delivery id lets it drop a retry it already processed.
``v1=`` names the scheme, so a later one can be sent beside it during a key rotation.
"""

from __future__ import annotations

import hashlib
import hmac
import time

__all__ = [
    "DELIVERY_HEADER",
    "EVENT_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "sign",
    "signed_headers",
    "verify",
]

EVENT_HEADER = "X-Syncgql-Event"
DELIVERY_HEADER = "X-Syncgql-Delivery"
TIMESTAMP_HEADER = "X-Syncgql-Timestamp"
SIGNATURE_HEADER = "X-Syncgql-Signature"
SCHEME = "v1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value: ``v1=`` and the hex HMAC-SHA256 of ``timestamp.body``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SCHEME}={mac.hexdigest()}"


def signed_headers(
    secret: str | None, *, event: str, delivery_id: str, body: bytes, now: float | None = None
) -> dict[str, str]:
    """The headers of one attempt (no signature header when the webhook has no secret)."""
    timestamp = int(time.time() if now is None else now)
    headers = {
        "Content-Type": "application/json",
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery_id,
        TIMESTAMP_HEADER: str(timestamp),
    }
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
    return headers


def verify(
    secret: str,
    body: bytes,
    timestamp: str,
    signature: str,
    *,
    tolerance: float = 300.0,
    now: float | None = None,
) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent.

    The same steps as the README's snippet; comparing in constant time.
    """
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance:
        return False
    expected = sign(secret, sent, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in signature.split(","))
