"""JSON API: health, catalogues, sessions. Thin: parse, call the domain, answer."""

import shutil
from pathlib import Path

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from workshop import catalogue as catalogues
from workshop import realtime, voting
from workshop.catalogue import CatalogueInvalid
from workshop.errors import Invalid, WorkshopError
from workshop.extensions import db
from workshop.results import MIN_GROUP_VOTERS
from workshop.state import round_results, session_state
from workshop.views import FACILITATOR_COOKIE, bearer_or_cookie, created_answer

bp = Blueprint("api", __name__)


@bp.errorhandler(WorkshopError)
def domain_error(exc: WorkshopError):
    return jsonify({"error": exc.as_dict()}), exc.status


@bp.errorhandler(CatalogueInvalid)
def catalogue_invalid(exc: CatalogueInvalid):
    count = len(exc.problems)
    error = {
        "code": "invalid_catalogue",
        "message": f"the catalogue was not loaded: {count} problem{'s' * (count != 1)}",
        "problems": [p.as_dict() for p in exc.problems],
    }
    return jsonify({"error": error}), 400


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    code = (exc.name or "error").lower().replace(" ", "_")
    return jsonify({"error": {"code": code, "message": exc.description}}), exc.code


@bp.get("/healthz")
def healthz():
    try:
        with db.read() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        current_app.logger.warning("health check failed: %s", exc)
        return jsonify({"status": "error", "message": "the database does not answer"}), 503
    return jsonify({"status": "ok"})


@bp.get("/api/catalogues")
def list_catalogues():
    with db.read() as session:
        return jsonify({"catalogues": catalogues.list_all(session)})


@bp.get("/api/catalogues/<catalogue_id>")
def get_catalogue(catalogue_id: str):
    with db.read() as session:
        return jsonify(catalogues.get(session, catalogue_id))


@bp.post("/api/catalogues")
def add_catalogue():
    body = request.get_data(cache=False)
    with db.write() as session:
        doc = catalogues.add(session, body)
    return jsonify(catalogues.summary(doc, builtin=False)), 201


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if body is None:
        raise Invalid("send a JSON object with Content-Type: application/json",
                      code="invalid_json")
    return body


@bp.post("/api/sessions")
def create_session():
    spec = _json_body()
    with db.write() as session:
        created = voting.create_session(session, spec)
        state = session_state(created.session)
    return created_answer(created, state)


def _authenticated(session, session_id: str, roles=("facilitator",)):
    token = bearer_or_cookie(FACILITATOR_COOKIE.format(session_id))
    workshop, _role = voting.authenticate(session, session_id, token, roles)
    return workshop


@bp.get("/api/sessions/<session_id>")
def get_session(session_id: str):
    with db.read() as session:
        workshop = _authenticated(session, session_id, ("facilitator", "projector"))
        return jsonify(session_state(workshop, request.args.get("lang")))


@bp.get("/api/sessions/<session_id>/results")
def get_results(session_id: str):
    """Every opened round's results; the projector token sees revealed rounds only."""
    with db.read() as session:
        token = bearer_or_cookie(FACILITATOR_COOKIE.format(session_id))
        workshop, role = voting.authenticate(session, session_id, token,
                                             ("facilitator", "projector"))
        rounds = []
        for rnd in workshop.rounds:
            entry = {"id": rnd.id, "kind": rnd.kind, "field": rnd.field, "target": rnd.target,
                     "state": rnd.state, "revealed": rnd.revealed, "attempt": rnd.attempt}
            if rnd.state != "pending" and (rnd.revealed or role == "facilitator"):
                entry.update(round_results(session, workshop, rnd))
                entry["attempts"] = [round_results(session, workshop, rnd, attempt=a)
                                     for a in range(1, rnd.attempt)]
            else:
                entry["items"] = []
            rounds.append(entry)
        groups = [g.key for g in workshop.groups]
    return jsonify({"session": session_id, "groups": groups,
                    "min_group_voters": MIN_GROUP_VOTERS, "rounds": rounds})


@bp.delete("/api/sessions/<session_id>")
def delete_session(session_id: str):
    with db.write() as session:
        workshop = _authenticated(session, session_id)
        voting.delete_session(session, workshop)
    realtime.session_deleted(session_id)
    folder = Path(current_app.config["DATA_DIR"]) / session_id
    if folder.is_dir():
        shutil.rmtree(folder)
    return "", 204
