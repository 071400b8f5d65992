"""Shared fixtures: an app per test on SQLite and on PostgreSQL, and the services' reachability."""

import os
import secrets
import socket
from urllib.parse import urlparse

import pytest
from sqlalchemy import create_engine, text

from workshop import create_app
from workshop.config import normalise_database_url
from workshop.extensions import db
from workshop.models import Base
from workshop.realtime import broadcaster

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_URL = os.environ.get(
    "WORKSHOP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("WORKSHOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def require_service(name: str, url: str, port: int) -> None:
    """Skip when the service is down, except in CI, where a missing service is a failure."""
    if reachable(url, port):
        return
    message = f"{name} is not reachable at {url}"
    if IN_CI:
        pytest.fail(message + " (CI=true: services must be up)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_schema_url():
    """A private schema in the test database, so parallel runs never see each other's rows."""
    require_service("PostgreSQL", POSTGRES_URL, 5432)
    schema = "t_" + secrets.token_hex(6)
    admin = create_engine(normalise_database_url(POSTGRES_URL))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _empty_tables() -> None:
    with db.engine.begin() as connection:
        names = ", ".join(t.name for t in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(autouse=True)
def no_broadcast_left_running():
    """An app made with a flush interval starts the one background broadcaster of this
    process; it must not go on sending in later tests, which flush by hand."""
    yield
    broadcaster.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request):
    return request.param


@pytest.fixture
def app(backend, tmp_path, request):
    """The app on a fresh database: a new SQLite file, or emptied tables in our PG schema."""
    config = {"DATA_DIR": str(tmp_path / "sessions"), "ASYNC_MODE": "threading", "TESTING": True,
              "LIVE_FLUSH_INTERVAL": 0, "LIVE_RESULTS_INTERVAL": 0}
    if backend == "postgres":
        config["DATABASE_URL"] = request.getfixturevalue("postgres_schema_url")
    application = create_app(config)
    if backend == "postgres":
        _empty_tables()
    yield application
    db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def sqlite_app(tmp_path):
    """For tests about SQLite itself."""
    application = create_app({"DATA_DIR": str(tmp_path / "sessions"), "ASYNC_MODE": "threading",
                              "TESTING": True})
    yield application
    db.engine.dispose()
