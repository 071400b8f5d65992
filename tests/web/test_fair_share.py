"""Fair share for every phone: a token bucket per connection, a cap on participants, a limit on
wrong join codes per address, and bounds on what one message may hold. Each refusal does no
work and changes nothing."""

import json
import logging

import pytest
from sqlalchemy import func, select

from tests.live import Room
from workshop import realtime
from workshop.extensions import db, socketio
from workshop.models import Participant, Vote


@pytest.fixture
def room(app, client):
    return Room(app, client)


def error(ack):
    assert ack["ok"] is False, ack
    return ack["error"]


def count(model):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_connection_going_too_fast_is_refused_without_work(app, room):
    app.config.update(EVENT_RATE=0.5, EVENT_BURST=5)
    phone = room.phone()  # its bucket is made at connect, with the settings above
    room.act("open_round", round=room.rating)
    items = [f"health-c{n}" for n in range(1, 5)]
    acks = [phone.emit("vote", {"round": room.rating, "item": items[n % 4], "value": 3},
                       callback=True) for n in range(8)]
    # join took one token: four votes pass, the rest are refused and not stored.
    assert [a["ok"] for a in acks] == [True] * 4 + [False] * 4
    refused = error(acks[-1])
    assert refused["code"] == "rate_limited"
    assert 0 < refused["retry_after"] <= 2
    assert count(Vote) == 4
    # Another connection is not slowed by this one.
    other = room.phone(group="civil-society")
    assert other.emit("vote", {"round": room.rating, "item": items[0], "value": 2},
                      callback=True)["ok"]


def test_an_event_beyond_the_share_is_answered_before_it_is_read(app, room):
    app.config.update(EVENT_RATE=0.1, EVENT_BURST=1)
    phone = room.phone()  # join took the one token
    # Not even valid JSON: refused for its rate, not its content, so it was never decoded.
    socketio.server._handle_eio_message(phone.eio_sid, '27["vote",{"round": [[[')
    assert phone.acks["args"][0]["error"]["code"] == "rate_limited"
    assert count(Vote) == 0
    assert phone.is_connected()


def test_a_flooding_connection_is_dropped(app, room):
    app.config.update(EVENT_RATE=0.1, EVENT_BURST=2, FLOOD_LIMIT=20)
    phone = room.phone()
    room.act("open_round", round=room.rating)
    for _ in range(19):
        phone.emit("vote", {"round": room.rating, "item": "health-c1", "value": 3})
    assert phone.is_connected()
    phone.emit("vote", {"round": room.rating, "item": "health-c1", "value": 3})
    phone.emit("vote", {"round": room.rating, "item": "health-c1", "value": 3})
    assert not phone.is_connected()
    assert room.facilitator.is_connected()
    assert count(Vote) == 1  # the one vote within its share


def test_a_full_session_refuses_new_participants_not_returning_ones(app, room):
    app.config["MAX_PARTICIPANTS"] = 2
    first = room.phone()
    room.phone(group="civil-society")
    late = room.connect(join_code=room.created["join_code"])
    ack = late.emit("join", {"group": "administration", "language": "de"}, callback=True)
    assert error(ack)["code"] == "session_full"
    assert count(Participant) == 2
    back = room.connect(join_code=room.created["join_code"], participant_token=first.token)
    assert back.is_connected()
    state = back.get_received()[0]["args"][0]
    assert state["me"]["group"] == "administration"


def test_wrong_join_codes_from_one_address_are_slowed(app, room):
    app.config["JOIN_FAILURES_PER_MINUTE"] = 3
    realtime.configure(app.config)
    refusals = []
    for code in ("AAAAAA", "BBBBBB", "CCCCCC", "DDDDDD"):
        guess = socketio.test_client(app, auth={"join_code": code})
        assert not guess.is_connected()
        refusals.append(guess)
    # Now even the right code waits: guessing costs time, not just luck.
    right = socketio.test_client(app, auth={"join_code": room.created["join_code"]})
    assert not right.is_connected()
    # Staff connections are not join codes and are not slowed.
    assert room.connect(session=room.created["id"],
                        facilitator_token=room.created["facilitator_token"]).is_connected()


def test_an_oversized_event_gets_an_error_ack_and_the_connection_stays(app, room):
    phone = room.phone()
    room.act("open_round", round=room.ideas)
    limit = app.config["MAX_EVENT_BYTES"]
    ack = phone.emit("idea", {"round": room.ideas, "text": "x" * (limit + 10)}, callback=True)
    assert error(ack)["code"] == "payload_too_large"
    assert phone.is_connected()
    assert phone.emit("idea", {"round": room.ideas, "text": "Mehr Sprachkurse"},
                      callback=True)["ok"]


def test_deep_nesting_is_refused_before_parsing(app, room, caplog):
    phone = room.phone()
    room.act("open_round", round=room.rating)
    nested = {"round": room.rating, "item": "health-c1", "value": None}
    for _ in range(200):
        nested = {"x": nested}
    with caplog.at_level(logging.INFO, logger="workshop.realtime"):
        ack = phone.emit("vote", nested, callback=True)
    assert error(ack)["code"] == "too_deep"
    assert phone.is_connected()
    assert count(Vote) == 0
    # The client's mistake is one line in the log, not a traceback.
    lines = [r for r in caplog.records if r.name == "workshop.realtime"]
    assert lines and all(r.exc_info is None for r in lines)


@pytest.mark.parametrize("payload, field", [
    ({"round": "1", "item": "health-c1", "value": 3}, "round"),
    ({"round": 1, "item": "health-c1", "value": 3, "extra": 1}, "extra"),
    ({"round": 1, "value": 3}, "item"),
    ({"round": 1, "item": "a\x00b", "value": 3}, "item"),
    ({"round": 1, "item": "x" * 1001, "value": 3}, "item"),
    ({"round": -1, "item": "health-c1", "value": 3}, "round"),
    ({"round": 1, "item": "health-c1", "value": {"a": 1}}, "value"),
])
def test_malformed_payloads_name_the_field(room, payload, field):
    phone = room.phone()
    room.act("open_round", round=room.rating)
    refused = error(phone.emit("vote", payload, callback=True))
    assert refused["code"] == "bad_request"
    assert [p["field"] for p in refused["problems"]] == [field]
    assert count(Vote) == 0


def test_the_packet_guard_keeps_the_event_name():
    refused = realtime._BoundedJSON.loads('["vote",' + "[" * 100 + "]" * 100 + "]")
    assert refused[0] == "vote" and refused[1].code == "too_deep"
    assert realtime._BoundedJSON.loads('["vote",{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}]') \
        == ["vote", {"a": "[" * 35}]
    with pytest.raises(ValueError):
        realtime._BoundedJSON.loads("[" * 100 + "]" * 100)
    assert json.loads(json.dumps(["ok"])) == realtime._BoundedJSON.loads('["ok"]')
