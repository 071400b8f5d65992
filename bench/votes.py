"""Load benchmark: N phones vote over real websockets against run.py; prints latency figures.

    .venv/bin/python bench/votes.py [--phones 100] [--database postgresql://...]

Starts its own server on a free loopback port with a temporary data folder (SQLite unless
--database is given), so it never touches sessions/. Every request loop is bounded.
"""

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.servers import Server, free_port  # noqa: E402

GROUPS = ["administration", "civil-society", "migrant-organisations"]


def phone(base, code, round_id, items, latencies, errors, barrier):
    client = socketio.Client(reconnection=False)
    client.connect(base, auth={"join_code": code}, transports=["websocket"], wait_timeout=20)
    n = len(latencies)
    client.call("join", {"group": GROUPS[n % 3]}, timeout=20)
    barrier.wait(60)
    for k, item in enumerate(items):
        start = time.perf_counter()
        ack = client.call("vote", {"round": round_id, "item": item, "value": k % 5 + 1},
                          timeout=30)
        latencies.append(time.perf_counter() - start)
        if not ack.get("ok"):
            errors.append(ack)
    client.disconnect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=100)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()
    server = Server(Path(tempfile.mkdtemp()) / "sessions", args.database, free_port())
    server.start()
    try:
        created = requests.post(server.base + "/api/sessions", json={"title": "bench"}).json()
        facilitator = socketio.Client(reconnection=False)
        facilitator.connect(server.base, auth={"session": created["id"],
                                               "facilitator_token": created["facilitator_token"]},
                            transports=["websocket"])
        rnd = created["rounds"][1]  # governance principles: 22 items
        facilitator.call("open_round", {"round": rnd["id"]})
        items = [i["id"] for i in rnd["items"]]
        latencies: list[float] = []
        errors: list = []
        barrier = threading.Barrier(args.phones + 1)
        threads = [threading.Thread(target=phone, args=(server.base, created["join_code"],
                                                        rnd["id"], items, latencies, errors,
                                                        barrier), daemon=True)
                   for _ in range(args.phones)]
        for t in threads:
            t.start()
        barrier.wait(120)
        started = time.perf_counter()
        for t in threads:
            t.join(300)
        elapsed = time.perf_counter() - started
        results = requests.get(f"{server.base}/api/sessions/{created['id']}/results",
                               headers={"Authorization": f"Bearer {created['facilitator_token']}"}
                               ).json()
        counted = sum(i["votes"] for i in results["rounds"][1]["items"])
        ms = sorted(x * 1000 for x in latencies)
        print(f"phones {args.phones}, votes acknowledged {len(ms)}, refused {len(errors)}, "
              f"counted by the server {counted}")
        print(f"ack latency ms: median {statistics.median(ms):.1f}, "
              f"p95 {ms[int(len(ms) * 0.95) - 1]:.1f}, max {ms[-1]:.1f}")
        print(f"throughput: {len(ms) / elapsed:.0f} votes/s over {elapsed:.1f} s "
              f"({'PostgreSQL' if args.database else 'SQLite'}, eventlet, one process)")
        facilitator.disconnect()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
