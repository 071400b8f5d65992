"""Fair shares: token buckets for one connection's events and for one address's attempts.
No Flask here; callers pass the clock in tests. Kept in the process's memory: with several
workers each limits its own share."""

import time
from collections.abc import Callable


class TokenBucket:
    """Holds up to `burst` tokens, refilled at `rate` per second; each event takes one."""

    __slots__ = ("rate", "burst", "tokens", "stamp", "clock")

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens, self.stamp = float(burst), clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self) -> bool:
        """One token if there is one: False means "too fast, do nothing"."""
        self._refill()
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def wait(self) -> float:
        """Seconds until the next token."""
        self._refill()
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def full(self) -> bool:
        self._refill()
        return self.tokens >= self.burst


class PerKey:
    """A bucket per key (an address): `allow(key)` takes a token for an attempt, `blocked(key)`
    asks without taking. Full buckets are forgotten, so the table stays small."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic,
                 keep: int = 10_000):
        self.rate, self.burst, self.clock, self.keep = rate, burst, clock, keep
        self.buckets: dict[str, TokenBucket] = {}

    def _bucket(self, key: str) -> TokenBucket:
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= self.keep:
                self.buckets = {k: b for k, b in self.buckets.items() if not b.full()}
            bucket = self.buckets[key] = TokenBucket(self.rate, self.burst, self.clock)
        return bucket

    def allow(self, key: str) -> bool:
        return self._bucket(key).take()

    def blocked(self, key: str) -> bool:
        bucket = self.buckets.get(key)
        return bucket is not None and bucket.wait() > 0

    def wait(self, key: str) -> float:
        bucket = self.buckets.get(key)
        return bucket.wait() if bucket is not None else 0.0
