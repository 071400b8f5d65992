"""Alembic migrations of the schema; upgraded when the app starts (see workshop.migrate)."""
