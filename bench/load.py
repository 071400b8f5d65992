"""Load generator: N phones (asyncio python-socketio clients) against the product and the bare
baseline server, in the same run; every scenario prints one JSON object.

    .venv/bin/python bench/load.py                       # the standard run (make bench)
    .venv/bin/python bench/load.py --phones 1000,2000 --scenarios join,idle
    .venv/bin/python bench/load.py --phones 500 --scenarios vote --targets product --profile

Targets: `product` is `run.py` (eventlet, one process, SQLite with synchronous=FULL in a
temporary data folder); `gevent` the same under WORKSHOP_ASYNC_MODE=gevent; `pg1`, `pg2`,
`pg4`... that many workers on PostgreSQL (BENCH_DATABASE_URL, a schema of its own) and Redis
(BENCH_REDIS_URL) behind nginx (deploy/cluster.py); `baseline` is `bench/baseline.py`, the
same work with nothing else.
Each target and phone count gets a fresh server. Scenarios, in this order on one server:
`join` (N phones connect and join at once), `vote` (each phone rates every item of a rating
round, the next vote as soon as the last was acknowledged, while a projector listens for
tallies), `reveal` (the round is revealed; time until every phone has its results); and
`idle` on a server of its own (N phones joined and quiet: the server's memory). Phones live in
worker processes (`--procs`, about one per 1,000 phones), many per process, on one asyncio
loop each; workers and the conductor share CLOCK_MONOTONIC, so their times compare.

Only loopback addresses; every wait is bounded, and the servers are stopped at the end.
`--results FILE` writes the figures into a marked section of FILE (bench/RESULTS.md).
"""

import argparse
import asyncio
import contextlib
import datetime
import itertools
import json
import math
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parents[1]
GROUPS = ["administration", "civil-society", "migrant-organisations"]
CONNECT_TIMEOUT = 30.0  # seconds for one phone's connect (and again for its join)
CALL_TIMEOUT = 60.0  # seconds for one acknowledgement
IDLE_AT_ONCE = 1000  # idle phones connecting at a time (the join scenario sends all at once)


def marks(section: str) -> tuple[str, str]:
    """The lines around a run's section of RESULTS.md; the standard run's as they always were."""
    name = "" if section == "standard" else f" {section}"
    return (f"<!-- bench/load.py{name}: start (written by `make bench`; edit outside the "
            "marks) -->", f"<!-- bench/load.py{name}: end -->")


def raise_open_files() -> int:
    """Many sockets per process: take the hard limit of open files (servers inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def percentile(sorted_values: list[float], p: float) -> float | None:
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, math.ceil(p / 100 * len(sorted_values)) - 1)]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


# --- The phones: one worker process, many clients -------------------------------------------

class Phones:
    """The phones of one worker process. Commands come as JSON lines on stdin, answers go as
    JSON lines to stdout."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.clients: list[socketio.AsyncClient] = []
        self.everyone: list[socketio.AsyncClient] = []
        self.stragglers: list[socketio.AsyncClient] = []  # connected, not joined
        self.results_at: list[dict[int, float]] = []  # per phone: round -> first results
        self.dropped = 0  # phones whose connection ended without our asking

    def _client(self, index: int) -> socketio.AsyncClient:
        client = socketio.AsyncClient(reconnection=False)
        seen: dict[int, float] = {}
        self.results_at.append(seen)

        async def on_results(data):
            if isinstance(data, dict) and data.get("round") not in seen:
                seen[data.get("round")] = time.monotonic()

        async def on_disconnect(*_reason):
            if not getattr(client, "closing", False):
                self.dropped += 1

        client.on("results", on_results)
        client.on("disconnect", on_disconnect)
        self.everyone.append(client)
        return client

    async def join(self, at_once: int = 0) -> dict:
        """Every phone connects and joins at once, or at most `at_once` of them at a time."""
        spec = self.spec
        gate = asyncio.Semaphore(at_once) if at_once else contextlib.nullcontext()

        async def one(index: int):
            async with gate:
                return await joined(index)

        async def joined(index: int):
            client = self._client(index)
            started = time.monotonic()
            try:
                await asyncio.wait_for(client.connect(
                    spec["base"], auth={"join_code": spec["join_code"]},
                    transports=["websocket"], wait_timeout=CONNECT_TIMEOUT), CONNECT_TIMEOUT)
            except Exception as exc:  # refused, timed out, reset: counted, not raised
                with contextlib.suppress(Exception):
                    await client.disconnect()
                return ("connect_failed", type(exc).__name__ + ": " + str(exc)[:80], None)
            try:
                ack = await client.call("join", {"group": GROUPS[(spec["first"] + index) % 3]},
                                        timeout=CONNECT_TIMEOUT)
            except Exception as exc:
                return ("join_failed", type(exc).__name__, client)
            if not (isinstance(ack, dict) and ack.get("ok")):
                return ("join_refused", str((ack or {}).get("error", {}).get("code")), client)
            return ("joined", time.monotonic() - started, client)

        outcomes = await asyncio.gather(*(one(i) for i in range(spec["count"])))
        self.clients = [c for kind, _, c in outcomes if kind == "joined"]
        self.stragglers = [c for kind, _, c in outcomes if kind != "joined" and c is not None]
        reasons = Counter(f"{kind}: {why}" for kind, why, _ in outcomes if kind != "joined")
        return {"joined": len(self.clients), "at": time.monotonic(),
                "join_seconds": [why for kind, why, _ in outcomes if kind == "joined"],
                "refused": dict(reasons)}

    async def vote(self, round_id: int, items: list, start_at: float) -> dict:
        latencies: list[float] = []
        failed: Counter = Counter()
        completed = [0]
        cpu = time.process_time()
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))

        async def one(n: int, client: socketio.AsyncClient):
            all_ok = True
            for k, item in enumerate(items):
                sent = time.monotonic()
                try:
                    ack = await client.call("vote", {"round": round_id, "item": item,
                                                     "value": (n + k) % 5 + 1},
                                            timeout=CALL_TIMEOUT)
                except Exception as exc:
                    failed[type(exc).__name__] += 1
                    all_ok = False
                    continue
                if isinstance(ack, dict) and ack.get("ok"):
                    latencies.append(time.monotonic() - sent)
                else:
                    failed[str((ack or {}).get("error", {}).get("code"))] += 1
                    all_ok = False
            completed[0] += all_ok

        last_ack = [0.0]

        async def timed(n, client):
            await one(n, client)
            last_ack[0] = max(last_ack[0], time.monotonic())

        await asyncio.gather(*(timed(n, c) for n, c in enumerate(self.clients)))
        return {"latencies": [round(x, 5) for x in latencies], "failed": dict(failed),
                "completed": completed[0], "voters": len(self.clients),
                "last_ack": last_ack[0], "dropped": self.dropped,
                "cpu_seconds": round(time.process_time() - cpu, 2)}

    async def results(self, round_id: int, deadline: float) -> dict:
        """When each phone got results for the round, waiting for the missing until deadline."""
        joined = {id(c) for c in self.clients}
        mine = [seen for seen, c in zip(self.results_at, self.everyone, strict=True)
                if id(c) in joined]
        while time.monotonic() < deadline and any(round_id not in s for s in mine):
            await asyncio.sleep(0.02)
        return {"arrivals": [s[round_id] for s in mine if round_id in s],
                "missing": sum(1 for s in mine if round_id not in s), "dropped": self.dropped}

    async def close(self) -> dict:
        for client in self.everyone:
            client.closing = True
        await asyncio.gather(*(c.disconnect() for c in self.clients + self.stragglers),
                             return_exceptions=True)
        return {"closed": True}


async def worker_main(spec: dict) -> None:
    phones = Phones(spec)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            break
        command = json.loads(line)
        name = command.pop("command")
        answer = await getattr(phones, name)(**command)
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
        if name == "close":
            break


# --- The conductor: servers, listeners and workers ------------------------------------------

def free_port(following: int = 0) -> int:
    """A free port, and the `following` ports after it free too (a cluster's workers)."""
    for _ in range(100):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port + following > 65535:
            continue
        try:
            with contextlib.ExitStack() as held:
                for n in range(1, following + 1):
                    held.enter_context(socket.socket()).bind(("127.0.0.1", port + n))
        except OSError:
            continue
        return port
    raise RuntimeError("no free ports")


PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_DEFAULT = "redis://127.0.0.1:6379/0"


def target_kind(target: str) -> tuple[str, int]:
    """("baseline"|"product"|"gevent"|"cluster", workers): `pgN` is N workers on PostgreSQL
    and Redis behind nginx (deploy/cluster.py)."""
    if target in ("baseline", "product", "gevent"):
        return target, 1
    if target.startswith("pg") and target[2:].isdigit() and int(target[2:]) >= 1:
        return "cluster", int(target[2:])
    raise SystemExit(f"unknown target {target!r}: baseline, product, gevent or pg1, pg2, ...")


class ServerProcess:
    """The product (eventlet or gevent), a cluster of its workers, or the baseline, in a
    process of its own, optionally under py-spy."""

    def __init__(self, target: str, data_dir: Path, max_participants: int,
                 profile: Path | None = None):
        self.target, self.data_dir, self.profile = target, data_dir, profile
        self.kind, self.workers = target_kind(target)
        self.port = free_port(self.workers if self.kind == "cluster" else 0)
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1",
                    "WORKSHOP_DATA_DIR": str(data_dir / "sessions"),
                    "WORKSHOP_MAX_PARTICIPANTS": str(max_participants)}
        self.env.pop("DATABASE_URL", None)
        self.schema = None
        if self.kind in ("product", "gevent"):
            self.command = [sys.executable, "run.py", "--port", str(self.port)]
            self.env["WORKSHOP_ASYNC_MODE"] = "gevent" if self.kind == "gevent" else "eventlet"
        elif self.kind == "cluster":
            # A schema of its own in the PostgreSQL database, dropped at the end.
            self.schema = f"bench_{self.port}"
            url = os.environ.get("BENCH_DATABASE_URL", PG_DEFAULT)
            self.env["DATABASE_URL"] = f"{url}?options=-csearch_path%3D{self.schema}"
            self.env["WORKSHOP_MESSAGE_QUEUE"] = os.environ.get("BENCH_REDIS_URL", REDIS_DEFAULT)
            self.env["WORKSHOP_MESSAGE_QUEUE_CHANNEL"] = f"bench-{self.port}"
            self.command = [sys.executable, "deploy/cluster.py", "--workers", str(self.workers),
                            "--port", str(self.port)]
        else:
            self.command = [sys.executable, "bench/baseline.py", "--port", str(self.port),
                            "--data", str(data_dir / "baseline")]
        if profile is not None:
            spy = Path(sys.executable).with_name("py-spy")
            self.command = [str(spy), "record", "--format", "raw", "--nolineno",
                            "--nonblocking", "--rate", "100", "--output", str(profile), "--",
                            *self.command]
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log = data_dir / f"{target}-{self.port}.log"

    def _schema(self, sql: str) -> None:
        import psycopg2

        connection = psycopg2.connect(os.environ.get("BENCH_DATABASE_URL", PG_DEFAULT))
        connection.autocommit = True
        with connection, connection.cursor() as cursor:
            cursor.execute(sql)
        connection.close()

    def start(self) -> None:
        if self.schema:
            self._schema(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE; "
                         f"CREATE SCHEMA {self.schema}")
        self.log_handle = open(self.log, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env,
                                        stdout=self.log_handle, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.target} exited:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"{self.target} did not answer in 60 s")
        self.pid = self.process.pid
        if self.profile is not None:  # the server is py-spy's child
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            self.pid = int(children.read_text().split()[0])

    def server_pids(self) -> list[int]:
        """The processes that serve: the server itself, or a cluster's workers (not nginx)."""
        if self.kind != "cluster":
            return [self.pid]
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        return [int(c) for c in children
                if b"run.py" in Path(f"/proc/{c}/cmdline").read_bytes()]

    def memory(self) -> dict:
        """The server's peak and current resident memory (MB), from /proc; a cluster's are the
        sums over its workers."""
        fields: Counter = Counter()
        for pid in self.server_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    fields[key] += int(value.split()[0])
        return {"server_peak_mb": round(fields["VmHWM"] / 1024, 1) if fields else None,
                "server_rss_mb": round(fields["VmRSS"] / 1024, 1) if fields else None}

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.server_pids():
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(stat[11]) + int(stat[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            if self.pid != self.process.pid:
                os.kill(self.pid, signal.SIGTERM)  # py-spy writes its profile when it ends
            else:
                self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log_handle.close()
        if self.schema:
            with contextlib.suppress(Exception):
                self._schema(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")


class Listener(socketio.AsyncClient):
    """A projector or console: waits 20 s for the answer to a (re)connect, as a browser does,
    not python-socketio's 1 s, which a busy server's answer would miss on every attempt."""

    async def connect(self, *args, wait_timeout: float = 20, **kwargs):
        return await super().connect(*args, wait_timeout=wait_timeout, **kwargs)


class Target:
    """What differs between the product and the baseline: setting up, listening, revealing."""

    def __init__(self, server: ServerProcess):
        self.server = server
        self.tallies: list[tuple[float, dict]] = []  # (received at, projector's tally)
        self.counts: list[tuple[float, int]] = []  # (received at, votes counted per item sum)
        self.dropped = Counter()  # listener -> disconnects (they reconnect, as a browser does)

    def _listener(self, name: str, on_tally) -> socketio.AsyncClient:
        client = Listener(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=2)

        async def on_disconnect(*_reason):
            self.dropped[name] += 1

        async def on_state(data):  # after a reconnect the tally comes in the state
            tally = ((data or {}).get("tally") or {}).get(str(self.round))
            if tally is not None:
                await on_tally(tally)

        client.on("disconnect", on_disconnect)
        client.on("state", on_state)
        client.on("tally", on_tally)
        return client

    async def setup(self) -> None:
        base = self.server.base
        if self.server.kind != "baseline":
            created = await asyncio.to_thread(lambda: requests.post(
                base + "/api/sessions", json={"title": "bench"}, timeout=30).json())
            self.created = created
            rnd = created["rounds"][1]  # governance principles: 22 items
            self.join_code, self.round, self.items = (created["join_code"], rnd["id"],
                                                      [i["id"] for i in rnd["items"]])
            self.staff = self._listener("facilitator", self._counted)
            await self.staff.connect(base, transports=["websocket"], wait_timeout=30, auth={
                "session": created["id"], "facilitator_token": created["facilitator_token"]})
            self.projector = self._listener("projector", self._tally)
            await self.projector.connect(base, transports=["websocket"], wait_timeout=30,
                                         auth={"session": created["id"],
                                               "projector_token": created["projector_token"]})
            ack = await self.staff.call("open_round", {"round": self.round}, timeout=30)
            assert ack.get("ok"), ack
        else:
            setup = await asyncio.to_thread(
                lambda: requests.get(base + "/bench", timeout=30).json())
            self.join_code, self.round, self.items = (setup["join_code"], setup["round"],
                                                      setup["items"])
            self.staff = None
            self.projector = self._listener("projector", self._tally)
            await self.projector.connect(base, transports=["websocket"], wait_timeout=30,
                                         auth={"role": "projector"})

    async def _tally(self, data):
        if isinstance(data, dict) and data.get("round") == self.round:
            now = time.monotonic()
            self.tallies.append((now, data))
            if "items" in data:  # the baseline's projector gets the counts per item too
                self.counts.append((now, sum(data["items"].values())))

    async def _counted(self, data):
        if isinstance(data, dict) and data.get("round") == self.round and "items" in data:
            self.counts.append((time.monotonic(), sum(data["items"].values())))

    async def reveal(self) -> None:
        deadline = time.monotonic() + 30  # a listener dropped under load comes back first
        while time.monotonic() < deadline and not (self.staff or self.projector).connected:
            await asyncio.sleep(0.1)
        if self.staff is not None:
            ack = await self.staff.call("reveal_round", {"round": self.round}, timeout=60)
        else:
            ack = await self.projector.call("reveal", {}, timeout=60)
        assert ack.get("ok"), ack

    def stored_votes(self) -> int:
        if self.server.kind != "baseline":
            results = requests.get(
                f"{self.server.base}/api/sessions/{self.created['id']}/results", timeout=60,
                headers={"Authorization": f"Bearer {self.created['facilitator_token']}"}).json()
            rnd = next(r for r in results["rounds"] if r["id"] == self.round)
            return sum(i["votes"] for i in rnd["items"])
        return requests.get(self.server.base + "/count", timeout=60).json()["votes"]

    async def close(self) -> None:
        for client in (self.staff, self.projector):
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.disconnect()


class Workers:
    """The worker processes holding the phones."""

    def __init__(self, procs: int):
        self.procs = procs
        self.processes: list[asyncio.subprocess.Process] = []

    async def start(self, base: str, join_code: str, phones: int) -> None:
        share = [phones // self.procs + (1 if k < phones % self.procs else 0)
                 for k in range(self.procs)]
        first = 0
        for count in share:
            spec = {"base": base, "join_code": join_code, "count": count, "first": first}
            first += count
            self.processes.append(await asyncio.create_subprocess_exec(
                sys.executable, __file__, "--worker", json.dumps(spec), cwd=ROOT,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2 ** 26))

    async def ask(self, command: str, timeout: float = 600, **args) -> list[dict]:
        async def one(process):
            process.stdin.write((json.dumps({"command": command, **args}) + "\n").encode())
            await process.stdin.drain()
            line = await asyncio.wait_for(process.stdout.readline(), timeout)
            if not line:
                raise RuntimeError(f"a worker ended during {command}")
            return json.loads(line)
        return await asyncio.gather(*(one(p) for p in self.processes))

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await self.ask("close", timeout=60)
        for process in self.processes:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(process.wait(), 30)
            if process.returncode is None:
                process.kill()
                await process.wait()


async def join_phones(workers: Workers, server: ServerProcess, phones: int,
                      at_once: int = 0) -> dict:
    cpu = server.cpu_seconds()
    started = time.monotonic()
    waves = math.ceil(phones / (at_once * workers.procs)) if at_once else 1
    answers = await workers.ask("join", timeout=(CONNECT_TIMEOUT * 2 + 60) * waves,
                                at_once=at_once)
    server_cpu = server.cpu_seconds() - cpu
    seconds = sorted(s for a in answers for s in a["join_seconds"])
    refused: Counter = Counter()
    for answer in answers:
        refused.update(answer["refused"])
    joined = sum(a["joined"] for a in answers)
    return {"phones": phones, "joined": joined, "failed_connects": phones - joined,
            "refused": dict(refused),
            "all_joined_s": round(max(a["at"] for a in answers) - started, 2)
            if joined == phones else None,
            "join_p50_ms": ms(percentile(seconds, 50)), "join_p99_ms": ms(percentile(seconds, 99)),
            "server_cpu_s": round(server_cpu, 2), **server.memory()}


async def run_target(target_name: str, phones: int, scenarios: list[str], procs: int,
                     data: Path, profile: Path | None = None,
                     profile_kind: str = "measured") -> list[dict]:
    """One fresh server for join, vote and reveal (under py-spy when `profile` names its
    output); another for idle. One JSON object each."""
    out = []

    def emit(scenario: str, figures: dict) -> None:
        record = {"scenario": scenario, "target": target_name, "phones": phones, **figures}
        if profile is not None and scenario != "idle":  # idle has a server of its own
            record["profiled"] = profile_kind
        print(json.dumps(record), flush=True)
        out.append(record)

    live = [s for s in scenarios if s in ("join", "vote", "reveal")]
    if live:
        server = ServerProcess(target_name, data / f"{target_name}-{phones}-live", phones + 10,
                               profile)
        server.start()
        target = Target(server)
        workers = Workers(procs)
        try:
            await target.setup()
            await workers.start(server.base, target.join_code, phones)
            joined = await join_phones(workers, server, phones)
            if "join" in scenarios:
                emit("join", joined)
            if "vote" in scenarios:
                emit("vote", await vote(workers, server, target, phones, joined))
            if "reveal" in scenarios:
                emit("reveal", await reveal(workers, server, target, phones, joined))
        finally:
            await workers.stop()
            await target.close()
            server.stop()
    if "idle" in scenarios:
        server = ServerProcess(target_name, data / f"{target_name}-{phones}-idle", phones + 10)
        server.start()
        target = Target(server)
        workers = Workers(procs)
        try:
            await target.setup()
            before = server.memory()
            await workers.start(server.base, target.join_code, phones)
            # Held, not a rush: at most IDLE_AT_ONCE phones connecting at a time.
            joined = await join_phones(workers, server, phones,
                                       at_once=math.ceil(IDLE_AT_ONCE / workers.procs))
            await asyncio.sleep(5)  # held and quiet
            emit("idle", {"phones": phones, "joined": joined["joined"],
                          "failed_connects": joined["failed_connects"],
                          "refused": joined["refused"],
                          "server_start_mb": before["server_rss_mb"], **server.memory()})
        finally:
            await workers.stop()
            await target.close()
            server.stop()
    return out


async def vote(workers: Workers, server: ServerProcess, target: Target, phones: int,
               joined: dict) -> dict:
    target.tallies.clear()
    target.counts.clear()
    cpu = server.cpu_seconds()
    start_at = time.monotonic() + 0.5
    answers = await workers.ask("vote", round_id=target.round, items=target.items,
                                start_at=start_at, timeout=1800)
    latencies = sorted(x for a in answers for x in a["latencies"])
    failed: Counter = Counter()
    for answer in answers:
        failed.update(answer["failed"])
    acked = len(latencies)
    last_ack = max(a["last_ack"] for a in answers)
    elapsed = last_ack - start_at
    server_cpu = server.cpu_seconds() - cpu
    voters = sum(a["voters"] for a in answers)
    completed = sum(a["completed"] for a in answers)
    # The exact final tally: every acknowledged vote counted, every phone started and finished.
    expected = {"started": voters if acked else 0, "finished": completed}
    deadline = time.monotonic() + 30  # a listener dropped under the load reconnects first
    exact_at = counted_at = None
    while time.monotonic() < deadline:
        exact_at = next((at for at, t in target.tallies
                         if t["started"]["total"] == expected["started"]
                         and t["finished"]["total"] == expected["finished"]), None)
        counted_at = next((at for at, n in target.counts if n == acked), None)
        if exact_at is not None and counted_at is not None:
            break
        await asyncio.sleep(0.05)
    final = target.tallies[-1][1] if target.tallies else None
    stored = await asyncio.to_thread(target.stored_votes)
    return {"phones": phones, "failed_connects": joined["failed_connects"],
            "items": len(target.items), "votes_acked": acked,
            "votes_failed": sum(failed.values()), "failures": dict(failed),
            "ack_p50_ms": ms(percentile(latencies, 50)),
            "ack_p95_ms": ms(percentile(latencies, 95)),
            "ack_p99_ms": ms(percentile(latencies, 99)),
            "ack_max_ms": ms(latencies[-1] if latencies else None),
            "votes_per_s": round(acked / elapsed, 1) if elapsed > 0 else None,
            "seconds": round(elapsed, 2),
            "projector_final": {"started": final["started"]["total"],
                                "finished": final["finished"]["total"]} if final else None,
            "projector_expected": expected,
            "counted_in_tally": next((n for _, n in reversed(target.counts)), None),
            "stored": stored,
            "last_ack_to_exact_tally_ms": ms(exact_at - last_ack) if exact_at else None,
            "last_ack_to_counted_ms": ms(counted_at - last_ack) if counted_at else None,
            "phones_dropped": sum(a["dropped"] for a in answers),
            "tallies_received": len(target.tallies),
            "listener_disconnects": dict(target.dropped),
            "server_cpu_s": round(server_cpu, 2),
            "loadgen_cpu_s": round(sum(a["cpu_seconds"] for a in answers), 2),
            **server.memory()}


async def reveal(workers: Workers, server: ServerProcess, target: Target, phones: int,
                 joined: dict) -> dict:
    started = time.monotonic()
    await target.reveal()
    acked = time.monotonic()
    answers = await workers.ask("results", round_id=target.round, deadline=started + 30,
                                timeout=90)
    arrivals = sorted(t - started for a in answers for t in a["arrivals"])
    missing = sum(a["missing"] for a in answers)
    return {"phones": phones, "failed_connects": joined["failed_connects"],
            "with_results": len(arrivals), "missing": missing,
            "phones_dropped": sum(a["dropped"] for a in answers),
            "reveal_ack_ms": ms(acked - started),
            "results_p50_ms": ms(percentile(arrivals, 50)),
            "results_p99_ms": ms(percentile(arrivals, 99)),
            "all_have_results_ms": ms(arrivals[-1]) if arrivals and not missing else None,
            **server.memory()}


# --- The profile -----------------------------------------------------------------------------

def profile_top(raw: Path, limit: int = 15) -> dict:
    """py-spy's collapsed stacks: the functions holding the most samples on their own (the
    leaf frame), and the project's functions with what they call."""
    own: Counter = Counter()
    total: Counter = Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        samples += n
        frames = [f.strip() for f in stack.split(";")]
        frames = frames[1:] if frames and frames[0].startswith("process ") else frames
        if not frames:
            continue
        own[_short(frames[-1])] += n
        # With callees: our own code's functions, where a change would go.
        for frame in {f for f in map(_short, frames) if "(workshop/" in f}:
            total[frame] += n

    def top(counter):
        return [(f, round(100 * n / samples, 1)) for f, n in counter.most_common(limit)]

    return {"samples": samples, "own": top(own), "ours": top(total)}


def _short(frame: str) -> str:
    """'cast_vote (/work/x/workshop/voting.py)' -> 'cast_vote (workshop/voting.py)'."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for marker in ("/site-packages/", str(ROOT) + "/", "/lib/python3"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where})"


# --- RESULTS.md --------------------------------------------------------------------------------

def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "load_average": os.getloadavg()}


def ratio(a, b) -> str:
    return f"{a / b:.2f}x" if isinstance(a, int | float) and isinstance(b, int | float) and b \
        else "-"


def fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def report(records: list[dict], info: dict, profile: dict | None, note: str,
           section: str = "standard") -> str:
    mark_start, mark_end = marks(section)
    by = {(r["scenario"], r["target"], r["phones"]): r for r in records
          if r.get("profiled") != "separate"}
    counts = sorted({phones for _, _, phones in by})
    order = ["baseline", "product", "gevent"]
    names = sorted({name for _, name, _ in by},
                   key=lambda n: (order.index(n) if n in order else len(order), n))
    compared = [n for n in names if n != "baseline"]
    load = ", ".join(f"{x:.2f}" for x in info["load_average"])
    title = "Phones against the product and the bare baseline" if section == "standard" \
        else f"Phones against the product and the bare baseline: {section}"
    lines = [mark_start, "", f"## {title} (`bench/load.py`, `make bench`)", "",
             f"{info['date']}; {info['nproc']} cores ({info['cpu']}), Python {info['python']}; "
             f"load average at the start {load}; load generator on the same cores. {note}".strip(),
             "", "Product: `run.py` (eventlet, one process, SQLite WAL, synchronous=FULL); "
             "gevent: the same under `WORKSHOP_ASYNC_MODE=gevent`; pgN: N workers of `run.py` "
             "(eventlet) on PostgreSQL and Redis behind nginx (`deploy/cluster.py`), memory and "
             "CPU summed over the workers. "
             "Baseline: `bench/baseline.py` (Flask-SocketIO, eventlet, one UPSERT and commit "
             "per vote, WAL, synchronous=FULL, a tally every 100 ms). Ratios are against the "
             "baseline, measured in the same run.", ""]

    def pair(scenario, phones, key, name="product"):
        p, b = by.get((scenario, name, phones), {}), by.get((scenario, "baseline", phones), {})
        return p.get(key), b.get(key)

    if any(scenario == "vote" for scenario, _, _ in by):  # not in an idle run
        lines += ["### Voting: every phone rates every item, the next vote when the last is "
                  "acknowledged", "",
                  "| phones | target | acked | failed | votes/s | ack p50 | p95 | p99 | "
                  "projector exact after last ack | counted = acked | server CPU s | "
                  "load gen CPU s | server peak MB |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for phones in counts:
            for name in names:
                r = by.get(("vote", name, phones))
                if r:
                    exact = r["counted_in_tally"] == r["votes_acked"] == r["stored"]
                    lines.append(
                        f"| {phones} | {name} | {fmt(r['votes_acked'])} | {fmt(r['votes_failed'])} "
                        f"| {fmt(r['votes_per_s'])} | {fmt(r['ack_p50_ms'])} ms "
                        f"| {fmt(r['ack_p95_ms'])} ms | {fmt(r['ack_p99_ms'])} ms "
                        f"| {fmt(r['last_ack_to_exact_tally_ms'])} ms | "
                        f"{'yes' if exact else 'NO'} ({fmt(r['counted_in_tally'])}, stored "
                        f"{fmt(r['stored'])}) | {fmt(r['server_cpu_s'])} "
                        f"| {fmt(r['loadgen_cpu_s'])} | {fmt(r['server_peak_mb'])} |")
            for name in compared:
                vps, p50, p99 = (pair("vote", phones, k, name)
                                 for k in ("votes_per_s", "ack_p50_ms", "ack_p99_ms"))
                if vps[0] is not None and vps[1] is not None:
                    lines.append(f"| {phones} | **{name} / baseline** | | | **{ratio(*vps)}** "
                                 f"| {ratio(*p50)} | | {ratio(*p99)} | | | | | |")
    lines += ["", "### Joining, revealing, holding idle phones", "",
              "| phones | target | joined (refused) | all joined | join p99 | reveal: all have "
              "results | results p50 | idle: joined | idle: server peak MB |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for phones in counts:
        for name in names:
            j = by.get(("join", name, phones), {})
            v = by.get(("reveal", name, phones), {})
            i = by.get(("idle", name, phones), {})
            if not (j or v or i):
                continue
            refused = sum(j.get("refused", {}).values()) if j else None
            lines.append(
                f"| {phones} | {name} | {fmt(j.get('joined'))} ({fmt(refused)}) "
                f"| {fmt(j.get('all_joined_s'))} s | {fmt(j.get('join_p99_ms'))} ms "
                f"| {fmt(v.get('all_have_results_ms'))} ms"
                f"{' (' + str(v['missing']) + ' missing)' if v.get('missing') else ''} "
                f"| {fmt(v.get('results_p50_ms'))} ms | {fmt(i.get('joined'))} "
                f"| {fmt(i.get('server_peak_mb'))} |")
        for name in compared:
            joins = pair("join", phones, "all_joined_s", name)
            reveals = pair("reveal", phones, "all_have_results_ms", name)
            idles = pair("idle", phones, "server_peak_mb", name)
            if any(None not in both for both in (joins, reveals, idles)):
                lines.append(f"| {phones} | **{name} / baseline** | | {ratio(*joins)} | "
                             f"| {ratio(*reveals)} | | | {ratio(*idles)} |")
    if profile:
        lines += ["", f"### Profile: the product under py-spy, {profile['phones']} phones voting",
                  "", f"{profile['samples']:,} samples at 100 Hz of the server process (py-spy "
                  "record --nonblocking; idle "
                  f"samples left out; {profile['run']}). Share of samples in the function "
                  "itself (any code), and in the project's own functions with what they call. "
                  "It covers the server's whole life: start, joins, votes, reveal.",
                  "", "| own | function | | with callees | workshop function |",
                  "| --- | --- | --- | --- | --- |"]
        for (f1, p1), (f2, p2) in itertools.zip_longest(profile["own"], profile["ours"],
                                                        fillvalue=("", "")):
            lines.append(f"| {p1}% | `{f1}` | | {p2}% | `{f2}` |")
    elif profile is None:
        lines += ["", "No profile in this run (`--profile` runs the product under py-spy)."]
    else:
        lines += ["", "The profile failed (py-spy missing or not allowed to sample); see the "
                  "output of the run."]
    lines += ["", "<details><summary>Every scenario's JSON</summary>", "", "```json"]
    lines += [json.dumps(r) for r in records]
    lines += ["```", "</details>", "", mark_end]
    return "\n".join(lines) + "\n"


def write_results(path: Path, section: str, name: str = "standard") -> None:
    """Put `section` between its marks in `path`: in place of the last run's, else at the end."""
    mark_start, mark_end = marks(name)
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    if mark_start in text and mark_end in text:
        head, rest = text.split(mark_start, 1)
        tail = rest.split(mark_end, 1)[1].lstrip("\n")
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


# --- Command line ------------------------------------------------------------------------------

async def conduct(args) -> None:
    info = machine()
    data = Path(tempfile.mkdtemp(prefix="bench-"))
    scenarios = args.scenarios.split(",")
    targets = args.targets.split(",")
    records: list[dict] = []
    counts = [int(n) for n in args.phones.split(",") if n]
    raw = data / "profile.txt"
    # The product's run at --profile-phones is itself profiled (py-spy does not stop the
    # server to sample); without such a run, a voting run of its own.
    profiled = args.profile and "product" in targets and "vote" in scenarios and \
        args.profile_phones in counts
    for phones in counts:
        procs = args.procs or max(1, math.ceil(phones / 1000))
        for target in targets:
            spy = profiled and target == "product" and phones == args.profile_phones
            records += await run_target(target, phones, scenarios, procs, data,
                                        profile=raw if spy else None)
    profile = None
    if args.profile:
        phones = args.profile_phones
        try:
            if not profiled:
                records += await run_target("product", phones, ["vote"],
                                            args.procs or max(1, math.ceil(phones / 1000)),
                                            data, profile=raw, profile_kind="separate")
            profile = {"phones": phones, "run": "the product's measured run in the tables"
                       if profiled else "a run of its own, not in the tables",
                       **profile_top(raw)}
            print(json.dumps({"profile": profile}), flush=True)
        except (OSError, RuntimeError, IndexError) as exc:
            print(json.dumps({"profile": None, "error": str(exc)[:500]}), flush=True)
            profile = False
    if args.results:
        write_results(Path(args.results),
                      report(records, info, profile, args.note, args.section), args.section)
        print(f"wrote {args.results}", flush=True)
    if not args.keep:
        shutil.rmtree(data, ignore_errors=True)
    else:
        print(f"servers' data and logs kept in {data}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", default="200,500",
                        help="comma-separated phone counts, e.g. 1000,2000,4000")
    parser.add_argument("--scenarios", default="join,vote,reveal,idle")
    parser.add_argument("--targets", default="baseline,product,gevent",
                        help="baseline, product, gevent, pg1, pg2, pg4 (N workers on "
                        "PostgreSQL and Redis behind nginx)")
    parser.add_argument("--procs", type=int, default=0,
                        help="worker processes for the phones (default: one per 1,000)")
    parser.add_argument("--profile", action="store_true",
                        help="also run the voting scenario on the product under py-spy")
    parser.add_argument("--profile-phones", type=int, default=500)
    parser.add_argument("--results", default="", help="write the figures into this file")
    parser.add_argument("--note", default="", help="a sentence for RESULTS.md")
    parser.add_argument("--section", default="standard",
                        help="the part of RESULTS.md this run replaces (e.g. cluster, idle)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the servers' data folders and logs")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    raise_open_files()
    if args.worker:
        asyncio.run(worker_main(json.loads(args.worker)))
        return
    asyncio.run(conduct(args))


if __name__ == "__main__":
    main()
