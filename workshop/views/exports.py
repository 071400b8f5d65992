"""Downloads for the facilitator (CSV, XLSX, JSON, ...) and the import of a JSON export."""

from flask import Blueprint, current_app, make_response, request
from werkzeug.exceptions import HTTPException

from workshop import exports
from workshop.errors import Invalid, NotFound, TooLarge, WorkshopError
from workshop.exports import json as json_export
from workshop.extensions import db, socketio
from workshop.offload import offload
from workshop.state import session_state
from workshop.views import Later, api, created_answer, for_session, organisers_only

bp = Blueprint("exports", __name__)
# Errors answer in JSON, exactly as the API's do.
bp.register_error_handler(WorkshopError, api.domain_error)
bp.register_error_handler(HTTPException, api.http_error)


def _language(workshop) -> str:
    """?lang= if the session has it, else the browser's best match among the session's."""
    wanted = request.args.get("lang")
    if wanted in workshop.languages:
        return wanted
    return request.accept_languages.best_match(workshop.languages) or workshop.languages[0]


@bp.get("/sessions/<session_id>/export.<fmt>")
@for_session("facilitator", "organiser")
def download(session, workshop, role, token, fmt: str):
    """The session's data as a file, for the facilitator and organisers (Bearer or cookie)."""
    ctx = exports.Context(session, workshop, _language(workshop),
                          current_app.config["SECRET_KEY"])
    try:
        write = exports.prepare(fmt, ctx)
    except exports.UnknownFormat:
        raise NotFound(f"no export format '{fmt}'; choose one of "
                       + ", ".join(exports.FORMATS), code="unknown_format") from None
    name = exports.filename(workshop, fmt, ctx.language)
    # Written after the read transaction, off the event loop: a PDF takes a while.
    return Later(lambda: _file(*offload(write), name))


def _file(content: bytes, mimetype: str, name: str):
    response = make_response(content)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"  # results are private to the facilitator
    return response


def _uploaded_document() -> bytes:
    """The raw body, or the one file of a form upload."""
    if request.mimetype == "multipart/form-data":
        files = list(request.files.values())
        if len(files) != 1:
            raise Invalid("upload exactly one file: the JSON export of a session",
                          code="invalid_json")
        return files[0].read()
    return request.get_data(cache=False)


@bp.post("/api/sessions/import")
@organisers_only
def import_session():
    """A JSON export re-created as a new, ended session; answers like POST /api/sessions."""
    # A conference's backup is larger than any catalogue: its own limit, per request (and
    # room for a form's envelope around the file).
    limit = current_app.config["MAX_IMPORT_BYTES"]
    request.max_content_length = limit + 64 * 1024
    document = _uploaded_document()
    if len(document) > limit:
        raise TooLarge(f"the export is larger than {limit} bytes")
    # Parsing and checking take a while for a big export: off the event loop, before the
    # writes, which then only insert, in short transactions with live votes in between.
    plan = offload(json_export.read, document)
    writer = json_export.Import(plan)
    try:
        for step in writer.steps():
            with db.write() as session:
                created = step(session)
                state = created and session_state(created.session)
            socketio.sleep(0)
    except Exception:
        with db.write() as session:
            writer.discard(session)
        raise
    return created_answer(created, state)
