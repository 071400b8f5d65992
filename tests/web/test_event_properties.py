"""Property-based: random and malformed payloads thrown at every Socket.IO event from every
role. Each gets an answer (never silence, never an internal error), a refusal changes nothing
in the database, and the connection goes on working."""

import json
import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.live import Room
from workshop import payloads
from workshop.extensions import db, socketio
from workshop.models import Base

SETTINGS = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

# Every field name any event knows, so generated objects often look nearly right.
FIELDS = sorted({name for model in vars(payloads).values()
                 if isinstance(model, type) and issubclass(model, payloads.Payload)
                 for name in model.model_fields})

scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=2**62)
           | st.floats() | st.text(max_size=40) | st.just("\x00") | st.just("x" * 1001)
           | st.sampled_from(["health-c1", "cant_judge", "administration", "de", "ar"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
objects = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), values, max_size=4)
payload_strategy = objects | values


def events() -> list[str]:
    """Every event the server registers: a new one is fuzzed without anyone listing it."""
    return sorted(name for name in socketio.server.handlers["/"]
                  if name not in ("connect", "disconnect"))


def snapshot() -> dict[str, list]:
    """Every row of every table, in a stable order."""
    with db.read() as s:
        return {table.name: sorted(map(repr, s.execute(select(table)).all()))
                for table in Base.metadata.sorted_tables}


@pytest.fixture
def room(app, client):
    app.config.update(EVENT_RATE=10_000, EVENT_BURST=10_000)  # the fuzzer is not a flood
    room = Room(app, client)
    room.act("open_round", round=room.rating)
    room.clients = {
        "facilitator": room.facilitator,
        "projector": room.connect(session=room.created["id"],
                                  projector_token=room.created["projector_token"]),
        "participant": room.phone(),
        "not joined": room.connect(join_code=room.created["join_code"]),
    }
    return room


def target(room, data) -> tuple[str, str]:
    """A role and an event to throw something at."""
    return (data.draw(st.sampled_from(sorted(room.clients)), label="role"),
            data.draw(st.sampled_from(events()), label="event"))


def answered(ack) -> dict:
    assert isinstance(ack, dict), f"no acknowledgement: {ack!r}"
    assert isinstance(ack.get("ok"), bool), ack
    if not ack["ok"]:
        error = ack["error"]
        assert error["code"] != "internal", error
        assert isinstance(error["message"], str) and error["message"], error
    return ack


def still_works(room) -> None:
    for name, client in room.clients.items():
        assert client.is_connected(), name
    assert room.facilitator.emit("timer", {"seconds": 0}, callback=True)["ok"]


def _json_safe(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(map(_json_safe, value))
    if isinstance(value, dict):
        return all(map(_json_safe, value.values()))
    return True


@SETTINGS
@given(data=st.data())
def test_any_payload_to_any_event_is_answered_and_a_refusal_changes_nothing(room, data):
    role, event = target(room, data)
    payload = data.draw(payload_strategy, label="payload")
    # Ending the session is a valid request that leaves nothing else to try.
    assume(not (event == "end_session" and role == "facilitator" and payload in (None, {})))
    before = snapshot()
    ack = answered(room.clients[role].emit(event, payload, callback=True))
    if not ack["ok"]:
        assert snapshot() == before, (role, event, payload, ack)
    still_works(room)


@SETTINGS
@given(data=st.data())
def test_wrong_argument_shapes_are_answered(room, data):
    """Not one object: none, several, or a bare value; the answer says to send one object."""
    role, event = target(room, data)
    args = data.draw(st.lists(values, min_size=2, max_size=3) | values.map(lambda v: [v]),
                     label="args")
    assume(len(args) > 1 or not isinstance(args[0], dict | None))
    before = snapshot()
    ack = answered(room.clients[role].emit(event, *args, callback=True))
    assert ack["ok"] is False and ack["error"]["code"] in ("bad_request", "forbidden",
                                                           "not_joined"), ack
    assert snapshot() == before
    still_works(room)


@SETTINGS
@given(data=st.data())
def test_broken_packets_are_answered_when_named_and_never_break_the_connection(room, data):
    """Raw Socket.IO packet text as a broken client or an attacker would send it."""
    role, event = target(room, data)
    payload = data.draw(values.filter(_json_safe), label="payload")
    whole = json.dumps([event, payload])
    cut = data.draw(st.integers(min_value=len(event) + 4, max_value=len(whole)), label="cut")
    junk = data.draw(st.text(max_size=12), label="junk")
    text = whole[:cut] + junk
    try:
        json.loads(text)
        assume(False)  # still valid JSON: the other tests cover what it means
    except ValueError:
        pass
    client = room.clients[role]
    client.acks = None
    before = snapshot()
    socketio.server._handle_eio_message(client.eio_sid, "2" + "77" + text)
    ack = answered(client.acks and client.acks["args"][0])
    assert ack["ok"] is False and ack["error"]["code"] in ("bad_request", "too_deep"), ack
    assert snapshot() == before
    # Text that names no event is not answered (nothing to answer to) and breaks nothing.
    socketio.server._handle_eio_message(client.eio_sid, "2" + junk + "\x00{")
    still_works(room)
