"""Faults keep the data: a full or read-only data folder, PostgreSQL going away mid-session,
and 200 phones dropping at once, each on a real server process (run.py on eventlet).

Every test checks the same promise: nothing is acknowledged that was not stored, a refused
answer is `storage_unavailable` (the phone keeps it and sends it again), and the session goes
on by itself once the fault is gone. Each prints its figures (run pytest with -s to see them).
"""

import ctypes
import os
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import socketio
from sqlalchemy import create_engine, text

from tests.proxy import Proxy, proxied_postgres
from tests.servers import Phone, Server, new_session, running_server
from workshop.config import normalise_database_url

pytestmark = pytest.mark.slow
GROUPS = ["administration", "civil-society", "migrant-organisations"]
STORED_VOTES = ("SELECT p.public_id, v.item_id, v.value FROM votes v "
                "JOIN participants p ON p.id = v.participant_id WHERE v.round_id = :round")


def report(name: str, **figures) -> None:
    print(f"\n[{name}] " + ", ".join(f"{k} {v}" for k, v in figures.items()))


def code_of(ack: dict) -> str:
    return "ok" if ack.get("ok") else ack["error"]["code"]


class Room:
    """A session on a real server: the facilitator on the laptop, phones in the room."""

    def __init__(self, server: Server, phones_base: str | None = None, **spec):
        self.server = server
        self.created = new_session(server, **spec)
        self.rating = self.created["rounds"][0]
        self.items = [i["id"] for i in self.rating["items"]]
        self.headers = {"Authorization": f"Bearer {self.created['facilitator_token']}"}
        self.facilitator = Phone(server, {"session": self.created["id"],
                                          "facilitator_token": self.created["facilitator_token"]}
                                 ).connect()
        self.phones_base = phones_base
        assert self.facilitator.call("open_round", {"round": self.rating["id"]})["ok"]

    def phone(self, n: int, reconnection: bool = False) -> Phone:
        """A phone that joined group n % 3 and rejoins with its token after a drop."""
        phone = Phone(self.server, lambda: self.auth(phone), base=self.phones_base,
                      reconnection=reconnection)
        phone.token = None
        phone.connect()
        joined = phone.call("join", {"group": GROUPS[n % 3], "language": "de"})
        assert joined["ok"], joined
        phone.token, phone.me = joined["participant_token"], joined["state"]["me"]["id"]
        phone.acked = {}  # item -> the value the server acknowledged last
        return phone

    def auth(self, phone: Phone) -> dict:
        auth = {"join_code": self.created["join_code"]}
        if phone.token:
            auth["participant_token"] = phone.token
        return auth

    def vote(self, phone: Phone, item: str, value: int) -> str:
        ack = phone.call("vote", {"round": self.rating["id"], "item": item, "value": value})
        if ack.get("ok"):
            phone.acked[item] = value
        return code_of(ack)

    def the_rest(self, phones: list[Phone]):
        """Each phone's answer to every item but the first."""
        for n, phone in enumerate(phones):
            for k, item in enumerate(self.items[1:]):
                yield phone, item, (n + k) % 5 + 1

    def vote_the_rest(self, phones: list[Phone]) -> Counter:
        """Send each of the_rest once; how many got which answer code."""
        return Counter(self.vote(*answer) for answer in self.the_rest(phones))

    def resend_the_rest(self, phones: list[Phone]) -> int:
        return sum(self.resend(*answer) for answer in self.the_rest(phones))

    def resend(self, phone: Phone, item: str, value: int, within: float = 10) -> int:
        """Send until acknowledged, as the phone does after `storage_unavailable` (it waits
        3 s; here 0.1 s); returns the number of refusals before the acknowledgement."""
        deadline = time.monotonic() + within
        refused = 0
        while (code := self.vote(phone, item, value)) != "ok":
            assert code == "storage_unavailable" and time.monotonic() < deadline, code
            refused += 1
            time.sleep(0.1)
        return refused

    def results(self) -> dict:
        response = requests.get(f"{self.server.base}/api/sessions/{self.created['id']}/results",
                                headers=self.headers)
        assert response.status_code == 200, response.text
        return next(r for r in response.json()["rounds"] if r["id"] == self.rating["id"])

    def assert_kept(self, phones: list[Phone], stored: dict) -> int:
        """Every acknowledged vote is stored, as acknowledged, and counted in the results."""
        acked = {(p.me, item): value for p in phones for item, value in p.acked.items()}
        assert {k: stored.get(k) for k in acked} == acked
        counted = {i["id"]: i["votes"] for i in self.results()["items"]}
        for item in self.items:
            assert counted[item] == sum(1 for (_, i) in stored if i == item)
        return len(acked)

    def close(self, phones: list[Phone]) -> None:
        for phone in [*phones, self.facilitator]:
            phone.close()


def sqlite_votes(db_file: Path, round_id: int) -> dict:
    with sqlite3.connect(db_file) as connection:
        rows = connection.execute(STORED_VOTES.replace(":round", "?"), (round_id,)).fetchall()
    return {(me, item): value for me, item, value in rows}


# --- The data folder full ---------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 24 MiB file system of its own (tmpfs) that the test can fill up."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m,mode=0755", "tmpfs",
                           str(mount)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip("cannot mount a small file system here (needs root and CAP_SYS_ADMIN): "
                    + done.stderr.strip())
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(folder: Path) -> Path:
    """Take every free byte of the file system, as a disk that has run full."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as out:
        for chunk in (1 << 20, 4096, 512, 1):
            try:
                while True:
                    out.write(b"\0" * chunk)
            except OSError:
                pass
    return filler


def test_a_full_disk_refuses_votes_and_resumes_when_space_is_back(small_disk, tmp_path):
    # The log is not on the full disk.
    with running_server(small_disk, log=tmp_path / "server.log") as server:
        room = Room(server)
        db_file = small_disk / "sessions" / "workshop.db"
        phones = [room.phone(n) for n in range(6)]
        for phone in phones:
            assert room.vote(phone, room.items[0], 3) == "ok"
        # The write-ahead log is emptied, so the next write has to grow a file on the disk.
        with sqlite3.connect(db_file) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        filler = fill(small_disk)

        full = room.vote_the_rest(phones)
        assert set(full) == {"storage_unavailable"}, full
        newcomer = Phone(server, {"join_code": room.created["join_code"]}).connect()
        assert code_of(newcomer.call("join", {"group": "administration"})) == \
            "storage_unavailable"
        assert code_of(room.facilitator.call("close_round", {"round": room.rating["id"]})) == \
            "storage_unavailable"
        # Reading goes on: a phone coming back gets its votes, the organiser the results.
        back = Phone(server, room.auth(phones[0])).connect()
        assert back.events["state"][0]["me"]["votes"] == {
            str(room.rating["id"]): {room.items[0]: 3}}
        assert room.results()["voters"] == 6
        assert requests.get(server.base + "/healthz").status_code == 200
        refused = requests.post(server.base + "/api/sessions", json={"title": "Voll"})
        assert (refused.status_code, refused.json()["error"]["code"]) == \
            (503, "storage_unavailable")
        assert sqlite_votes(db_file, room.rating["id"]).keys() == {
            (p.me, room.items[0]) for p in phones}

        filler.unlink()  # space is back: the phones' resends go through, no restart
        started = time.monotonic()
        again_refused = room.resend_the_rest(phones)
        resumed = time.monotonic() - started
        assert code_of(newcomer.call("join", {"group": "administration"})) == "ok"
        assert room.facilitator.call("close_round", {"round": room.rating["id"]})["ok"]
        kept = room.assert_kept(phones, sqlite_votes(db_file, room.rating["id"]))
        assert kept == 6 * len(room.items)
        report("disk full", refused=full["storage_unavailable"], acknowledged_while_full=0,
               refused_after_space_was_back=again_refused, stored=kept,
               resend_seconds=f"{resumed:.2f}")
        room.close([*phones, newcomer, back])


# --- The data folder read-only ----------------------------------------------------------------

PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_FOWNER = 24, 1, 3


def unprivileged() -> dict:
    """Popen's arguments that, as root, start the server without the capabilities that let
    root write past file modes (DAC_OVERRIDE, FOWNER): a user other than root could not reach
    the Python in root's home. Not root: file modes hold already."""
    return {"preexec_fn": _drop_file_capabilities} if os.geteuid() == 0 else {}


def _drop_file_capabilities() -> None:
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    for capability in (CAP_DAC_OVERRIDE, CAP_FOWNER):
        if prctl(PR_CAPBSET_DROP, capability, 0, 0, 0):
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def make_read_only(folder: Path) -> None:
    for path in folder.rglob("*"):
        path.chmod(0o555 if path.is_dir() else 0o444)
    folder.chmod(0o555)


def make_writable(folder: Path) -> None:
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def test_a_read_only_data_folder_refuses_votes_and_resumes_when_writable(tmp_path):
    data = tmp_path / "sessions"
    with running_server(tmp_path, log=tmp_path / "server.log",
                        popen=unprivileged()) as server:
        room = Room(server)
        phones = [room.phone(n) for n in range(6)]
        for phone in phones:
            assert room.vote(phone, room.items[0], 4) == "ok"
        # The folder turns read-only and the server starts again on it (a crash, a reboot):
        # the files it opens now are opened for reading only.
        make_read_only(data)
        server.kill()
        server.start()
        room.close(phones)
        room.facilitator = Phone(server, room.facilitator.auth).connect()
        phones = [again(room, phone) for phone in phones]
        for phone in phones:
            assert phone.events["state"][0]["me"]["votes"] == {
                str(room.rating["id"]): {room.items[0]: 4}}

        refused = room.vote_the_rest(phones)
        assert set(refused) == {"storage_unavailable"}, refused
        newcomer = Phone(server, {"join_code": room.created["join_code"]}).connect()
        assert code_of(newcomer.call("join", {"group": "civil-society"})) == "storage_unavailable"
        assert room.results()["voters"] == 6

        make_writable(data)  # no restart: the next write opens the database afresh
        started = time.monotonic()
        again_refused = room.resend_the_rest(phones)
        resumed = time.monotonic() - started
        # A connection opened for reading while read-only refuses one write, then goes.
        assert again_refused <= 1
        assert code_of(newcomer.call("join", {"group": "civil-society"})) == "ok"
        kept = room.assert_kept(phones, sqlite_votes(data / "workshop.db", room.rating["id"]))
        assert kept == 6 * len(room.items)
        report("read-only", root_without_dac_override=bool(server.popen),
               refused=refused["storage_unavailable"], acknowledged_while_read_only=0,
               refused_after_writable_again=again_refused, stored=kept,
               resend_seconds=f"{resumed:.2f}")
        room.close([*phones, newcomer])


def again(room: Room, phone: Phone) -> Phone:
    """The same phone on a new connection, with its token, keeping what it was told."""
    back = Phone(room.server, room.auth(phone), base=room.phones_base).connect()
    back.token, back.me, back.acked = phone.token, phone.me, phone.acked
    return back


# --- PostgreSQL restarted mid-session -------------------------------------------------------------

@pytest.fixture
def postgres_proxy(postgres_schema_url):
    """The test's PostgreSQL schema reached through a proxy that can cut the server off."""
    with proxied_postgres(postgres_schema_url, "workshop-faults") as proxy:
        yield proxy


@pytest.fixture
def direct(postgres_schema_url):
    """The test's PostgreSQL schema reached directly, not through the proxy."""
    engine = create_engine(normalise_database_url(postgres_schema_url))
    yield engine
    engine.dispose()


def test_postgres_going_away_loses_no_acknowledged_vote(postgres_proxy, direct, tmp_path):
    proxy = postgres_proxy
    with running_server(tmp_path, proxy.url,
                        env={"WORKSHOP_LIVE_FLUSH_INTERVAL": "1.0"}) as server:
        room = Room(server)
        phones = [room.phone(n) for n in range(6)]
        for phone in phones:
            assert room.vote(phone, room.items[0], 2) == "ok"
        # PostgreSQL restarts: every connection is cut, new ones fail for three seconds. The
        # tally of the votes just acknowledged has not gone out yet (once a second here).
        cut = proxy.down()
        down_at = time.monotonic()
        during = {}
        for n, phone in enumerate(phones):
            code = room.vote(phone, room.items[1], n % 5 + 1)
            during[code] = during.get(code, 0) + 1
        assert set(during) == {"storage_unavailable"}, during
        newcomer = Phone(server, {"join_code": room.created["join_code"]})
        with pytest.raises(socketio.exceptions.ConnectionError):
            newcomer.connect()
        assert newcomer.refused["data"]["code"] == "storage_unavailable"
        assert requests.get(server.base + "/healthz").status_code == 503
        time.sleep(max(0.0, 3 - (time.monotonic() - down_at)))
        proxy.up()
        outage = time.monotonic() - down_at

        # Back: the tally held back during the outage reaches the facilitator by itself...
        time.sleep(2.5)
        tally = room.facilitator.events["tally"][-1]
        assert (tally["round"], tally["items"][room.items[0]]) == (room.rating["id"], 6)
        # ...and the phones' resends go through while the server's backends are killed.
        stop = threading.Event()
        refusals = []

        def keep_voting(n: int, phone: Phone) -> None:
            k = 0
            while not stop.is_set() or k < len(room.items):
                item = room.items[1 + k % (len(room.items) - 1)]
                refusals.append(room.resend(phone, item, (n + k) % 5 + 1, within=15))
                k += 1
                time.sleep(0.02)

        with ThreadPoolExecutor(len(phones)) as pool:
            voters = [pool.submit(keep_voting, n, p) for n, p in enumerate(phones)]
            time.sleep(1)
            with direct.begin() as connection:
                killed = connection.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name"),
                    {"name": proxy.application_name}).scalar()
            time.sleep(1)
            stop.set()
            for voter in voters:
                voter.result(30)
        newcomer = Phone(server, {"join_code": room.created["join_code"]}).connect()
        assert newcomer.call("join", {"group": "administration"})["ok"]

        with direct.connect() as connection:
            stored = {(me, item): value for me, item, value in connection.execute(
                text(STORED_VOTES), {"round": room.rating["id"]})}
        kept = room.assert_kept(phones, stored)
        assert kept == 6 * len(room.items)
        time.sleep(1.5)
        tally = room.facilitator.events["tally"][-1]
        assert tally["items"] == {i: sum(1 for (_, x) in stored if x == i) for i in room.items}
        report("postgres restart", connections_cut=cut, outage_seconds=f"{outage:.1f}",
               refused_during_outage=during["storage_unavailable"], backends_terminated=killed,
               votes_acknowledged=len(refusals) + 6,
               refused_around_the_kill=sum(refusals), stored=kept)
        room.close([*phones, newcomer])


# --- 200 phones dropping at once --------------------------------------------------------------

def wait_for(condition, within: float, what: str) -> float:
    """Seconds until condition() held; fails after `within`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < within, f"{what}: not within {within} s"
        time.sleep(0.05)
    return time.monotonic() - started


def test_two_hundred_phones_dropping_at_once_come_back_as_themselves(tmp_path):
    # The room's wifi: every phone talks to the server through it; the laptop does not.
    with (running_server(tmp_path) as server, Proxy(server.port) as wifi,
          ThreadPoolExecutor(40) as pool):
        drop_and_come_back(server, wifi, pool, tmp_path / "sessions" / "workshop.db")


def drop_and_come_back(server: Server, wifi: Proxy, pool: ThreadPoolExecutor,
                       db_file: Path) -> None:
    # One round: what a phone gets on every connect is what this test is about.
    room = Room(server, phones_base=f"http://127.0.0.1:{wifi.port}",
                agenda=[{"kind": "rating", "field": "health", "target": "challenges"}])
    started = time.monotonic()
    phones = list(pool.map(lambda n: room.phone(n, reconnection=True), range(200)))

    def vote_all(item: str) -> set[str]:
        return set(pool.map(lambda n: room.vote(phones[n], item, n % 5 + 1), range(200)))

    assert vote_all(room.items[0]) == {"ok"}
    joined_and_voted = time.monotonic() - started

    def presence() -> dict:
        events = room.facilitator.events["presence"]
        return events[-1] if events else {"present": 0}

    wait_for(lambda: presence()["present"] == 200, 10, "everybody present")
    states = [len(p.events["state"]) for p in phones]
    cut = wifi.down()  # every phone's connection at once, no goodbye
    wait_for(lambda: presence()["present"] == 0, 10, "the server notices")
    time.sleep(1)  # the wifi stays away a second: reconnect attempts fail
    wifi.up()
    # Back: a new state, and the connect's answer too (the server sends what its connect
    # handler emits, the state, before it answers the connect, so a phone may hold the state
    # a moment before python-socketio counts it as connected and lets it send).
    back = wait_for(lambda: all(len(p.events["state"]) > n and "/" in p.client.namespaces
                                for p, n in zip(phones, states, strict=True)),
                    25, "every phone back")

    for phone in phones:
        me = phone.events["state"][-1]["me"]
        assert me["id"] == phone.me
        assert me["votes"] == {str(room.rating["id"]): phone.acked}
    # Back as themselves: a second vote each is theirs, and each phone is counted once.
    assert vote_all(room.items[1]) == {"ok"}
    wait_for(lambda: presence()["present"] == 200, 10, "everybody present again")
    assert presence()["present_by_group"] == {GROUPS[0]: 67, GROUPS[1]: 67, GROUPS[2]: 66}

    def tally() -> dict:
        return room.facilitator.events["tally"][-1]

    wait_for(lambda: tally()["items"].get(room.items[1]) == 200, 10, "the tally")
    assert tally()["started"]["total"] == 200
    assert tally()["items"] == {item: 200 for item in room.items[:2]}
    kept = room.assert_kept(phones, sqlite_votes(db_file, room.rating["id"]))
    assert kept == 200 * 2
    report("200 phones", connections_cut=cut, refused_while_away=wifi.refused,
           joined_and_voted_seconds=f"{joined_and_voted:.1f}", all_back_seconds=f"{back:.1f}",
           same_identity=200, votes_kept=kept)
    room.close(phones)
