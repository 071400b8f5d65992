"""Facilitator pages: the start page that creates a session, and the session's console."""

import time

from babel import Locale, UnknownLocaleError
from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from workshop import catalogue as catalogues
from workshop import exports, voting, wording
from workshop import summary as summary_data
from workshop.errors import Invalid, Unauthorized, WorkshopError
from workshop.exports import report
from workshop.extensions import db
from workshop.i18n import Translator
from workshop.state import choose_language, pick, session_state
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
        # Catalogue texts in the interface language when the session has it.
        state = session_state(workshop, str(get_locale()))
    links = session_links(workshop.id, workshop.join_code, token,
                          voting.projector_token_for(token, workshop.id))
    # The page is only served with the facilitator's credential, so its socket may carry it.
    page = {"session": workshop.id, "facilitator_token": token, "language": state["language"],
            "now": int(time.time() * 1000)}
    return render_template("facilitator/console.html", state=state, links=links,
                           join_qr=qr_svg(links["join"], scale=6), page=page)


@bp.get("/s/<session_id>/summary")
def summary(session_id: str):
    """The organisers' results page: figures, charts, downloads, and a way to compare."""
    with db.read() as session:
        workshop, _token = _facilitator_session(session, session_id)
        language = choose_language(workshop, str(get_locale()))
        data = summary_data.build(session, workshop, language)
        others = _comparable(session, workshop)
    downloads = [(fmt, f"/sessions/{session_id}/export.{fmt}?lang={language}")
                 for fmt in report.FORMATS]
    return render_template("facilitator/summary.html", data=data, r=report, others=others,
                           downloads=downloads, language=language, tr=Translator(language),
                           w=wording)


def _tokens_for(session_id: str) -> list[str]:
    """The facilitator cookie of this session, and any Bearer token(s) (comma-separated)."""
    tokens = []
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        tokens += [t.strip() for t in header[7:].split(",") if t.strip()]
    cookie = request.cookies.get(FACILITATOR_COOKIE.format(session_id))
    return [*tokens, cookie] if cookie else tokens


def _authorised(session, session_id: str):
    """The session if this browser or client holds its facilitator token, else None."""
    for token in _tokens_for(session_id):
        try:
            return voting.authenticate(session, session_id, token)[0]
        except Unauthorized:
            continue
    return None


def _when(workshop) -> str:
    return workshop.date or workshop.created_at.date().isoformat()


def _comparable(session, workshop) -> list[dict]:
    """Other sessions on the same catalogue whose facilitator cookie this browser holds."""
    prefix = FACILITATOR_COOKIE.format("")
    found = []
    for name in request.cookies:
        other_id = name[len(prefix):]
        if not name.startswith(prefix) or other_id == workshop.id:
            continue
        other = _authorised(session, other_id)
        if other is not None and other.catalogue_id == workshop.catalogue_id:
            found.append({"id": other.id, "title": other.title, "place": other.place,
                          "date": other.date, "when": _when(other)})
    return sorted(found, key=lambda o: o["when"], reverse=True)


def _comparison() -> tuple[dict, str]:
    """Both sessions of ?a=&b= (the facilitator's for each), the earlier one first."""
    ids = [request.args.get("a", ""), request.args.get("b", "")]
    if not all(ids) or ids[0] == ids[1]:
        abort(400, description=_("Choose two different sessions to compare."))
    with db.read() as session:
        pair = [_authorised(session, i) for i in ids]
        if None in pair:
            abort(403)
        first, second = sorted(pair, key=lambda w: (_when(w), w.created_at))
        language = choose_language(second, str(get_locale()))
        try:
            data = summary_data.compare(session, first, second, language)
        except Invalid:
            abort(400, description=_("Only sessions on the same catalogue can be compared."))
        data["first"]["participation"] = summary_data.participation(session, first)
        data["second"]["participation"] = summary_data.participation(session, second)
    return data, language


@bp.get("/compare")
def compare():
    """How ratings and priorities moved between two sessions on the same catalogue."""
    data, language = _comparison()
    pdf_link = url_for("facilitator.compare_pdf", a=data["first"]["id"], b=data["second"]["id"],
                       lang=language)
    return render_template("facilitator/compare.html", data=data, r=report, language=language,
                           pdf_link=pdf_link, tr=Translator(language), w=wording)


@bp.get("/compare.pdf")
def compare_pdf():
    from workshop.exports import pdf  # ReportLab loads only when someone asks for a PDF

    data, language = _comparison()
    name = exports.comparison_filename(data["first"], data["second"], language)
    response = make_response(pdf.render_comparison(data, Translator(language)))
    response.headers["Content-Type"] = pdf.MIMETYPE
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


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
