"""Catalogues: the built-in toolbox files and the ones organisers upload."""

from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.catalogue.loader import CatalogueInvalid, Problem, load
from workshop.errors import Conflict, Forbidden, NotFound
from workshop.models import Catalogue, WorkshopSession

BUILTIN_DIR = Path(__file__).resolve().parent
DEFAULT_CATALOGUE = "whole-comm"

__all__ = ["CatalogueInvalid", "Problem", "load", "builtin_catalogues", "get", "list_all", "add",
           "delete"]


@cache
def builtin_catalogues() -> dict[str, dict[str, Any]]:
    """Every *.yaml beside this module, validated; a broken file stops the server at start."""
    out = {}
    for path in sorted(BUILTIN_DIR.glob("*.yaml")):
        try:
            doc = load(path.read_bytes())
        except CatalogueInvalid as exc:
            listing = "\n".join(f"  {p}" for p in exc.problems)
            raise RuntimeError(f"built-in catalogue {path.name} is invalid:\n{listing}") from None
        out[doc["id"]] = doc
    return out


def get(session: Session, catalogue_id: str) -> dict[str, Any]:
    builtin = builtin_catalogues().get(catalogue_id)
    if builtin is not None:
        return builtin
    # No NUL: PostgreSQL refuses it in a query, and no id contains one.
    ok = isinstance(catalogue_id, str) and "\x00" not in catalogue_id and len(catalogue_id) <= 64
    row = session.get(Catalogue, catalogue_id) if ok else None
    if row is None:
        raise NotFound(f"no catalogue with id '{catalogue_id}'", code="catalogue_not_found")
    return row.content


def list_all(session: Session) -> list[dict[str, Any]]:
    custom = session.scalars(select(Catalogue).order_by(Catalogue.created_at)).all()
    entries = [(doc, True) for doc in builtin_catalogues().values()]
    entries += [(row.content, False) for row in custom]
    return [summary(doc, builtin) for doc, builtin in entries]


def summary(doc: dict[str, Any], builtin: bool) -> dict[str, Any]:
    fields = doc["action_fields"]
    return {
        "id": doc["id"],
        "title": doc["title"],
        "languages": doc["languages"],
        "source": doc.get("source", ""),
        "builtin": builtin,
        "action_fields": [{"id": f["id"], "title": f["title"]} for f in fields],
    }


def add(session: Session, source: str | bytes) -> dict[str, Any]:
    """Validate and store an uploaded catalogue; nothing is stored unless all of it is valid."""
    doc = load(source)
    store(session, doc)
    return doc


def store(session: Session, doc: dict[str, Any]) -> None:
    """Store a catalogue `load()` has validated (parse it first, outside the transaction)."""
    if doc["id"] in builtin_catalogues() or session.get(Catalogue, doc["id"]) is not None:
        raise Conflict(f"a catalogue with id '{doc['id']}' exists already; choose another id",
                       code="catalogue_exists")
    session.add(Catalogue(id=doc["id"], content=doc))


def delete(session: Session, catalogue_id: str) -> None:
    """Remove an uploaded catalogue no live session uses; ended sessions keep their own copy."""
    if catalogue_id in builtin_catalogues():
        raise Forbidden(f"'{catalogue_id}' is built in and cannot be deleted",
                        code="catalogue_builtin")
    get(session, catalogue_id)  # NotFound for an unknown id
    live = session.scalar(select(WorkshopSession.id).where(
        WorkshopSession.catalogue_id == catalogue_id, WorkshopSession.ended_at.is_(None))
        .limit(1))
    if live is not None:
        raise Conflict(f"a live session uses the catalogue '{catalogue_id}'; end it first",
                       code="catalogue_in_use")
    session.delete(session.get(Catalogue, catalogue_id))
