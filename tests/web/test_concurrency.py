"""Racing writes: the dots budget holds when one participant's votes arrive at the same moment."""

import threading

import pytest
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


# PostgreSQL only: SQLite runs one write transaction at a time (BEGIN IMMEDIATE,
# test_database.py::test_write_takes_the_lock_at_begin).
@pytest.mark.parametrize("backend", ["postgres"])
def test_a_vote_in_flight_holds_off_closing_the_round(app, backend):
    """PostgreSQL with several workers: closing waits for a vote that already checked the
    round was open, so no vote lands in a closed round."""
    from sqlalchemy import text

    from workshop.errors import Conflict
    with db.write() as s:
        workshop = domain_session(s, agenda=[{"kind": "rating", "field": "health"}]).session
        participant, _ = voting.join(s, workshop, "administration", "de")
        voting.open_round(s, workshop, workshop.rounds[0].id)
        ids = (workshop.id, participant.id, workshop.rounds[0].id)
        # A vote exists already: changing it inserts no row, so no foreign-key lock helps.
        voting.cast_vote(s, workshop, participant, ids[2], "health-c1", 2)
    checked, release = threading.Event(), threading.Event()
    outcome = {}

    def vote():
        with db.write() as s:
            ws = s.get(WorkshopSession, ids[0])
            voting.cast_vote(s, ws, s.get(Participant, ids[1]), ids[2], "health-c1", 4)
            checked.set()
            release.wait(10)  # the vote's transaction stays open here
        outcome["vote"] = "committed"

    voter = threading.Thread(target=vote)
    voter.start()
    assert checked.wait(10)
    try:
        with db.write() as s:
            s.execute(text("SET LOCAL lock_timeout = '300ms'"))
            voting.close_round(s, s.get(WorkshopSession, ids[0]), ids[2])
        outcome["close"] = "went through"
    except Exception as exc:  # the lock timeout: closing had to wait for the vote
        outcome["close"] = type(exc).__name__
    release.set()
    voter.join(10)
    assert outcome == {"close": "OperationalError", "vote": "committed"}
    with db.write() as s:  # after the vote committed, closing goes through
        assert voting.close_round(s, s.get(WorkshopSession, ids[0]), ids[2])
    try:
        with db.write() as s:
            voting.cast_vote(s, s.get(WorkshopSession, ids[0]), s.get(Participant, ids[1]),
                             ids[2], "health-c2", 4)
    except Conflict as exc:
        assert exc.code == "round_not_open"
    with db.read() as s:
        assert list(s.execute(select(Vote.item_id, Vote.value))) == [("health-c1", 4)]
