"""The catalogue API: the built-in toolbox, uploads in YAML or JSON, what a broken upload gets."""

import json
from pathlib import Path

import pytest
import yaml

from workshop import create_app
from workshop.extensions import db

WHOLE_COMM = Path(__file__).resolve().parents[2] / "workshop" / "catalogue" / "whole-comm.yaml"

# Counted in the toolbox (seed text), checked against the YAML in a test below.
WHOLE_COMM_COUNTS = {  # action field: (challenges, principles, principle groups)
    "governance": (8, 22, 6),
    "employment": (6, 18, 6),
    "education": (6, 14, 5),
    "health": (4, 10, 6),
    "housing": (6, 16, 7),
}


def custom_yaml(catalogue_id: str = "erfurt-2026", title_de: str = "Erfurter Katalog") -> str:
    """A small valid catalogue: two action fields, the second without principles."""
    return f"""\
id: {catalogue_id}
title: {{de: {title_de}, en: Erfurt catalogue}}
source: "Integrationsnetzwerk Erfurt"
languages: [de, en]
action_fields:
  - id: language
    title: {{de: Sprache, en: Language}}
    description: {{de: Sprachkurse und Dolmetschen, en: Language courses and interpreting}}
    challenges:
      - id: language-c1
        text: {{de: Zu wenige Kursplätze, en: Too few course places}}
      - id: language-c2
        text: {{de: Lange Wartezeiten, en: Long waiting times}}
    principle_groups:
      - id: language-g1
        title: {{de: Zugang, en: Access}}
        principles:
          - id: language-p1
            text: {{de: Kurse mit Kinderbetreuung, en: Courses with childcare}}
          - id: language-p2
            text: {{de: Dolmetschpool der Stadt, en: A municipal pool of interpreters}}
    practices:
      - id: language-x1
        title: Sprachcafé
        place: Erfurt
        text: {{de: Ehrenamtliche üben Deutsch, en: Volunteers practise German}}
  - id: sport
    title: {{de: Sport, en: Sport}}
    description: {{de: Vereine öffnen sich, en: Clubs open up}}
    challenges:
      - id: sport-c1
        text: {{de: Beiträge sind zu hoch, en: Fees are too high}}
    principle_groups: []
"""


def broken_yaml() -> str:
    """custom_yaml with four mistakes in four places."""
    text = custom_yaml("broken")
    for old, new in [
        ("languages: [de, en]", "languages: [de, en, de]"),                       # line 4
        ("{de: Lange Wartezeiten, en: Long waiting times}", "{de: Lange Wartezeiten}"),  # 13
        ("- id: language-p2", "- id: language-p1"),                               # line 20
        ("text: {de: Beiträge sind zu hoch, en: Fees are too high}", "text: 12"),  # line 32
    ]:
        assert text.count(old) == 1
        text = text.replace(old, new)
    return text


BROKEN_PROBLEMS = [
    {"path": "languages[2]", "line": 4, "message": "language 'de' is listed twice"},
    {"path": "action_fields[0].challenges[1].text", "line": 13,
     "message": "missing the text in declared language 'en'"},
    {"path": "action_fields[0].principle_groups[0].principles[1].id", "line": 20,
     "message": "duplicate id 'language-p1' "
                "(first used at action_fields[0].principle_groups[0].principles[0])"},
    {"path": "action_fields[1].challenges[0].text", "line": 32,
     "message": 'must map each language to a text, e.g. {de: "...", en: "..."}, not a number'},
]


def listed_ids(client) -> list[tuple[str, bool]]:
    response = client.get("/api/catalogues")
    assert response.status_code == 200
    return [(c["id"], c["builtin"]) for c in response.get_json()["catalogues"]]


def post_catalogue(client, body: str | bytes, content_type: str = "application/yaml"):
    return client.post("/api/catalogues", data=body, content_type=content_type)


# --- the built-in toolbox --------------------------------------------------------------------


def test_the_list_holds_the_builtin_whole_comm_toolbox(client):
    response = client.get("/api/catalogues")
    assert response.status_code == 200
    catalogues = response.get_json()["catalogues"]
    assert [(c["id"], c["builtin"]) for c in catalogues] == [("whole-comm", True)]
    whole_comm = catalogues[0]
    assert whole_comm["languages"] == ["de", "en", "ar", "fa", "uk", "ru", "tr", "de-x-ls"]
    assert whole_comm["title"]["de"].startswith("Whole-COMM Toolbox")
    assert whole_comm["title"]["en"].startswith("Whole-COMM toolbox")
    assert "Migration Policy Group" in whole_comm["source"]
    assert [f["id"] for f in whole_comm["action_fields"]] == list(WHOLE_COMM_COUNTS)
    assert whole_comm["action_fields"][0]["title"]["de"] == "Politische Gestaltung (Governance)"
    assert whole_comm["action_fields"][0]["title"]["en"] == "Governance"


def test_the_counts_we_check_against_are_the_yaml_files_own():
    raw = yaml.safe_load(WHOLE_COMM.read_text(encoding="utf-8"))
    counted = {
        f["id"]: (len(f["challenges"]),
                  sum(len(g["principles"]) for g in f["principle_groups"]),
                  len(f["principle_groups"]))
        for f in raw["action_fields"]
    }
    assert counted == WHOLE_COMM_COUNTS


def test_the_whole_toolbox_comes_back_in_all_its_languages(client):
    response = client.get("/api/catalogues/whole-comm")
    assert response.status_code == 200
    doc = response.get_json()
    # Exactly the file, read independently of the server's loader.
    assert doc == yaml.safe_load(WHOLE_COMM.read_text(encoding="utf-8"))
    fields = {f["id"]: f for f in doc["action_fields"]}
    assert list(fields) == list(WHOLE_COMM_COUNTS)
    for field_id, (challenges, principles, groups) in WHOLE_COMM_COUNTS.items():
        field = fields[field_id]
        assert len(field["challenges"]) == challenges, field_id
        assert sum(len(g["principles"]) for g in field["principle_groups"]) == principles, field_id
        assert len(field["principle_groups"]) == groups, field_id
        assert field["practices"], field_id
        texts = [field["title"], field["description"]]
        texts += [c["text"] for c in field["challenges"]]
        for group in field["principle_groups"]:
            texts += [group["title"]] + [p["text"] for p in group["principles"]]
        texts += [x["text"] for x in field["practices"]]
        for text in texts:
            assert list(text) == doc["languages"], (field_id, text)
            assert all(value.strip() for value in text.values()), (field_id, text)
    governance = fields["governance"]
    assert governance["challenges"][0]["text"]["de"] == (
        "Es fehlen klare, handlungsleitende Strategien, bspw. durch ein Integrationskonzept")


def test_an_unknown_catalogue_is_404_with_a_json_error(client):
    response = client.get("/api/catalogues/no-such-catalogue")
    assert response.status_code == 404
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == "catalogue_not_found"
    assert "no-such-catalogue" in error["message"]


# --- uploads ---------------------------------------------------------------------------------


def test_a_valid_yaml_upload_is_stored_listed_and_retrievable(client):
    response = post_catalogue(client, custom_yaml())
    assert response.status_code == 201
    assert response.get_json() == {
        "id": "erfurt-2026",
        "title": {"de": "Erfurter Katalog", "en": "Erfurt catalogue"},
        "languages": ["de", "en"],
        "source": "Integrationsnetzwerk Erfurt",
        "builtin": False,
        "action_fields": [
            {"id": "language", "title": {"de": "Sprache", "en": "Language"}},
            {"id": "sport", "title": {"de": "Sport", "en": "Sport"}},
        ],
    }
    assert listed_ids(client) == [("whole-comm", True), ("erfurt-2026", False)]
    stored = client.get("/api/catalogues/erfurt-2026")
    assert stored.status_code == 200
    assert stored.get_json() == yaml.safe_load(custom_yaml())


@pytest.mark.parametrize("indent", [2, "\t"], ids=["spaces", "tabs"])
def test_the_same_catalogue_as_json_is_stored_too(client, indent):
    data = yaml.safe_load(custom_yaml("erfurt-json"))
    response = post_catalogue(client, json.dumps(data, indent=indent), "application/json")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["id"] == "erfurt-json"
    assert listed_ids(client) == [("whole-comm", True), ("erfurt-json", False)]
    assert client.get("/api/catalogues/erfurt-json").get_json() == data


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain",
                                          "application/octet-stream"])
def test_the_body_is_read_whatever_the_content_type(client, content_type):
    # curl --data-binary @file sends application/x-www-form-urlencoded unless told otherwise.
    response = post_catalogue(client, custom_yaml().encode(), content_type)
    assert response.status_code == 201, response.get_json()
    assert client.get("/api/catalogues/erfurt-2026").get_json()["action_fields"][1]["id"] == "sport"


def test_a_broken_upload_lists_every_problem_and_stores_nothing(client):
    before = listed_ids(client)
    response = post_catalogue(client, broken_yaml())
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_catalogue"
    assert error["message"] == "the catalogue was not loaded: 4 problems"
    assert sorted(error["problems"], key=lambda p: p["line"]) == BROKEN_PROBLEMS
    assert listed_ids(client) == before == [("whole-comm", True)]
    assert client.get("/api/catalogues/broken").status_code == 404


def test_a_broken_json_upload_gives_json_lines(client):
    data = yaml.safe_load(custom_yaml("broken-json"))
    del data["action_fields"][0]["description"]
    data["action_fields"][1]["challenges"][0]["id"] = "Sport 1"
    text = json.dumps(data, indent=2)
    response = post_catalogue(client, text, "application/json")
    assert response.status_code == 400
    lines = text.splitlines()
    field_line = next(n for n, line in enumerate(lines, 1) if '"id": "language"' in line)
    id_line = next(n for n, line in enumerate(lines, 1) if '"Sport 1"' in line)
    assert [(p["path"], p["line"]) for p in response.get_json()["error"]["problems"]] == [
        ("action_fields[0].description", field_line - 1),  # the field's "{" line
        ("action_fields[1].challenges[0].id", id_line),
    ]
    assert listed_ids(client) == [("whole-comm", True)]


@pytest.mark.parametrize("body, problem", [
    (b"", {"path": "", "line": None, "message": "the file is empty"}),
    (b"id: x\ntitle: [a, b\nsource: y\n", {"path": "", "line": 3, "message":
     "not valid YAML or JSON: while parsing a flow sequence (line 2), "
     "expected ',' or ']', but got ':'"}),
    ("id: gr\u00fc\u00dfe\n".encode("latin-1"), {"path": "", "line": None,
     "message": "the file is not UTF-8 text (byte 6)"}),
], ids=["empty", "syntax", "latin-1"])
def test_unreadable_uploads_get_one_problem(client, body, problem):
    response = post_catalogue(client, body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["message"] == "the catalogue was not loaded: 1 problem"
    assert error["problems"] == [problem]
    assert listed_ids(client) == [("whole-comm", True)]


def test_the_builtin_id_is_taken(client):
    original = client.get("/api/catalogues/whole-comm").get_json()
    response = post_catalogue(client, custom_yaml("whole-comm", "Überschrieben"))
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "catalogue_exists"
    assert "whole-comm" in error["message"]
    assert client.get("/api/catalogues/whole-comm").get_json() == original
    assert listed_ids(client) == [("whole-comm", True)]


def test_a_custom_id_is_taken_once_uploaded(client):
    assert post_catalogue(client, custom_yaml()).status_code == 201
    response = post_catalogue(client, custom_yaml(title_de="Zweite Fassung"))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "catalogue_exists"
    stored = client.get("/api/catalogues/erfurt-2026").get_json()
    assert stored["title"]["de"] == "Erfurter Katalog"
    assert listed_ids(client) == [("whole-comm", True), ("erfurt-2026", False)]


def test_an_oversized_upload_is_refused_with_413(app, client):
    limit = app.config["MAX_CATALOGUE_BYTES"]
    assert limit < app.config["MAX_CONTENT_LENGTH"]  # the catalogue's own, smaller limit
    body = custom_yaml("too-big").encode() + b"# " + b"x" * limit + b"\n"
    assert len(body) > limit
    response = post_catalogue(client, body)
    assert response.status_code == 413
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == "request_entity_too_large"
    assert error["message"]
    assert listed_ids(client) == [("whole-comm", True)]


def test_an_alias_bomb_is_refused_not_expanded(client):
    bomb = "lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"lol{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]\n" for n in range(1, 12))
    response = post_catalogue(client, custom_yaml("bomb") + bomb)
    assert response.status_code == 400
    problems = response.get_json()["error"]["problems"]
    aliases = [p for p in problems if "alias" in p["message"]]
    assert len(aliases) == 11 * 10
    assert {p["message"] for p in aliases} == {
        "repeats an anchored mapping or list (*alias); write it out instead"}
    # The twelve keys are not part of the format: named too, once each.
    assert sorted(p["path"] for p in problems if p not in aliases) == sorted(
        f"lol{n}" for n in range(12))
    assert listed_ids(client) == [("whole-comm", True)]


# --- a custom catalogue in use ---------------------------------------------------------------


def test_a_custom_catalogue_survives_a_restart(app, backend, client):
    assert post_catalogue(client, custom_yaml()).status_code == 201
    # The way conftest builds the app, with the same data directory (and PostgreSQL schema).
    config = {"DATA_DIR": app.config["DATA_DIR"], "ASYNC_MODE": "threading", "TESTING": True}
    if backend == "postgres":
        config["DATABASE_URL"] = app.config["DATABASE_URL"]
    else:
        assert (Path(app.config["DATA_DIR"]) / "workshop.db").is_file()
    second = create_app(config)
    assert second is not app
    assert db.engine.url.render_as_string(hide_password=False) == app.config["DATABASE_URL"]
    again = second.test_client()
    assert listed_ids(again) == [("whole-comm", True), ("erfurt-2026", False)]
    assert again.get("/api/catalogues/erfurt-2026").get_json() == yaml.safe_load(custom_yaml())


def test_a_session_can_use_a_custom_catalogue(client):
    assert post_catalogue(client, custom_yaml()).status_code == 201
    response = client.post("/api/sessions", json={"title": "x", "catalogue": "erfurt-2026"})
    assert response.status_code == 201, response.get_json()
    state = response.get_json()
    assert state["catalogue"] == "erfurt-2026"
    assert state["languages"] == ["de", "en"]
    assert [(r["kind"], r["field"], r["target"]) for r in state["rounds"]] == [
        ("rating", "language", "challenges"),
        ("rating", "language", "principles"),
        ("dots", "language", "principles"),
        ("rating", "sport", "challenges"),
    ]
    assert [[i["id"] for i in r["items"]] for r in state["rounds"]] == [
        ["language-c1", "language-c2"],
        ["language-p1", "language-p2"],
        ["language-p1", "language-p2"],
        ["sport-c1"],
    ]
    assert state["rounds"][0]["items"][1]["text"] == "Lange Wartezeiten"
    english = client.get(f"/api/sessions/{state['id']}?lang=en",
                         headers={"Authorization": f"Bearer {state['facilitator_token']}"})
    assert english.status_code == 200
    assert english.get_json()["rounds"][3]["items"][0]["text"] == "Fees are too high"
    assert english.get_json()["rounds"][0]["field_title"] == "Language"


def test_a_session_cannot_use_an_unknown_catalogue(client):
    response = client.post("/api/sessions", json={"title": "x", "catalogue": "erfurt-2026"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_session"
    assert error["problems"] == [
        {"field": "catalogue", "message": "no catalogue with id 'erfurt-2026'"}]


def test_bounds_on_a_catalogue_are_problems_not_faults(client):
    """Counts, nesting and values YAML cannot construct: a 400 naming them, nothing stored."""
    many = custom_yaml("many").replace("action_fields:\n", "action_fields:\n" + "".join(
        f"  - {{id: f{n}, title: {{de: F{n}, en: F{n}}}, description: {{de: x, en: x}}, "
        f"challenges: [{{id: f{n}-c1, text: {{de: x, en: x}}}}], principle_groups: []}}\n"
        for n in range(40)))
    cases = {
        "too many": (many, "at most 30"),
        "a bad date": (custom_yaml("dated") + "updated: 2026-13-45\n", "not a valid timestamp"),
        "a bad int": (custom_yaml("counted") + "edition: !!int abc\n", "not a valid int"),
        # PostgreSQL refuses NUL in text, and lone surrogates in JSON.
        "a NUL": (custom_yaml("nul").replace('"Integrationsnetzwerk Erfurt"',
                                             '"Integrationsnetzwerk\\0Erfurt"'),
                  "holds a NUL character"),
        "half a surrogate pair": (custom_yaml("half").replace('"Integrationsnetzwerk Erfurt"',
                                                              '"Netzwerk \\ud83d"'),
                                  "half of a UTF-16 surrogate pair"),
        "an unknown key": (custom_yaml("unknown") + "updated: 2026-03-14\n",
                           "unknown key 'updated'"),
        "deep JSON": ("[" * 5000 + "]" * 5000, "nest deeper than 32"),
        "deep YAML": ("a:\n" + "".join(" " * i + "a:\n" for i in range(1, 1200)),
                      "nest deeper than 32"),
    }
    for name, (body, expected) in cases.items():
        response = post_catalogue(client, body)
        assert response.status_code == 400, name
        messages = [p["message"] for p in response.get_json()["error"]["problems"]]
        assert any(expected in m for m in messages), (name, messages)
    assert listed_ids(client) == [("whole-comm", True)]
