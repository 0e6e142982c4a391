"""The statistics of baselines, as pure functions (the maths is written up in docs/scene.md).

* ``ewma_update``: exponentially weighted mean and variance of per-slot counts. The weight of
  the newest slot is ``max(alpha, 1/n)``: a plain running mean while fewer than ``1/alpha``
  slots are known (no bias towards the starting value), an EWMA with memory ~``1/alpha`` slots
  after that.
* ``upper_tail``: P(X >= k) for a count under the learned rate — Poisson when the slot's counts
  are not over-dispersed, negative binomial with the same mean and variance when they are (real
  cameras are bursty: one person walking by is several detections).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

# Below this the variance is taken as "no over-dispersion" (Poisson).
_DISPERSION_EPS = 1e-9
_MAX_TERMS = 200_000


@dataclass
class Ewma:
    mean: float = 0.0
    variance: float = 0.0
    samples: int = 0

    def update(self, value: float, alpha: float) -> None:
        self.mean, self.variance, self.samples = ewma_update(
            self.mean, self.variance, self.samples, value, alpha
        )


def ewma_update(
    mean: float, variance: float, samples: int, value: float, alpha: float
) -> tuple[float, float, int]:
    """Fold one observation in; returns (mean, variance, samples).

    Uses the incremental exponentially weighted variance (West 1979 / Finch 2009):
    ``d = x - mean; mean += a*d; var = (1 - a) * (var + a*d*d)`` which, with ``a = 1/n``, is
    the exact running mean and population variance."""
    samples += 1
    weight = max(alpha, 1.0 / samples)
    diff = value - mean
    mean += weight * diff
    variance = (1.0 - weight) * (variance + weight * diff * diff)
    return mean, max(variance, 0.0), samples


def rate_floor(samples: int) -> float:
    """A rate never learned as exactly 0: half an observation spread over the slots seen
    (a Jeffreys-style pseudo-count). After 100 empty slots one sighting has p ≈ 0.005."""
    return 0.5 / (samples + 1)


def _log_pmf_poisson(i: int, lam: float) -> float:
    return i * math.log(lam) - lam - math.lgamma(i + 1)


def _log_pmf_negbin(i: int, r: float, p: float) -> float:
    # Number of "failures" i before r "successes" with success probability p; mean r(1-p)/p.
    return (
        math.lgamma(i + r)
        - math.lgamma(r)
        - math.lgamma(i + 1)
        + r * math.log(p)
        + i * math.log1p(-p)
    )


def upper_tail(k: int, mean: float, variance: float, samples: int) -> float:
    """P(X >= k) for the next slot's count, given the slot's learned EWMA mean and variance."""
    if k <= 0:
        return 1.0
    lam = max(mean, rate_floor(samples))
    if variance > lam * (1.0 + _DISPERSION_EPS) and mean >= lam:
        r = lam * lam / (variance - lam)
        p = r / (r + lam)
        mode = max(0, math.floor((r - 1.0) * (1.0 - p) / p))
        return _tail(k, mode, lambda i: _log_pmf_negbin(i, r, p))
    return _tail(k, math.floor(lam), lambda i: _log_pmf_poisson(i, lam))


def _tail(k: int, mode: int, lp: Callable[[int], float]) -> float:
    if k > mode + 1:
        # Terms shrink from k on: sum the tail directly, so tiny p-values keep their precision.
        first = lp(k)
        total, i = 0.0, k
        while i - k < _MAX_TERMS:
            term = math.exp(lp(i) - first)
            total += term
            if term < 1e-16 * total:
                break
            i += 1
        return min(1.0, math.exp(first) * total)
    # k is at or below the mode: the tail is large; 1 - P(X < k) is accurate enough.
    below = sum(math.exp(lp(i)) for i in range(k))
    return min(1.0, max(0.0, 1.0 - below))


def score_from_tail(p_value: float) -> float:
    """Anomaly score in [0, 1]: 1 - P(count at least this high). 0.99 means a 1-in-100 slot."""
    return min(1.0, max(0.0, 1.0 - p_value))


def z_score(count: float, mean: float, variance: float, samples: int) -> float:
    """Standardised deviation of ``count`` from the slot's mean; the spread is at least the
    Poisson one (sqrt(mean)), so a quiet slot with zero learned variance is not infinitely
    sensitive."""
    spread = math.sqrt(max(variance, mean, rate_floor(samples)))
    return (count - mean) / spread


def interpret_z(z: float) -> str:
    if z < -2:
        return "far_below"
    if z < -1:
        return "below"
    if z < 1:
        return "normal"
    if z < 2:
        return "slightly_above"
    if z < 3:
        return "above"
    return "far_above"
