"""Sessions over HTTP: create, read, delete, health; every bad request named and harmless."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.factories import api_session, auth, session_spec
from workshop.extensions import db
from workshop.limits import PerKey
from workshop.models import Group, Participant, Round, Vote, WorkshopSession
from workshop.voting import JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH, hash_token

FIELDS = ["governance", "employment", "education", "health", "housing"]


def counts() -> dict[str, int]:
    with db.read() as s:
        return {model.__name__: s.scalar(select(func.count()).select_from(model))
                for model in (WorkshopSession, Group, Round, Participant, Vote)}


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_only_a_title_gives_three_groups_and_fifteen_rounds(client):
    created = api_session(client, title="Nur ein Titel", place=None, date=None)
    assert created["title"] == "Nur ein Titel"
    assert [g["id"] for g in created["groups"]] == [
        "administration", "civil-society", "migrant-organisations"]
    assert [g["name"] for g in created["groups"]] == [
        "Verwaltung", "Zivilgesellschaft", "Migrantische Organisationen"]
    rounds = created["rounds"]
    assert len(rounds) == 15
    expected = [(kind, field, target) for field in FIELDS for kind, target in
                (("rating", "challenges"), ("rating", "principles"), ("dots", "principles"))]
    assert [(r["kind"], r["field"], r["target"]) for r in rounds] == expected
    assert all(r["state"] == "pending" and r["revealed"] is False for r in rounds)
    assert [len(r["items"]) for r in rounds[:3]] == [8, 22, 22]
    dots = rounds[2]
    assert (dots["budget"], dots["max_per_item"]) == (5, 2)
    assert rounds[0]["items"][0] == {
        "id": "governance-c1",
        "text": "Es fehlen klare, handlungsleitende Strategien, bspw. durch ein "
                "Integrationskonzept"}
    assert rounds[1]["items"][0]["group"] == "governance-g1"
    assert created["languages"] == ["de", "en"]


def test_created_answer_has_credentials_and_links(client):
    created = api_session(client)
    code = created["join_code"]
    assert len(code) == JOIN_CODE_LENGTH and set(code) <= set(JOIN_CODE_ALPHABET)
    assert not set(code) & set("0O1IL")
    assert len(created["facilitator_token"]) >= 43  # 256 bits, url-safe base64
    links = created["links"]
    assert set(links) == {"facilitator", "projector", "join", "summary"}
    assert links["facilitator"].endswith(f"/f/{created['id']}?token={created['facilitator_token']}")
    assert links["projector"].endswith(f"/p/{created['id']}?token={created['projector_token']}")
    assert links["join"].endswith(f"/j/{code}")
    summary, _, token = links["summary"].partition("?token=")
    assert summary.endswith(f"/s/{created['id']}/summary")
    assert len(token) >= 43 and token not in (created["facilitator_token"],
                                              created["projector_token"])


def test_token_stored_only_as_hash(client):
    created = api_session(client)
    with db.read() as s:
        row = s.get(WorkshopSession, created["id"])
        stored = [row.facilitator_token_hash, row.projector_token_hash]
    assert created["facilitator_token"] not in stored
    assert stored == [hash_token(created["facilitator_token"]),
                      hash_token(created["projector_token"])]


def test_get_session_needs_a_valid_token(client):
    created = api_session(client)
    path = f"/api/sessions/{created['id']}"
    assert client.get(path).status_code == 401
    wrong = client.get(path, headers=auth(created["facilitator_token"][:-1] + "x"))
    assert wrong.status_code == 401
    assert wrong.get_json()["error"]["code"] == "bad_token"
    ok = client.get(path, headers=auth(created["facilitator_token"]))
    assert ok.status_code == 200
    state = ok.get_json()
    assert state["id"] == created["id"] and state["join_code"] == created["join_code"]
    assert state["rounds"] == created["rounds"]
    # The projector may look, but not delete.
    assert client.get(path, headers=auth(created["projector_token"])).status_code == 200
    assert client.delete(path, headers=auth(created["projector_token"])).status_code == 401


def test_unknown_session_and_bad_token_look_the_same(client):
    created = api_session(client)
    unknown = client.get("/api/sessions/doesnotexist", headers=auth(created["facilitator_token"]))
    other = client.get(f"/api/sessions/{created['id']}", headers=auth("forged"))
    assert unknown.status_code == other.status_code == 401
    assert unknown.get_json() == other.get_json()


def test_language_of_the_answer(client):
    created = api_session(client)
    path = f"/api/sessions/{created['id']}"
    english = client.get(path + "?lang=en", headers=auth(created["facilitator_token"])).get_json()
    assert english["language"] == "en"
    assert english["groups"][2]["name"] == "Migrant organisations"
    assert english["rounds"][0]["question"] == "How much does this challenge apply here?"
    assert english["rounds"][0]["field_title"] == "Governance"
    assert english["rounds"][0]["items"][0]["text"].startswith("There is a lack of")
    german = client.get(path, headers=auth(created["facilitator_token"])).get_json()
    assert german["rounds"][0]["field_title"] == "Politische Gestaltung (Governance)"


def test_facilitator_cookie_authenticates(client):
    created = api_session(client)
    first = client.get(created["links"]["facilitator"])
    assert first.status_code == 302
    assert first.headers["Location"] == f"/f/{created['id']}"
    cookie = first.headers["Set-Cookie"]
    assert f"facilitator_{created['id']}={created['facilitator_token']}" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # The test client keeps the cookie: the API accepts it without a header.
    assert client.get(f"/api/sessions/{created['id']}").status_code == 200


def test_custom_groups_and_agenda(client):
    created = api_session(
        client,
        languages=["en"],
        groups=["administration", "politics", {"id": "youth", "name": "Youth council"},
                "Wohlfahrtsverbände"],
        agenda=[
            {"kind": "rating", "field": "health", "target": "challenges"},
            {"kind": "dots", "field": "housing", "budget": 3, "max_per_item": 1,
             "items": ["housing-p1", "housing-p2", "housing-p3"]},
            {"kind": "ideas", "question": "What is missing?"},
        ],
    )
    assert created["languages"] == ["en"]
    assert [(g["id"], g["name"]) for g in created["groups"]] == [
        ("administration", "Administration"), ("politics", "Politics"),
        ("youth", "Youth council"), ("wohlfahrtsverbande", "Wohlfahrtsverbände")]
    kinds = [(r["kind"], r["field"], r["target"], len(r["items"])) for r in created["rounds"]]
    assert kinds == [("rating", "health", "challenges", 4), ("dots", "housing", "principles", 3),
                     ("ideas", None, "ideas", 0)]
    assert created["rounds"][1]["budget"] == 3 and created["rounds"][1]["max_per_item"] == 1
    assert created["rounds"][2]["question"] == "What is missing?"


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({}, "title", "required"),
        ({"title": "   "}, "title", "required"),
        ({"title": "x" * 201}, "title", "200"),
        ({"title": "t", "date": "14.03.2026"}, "date", "not a date"),
        ({"title": "t", "catalogue": "nope"}, "catalogue", "no catalogue"),
        ({"title": "t", "languages": ["fr"]}, "languages", "no texts in fr"),
        ({"title": "t", "languages": "de"}, "languages", "at least one language"),
        ({"title": "t", "languages": ["de", "de"]}, "languages", "twice"),
        ({"title": "t", "groups": []}, "groups", "1 to 12"),
        ({"title": "t", "groups": ["a", "a"]}, "groups", "twice"),
        ({"title": "t", "groups": [{"id": "Bad Id", "name": "x"}]}, "groups[0].id", "lowercase"),
        ({"title": "t", "groups": [7]}, "groups[0]", "preset"),
        ({"title": "t", "agenda": {}}, "agenda", "at most 200"),
        ({"title": "t", "agenda": [{"kind": "rating"}] * 201}, "agenda", "at most 200"),
        ({"title": "t", "agenda": [{"id": 1, "kind": "ideas"}]}, "agenda[0].id", "no rounds"),
        ({"title": "t", "agenda": [{"kind": "ideas", "moderation": "never"}]},
         "agenda[0].moderation", '"pre" or "post"'),
        ({"title": "t", "agenda": [{"kind": "rating", "field": "health", "moderation": "pre"}]},
         "agenda[0]", "ideas rounds only"),
        ({"title": "t", "agenda": [{"kind": "vote"}]}, "agenda[0].kind", "rating, dots, ideas"),
        ({"title": "t", "agenda": [{"kind": "rating", "field": "sport"}]}, "agenda[0].field",
         "no action field"),
        ({"title": "t", "agenda": [{"kind": "rating", "field": "health", "target": "ideas"}]},
         "agenda[0].target", "challenges, principles"),
        ({"title": "t", "agenda": [{"kind": "dots", "field": "health", "budget": 0}]},
         "agenda[0].budget", "1 to 100"),
        ({"title": "t", "agenda": [{"kind": "dots", "field": "health", "budget": 3,
                                    "max_per_item": 4}]}, "agenda[0].max_per_item", "1 to 3"),
        ({"title": "t", "agenda": [{"kind": "rating", "field": "health", "items": ["x"]}]},
         "agenda[0].items", "unknown"),
        ({"title": "t", "agenda": [{"kind": "rating", "field": "health", "budget": 3}]},
         "agenda[0]", "dots rounds only"),
        ({"title": "t", "agenda": [{"kind": "rating", "field": "health", "colour": 1}]},
         "agenda[0]", "unknown key"),
        ({"title": "t", "agenda": [{"kind": "ideas", "question": {"de": "Was fehlt?"}}]},
         "agenda[0].question", "needs a text in en"),
        ({"title": "t", "sessions": 3}, "sessions", "unknown field"),
        ({"title": "t", "agenda": [{"kind": ["rating"], "field": "health"}]}, "agenda[0].kind",
         "rating, dots, ideas"),
        ({"title": "t", "agenda": [{"kind": "rating", "field": ["health"]}]}, "agenda[0].field",
         "no action field"),
        ({"title": "A\x00B"}, "title", "control characters"),
        ({"title": "t", "place": "Rat\x00haus"}, "place", "control characters"),
        ({"title": "t", "groups": ["Ver\x00waltung"]}, "groups[0].name", "printable"),
    ],
)
def test_bad_requests_are_named_and_change_nothing(client, body, field, fragment):
    before = counts()
    response = client.post("/api/sessions", json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_session"
    assert any(p["field"] == field and fragment in p["message"] for p in error["problems"]), error
    assert field in error["message"] or len(error["problems"]) > 1
    assert counts() == before


def test_group_ids_from_names_in_any_script(client):
    created = api_session(client, groups=["Älterenbeirat", "مجلس الشباب", "جمعية"])
    assert [g["id"] for g in created["groups"]] == ["alterenbeirat", "group-2", "group-3"]
    assert created["groups"][1]["name"] == "مجلس الشباب"


def test_several_problems_are_listed_together(client):
    response = client.post("/api/sessions", json={"title": "", "date": "soon", "extra": 1})
    fields = {p["field"] for p in response.get_json()["error"]["problems"]}
    assert fields == {"title", "date", "extra"}


def test_body_must_be_json_object(client):
    not_json = client.post("/api/sessions", data="title=x",
                           content_type="application/x-www-form-urlencoded")
    assert not_json.status_code == 400
    assert not_json.get_json()["error"]["code"] == "invalid_json"
    a_list = client.post("/api/sessions", json=["title"])
    assert a_list.status_code == 400
    assert a_list.get_json()["error"]["code"] == "invalid_session"
    broken = client.post("/api/sessions", data="{", content_type="application/json")
    assert broken.status_code == 400
    assert counts()["WorkshopSession"] == 0


def test_join_codes_are_unique_among_live_sessions(client):
    codes = {api_session(client)["join_code"] for _ in range(25)}
    assert len(codes) == 25


def test_delete_removes_everything_under_the_session(client, app):
    keep = api_session(client, title="Bleibt")
    gone = api_session(client, title="Geht")
    # Put a participant and a vote under the doomed session, straight through the models.
    with db.write() as s:
        group = s.scalar(select(Group).where(Group.session_id == gone["id"]))
        rnd = s.scalar(select(Round).where(Round.session_id == gone["id"]))
        participant = Participant(session_id=gone["id"], public_id="p-test", token_hash="h" * 64,
                                  group_id=group.id, language="de")
        s.add(participant)
        s.flush()
        s.add(Vote(round_id=rnd.id, attempt=1, participant_id=participant.id,
                   item_id=rnd.items[0]["id"], value=4))
    folder = Path(app.config["DATA_DIR"]) / gone["id"]
    folder.mkdir(parents=True)
    (folder / "report.json").write_text("{}")
    assert counts() == {"WorkshopSession": 2, "Group": 6, "Round": 30, "Participant": 1,
                        "Vote": 1}

    response = client.delete(f"/api/sessions/{gone['id']}", headers=auth(gone["facilitator_token"]))
    assert response.status_code == 204
    assert counts() == {"WorkshopSession": 1, "Group": 3, "Round": 15, "Participant": 0,
                        "Vote": 0}
    assert not folder.exists()
    assert client.get(f"/api/sessions/{gone['id']}",
                      headers=auth(gone["facilitator_token"])).status_code == 401
    assert client.get(f"/api/sessions/{keep['id']}",
                      headers=auth(keep["facilitator_token"])).status_code == 200


def test_delete_needs_the_facilitator_token(client):
    created = api_session(client)
    assert client.delete(f"/api/sessions/{created['id']}").status_code == 401
    assert client.delete(f"/api/sessions/{created['id']}",
                         headers=auth("x" * 43)).status_code == 401
    assert counts()["WorkshopSession"] == 1


def test_unknown_api_path_and_method_answer_json(client):
    missing = client.get("/api/nothing")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    wrong_method = client.put("/api/sessions")
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["error"]["code"] == "method_not_allowed"


def test_spec_factory_defaults_round_trip(client):
    spec = session_spec()
    created = api_session(client)
    assert (created["place"], created["date"]) == (spec["place"], spec["date"])


def test_results_of_a_fresh_session(client):
    created = api_session(client)
    for token in (created["facilitator_token"], created["projector_token"]):
        response = client.get(f"/api/sessions/{created['id']}/results", headers=auth(token))
        assert response.status_code == 200
        body = response.get_json()
        assert body["groups"] == ["administration", "civil-society", "migrant-organisations"]
        assert [r["items"] for r in body["rounds"]] == [[]] * 15


@pytest.mark.parametrize("path", ["/j/AB%00C", "/api/sessions/a%00b", "/api/sessions/a%00b/results",
                                  "/sessions/a%00b/export.csv", "/api/catalogues/a%00b",
                                  "/p/a%00b", "/f/a%00b", "/s/a%00b/summary"])
def test_nul_in_a_path_is_not_found_not_a_crash(client, path):
    assert client.get(path).status_code in (401, 403, 404)


def test_deeply_nested_json_is_a_400_not_a_fault(client):
    response = client.post("/api/sessions", data="[" * 50_000 + "]" * 50_000,
                           content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "too_deep"


def test_session_creation_is_limited_per_address(app, client):
    app.extensions["workshop.creations"] = PerKey(rate=1 / 3600, burst=2)
    body = {"title": "Workshop", "place": "Erfurt", "date": "2026-03-14"}
    assert [client.post("/api/sessions", json=body).status_code for _ in range(3)] == \
        [201, 201, 429]
    refused = client.post("/api/sessions", json=body).get_json()["error"]
    assert refused["code"] == "rate_limited" and refused["retry_after"] > 0
    # Another address still may; the start page says it in the page's language.
    other = app.test_client()
    assert other.post("/api/sessions", json=body,
                      environ_base={"REMOTE_ADDR": "127.0.0.2"}).status_code == 201
    page = client.post("/", data={**body, "groups": ["Verwaltung"]},
                       headers={"Accept-Language": "de"})
    assert page.status_code == 429
    assert "zu viele Sitzungen" in page.get_data(as_text=True)
