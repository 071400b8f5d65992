"""A large import is written in several short transactions, so live votes get in between.
Until its last step the session cannot be opened; an import that fails half-way leaves
nothing, and one a crash stopped is swept away at the next start."""

import pytest
from sqlalchemy import func, select

from tests.web.test_exports_data import Workshop, import_, row_counts
from workshop import create_app, voting
from workshop.errors import Unauthorized
from workshop.exports import json as json_export
from workshop.extensions import db
from workshop.models import Round, Vote, WorkshopSession


@pytest.fixture
def workshop(app, client):
    return Workshop(app, client)


def test_an_import_takes_several_transactions_and_gives_the_same_results(workshop, client,
                                                                         monkeypatch):
    monkeypatch.setattr(json_export, "ROWS_PER_STEP", 2)
    exported = workshop.download("json").data
    plan = json_export.read(exported)
    steps = json_export.Import(plan).steps()
    assert len(plan.votes) >= 4 and len(steps) >= 2 + len(plan.votes) // 2
    response = import_(client, exported)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    with db.read() as s:
        copied = s.scalar(select(func.count()).select_from(Vote).join(
            Round, Round.id == Vote.round_id).where(Round.session_id == created["id"]))
    assert copied == len(plan.votes)
    after = workshop.results(session_id=created["id"], token=created["facilitator_token"])
    assert [i["mean"] for i in after["rounds"][0]["items"]] == [
        i["mean"] for i in workshop.results()["rounds"][0]["items"]]


def test_a_session_is_locked_until_its_last_step(workshop):
    plan = json_export.read(workshop.download("json").data)
    writer = json_export.Import(plan, rows_per_step=2)
    *first, last = writer.steps()
    for step in first:
        with db.write() as s:
            step(s)
    with db.read() as s:
        for token in ("", None, "x"):
            with pytest.raises(Unauthorized):
                voting.authenticate(s, writer.session_id, token,
                                    ("facilitator", "organiser", "projector"))
    with db.write() as s:
        created = last(s)
    with db.read() as s:
        voting.authenticate(s, writer.session_id, created.facilitator_token)


def test_an_import_failing_half_way_leaves_nothing(workshop, client, monkeypatch):
    exported = workshop.download("json").data
    before = row_counts()
    monkeypatch.setattr(json_export, "ROWS_PER_STEP", 2)
    calls = []

    def failing(self, votes, session):
        calls.append(len(votes))
        if len(calls) == 2:
            raise RuntimeError("the disk went away")
        return original(self, votes, session)

    original = json_export.Import._votes
    monkeypatch.setattr(json_export.Import, "_votes", failing)
    client.application.config["PROPAGATE_EXCEPTIONS"] = False
    response = import_(client, exported)
    assert response.status_code == 500
    assert len(calls) == 2  # the first chunk had been committed, and was taken back
    assert row_counts() == before


def test_an_import_a_crash_stopped_is_swept_at_the_next_start(workshop, app):
    plan = json_export.read(workshop.download("json").data)
    writer = json_export.Import(plan, rows_per_step=2)
    for step in writer.steps()[:2]:  # then the process dies
        with db.write() as s:
            step(s)
    with db.read() as s:
        assert s.get(WorkshopSession, writer.session_id) is not None
    create_app({**{k: app.config[k] for k in ("DATA_DIR", "DATABASE_URL")},
                "ASYNC_MODE": "threading", "TESTING": True})
    with db.read() as s:
        assert s.get(WorkshopSession, writer.session_id) is None
        assert s.get(WorkshopSession, workshop.id) is not None
