"""Schema migrations: bring any database to the current schema, safely from several workers."""

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, text

# An arbitrary constant: workers starting together take turns on the upgrade.
_PG_LOCK_KEY = 715_2024


def alembic_config(connection=None) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", "workshop:migrations")
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
            connection.commit()
        try:
            command.upgrade(alembic_config(connection), revision)
            connection.commit()
        finally:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                connection.commit()
