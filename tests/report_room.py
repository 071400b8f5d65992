"""A workshop with votes for the report tests: two action fields, a small group, a second vote.

Administration has four members, civil society three, migrant organisations two and the
youth council one: every per-group figure of the two small groups must read "too few to
show", and together they hold three, so the two larger groups' figures can be shown
(complementary suppression hides nothing more).
"""

from tests.live import Room

GROUP_SIZES = {"administration": 4, "civil-society": 3, "migrant-organisations": 2,
               "jugendbeirat": 1}
GROUPS = ["administration", "civil-society", "migrant-organisations",
          {"id": "jugendbeirat", "name": "Jugendbeirat"}]
AGENDA = [
    {"kind": "rating", "field": "health", "target": "challenges"},
    {"kind": "rating", "field": "health", "target": "principles"},
    {"kind": "dots", "field": "health", "target": "principles", "budget": 5,
     "max_per_item": 2},
    {"kind": "ideas", "field": "health", "moderation": "post"},
    {"kind": "rating", "field": "governance", "target": "challenges"},
    {"kind": "ideas", "moderation": "post"},
]
IDEAS = ["Dolmetscherpool für Arztbesuche", "Sprachcafé mit Başak und Łucja in Łódź-Partnerschaft"]


def challenge_votes(group: str) -> dict[str, int | str]:
    # c1 applies for everyone; c2 splits administration (5) from civil society (2);
    # c3 is "can't judge" for the administration.
    return {"health-c1": 5, "health-c2": {"administration": 5}.get(group, 2),
            "health-c3": "cant_judge" if group == "administration" else 3, "health-c4": 4}


def principle_votes(group: str) -> dict[str, int]:
    # p5 (interpreters) is done poorly and gets the points: it is the one to act on first.
    return {"health-p5": 2, "health-p2": 5, "health-p3": 4 if group == "civil-society" else 3}


def run(app, client, title="Integrationsworkshop Erfurt", place="Rathaus Erfurt",
        date="2026-03-14", sizes=None, second_vote=True) -> Room:
    room = Room(app, client, agenda=AGENDA, title=title, place=place, date=date, groups=GROUPS)
    challenges, principles, dots, ideas, governance, general = room.rounds
    phones = [(group, room.phone(group)) for group, n in (sizes or GROUP_SIZES).items()
              for _ in range(n)]

    def vote(phone, rnd, item, value):
        ack = phone.emit("vote", {"round": rnd, "item": item, "value": value}, callback=True)
        assert ack["ok"], ack

    room.act("open_round", round=challenges)
    for group, phone in phones:
        for item, value in challenge_votes(group).items():
            vote(phone, challenges, item, value)
    room.act("open_round", round=principles)
    for group, phone in phones:
        for item, value in principle_votes(group).items():
            vote(phone, principles, item, value)
    room.act("open_round", round=dots)
    for _group, phone in phones:
        vote(phone, dots, "health-p5", 2)
        vote(phone, dots, "health-p2", 1)
    room.act("open_round", round=ideas)
    first = phones[0][1].emit("idea", {"round": ideas, "text": IDEAS[0]}, callback=True)
    for _group, phone in phones[1:3]:
        phone.emit("upvote", {"idea": first["idea"]["id"]}, callback=True)
    room.act("open_round", round=governance)
    for group, phone in phones:
        vote(phone, governance, "governance-c1", 4 if group == "civil-society" else 3)
    room.act("open_round", round=general)
    phones[-1][1].emit("idea", {"round": general, "text": IDEAS[1]}, callback=True)
    room.act("close_round", round=general)
    if second_vote:
        # After discussion the room votes on the health challenges again: c2 converges.
        room.act("reopen_round", round=challenges)
        for group, phone in phones:
            for item, value in {**challenge_votes(group), "health-c2": 4}.items():
                vote(phone, challenges, item, value)
        room.act("close_round", round=challenges)
    return room
