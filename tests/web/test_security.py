"""The security suite: every facilitator, organiser and projector route (from Flask's url_map)
and every facilitator event (from the Socket.IO handlers), tried with no credential, a
participant's, the projector's, the organiser link's, another session's and forged tokens:
refused, and not one row of the database changed."""

import inspect
import io

import pytest

from tests.factories import api_session, auth, session_spec
from tests.live import Room
from tests.web.test_catalogues_api import custom_yaml
from workshop import voting
from workshop.extensions import db, socketio
from workshop.models import Base

# Routes anyone may call: they show no session's state and change nothing.
PUBLIC = {
    ("static", "GET"), ("api.healthz", "GET"), ("api.list_catalogues", "GET"),
    ("api.get_catalogue", "GET"), ("facilitator.start", "GET"), ("participant.join", "GET"),
    ("participant.join_code", "GET"), ("about.accessibility", "GET"),
}
# Routes of one session: (method, endpoint) -> (path, roles that may, request arguments).
# {a} is the session under attack, {b} another session.
SESSION_ROUTES = {
    ("facilitator.console", "GET"): ("/f/{a}", {"facilitator"}, {}),
    ("projector.view", "GET"): ("/p/{a}", {"facilitator", "projector"}, {}),
    ("facilitator.summary", "GET"): ("/s/{a}/summary", {"facilitator", "organiser"}, {}),
    ("exports.download", "GET"): ("/sessions/{a}/export.json", {"facilitator", "organiser"}, {}),
    ("api.get_session", "GET"): ("/api/sessions/{a}", {"facilitator", "projector"}, {}),
    ("api.get_results", "GET"): ("/api/sessions/{a}/results",
                                 {"facilitator", "organiser", "projector"}, {}),
    ("api.put_agenda", "PUT"): ("/api/sessions/{a}/agenda", {"facilitator"},
                                {"json": {"agenda": []}}),
    ("api.new_summary_link", "POST"): ("/api/sessions/{a}/summary-link", {"facilitator"}, {}),
    ("api.delete_session", "DELETE"): ("/api/sessions/{a}", {"facilitator"}, {}),
    # A comparison needs a credential for each of both sessions: one token is never enough.
    ("facilitator.compare", "GET"): ("/compare?a={a}&b={b}", set(), {}),
    ("facilitator.compare_pdf", "GET"): ("/compare.pdf?a={a}&b={b}", set(), {}),
}
# The links that carry ?token= and turn it into a cookie.
LINK_ROUTES = {"facilitator.console": {"facilitator"},
               "projector.view": {"facilitator", "projector"},
               "facilitator.summary": {"organiser"}}
# Routes for organisers (WORKSHOP_ORGANISER_KEY): (method, endpoint) -> (path, arguments).
ORGANISER_ROUTES = {
    ("facilitator.create", "POST"): ("/", lambda w: {"data": {
        "title": "Fremd", "catalogue": "whole-comm", "languages": ["de"],
        "groups": ["administration"]}}),
    ("api.create_session", "POST"): ("/api/sessions", lambda w: {"json": session_spec()}),
    ("api.add_catalogue", "POST"): ("/api/catalogues", lambda w: {
        "data": custom_yaml("fremd"), "content_type": "text/plain"}),
    ("api.delete_catalogue", "DELETE"): ("/api/catalogues/erfurt-2026", lambda w: {}),
    ("exports.import_session", "POST"): ("/api/sessions/import", lambda w: {
        # A part of it: a whole one would be spooled to a file the refusal never reads.
        "data": {"file": (io.BytesIO(w.backup[:2000]), "backup.json")}}),
}
KEY = "the-organisers-key"


def snapshot() -> dict[str, list[str]]:
    """Every row of every table."""
    with db.read() as s:
        return {table.name: sorted(repr(tuple(row)) for row in s.execute(table.select()))
                for table in Base.metadata.sorted_tables}


def tampered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


class World:
    """Session A under attack, with a phone, an idea, a revealed and an open round; session B
    next to it; every kind of credential."""

    def __init__(self, app, client):
        self.app = app
        self.room = room = Room(app, client)
        self.a = room.created
        self.b = api_session(client, title="Die andere Sitzung")
        self.phone = room.phone()
        room.act("open_round", round=room.rating)
        assert self.phone.emit("vote", {"round": room.rating, "item": "health-c1", "value": 4},
                               callback=True)["ok"]
        room.act("close_round", round=room.rating)
        room.act("reveal_round", round=room.rating)
        room.act("open_round", round=room.ideas)
        ack = self.phone.emit("idea", {"round": room.ideas, "text": "Mehr Kurse"},
                              callback=True)
        self.idea = ack["idea"]["id"]
        room.act("close_round", round=room.ideas)
        room.act("open_round", round=room.dots)
        self.backup = client.get(f"/sessions/{self.a['id']}/export.json",
                                 headers=auth(self.a["facilitator_token"])).data
        assert client.post("/api/catalogues", data=custom_yaml()).status_code == 201
        organiser = self.a["links"]["summary"].partition("?token=")[2]
        self.tokens = {
            "facilitator": self.a["facilitator_token"],
            "projector": self.a["projector_token"],
            "organiser": organiser,
            "participant": self.phone.token,
            "other session": self.b["facilitator_token"],
            "forged": voting.new_token(),
            "tampered": tampered(self.a["facilitator_token"]),
            "join code": self.a["join_code"],
        }
        self.refused_with = {name: token for name, token in self.tokens.items()
                             if name != "facilitator"}


@pytest.fixture
def world(app, client):
    return World(app, client)


def _offer(app, token: str | None, how: str, session_id: str):
    """A fresh browser or client offering `token` in the Authorization header or as every
    cookie of the session."""
    client = app.test_client()
    headers = {}
    if token is not None and how == "bearer":
        headers = auth(token)
    elif token is not None:
        for role in ("facilitator", "organiser", "projector"):
            client.set_cookie(f"{role}_{session_id}", token)
    return client, headers


def test_every_route_is_public_or_in_the_suite(app):
    tested = PUBLIC | set(SESSION_ROUTES) | set(ORGANISER_ROUTES)
    missing = sorted(f"{method} {rule.rule} ({rule.endpoint})"
                     for rule in app.url_map.iter_rules()
                     for method in rule.methods - {"HEAD", "OPTIONS"}
                     if (rule.endpoint, method) not in tested)
    assert not missing, "routes neither public nor in the security suite: " + ", ".join(missing)
    stale = tested - {(rule.endpoint, method) for rule in app.url_map.iter_rules()
                      for method in rule.methods}
    assert not stale, f"the suite names routes that do not exist: {stale}"


@pytest.mark.parametrize("how", ["bearer", "cookie"])
def test_session_routes_refuse_every_wrong_credential(world, how):
    a, b = world.a["id"], world.b["id"]
    before = snapshot()
    for (endpoint, method), (path, allowed, kwargs) in SESSION_ROUTES.items():
        url = path.format(a=a, b=b)
        offers = {"no credential": None, **world.tokens}
        for name, token in offers.items():
            if name in allowed:
                continue
            client, headers = _offer(world.app, token, how, a)
            response = client.open(url, method=method, headers=headers, **kwargs)
            assert response.status_code in (401, 403), (endpoint, name, response.status_code)
            if response.is_json:
                assert response.get_json()["error"]["code"]
            assert world.a["title"] not in response.get_data(as_text=True), (endpoint, name)
    assert snapshot() == before


def test_links_with_a_wrong_token_are_refused(world):
    a = world.a["id"]
    before = snapshot()
    paths = {"facilitator.console": f"/f/{a}", "projector.view": f"/p/{a}",
             "facilitator.summary": f"/s/{a}/summary"}
    for endpoint, allowed in LINK_ROUTES.items():
        for name, token in world.tokens.items():
            if name in allowed:
                continue
            client = world.app.test_client()
            response = client.get(f"{paths[endpoint]}?token={token}")
            assert response.status_code == 403, (endpoint, name)
            assert not client.get_cookie(f"facilitator_{a}")
    assert snapshot() == before


def test_the_allowed_credentials_do_work(world):
    """The suite's control: the same requests succeed with the right credential, so the
    refusals above are the credential's doing."""
    a, b = world.a["id"], world.b["id"]
    for (endpoint, method), (path, allowed, _arguments) in SESSION_ROUTES.items():
        if method != "GET":
            continue  # changes: tested in their own files
        tokens = [world.tokens[role] for role in allowed] or [
            f"{world.a['facilitator_token']}, {world.b['facilitator_token']}"]
        for token in tokens:
            response = world.app.test_client().get(path.format(a=a, b=b), headers=auth(token))
            assert response.status_code == 200, (endpoint, token)


@pytest.mark.parametrize("how", ["bearer", "cookie"])
def test_organiser_routes_refuse_everything_but_the_key(world, how):
    world.app.config["ORGANISER_KEY"] = KEY
    before = snapshot()
    offers = {"no credential": None, **world.tokens, "forged key": tampered(KEY)}
    for (endpoint, method), (path, arguments) in ORGANISER_ROUTES.items():
        for name, token in offers.items():
            client = world.app.test_client()
            headers = {}
            if token is not None and how == "bearer":
                headers = auth(token)
            elif token is not None:
                client.set_cookie("organiser_key", token)
            response = client.open(path, method=method, headers=headers, **arguments(world))
            assert response.status_code in (401, 403), (endpoint, name, response.status_code)
    assert snapshot() == before


def test_organiser_routes_refuse_the_room_without_a_key(world):
    before = snapshot()
    for (endpoint, method), (path, arguments) in ORGANISER_ROUTES.items():
        response = world.app.test_client().open(path, method=method,
                                                environ_base={"REMOTE_ADDR": "10.0.0.7"},
                                                **arguments(world))
        assert response.status_code == 403, endpoint
    assert snapshot() == before


# --- Socket.IO ----------------------------------------------------------------------------------

def event_roles() -> dict[str, tuple[str, ...]]:
    """Every client event and the roles its @event(...) registration allows, read from the
    Socket.IO server itself so a new event cannot be left out."""
    found = {}
    for name, wrapper in socketio.server.handlers["/"].items():
        if name in ("connect", "disconnect"):
            continue
        handler = inspect.getclosurevars(wrapper).nonlocals["handler"]
        found[name] = inspect.getclosurevars(handler).nonlocals["roles"]
    return found


def facilitator_payloads(world) -> dict[str, dict]:
    """For each facilitator event a payload session A's facilitator could send right now."""
    room = world.room
    return {
        "open_round": {"round": room.later}, "close_round": {"round": room.dots},
        "reveal_round": {"round": room.ideas}, "hide_round": {"round": room.rating},
        "reopen_round": {"round": room.rating}, "hide_idea": {"idea": world.idea},
        "approve_idea": {"idea": world.idea}, "page": {"round": room.rating, "step": 1},
        "timer": {"seconds": 60}, "end_session": {},
    }


def test_every_event_is_for_participants_or_in_the_suite(world):
    roles = event_roles()
    facilitator = {name for name, allowed in roles.items() if "facilitator" in allowed}
    assert facilitator == set(facilitator_payloads(world)), "facilitator events untested"
    assert all(set(allowed) in ({"participant"}, {"facilitator"}) for allowed in roles.values())


def test_wrong_credentials_are_refused_at_connect(world):
    a = world.a["id"]
    attempts = [None, {}, {"session": a}]
    for token in world.refused_with.values():
        attempts.append({"session": a, "facilitator_token": token})
    for name, token in world.tokens.items():
        if name not in ("projector", "facilitator"):
            attempts.append({"session": a, "projector_token": token})
    for auth_ in attempts:
        client = socketio.test_client(world.app, auth=auth_)
        assert not client.is_connected(), auth_


def test_facilitator_events_are_refused_to_everyone_else(world):
    a = world.a["id"]
    projector = socketio.test_client(world.app, auth={
        "session": a, "projector_token": world.a["projector_token"]})
    assert projector.is_connected()
    stranger = socketio.test_client(world.app, auth={
        "session": world.b["id"], "facilitator_token": world.b["facilitator_token"]})
    assert stranger.is_connected()
    fresh_phone = world.room.connect(join_code=world.a["join_code"])  # connected, not joined
    payloads = facilitator_payloads(world)
    before = snapshot()
    for name, payload in payloads.items():
        for who, client in [("participant", world.phone), ("projector", projector),
                            ("phone before joining", fresh_phone)]:
            ack = client.emit(name, payload, callback=True)
            assert ack["ok"] is False and ack["error"]["code"] == "forbidden", (name, who, ack)
        if set(payload) & {"round", "idea"}:
            # Another session's facilitator, aiming at this session's rounds and ideas.
            ack = stranger.emit(name, payload, callback=True)
            assert ack["ok"] is False, (name, ack)
            assert ack["error"]["code"].endswith("not_found"), (name, ack)
    assert snapshot() == before


def test_the_facilitator_may_send_every_payload_of_the_suite(world):
    """The control: each payload is one session A's facilitator can send."""
    for name, payload in facilitator_payloads(world).items():
        world.room.act(name, **payload)

