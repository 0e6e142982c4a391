"""Notification channel shapes. URLs and secrets go in, never come out (only a masked form)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator

from vigil.core.schemas import ReadModel, StrictModel

ChannelKind = Literal["apprise", "webhook"]
CHANNEL_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$"


def mask_url(kind: str, url: str) -> str:
    """A recognisable but harmless form: Apprise URLs often carry tokens even in the host part,
    so only their scheme is shown; webhooks show scheme, host and port."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "***"
    if kind == "webhook" and parts.hostname:
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}/***"
    return f"{parts.scheme}://***" if parts.scheme else "***"


def _check_url(kind: str, url: str) -> None:
    if kind == "webhook":
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("a webhook url must be an http:// or https:// URL with a host")
        return
    import apprise

    if not apprise.Apprise().add(url):
        # Not echoing the URL: it may hold credentials.
        raise ValueError("url is not a valid Apprise URL (see the Apprise documentation)")


class ChannelCreate(StrictModel):
    name: str = Field(pattern=CHANNEL_NAME_PATTERN)
    kind: ChannelKind
    url: str = Field(min_length=3, max_length=4000, repr=False)
    # Webhooks only: the HMAC-SHA256 signing key.
    secret: str | None = Field(default=None, min_length=16, max_length=500, repr=False)
    enabled: bool = True

    @model_validator(mode="after")
    def _valid(self) -> ChannelCreate:
        _check_url(self.kind, self.url)
        if self.secret is not None and self.kind != "webhook":
            raise ValueError("secret is only used by webhook channels")
        return self


class ChannelUpdate(StrictModel):
    url: str | None = Field(default=None, min_length=3, max_length=4000, repr=False)
    secret: str | None = Field(default=None, min_length=16, max_length=500, repr=False)
    enabled: bool | None = None


class ChannelRead(ReadModel):
    id: uuid.UUID
    name: str
    kind: str
    url_masked: str
    has_secret: bool
    enabled: bool
    created_at: datetime
    updated_at: datetime


class NotificationTest(StrictModel):
    channel: str = Field(pattern=CHANNEL_NAME_PATTERN)
    message: str = Field(default="Test notification from Vigil", max_length=1000)


class NotificationTestResult(StrictModel):
    channel: str
    ok: bool
    error: str | None
