"""A bare vote server to measure the product against: Flask-SocketIO on eventlet and SQLite.

    .venv/bin/python bench/baseline.py --port 5099 --data /tmp/baseline

It does the product's essential work and nothing else, in the protocol `bench/load.py`
speaks to both: a phone connects and `join`s (one INSERT, commit, ack), `vote`s (one UPSERT,
commit, ack: the same durability as the product, WAL with synchronous=FULL), and one
listener (the "projector") gets a tally of votes per item and voters started/finished,
coalesced to at most one every 100 ms. The listener's `reveal` sends every phone the
results (votes and mean per item). No validation beyond what keeps it running, no rate
limits, no sessions, no languages: the floor under the product's cost.
"""

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
import eventlet  # noqa: E402

eventlet.monkey_patch()

import argparse  # noqa: E402
import secrets  # noqa: E402
import sqlite3  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from flask import Flask, jsonify, request  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402

ROUND = 1
ITEMS = [f"item-{n}" for n in range(1, 23)]  # as many as the product's governance principles
GROUPS = ["administration", "civil-society", "migrant-organisations"]
JOIN_CODE = "BASE01"

app = Flask(__name__)
socketio = SocketIO(app, async_mode="eventlet")
phones: dict[str, int] = {}  # sid -> participant id
state = {"dirty": False, "seq": 0}
database: sqlite3.Connection


def open_database(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.executescript("""
        CREATE TABLE IF NOT EXISTS participant (
            id INTEGER PRIMARY KEY, grp TEXT NOT NULL, token TEXT NOT NULL UNIQUE);
        CREATE TABLE IF NOT EXISTS vote (
            participant INTEGER NOT NULL REFERENCES participant(id), item TEXT NOT NULL,
            value INTEGER, PRIMARY KEY (participant, item));
    """)
    return connection


@app.get("/healthz")
def healthz():
    return "ok"


@app.get("/bench")
def setup():
    """What the load generator needs to know: the join code, the round and its items."""
    return jsonify({"join_code": JOIN_CODE, "round": ROUND, "items": ITEMS, "groups": GROUPS})


@app.get("/count")
def count():
    return jsonify({"votes": database.execute("SELECT COUNT(*) FROM vote").fetchone()[0]})


@socketio.on("connect")
def on_connect(auth=None):
    if isinstance(auth, dict) and auth.get("role") == "projector":
        join_room("projector")
    else:
        join_room("phones")


@socketio.on("disconnect")
def on_disconnect(*_reason):
    phones.pop(request.sid, None)


@socketio.on("join")
def on_join(payload):
    token = secrets.token_urlsafe(16)
    database.execute("BEGIN IMMEDIATE")
    cursor = database.execute("INSERT INTO participant (grp, token) VALUES (?, ?)",
                              (payload.get("group", GROUPS[0]), token))
    database.execute("COMMIT")
    phones[request.sid] = cursor.lastrowid
    return {"ok": True, "participant_token": token}


@socketio.on("vote")
def on_vote(payload):
    participant = phones.get(request.sid)
    if participant is None or payload.get("item") not in ITEMS:
        return {"ok": False, "error": {"code": "bad_request", "message": "join first"}}
    database.execute("BEGIN IMMEDIATE")
    database.execute(
        "INSERT INTO vote (participant, item, value) VALUES (?, ?, ?) "
        "ON CONFLICT (participant, item) DO UPDATE SET value = excluded.value",
        (participant, payload["item"], payload.get("value")))
    database.execute("COMMIT")
    state["dirty"] = True
    return {"ok": True, "round": ROUND, "item": payload["item"], "value": payload.get("value")}


@socketio.on("reveal")
def on_reveal(_payload=None):
    rows = database.execute("SELECT item, COUNT(*), AVG(value) FROM vote GROUP BY item")
    items = [{"id": item, "votes": votes, "mean": mean} for item, votes, mean in rows]
    state["seq"] += 1
    socketio.emit("results", {"round": ROUND, "items": items, "seq": state["seq"]},
                  to="phones")
    return {"ok": True}


def tally() -> dict:
    items = dict(database.execute("SELECT item, COUNT(*) FROM vote GROUP BY item").fetchall())
    per_voter = [n for (n,) in database.execute(
        "SELECT COUNT(*) FROM vote GROUP BY participant")]
    state["seq"] += 1
    return {"round": ROUND, "started": {"total": len(per_voter)},
            "finished": {"total": sum(1 for n in per_voter if n >= len(ITEMS))},
            "items": items, "seq": state["seq"]}


def coalesce(interval: float) -> None:
    while True:
        socketio.sleep(interval)
        if state["dirty"]:
            state["dirty"] = False
            socketio.emit("tally", tally(), to="projector")


def main() -> None:
    global database
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument("--data", required=True, help="folder for the SQLite file")
    parser.add_argument("--interval", type=float, default=0.1, help="tally every ... seconds")
    args = parser.parse_args()
    database = open_database(Path(args.data) / f"baseline-{int(time.time())}.db")
    socketio.start_background_task(coalesce, args.interval)
    print(f"baseline on http://{args.host}:{args.port}/", flush=True)
    socketio.run(app, host=args.host, port=args.port, log_output=False)


if __name__ == "__main__":
    main()
