"""The organisers' summary data: ranked challenges, priority matrix, consensus, shifts."""

from tests.live import Room
from workshop import summary
from workshop.extensions import db
from workshop.models import WorkshopSession

GROUPS = ["administration", "civil-society", "migrant-organisations"]
AGENDA = [
    {"kind": "rating", "field": "health", "target": "challenges"},
    {"kind": "rating", "field": "health", "target": "principles"},
    {"kind": "dots", "field": "health", "target": "principles"},
    {"kind": "ideas", "field": "health", "moderation": "post"},
]


def run_room(app, client):
    room = Room(app, client, agenda=AGENDA)
    challenges, principles, dots, ideas = room.rounds
    phones = [room.phone(GROUPS[i % 3]) for i in range(9)]
    room.act("open_round", round=challenges)
    for n, phone in enumerate(phones):
        # health-c1 applies strongly for everyone; health-c2 splits the groups.
        phone.emit("vote", {"round": challenges, "item": "health-c1", "value": 5}, callback=True)
        split = 5 if GROUPS[n % 3] == "administration" else 2
        phone.emit("vote", {"round": challenges, "item": "health-c2", "value": split},
                   callback=True)
    room.act("open_round", round=principles)
    for phone in phones:
        phone.emit("vote", {"round": principles, "item": "health-p1", "value": 2}, callback=True)
        phone.emit("vote", {"round": principles, "item": "health-p2", "value": 5}, callback=True)
    room.act("open_round", round=dots)
    for phone in phones:
        phone.emit("vote", {"round": dots, "item": "health-p1", "value": 2}, callback=True)
        phone.emit("vote", {"round": dots, "item": "health-p3", "value": 1}, callback=True)
    room.act("open_round", round=ideas)
    idea = phones[0].emit("idea", {"round": ideas, "text": "Dolmetscherpool"}, callback=True)
    phones[1].emit("upvote", {"idea": idea["idea"]["id"]}, callback=True)
    room.act("close_round", round=ideas)
    # A second vote on the challenges after discussion.
    room.act("reopen_round", round=challenges)
    for phone in phones:
        phone.emit("vote", {"round": challenges, "item": "health-c1", "value": 5}, callback=True)
        phone.emit("vote", {"round": challenges, "item": "health-c2", "value": 4}, callback=True)
    room.act("close_round", round=challenges)
    return room


def test_summary_of_a_session(app, client):
    room = run_room(app, client)
    with db.read() as s:
        data = summary.build(s, s.get(WorkshopSession, room.created["id"]), "en")
    assert data["participation"] == {"participants": 9, "by_group": dict.fromkeys(GROUPS, 3)}
    health = next(f for f in data["fields"] if f["id"] == "health")
    assert health["title"] == "Health"
    # The reopened round reports its latest attempt: c2 now 4.0 from everyone.
    assert [(c["id"], c["mean"]) for c in health["challenges"][:2]] == [
        ("health-c1", 5.0), ("health-c2", 4.0)]
    p1 = next(p for p in health["principles"] if p["id"] == "health-p1")
    assert (p1["done"], p1["points"], p1["givers"], p1["quadrant"]) == (2.0, 18, 9, "act_first")
    p2 = next(p for p in health["principles"] if p["id"] == "health-p2")
    assert (p2["done"], p2["points"], p2["quadrant"]) == (5.0, 0, "fine")
    assert [p["id"] for p in health["act_first"]] == ["health-p1"]
    assert health["ideas"] == [{"id": health["ideas"][0]["id"], "text": "Dolmetscherpool",
                                "upvotes": 1}]
    assert health["practices"][0]["text"]
    # Full agreement on c1 in every group; the first attempt's split shows in the shift.
    assert data["consensus"][0]["id"] == "health-c1"
    assert data["consensus"][0]["consensus"] == 0.8  # (3+1)/(3+2) in every group
    shift = data["shifts"][0]
    c2 = next(i for i in shift["items"] if i["id"] == "health-c2")
    assert (c2["before"], c2["after"], c2["change"]) == (3.0, 4.0, 1.0)
    assert c2["groups"]["administration"] == {"before": 5.0, "after": 4.0, "change": -1.0}
    assert data["method"]["min_group_voters"] == 3


def test_divergence_is_listed(app, client):
    room = Room(app, client, agenda=AGENDA[:1])
    phones = [room.phone(GROUPS[i % 3]) for i in range(9)]
    room.act("open_round", round=room.rounds[0])
    for n, phone in enumerate(phones):
        value = 5 if GROUPS[n % 3] == "administration" else 2
        phone.emit("vote", {"round": room.rounds[0], "item": "health-c2", "value": value},
                   callback=True)
    with db.read() as s:
        data = summary.build(s, s.get(WorkshopSession, room.created["id"]), "de")
    assert [(i["id"], i["divergence"]) for i in data["divergence"]] == [("health-c2", 3.0)]
    assert data["fields"][3]["title"] == "Gesundheit"


def test_compare_two_sessions(app, client):
    first = run_room(app, client)
    second = Room(app, client, agenda=AGENDA[:1])
    phones = [second.phone(GROUPS[i % 3]) for i in range(9)]
    second.act("open_round", round=second.rounds[0])
    for phone in phones:
        phone.emit("vote", {"round": second.rounds[0], "item": "health-c1", "value": 3},
                   callback=True)
    with db.read() as s:
        data = summary.compare(s, s.get(WorkshopSession, first.created["id"]),
                               s.get(WorkshopSession, second.created["id"]), "en")
    c1 = next(i for i in data["items"] if i["id"] == "health-c1")
    assert (c1["before"], c1["after"], c1["change"]) == (5.0, 3.0, -2.0)
    assert c1["groups"]["civil-society"] == {"before": 5.0, "after": 3.0, "change": -2.0}
    assert c1["field"] == "Health" and c1["kind"] == "rating"
