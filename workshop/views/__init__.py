"""Blueprints, one per audience, and the little they share: credentials, links and the
decorator that loads a session for the facilitator, an organiser or the projector."""

import hashlib
import hmac
import ipaddress
import logging
from functools import wraps

from flask import abort, current_app, jsonify, redirect, request, url_for

from workshop import voting
from workshop.errors import Forbidden, RateLimited, Unauthorized
from workshop.extensions import db

COOKIES = {"facilitator": "facilitator_{}", "organiser": "organiser_{}",
           "projector": "projector_{}"}
FACILITATOR_COOKIE = COOKIES["facilitator"]
PROJECTOR_COOKIE = COOKIES["projector"]
ORGANISER_KEY_COOKIE = "organiser_key"
COOKIE_MAX_AGE = 60 * 60 * 24 * 60  # two months: long enough to download results later

log = logging.getLogger("workshop.requests")


def _one_line(text: str, limit: int = 200) -> str:
    """Client-supplied text made safe for one log line: escapes for control characters."""
    return text[:limit].encode("unicode_escape").decode("ascii")


def log_refusal(response):
    """after_request: a client's mistake (4xx) is one line in the log, never a traceback; the
    server's own faults keep theirs."""
    if 400 <= response.status_code < 500:
        error = response.get_json(silent=True) if response.is_json else None
        error = error.get("error") if isinstance(error, dict) else None
        what = f"{error.get('code')}: {error.get('message')}" if isinstance(error, dict) else ""
        log.info("%s %s refused with %d %s", request.method, _one_line(request.path),
                 response.status_code, _one_line(what))
    return response


def client_address() -> str:
    """The address per-address limits count by: the client's, or behind trusted proxies
    (WORKSHOP_TRUSTED_PROXIES) the one they name."""
    return request.remote_addr or "?"


def limit_creation() -> None:
    """Sessions created per address: at most SESSIONS_PER_HOUR, then 429 until the share has
    refilled."""
    creations = current_app.extensions["workshop.creations"]
    address = client_address()
    if not creations.allow(address):
        raise RateLimited("too many sessions created from this address; try again later",
                          retry_after=creations.wait(address))


def bearer_tokens() -> list[str]:
    """The tokens of `Authorization: Bearer a, b` (several for a comparison of two sessions)."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return []
    return [t.strip() for t in header[7:].split(",") if t.strip()]


def credentials(session_id: str, roles: tuple[str, ...]) -> list[str]:
    """The tokens a request offers for a session: Bearer ones, then the cookies of the given
    roles."""
    tokens = bearer_tokens()
    for role in roles:
        cookie = request.cookies.get(COOKIES[role].format(session_id))
        if cookie:
            tokens.append(cookie)
    return tokens


def authorise(s, session_id: str, roles: tuple[str, ...] = ("facilitator",)):
    """(session, role, token) for the first credential of this request valid for one of
    `roles`; Unauthorized (the same for an unknown session) otherwise."""
    for token in credentials(session_id, roles):
        try:
            workshop, role = voting.authenticate(s, session_id, token, roles)
        except Unauthorized:
            continue
        return workshop, role, token
    raise Unauthorized("this session does not exist or the token is not valid for it",
                       code="bad_token")


class Later:
    """What a view returns to finish after its read transaction closed: heavy work (writing
    a PDF) then runs off the event loop, holding no transaction."""

    def __init__(self, finish):
        self.finish = finish


def for_session(*roles: str, page: bool = False):
    """Decorator for a route with <session_id>: it runs inside one read transaction and gets
    `(s, workshop, role, token)` before its own arguments. A page answers 403 to a missing or
    wrong credential; the API answers 401 through its error handler. A view may return
    `Later(finish)`: `finish()` is called after the transaction and gives the answer."""
    def decorate(view):
        @wraps(view)
        def run(session_id: str, **kwargs):
            with db.read() as s:
                try:
                    workshop, role, token = authorise(s, session_id, roles)
                except Unauthorized:
                    if page:
                        abort(403)
                    raise
                answer = view(s, workshop, role, token, **kwargs)
            return answer.finish() if isinstance(answer, Later) else answer
        return run
    return decorate


def from_this_machine() -> bool:
    """The request comes from the server's own machine (behind trusted proxies: the client
    they name)."""
    try:
        address = ipaddress.ip_address(client_address())
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def organiser_cookie_value(key: str) -> str:
    """What the start page keeps in the organiser's cookie: not the key itself, and invalid
    as soon as the key or the server's secret changes."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"organiser-key:" + key.encode(), hashlib.sha256).hexdigest()


def _same(offered: str, expected: str) -> bool:
    return hmac.compare_digest(offered.encode(), expected.encode())


def check_organiser(entered: str | None = None) -> None:
    """Raise unless this request may create sessions, change catalogues or import: with
    WORKSHOP_ORGANISER_KEY set, the key (Bearer, `entered` on the start page, or the cookie
    that remembers it); without it, only from the server's own machine."""
    key = current_app.config["ORGANISER_KEY"]
    if not key:
        if from_this_machine():
            return
        raise Forbidden("only the server's own computer may do this; set "
                        "WORKSHOP_ORGANISER_KEY to allow organisers elsewhere",
                        code="organiser_only_local")
    offered = bearer_tokens() + ([entered] if entered else [])
    if any(_same(token, key) for token in offered):
        return
    cookie = request.cookies.get(ORGANISER_KEY_COOKIE)
    if cookie and _same(cookie, organiser_cookie_value(key)):
        return
    if offered:
        raise Forbidden("the organiser key is not valid", code="bad_organiser_key")
    raise Unauthorized("send the organiser key: Authorization: Bearer <key>",
                       code="organiser_key_required")


def organisers_only(view):
    """Decorator for the API routes that create sessions or change catalogues."""
    @wraps(view)
    def run(*args, **kwargs):
        check_organiser()
        return view(*args, **kwargs)
    return run


def set_token_cookie(response, name: str, token: str) -> None:
    response.set_cookie(name, token, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=request.is_secure)


def sign_in_from_link(session_id: str, endpoint: str, roles: tuple[str, ...],
                      keep=None):
    """A link carrying ?token=: check it, keep a token in a cookie and show the clean address
    (the token leaves the address bar). `keep(workshop, role, token)` may name another
    (role, token) to keep, e.g. the projector's for a facilitator token. None when the
    request carries no token."""
    token = request.args.get("token")
    if not token:
        return None
    with db.read() as s:
        try:
            workshop, role = voting.authenticate(s, session_id, token, roles)
        except Unauthorized:
            abort(403)
        if keep is not None:
            role, token = keep(workshop, role, token)
    response = redirect(url_for(endpoint, session_id=session_id))
    set_token_cookie(response, COOKIES[role].format(session_id), token)
    return response


def external_url(endpoint: str, **values) -> str:
    """An absolute link; WORKSHOP_PUBLIC_URL wins so phones get an address they can reach."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def session_links(workshop, facilitator_token: str) -> dict[str, str]:
    """Every link of a session, worked out from the facilitator's token."""
    organiser_token = voting.organiser_token_for(facilitator_token, workshop)
    return {
        "facilitator": external_url("facilitator.console", session_id=workshop.id,
                                    token=facilitator_token),
        "projector": external_url("projector.view", session_id=workshop.id,
                                  token=voting.projector_token_for(facilitator_token,
                                                                   workshop.id)),
        "join": external_url("participant.join_code", code=workshop.join_code),
        "summary": external_url("facilitator.summary", session_id=workshop.id,
                                **({"token": organiser_token} if organiser_token else {})),
    }


def created_answer(created, state: dict) -> tuple:
    """The 201 answer for a new session (created or imported): its state, tokens and links."""
    body = {
        **state,
        "facilitator_token": created.facilitator_token,
        "projector_token": created.projector_token,
        "links": session_links(created.session, created.facilitator_token),
    }
    return jsonify(body), 201
