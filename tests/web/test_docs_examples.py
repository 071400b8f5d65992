"""The examples in docs/ are real: every marked block is sent to the server or compared with
its answer, so the documentation cannot drift from the code unnoticed.

A marked block is a fenced block right after `<!-- example: name -->`. In a documented JSON
answer "..." marks a cut: as the last element of a list (more elements follow), at the end
of a text (the text goes on), or as a whole text (any text).
"""

import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.factories import auth
from workshop import voting
from workshop.catalogue import CatalogueInvalid, load
from workshop.extensions import db

DOCS = Path(__file__).resolve().parents[2] / "docs"
BASE = "http://127.0.0.1:5000"  # the address the docs show; answers' links are built on it
TRIM = "..."
EXAMPLE = re.compile(r"^<!-- example: ([a-z0-9-]+) -->\n```(\w+)\n(.*?)^```$", re.M | re.S)
# Values that differ from run to run; the documented ones are swapped for the real ones.
RANDOM_KEYS = ("id", "session", "join_code", "facilitator_token", "projector_token",
               "created_at")


def examples(filename: str) -> dict[str, str]:
    text = (DOCS / filename).read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for match in EXAMPLE.finditer(text):
        found[match.group(1)] = match.group(3)  # a name marked twice fails the marker test
    return found


def markers(filename: str) -> list[str]:
    text = (DOCS / filename).read_text(encoding="utf-8")
    return re.findall(r"^<!-- example: *(.*?) *-->", text, re.M)


CATALOGUE_DOC = examples("catalogue-format.md")
API_DOC = examples("http-api.md")

CHECKED = {
    "catalogue-format.md": {
        "catalogue-example", "catalogue-json", "catalogue-upload-response",
        "catalogue-exists-response", "catalogue-broken", "catalogue-broken-response",
        "catalogue-syntax-error", "catalogue-syntax-error-response",
        "catalogue-unknown-keys", "catalogue-unknown-keys-response",
    },
    "http-api.md": {
        "healthz-response", "catalogues-list-response", "catalogue-get-response",
        "catalogue-upload-response", "session-minimal-request", "session-minimal-response",
        "session-full-request", "session-full-response", "session-invalid-request",
        "session-invalid-response", "session-invalid-agenda-request",
        "session-invalid-agenda-response", "session-get-response", "results-response",
        "bad-token-response", "agenda-put-request", "agenda-put-response",
        "agenda-started-response",
    },
}

# The votes behind the documented results: per group, per participant, the rating of
# health-c1, the rating of health-c3, and the principles given one point each.
VOTES = {
    "administration": [(4, 2, ["health-p1", "health-p2", "health-p3"]),
                       (5, 3, ["health-p1", "health-p3"]),
                       (4, "cant_judge", ["health-p1"])],
    "civil-society": [(2, 2, ["health-p1", "health-p3"]),
                      (3, 2, ["health-p3"]),
                      (4, 1, ["health-p2"])],
    "migrant-organisations": [(5, 1, ["health-p3"])],
    "sports-clubs": [(3, 2, ["health-p1"])],
    "jugendbeirat": [(4, 1, ["health-p1"])],
}


def documented(block: str, actual: dict | None = None) -> object:
    """The documented JSON; with `actual`, its random values replaced by the real ones."""
    doc = json.loads(block)
    if actual is None:
        return doc
    for key in RANDOM_KEYS:
        if isinstance(doc.get(key), str) and isinstance(actual.get(key), str):
            block = block.replace(doc[key], actual[key])
    # The organiser link carries a token of its own.
    shown, real = doc.get("links", {}).get("summary", ""), actual.get("links", {}).get("summary")
    if "?token=" in shown and isinstance(real, str) and "?token=" in real:
        block = block.replace(shown.partition("?token=")[2], real.partition("?token=")[2])
    return json.loads(block)


def assert_matches(doc, actual, path: str = "$") -> None:
    """`actual` is what `doc` shows, apart from the parts cut with "..."."""
    if isinstance(doc, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        assert list(doc) == list(actual), f"{path}: keys {list(actual)}, documented {list(doc)}"
        for key, value in doc.items():
            assert_matches(value, actual[key], f"{path}.{key}")
    elif isinstance(doc, list):
        assert isinstance(actual, list), f"{path}: expected a list, got {actual!r}"
        shown = doc
        if doc and doc[-1] == TRIM:
            shown = doc[:-1]
            assert len(actual) > len(shown), f"{path}: '...' marks a cut, but nothing follows"
        else:
            assert len(actual) == len(doc), f"{path}: {len(actual)} elements, documented {len(doc)}"
        for i, value in enumerate(shown):
            assert_matches(value, actual[i], f"{path}[{i}]")
    elif isinstance(doc, str) and doc.endswith(TRIM):
        start = doc[: -len(TRIM)]
        assert isinstance(actual, str) and actual.startswith(start) and len(actual) > len(start), (
            f"{path}: {actual!r} does not go on from {doc!r}")
    else:
        assert doc == actual, f"{path}: {actual!r}, documented {doc!r}"


def post_session(client, block: str):
    return client.post("/api/sessions", json=json.loads(block), base_url=BASE)


def create_full_session(client) -> dict:
    response = post_session(client, API_DOC["session-full-request"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def vote_as_documented(created: dict) -> None:
    """Nine participants vote; the rating round is closed and revealed, the dots one closed."""
    rating, dots = created["rounds"][0]["id"], created["rounds"][1]["id"]
    with db.write() as session:
        workshop = voting.get_session(session, created["id"])
        voting.open_round(session, workshop, rating)
        people = []
        for group, ballots in VOTES.items():
            for c1, c3, points in ballots:
                participant, _token = voting.join(session, workshop, group, "de")
                voting.cast_vote(session, workshop, participant, rating, "health-c1", c1)
                voting.cast_vote(session, workshop, participant, rating, "health-c3", c3)
                people.append((participant, points))
        voting.close_round(session, workshop, rating)
        voting.reveal_round(session, workshop, rating)
        voting.open_round(session, workshop, dots)
        for participant, points in people:
            for item in points:
                voting.cast_vote(session, workshop, participant, dots, item, 1)
        voting.close_round(session, workshop, dots)


def test_every_marked_example_is_checked():
    for filename, found in (("catalogue-format.md", CATALOGUE_DOC), ("http-api.md", API_DOC)):
        # A marker without a fenced block right after it, or a name used twice, would
        # leave a block untested.
        assert sorted(markers(filename)) == sorted(found), filename
        assert set(found) == CHECKED[filename], filename


# --- catalogue-format.md ---------------------------------------------------------------------

def test_example_catalogue_loads_uploads_and_serves_a_session(client):
    source = CATALOGUE_DOC["catalogue-example"]
    catalogue = load(source)
    assert catalogue["id"] == "erfurt-2026"

    response = client.post("/api/catalogues", data=source.encode(), base_url=BASE)
    assert response.status_code == 201, response.get_json()
    assert_matches(documented(CATALOGUE_DOC["catalogue-upload-response"]), response.get_json())
    assert_matches(documented(API_DOC["catalogue-upload-response"]), response.get_json())

    again = client.post("/api/catalogues", data=source.encode(), base_url=BASE)
    assert again.status_code == 409
    assert_matches(documented(CATALOGUE_DOC["catalogue-exists-response"]), again.get_json())

    # "The second action field has no principles, so ... one round for it instead of three."
    created = post_session(client, '{"title": "Workshop", "catalogue": "erfurt-2026"}')
    assert created.status_code == 201, created.get_json()
    assert [(r["kind"], r["field"], r["target"]) for r in created.get_json()["rounds"]] == [
        ("rating", "language", "challenges"), ("rating", "language", "principles"),
        ("dots", "language", "principles"), ("rating", "housing", "challenges")]


def test_json_catalogue_loads_and_uploads(client):
    source = CATALOGUE_DOC["catalogue-json"]
    assert load(source)["languages"] == ["de"]
    response = client.post("/api/catalogues", data=source.encode(),
                           content_type="application/json")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["id"] == "erfurt-2026-de"


@pytest.mark.parametrize("name", ["catalogue-broken", "catalogue-syntax-error",
                                  "catalogue-unknown-keys"])
def test_documented_catalogue_problems_are_the_real_answer(client, name):
    source = CATALOGUE_DOC[name]
    with pytest.raises(CatalogueInvalid) as caught:
        load(source)
    response = client.post("/api/catalogues", data=source.encode(), base_url=BASE)
    assert response.status_code == 400
    answer = response.get_json()
    assert_matches(documented(CATALOGUE_DOC[name + "-response"]), answer)
    assert answer["error"]["problems"] == [p.as_dict() for p in caught.value.problems]
    # Rejected as a whole: nothing of it was stored.
    listed = client.get("/api/catalogues").get_json()["catalogues"]
    assert [c["id"] for c in listed] == ["whole-comm"]


# --- http-api.md: health and catalogues ------------------------------------------------------

def test_healthz_example(client):
    response = client.get("/healthz", base_url=BASE)
    assert response.status_code == 200
    assert_matches(documented(API_DOC["healthz-response"]), response.get_json())


def test_catalogue_list_and_get_examples(client):
    listed = client.get("/api/catalogues", base_url=BASE)
    assert listed.status_code == 200
    assert_matches(documented(API_DOC["catalogues-list-response"]), listed.get_json())

    whole = client.get("/api/catalogues/whole-comm", base_url=BASE)
    assert whole.status_code == 200
    assert_matches(documented(API_DOC["catalogue-get-response"]), whole.get_json())

    missing = client.get("/api/catalogues/no-such-catalogue", base_url=BASE)
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "catalogue_not_found"


# --- http-api.md: sessions -------------------------------------------------------------------

def test_minimal_session_example(client):
    response = post_session(client, API_DOC["session-minimal-request"])
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert_matches(documented(API_DOC["session-minimal-response"], created), created)
    assert len(created["rounds"]) == 15  # "the default agenda (15 rounds)"


def test_full_session_example_and_its_links(client):
    created = create_full_session(client)
    assert_matches(documented(API_DOC["session-full-response"], created), created)

    # The facilitator link sets the cookie that authenticates the API without a header.
    link = urlsplit(created["links"]["facilitator"])
    assert f"{link.scheme}://{link.netloc}" == BASE
    opened = client.get(f"{link.path}?{link.query}")
    assert opened.status_code == 302
    assert opened.headers["Location"] == f"/f/{created['id']}"
    assert client.get(f"/api/sessions/{created['id']}").status_code == 200


def test_get_session_example_in_english(client):
    created = create_full_session(client)
    path = f"/api/sessions/{created['id']}?lang=en"
    for token in (created["facilitator_token"], created["projector_token"]):
        response = client.get(path, headers=auth(token), base_url=BASE)
        assert response.status_code == 200
        assert_matches(documented(API_DOC["session-get-response"], response.get_json()),
                       response.get_json())


def test_results_example(client):
    created = create_full_session(client)
    vote_as_documented(created)
    response = client.get(f"/api/sessions/{created['id']}/results",
                          headers=auth(created["facilitator_token"]), base_url=BASE)
    assert response.status_code == 200
    answer = response.get_json()
    assert_matches(documented(API_DOC["results-response"], answer), answer)

    # The projector token sees revealed rounds only.
    projector = client.get(f"/api/sessions/{created['id']}/results",
                           headers=auth(created["projector_token"])).get_json()
    assert [len(r["items"]) for r in projector["rounds"]] == [2, 0, 0]


def test_delete_example_and_bad_token_answer(client):
    created = create_full_session(client)
    path = f"/api/sessions/{created['id']}"
    assert client.delete(path, headers=auth(created["projector_token"])).status_code == 401
    deleted = client.delete(path, headers=auth(created["facilitator_token"]))
    assert deleted.status_code == 204
    assert deleted.data == b""
    for response in (client.get(path, headers=auth(created["facilitator_token"])),
                     client.delete(path, headers=auth(created["facilitator_token"]))):
        assert response.status_code == 401
        assert_matches(documented(API_DOC["bad-token-response"]), response.get_json())


@pytest.mark.parametrize("name", ["session-invalid", "session-invalid-agenda"])
def test_documented_session_errors_are_the_real_answer(client, name):
    response = post_session(client, API_DOC[name + "-request"])
    assert response.status_code == 400
    assert_matches(documented(API_DOC[name + "-response"]), response.get_json())


# --- The rest of the text: commands and links ------------------------------------------------

def curl_commands(filename: str) -> list[list[str]]:
    text = (DOCS / filename).read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"^```sh\n(.*?)^```$", text, re.M | re.S):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip().startswith("curl "):
                line = line.replace("$SESSION", "0123456789abcdef").replace("$TOKEN", "x")
                commands.append(shlex.split(line))
    return commands


@pytest.mark.parametrize("filename", ["catalogue-format.md", "http-api.md"])
def test_curl_commands_name_real_endpoints(app, filename):
    adapter = app.url_map.bind("127.0.0.1:5000")
    commands = curl_commands(filename)
    assert commands
    for words in commands:
        url = next(word for word in words if word.startswith(BASE))
        if "-X" in words:
            method = words[words.index("-X") + 1]
        elif {"-d", "--data", "--data-binary"} & set(words):
            method = "POST"
        else:
            method = "GET"
        adapter.match(urlsplit(url).path, method=method)  # raises for a wrong path or method


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = heading.replace("&lt;", "<").replace("&gt;", ">").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@pytest.mark.parametrize("filename", ["README.md", "catalogue-format.md", "http-api.md"])
def test_links_between_docs_resolve(filename):
    text = (DOCS / filename).read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith(("http://", "https://")):
            continue
        page, _, anchor = target.partition("#")
        path = (DOCS / page).resolve() if page else DOCS / filename
        assert path.exists(), f"{filename}: link to missing {target}"
        if anchor and path.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.M)
            assert anchor in {slug(h) for h in headings}, f"{filename}: no heading for {target}"


def test_agenda_examples(client):
    created = create_full_session(client)
    request = json.loads(API_DOC["agenda-put-request"])
    path = f"/api/sessions/{created['id']}/agenda"
    response = client.put(path, json=request, headers=auth(created["facilitator_token"]),
                          base_url=BASE)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    doc = documented(API_DOC["agenda-put-response"], answer)
    # The new round's id is the server's next one: swap it in like the other random values.
    doc["rounds"][0]["id"] = answer["rounds"][0]["id"]
    assert [r["id"] for r in answer["rounds"]][1:] == [3, 1]
    assert_matches(doc, answer)

    with db.write() as session:
        workshop = voting.get_session(session, created["id"])
        voting.open_round(session, workshop, 1)
    refused = client.put(path, json={"agenda": [{"id": answer["rounds"][0]["id"]}]},
                         headers=auth(created["facilitator_token"]), base_url=BASE)
    assert refused.status_code == 409
    assert_matches(documented(API_DOC["agenda-started-response"]), refused.get_json())
