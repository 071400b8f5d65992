"""The projector page: join code and QR always on the wall, the current round, its results."""

import time

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import get_locale

from workshop import voting
from workshop.errors import Unauthorized
from workshop.extensions import db
from workshop.state import session_state
from workshop.views import PROJECTOR_COOKIE, external_url, set_token_cookie
from workshop.views.qr import qr_svg

bp = Blueprint("projector", __name__)


@bp.get("/p/<session_id>")
def view(session_id: str):
    token = request.args.get("token") or request.cookies.get(PROJECTOR_COOKIE.format(session_id))
    with db.read() as session:
        try:
            workshop, role = voting.authenticate(session, session_id, token,
                                                 ("projector", "facilitator"))
        except Unauthorized:
            abort(403)
        state = session_state(workshop, str(get_locale()))
    # The page's socket signs in as a projector, whichever link opened it: it only shows.
    # The projector machine never keeps the facilitator's credential.
    projector_token = token if role == "projector" else voting.projector_token_for(token,
                                                                                   session_id)
    if request.args.get("token"):
        response = redirect(url_for("projector.view", session_id=session_id))
        set_token_cookie(response, PROJECTOR_COOKIE.format(session_id), projector_token)
        return response
    join_url = external_url("participant.join_code", code=state["join_code"])
    # The short address to type, without the scheme: the code is typed on the next screen.
    join_address = external_url("participant.join").split("://", 1)[-1]
    page = {
        "session": session_id,
        "projector_token": projector_token,
        "language": str(get_locale()),
        "title": state["title"],
        "now": int(time.time() * 1000),
    }
    return render_template("projector/view.html", state=state, join_address=join_address,
                           join_qr=qr_svg(join_url, scale=10), page=page)
