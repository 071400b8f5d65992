"""Real server processes for tests: run.py on eventlet, on a free port, with its own data;
and python-socketio clients that talk to them."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, data_dir: Path, database_url: str | None, port: int):
        self.env = {**os.environ, "WORKSHOP_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
        self.env.pop("DATABASE_URL", None)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.port = port
        self.args: list[str] = []  # more options for run.py, e.g. --room
        self.base = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None
        self.popen: dict = {}  # more arguments for Popen, e.g. user= and group=
        self.log = data_dir.parent / f"server-{port}.log"

    def start(self) -> str:
        self.log_handle = open(self.log, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "run.py", "--port", str(self.port), *self.args], cwd=ROOT,
            env=self.env, stdout=self.log_handle, stderr=subprocess.STDOUT, **self.popen)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("server exited:\n" + self.log.read_text())
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return self.log.read_text()
            except requests.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("server did not answer in 30 s:\n" + self.log.read_text())

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.log_handle.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if not self.log_handle.closed:
            self.log_handle.close()


@contextmanager
def running_server(folder: Path, database_url: str | None = None, *,
                   env: dict[str, str | None] | None = None, args: list[str] | None = None,
                   log: Path | None = None, popen: dict | None = None) -> Iterator[Server]:
    """A server started on a free port with its data in folder/sessions, stopped afterwards
    (also when it did not come up). `env` adds variables to its environment (None removes
    one), `args` are more options for run.py, `log` is where its output goes instead of
    folder/server-<port>.log, `popen` more arguments for Popen."""
    server = Server(folder / "sessions", database_url, free_port())
    for name, value in (env or {}).items():
        if value is None:
            server.env.pop(name, None)
        else:
            server.env[name] = value
    server.args = list(args or [])
    server.popen = dict(popen or {})
    if log is not None:
        server.log = log
    try:
        server.start()
        yield server
    finally:
        server.stop()


def new_session(server, **spec):
    response = requests.post(server.base + "/api/sessions", json={"title": "Live", **spec})
    assert response.status_code == 201, response.text
    return response.json()


class _Client(socketio.Client):
    """Waits for the server's answer to a (re)connect as long as a browser does (20 s), not
    python-socketio's 1 s, after which a busy server's answer would come too late."""

    def connect(self, *args, wait_timeout: float = 20, **kwargs):
        return super().connect(*args, wait_timeout=wait_timeout, **kwargs)


class Phone:
    """A python-socketio client that records what the server sends. `auth` may be a callable
    (read again on every reconnect); `base` another address of the server (a proxy)."""

    def __init__(self, server, auth, base: str | None = None, reconnection: bool = False):
        self.client = _Client(reconnection=reconnection, reconnection_delay=0.5,
                                      reconnection_delay_max=2)
        self.events = defaultdict(list)
        self.refused = None
        for name in ("state", "round", "tally", "presence", "results", "ideas", "ended"):
            self.client.on(name, self._recorder(name))
        self.client.on("connect_error", self._refuse)
        self.server, self.auth, self.base = server, auth, base or server.base

    def _recorder(self, name):
        return lambda data: self.events[name].append(data)

    def _refuse(self, data):
        self.refused = data

    def connect(self):
        self.client.connect(self.base, auth=self.auth, transports=["websocket"],
                            wait_timeout=10)
        deadline = time.monotonic() + 10
        while not self.events["state"] and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def call(self, event, payload):
        return self.client.call(event, payload, timeout=10)

    def close(self):
        if self.client.connected:
            self.client.disconnect()
