"""Facilitator pages: the start page that creates a session, and the session's console."""

from babel import Locale, UnknownLocaleError
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from workshop import catalogue as catalogues
from workshop import voting
from workshop.errors import Unauthorized, WorkshopError
from workshop.extensions import db
from workshop.state import pick, session_state
from workshop.views import FACILITATOR_COOKIE, bearer_or_cookie, session_links, set_token_cookie
from workshop.views.qr import qr_svg

bp = Blueprint("facilitator", __name__)


def _form_spec(form) -> dict:
    """The start page's fields as the same request the JSON API takes."""
    groups: list = list(form.getlist("groups"))
    groups += [line.strip() for line in form.get("extra_groups", "").splitlines() if line.strip()]
    spec = {
        "title": form.get("title", ""),
        "place": form.get("place", ""),
        "date": form.get("date", ""),
        "catalogue": form.get("catalogue", catalogues.DEFAULT_CATALOGUE),
        "languages": form.getlist("languages"),
        "groups": groups,
    }
    return spec


def language_name(code: str) -> str:
    """'Deutsch (de)' in the interface language; the bare code if Babel does not know it."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(get_locale())
    except (ValueError, UnknownLocaleError):
        return code
    return f"{name} ({code})" if name else code


def _start_page(form=None, problems=None, status=200):
    with db.read() as session:
        available = catalogues.list_all(session)
    all_languages = list(dict.fromkeys(lang for c in available for lang in c["languages"]))
    language_names = {code: language_name(code) for code in all_languages}
    return render_template(
        "facilitator/start.html",
        catalogues=available,
        all_languages=all_languages,
        language_names=language_names,
        presets=voting.GROUP_PRESETS,
        default_groups=voting.DEFAULT_GROUPS,
        form=form,
        problems=problems or [],
        pick=pick,
    ), status


@bp.get("/")
def start():
    return _start_page()


@bp.post("/")
def create():
    spec = _form_spec(request.form)
    try:
        with db.write() as session:
            created = voting.create_session(session, spec)
    except WorkshopError as exc:
        return _start_page(request.form, exc.problems or [{"field": "", "message": exc.message}],
                           status=400)
    response = redirect(url_for("facilitator.console", session_id=created.session.id))
    set_token_cookie(response, FACILITATOR_COOKIE.format(created.session.id),
                     created.facilitator_token)
    return response


def _facilitator_session(session, session_id: str):
    token = bearer_or_cookie(FACILITATOR_COOKIE.format(session_id))
    try:
        workshop, _role = voting.authenticate(session, session_id, token)
    except Unauthorized:
        abort(403)
    return workshop, token


@bp.get("/f/<session_id>")
def console(session_id: str):
    token = request.args.get("token")
    if token:
        # The facilitator link: check it, keep the token in a cookie, show a clean address.
        with db.read() as session:
            try:
                voting.authenticate(session, session_id, token)
            except Unauthorized:
                abort(403)
        response = redirect(url_for("facilitator.console", session_id=session_id))
        set_token_cookie(response, FACILITATOR_COOKIE.format(session_id), token)
        return response
    with db.read() as session:
        workshop, token = _facilitator_session(session, session_id)
        state = session_state(workshop, str(request.accept_languages.best_match(
            workshop.languages) or workshop.languages[0]))
    links = session_links(workshop.id, workshop.join_code, token,
                          voting.projector_token_for(token, workshop.id))
    return render_template("facilitator/console.html", state=state, links=links,
                           join_qr=qr_svg(links["join"], scale=6))


@bp.get("/s/<session_id>/summary")
def summary(session_id: str):
    with db.read() as session:
        workshop, _token = _facilitator_session(session, session_id)
        state = session_state(workshop)
    return render_template("facilitator/summary.html", state=state)


_ERROR_TEXTS = {
    403: (lambda: _("Access denied"), lambda: _(
        "This link is not valid for this session. Open the facilitator link you received "
        "when the session was created.")),
    404: (lambda: _("Not found"), lambda: _("There is nothing at this address.")),
}


@bp.app_errorhandler(HTTPException)
def error_page(exc: HTTPException):
    """JSON under /api/, a page in the visitor's language elsewhere."""
    if request.path.startswith("/api/"):
        code = (exc.name or "error").lower().replace(" ", "_")
        return {"error": {"code": code, "message": exc.description}}, exc.code
    title, message = _ERROR_TEXTS.get(exc.code, (lambda: exc.name, lambda: exc.description))
    return render_template("error.html", title=title(), message=message()), exc.code
