"""Sending one message to one channel: Apprise URLs or signed JSON webhooks.

Errors are reported as short, secret-free strings (an HTTP status or an exception *type*): an
exception's text or a response body can echo the URL or its tokens, so neither is kept.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

from vigil.models import NotificationChannel

SIGNATURE_HEADER = "X-Vigil-Signature"
TIMESTAMP_HEADER = "X-Vigil-Timestamp"
USER_AGENT = "vigil-notify/1"


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class SendResult:
    ok: bool
    error: str | None = None


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, "<timestamp>." + body). Receivers recompute it
    over the raw body and reject old timestamps to stop replays."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


async def send_webhook(
    channel: NotificationChannel, message: Message, *, timeout_s: float
) -> SendResult:
    body = json.dumps(message.payload, separators=(",", ":"), default=str).encode("utf-8")
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: timestamp,
    }
    if channel.secret:
        headers[SIGNATURE_HEADER] = sign(channel.secret, timestamp, body)
    try:
        async with httpx.AsyncClient(timeout=timeout_s, follow_redirects=False) as client:
            response = await client.post(channel.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return SendResult(False, f"request failed: {type(exc).__name__}")
    if 200 <= response.status_code < 300:
        return SendResult(True)
    return SendResult(False, f"HTTP {response.status_code}")


async def send_apprise(
    channel: NotificationChannel, message: Message, *, timeout_s: float
) -> SendResult:
    import apprise

    notifier = apprise.Apprise()
    if not notifier.add(channel.url):
        return SendResult(False, "invalid Apprise URL")
    try:
        ok = await notifier.async_notify(body=message.body, title=message.title)
    except Exception as exc:  # a plugin bug must become a failed attempt, not a crash
        return SendResult(False, f"apprise error: {type(exc).__name__}")
    return SendResult(True) if bool(ok) else SendResult(False, "apprise reported failure")


async def send(channel: NotificationChannel, message: Message, *, timeout_s: float) -> SendResult:
    if channel.kind == "webhook":
        return await send_webhook(channel, message, timeout_s=timeout_s)
    return await send_apprise(channel, message, timeout_s=timeout_s)
