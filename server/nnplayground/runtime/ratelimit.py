"""A connection's message rate: a token bucket, on an injectable clock."""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimit:
    """`rate` messages per second, bursts up to one second's worth; `clock` in seconds."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self._clock = clock
        self.tokens = rate
        self.stamp = clock()
        self.warned_at = -1e9

    def take(self) -> bool:
        """Whether one more message fits now (and count it)."""
        now = self._clock()
        self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def should_warn(self) -> bool:
        """One error per second at most: a flooding client must not be flooded back."""
        now = self._clock()
        if now - self.warned_at >= 1.0:
            self.warned_at = now
            return True
        return False
