"""Participant pages: enter or scan the join code, then the phone's live page."""

import json
import time

from flask import (
    Blueprint,
    current_app,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from jinja2.utils import htmlsafe_json_dumps

from workshop import voting, wording
from workshop.errors import NotFound
from workshop.extensions import db
from workshop.i18n import PHONE_COOKIE, babel_locale, direction, page_language
from workshop.state import session_state

bp = Blueprint("participant", __name__)

TEXTS = "live/texts.html"


def interface_texts(languages: list[str], **macros: dict) -> dict[str, dict]:
    """The scripts' texts in each of these languages: the phone switches without reloading.
    Each keyword names a macro of live/texts.html and gives its arguments."""
    texts = {}
    for language in languages:
        with force_locale(babel_locale(language)):
            merged: dict = {}
            for name, arguments in macros.items():
                merged.update(json.loads(str(get_template_attribute(TEXTS, name)(**arguments))))
            texts[language] = merged
    return texts


@bp.get("/join")
def join():
    code = request.args.get("code")
    if code:
        return redirect(url_for("participant.join_code", code=voting.normalise_join_code(code)))
    return render_template("participant/join.html", error=None)


@bp.get("/j/<code>")
def join_code(code: str):
    with db.read() as session:
        try:
            workshop = voting.find_live_session_by_code(session, code)
        except NotFound:
            if voting.has_ended(session, code):
                # A phone coming back after the end: a closing word, no way to join.
                return render_template("participant/ended.html"), 410
            return render_template("participant/join.html", error=code), 404
        ui, chosen = phone_language(workshop.languages)
        state = session_state(workshop, ui)
        # Group names in each session language, so choosing a language redraws them at once.
        groups = {language: session_state(workshop, language)["groups"]
                  for language in workshop.languages}
    # The phone speaks each session language it has an interface for, and at least German
    # and English; the language this page came in (?lang=, the phone's cookie) too.
    phone_languages = current_app.config["PHONE_LANGUAGES"]
    interface = list(dict.fromkeys(
        [code for code in state["languages"] if code in phone_languages]
        + list(current_app.config["INTERFACE_LANGUAGES"]) + [ui]))
    page = {
        "code": state["join_code"],
        "session": state["id"],
        "title": state["title"],
        "languages": [{"code": code, "name": wording.native_name(code)}
                      for code in state["languages"]],
        "groups": groups,
        "ui": ui,
        # The language this phone chose, else the browser's own, when the session has it:
        # the phone skips the language step.
        "browser_language": ui if chosen and ui in state["languages"]
        else request.accept_languages.best_match(state["languages"]),
        "interface_languages": [{"code": code, "name": wording.native_name(code),
                                 "dir": direction(code)} for code in interface],
        "texts": interface_texts(interface, common={},
                                 phone={"max_idea": voting.MAX_IDEA_LENGTH}),
        "max_idea": voting.MAX_IDEA_LENGTH,
        "max_event_bytes": current_app.config["MAX_EVENT_BYTES"],
        "now": int(time.time() * 1000),
        "join_url": url_for("participant.join"),
    }
    # Arabic, Farsi and Cyrillic as UTF-8, not \uXXXX: eight languages' texts in 50 KB, not 86.
    page_json = htmlsafe_json_dumps(page, dumps=json.dumps, ensure_ascii=False)
    with force_locale(babel_locale(ui)):  # <html lang dir> as the phone will speak
        return render_template("participant/session.html", state=state, page_json=page_json)


def phone_language(session_languages: list[str]) -> tuple[str, bool]:
    """The interface language a phone's page comes in, and whether the phone chose it.

    Its own choice (?lang=, the cookie phone.js sets) first; else the browser's preferred
    language among the session's that have an interface; else the page's language when the
    session has it; else the session's first language with an interface. The phone's
    interface follows the session's languages, not the start page's German and English."""
    phone_languages = current_app.config["PHONE_LANGUAGES"]
    for explicit in (request.args.get("lang"), request.cookies.get(PHONE_COOKIE)):
        if explicit in phone_languages:
            return explicit, True
    spoken = [code for code in session_languages if code in phone_languages]
    best = request.accept_languages.best_match(spoken)
    if best:
        return best, True
    current = page_language()
    if current in spoken or not spoken:
        return current, False
    return spoken[0], len(session_languages) == 1
