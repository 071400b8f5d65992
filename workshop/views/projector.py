"""The projector page: join code and QR on the wall while the session runs, the current round,
its results, and a closing screen after the end."""

import time

from flask import Blueprint, current_app, render_template
from flask_babel import get_locale

from workshop import voting
from workshop.state import session_state
from workshop.views import external_url, for_session, sign_in_from_link
from workshop.views.qr import qr_svg

bp = Blueprint("projector", __name__)


@bp.get("/p/<session_id>")
def view(session_id: str):
    return sign_in_from_link(session_id, "projector.view", ("projector", "facilitator"),
                             keep=_projector_only) or _view(session_id)


def _projector_only(workshop, role: str, token: str) -> tuple[str, str]:
    """Opened with the facilitator's link or the projector's, the projector machine keeps only
    the projector token, which can only watch."""
    if role == "projector":
        return role, token
    return "projector", voting.projector_token_for(token, workshop.id)


@for_session("projector", "facilitator", page=True)
def _view(s, workshop, role, token):
    state = session_state(workshop, str(get_locale()))
    projector_token = token if role == "projector" else voting.projector_token_for(
        token, workshop.id)
    ended = workshop.ended_at is not None
    join_url = external_url("participant.join_code", code=state["join_code"])
    # The short address to type, without the scheme: the code is typed on the next screen.
    join_address = external_url("participant.join").split("://", 1)[-1]
    page = {
        "session": workshop.id,
        "projector_token": projector_token,
        "language": str(get_locale()),
        "title": state["title"],
        "now": int(time.time() * 1000),
        "page_seconds": current_app.config["PROJECTOR_PAGE_SECONDS"],
    }
    return render_template("projector/view.html", state=state, ended=ended,
                           join_address=None if ended else join_address,
                           join_qr=None if ended else qr_svg(join_url, scale=10), page=page)
