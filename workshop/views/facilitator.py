"""Facilitator pages: the start page that creates a session, and the session's console."""

import json
import re
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from workshop import bodies, exports, voting, wording
from workshop import catalogue as catalogues
from workshop import summary as summary_data
from workshop.errors import Forbidden, Invalid, RateLimited, Unauthorized, WorkshopError
from workshop.exports import report
from workshop.extensions import db
from workshop.i18n import Translator
from workshop.offload import offload
from workshop.payloads import check_json_text
from workshop.state import (
    agenda_catalogue,
    agenda_defaults,
    choose_language,
    pick,
    session_state,
)
from workshop.views import (
    COOKIES,
    FACILITATOR_COOKIE,
    ORGANISER_KEY_COOKIE,
    authorise,
    check_organiser,
    for_session,
    limit_creation,
    organiser_cookie_value,
    session_links,
    set_token_cookie,
    sign_in_from_link,
)
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
    # The agenda editor's result; without script the field stays empty: the default agenda.
    if form.get("agenda", "").strip():
        try:
            check_json_text(form["agenda"], current_app.config["MAX_CONTENT_LENGTH"])
            spec["agenda"] = json.loads(form["agenda"])
        except (ValueError, Invalid):
            spec["agenda"] = "unreadable"  # answered as a problem of the agenda field
    return spec


FIELD_LABELS = {
    "title": lambda: _("Title"), "place": lambda: _("Place"), "date": lambda: _("Date"),
    "catalogue": lambda: _("Catalogue"), "languages": lambda: _("Languages of the session"),
    "groups": lambda: _("Stakeholder groups"), "agenda": lambda: _("Agenda"),
}


def _field_label(where: str) -> str:
    """"agenda[2].items" -> "Round 3"; "groups[1].name" -> "Stakeholder groups"."""
    match = re.match(r"agenda\[(\d+)\]", where)
    if match:
        return _("Round %(n)d", n=int(match.group(1)) + 1)
    name = re.split(r"[\[.]", where, maxsplit=1)[0]
    return FIELD_LABELS[name]() if name in FIELD_LABELS else where


def form_problems(exc: WorkshopError) -> list[dict[str, str]]:
    """The problems of a refused form in the page's language."""
    tr = Translator(str(get_locale()))
    translatable = getattr(exc, "translatable", None)
    if not translatable:
        return [{"field": "", "message": exc.message}]
    return [{"field": _field_label(where),
             "message": tr.gettext(template, **params) if params else tr.gettext(template)}
            for where, template, params in translatable]


def language_name(code: str, with_code: bool = True) -> str:
    """'Deutsch (de)' in the interface language; the bare code if nobody knows the language."""
    name = wording.language_name(Translator(str(get_locale())), code)
    return f"{name} ({code})" if with_code and name != code else name


REFUSALS = {
    "organiser_key_required": lambda: _(
        "Creating a session needs the organiser key. Enter it once: this browser remembers it."),
    "bad_organiser_key": lambda: _(
        "This organiser key is not valid. Please check it and enter it again."),
    "organiser_only_local": lambda: _(
        "Sessions can only be created on the computer the server runs on. To create them "
        "from other devices, start the server with an organiser key "
        "(WORKSHOP_ORGANISER_KEY)."),
}


def _refusal(entered: str | None = None) -> WorkshopError | None:
    """Why this browser may not create a session, or None when it may."""
    try:
        check_organiser(entered)
    except (Unauthorized, Forbidden) as exc:
        return exc
    return None


def _start_page(form=None, problems=None, status=200, refusal=None):
    language = str(get_locale())
    with db.read() as session:
        available = catalogues.list_all(session)
        editor = {}
        for c in available:
            content = catalogues.get(session, c["id"])
            editor[c["id"]] = {
                "catalogue": agenda_catalogue(content, language, content["languages"]),
                "defaults": agenda_defaults(content["languages"]),
            }
    all_languages = list(dict.fromkeys(lang for c in available for lang in c["languages"]))
    language_names = {code: language_name(code) for code in all_languages}
    page = {"catalogues": editor,
            "language_names": {code: language_name(code, with_code=False)
                               for code in all_languages},
            "agenda": form.get("agenda", "") if form else ""}
    return render_template(
        "facilitator/start.html",
        catalogues=available,
        all_languages=all_languages,
        language_names=language_names,
        presets=voting.GROUP_PRESETS,
        default_groups=voting.DEFAULT_GROUPS,
        form=form,
        problems=problems or [],
        refusal=REFUSALS[refusal.code]() if refusal else None,
        needs_key=refusal is not None and refusal.code != "organiser_only_local",
        pick=pick,
        page=page,
    ), status


@bp.get("/")
def start():
    return _start_page(refusal=_refusal())


@bp.post("/")
def create():
    entered = request.form.get("organiser_key", "").strip()
    refusal = _refusal(entered)
    if refusal is not None:
        return _start_page(request.form, status=refusal.status, refusal=refusal)
    spec, problems = bodies.read_session(_form_spec(request.form))
    try:
        limit_creation()
        with db.write() as session:
            created = voting.create_session(session, spec, problems)
    except RateLimited:
        return _start_page(request.form, [{"field": "", "message": _(
            "Too many sessions were created from this computer. Try again later.")}],
            status=429)
    except WorkshopError as exc:
        response = make_response(_start_page(request.form, form_problems(exc), status=400))
    else:
        response = redirect(url_for("facilitator.console", session_id=created.session.id))
        set_token_cookie(response, FACILITATOR_COOKIE.format(created.session.id),
                         created.facilitator_token)
    if entered:  # the key was right: this browser need not enter it again
        set_token_cookie(response, ORGANISER_KEY_COOKIE, organiser_cookie_value(entered))
    return response


def _console_page_data(s, workshop, token: str) -> dict:
    """What the console's scripts need beyond the live state: the catalogue for the agenda
    editor, the default questions, the links."""
    language = choose_language(workshop, str(get_locale()))
    return {
        "session": workshop.id, "facilitator_token": token, "language": language,
        "now": int(time.time() * 1000),
        "languages": workshop.languages,
        "catalogue": agenda_catalogue(workshop.catalogue, language, workshop.languages),
        "defaults": agenda_defaults(workshop.languages),
        "language_names": {code: language_name(code, with_code=False)
                           for code in workshop.languages},
        "links": session_links(workshop, token),
        "summary_link_api": url_for("api.new_summary_link", session_id=workshop.id),
        "agenda_api": url_for("api.put_agenda", session_id=workshop.id),
        "summary_page": url_for("facilitator.summary", session_id=workshop.id),
        "downloads": [{"format": fmt, "href": url_for("exports.download", session_id=workshop.id,
                                                      fmt=fmt, lang=language)}
                      for fmt in report.FORMATS],
    }


@bp.get("/f/<session_id>")
def console(session_id: str):
    return sign_in_from_link(session_id, "facilitator.console", ("facilitator",)) or \
        _console(session_id)


@for_session("facilitator", page=True)
def _console(s, workshop, role, token):
    # Catalogue texts in the interface language when the session has it.
    state = session_state(workshop, str(get_locale()))
    links = session_links(workshop, token)
    # The page is only served with the facilitator's credential, so its socket may carry it.
    page = _console_page_data(s, workshop, token)
    response = make_response(render_template(
        "facilitator/console.html", state=state, links=links,
        join_qr=qr_svg(links["join"], scale=6), page=page))
    response.headers["Cache-Control"] = "no-store"  # it holds the facilitator's token
    return response


@bp.get("/s/<session_id>/summary")
def summary(session_id: str):
    return sign_in_from_link(session_id, "facilitator.summary", ("organiser",)) or \
        _summary(session_id)


@for_session("facilitator", "organiser", page=True)
def _summary(s, workshop, role, token):
    """The organisers' results page: figures, charts, downloads, and a way to compare."""
    language = choose_language(workshop, str(get_locale()))
    data = summary_data.build(s, workshop, language)
    others = _comparable(s, workshop)
    downloads = [(fmt, f"/sessions/{workshop.id}/export.{fmt}?lang={language}")
                 for fmt in report.FORMATS]
    return render_template("facilitator/summary.html", data=data, r=report, others=others,
                           downloads=downloads, language=language, tr=Translator(language),
                           w=wording)


def _authorised(s, session_id: str):
    """The session if this browser or client may read its results (facilitator or organiser)."""
    try:
        return authorise(s, session_id, ("facilitator", "organiser"))[0]
    except Unauthorized:
        return None


def _when(workshop) -> str:
    return workshop.date or workshop.created_at.date().isoformat()


def _comparable(session, workshop) -> list[dict]:
    """Other sessions on the same catalogue this browser may read (facilitator or organiser)."""
    prefixes = [COOKIES[role].format("") for role in ("facilitator", "organiser")]
    found = []
    candidates = {name[len(prefix):] for name in request.cookies for prefix in prefixes
                  if name.startswith(prefix)}
    for other_id in sorted(candidates - {workshop.id}):
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
    # Its read transaction is closed: the PDF is written off the event loop.
    response = make_response(offload(pdf.render_comparison, data, Translator(language)))
    response.headers["Content-Type"] = pdf.MIMETYPE
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


_ERROR_TEXTS = {
    500: (lambda: _("Something went wrong"), lambda: _(
        "The server could not do this. Please try again; nothing you saved before is lost.")),
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
