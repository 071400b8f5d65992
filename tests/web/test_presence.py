"""Presence and the numbering of live updates in Redis, as several workers share them: their
counts, a dead worker's entries, and numbers that only rise (workshop/presence.py)."""

import secrets
import time

import pytest
import redis

from tests.conftest import REDIS_URL, require_service
from workshop.presence import (
    LocalPresence,
    LocalSequence,
    RedisPresence,
    RedisSequence,
    connect,
)

pytestmark = pytest.mark.redis
GROUPS = ["administration", "civil-society"]


@pytest.fixture
def store():
    """A Redis client and a key prefix of this test's own; its keys are removed afterwards."""
    require_service("Redis", REDIS_URL, 6379)
    client = redis.Redis.from_url(REDIS_URL)
    prefix = "test-presence-" + secrets.token_hex(4)
    yield client, prefix
    keys = list(client.scan_iter(match=prefix + ":*"))
    if keys:
        client.delete(*keys)
    client.close()


def worker(store, changed=None) -> RedisPresence:
    client, prefix = store
    return RedisPresence(client, prefix, ttl=20, changed=changed, heartbeat=False)


def test_counts_take_every_workers_phones_and_a_phones_tabs_once(store):
    one, two = worker(store), worker(store)
    one.add("a", "S", 1, "administration")
    two.add("b", "S", 2, "administration")
    two.add("c", "S", 2, "administration")  # a second tab of participant 2
    two.add("d", "S", 3, "civil-society")
    one.add("e", "other", 4, "administration")
    expected = {"present": 3, "present_by_group": {"administration": 2, "civil-society": 1}}
    assert one.counts("S", GROUPS) == two.counts("S", GROUPS) == expected
    assert two.remove("d") == "S" and two.remove("d") is None
    assert one.counts("S", GROUPS)["present_by_group"] == {"administration": 2,
                                                          "civil-society": 0}


def test_a_dead_workers_phones_stop_counting_and_the_living_announce_it(store):
    client, prefix = store
    told = []
    one, two = worker(store, told.append), worker(store)
    one.add("a", "S", 1, "administration")
    two.add("b", "S", 2, "civil-society")
    # The second worker's heartbeat ran out (killed): at once it no longer counts...
    client.zadd(f"{prefix}:workers", {two.worker: time.time() - 1})
    assert one.counts("S", GROUPS)["present"] == 1
    # ... and the next heartbeat of a living worker removes its entries and says so.
    one.beat()
    assert told == ["S"]
    assert [f.decode().split(":")[0] for f in client.hkeys(f"{prefix}:presence:S")] == \
        [one.worker]
    # It was only frozen: its own next heartbeat writes its phones back and says so too.
    back = []
    two.changed = back.append
    two.beat()
    assert back == ["S"] and one.counts("S", GROUPS)["present"] == 2


def test_a_redis_that_lost_everything_is_written_back(store):
    client, prefix = store
    one = worker(store)
    one.add("a", "S", 1, "administration")
    client.delete(*client.scan_iter(match=prefix + ":*"))
    assert one.counts("S", GROUPS)["present"] == 0
    one.beat()
    assert one.counts("S", GROUPS)["present"] == 1


def test_without_redis_a_worker_counts_its_own(store):
    one = RedisPresence(connect("redis://127.0.0.1:1/0"), "x", ttl=20, heartbeat=False)
    one.add("a", "S", 1, "administration")  # logged, not raised
    assert one.counts("S", GROUPS)["present"] == 1
    assert one.remove("a") == "S"


def test_update_numbers_rise_across_workers_and_past_a_lost_key(store):
    client, prefix = store
    one, two = RedisSequence(client, prefix), RedisSequence(client, prefix)
    taken = [seq.next("S") for _ in range(50) for seq in (one, two)]
    assert taken == sorted(taken) and len(set(taken)) == len(taken)
    assert taken[0] >= time.time_ns() // 1000 - 60_000_000  # microseconds of the clock
    client.delete(f"{prefix}:seq")
    assert one.next("S") > taken[-1]


def test_in_one_process_numbers_rise_even_within_one_microsecond():
    seq = LocalSequence()
    taken = [seq.next("S") for _ in range(1000)]
    assert taken == sorted(taken) and len(set(taken)) == 1000
    assert LocalPresence().counts("S", GROUPS) == {
        "present": 0, "present_by_group": {"administration": 0, "civil-society": 0}}


def test_workers_take_turns_per_session_to_send_their_updates(store):
    client, prefix = store
    one = RedisSequence(client, prefix)
    other = client.lock(f"{prefix}:turn:S", timeout=5)
    with one.turn(["T", "S"]):
        assert not other.acquire(blocking=False)  # another worker waits for session S...
        assert client.lock(f"{prefix}:turn:U", timeout=5).acquire(blocking=False)  # ...not U
    assert other.acquire(blocking=False)
    other.release()
