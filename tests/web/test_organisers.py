"""Who may create: sessions, catalogues and imports for organisers only (the key, or the
server's own machine), on the API and on the start page; deleting uploaded catalogues."""

import json

from sqlalchemy import func, select

from tests.factories import api_session, auth, session_spec
from tests.web.test_catalogues_api import custom_yaml
from workshop import voting
from workshop.extensions import db
from workshop.models import Catalogue, WorkshopSession

KEY = "organiser-key-for-tests"
ROOM = {"REMOTE_ADDR": "192.168.1.5"}  # a phone or laptop on the room's wifi


def sessions() -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(WorkshopSession))


def catalogues() -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Catalogue))


def exported(client) -> bytes:
    created = api_session(client)
    return client.get(f"/sessions/{created['id']}/export.json",
                      headers=auth(created["facilitator_token"])).data


def creations(client, headers=None, **kwargs):
    """Every organiser request, each answered."""
    document = exported(client)
    headers = headers or {}
    return [
        client.post("/api/sessions", json=session_spec(), headers=headers, **kwargs),
        client.post("/api/catalogues", data=custom_yaml(), headers=headers, **kwargs),
        client.post("/api/sessions/import", data=document, headers=headers,
                    content_type="application/json", **kwargs),
        client.delete("/api/catalogues/erfurt-2026", headers=headers, **kwargs),
    ]


def test_without_a_key_only_the_servers_own_machine_may_create(client):
    before = (sessions(), catalogues())
    for response in creations(client, environ_base=ROOM):
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "organiser_only_local"
    assert (sessions(), catalogues()) == (before[0] + 1, before[1])  # only exported()'s own
    # IPv6 loopback counts as the machine itself.
    response = client.post("/api/sessions", json=session_spec(),
                           environ_base={"REMOTE_ADDR": "::1"})
    assert response.status_code == 201


def test_with_a_key_every_creation_needs_it_even_on_the_machine_itself(app, client):
    document = exported(client)
    app.config["ORGANISER_KEY"] = KEY
    for response in [client.post("/api/sessions", json=session_spec()),
                     client.post("/api/catalogues", data=custom_yaml()),
                     client.post("/api/sessions/import", data=document,
                                 content_type="application/json"),
                     client.delete("/api/catalogues/erfurt-2026")]:
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "organiser_key_required"
    wrong = client.post("/api/sessions", json=session_spec(), headers=auth("guess"),
                        environ_base=ROOM)
    assert wrong.status_code == 403
    assert wrong.get_json()["error"]["code"] == "bad_organiser_key"
    assert sessions() == 1

    key = auth(KEY)
    assert client.post("/api/sessions", json=session_spec(), headers=key,
                       environ_base=ROOM).status_code == 201
    assert client.post("/api/catalogues", data=custom_yaml(), headers=key,
                       environ_base=ROOM).status_code == 201
    assert client.post("/api/sessions/import", data=document, content_type="application/json",
                       headers=key, environ_base=ROOM).status_code == 201
    assert client.delete("/api/catalogues/erfurt-2026", headers=key,
                         environ_base=ROOM).status_code == 204
    assert (sessions(), catalogues()) == (3, 0)


def test_a_facilitator_token_is_not_an_organiser_key(app, client):
    created = api_session(client)
    app.config["ORGANISER_KEY"] = KEY
    response = client.post("/api/sessions", json=session_spec(),
                           headers=auth(created["facilitator_token"]))
    assert response.status_code == 403


def _start_form(**extra) -> dict:
    return {"title": "Workshop im Rathaus", "catalogue": "whole-comm",
            "languages": ["de", "en"], "groups": ["administration", "civil_society"], **extra}


def test_the_start_page_asks_for_the_key_once_and_remembers_it(app, client):
    app.config["ORGANISER_KEY"] = KEY
    page = client.get("/?lang=en", environ_base=ROOM)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="organiser_key"' in html and "needs the organiser key" in html

    refused = client.post("/", data=_start_form(), environ_base=ROOM)
    assert refused.status_code == 401 and 'name="organiser_key"' in refused.get_data(as_text=True)
    wrong = client.post("/", data=_start_form(organiser_key="guess"), environ_base=ROOM)
    assert wrong.status_code == 403
    assert "This organiser key is not valid" in wrong.get_data(as_text=True)
    assert client.get_cookie("organiser_key") is None
    assert sessions() == 0

    created = client.post("/", data=_start_form(organiser_key=KEY), environ_base=ROOM)
    assert created.status_code == 302 and sessions() == 1
    cookie = client.get_cookie("organiser_key")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure
    assert KEY not in cookie.value  # the cookie proves the key without carrying it

    # Remembered: no field, and the next session needs no key.
    assert 'name="organiser_key"' not in client.get("/", environ_base=ROOM).get_data(as_text=True)
    assert client.post("/", data=_start_form(), environ_base=ROOM).status_code == 302
    # The cookie works for the API too, from the server's own pages.
    assert client.post("/api/catalogues", data=custom_yaml(), environ_base=ROOM,
                       headers={"Origin": "http://localhost"}).status_code == 201
    # A new key, and the old cookie stops working.
    app.config["ORGANISER_KEY"] = "another key"
    assert client.post("/", data=_start_form(), environ_base=ROOM).status_code == 401
    assert sessions() == 2


def test_the_key_cookie_is_secure_over_https(app, client):
    app.config["ORGANISER_KEY"] = KEY
    client.post("/", data=_start_form(organiser_key=KEY), base_url="https://localhost")
    assert client.get_cookie("organiser_key", domain="localhost").secure


def test_the_start_page_says_who_may_create_without_a_key(client):
    page = client.get("/?lang=en", environ_base=ROOM)
    html = page.get_data(as_text=True)
    assert "only be created on the computer the server runs on" in html
    assert 'name="organiser_key"' not in html
    refused = client.post("/?lang=de", data=_start_form(), environ_base=ROOM)
    assert refused.status_code == 403
    assert "nur auf dem Computer anlegen" in refused.get_data(as_text=True)
    assert sessions() == 0
    assert client.get("/").status_code == 200
    assert "organiser-refusal" not in client.get("/").get_data(as_text=True)


# --- Deleting an uploaded catalogue -------------------------------------------------------------

def test_an_unused_uploaded_catalogue_can_be_deleted(client):
    assert client.post("/api/catalogues", data=custom_yaml()).status_code == 201
    assert client.delete("/api/catalogues/erfurt-2026").status_code == 204
    assert client.get("/api/catalogues/erfurt-2026").status_code == 404
    again = client.delete("/api/catalogues/erfurt-2026")
    assert again.status_code == 404
    assert again.get_json()["error"]["code"] == "catalogue_not_found"
    # The id is free again.
    assert client.post("/api/catalogues", data=custom_yaml()).status_code == 201


def test_built_in_catalogues_cannot_be_deleted(client):
    response = client.delete("/api/catalogues/whole-comm")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "catalogue_builtin"
    assert client.get("/api/catalogues/whole-comm").status_code == 200


def test_a_catalogue_a_live_session_uses_stays_until_the_session_ends(client):
    client.post("/api/catalogues", data=custom_yaml())
    created = api_session(client, catalogue="erfurt-2026")
    response = client.delete("/api/catalogues/erfurt-2026")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "catalogue_in_use"
    assert catalogues() == 1
    with db.write() as s:
        voting.end_session(s, s.get(WorkshopSession, created["id"]))
    assert client.delete("/api/catalogues/erfurt-2026").status_code == 204
    # The ended session keeps its own copy of the texts.
    summary = client.get(f"/s/{created['id']}/summary",
                         headers=auth(created["facilitator_token"]))
    assert summary.status_code == 200


def test_refusals_use_the_error_shape(client):
    response = client.post("/api/catalogues", data=json.dumps({"x": 1}), environ_base=ROOM)
    error = response.get_json()["error"]
    assert set(error) == {"code", "message"} and error["message"]


def test_the_start_page_offers_uploaded_catalogues_for_deletion_to_organisers(app, client):
    client.post("/api/catalogues", data=custom_yaml())
    html = client.get("/").get_data(as_text=True)
    assert 'data-delete="erfurt-2026"' in html
    assert 'data-delete="whole-comm"' not in html  # built in
    assert 'data-delete=' not in client.get("/", environ_base=ROOM).get_data(as_text=True)
    app.config["ORGANISER_KEY"] = KEY
    assert 'data-delete=' not in client.get("/").get_data(as_text=True)
