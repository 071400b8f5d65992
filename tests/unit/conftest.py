"""Unit-test fixtures: a real SQLite database for the domain, without Flask."""

import pytest
from sqlalchemy.orm import Session

from workshop import migrate
from workshop.extensions import make_engine


@pytest.fixture
def db_session(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'unit.db'}")
    migrate.upgrade(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()
