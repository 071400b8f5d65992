"""Real server processes for tests: run.py on eventlet, on a free port, with its own data."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

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
        self.log = data_dir.parent / f"server-{port}.log"

    def start(self) -> str:
        self.log_handle = open(self.log, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "run.py", "--port", str(self.port), *self.args], cwd=ROOT,
            env=self.env, stdout=self.log_handle, stderr=subprocess.STDOUT)
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
