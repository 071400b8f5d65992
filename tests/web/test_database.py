"""The storage layer: SQLite settings, the single write path, and migrations that match models."""

import secrets
import sqlite3
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from tests.factories import api_session, domain_session
from workshop import create_app, migrate
from workshop.extensions import db
from workshop.models import Base, Participant, Vote, WorkshopSession


def test_sqlite_pragmas(sqlite_app):
    with db.engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == 5000
        assert pragma("synchronous") == 2  # FULL


def test_default_database_lives_in_the_data_dir(sqlite_app, tmp_path):
    assert db.engine.url.database == str(tmp_path / "sessions" / "workshop.db")
    assert (tmp_path / "sessions" / "workshop.db").exists()


def test_write_takes_the_lock_at_begin(sqlite_app):
    """BEGIN IMMEDIATE: while a write transaction is open no other writer can even begin."""
    other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    with db.write() as s:
        s.execute(text("SELECT 1"))  # nothing written yet; a DEFERRED begin would hold no lock
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")  # free again after the commit
    other.execute("ROLLBACK")
    other.close()


def test_write_commits_or_rolls_back_whole(app):
    with pytest.raises(RuntimeError), db.write() as s:
        domain_session(s, title="Halb")
        raise RuntimeError("fails after the insert")
    with db.read() as s:
        assert s.scalar(select(WorkshopSession)) is None
    with db.write() as s:
        domain_session(s, title="Ganz")
    with db.read() as s:
        assert s.scalar(select(WorkshopSession.title)) == "Ganz"


def test_writes_do_not_nest_and_are_visible(app):
    assert not db.in_write()
    with db.write():
        assert db.in_write()
        with pytest.raises(RuntimeError, match="nested"), db.write():
            pass
    assert not db.in_write()


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_migrations_downgrade_and_upgrade(app):
    migrate.upgrade(db.engine)  # at head already: a no-op
    from alembic import command
    with db.engine.connect() as connection:
        command.downgrade(migrate.alembic_config(connection), "base")
        connection.commit()
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    migrate.upgrade(db.engine)
    assert set(inspect(db.engine).get_table_names()) >= set(Base.metadata.tables)


def test_saved_data_opens_in_a_new_app(tmp_path):
    config = {"DATA_DIR": str(tmp_path / "sessions"), "ASYNC_MODE": "threading"}
    first = create_app(config)
    created = api_session(first.test_client(), title="Vor dem Neustart")
    db.engine.dispose()
    second = create_app(config)
    response = second.test_client().get(
        f"/api/sessions/{created['id']}",
        headers={"Authorization": f"Bearer {created['facilitator_token']}"})
    assert response.status_code == 200
    assert response.get_json()["title"] == "Vor dem Neustart"
    assert len(response.get_json()["rounds"]) == 15
    db.engine.dispose()


def test_secret_key_survives_restart(tmp_path):
    config = {"DATA_DIR": str(tmp_path / "sessions"), "ASYNC_MODE": "threading"}
    key = create_app(config).secret_key
    db.engine.dispose()
    assert len(key) == 64
    assert create_app(config).secret_key == key
    assert (tmp_path / "sessions" / "secret_key").read_text() == key
    db.engine.dispose()


def _participant(s, workshop):
    participant = Participant(session_id=workshop.id, public_id=secrets.token_hex(4),
                              token_hash=secrets.token_hex(32), group_id=workshop.groups[0].id,
                              language="de")
    s.add(participant)
    s.flush()
    return participant


def test_schema_allows_one_vote_per_participant_item_and_attempt(app):
    with db.write() as s:
        workshop = domain_session(s).session
        voter = _participant(s, workshop)
        rnd = workshop.rounds[0]
        s.add(Vote(round_id=rnd.id, attempt=1, participant_id=voter.id, item_id="governance-c1",
                   value=3))
        # A second attempt of the reopened round is a separate vote.
        s.add(Vote(round_id=rnd.id, attempt=2, participant_id=voter.id, item_id="governance-c1",
                   value=5))
        ids = (rnd.id, voter.id)
    with pytest.raises(IntegrityError), db.write() as s:
        s.add(Vote(round_id=ids[0], attempt=1, participant_id=ids[1], item_id="governance-c1",
                   value=4))
    with db.read() as s:
        assert sorted(s.scalars(select(Vote.value))) == [3, 5]


def test_join_code_unique_among_live_sessions_only(app):
    with db.write() as s:
        first = domain_session(s).session
        code = first.join_code
    with pytest.raises(IntegrityError), db.write() as s:
        domain_session(s).session.join_code = code
    with db.write() as s:
        s.get(WorkshopSession, first.id).ended_at = datetime.now(UTC)
    with db.write() as s:
        domain_session(s).session.join_code = code  # the old session has ended: allowed
    with db.read() as s:
        assert s.scalar(select(func.count()).where(WorkshopSession.join_code == code)) == 2
