"""Who is connected, and the order of the live updates: kept in this process, or in Redis
when several workers share the rooms through a message queue.

`presence` counts the joined participants connected to a session, per group (a phone's tabs
count once); `sequence` numbers the coalesced updates (tally, presence, results, ideas) so a
screen keeps the newest, and gives workers turns to send them. Both are chosen by
`configure(config)` from WORKSHOP_MESSAGE_QUEUE.

Several workers: each keeps its own connections in Redis under its own random id, and says
it is alive every PRESENCE_TTL / 4 seconds. Counts take only the living workers' entries, so
a worker killed without a goodbye stops counting after PRESENCE_TTL at the latest; the first
living worker to notice removes its entries and announces the new counts. A worker that was
only slow, or a Redis that lost its data, is written back whole on the next heartbeat.
"""

import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from workshop.extensions import socketio

log = logging.getLogger(__name__)

Entry = tuple[str, int, str]  # session id, participant id, group


def _counts(entries: Iterable[tuple[int, str]], groups: list[str]) -> dict[str, Any]:
    seen: dict[str, set[int]] = defaultdict(set)
    for participant_id, group in entries:
        seen[group].add(participant_id)
    by_group = {g: len(seen[g]) for g in groups}
    return {"present": sum(by_group.values()), "present_by_group": by_group}


class LocalPresence:
    """This process's connections only: the single server."""

    def __init__(self) -> None:
        self.by_sid: dict[str, Entry] = {}

    def add(self, sid: str, session_id: str, participant_id: int, group: str) -> None:
        self.by_sid[sid] = (session_id, participant_id, group)

    def remove(self, sid: str) -> str | None:
        entry = self.by_sid.pop(sid, None)
        return entry[0] if entry else None

    def counts(self, session_id: str, groups: list[str]) -> dict[str, Any]:
        return _counts(((p, g) for s, p, g in self.by_sid.values() if s == session_id), groups)

    def stop(self) -> None:
        pass


class LocalSequence:
    """Microseconds, forced upwards per session: rises even across a restart. One process
    sends its updates from one task, in the order it read them: no turns to take."""

    def __init__(self) -> None:
        self._last: dict[str, int] = {}

    def next(self, session_id: str) -> int:
        seq = max(self._last.get(session_id, 0) + 1, time.time_ns() // 1000)
        self._last[session_id] = seq
        return seq

    @contextmanager
    def turn(self, _session_ids: Iterable[str]) -> Iterator[None]:
        yield


# One number for every worker, taken atomically in Redis: whichever worker takes a higher
# number took it later. Never below the caller's clock, so it keeps rising past a Redis that
# lost the key (screens remember the highest number they saw).
_NEXT_SEQ = """
local now = tonumber(ARGV[1])
local seq = redis.call('INCR', KEYS[1])
if seq < now then
  redis.call('SET', KEYS[1], now)
  seq = now
end
redis.call('EXPIRE', KEYS[1], 86400)
return seq
"""


class RedisSequence:
    """One counter for all sessions and workers. `turn(sessions)` holds a short lock per
    session while a worker numbers, reads and sends its updates, so they go out in the order
    they were read: without it, a worker whose read was held up could send older counts
    just after another worker's newer ones (the newest number would still be exact)."""

    def __init__(self, client, prefix: str, lock_seconds: float = 5.0) -> None:
        self._client, self._prefix, self._lock_seconds = client, prefix, lock_seconds
        self._script = client.register_script(_NEXT_SEQ)
        self._key = f"{prefix}:seq"

    @contextmanager
    def turn(self, session_ids: Iterable[str]) -> Iterator[None]:
        held = []
        try:
            for session_id in sorted(session_ids):  # one order for all: no deadlock
                lock = self._client.lock(f"{self._prefix}:turn:{session_id}",
                                         timeout=self._lock_seconds, sleep=0.01,
                                         blocking_timeout=self._lock_seconds)
                # Not had in time (a worker stuck with it): go on; it expires by itself.
                if lock.acquire():
                    held.append(lock)
        except Exception as exc:  # noqa: BLE001 - updates still go out, in any order
            log.warning("presence: Redis gives no turn: %s", exc)
        try:
            yield
        finally:
            for lock in reversed(held):
                try:
                    lock.release()
                except Exception as exc:  # noqa: BLE001 - expired meanwhile, or Redis went
                    log.warning("presence: a turn ended late: %s", exc)

    def next(self, session_id: str) -> int:
        now = time.time_ns() // 1000
        try:
            return int(self._script(keys=[self._key], args=[now]))
        except Exception as exc:  # noqa: BLE001 - the clock still rises
            log.warning("presence: Redis does not number updates, using the clock: %s", exc)
            return now


class RedisPresence:
    """Every worker's connections, in one Redis hash per session.

    Keys (prefix P): `P:presence:<session>` hash "<worker>:<sid>" -> "<participant> <group>";
    `P:workers` sorted set, worker -> the time its heartbeat runs out; `P:worker:<worker>`
    set of the sessions the worker has entries in, for cleaning up after it.
    """

    def __init__(self, client, prefix: str, ttl: float,
                 changed: Callable[[str], None] | None = None, heartbeat: bool = True) -> None:
        self.redis, self.prefix, self.ttl = client, prefix, ttl
        self.changed = changed or (lambda _session_id: None)
        self.worker = secrets.token_hex(8)
        self.local = LocalPresence()  # this worker's own entries, written back on heartbeats
        self._beating = not heartbeat  # False: the heartbeat starts with the first connection

    def _session_key(self, session_id: str) -> str:
        return f"{self.prefix}:presence:{session_id}"

    def _worker_key(self, worker: str) -> str:
        return f"{self.prefix}:worker:{worker}"

    def _field(self, sid: str) -> str:
        return f"{self.worker}:{sid}"

    def add(self, sid: str, session_id: str, participant_id: int, group: str) -> None:
        self.local.add(sid, session_id, participant_id, group)
        try:
            with self.redis.pipeline() as pipe:
                self._alive(pipe)
                self._write(pipe, session_id, {sid: (participant_id, group)})
                pipe.execute()
        except Exception as exc:  # noqa: BLE001 - the next heartbeat writes it again
            log.warning("presence: Redis did not take a connection: %s", exc)
        if not self._beating:
            self._beating = True
            socketio.start_background_task(self._heartbeat)

    def remove(self, sid: str) -> str | None:
        session_id = self.local.remove(sid)
        if session_id is not None:
            try:
                self.redis.hdel(self._session_key(session_id), self._field(sid))
            except Exception as exc:  # noqa: BLE001 - counts skip it once this worker is gone
                log.warning("presence: Redis did not take a disconnect: %s", exc)
        return session_id

    def counts(self, session_id: str, groups: list[str]) -> dict[str, Any]:
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                pipe.hgetall(self._session_key(session_id))
                pipe.zrangebyscore(f"{self.prefix}:workers", time.time(), "+inf")
                entries, living = pipe.execute()
        except Exception as exc:  # noqa: BLE001 - better this worker's count than none
            log.warning("presence: Redis does not answer, counting this worker only: %s", exc)
            return self.local.counts(session_id, groups)
        living = {w.decode() for w in living}
        found = []
        for field, value in entries.items():
            worker = field.decode().split(":", 1)[0]
            if worker in living:
                participant, group = value.decode().split(" ", 1)
                found.append((int(participant), group))
        return _counts(found, groups)

    def stop(self) -> None:
        """Leave at once (a clean shutdown), rather than after PRESENCE_TTL."""
        self._beating = False
        try:
            self._bury(self.worker)
        except Exception as exc:  # noqa: BLE001
            log.warning("presence: could not leave Redis: %s", exc)

    # --- keeping it true ---

    def _alive(self, pipe) -> None:
        pipe.zadd(f"{self.prefix}:workers", {self.worker: time.time() + self.ttl})
        pipe.expire(f"{self.prefix}:workers", int(self.ttl * 3) + 1)

    def _write(self, pipe, session_id: str, entries: dict[str, tuple[int, str]]) -> None:
        key = self._session_key(session_id)
        pipe.hset(key, mapping={self._field(sid): f"{participant} {group}"
                                for sid, (participant, group) in entries.items()})
        # A session nobody is connected to any more leaves nothing behind.
        pipe.expire(key, int(self.ttl * 3) + 1)
        pipe.sadd(self._worker_key(self.worker), session_id)
        pipe.expire(self._worker_key(self.worker), int(self.ttl * 3) + 1)

    def _heartbeat(self) -> None:
        while self._beating:
            socketio.sleep(self.ttl / 4)
            if not self._beating:
                return
            try:
                self.beat()
            except Exception as exc:  # noqa: BLE001 - try again at the next beat
                log.warning("presence: heartbeat failed: %s", exc)

    def beat(self) -> None:
        """Say this worker is alive, write its entries back, and clear up after dead ones."""
        mine: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
        for sid, (session_id, participant, group) in list(self.local.by_sid.items()):
            mine[session_id][sid] = (participant, group)
        with self.redis.pipeline() as pipe:
            self._alive(pipe)
            for session_id, entries in mine.items():
                self._write(pipe, session_id, entries)
            returned = pipe.execute()[0]  # 1: this worker had been taken for dead
        if returned:
            for session_id in mine:
                self.changed(session_id)
        dead = self.redis.zrangebyscore(f"{self.prefix}:workers", "-inf", time.time())
        for worker in (w.decode() for w in dead):
            if self.redis.zrem(f"{self.prefix}:workers", worker):  # one living worker wins
                for session_id in self._bury(worker):
                    self.changed(session_id)

    def _bury(self, worker: str) -> list[str]:
        """Remove a worker's entries; the sessions they were in."""
        sessions = [s.decode() for s in self.redis.smembers(self._worker_key(worker))]
        for session_id in sessions:
            key = self._session_key(session_id)
            fields = [f for f in self.redis.hkeys(key) if f.decode().startswith(worker + ":")]
            if fields:
                self.redis.hdel(key, *fields)
        self.redis.delete(self._worker_key(worker))
        self.redis.zrem(f"{self.prefix}:workers", worker)
        return sessions


class _Chosen:
    """The backend in use, behind one name that modules import once."""

    def __init__(self, backend) -> None:
        self.backend = backend

    def __getattr__(self, name: str):
        return getattr(self.backend, name)


presence = _Chosen(LocalPresence())
sequence = _Chosen(LocalSequence())

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def connect(url: str):
    """A Redis client that gives up within a few seconds: a Redis that went away costs each
    call a short wait (this worker's count stands in), never a stalled connect."""
    import redis
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=2,
                                health_check_interval=30,
                                retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 1))


def configure(config, changed: Callable[[str], None] | None = None) -> None:
    """Per process without a message queue; in Redis with one (called by create_app).
    `changed(session_id)` is told when a dead worker's participants were removed."""
    presence.backend.stop()
    url = config["MESSAGE_QUEUE"]
    if not url:
        presence.backend, sequence.backend = LocalPresence(), LocalSequence()
        return
    if not url.startswith(REDIS_SCHEMES):
        raise ValueError("WORKSHOP_MESSAGE_QUEUE: presence across workers needs Redis "
                         f"(redis://, rediss:// or unix://), not {url.split(':', 1)[0]}")
    client = connect(url)
    prefix = config["MESSAGE_QUEUE_CHANNEL"]
    presence.backend = RedisPresence(client, prefix, config["PRESENCE_TTL"], changed)
    sequence.backend = RedisSequence(client, prefix)
