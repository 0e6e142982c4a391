"""API-key authentication. Keys are held only as SHA-256 digests and compared in constant time."""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import Request

from vigil.core.config import ApiKey, Settings, hash_api_key
from vigil.core.errors import Forbidden, Unauthorized

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOCAL_ACTOR = "local"


def find_key(keys: tuple[ApiKey, ...], presented: str) -> ApiKey | None:
    digest = hash_api_key(presented)
    match: ApiKey | None = None
    # Compare against every key so timing does not reveal which (or whether any) key matched.
    for key in keys:
        if hmac.compare_digest(key.digest, digest):
            match = key
    return match


def presented_key(request: Request) -> str | None:
    header = request.headers.get("x-api-key")
    if header:
        return header
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    return None


def authenticate(request: Request, settings: Settings) -> str:
    """Return the actor name for this request, or raise 401/403. Without configured keys Vigil
    only listens on loopback (enforced by ``vigil serve``), and the actor is ``local``."""
    if not settings.auth_enabled:
        return LOCAL_ACTOR
    secret = presented_key(request)
    if secret is None:
        raise Unauthorized(
            "an API key is required (X-API-Key header or Authorization: Bearer)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    key = find_key(settings.keys, secret)
    if key is None:
        raise Unauthorized("invalid API key", headers={"WWW-Authenticate": "Bearer"})
    if key.read_only and request.method not in SAFE_METHODS:
        raise Forbidden(f"API key {key.name!r} is read-only")
    return key.name


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def require_api_key(request: Request) -> str:
    """Router-level dependency for everything under ``/api``: sets ``request.state.actor``."""
    actor = authenticate(request, request.app.state.settings)
    request.state.actor = actor
    return actor
