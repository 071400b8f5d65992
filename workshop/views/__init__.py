"""Blueprints, one per audience, and the little they share: credentials and links."""

from flask import current_app, jsonify, request, url_for

FACILITATOR_COOKIE = "facilitator_{}"
PROJECTOR_COOKIE = "projector_{}"
COOKIE_MAX_AGE = 60 * 60 * 24 * 60  # two months: long enough to download results later


def bearer_or_cookie(cookie_name: str) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(cookie_name)


def set_token_cookie(response, name: str, token: str) -> None:
    response.set_cookie(name, token, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=request.is_secure)


def external_url(endpoint: str, **values) -> str:
    """An absolute link; WORKSHOP_PUBLIC_URL wins so phones get an address they can reach."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def session_links(workshop_id: str, join_code: str, facilitator_token: str,
                  projector_token: str) -> dict[str, str]:
    return {
        "facilitator": external_url("facilitator.console", session_id=workshop_id,
                                    token=facilitator_token),
        "projector": external_url("projector.view", session_id=workshop_id,
                                  token=projector_token),
        "join": external_url("participant.join_code", code=join_code),
        "summary": external_url("facilitator.summary", session_id=workshop_id),
    }


def created_answer(created, state: dict) -> tuple:
    """The 201 answer for a new session (created or imported): its state, tokens and links."""
    workshop = created.session
    body = {
        **state,
        "facilitator_token": created.facilitator_token,
        "projector_token": created.projector_token,
        "links": session_links(workshop.id, workshop.join_code, created.facilitator_token,
                               created.projector_token),
    }
    return jsonify(body), 201
