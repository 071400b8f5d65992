"""The real server (run.py on eventlet) in its own process: start, answer, survive a kill."""

import json
import os
import subprocess
import sys

import psutil
import pytest
import requests

from tests.servers import ROOT, Server, running_server
from workshop.room import FAKE_INTERFACES_ENV, terminal_qr

pytestmark = pytest.mark.slow


@pytest.fixture
def server(backend, tmp_path, request):
    url = request.getfixturevalue("postgres_schema_url") if backend == "postgres" else None
    with running_server(tmp_path, url) as srv:
        yield srv


def test_serves_survives_kill_and_deletes(server):
    banner = server.log.read_text()  # what it printed when it started
    assert f"http://127.0.0.1:{server.port}/" in banner
    assert "start with `make room` for them" in banner
    assert listening_on(server) == {"127.0.0.1"}  # make run stays on the laptop
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


def listening_on(server: Server) -> set[str]:
    """The addresses the server process listens on, read from the system, not by connecting."""
    return {c.laddr.ip for c in psutil.Process(server.process.pid).net_connections("inet")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == server.port}


def test_room_listens_on_all_interfaces_and_links_to_the_chosen_address(tmp_path):
    # The laptop as make room would see it on a town hall's wifi; never connected to.
    interfaces = json.dumps([["lo", "127.0.0.1", True], ["docker0", "172.17.0.1", True],
                             ["wlp2s0", "192.168.178.34", True]])
    env = {FAKE_INTERFACES_ENV: interfaces, "WORKSHOP_PUBLIC_URL": None, "NO_COLOR": None}
    with running_server(tmp_path, env=env, args=["--room"]) as srv:
        room_url = f"http://192.168.178.34:{srv.port}"
        printed = srv.log.read_text()
        assert f"Phones join at  {room_url}/join\n" in printed
        assert terminal_qr(f"{room_url}/join") in printed
        assert f"open http://127.0.0.1:{srv.port}/ to create a session" in printed
        assert listening_on(srv) == {"0.0.0.0"}

        # Created on the laptop, as the facilitator does, yet linked for the phones.
        created = requests.post(srv.base + "/api/sessions", json={"title": "Im Saal"}).json()
        assert created["links"]["join"] == f"{room_url}/j/{created['join_code']}"
        assert created["links"]["projector"].startswith(f"{room_url}/p/{created['id']}?token=")


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
    with running_server(tmp_path, env={"WORKSHOP_ASYNC_MODE": "gevent"}) as srv:
        created = requests.post(srv.base + "/api/sessions", json={"title": "gevent"})
        assert created.status_code == 201
        assert len(created.json()["rounds"]) == 15


def test_the_server_process_leaves_the_client_transports_unimported(tmp_path):
    """requests and websocket-client are in .venv for the tests (and aiohttp for the
    benchmarks); python-engineio would import them into every server process. run.py marks
    them missing there, so engineio's clients go without (the other tests here serve pages
    and live events from such a process)."""
    probe = (
        "import sys; sys.argv = ['run.py']; import runpy; "
        "run = runpy.run_path('run.py', run_name='server'); "
        "import engineio.client, engineio.async_client; "
        "print(engineio.client.requests, engineio.client.websocket, "
        "engineio.async_client.aiohttp)"
    )
    env = {**os.environ, "WORKSHOP_DATA_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert out.split() == ["None", "None", "None"]  # this test's own process has requests
