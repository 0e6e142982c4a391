"""Per-client token buckets for browser-log ingestion.

In memory, per process: each API process limits on its own (N processes admit up to N times
the rate). That is enough to stop one browser or script from flooding the ``logs`` table, which
is the point; it is not a global quota. Buckets of idle clients are evicted (least recently
used) so memory stays bounded however many addresses appear.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from fastapi import Request

from vigil.core.config import Settings

MAX_CLIENTS = 10_000


class TokenBucketLimiter:
    def __init__(
        self,
        rate_per_second: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.rate = rate_per_second
        self.burst = burst
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, updated
        self._lock = threading.Lock()

    def acquire(self, key: str, cost: float = 1.0) -> float:
        """Take ``cost`` tokens for ``key``. Returns 0 on success, else the seconds to wait
        before that many tokens are there (nothing is taken then)."""
        cost = min(cost, self.burst)  # a request within the limits must be admissible at all
        now = self.clock()
        with self._lock:
            tokens, updated = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - updated) * self.rate)
            if tokens >= cost:
                tokens -= cost
                wait = 0.0
            else:
                wait = (cost - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait


def retry_after_header(wait: float) -> str:
    return str(max(1, math.ceil(wait)))


def client_ip(request: Request, settings: Settings) -> str:
    """The peer address; ``X-Forwarded-For`` counts only when the peer is a trusted proxy, and
    then the right-most address that is not itself a trusted proxy is the client."""
    peer = request.client.host if request.client else "unknown"
    networks = settings.trusted_proxy_networks
    if not networks or not _in(peer, networks):
        return peer
    forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",")]
    for address in reversed([a for a in forwarded if a]):
        if not _in(address, networks):
            return address
    return peer


def _in(address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def get_limiter(request: Request) -> TokenBucketLimiter:
    """The app's limiter for browser logs, built from settings on first use."""
    limiter: TokenBucketLimiter | None = getattr(request.app.state, "frontend_log_limiter", None)
    if limiter is None:
        settings: Settings = request.app.state.settings
        limiter = TokenBucketLimiter(
            settings.frontend_log_rate_per_second, settings.frontend_log_burst
        )
        request.app.state.frontend_log_limiter = limiter
    return limiter
