"""Dashboard sessions: an HMAC-signed token in an HttpOnly cookie, never the API key itself.

Token: ``v1.<key name, base64url>.<expiry, unix seconds>.<signature, base64url>``. The signature
is HMAC-SHA256 over the first three parts plus the key's stored SHA-256 digest, keyed by
``VIGIL_SESSION_SECRET`` or, when that is unset, by a secret derived from the digests of every
active key (settings and database keys), which only holders of all keys could compute. Binding
the key's digest means a token dies when its key is revoked or rotated; without a configured
secret, adding or revoking any key also ends every session (sign in again).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

from vigil.core.config import ApiKey, Settings

SESSION_COOKIE = "vigil_session"
_VERSION = "v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _secret(settings: Settings, keys: tuple[ApiKey, ...]) -> bytes:
    if settings.session_secret:
        return settings.session_secret.encode("utf-8")
    # Identical in every process that sees the same keys; unknowable without all of them.
    material = b"".join(sorted(key.digest for key in keys))
    return hashlib.sha256(b"vigil-session-v1\x00" + material).digest()


def _signature(settings: Settings, keys: tuple[ApiKey, ...], unsigned: str, key: ApiKey) -> str:
    mac = hmac.new(_secret(settings, keys), unsigned.encode("ascii") + key.digest, hashlib.sha256)
    return _b64(mac.digest())


def issue_session_token(
    settings: Settings, keys: tuple[ApiKey, ...], key: ApiKey, *, now: float | None = None
) -> str:
    expires = int((now if now is not None else time.time()) + settings.session_max_age_seconds)
    unsigned = f"{_VERSION}.{_b64(key.name.encode('utf-8'))}.{expires}"
    return f"{unsigned}.{_signature(settings, keys, unsigned, key)}"


def verify_session_token(
    settings: Settings, token: str, keys: tuple[ApiKey, ...], *, now: float | None = None
) -> ApiKey | None:
    """The key a valid, unexpired token was issued for; ``None`` for anything else."""
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != _VERSION:
        return None
    _, name_part, expires_part, signature = parts
    try:
        name = _unb64(name_part).decode("utf-8")
        expires = int(expires_part)
    except (ValueError, binascii.Error):
        return None
    if expires < (now if now is not None else time.time()):
        return None
    key = next((k for k in keys if k.name == name), None)
    if key is None:
        return None
    expected = _signature(settings, keys, f"{_VERSION}.{name_part}.{expires_part}", key)
    return key if hmac.compare_digest(expected, signature) else None
