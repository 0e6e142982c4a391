"""Retry policy: after a failed attempt, decide whether to run the job again and when.

Exponential backoff with jitter (``base * 2**(attempt-1)``, capped, then up to ``jitter`` of
the delay added at random) so many jobs failing together do not retry in lock-step.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryDecision:
    retry: bool
    delay_seconds: float = 0.0

    def next_run_at(self, now: datetime) -> datetime | None:
        return now + timedelta(seconds=self.delay_seconds) if self.retry else None


@dataclass(frozen=True)
class RetryStrategy:
    base_seconds: float = 5.0
    max_seconds: float = 600.0
    jitter: float = 0.25

    def backoff(self, attempt_number: int) -> tuple[float, float]:
        """The (lowest, highest) delay after attempt ``attempt_number`` failed."""
        low = min(self.max_seconds, self.base_seconds * 2 ** max(0, attempt_number - 1))
        return low, low * (1 + self.jitter)

    def decide(self, attempt_number: int, max_attempts: int) -> RetryDecision:
        if attempt_number >= max_attempts:
            return RetryDecision(retry=False)
        low, high = self.backoff(attempt_number)
        return RetryDecision(retry=True, delay_seconds=random.uniform(low, high))
