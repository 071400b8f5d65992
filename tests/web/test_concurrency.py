"""Racing writes: the dots budget holds when one participant's votes arrive at the same moment."""

import threading

from sqlalchemy import func, select

from tests.factories import domain_session
from workshop import voting
from workshop.errors import WorkshopError
from workshop.extensions import db
from workshop.models import Participant, Vote, WorkshopSession


def test_concurrent_dots_votes_never_overspend(app):
    with db.write() as s:
        workshop = domain_session(s, agenda=[{"kind": "dots", "field": "governance",
                                              "budget": 5, "max_per_item": 2}]).session
        participant, _token = voting.join(s, workshop, "administration", "de")
        voting.open_round(s, workshop, workshop.rounds[0].id)
        ids = (workshop.id, participant.id, workshop.rounds[0].id)
        items = [item["id"] for item in workshop.rounds[0].items[:8]]

    barrier = threading.Barrier(len(items))
    outcomes: list[str] = []

    def vote(item: str) -> None:
        barrier.wait()
        try:
            with db.write() as s:
                ws = s.get(WorkshopSession, ids[0])
                voting.cast_vote(s, ws, s.get(Participant, ids[1]), ids[2], item, 2)
            outcomes.append("ok")
        except WorkshopError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=vote, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["ok", "ok"] + ["over_budget"] * 6
    with db.read() as s:
        assert s.scalar(select(func.sum(Vote.value))) == 4
