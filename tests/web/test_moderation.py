"""Idea moderation: in a "pre" round an idea reaches the projector and other phones only once
the facilitator approved it; its author sees it waiting; "post" shows ideas at once."""

import pytest

from tests.live import Room
from workshop.realtime import broadcaster

AGENDA = [{"kind": "ideas", "field": "health"},
          {"kind": "ideas", "moderation": "post"}]


@pytest.fixture
def room(app, client):
    return Room(app, client, agenda=AGENDA)


def texts(events):
    return [[i["text"] for i in e["ideas"]] for e in events]


def everything_seen(room, screen):
    """Every idea text in anything a screen received."""
    return repr(screen.get_received())


def test_pre_moderation_holds_an_idea_until_approved(room):
    pre, _post = room.rounds
    author, other = room.phone(), room.phone("civil-society")
    projector = room.connect(session=room.created["id"],
                             projector_token=room.created["projector_token"])
    room.act("open_round", round=pre)
    broadcaster.flush()
    for screen in (author, other, projector, room.facilitator):
        screen.get_received()

    ack = author.emit("idea", {"round": pre, "text": "Geheime Idee am Abend"}, callback=True)
    assert ack["ok"] and ack["idea"]["status"] == "waiting"
    idea = ack["idea"]["id"]
    broadcaster.flush()
    assert "Geheime Idee" not in everything_seen(room, other)
    assert "Geheime Idee" not in everything_seen(room, projector)
    queue = room.events(room.facilitator, "ideas")[-1]["ideas"]
    assert queue == [{"id": idea, "text": "Geheime Idee am Abend", "upvotes": 0,
                      "hidden": False, "status": "waiting"}]
    # Nobody can support an idea they cannot see.
    assert other.emit("upvote", {"idea": idea}, callback=True)["error"]["code"] == \
        "idea_not_found"
    # The author's phone, reconnecting, still shows it as waiting.
    again = room.connect(join_code=room.created["join_code"], participant_token=author.token)
    mine = room.events(again, "state")[0]["ideas"][str(pre)]
    assert [(i["text"], i["status"], i["mine"]) for i in mine] == [
        ("Geheime Idee am Abend", "waiting", True)]
    other_state = room.connect(join_code=room.created["join_code"],
                               participant_token=other.token)
    assert room.events(other_state, "state")[0]["ideas"][str(pre)] == []

    approved = room.act("approve_idea", idea=idea)
    assert approved["status"] == "shown"
    broadcaster.flush()
    assert texts(room.events(other, "ideas"))[-1] == ["Geheime Idee am Abend"]
    assert texts(room.events(projector, "ideas"))[-1] == ["Geheime Idee am Abend"]
    assert room.events(author, "idea_status")[-1] == {
        "round": pre, "idea": {"id": idea, "text": "Geheime Idee am Abend", "status": "shown"}}
    assert other.emit("upvote", {"idea": idea}, callback=True)["upvotes"] == 1


def test_hiding_tells_the_author_and_showing_again_approves(room):
    pre, _post = room.rounds
    author, other = room.phone(), room.phone("civil-society")
    room.act("open_round", round=pre)
    idea = author.emit("idea", {"round": pre, "text": "Unpassend"}, callback=True)["idea"]["id"]
    author.get_received()
    assert room.act("hide_idea", idea=idea)["status"] == "hidden"
    assert room.events(author, "idea_status")[-1]["idea"]["status"] == "hidden"
    assert room.events(other, "idea_status") == []  # only the author hears of it
    assert room.act("hide_idea", idea=idea, hidden=False)["status"] == "shown"
    broadcaster.flush()
    assert texts(room.events(other, "ideas"))[-1] == ["Unpassend"]


def test_post_moderation_shows_ideas_at_once(room):
    _pre, post = room.rounds
    author, other = room.phone(), room.phone("civil-society")
    room.act("open_round", round=post)
    ack = author.emit("idea", {"round": post, "text": "Sofort sichtbar"}, callback=True)
    assert ack["idea"]["status"] == "shown"
    broadcaster.flush()
    assert texts(room.events(other, "ideas"))[-1] == ["Sofort sichtbar"]
    assert other.emit("upvote", {"idea": ack["idea"]["id"]}, callback=True)["ok"]


def test_moderation_is_the_facilitators(room):
    pre, _post = room.rounds
    author, other = room.phone(), room.phone("civil-society")
    room.act("open_round", round=pre)
    idea = author.emit("idea", {"round": pre, "text": "Meine"}, callback=True)["idea"]["id"]
    for phone in (author, other):
        assert phone.emit("approve_idea", {"idea": idea}, callback=True)["error"]["code"] == \
            "forbidden"
    assert room.facilitator.emit("approve_idea", {"idea": 123456}, callback=True)[
        "error"]["code"] == "idea_not_found"
    assert room.facilitator.emit("approve_idea", {"idea": "1"}, callback=True)[
        "error"]["code"] == "bad_request"
