"""JSON API: health, catalogues, sessions. Thin: parse, call the domain, answer."""

import shutil
from pathlib import Path

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from workshop import bodies, realtime, voting
from workshop import catalogue as catalogues
from workshop.catalogue import CatalogueInvalid
from workshop.errors import Invalid, Unavailable, WorkshopError
from workshop.extensions import db
from workshop.offload import offload
from workshop.payloads import check_json_text
from workshop.results import MIN_GROUP_VOTERS
from workshop.state import round_results, session_state
from workshop.views import (
    authorise,
    created_answer,
    for_session,
    limit_creation,
    organisers_only,
    session_links,
)

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


@bp.errorhandler(OperationalError)
def storage_error(exc: OperationalError):
    # The disk is full or read-only, or the database went away: nothing was stored.
    current_app.logger.warning("storage unavailable: %s", exc.orig)
    error = Unavailable("the server cannot store this just now; try again in a moment")
    return jsonify({"error": error.as_dict()}), error.status, {"Retry-After": "3"}


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
@organisers_only
def add_catalogue():
    request.max_content_length = current_app.config["MAX_CATALOGUE_BYTES"]
    body = request.get_data(cache=False)
    doc = offload(catalogues.load, body)  # parsed off the event loop, outside a transaction
    with db.write() as session:
        catalogues.store(session, doc)
    return jsonify(catalogues.summary(doc, builtin=False)), 201


@bp.delete("/api/catalogues/<catalogue_id>")
@organisers_only
def delete_catalogue(catalogue_id: str):
    with db.write() as session:
        catalogues.delete(session, catalogue_id)
    return "", 204


def _json_body() -> dict:
    """The request's JSON; its size and nesting are bounded before it is parsed."""
    if request.is_json:
        check_json_text(request.get_data(cache=True), current_app.config["MAX_CONTENT_LENGTH"])
    body = request.get_json(silent=True)
    if body is None:
        raise Invalid("send a JSON object with Content-Type: application/json",
                      code="invalid_json")
    return body


@bp.post("/api/sessions")
@organisers_only
def create_session():
    limit_creation()
    spec, problems = bodies.read_session(_json_body())
    with db.write() as session:
        created = voting.create_session(session, spec, problems)
        state = session_state(created.session)
    return created_answer(created, state)


@bp.get("/api/sessions/<session_id>")
@for_session("facilitator", "projector")
def get_session(s, workshop, role, token):
    return jsonify(session_state(workshop, request.args.get("lang")))


@bp.put("/api/sessions/<session_id>/agenda")
def put_agenda(session_id: str):
    """The whole ordered agenda; every live screen redraws at once."""
    agenda, problems = bodies.read_agenda(_json_body())
    with db.write() as s:
        workshop, _role, _token = authorise(s, session_id)
        voting.replace_agenda(s, workshop, agenda, problems)
        state = session_state(workshop, request.args.get("lang"))
    realtime.broadcast_agenda(session_id)
    return jsonify(state)


@bp.post("/api/sessions/<session_id>/summary-link")
def new_summary_link(session_id: str):
    """A new organiser link; the one before it stops working at once."""
    with db.write() as s:
        workshop, _role, token = authorise(s, session_id)
        voting.issue_organiser_link(workshop, token)
        links = session_links(workshop, token)
    return jsonify({"summary": links["summary"]})


@bp.get("/api/sessions/<session_id>/results")
@for_session("facilitator", "organiser", "projector")
def get_results(s, workshop, role, token):
    """Every opened round's results; the projector token sees revealed rounds only."""
    rounds = []
    for rnd in workshop.rounds:
        entry = {"id": rnd.id, "kind": rnd.kind, "field": rnd.field, "target": rnd.target,
                 "state": rnd.state, "revealed": rnd.revealed, "attempt": rnd.attempt}
        if voting.results_visible(rnd, role):
            entry.update(round_results(s, workshop, rnd))
            entry["attempts"] = [round_results(s, workshop, rnd, attempt=a)
                                 for a in range(1, rnd.attempt)]
        else:
            entry["items"] = []
        rounds.append(entry)
    return jsonify({"session": workshop.id, "groups": [g.key for g in workshop.groups],
                    "min_group_voters": MIN_GROUP_VOTERS, "rounds": rounds})


@bp.delete("/api/sessions/<session_id>")
def delete_session(session_id: str):
    with db.write() as s:
        workshop, _role, _token = authorise(s, session_id)
        voting.delete_session(s, workshop)
    realtime.session_deleted(session_id)
    folder = Path(current_app.config["DATA_DIR"]) / session_id
    if folder.is_dir():
        shutil.rmtree(folder)
    return "", 204
