"""The live protocol through Flask-SocketIO's test client: every event, and every refusal."""

import time

import pytest
from flask import request, session, url_for
from flask_socketio import _ManagedSession
from socketio import packet
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder

from tests.live import Room
from workshop import LIVE_PATH, LiveEventContext
from workshop.extensions import db, socketio
from workshop.models import Idea, Participant, Upvote, Vote
from workshop.realtime import GuardedPacket, broadcaster


@pytest.fixture
def room(app, client):
    return Room(app, client)


def error(ack):
    assert ack["ok"] is False, ack
    return ack["error"]["code"]


def count(model, *where):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


# --- The request context of a live event -----------------------------------------------------

def test_a_live_event_s_request_context_matches_no_route_and_reuses_its_connection_s_parts(app):
    """Flask-SocketIO pushes a request context around every event, on the connection's own
    environ: no route is matched for it (the NotFound that matching the Socket.IO path raised
    cost every vote), the URL adapter is made once per connection, and the connection's saved
    session is used instead of the cookie being read again."""
    environ = EnvironBuilder(path=LIVE_PATH, query_string="EIO=4&transport=websocket",
                             headers={"Cookie": "session=forged"}).get_environ()
    first = app.request_context(environ)
    assert isinstance(first, LiveEventContext)
    with first:
        assert request.routing_exception is None and request.url_rule is None
        assert url_for("static", filename="css/app.css").endswith("/static/css/app.css")
    saved = environ["saved_session"] = _ManagedSession({"lang": "de"})
    second = app.request_context(environ)
    assert second.url_adapter is first.url_adapter
    with second:
        assert session["lang"] == "de" and second.session is saved
    # Pages keep Flask's own context: matched against the routes.
    with app.test_request_context("/") as page:
        assert not isinstance(page, LiveEventContext)
        assert request.url_rule is not None and request.routing_exception is None
    with app.test_request_context("/no-such-page"):
        assert request.routing_exception is not None


@pytest.mark.parametrize("data", [
    None, 7, "text", b"bytes", [], {}, ["vote", {"round": 1, "item": "h1", "value": 3}],
    {"rounds": [{"items": [{"id": "a", "text": "…"}] * 50}] * 10},
    {"deep": [[[[{"x": bytearray(b"z")}]]]]}, [{"a": 1}, {"b": [2, 3, b"last"]}],
])
def test_the_server_s_packets_find_bytes_as_python_socketio_does(data):
    """GuardedPacket's quicker walk gives python-socketio's answer, so a payload with bytes
    still goes out as a binary packet and everything else as JSON."""
    assert GuardedPacket.data_is_binary(data) == packet.Packet.data_is_binary(data)
    sent = GuardedPacket(packet.EVENT, data=["news", data])
    assert (sent.packet_type == packet.BINARY_EVENT) == packet.Packet.data_is_binary(data)


# --- Connecting ---------------------------------------------------------------------------------

def test_each_role_gets_its_state_on_connect(room):
    state = room.events(room.facilitator, "state")[0]
    assert state["role"] == "facilitator"
    assert state["session"]["join_code"] == room.created["join_code"]
    assert [r["id"] for r in state["rounds"]] == [room.rating, room.dots, room.ideas, room.later]
    assert state["me"] is None and "tally" in state and "presence" in state

    projector = room.connect(session=room.created["id"],
                             projector_token=room.created["projector_token"], language="en")
    pstate = room.events(projector, "state")[0]
    assert pstate["role"] == "projector"
    assert pstate["rounds"][0]["field_title"] == "Health"

    phone = room.connect(join_code=room.created["join_code"].lower())
    phone_state = room.events(phone, "state")[0]
    assert phone_state["role"] == "participant" and phone_state["me"] is None
    assert "tally" not in phone_state and "presence" not in phone_state


@pytest.mark.parametrize("auth", [
    None, {}, {"join_code": "ZZZZZZ"}, {"join_code": 7}, {"session": "x", "facilitator_token": "y"},
    {"token": "abc"},
])
def test_bad_credentials_are_refused_at_connect(room, auth):
    assert not room.connect(**auth).is_connected() if auth else not socketio.test_client(
        room.app, auth=auth).is_connected()


def test_forged_tokens_are_refused(room):
    created = room.created
    assert not room.connect(session=created["id"],
                            facilitator_token=created["projector_token"]).is_connected()
    assert not room.connect(session=created["id"], projector_token="f" * 40).is_connected()
    assert not room.connect(join_code=created["join_code"],
                            participant_token="forged").is_connected()
    # A real participant token of another session does not open this one.
    other = Room(room.app, room.app.test_client())
    stranger = other.phone()
    assert not room.connect(join_code=created["join_code"],
                            participant_token=stranger.token).is_connected()


def test_reconnect_with_token_is_the_same_participant_with_the_same_votes(room):
    phone = room.phone("civil-society", "en")
    room.act("open_round", round=room.rating)
    assert phone.emit("vote", {"round": room.rating, "item": "health-c1", "value": 4},
                      callback=True)["ok"]
    assert phone.emit("vote", {"round": room.rating, "item": "health-c2", "value": "cant_judge"},
                      callback=True)["ok"]
    phone.disconnect()
    again = room.connect(join_code=room.created["join_code"], participant_token=phone.token)
    state = room.events(again, "state")[0]
    assert state["me"]["group"] == "civil-society" and state["me"]["language"] == "en"
    assert state["me"]["votes"] == {str(room.rating): {"health-c1": 4, "health-c2": "cant_judge"}}
    assert state["rounds"][0]["question"] == "How much does this challenge apply here?"
    assert count(Participant) == 1


# --- Joining ------------------------------------------------------------------------------------

def test_join_refusals(room):
    phone = room.connect(join_code=room.created["join_code"])
    assert error(phone.emit("join", {"group": "bosses", "language": "de"},
                            callback=True)) == "unknown_group"
    assert error(phone.emit("join", {"group": "administration", "language": "fr"},
                            callback=True)) == "unknown_language"
    assert error(phone.emit("join", {"language": "de"}, callback=True)) == "bad_request"
    assert error(phone.emit("vote", {"round": room.rating, "item": "health-c1", "value": 3},
                            callback=True)) == "not_joined"
    assert count(Participant) == 0
    ack = phone.emit("join", {"group": "administration"}, callback=True)
    assert ack["ok"] and ack["state"]["me"]["group"] == "administration"
    assert len(ack["participant_token"]) >= 43
    assert error(phone.emit("join", {"group": "administration"}, callback=True)) == \
        "already_joined"
    assert count(Participant) == 1


def test_participant_never_calls_facilitator_events(room):
    phone = room.phone()
    for event in ("open_round", "close_round", "reveal_round", "hide_round", "reopen_round"):
        assert error(phone.emit(event, {"round": room.rating}, callback=True)) == "forbidden"
    assert error(phone.emit("hide_idea", {"idea": 1}, callback=True)) == "forbidden"
    assert error(phone.emit("end_session", {}, callback=True)) == "forbidden"
    assert error(phone.emit("timer", {"seconds": 60}, callback=True)) == "forbidden"
    assert error(room.facilitator.emit("vote", {"round": room.rating, "item": "health-c1",
                                                "value": 3}, callback=True)) == "forbidden"
    with db.read() as s:
        from workshop.models import Round
        assert s.get(Round, room.rating).state == "pending"


# --- Votes --------------------------------------------------------------------------------------

@pytest.mark.parametrize("payload", [
    ["round", 1], "vote", 5,
    {"round": "1", "item": "health-c1", "value": 3},
    {"round": True, "item": "health-c1", "value": 3},
    {"item": "health-c1", "value": 3},
    {"round": ..., "item": "health-c1"},
    {"round": ..., "item": "health-c1", "value": 3, "extra": 1},
    {"round": ..., "item": "x" * 2000, "value": 3},
    {"round": 2**70, "item": "health-c1", "value": 3},
    {"round": -1, "item": "health-c1", "value": 3},
    {"round": ..., "item": "health\x00c1", "value": 3},
])
def test_malformed_vote_payloads(room, payload):
    phone = room.phone()
    room.act("open_round", round=room.rating)
    if isinstance(payload, dict) and payload.get("round") is ...:
        payload = {**payload, "round": room.rating}
    assert error(phone.emit("vote", payload, callback=True)) == "bad_request"
    assert count(Vote) == 0


def test_rating_votes_change_and_withdraw(room):
    phone = room.phone()
    vote = lambda item, value: phone.emit(  # noqa: E731
        "vote", {"round": room.rating, "item": item, "value": value}, callback=True)
    assert error(vote("health-c1", 3)) == "round_not_open"
    room.act("open_round", round=room.rating)
    for bad in (0, 6, -1, 3.5, "3", True, 2**40):
        assert error(vote("health-c1", bad)) == "invalid_value"
    assert error(vote("health-c1", [3])) == "bad_request"  # not even one value
    assert error(vote("housing-c1", 3)) == "item_not_found"
    ack = vote("health-c1", 3)
    assert ack == {"ok": True, "round": room.rating, "item": "health-c1", "value": 3,
                   "attempt": 1}
    assert vote("health-c1", 5)["ok"]
    with db.read() as s:
        assert list(s.scalars(select(Vote.value))) == [5]
    assert vote("health-c1", None)["ok"]
    assert count(Vote) == 0
    assert vote("health-c2", "cant_judge")["ok"]
    with db.read() as s:
        assert list(s.scalars(select(Vote.value))) == [0]
    room.act("close_round", round=room.rating)
    assert error(vote("health-c2", 4)) == "round_not_open"
    with db.read() as s:
        assert list(s.scalars(select(Vote.value))) == [0]


def test_dots_budget_and_item_maximum(room):
    phone = room.phone()
    room.act("open_round", round=room.dots)
    give = lambda item, points: phone.emit(  # noqa: E731
        "vote", {"round": room.dots, "item": item, "value": points}, callback=True)
    assert error(give("health-p1", 3)) == "over_item_max"
    assert give("health-p1", 2)["points_left"] == 3
    assert give("health-p2", 2)["points_left"] == 1
    assert error(give("health-p3", 2)) == "over_budget"
    assert give("health-p3", 1)["points_left"] == 0
    assert give("health-p1", 1)["points_left"] == 1  # moving points down frees them
    assert give("health-p2", 0)["points_left"] == 3  # 0 takes them back
    assert give("health-p3", None)["points_left"] == 4  # and so does null
    assert error(give("health-p4", -1)) == "invalid_value"
    with db.read() as s:
        rows = dict(s.execute(select(Vote.item_id, Vote.value)).all())
    assert rows == {"health-p1": 1}


def test_wrong_kind(room):
    phone = room.phone()
    room.act("open_round", round=room.ideas)
    assert error(phone.emit("vote", {"round": room.ideas, "item": "health-c1", "value": 1},
                            callback=True)) == "wrong_kind"
    room.act("open_round", round=room.rating)
    assert error(phone.emit("idea", {"round": room.rating, "text": "x"},
                            callback=True)) == "wrong_kind"


# --- Ideas --------------------------------------------------------------------------------------

def test_ideas_and_upvotes(room):
    alice, bob = room.phone("administration"), room.phone("civil-society")
    assert error(alice.emit("idea", {"round": room.ideas, "text": "x"},
                            callback=True)) == "round_not_open"
    room.act("open_round", round=room.ideas)
    assert error(alice.emit("idea", {"round": room.ideas, "text": "   "},
                            callback=True)) == "idea_empty"
    assert error(alice.emit("idea", {"round": room.ideas, "text": "x" * 281},
                            callback=True)) == "idea_too_long"
    ack = alice.emit("idea", {"round": room.ideas, "text": "  Mehr  Sprachkurse\nam Abend "},
                     callback=True)
    idea = ack["idea"]
    assert idea["text"] == "Mehr Sprachkurse am Abend" and idea["mine"] is True
    assert error(alice.emit("upvote", {"idea": idea["id"]}, callback=True)) == "own_idea"
    assert bob.emit("upvote", {"idea": idea["id"]}, callback=True)["upvotes"] == 1
    assert bob.emit("upvote", {"idea": idea["id"]}, callback=True)["upvotes"] == 1  # once only
    assert bob.emit("upvote", {"idea": idea["id"], "on": False}, callback=True)["upvotes"] == 0
    assert bob.emit("upvote", {"idea": idea["id"]}, callback=True)["upvotes"] == 1
    assert error(bob.emit("upvote", {"idea": 99999}, callback=True)) == "idea_not_found"
    for i in range(9):
        assert alice.emit("idea", {"round": room.ideas, "text": f"Idee {i}"}, callback=True)["ok"]
    assert error(alice.emit("idea", {"round": room.ideas, "text": "one more"},
                            callback=True)) == "too_many_ideas"

    room.facilitator.get_received()
    ack = room.act("hide_idea", idea=idea["id"])
    assert ack["hidden"] is True
    assert error(bob.emit("upvote", {"idea": idea["id"]}, callback=True)) == "idea_not_found"
    broadcaster.flush()
    seen_by_bob = room.events(bob, "ideas")[-1]["ideas"]
    assert idea["id"] not in [i["id"] for i in seen_by_bob] and len(seen_by_bob) == 9
    seen_by_facilitator = room.events(room.facilitator, "ideas")[-1]["ideas"]
    assert seen_by_facilitator[0] == {"id": idea["id"], "text": "Mehr Sprachkurse am Abend",
                                      "upvotes": 1, "hidden": True, "status": "hidden"}
    assert count(Idea) == 10 and count(Upvote) == 1
    assert room.act("hide_idea", idea=idea["id"], hidden=False)["hidden"] is False


# --- Facilitator: the round lifecycle -----------------------------------------------------------

def test_round_lifecycle_and_refused_transitions(room):
    act_error = lambda event, rnd: error(room.facilitator.emit(  # noqa: E731
        event, {"round": rnd}, callback=True))
    assert act_error("close_round", room.rating) == "invalid_transition"
    assert act_error("reveal_round", room.rating) == "invalid_transition"
    assert act_error("reopen_round", room.rating) == "invalid_transition"
    assert act_error("open_round", 999999) == "round_not_found"
    assert room.act("open_round", round=room.rating)["changed"] == [room.rating]
    assert room.act("open_round", round=room.rating)["changed"] == []
    # Opening the next round closes the open one.
    ack = room.act("open_round", round=room.dots)
    assert ack["changed"] == [room.rating, room.dots] and ack["current_round"] == room.dots
    assert act_error("open_round", room.rating) == "invalid_transition"
    assert room.act("reveal_round", round=room.rating)["current_round"] == room.rating
    assert room.act("hide_round", round=room.rating)["changed"] == [room.rating]


def test_reopen_keeps_both_attempts(room, client):
    phone = room.phone()
    room.act("open_round", round=room.rating)
    phone.emit("vote", {"round": room.rating, "item": "health-c1", "value": 2}, callback=True)
    room.act("close_round", round=room.rating)
    room.act("reveal_round", round=room.rating)
    ack = room.act("reopen_round", round=room.rating)
    assert ack["changed"] == [room.rating]
    phone.get_received()
    assert phone.emit("vote", {"round": room.rating, "item": "health-c1", "value": 5},
                      callback=True)["attempt"] == 2
    assert count(Vote) == 2
    headers = {"Authorization": f"Bearer {room.created['facilitator_token']}"}
    results = client.get(f"/api/sessions/{room.created['id']}/results", headers=headers)
    rating = results.get_json()["rounds"][0]
    assert rating["attempt"] == 2 and rating["revealed"] is False
    assert rating["items"][0]["mean"] == 5.0
    assert rating["attempts"][0]["attempt"] == 1 and rating["attempts"][0]["items"][0]["mean"] == 2


def test_a_phone_gets_a_round_s_texts_when_it_opens(room):
    """A phone's state leaves out the texts of rounds not opened yet; the round's event brings
    them, and a phone connecting later gets them in its state."""
    phone = room.connect(join_code=room.created["join_code"], language="en")
    connected = room.events(phone, "state")[-1]
    joined = phone.emit("join", {"group": "administration", "language": "en"},
                        callback=True)["state"]
    for state in (connected, joined):
        later = next(r for r in state["rounds"] if r["id"] == room.later)
        assert later["state"] == "pending" and later["items"] == [] and later["question"] == ""
    staff = room.events(room.facilitator, "state")[0]
    full = next(r for r in staff["rounds"] if r["id"] == room.later)
    assert full["items"] and full["question"]  # the console keeps the whole agenda

    room.act("open_round", round=room.later)
    opened = room.events(phone, "round")[-1]["round"]
    assert opened["id"] == room.later and opened["question"]
    assert [i["id"] for i in opened["items"]] == [i["id"] for i in full["items"]]
    again = room.connect(join_code=room.created["join_code"], language="en")
    late = next(r for r in room.events(again, "state")[-1]["rounds"] if r["id"] == room.later)
    assert [i["id"] for i in late["items"]] == [i["id"] for i in full["items"]]


def test_round_events_reach_everyone_in_their_language(room):
    german, english = room.phone(language="de"), room.phone(language="en")
    room.act("open_round", round=room.rating)
    de_round = room.events(german, "round")[-1]
    en_round = room.events(english, "round")[-1]
    assert de_round["round"]["state"] == en_round["round"]["state"] == "open"
    assert de_round["current_round"] == room.rating
    assert de_round["round"]["question"].startswith("Wie sehr")
    assert en_round["round"]["question"].startswith("How much")


def test_results_reach_participants_only_when_revealed(room):
    phone = room.phone()
    room.act("open_round", round=room.rating)
    phone.emit("vote", {"round": room.rating, "item": "health-c1", "value": 4}, callback=True)
    room.facilitator.get_received()
    broadcaster.flush()
    assert room.events(phone, "results") == [] and room.events(phone, "tally") == []
    preview = room.events(room.facilitator, "results")
    assert preview[-1]["items"][0]["mean"] == 4.0
    room.act("reveal_round", round=room.rating)
    broadcaster.flush()
    shown = room.events(phone, "results")[-1]
    assert shown["round"] == room.rating and shown["items"][0]["votes"] == 1
    # One voter in the group: the per-group figure is never sent.
    assert shown["items"][0]["groups"]["administration"] == {"suppressed": True}


def test_tallies_are_coalesced_with_rising_seq(room):
    phones = [room.phone(g) for g in ("administration", "civil-society", "civil-society")]
    room.act("open_round", round=room.rating)
    room.facilitator.get_received()
    for phone in phones:
        for item in ("health-c1", "health-c2", "health-c3"):
            phone.emit("vote", {"round": room.rating, "item": item, "value": 3}, callback=True)
    broadcaster.flush()
    tallies = room.events(room.facilitator, "tally")
    assert len(tallies) == 1  # nine votes, one tally
    assert tallies[0]["started"] == {"total": 3, "by_group": {
        "administration": 1, "civil-society": 2, "migrant-organisations": 0}}
    # Three of the round's four challenges: started, not finished.
    assert tallies[0]["finished"]["total"] == 0
    assert tallies[0]["items"] == {"health-c1": 3, "health-c2": 3, "health-c3": 3}
    phones[0].emit("vote", {"round": room.rating, "item": "health-c4", "value": 1}, callback=True)
    broadcaster.flush()
    later = room.events(room.facilitator, "tally")
    assert later[0]["seq"] > tallies[0]["seq"]
    assert all(room.events(p, "tally") == [] for p in phones)


def test_an_open_round_s_results_are_recomputed_at_most_every_results_interval(room,
                                                                                monkeypatch):
    """The tally goes with every flush; the results of an open round (read from every vote)
    at most every LIVE_RESULTS_INTERVAL, owed in between, and at once when the round closes."""
    monkeypatch.setattr(broadcaster, "results_interval", 0.5)
    phone = room.phone()
    room.act("open_round", round=room.rating)
    broadcaster.flush()
    room.facilitator.get_received()

    def vote_and_flush(item, value):
        phone.emit("vote", {"round": room.rating, "item": item, "value": value}, callback=True)
        broadcaster.flush()
        received = room.facilitator.get_received()
        return ([m["args"][0] for m in received if m["name"] == "tally"],
                [m["args"][0] for m in received if m["name"] == "results"])

    tallies, results = vote_and_flush("health-c1", 4)
    assert len(tallies) == 1 and results == []  # results went out with the opening flush
    assert tallies[0]["items"] == {"health-c1": 1}
    time.sleep(0.6)
    broadcaster.flush()  # owed: they come with the first flush after the interval
    owed = room.events(room.facilitator, "results")
    assert len(owed) == 1 and owed[0]["round"] == room.rating
    assert {i["id"]: i["votes"] for i in owed[0]["items"]}["health-c1"] == 1
    tallies, results = vote_and_flush("health-c2", 2)
    assert len(tallies) == 1 and results == []
    room.act("reveal_round", round=room.rating)  # revealed while open: sent at once
    broadcaster.flush()
    revealed = room.events(phone, "results")
    assert revealed and {i["id"]: i["votes"] for i in revealed[-1]["items"]}["health-c2"] == 1
    room.facilitator.get_received()
    vote_and_flush("health-c3", 5)
    assert room.events(phone, "results") == []  # held again: the same revealed round
    room.act("close_round", round=room.rating)
    broadcaster.flush()
    closed = room.events(room.facilitator, "results")
    assert closed and {i["id"]: i["votes"] for i in closed[-1]["items"]}["health-c2"] == 1


def test_presence_counts_connected_participants_per_group(room):
    room.facilitator.get_received()
    first = room.phone("administration")
    room.phone("migrant-organisations")
    broadcaster.flush()
    presence = room.events(room.facilitator, "presence")[-1]
    assert presence["present"] == 2
    assert presence["present_by_group"] == {"administration": 1, "civil-society": 0,
                                            "migrant-organisations": 1}
    first.disconnect()
    broadcaster.flush()
    assert room.events(room.facilitator, "presence")[-1]["present"] == 1


def test_timer(room):
    phone = room.phone()
    ack = room.act("timer", seconds=120)
    assert ack["timer"]["seconds"] == 120
    assert room.events(phone, "timer")[-1]["timer"]["seconds"] == 120
    assert error(room.facilitator.emit("timer", {"seconds": -5}, callback=True)) == "bad_request"
    assert room.act("timer", seconds=0)["timer"] is None


def test_end_session(room):
    phone = room.phone()
    room.act("open_round", round=room.rating)
    assert room.act("end_session")["ended"] is True
    assert room.events(phone, "ended") == [{"session": room.created["id"]}]
    assert error(phone.emit("vote", {"round": room.rating, "item": "health-c1", "value": 3},
                            callback=True)) == "session_ended"
    assert error(room.facilitator.emit("open_round", {"round": room.dots},
                                       callback=True)) == "session_ended"
    assert not room.connect(join_code=room.created["join_code"]).is_connected()
    # The facilitator can still look at it, and reveal results.
    assert room.act("reveal_round", round=room.rating)["changed"] == [room.rating]


def test_deleting_the_session_tells_every_screen(room, client):
    phone = room.phone()
    headers = {"Authorization": f"Bearer {room.created['facilitator_token']}"}
    response = client.delete(f"/api/sessions/{room.created['id']}", headers=headers)
    assert response.status_code == 204
    assert room.events(phone, "deleted") == [{"session": room.created["id"]}]
    assert error(phone.emit("vote", {"round": room.rating, "item": "health-c1", "value": 3},
                            callback=True)) == "session_not_found"


def test_ending_saves_the_backup_and_reports_to_disk(room, app):
    import json
    import time
    from pathlib import Path

    phone = room.phone()
    room.act("open_round", round=room.rating)
    phone.emit("vote", {"round": room.rating, "item": "health-c1", "value": 4}, callback=True)
    room.act("end_session")
    folder = Path(app.config["DATA_DIR"]) / room.created["id"]
    expected = {"integrationsworkshop-erfurt-2026-03-14.json",
                "integrationsworkshop-erfurt-2026-03-14-de.pdf",
                "integrationsworkshop-erfurt-2026-03-14-en.pdf"}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
            folder.is_dir() and {p.name for p in folder.iterdir()} == expected):
        time.sleep(0.2)
    assert {p.name for p in folder.iterdir()} == expected
    backup = json.loads((folder / "integrationsworkshop-erfurt-2026-03-14.json").read_text())
    assert backup["format"] == "workshop-session"
    assert [v["value"] for v in backup["votes"]] == [4]
    assert (folder / "integrationsworkshop-erfurt-2026-03-14-de.pdf").read_bytes()[:5] == b"%PDF-"


def test_a_phone_returning_after_the_end_is_told_so(room):
    phone = room.phone()
    room.act("end_session")
    # The test client drops the refusal's data; the live-server test reads the code.
    assert not room.connect(join_code=room.created["join_code"],
                            participant_token=phone.token).is_connected()
    from workshop import voting
    from workshop.errors import Conflict
    with db.read() as s, pytest.raises(Conflict) as refused:
        voting.refuse_ended_participant(s, room.created["join_code"], phone.token)
    assert refused.value.code == "session_ended"
    with db.read() as s:  # a stranger's token learns nothing
        voting.refuse_ended_participant(s, room.created["join_code"], "forged")


def test_ideas_tally_counts_writers_and_supporters(room):
    writer, supporter, idle = room.phone(), room.phone("civil-society"), room.phone()
    room.act("open_round", round=room.ideas)
    idea = writer.emit("idea", {"round": room.ideas, "text": "Sprachcafé"}, callback=True)
    supporter.emit("upvote", {"idea": idea["idea"]["id"]}, callback=True)
    room.facilitator.get_received()
    broadcaster.flush()
    tally = room.events(room.facilitator, "tally")[-1]
    assert tally["started"] == {"total": 2, "by_group": {
        "administration": 1, "civil-society": 1, "migrant-organisations": 0}}
    assert tally["finished"]["total"] == 0  # an ideas round is finished by saying so
    assert idle.is_connected()


def test_principles_carry_their_group_title(room):
    state = room.events(room.facilitator, "state")[0]
    dots = next(r for r in state["rounds"] if r["id"] == room.dots)
    assert dots["items"][0]["group"] == "health-g1"
    assert dots["items"][0]["group_title"]
    ack = room.act("timer", seconds=60)
    assert set(ack["timer"]) == {"ends_at", "seconds", "now"}
