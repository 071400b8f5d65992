"""The real server (run.py on eventlet) in its own process: start, answer, survive a kill."""

import os
import subprocess
import sys

import pytest
import requests

from tests.servers import ROOT, Server, free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def server(backend, tmp_path, request):
    url = request.getfixturevalue("postgres_schema_url") if backend == "postgres" else None
    srv = Server(tmp_path / "sessions", url, free_port())
    yield srv
    srv.stop()


def test_serves_survives_kill_and_deletes(server):
    banner = server.start()
    assert f"http://127.0.0.1:{server.port}/" in banner
    assert requests.get(server.base + "/healthz").json() == {"status": "ok"}
    assert "Workshop" in requests.get(server.base + "/").text

    created = requests.post(server.base + "/api/sessions", json={"title": "Neustart"}).json()
    headers = {"Authorization": f"Bearer {created['facilitator_token']}"}
    assert len(created["rounds"]) == 15 and len(created["groups"]) == 3

    server.kill()  # no clean shutdown: what was acknowledged must be on disk
    server.start()
    state = requests.get(f"{server.base}/api/sessions/{created['id']}", headers=headers).json()
    assert state["title"] == "Neustart"
    assert state["join_code"] == created["join_code"]
    assert state["rounds"] == created["rounds"]

    assert requests.delete(f"{server.base}/api/sessions/{created['id']}",
                           headers=headers).status_code == 204
    assert requests.get(f"{server.base}/api/sessions/{created['id']}",
                        headers=headers).status_code == 401


def test_uses_eventlet_by_default(tmp_path):
    script = ("import run, eventlet.patcher;"
              "from workshop.extensions import socketio;"
              "app = run.create_app();"
              "print(socketio.async_mode, eventlet.patcher.is_monkey_patched('socket'))")
    env = {**os.environ, "WORKSHOP_DATA_DIR": str(tmp_path / "sessions")}
    env.pop("WORKSHOP_ASYNC_MODE", None)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.stdout.split() == ["eventlet", "True"], out.stderr


def test_gevent_is_a_drop_in(tmp_path):
    """eventlet is in maintenance mode upstream: the same code must run on gevent."""
    srv = Server(tmp_path / "sessions", None, free_port())
    srv.env["WORKSHOP_ASYNC_MODE"] = "gevent"
    try:
        srv.start()
        created = requests.post(srv.base + "/api/sessions", json={"title": "gevent"})
        assert created.status_code == 201
        assert len(created.json()["rounds"]) == 15
    finally:
        srv.stop()
