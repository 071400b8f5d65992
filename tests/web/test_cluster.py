"""Two real workers (run.py on eventlet) on PostgreSQL with Redis as the message queue behave as
one server: what happens through one reaches the screens on the other, presence counts every
worker's phones (and forgets a killed worker's), and the totals are exact. And a slow query
on PostgreSQL does not stall the other clients of its worker."""

import importlib.util
import secrets
import subprocess
import threading
import time
from contextlib import ExitStack
from statistics import mean

import pytest
import redis
import requests
from sqlalchemy import create_engine, text

from tests.conftest import REDIS_URL, require_service
from tests.servers import ROOT, Phone, free_port, new_session, running_server
from workshop.config import normalise_database_url

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]
GROUPS = ["administration", "civil-society", "migrant-organisations"]
WAIT = 20  # seconds any awaited message may take on a busy 2-core machine; never asserted


@pytest.fixture
def channel():
    """A Redis channel and key prefix of this test's own, and its keys removed afterwards."""
    require_service("Redis", REDIS_URL, 6379)
    name = "test-cluster-" + secrets.token_hex(4)
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=name + ":*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def workers(postgres_schema_url, channel, tmp_path):
    """Two workers sharing the database, the data folder and Redis, as `make cluster` runs
    them; a killed worker is said dead after 2 s."""
    env = {"WORKSHOP_MESSAGE_QUEUE": REDIS_URL, "WORKSHOP_MESSAGE_QUEUE_CHANNEL": channel,
           "WORKSHOP_PRESENCE_TTL": "2", "WORKSHOP_ASYNC_MODE": "eventlet",
           "WORKSHOP_TRUSTED_PROXIES": "1"}  # for the test through nginx
    with ExitStack() as stack:
        yield [stack.enter_context(running_server(tmp_path, postgres_schema_url, env=env))
               for _ in range(2)]


def wait_for(check, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"not within {WAIT} s: {what}")


def kept(events: list[dict], key=lambda e: e.get("round")) -> list[dict]:
    """What a screen keeps of tallies or presence, in arrival order: a payload whose seq is
    not above the last one kept (for its round) is dropped, as static/js/live.js does."""
    last, out = {}, []
    for event in list(events):
        k = key(event)
        if k not in last or event["seq"] > last[k]:
            last[k] = event["seq"]
            out.append(event)
    return out


def newest(events: list[dict], **match) -> dict | None:
    chosen = [e for e in kept(events) if all(e.get(k) == v for k, v in match.items())]
    return chosen[-1] if chosen else None


def record(phone: Phone, *names: str) -> Phone:
    for name in names:
        phone.client.on(name, phone._recorder(name))
    return phone


def test_two_workers_behave_as_one_server(workers):
    one, two = workers
    created = new_session(one)
    sid, token = created["id"], created["facilitator_token"]
    facilitator = record(Phone(one, {"session": sid, "facilitator_token": token}), "timer")
    facilitator.connect()
    projector = record(Phone(one, {"session": sid,
                                   "projector_token": created["projector_token"]}), "timer")
    projector.connect()
    rating = created["rounds"][0]
    items = [i["id"] for i in rating["items"]]

    # Six phones, two per group: four on the second worker, two on the first.
    phones = []
    for n in range(6):
        server = two if n < 4 else one
        phone = record(Phone(server, {"join_code": created["join_code"]}), "timer").connect()
        assert phone.call("join", {"group": GROUPS[n % 3], "language": "de"})["ok"]
        phones.append((phone, GROUPS[n % 3]))

    # Presence counts every worker's phones, for the facilitator on the first.
    everyone = dict.fromkeys(GROUPS, 2)
    wait_for(lambda: (newest(facilitator.events["presence"]) or {}).get("present_by_group")
             == everyone, "the facilitator sees six phones on two workers")
    assert kept(facilitator.events["presence"], key=lambda e: 0)[-1]["present"] == 6

    # The facilitator's controls on the first worker reach the phones on the second.
    assert facilitator.call("open_round", {"round": rating["id"]})["ok"]
    assert facilitator.call("timer", {"seconds": 300})["ok"]
    for phone, _ in phones:
        wait_for(lambda p=phone: any(r["round"]["id"] == rating["id"]
                                     and r["round"]["state"] == "open"
                                     for r in p.events["round"]), "the opened round")
        wait_for(lambda p=phone: any(t["timer"] and t["timer"]["seconds"] == 300
                                     for t in p.events["timer"]), "the timer")

    # Every phone votes on every item, the six at once: both workers send tallies.
    cast: dict[str, list[int]] = {item: [] for item in items}
    failures, lock = [], threading.Lock()

    def vote_all(n: int, phone: Phone) -> None:
        for k, item in enumerate(items):
            value = (n + k) % 5 + 1
            ack = phone.call("vote", {"round": rating["id"], "item": item, "value": value})
            if not ack["ok"]:
                failures.append(ack)
                continue
            with lock:
                cast[item].append(value)

    threads = [threading.Thread(target=vote_all, args=(n, p)) for n, (p, _) in enumerate(phones)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []

    # The facilitator and the projector, both on the first worker, end on the exact tally,
    # and what they kept never went backwards.
    def complete(screen):
        last = newest(screen.events["tally"], round=rating["id"])
        return last is not None and last["finished"]["total"] == 6
    wait_for(lambda: complete(facilitator), "the facilitator's final tally")
    wait_for(lambda: complete(projector), "the projector's final tally")
    final = newest(facilitator.events["tally"], round=rating["id"])
    assert final["started"]["by_group"] == everyone
    assert final["items"] == dict.fromkeys(items, 6)
    assert "items" not in newest(projector.events["tally"], round=rating["id"])
    senders = set()
    for screen in (facilitator, projector):
        shown = [t for t in kept(screen.events["tally"]) if t["round"] == rating["id"]]
        started = [t["started"]["total"] for t in shown]
        finished = [t["finished"]["total"] for t in shown]
        assert started == sorted(started) and finished == sorted(finished), shown
        senders.add(len(shown))
    assert all(count >= 1 for count in senders)

    # Closing and revealing on the first worker: the phones on the second see the results.
    assert facilitator.call("close_round", {"round": rating["id"]})["ok"]
    assert facilitator.call("reveal_round", {"round": rating["id"]})["ok"]
    for phone, _ in phones:
        wait_for(lambda p=phone: newest(p.events["results"], round=rating["id"]),
                 "the revealed results on every phone")
        wait_for(lambda p=phone: any(t["timer"] is None for t in p.events["timer"]),
                 "the timer stopped by the close")
        shown = {row["id"]: row for row in newest(phone.events["results"],
                                                  round=rating["id"])["items"]}
        for item in items:
            assert shown[item]["votes"] == 6
            assert shown[item]["mean"] == round(mean(cast[item]), 2)

    # The end, said on the first worker, reaches every phone on the second.
    assert facilitator.call("end_session", {})["ok"]
    for phone, _ in phones:
        wait_for(lambda p=phone: p.events["ended"], "the end on every phone")

    # Exact totals, read through the other worker.
    results = requests.get(f"{two.base}/api/sessions/{sid}/results",
                           headers={"Authorization": f"Bearer {token}"}).json()
    got = {r["id"]: r for r in results["rounds"]}[rating["id"]]
    assert got["voters"] == 6 and got["voters_by_group"] == everyone
    for entry in got["items"]:
        assert entry["votes"] == len(cast[entry["id"]]) == 6
        assert entry["mean"] == round(mean(cast[entry["id"]]), 2)
    for phone, _ in phones:
        phone.close()
    facilitator.close()
    projector.close()


def test_a_killed_worker_leaves_no_ghosts(workers):
    one, two = workers
    created = new_session(one)
    facilitator = Phone(one, {"session": created["id"],
                              "facilitator_token": created["facilitator_token"]}).connect()
    phones = []
    for n, server in enumerate((one, two, two)):
        phone = Phone(server, {"join_code": created["join_code"]}).connect()
        assert phone.call("join", {"group": GROUPS[n], "language": "de"})["ok"]
        phones.append(phone)
    wait_for(lambda: (newest(facilitator.events["presence"]) or {}).get("present") == 3,
             "three phones present")
    two.kill()  # no goodbye: its two phones stay in Redis until its heartbeat runs out
    left = wait_for(lambda: (lambda last: last if last and last["present"] == 1 else None)(
        kept(facilitator.events["presence"], key=lambda e: 0)[-1]),
        "the killed worker's phones no longer present")
    assert left["present_by_group"] == {"administration": 1, "civil-society": 0,
                                        "migrant-organisations": 0}
    # A facilitator connecting afresh is told the same.
    again = Phone(one, {"session": created["id"],
                        "facilitator_token": created["facilitator_token"]}).connect()
    assert again.events["state"][0]["presence"]["present"] == 1
    for phone in (*phones, facilitator, again):
        phone.close()


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent"])
def test_a_slow_query_does_not_stall_other_clients(postgres_schema_url, tmp_path, async_mode):
    """A request held up in PostgreSQL (a table locked by this test) waits in its own green
    thread: the same worker still answers a request that needs no such table."""
    engine = create_engine(normalise_database_url(postgres_schema_url))
    with running_server(tmp_path, postgres_schema_url,
                        env={"WORKSHOP_ASYNC_MODE": async_mode}) as server:
        created = new_session(server)
        headers = {"Authorization": f"Bearer {created['facilitator_token']}"}
        blocked: dict = {}

        def read_session():
            blocked["answer"] = requests.get(f"{server.base}/api/sessions/{created['id']}",
                                             headers=headers, timeout=60)

        with engine.connect() as holder, engine.connect() as watcher:
            holder.execute(text("LOCK TABLE workshop_sessions IN ACCESS EXCLUSIVE MODE"))
            thread = threading.Thread(target=read_session)
            thread.start()
            try:
                # The server's query waits for the lock (seen in PostgreSQL itself) ...
                wait_for(lambda: watcher.execute(text(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted "
                    "AND relation = 'workshop_sessions'::regclass")).scalar(),
                    "the server's query waiting for the lock")
                # ... and meanwhile the same worker answers another client.
                health = requests.get(server.base + "/healthz", timeout=WAIT)
                assert health.json() == {"status": "ok"}
                assert requests.get(server.base + "/static/favicon.svg",
                                    timeout=WAIT).status_code == 200
                assert thread.is_alive() and "answer" not in blocked
            finally:
                holder.rollback()  # the lock goes; the held request goes on
                thread.join(60)
        assert blocked["answer"].status_code == 200
        assert blocked["answer"].json()["id"] == created["id"]
    engine.dispose()


def load_cluster_script():
    spec = importlib.util.spec_from_file_location("cluster", ROOT / "deploy" / "cluster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def nginx(workers, tmp_path):
    """nginx in front of the two workers, configured as `make cluster` does."""
    cluster = load_cluster_script()
    binary = cluster.find_nginx()
    if binary is None:
        pytest.skip("nginx is not installed (make cluster installs it)")
    runtime = tmp_path / "nginx"
    runtime.mkdir()
    runtime.chmod(0o711)
    port = free_port()
    config = runtime / "nginx.conf"
    config.write_text(cluster.nginx_config(runtime, "127.0.0.1", port, [w.port for w in workers]))
    process = subprocess.Popen([binary, "-p", str(runtime), "-c", str(config), "-e", "stderr"],
                               stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return requests.get(base + "/healthz", timeout=2).status_code == 200
        except requests.ConnectionError:
            assert process.poll() is None, process.stderr.read().decode()
            return False
    wait_for(up, "nginx answering")
    yield base
    process.terminate()
    process.wait(10)
    process.stderr.close()


def test_behind_nginx_browsers_stick_to_one_worker_each(nginx, workers, channel):
    """Through nginx as `make cluster` runs it: each client keeps to one worker (long-polling
    would fail otherwise) and upgrades to a WebSocket; clients spread over both workers."""
    one, _ = workers
    created = requests.post(nginx + "/api/sessions", json={"title": "nginx"}).json()
    sid, token = created["id"], created["facilitator_token"]
    facilitator = Phone(one, {"session": sid, "facilitator_token": token}, base=nginx)
    facilitator.client.connect(nginx, auth=facilitator.auth, transports=["polling"])
    store = redis.Redis.from_url(REDIS_URL)

    def workers_holding() -> set[str]:
        fields = store.hkeys(f"{channel}:presence:{sid}")
        return {f.decode().split(":", 1)[0] for f in fields}

    rating = created["rounds"][0]
    assert facilitator.call("open_round", {"round": rating["id"]})["ok"]
    phones = []
    # New browsers until both workers hold some (each lands at random: 2 ** -29 to fail).
    while len(workers_holding()) < 2 and len(phones) < 30:
        phone = Phone(one, {"join_code": created["join_code"]}, base=nginx)
        phone.client.connect(nginx, auth=phone.auth, wait_timeout=20)  # polling, then upgrade
        assert phone.call("join", {"group": GROUPS[len(phones) % 3]})["ok"]
        phones.append(phone)
    assert len(workers_holding()) == 2
    for phone in phones:
        wait_for(lambda p=phone: p.client.transport() == "websocket", "the WebSocket upgrade")
        assert phone.call("vote", {"round": rating["id"], "item": rating["items"][0]["id"],
                                   "value": 4})["ok"]
    wait_for(lambda: (newest(facilitator.events["presence"]) or {}).get("present")
             == len(phones), "every phone present")
    wait_for(lambda: (newest(facilitator.events["tally"], round=rating["id"]) or {}).get(
        "items", {}).get(rating["items"][0]["id"]) == len(phones), "the exact tally")
    assert facilitator.client.transport() == "polling"  # it kept to its worker throughout
    for phone in (*phones, facilitator):
        phone.close()
    store.close()
