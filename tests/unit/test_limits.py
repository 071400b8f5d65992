"""Token buckets with a hand-moved clock."""

from workshop.limits import PerKey, TokenBucket


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_burst_then_the_rate():
    clock = Clock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    assert bucket.wait() == 0.5
    clock.now += 0.5
    assert bucket.take() and not bucket.take()
    clock.now += 60  # never more than the burst saved up
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_per_key_buckets_are_apart_and_forgotten_when_full():
    clock = Clock()
    limits = PerKey(rate=1, burst=2, clock=clock, keep=2)
    assert limits.allow("a") and limits.allow("a") and not limits.allow("a")
    assert limits.blocked("a") and not limits.blocked("b")
    assert limits.allow("b")
    clock.now += 10  # both full again
    assert not limits.blocked("a")
    limits.allow("c")  # the table was at its size: the full buckets are dropped
    assert set(limits.buckets) == {"c"}
