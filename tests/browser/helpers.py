"""Helpers for the live browser tests: sessions via the API, scripted voters, expected figures."""

from decimal import ROUND_HALF_UP, Decimal

import requests
import socketio

GROUPS = ["administration", "civil-society", "migrant-organisations"]


def create_session(server, **spec) -> dict:
    response = requests.post(server.base + "/api/sessions",
                             json={"title": "Integrationsworkshop Erfurt", "place": "Rathaus",
                                   "date": "2026-03-14", **spec}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def results(server, created) -> dict:
    """GET /api/sessions/<id>/results with the facilitator token, rounds by id."""
    response = requests.get(f"{server.base}/api/sessions/{created['id']}/results",
                            headers={"Authorization": f"Bearer {created['facilitator_token']}"},
                            timeout=10)
    assert response.status_code == 200, response.text
    return {r["id"]: r for r in response.json()["rounds"]}


def one_decimal(value: float, comma: bool = False) -> str:
    """How the pages show a mean: one decimal, half up."""
    text = str(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return text.replace(".", ",") if comma else text


class Voter:
    """A scripted participant or facilitator (python-socketio), for rooms bigger than the test's
    three browser phones; every call waits for its acknowledgement."""

    def __init__(self, server, auth: dict):
        self.client = socketio.Client(reconnection=False)
        self.client.connect(server.base, auth=auth, transports=["websocket"], wait_timeout=10)

    @classmethod
    def participant(cls, server, created, group: str, language: str = "de") -> "Voter":
        voter = cls(server, {"join_code": created["join_code"]})
        assert voter.call("join", {"group": group, "language": language})["ok"]
        return voter

    @classmethod
    def facilitator(cls, server, created) -> "Voter":
        return cls(server, {"session": created["id"],
                            "facilitator_token": created["facilitator_token"]})

    def call(self, event: str, payload: dict) -> dict:
        return self.client.call(event, payload, timeout=10)

    def vote(self, round_id: int, item: str, value) -> None:
        ack = self.call("vote", {"round": round_id, "item": item, "value": value})
        assert ack["ok"], ack

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()

