"""Honest progress (started and finished per group), the timer that ends with its round, the
actions each round allows, the order and shifts of results, and a clean end of the session."""

import pytest

from tests.live import Room
from workshop.realtime import broadcaster

AGENDA = [
    {"kind": "rating", "field": "health", "target": "challenges"},
    {"kind": "dots", "field": "health", "target": "principles", "budget": 3, "max_per_item": 2},
    {"kind": "ideas", "moderation": "post"},
]


@pytest.fixture
def room(app, client):
    return Room(app, client, agenda=AGENDA)


def last_tally(room, screen, round_id):
    broadcaster.flush()
    return [t for t in room.events(screen, "tally") if t["round"] == round_id][-1]


def test_started_and_finished_per_group(room):
    rating, dots, ideas = room.rounds
    a, b, c = room.phone(), room.phone(), room.phone("civil-society")
    projector = room.connect(session=room.created["id"],
                             projector_token=room.created["projector_token"])
    items = ["health-c1", "health-c2", "health-c3", "health-c4"]
    room.act("open_round", round=rating)
    for item in items:
        a.emit("vote", {"round": rating, "item": item, "value": 3}, callback=True)
    b.emit("vote", {"round": rating, "item": items[0], "value": "cant_judge"}, callback=True)
    tally = last_tally(room, room.facilitator, rating)
    assert tally["started"] == {"total": 2, "by_group": {
        "administration": 2, "civil-society": 0, "migrant-organisations": 0}}
    assert tally["finished"]["total"] == 1 and tally["finished"]["by_group"][
        "administration"] == 1
    assert tally["items"]["health-c1"] == 2
    # The projector sees how many took part, never the answers per item.
    seen = last_tally(room, projector, rating)
    assert "items" not in seen and seen["finished"] == tally["finished"]

    room.act("open_round", round=dots)
    a.emit("vote", {"round": dots, "item": "health-p1", "value": 2}, callback=True)
    a.emit("vote", {"round": dots, "item": "health-p2", "value": 1}, callback=True)  # all 3
    c.emit("vote", {"round": dots, "item": "health-p1", "value": 1}, callback=True)
    assert last_tally(room, room.facilitator, dots)["finished"]["total"] == 1
    # Keeping two points back on purpose: done says so.
    ack = c.emit("done", {"round": dots}, callback=True)
    assert ack == {"ok": True, "round": dots, "done": True}
    tally = last_tally(room, room.facilitator, dots)
    assert tally["finished"]["by_group"] == {"administration": 1, "civil-society": 1,
                                             "migrant-organisations": 0}
    assert c.emit("done", {"round": dots, "done": False}, callback=True)["done"] is False
    assert last_tally(room, room.facilitator, dots)["finished"]["total"] == 1

    room.act("open_round", round=ideas)
    b.emit("done", {"round": ideas}, callback=True)
    tally = last_tally(room, room.facilitator, ideas)
    assert tally["started"]["total"] == 1 and tally["finished"]["total"] == 1
    # A phone coming back knows which rounds it said it was done with.
    again = room.connect(join_code=room.created["join_code"], participant_token=b.token)
    assert room.events(again, "state")[0]["me"]["done"] == [ideas]
    # done is for open rounds only, and for participants only.
    assert c.emit("done", {"round": rating}, callback=True)["error"]["code"] == "round_not_open"
    assert room.facilitator.emit("done", {"round": ideas}, callback=True)["error"][
        "code"] == "forbidden"
    assert c.emit("done", {"round": ideas, "done": "yes"}, callback=True)["error"][
        "code"] == "bad_request"


def test_a_reopened_round_counts_afresh(room):
    rating = room.rounds[0]
    phone = room.phone()
    room.act("open_round", round=rating)
    phone.emit("done", {"round": rating}, callback=True)
    room.act("close_round", round=rating)
    room.act("reopen_round", round=rating)
    tally = last_tally(room, room.facilitator, rating)
    assert tally["attempt"] == 2 and tally["started"]["total"] == 0


def test_the_timer_stops_when_its_round_closes(room):
    rating, dots, _ = room.rounds
    phone = room.phone()
    room.act("open_round", round=rating)
    assert room.act("timer", seconds=120)["timer"]["seconds"] == 120
    phone.get_received()
    room.act("close_round", round=rating)
    assert room.events(phone, "timer") == [{"timer": None}]
    state = room.events(room.connect(join_code=room.created["join_code"],
                                     participant_token=phone.token), "state")[0]
    assert state["timer"] is None
    # Opening the next round closes the open one, and with it its timer.
    room.act("open_round", round=dots)
    room.act("timer", seconds=60)
    phone.get_received()
    room.act("open_round", round=room.rounds[2])
    assert room.events(phone, "timer") == [{"timer": None}]
    # A timer without an open round (a break) runs on until it is stopped.
    room.act("close_round", round=room.rounds[2])
    room.act("timer", seconds=300)
    phone.get_received()
    room.act("reveal_round", round=room.rounds[2])
    assert room.events(phone, "timer") == []
    assert room.act("timer", seconds=0)["timer"] is None


def test_each_round_carries_the_actions_it_allows(room):
    rating, dots, ideas = room.rounds

    def actions():
        state = room.events(room.connect(session=room.created["id"],
                                         facilitator_token=room.created["facilitator_token"]),
                            "state")[0]
        return {r["id"]: (r["actions"], r["editable"]) for r in state["rounds"]}

    assert actions()[rating] == (["open_round"], True)
    room.act("open_round", round=rating)
    assert actions()[rating] == (["close_round", "reveal_round"], False)
    room.act("close_round", round=rating)
    room.act("reveal_round", round=rating)
    assert actions()[rating] == (["hide_round", "reopen_round"], False)
    room.act("end_session")
    after = actions()
    assert after[rating] == (["hide_round"], False)
    assert after[dots] == ([], False) and after[ideas] == ([], False)


def test_results_lead_with_the_top_items_and_show_the_shift(room):
    rating = room.rounds[0]
    phones = ([room.phone() for _ in range(3)] + [room.phone("civil-society")]
              + [room.phone("migrant-organisations") for _ in range(2)])
    room.act("open_round", round=rating)
    first = {"health-c1": 2, "health-c2": 5, "health-c3": 4}
    for phone in phones:
        for item, value in first.items():
            phone.emit("vote", {"round": rating, "item": item, "value": value}, callback=True)
    room.act("close_round", round=rating)
    room.act("reveal_round", round=rating)
    broadcaster.flush()
    shown = room.events(phones[0], "results")[-1]
    assert shown["ranking"] == ["health-c2", "health-c3", "health-c1", "health-c4"]
    # Three administration voters can be shown; one from civil society cannot, and is hidden
    # together with the two migrant organisations' (three together, so nothing can be subtracted).
    assert shown["groups_shown"] == ["administration"]
    assert "shift" not in shown
    room.act("reopen_round", round=rating)
    for phone in phones:
        phone.emit("vote", {"round": rating, "item": "health-c1", "value": 5}, callback=True)
    room.act("close_round", round=rating)
    room.act("reveal_round", round=rating)
    broadcaster.flush()
    second = room.events(phones[0], "results")[-1]
    assert second["attempt"] == 2 and second["ranking"][0] == "health-c1"
    assert second["shift"]["health-c1"]["before"] == 2.0
    assert second["shift"]["health-c1"]["after"] == 5.0
    assert second["shift"]["health-c1"]["change"] == 3.0
    assert second["shift"]["health-c2"]["after"] is None


def test_a_clean_end(room, app, client):
    phone = room.phone()
    projector = room.connect(session=room.created["id"],
                             projector_token=room.created["projector_token"])
    ack = room.act("end_session")
    assert ack["folder"].endswith(room.created["id"])
    # The projector, connecting after the end, gets no join code to show.
    late = room.connect(session=room.created["id"],
                        projector_token=room.created["projector_token"])
    state = room.events(late, "state")[0]
    assert state["session"]["ended"] is True and state["session"]["join_code"] is None
    page = client.get(f"/p/{room.created['id']}?token={room.created['projector_token']}",
                      follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and room.created["join_code"] not in html
    assert "<svg" not in html.split('id="stage"')[1]  # no QR code on the wall
    # The agenda goes to every screen, with nothing left to open.
    news = room.events(projector, "agenda")[-1]
    assert all("open_round" not in r["actions"] for r in news["rounds"])
    # A phone that comes back sees the end, and no way to join.
    back = client.get(f"/j/{room.created['join_code']}")
    assert back.status_code == 410
    text = back.get_data(as_text=True)
    assert "<form" not in text and 'data-screen="ended"' in text
    assert phone.is_connected()


def test_the_console_hears_where_the_files_were_saved(room, app):
    from workshop import realtime

    room.act("end_session")
    room.facilitator.get_received()
    realtime.save_results(app.config["DATA_DIR"], room.created["id"], app.config["SECRET_KEY"])
    saved = room.events(room.facilitator, "archived")[-1]
    assert saved["folder"].endswith(room.created["id"])
    assert any(name.endswith(".json") for name in saved["files"])
    assert any(name.endswith(".pdf") for name in saved["files"])
    again = room.connect(session=room.created["id"],
                         facilitator_token=room.created["facilitator_token"])
    assert room.events(again, "state")[0]["archive"] == saved
