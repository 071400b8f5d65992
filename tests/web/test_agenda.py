"""PUT /api/sessions/<id>/agenda: the whole ordered agenda, kept, moved, edited, added and
removed; opened rounds stay as they are; every live screen redraws at once."""

import pytest

from tests.factories import api_session, auth
from tests.live import Room


@pytest.fixture
def room(app, client):
    return Room(app, client)


def put(client, created, agenda, token=None):
    return client.put(f"/api/sessions/{created['id']}/agenda", json={"agenda": agenda},
                      headers=auth(token or created["facilitator_token"]))


def shape(rounds):
    return [(r["kind"], r["field"], r["target"], [i["id"] for i in r["items"]])
            for r in rounds]


def test_keep_move_edit_add_and_remove(client):
    created = api_session(client, agenda=[
        {"kind": "rating", "field": "health", "target": "challenges"},
        {"kind": "dots", "field": "health", "target": "principles"},
        {"kind": "rating", "field": "housing", "target": "challenges"},
    ])
    first, dots, housing = (r["id"] for r in created["rounds"])
    answer = put(client, created, [
        {"id": housing},  # kept as it is, moved to the front
        {"kind": "ideas", "field": "housing", "question": "Was fehlt beim Wohnen?"},
        {"id": first, "items": ["health-c2", "health-c4"], "question": "Trifft das zu?"},
    ])  # the dots round is left out: removed
    assert answer.status_code == 200, answer.get_json()
    rounds = answer.get_json()["rounds"]
    assert [r["id"] for r in rounds][0] == housing and rounds[2]["id"] == first
    assert dots not in [r["id"] for r in rounds]
    assert shape(rounds) == [
        ("rating", "housing", "challenges", [f"housing-c{n}" for n in range(1, 7)]),
        ("ideas", "housing", "ideas", []),
        ("rating", "health", "challenges", ["health-c2", "health-c4"])]
    assert [r["position"] for r in rounds] == [0, 1, 2]
    assert rounds[1]["moderation"] == "pre"  # ideas wait for approval unless told otherwise
    assert rounds[1]["questions"] == {"de": "Was fehlt beim Wohnen?",
                                      "en": "Was fehlt beim Wohnen?"}
    assert rounds[2]["question"] == "Trifft das zu?"
    again = client.get(f"/api/sessions/{created['id']}",
                       headers=auth(created["facilitator_token"])).get_json()
    assert shape(again["rounds"]) == shape(rounds)


def test_an_unchanged_round_sent_back_whole_is_kept(client):
    created = api_session(client, agenda=[
        {"kind": "dots", "field": "health", "target": "principles", "budget": 3,
         "max_per_item": 1, "items": ["health-p1", "health-p2"]}])
    rnd = created["rounds"][0]
    same = {"id": rnd["id"], "kind": "dots", "field": "health", "target": "principles",
            "question": rnd["questions"], "items": ["health-p1", "health-p2"], "budget": 3,
            "max_per_item": 1}
    answer = put(client, created, [same])
    assert answer.status_code == 200
    kept = answer.get_json()["rounds"][0]
    assert (kept["budget"], kept["max_per_item"], len(kept["items"])) == (3, 1, 2)
    # Changing the field describes a new round type: its items start from the new field's.
    moved = put(client, created, [{"id": rnd["id"], "field": "housing"}]).get_json()["rounds"]
    assert [i["id"] for i in moved[0]["items"]][:2] == ["housing-p1", "housing-p2"]
    assert moved[0]["budget"] == 5  # the default again


def test_opened_rounds_can_move_but_not_change_or_go(room, client):
    created = room.created
    room.act("open_round", round=room.rating)
    rounds = [{"id": r} for r in room.rounds]
    # Moving the opened round is fine.
    assert put(client, created, [rounds[1], rounds[0], *rounds[2:]]).status_code == 200
    changed = put(client, created, [{"id": room.rating, "items": ["health-c1"]}, *rounds[1:]])
    assert changed.status_code == 409
    assert changed.get_json()["error"]["code"] == "round_started"
    dropped = put(client, created, rounds[1:])
    assert dropped.status_code == 409
    assert "removed" in dropped.get_json()["error"]["message"]
    # Sending its own question back unchanged is no change.
    state = client.get(f"/api/sessions/{created['id']}",
                       headers=auth(created["facilitator_token"])).get_json()
    opened = next(r for r in state["rounds"] if r["id"] == room.rating)
    assert opened["editable"] is False and "open_round" not in opened["actions"]
    echo = {"id": room.rating, "kind": "rating", "field": "health", "target": "challenges",
            "question": opened["questions"], "items": [i["id"] for i in opened["items"]]}
    assert put(client, created, [echo, *rounds[1:]]).status_code == 200


def test_every_bad_round_is_named_and_nothing_changes(room, client):
    created = room.created
    before = client.get(f"/api/sessions/{created['id']}",
                        headers=auth(created["facilitator_token"])).get_json()["rounds"]
    answer = put(client, created, [
        {"id": room.rating},
        {"kind": "rating", "field": "sport"},
        {"id": 999999},
        {"id": room.rating},
        {"kind": "dots", "field": "health", "budget": 0},
        "rate everything",
    ])
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "invalid_agenda"
    assert [p["field"] for p in error["problems"]] == [
        "agenda[1].field", "agenda[2].id", "agenda[3].id", "agenda[4].budget", "agenda[5]"]
    after = client.get(f"/api/sessions/{created['id']}",
                       headers=auth(created["facilitator_token"])).get_json()["rounds"]
    assert after == before


@pytest.mark.parametrize("body", [[], {"rounds": []}, {"agenda": {}}, {"agenda": [], "x": 1}])
def test_the_body_is_an_object_with_the_agenda(client, body):
    created = api_session(client)
    answer = client.put(f"/api/sessions/{created['id']}/agenda", json=body,
                        headers=auth(created["facilitator_token"]))
    assert answer.status_code == 400


def test_only_the_facilitator_changes_the_agenda(client):
    created = api_session(client)
    path = f"/api/sessions/{created['id']}/agenda"
    assert client.put(path, json={"agenda": []}).status_code == 401
    assert client.put(path, json={"agenda": []},
                      headers=auth(created["projector_token"])).status_code == 401
    organiser = created["links"]["summary"].partition("?token=")[2]
    assert client.put(path, json={"agenda": []}, headers=auth(organiser)).status_code == 401
    assert client.put(path, json={"agenda": []},
                      headers=auth(created["facilitator_token"])).status_code == 200


def test_an_empty_agenda_to_start_and_fill_later(client):
    created = api_session(client, agenda=[])
    assert created["rounds"] == []
    answer = put(client, created, [{"kind": "ideas"}])
    assert [r["kind"] for r in answer.get_json()["rounds"]] == ["ideas"]


def test_every_live_screen_redraws_at_once(room, client):
    phone = room.phone(language="en")
    projector = room.connect(session=room.created["id"],
                             projector_token=room.created["projector_token"])
    room.facilitator.get_received()
    projector.get_received()
    assert put(client, room.created, [{"id": room.later}, {"kind": "ideas"}]).status_code == 200
    titles = {}
    for name, screen in (("facilitator", room.facilitator), ("projector", projector),
                         ("phone", phone)):
        news = room.events(screen, "agenda")
        assert len(news) == 1, name
        assert [r["id"] for r in news[0]["rounds"]][0] == room.later
        assert [r["kind"] for r in news[0]["rounds"]] == ["rating", "ideas"]
        titles[name] = news[0]["rounds"][0]["field_title"]
    german = "Wohnen und Stadtplanung"
    assert titles == {"facilitator": german, "projector": german,
                      "phone": "Housing and urban planning"}


def test_an_ended_session_keeps_its_agenda(room, client):
    room.act("end_session")
    answer = put(client, room.created, [])
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "session_ended"


def test_a_screen_that_connects_after_an_edit_sees_the_edit(room, client):
    """Round texts are kept per agenda version: an edit of a round's question and items is what
    the next screen, in each language, is sent, never the texts kept from before. (A projector:
    phones are sent a round's texts when it opens, and an open round is not edited.)"""
    def join(_group, language):
        projector = room.connect(session=room.created["id"], language=language,
                                 projector_token=room.created["projector_token"])
        state = room.events(projector, "state")[-1]
        return {r["id"]: r for r in state["rounds"]}[room.later]

    was = join("administration", "en")
    assert was["question"] != "Stimmt das?" and len(was["items"]) == 6
    assert put(client, room.created, [
        {"id": room.rating}, {"id": room.dots}, {"id": room.ideas},
        {"id": room.later, "items": ["housing-c1", "housing-c3"],
         "question": {"de": "Stimmt das?", "en": "Is that so?"}},
    ]).status_code == 200
    for language, question in (("de", "Stimmt das?"), ("en", "Is that so?")):
        later = join("civil-society", language)
        assert later["question"] == question
        assert later["questions"] == {"de": "Stimmt das?", "en": "Is that so?"}
        assert [i["id"] for i in later["items"]] == ["housing-c1", "housing-c3"]
