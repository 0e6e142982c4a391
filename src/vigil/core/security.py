"""API-key authentication. Keys are held only as SHA-256 digests and compared in constant time.

Keys come from two places: ``VIGIL_API_KEYS`` (settings) and, when the app has one, a key store
(``app.state.key_store``: the database keys created with ``vigil keys create``). With a key in
either place every ``/api`` route needs one. Wrong keys are counted per client IP; past
``auth_failure_limit`` failures in ``auth_failure_window_seconds`` that IP gets 429 for every
authenticated route until the window has passed (checked before the key, so the answer never
tells a guesser whether a guess was right).
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import time
from collections import OrderedDict, deque
from typing import Protocol

from fastapi import Request

from vigil.core.config import ApiKey, Settings, hash_api_key
from vigil.core.errors import Forbidden, Unauthorized, VigilError
from vigil.core.logging import get_logger
from vigil.core.session import SESSION_COOKIE, verify_session_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOCAL_ACTOR = "local"

log = get_logger("security")


class KeyStore(Protocol):
    """Where keys beyond ``VIGIL_API_KEYS`` come from (the database, in ``vigil.keys``)."""

    async def active_keys(self) -> tuple[ApiKey, ...]: ...

    async def mark_used(self, name: str) -> None: ...


class TooManyFailures(VigilError):
    status = 429
    code = "rate_limited"


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


def client_ip(request: Request, settings: Settings) -> str | None:
    """The caller's address. ``X-Forwarded-For`` is believed only when the direct peer is a
    configured trusted proxy; then the right-most untrusted hop is the client."""
    peer = request.client.host if request.client else None
    if peer is None or not settings.trusted_proxy_networks:
        return peer
    if not _is_trusted(peer, settings):
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, settings):
            return hop
    return hops[0] if hops else peer


def _is_trusted(address: str, settings: Settings) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.trusted_proxy_networks)


class AuthThrottle:
    """Failed-authentication counter per client IP (a sliding window, in process memory).

    Per process on purpose: it throttles guessing, it is not an account lock-out, and a restart
    resetting it is harmless. Memory is bounded by evicting the least recently failing IPs.
    """

    MAX_TRACKED = 10_000

    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, ip: str, now: float) -> deque[float] | None:
        stamps = self._failures.get(ip)
        if stamps is None:
            return None
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if not stamps:
            del self._failures[ip]
            return None
        return stamps

    def retry_after(self, ip: str) -> int | None:
        """Seconds until ``ip`` may try again, or None if it is not blocked."""
        now = time.monotonic()
        stamps = self._recent(ip, now)
        if stamps is None or len(stamps) < self.limit:
            return None
        return max(1, math.ceil(stamps[-self.limit] + self.window - now))

    def record_failure(self, ip: str) -> None:
        now = time.monotonic()
        stamps = self._recent(ip, now) or deque(maxlen=self.limit)
        stamps.append(now)
        self._failures[ip] = stamps
        self._failures.move_to_end(ip)
        while len(self._failures) > self.MAX_TRACKED:
            self._failures.popitem(last=False)


def auth_throttle(request: Request) -> AuthThrottle:
    state = request.app.state
    throttle: AuthThrottle | None = getattr(state, "auth_throttle", None)
    if throttle is None:
        settings: Settings = state.settings
        throttle = AuthThrottle(settings.auth_failure_limit, settings.auth_failure_window_seconds)
        state.auth_throttle = throttle
    return throttle


async def configured_keys(request: Request, settings: Settings) -> tuple[ApiKey, ...]:
    store: KeyStore | None = getattr(request.app.state, "key_store", None)
    stored = await store.active_keys() if store is not None else ()
    return settings.keys + stored


async def authenticate(request: Request, settings: Settings) -> str:
    """Return the actor name for this request, or raise 401/403/429. Without configured keys
    Vigil only listens on loopback (enforced by ``vigil serve``), and the actor is ``local``."""
    keys = await configured_keys(request, settings)
    if not keys:
        return LOCAL_ACTOR
    ip = client_ip(request, settings) or "unknown"
    throttle = auth_throttle(request)
    wait = throttle.retry_after(ip)
    if wait is not None:
        _auth_failed(request, ip, "rate_limited")
        raise TooManyFailures(
            f"too many failed API-key attempts from this address; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    secret = presented_key(request)
    if secret is None:
        # Dashboard pages call /api from the browser with their session cookie (core/session.py).
        cookie_key = session_cookie_key(request, settings, keys)
        if cookie_key is not None:
            if cookie_key.read_only and request.method not in SAFE_METHODS:
                _auth_failed(request, ip, "read_only_key", actor=cookie_key.name)
                raise Forbidden(f"API key {cookie_key.name!r} is read-only")
            return cookie_key.name
        # Not counted as a failure: a missing key guesses nothing (and clients without a key
        # would otherwise lock out their whole address).
        _auth_failed(request, ip, "missing_key")
        raise Unauthorized(
            "an API key is required (X-API-Key header or Authorization: Bearer)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    key = find_key(keys, secret)
    if key is None:
        throttle.record_failure(ip)
        _auth_failed(request, ip, "invalid_key")
        raise Unauthorized("invalid API key", headers={"WWW-Authenticate": "Bearer"})
    if key.read_only and request.method not in SAFE_METHODS:
        _auth_failed(request, ip, "read_only_key", actor=key.name)
        raise Forbidden(f"API key {key.name!r} is read-only")
    store: KeyStore | None = getattr(request.app.state, "key_store", None)
    if store is not None and key not in settings.keys:
        await store.mark_used(key.name)
    return key.name


def session_cookie_key(
    request: Request, settings: Settings, keys: tuple[ApiKey, ...]
) -> ApiKey | None:
    """The key behind a valid dashboard session cookie, or None. A state-changing call must also
    carry ``HX-Request`` or ``X-Requested-With`` (a cross-site form cannot set either): defence in
    depth on top of the cookie's ``SameSite=Strict``."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    if request.method not in SAFE_METHODS and not (
        request.headers.get("hx-request") or request.headers.get("x-requested-with")
    ):
        return None
    return verify_session_token(settings, token, keys)


def _auth_failed(request: Request, ip: str, reason: str, actor: str | None = None) -> None:
    """Log the refusal (never the presented secret) and leave the reason on the request for the
    audit trail, which records every refused mutating call."""
    request.state.auth_failure = reason
    # The named key behind a refused call (read-only key on a write), for the audit trail's actor.
    request.state.auth_failure_actor = actor
    log.warning(
        "security.auth_failed",
        reason=reason,
        client_ip=ip,
        method=request.method,
        path=request.url.path,
        actor=actor,
    )


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def require_api_key(request: Request) -> str:
    """Router-level dependency for everything under ``/api``: sets ``request.state.actor``."""
    actor = await authenticate(request, request.app.state.settings)
    request.state.actor = actor
    return actor
