"""Random and malformed requests against every HTTP route (listed from the app's own url_map, so
a new route without a strategy here fails): never a 5xx, API errors are JSON with a `code`,
and a refused request leaves every table as it was."""

import json
import logging
import os
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from tests.factories import auth
from tests.web.test_exports_data import Workshop
from workshop import voting
from workshop.extensions import db
from workshop.models import Base, Catalogue, WorkshopSession

ORGANISER_KEY = "organiser-key-for-the-properties"
EXAMPLES = int(os.environ.get("WORKSHOP_PROPERTY_EXAMPLES", "40"))  # more for a deeper hunt
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture
def seeded(app, client):
    """A session with votes in every round kind, and its JSON export as a base to mutate."""
    workshop = Workshop(app, client, end=False)
    export = client.get(f"/sessions/{workshop.id}/export.json", headers=workshop.headers)
    assert export.status_code == 200
    workshop.export = export.get_json()
    # From now on organisers need the key: no credential, a wrong and the right one are tried.
    app.config["ORGANISER_KEY"] = ORGANISER_KEY
    return workshop


def forget_all_but(session_id: str) -> None:
    """After a valid request made something (a session, a catalogue): remove it again, so the
    database stays small and every example starts from the seeded session."""
    with db.write() as s:
        for workshop in s.scalars(select(WorkshopSession).where(
                WorkshopSession.id != session_id)).all():
            voting.delete_session(s, workshop)
        s.execute(delete(Catalogue))


def dump() -> dict[str, list[str]]:
    """Every row of every table, in a stable order."""
    with db.engine.connect() as connection:
        return {table.name: sorted(repr(tuple(row)) for row in
                                   connection.execute(select(table)).all())
                for table in Base.metadata.sorted_tables}


# --- Strategies ------------------------------------------------------------------------------

scalars = st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | \
    st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30)
any_json = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5)
                        | st.dictionaries(st.text(max_size=12), inner, max_size=5),
                        max_leaves=25)


def mutated(base):
    """A valid document with one value somewhere replaced, removed or given a new key."""
    def paths(value, here=()):
        yield here
        if isinstance(value, dict):
            for key, child in value.items():
                yield from paths(child, here + (key,))
        elif isinstance(value, list):
            for i, child in enumerate(value[:4]):
                yield from paths(child, here + (i,))

    every = list(paths(base))

    @st.composite
    def build(draw):
        doc = json.loads(json.dumps(base))
        path = draw(st.sampled_from(every))
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        if not path:
            return draw(any_json)
        last = path[-1]
        if action == "replace":
            parent[last] = draw(any_json)
        elif action == "remove":
            del parent[last]
        elif isinstance(parent[last], dict):
            parent[last][draw(st.text(max_size=12))] = draw(any_json)
        elif isinstance(parent[last], list):
            parent[last].append(draw(any_json))
        else:
            parent[last] = draw(any_json)
        return doc
    return build()


def as_json(strategy):
    return strategy.map(lambda v: (json.dumps(v).encode(), "application/json"))


CONTENT_TYPES = st.sampled_from([
    "application/json", "text/plain", "application/x-www-form-urlencoded", "application/yaml",
    "multipart/form-data; boundary=x", "application/json; charset=latin-1", "",
])
nasty_bytes = st.one_of(
    st.binary(max_size=200),  # invalid UTF-8 among it
    st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),  # deep nesting
    st.integers(1, 3000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.sampled_from([b"", b"{", b"null", b"NaN", b'{"a": Infinity}', b"\xef\xbb\xbf{}",
                     b'"\xff\xfe"', b"\x00", b"[1e999]", b'{"title": "\\ud800"}']),
    st.sampled_from([1, 1024 * 1024, 9 * 1024 * 1024]).map(
        lambda n: b'{"title": "' + b"x" * n + b'"}'),  # huge strings
)


def bodies(*valid):
    """Bytes and a content type: random JSON, a valid body mutated, or nonsense."""
    options = [as_json(any_json), nasty_bytes.map(lambda b: (b, "application/json")),
               st.tuples(st.binary(max_size=100) | any_json.map(lambda v: json.dumps(v).encode()),
                         CONTENT_TYPES)]
    options += [as_json(mutated(v)) for v in valid]
    return st.one_of(*options)


def path_text(real: list[str]):
    return st.sampled_from(real) | st.text(max_size=40) | st.sampled_from(
        ["..", "%00", "a" * 300, "\x00", "1 OR 1=1", "ü", "0"])


queries = st.dictionaries(st.sampled_from(["lang", "token", "a", "b", "code", "x"]),
                          st.text(max_size=20), max_size=3)
credentials = st.sampled_from(["none", "wrong", "right", "cookie"])


# --- Routes ----------------------------------------------------------------------------------

def session_ids(w):
    return path_text([w.id])


def catalogue_body(w):
    return bodies(w.export["catalogue"])


def session_body(w):
    return bodies({"title": "t", "catalogue": "whole-comm", "languages": ["de"],
                   "groups": ["administration", {"id": "x", "name": "X"}],
                   "agenda": [{"kind": "dots", "field": "health", "budget": 3}]})


def agenda_body(w):
    rounds = w.room.rounds
    return bodies({"agenda": [{"id": rounds[3]}, {"id": rounds[0]},
                              {"kind": "rating", "field": "health", "items": ["health-c1"]}]})


def form_body(w):
    form = st.dictionaries(
        st.sampled_from(["title", "place", "date", "catalogue", "languages", "groups",
                         "extra_groups", "agenda", "organiser_key", "x"]),
        st.text(max_size=40) | any_json.map(json.dumps), max_size=6)
    return form.map(lambda f: (urlencode(f).encode(), "application/x-www-form-urlencoded")) \
        | bodies()


def import_body(w):
    return bodies(w.export)


# (rule, method): what to vary. "who" is the credential the route checks: organiser, the
# session's facilitator, or nobody.
ROUTES = {
    ("/static/<path:filename>", "GET"): {"params": {"filename": lambda w: path_text(
        ["app.js", "style.css", "../workshop/config.py"])}},
    ("/healthz", "GET"): {},
    ("/api/catalogues", "GET"): {},
    ("/api/catalogues/<catalogue_id>", "GET"): {
        "params": {"catalogue_id": lambda w: path_text(["whole-comm"])}},
    ("/api/catalogues", "POST"): {"who": "organiser", "body": catalogue_body},
    ("/api/catalogues/<catalogue_id>", "DELETE"): {
        "who": "organiser", "params": {"catalogue_id": lambda w: path_text(["whole-comm"])}},
    ("/api/sessions", "POST"): {"who": "organiser", "body": session_body},
    ("/api/sessions/<session_id>", "GET"): {"params": {"session_id": session_ids}},
    ("/api/sessions/<session_id>/agenda", "PUT"): {
        "params": {"session_id": session_ids}, "body": agenda_body},
    ("/api/sessions/<session_id>/summary-link", "POST"): {
        "params": {"session_id": session_ids}, "body": lambda w: bodies()},
    ("/api/sessions/<session_id>/results", "GET"): {"params": {"session_id": session_ids}},
    # Deleting the session with its own token is valid and meant to change everything: with the
    # right credential only other ids are tried.
    ("/api/sessions/<session_id>", "DELETE"): {
        "params": {"session_id": lambda w: path_text([w.id + "0"]).filter(lambda i: i != w.id)}},
    ("/", "GET"): {},
    ("/", "POST"): {"who": "organiser", "body": form_body},
    ("/f/<session_id>", "GET"): {"params": {"session_id": session_ids}},
    ("/s/<session_id>/summary", "GET"): {"params": {"session_id": session_ids}},
    ("/compare", "GET"): {},
    ("/compare.pdf", "GET"): {},
    ("/join", "GET"): {},
    ("/accessibility", "GET"): {},
    ("/j/<code>", "GET"): {"params": {"code": lambda w: path_text([w.room.created["join_code"]])}},
    ("/p/<session_id>", "GET"): {"params": {"session_id": session_ids}},
    ("/sessions/<session_id>/export.<fmt>", "GET"): {
        "params": {"session_id": session_ids,
                   "fmt": lambda w: st.sampled_from(["csv", "json", "md", "xlsx"])
                   | path_text(["pdf", "PDF", "json.json"])}},
    ("/api/sessions/import", "POST"): {"who": "organiser", "body": import_body},
}


def rules(app) -> set[tuple[str, str]]:
    return {(rule.rule, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_has_a_strategy(app):
    assert rules(app) == set(ROUTES)


def build_path(rule: str, params: dict[str, str]) -> str:
    path = rule
    for name, value in params.items():
        safe = "/" if name == "filename" else ""
        path = path.replace(f"<path:{name}>", quote(value, safe=safe))
        path = path.replace(f"<{name}>", quote(value, safe=safe) or "x")
    return path


def answers_json(rule: str, params: dict[str, str]) -> bool:
    """The API answers errors in JSON (a parameter holding "/" leaves the route: a page's
    404)."""
    return (rule.startswith("/api/") or rule == "/healthz" or "/export." in rule) and \
        not any("/" in value for value in params.values())


def test_random_requests_never_fault_and_change_nothing(app, seeded, caplog):
    for route in sorted(ROUTES):
        check_route(app, seeded, route, caplog)


def check_route(app, seeded, route, caplog):
    rule, method = route
    spec = ROUTES[route]
    who = spec.get("who", "facilitator")
    strategy = st.fixed_dictionaries({
        "params": st.fixed_dictionaries({name: make(seeded)
                                         for name, make in spec.get("params", {}).items()}),
        "query": queries,
        "credential": credentials,
        "body": spec["body"](seeded) if "body" in spec else st.just(None),
    })

    @SETTINGS
    @given(strategy)
    def check(request):
        client = app.test_client()
        headers = {}
        right = ORGANISER_KEY if who == "organiser" else seeded.token
        if request["credential"] == "wrong":
            headers = auth("not-the-token")
        elif request["credential"] == "right":
            headers = auth(right)
        elif request["credential"] == "cookie" and who == "facilitator":
            client.set_cookie(f"facilitator_{seeded.id}", seeded.token)
        path = build_path(rule, request["params"])
        if request["query"]:
            path += "?" + urlencode(request["query"])
        data, content_type = request["body"] or (None, None)
        before = dump()
        caplog.clear()
        with caplog.at_level(logging.INFO):
            response = client.open(path, method=method, data=data, headers=headers,
                                   content_type=content_type)
        status = response.status_code
        assert status < 500, (method, path, status, response.get_data()[:500])
        if answers_json(rule, request["params"]) and status >= 400:
            assert response.is_json, (path, status, response.get_data()[:300])
            assert response.get_json()["error"]["code"]
        if status >= 400:
            # A client's mistake is one line in the log, never a traceback.
            lines = [r.getMessage() for r in caplog.records if r.name == "workshop.requests"]
            assert len(lines) == 1 and "\n" not in lines[0], lines
            assert all(r.exc_info is None for r in caplog.records), lines
        if status >= 400 or method == "GET":
            assert dump() == before, (method, path, status)
        else:
            forget_all_but(seeded.id)

    check()


def test_a_client_mistake_is_one_line_in_the_log(client, caplog):
    with caplog.at_level(logging.INFO, logger="workshop.requests"):
        refused = client.post("/api/sessions", json={"title": "t", "groups": [7],
                                                     "colour": "rot\nINFO forged line"})
        missing = client.get("/j/NOPE%0A")
    assert refused.status_code == 400 and missing.status_code == 404
    lines = [r for r in caplog.records if r.name == "workshop.requests"]
    assert [r.levelno for r in lines] == [logging.INFO, logging.INFO]
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in lines)
    assert "POST /api/sessions refused with 400 invalid_session: " in lines[0].getMessage()
    assert "colour: unknown field" in lines[0].getMessage()
    assert "GET /j/NOPE\\n refused with 404" in lines[1].getMessage()
