"""Group commit (Database.write_grouped): votes that arrive while one transaction commits share
the next one; each is answered only after its commit; a refused or failing write never costs
the others theirs."""

import itertools
import threading
import time

from sqlalchemy import func, select

from tests.factories import domain_session
from workshop import voting
from workshop.errors import NotFound
from workshop.extensions import db
from workshop.models import Vote


def test_waiting_writes_share_a_transaction_and_one_fault_costs_nobody(app):
    with db.write() as s:
        workshop = domain_session(s, agenda=[{"kind": "rating", "field": "health"}]).session
        round_id = workshop.rounds[0].id
        items = [item["id"] for item in workshop.rounds[0].items]
        voting.open_round(s, workshop, round_id)
        people = [voting.join(s, workshop, "administration", "de")[0].id for _ in range(12)]
        session_id = workshop.id
    others = 12
    holding, release = threading.Event(), threading.Event()

    def first(s):  # holds the writer until every other write is waiting for it
        holding.set()
        release.wait(10)
        return voting.record_vote(s, session_id, people[0], round_id, items[0], 1)

    def broken(s):  # writes, then fails in a way no check foresaw
        voting.record_vote(s, session_id, people[1], round_id, items[0], 2)
        raise RuntimeError("a fault after writing")

    transactions = []  # (person, the number of the session each write ran in)
    numbers = itertools.count()

    def vote(person, item, value):
        def work(s):
            transactions.append((person, s.info.setdefault("n", next(numbers))))
            return voting.record_vote(s, session_id, person, round_id, item, value)
        return work

    works = {"first": first, "unknown item": vote(people[2], "nope", 3)}
    for n in range(3, others):
        works[f"voter {n}"] = vote(people[n], items[n % len(items)], 1 + n % 5)
    works["broken"] = broken  # last: the others have written in its transaction before it fails
    outcome, seen_after = {}, {}

    def run(name, work):
        try:
            outcome[name] = db.write_grouped(work)
        except Exception as exc:  # noqa: BLE001 - what each caller was told is the point
            outcome[name] = exc
        if name.startswith("voter"):  # answered: so it is committed, and another reader sees it
            with db.read() as s:
                seen_after[name] = s.scalar(select(func.count()).select_from(Vote).where(
                    Vote.participant_id == people[int(name.split()[1])]))

    started = db.group.batches
    threads = [threading.Thread(target=run, args=("first", first))]
    threads[0].start()
    assert holding.wait(10)
    deadline = time.monotonic() + 10
    for name, work in works.items():
        if name != "first":
            threads.append(threading.Thread(target=run, args=(name, work)))
            threads[-1].start()
    while len(db.group.waiting) < len(works) - 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(db.group.waiting) == len(works) - 1  # all waiting for one transaction
    release.set()
    for thread in threads:
        thread.join(10)

    assert isinstance(outcome["broken"], RuntimeError)
    assert isinstance(outcome["unknown item"], NotFound)
    assert outcome["unknown item"].code == "item_not_found"
    voters = [name for name in works if name.startswith("voter")] + ["first"]
    assert all(isinstance(outcome[name], dict) and outcome[name]["round"] == round_id
               for name in voters), outcome
    assert seen_after == {name: 1 for name in voters if name != "first"}
    with db.read() as s:
        stored = dict(s.execute(select(Vote.participant_id, Vote.value)).all())
    assert people[1] not in stored and people[2] not in stored  # the fault's write undone
    assert stored == {people[0]: 1, **{people[n]: 1 + n % 5 for n in range(3, others)}}
    # The rest waited together and ran in one transaction; the fault undid it, so each of them
    # ran once more alone (the refused one kept its refusal), the broken one failing again.
    together = transactions[:len(works) - 2]
    assert [person for person, _ in together] == [people[2], *people[3:others]]
    assert len({session for _, session in together}) == 1
    alone = transactions[len(works) - 2:]
    assert [person for person, _ in alone] == people[3:others]
    assert len({session for _, session in alone}) == len(alone)
    assert db.group.batches - started == 1 + len(alone)


def test_an_answer_comes_after_the_commit_and_an_error_changes_nothing(app):
    with db.write() as s:
        workshop = domain_session(s, agenda=[{"kind": "dots", "field": "health",
                                              "target": "principles", "budget": 3,
                                              "max_per_item": 2}]).session
        round_id = workshop.rounds[0].id
        items = [item["id"] for item in workshop.rounds[0].items]
        voting.open_round(s, workshop, round_id)
        person = voting.join(s, workshop, "administration", "de")[0].id
        session_id = workshop.id

    def points(item, value):
        return db.write_grouped(lambda s: voting.record_vote(s, session_id, person, round_id,
                                                             item, value))

    assert points(items[0], 2)["points_left"] == 1
    try:
        points(items[1], 2)
        raise AssertionError("over budget accepted")
    except Exception as exc:  # noqa: BLE001
        assert getattr(exc, "code", None) == "over_budget"
    assert points(items[1], 1)["points_left"] == 0
    with db.read() as s:
        assert dict(s.execute(select(Vote.item_id, Vote.value)).all()) == {items[0]: 2,
                                                                           items[1]: 1}
