"""Participant pages: enter or scan the join code."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import get_locale

from workshop import voting
from workshop.errors import NotFound
from workshop.extensions import db
from workshop.state import session_state

bp = Blueprint("participant", __name__)


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
            return render_template("participant/join.html", error=code), 404
        state = session_state(workshop, str(get_locale()))
    return render_template("participant/session.html", state=state)
