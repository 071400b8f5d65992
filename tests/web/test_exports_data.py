"""Data downloads (CSV, XLSX, JSON) opened and read back, and the JSON import on a new server."""

import copy
import csv
import io
import json
import re
import zipfile
from datetime import UTC, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.factories import auth
from tests.live import AGENDA, Room
from workshop import create_app
from workshop.catalogue import builtin_catalogues
from workshop.extensions import db
from workshop.models import (
    Group,
    Idea,
    Participant,
    Round,
    Upvote,
    Vote,
    WorkshopSession,
)

# tests.live.AGENDA: rating, dots and ideas on health, and a housing round never opened.
COLUMNS = ["participant", "group", "round", "round_kind", "field", "target", "attempt", "item",
           "value", "time"]
PSEUDONYM = re.compile(r"^P-[0-9a-f]{8}$")
SMALL = "migrant-organisations"  # two members: below the privacy minimum of three
HYPERLINK = '=HYPERLINK("http://example.org","click")'


class Workshop:
    """A workshop run through the live protocol: 8 phones in 3 groups (one of them with only
    2 members), a rating round voted twice, a dots round, ideas with upvotes and a hidden idea.
    `expected` holds every vote that should be stored: (round, attempt, item, value)."""

    def __init__(self, app, client, *, end=True):
        self.room = room = Room(app, client, agenda=AGENDA)
        self.client = client
        self.id = room.created["id"]
        self.token = room.created["facilitator_token"]
        self.headers = auth(self.token)
        rating, dots, ideas, _later = room.rounds
        groups = ["administration"] * 3 + ["civil-society"] * 3 + [SMALL] * 2
        self.phones = [room.phone(g, "de" if i % 2 else "en") for i, g in enumerate(groups)]
        a1, a2, a3, c1, c2, c3, m1, m2 = self.phones
        self.final: dict[tuple, object] = {}

        room.act("open_round", round=rating)
        self.vote(a1, 1, "health-c1", 3)
        self.vote(a1, 1, "health-c1", 4)  # changed: only the last value is kept
        for phone, values in [
            (a1, {"health-c2": 5, "health-c3": "cant_judge"}),
            (a2, {"health-c1": 5, "health-c2": 4, "health-c3": 2}),
            (a3, {"health-c1": 4, "health-c2": 3}),
            (c1, {"health-c1": 2, "health-c2": 2, "health-c3": 1}),
            (c2, {"health-c1": 1, "health-c2": "cant_judge"}),
            (c3, {"health-c1": 2, "health-c4": 3}),
            (m1, {"health-c1": 5, "health-c2": 5}),
            (m2, {"health-c1": 3}),
        ]:
            for item, value in values.items():
                self.vote(phone, 1, item, value)
        room.act("close_round", round=rating)
        room.act("reveal_round", round=rating)
        room.act("reopen_round", round=rating)  # a second vote after discussion
        for phone, value in [(a1, 3), (a2, 4), (a3, 4), (c1, 3), (c2, 2), (c3, 3), (m1, 4)]:
            self.vote(phone, 1, "health-c1", value, attempt=2)
        self.vote(m2, 1, "health-c2", "cant_judge", attempt=2)

        room.act("open_round", round=dots)
        for phone, points in [
            (a1, {"health-p1": 2, "health-p2": 2, "health-p3": 1}), (a2, {"health-p1": 2}),
            (a3, {"health-p1": 1, "health-p2": 1}), (c1, {"health-p2": 2}),
            (c2, {"health-p1": 1}), (c3, {"health-p3": 2}), (m1, {"health-p1": 2}),
            (m2, {"health-p2": 1}),
        ]:
            for item, value in points.items():
                self.vote(phone, 2, item, value)
        self.vote(a2, 2, "health-p4", 1)
        self.vote(a2, 2, "health-p4", 0)  # taken back: no vote

        room.act("open_round", round=ideas)
        self.idea_texts = {}
        first = self.idea(a1, "Mehr Sprachkurse am Abend")
        formula = self.idea(c1, HYPERLINK)
        bell = self.idea(m1, "Dolmetscher\x07 im Amt")  # a control character
        spam = self.idea(a3, "Spam spam spam")
        for phone, idea in [(a2, first), (c1, first), (m2, first), (a1, formula), (a1, spam),
                            (c2, bell)]:
            assert phone.emit("upvote", {"idea": idea}, callback=True)["ok"]
        room.act("hide_idea", idea=spam)
        self.hidden = spam
        room.act("close_round", round=ideas)
        if end:
            room.act("end_session")

    def vote(self, phone, number, item, value, attempt=1):
        rnd = self.room.rounds[number - 1]
        ack = phone.emit("vote", {"round": rnd, "item": item, "value": value}, callback=True)
        assert ack["ok"] and ack["attempt"] == attempt, ack
        key = (number, attempt, id(phone), item)
        if value == 0 and number == 2:
            self.final.pop(key, None)
        else:
            self.final[key] = value

    def idea(self, phone, text):
        ack = phone.emit("idea", {"round": self.room.rounds[2], "text": text}, callback=True)
        assert ack["ok"], ack
        self.idea_texts[ack["idea"]["id"]] = text
        return ack["idea"]["id"]

    @property
    def expected(self):
        return sorted((n, a, item, str(v)) for (n, a, _p, item), v in self.final.items())

    def download(self, fmt, **params):
        response = self.client.get(f"/sessions/{self.id}/export.{fmt}", headers=self.headers,
                                   query_string=params)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return response

    def results(self, client=None, session_id=None, token=None):
        response = (client or self.client).get(
            f"/api/sessions/{session_id or self.id}/results", headers=auth(token or self.token))
        assert response.status_code == 200
        return response.get_json()


@pytest.fixture
def workshop(app, client):
    return Workshop(app, client)


def challenge_text(item, language):
    field = next(f for f in builtin_catalogues()["whole-comm"]["action_fields"]
                 if f["id"] == "health")
    return next(c["text"][language] for c in field["challenges"] if c["id"] == item)


def count(model, *where):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def row_counts():
    return {m.__name__: count(m) for m in (WorkshopSession, Group, Round, Participant, Vote,
                                           Idea, Upvote)}


def secrets_of_the_session():
    """Every value that links a participant to a phone, and every token hash."""
    with db.read() as s:
        values = set(s.scalars(select(Participant.public_id)))
        values |= set(s.scalars(select(Participant.token_hash)))
        values |= set(s.scalars(select(WorkshopSession.facilitator_token_hash)))
        values |= set(s.scalars(select(WorkshopSession.projector_token_hash)))
    return values


def readable(fmt, data: bytes) -> str:
    """The export's text: for XLSX every part of the zip."""
    if fmt == "xlsx":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "\n".join(z.read(name).decode("utf-8") for name in z.namelist())
    return data.decode("utf-8")


def small_group_votes():
    """Votes whose rows carry no group: the small group's and, to hide it, administration's."""
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Vote)
                        .join(Participant, Participant.id == Vote.participant_id)
                        .join(Group, Group.id == Participant.group_id)
                        .where(Group.key.in_([SMALL, "administration"])))


# --- Who may download -------------------------------------------------------------------------

def test_downloads_are_the_facilitators(workshop, client):
    url = f"/sessions/{workshop.id}/export.csv"
    for headers in ({}, auth("forged"), auth(workshop.room.created["projector_token"])):
        response = client.get(url, headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "bad_token"
    assert client.get("/sessions/nosuchsession/export.csv",
                      headers=workshop.headers).status_code == 401
    # The facilitator link's cookie is enough in a browser.
    client.set_cookie(f"facilitator_{workshop.id}", workshop.token)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("fmt", ["docx", "exe", "CSV", "csv.zip"])
def test_unknown_format_is_404(workshop, client, fmt):
    response = client.get(f"/sessions/{workshop.id}/export.{fmt}", headers=workshop.headers)
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "unknown_format" and "csv" in error["message"]


@pytest.mark.parametrize("fmt, language, name, mimetype", [
    ("csv", "en", "integrationsworkshop-erfurt-2026-03-14.csv", "text/csv; charset=utf-8"),
    ("json", "de", "integrationsworkshop-erfurt-2026-03-14.json", "application/json"),
    ("xlsx", "de", "integrationsworkshop-erfurt-2026-03-14-de.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("xlsx", "en", "integrationsworkshop-erfurt-2026-03-14-en.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_file_name_and_type(workshop, fmt, language, name, mimetype):
    """Files for people carry their language; CSV and JSON (ids, for machines) have none."""
    response = workshop.download(fmt, lang=language)
    assert response.headers["Content-Type"] == mimetype
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_no_public_id_or_token_in_any_export(workshop, fmt):
    text = readable(fmt, workshop.download(fmt).data)
    created = workshop.room.created
    for value in secrets_of_the_session() | {created["facilitator_token"],
                                             created["projector_token"],
                                             created["join_code"]}:
        assert value not in text
    for phone in workshop.phones:
        assert phone.token not in text
    assert "P-" in text


# --- CSV ------------------------------------------------------------------------------------------

def test_csv_has_one_row_per_vote(workshop):
    body = workshop.download("csv").data.decode("utf-8")
    reader = csv.DictReader(io.StringIO(body))
    rows = list(reader)
    assert reader.fieldnames == COLUMNS
    assert len(rows) == count(Vote) == len(workshop.expected)
    assert sorted((int(r["round"]), int(r["attempt"]), r["item"], r["value"])
                  for r in rows) == workshop.expected
    first = next(r for r in rows if r["round"] == "1")
    assert (first["round_kind"], first["field"], first["target"]) == \
        ("rating", "health", "challenges")
    assert {r["round_kind"] for r in rows if r["round"] == "2"} == {"dots"}
    assert "cant_judge" in {r["value"] for r in rows}
    for row in rows:
        assert PSEUDONYM.match(row["participant"]), row
        assert row["time"].endswith("Z")
        moment = datetime.fromisoformat(row["time"])
        assert moment.tzinfo == UTC and abs(datetime.now(UTC) - moment).total_seconds() < 600
    assert len({r["participant"] for r in rows}) == 8
    # The two members of the small group: their votes have no group, but are all there.
    # Groups of 3, 3 and 2 members: the 2 and (complementary suppression) one of the 3s are
    # unnamed, so the unnamed rows belong to five people.
    assert {r["group"] for r in rows} == {"civil-society", ""}
    assert sum(1 for r in rows if r["group"] == "") == small_group_votes() > 0
    # Stable pseudonyms: the same rows in a second download.
    assert workshop.download("csv").data.decode("utf-8") == body


def test_csv_of_a_session_without_votes_is_a_header(app, client):
    room = Room(app, client)
    response = client.get(f"/sessions/{room.created['id']}/export.csv",
                          headers=auth(room.created["facilitator_token"]))
    assert response.data.decode("utf-8") == ",".join(COLUMNS) + "\n"


# --- XLSX -----------------------------------------------------------------------------------------

def open_workbook(data):
    return openpyxl.load_workbook(io.BytesIO(data))


def table(sheet):
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    return header, [dict(zip(header, row, strict=False)) for row in rows[1:]]


def test_xlsx_sheets_and_layout(workshop):
    book = open_workbook(workshop.download("xlsx", lang="en").data)
    assert book.sheetnames == ["About", "R1 Rating Health", "R2 Priority points Health",
                               "R3 Ideas Health", "Votes", "Ideas"]  # round 4 never opened
    assert all(len(name) <= 31 for name in book.sheetnames)
    assert book["R1 Rating Health"].freeze_panes == "D2"
    assert book["Votes"].freeze_panes == "A2" and book["Ideas"].freeze_panes == "A2"
    assert book["R1 Rating Health"].column_dimensions["C"].width > 30  # the item texts
    about = {row[0].value: row[1].value for row in book["About"].iter_rows() if row[0].value}
    assert about["Title"] == "Integrationsworkshop Erfurt" and about["Place"] == "Rathaus Erfurt"
    assert about["Date"] == "14 March 2026" and about["Languages"] == "German, English"
    assert about["Participants"] == 8
    assert "fewer than 3 members" in about["Votes"]
    assert "\u201ctoo few to show\u201d" in about["Privacy"]  # the note on method, as the PDF's
    rounds = [row for row in book["About"].iter_rows(values_only=True) if row[0] in (1, 2, 3, 4)]
    assert [r[2:8] for r in rounds] == [
        ("Rating", "Health", "Challenges", "closed", "no", 2),  # reopened: hidden again
        ("Priority points", "Health", "Principles", "closed", "no", 1),
        ("Ideas", "Health", "Ideas", "closed", "no", 1),
        ("Rating", "Housing and urban planning", "Challenges", "not yet opened", "no", 1)]
    groups = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)
              if row[0] in ("Administration", "Civil society", "Migrant organisations")}
    assert groups == {"Administration": 3, "Civil society": 3, "Migrant organisations": 2}


def test_xlsx_round_figures_match_the_results_api(workshop):
    results = workshop.results()["rounds"]
    book = open_workbook(workshop.download("xlsx", lang="en").data)
    header, rows = table(book["R1 Rating Health"])
    assert header[:6] == ["Vote", "Item id", "Item", "Votes", "Mean", "Median"]
    assert header[6:12] == ["1 = does not apply", "2 = hardly applies", "3 = partly applies",
                            "4 = largely applies", "5 = fully applies", "Can't judge"]
    assert "Administration: Mean" in header and "Migrant organisations: Mean" in header
    by_key = {(r["Vote"].value, r["Item id"].value): r for r in rows}
    assert len(rows) == 2 * 4  # every item, in both attempts
    for vote, computed in [("First vote", results[0]["attempts"][0]),
                           ("Second vote", results[0])]:
        for item in computed["items"]:
            row = by_key[(vote, item["id"])]
            if item["mean"] is None:
                assert row["Mean"].value is None
                continue
            assert row["Mean"].data_type == "n" and row["Mean"].value == item["mean"]
            assert row["Votes"].value == item["votes"]
            assert row["Can't judge"].value == item["cant_judge"]
            assert row["Consensus"].value == item["consensus"]
            assert row["Divergent"].value == ("yes" if item["divergent"] else "no")
    c1 = by_key[("Second vote", "health-c1")]
    assert c1["Mean"].value == pytest.approx((3 + 4 + 4 + 3 + 2 + 3 + 4) / 7, abs=0.005)
    assert c1["Item"].value == challenge_text("health-c1", "en")
    # One voter of the small group, so (complementary suppression) the administration, the
    # first of the smallest shown groups, is hidden too: the total minus civil society's
    # figure gives four people's, never one person's.
    assert c1["Administration: Mean"].value == "too few to show"
    assert isinstance(c1["Civil society: Mean"].value, float)
    assert c1["Civil society: Mean"].value == pytest.approx(8 / 3, abs=0.005)
    # The small group: never a number, in every group column.
    for column in ("Votes", "Mean", "Median"):
        assert c1[f"Migrant organisations: {column}"].value == "too few to show"
    assert by_key[("First vote", "health-c3")]["Civil society: Mean"].value == "too few to show"

    header, rows = table(book["R2 Priority points Health"])
    assert header[:5] == ["Vote", "Item id", "Item", "Points", "Gave points"]
    dots = {r["Item id"].value: r for r in rows}
    assert dots["health-p1"]["Points"].value == 2 + 2 + 1 + 1 + 2 == results[1]["items"][0][
        "points"]
    givers = dots["health-p1"]["Gave points"]
    assert givers.data_type == "n" and givers.value == 5
    # Three administration givers (5 points) and two of civil society: the two are hidden,
    # and the three with them, or the total minus 5 would give the two's points.
    assert dots["health-p1"]["Administration: Points"].value == "too few to show"
    assert dots["health-p1"]["Civil society: Points"].value == "too few to show"


def test_xlsx_votes_and_ideas(workshop):
    book = open_workbook(workshop.download("xlsx", lang="en").data)
    header, votes = table(book["Votes"])
    assert header == ["Participant", "Group", "Round", "Kind of round", "Action field", "Items",
                      "Vote", "Item id", "Item", "Answer", "Time (UTC)"]
    assert len(votes) == count(Vote)
    assert all(PSEUDONYM.match(v["Participant"].value) for v in votes)
    assert all(v["Round"].data_type == "n" for v in votes)
    assert {v["Vote"].value for v in votes} == {"First vote", "Second vote"}
    assert sum(1 for v in votes if v["Group"].value is None) == small_group_votes()
    assert {v["Group"].value for v in votes} == {"Civil society", None}
    assert all(isinstance(v["Time (UTC)"].value, datetime) for v in votes)
    values = [v["Answer"].value for v in votes]
    assert "can't judge" in values and 5 in values
    first = next(v for v in votes if v["Item id"].value == "health-c1")
    assert [first[c].value for c in ("Kind of round", "Action field", "Items", "Item")] == [
        "Rating", "Health", "Challenges", challenge_text("health-c1", "en")]

    header, ideas = table(book["Ideas"])
    assert header == ["Round", "Vote", "Idea", "Upvotes", "Hidden"]
    shown = {r["Idea"].value: (r["Upvotes"].value, r["Hidden"].value) for r in ideas}
    assert shown == {"Mehr Sprachkurse am Abend": (3, "no"), HYPERLINK: (1, "no"),
                     "Dolmetscher im Amt": (1, "no"), "Spam spam spam": (1, "yes")}
    formula_cell = next(r["Idea"] for r in ideas if r["Idea"].value == HYPERLINK)
    assert formula_cell.data_type == "s"  # text, never a formula
    header, round_ideas = table(book["R3 Ideas Health"])
    assert len(round_ideas) == 4 and round_ideas[0]["Idea"].value == "Mehr Sprachkurse am Abend"


def test_xlsx_in_the_sessions_other_language(workshop):
    book = open_workbook(workshop.download("xlsx", lang="de").data)
    assert book.sheetnames == ["Info", "R1 Bewertung Gesundheit",
                               "R2 Prioritätspunkte Gesundheit", "R3 Ideen Gesundheit",
                               "Stimmen", "Ideen"]
    header, rows = table(book["R1 Bewertung Gesundheit"])
    assert header[:3] == ["Abstimmung", "Kennung der Aussage", "Aussage"]
    row = next(r for r in rows if r["Kennung der Aussage"].value == "health-c1"
               and r["Abstimmung"].value == "Zweite Abstimmung")
    assert row["Migrantische Organisationen: Mittelwert"].value == "zu wenige für eine Angabe"
    assert row["1 = trifft nicht zu"].value == 0 and row["Uneinig"].value in ("ja", "nein")


def text_cells(book) -> dict[tuple, str]:
    """Every text in the workbook by (sheet number, row, column); sheet names at row -1."""
    out = {(n, -1, 0): name for n, name in enumerate(book.sheetnames)}
    for n, sheet in enumerate(book.worksheets):
        for row in sheet.iter_rows():
            out.update({(n, cell.row, cell.column): cell.value for cell in row
                        if isinstance(cell.value, str)})
    return out


# The same in German and English: ids, pseudonyms, what people wrote, the session's own title
# and place, and words both languages spell alike.
SAME_IN_BOTH = re.compile(r"^(P-[0-9a-f]{8}|[a-z]+-[a-z]\d+|Median|Integrationsworkshop Erfurt|"
                          r"Rathaus Erfurt|R6 Ideen)$")


@pytest.mark.parametrize("language, other", [("de", "en"), ("en", "de")])
def test_xlsx_speaks_one_language_on_every_sheet(workshop, language, other):
    """Headers, sheet names and words (kinds, states, targets, votes, yes/no, "too few to
    show", groups, fields) are all in the workbook's language: place by place, the German and
    the English workbook differ wherever the two languages differ, and no text of one is in
    the other."""
    mine = text_cells(open_workbook(workshop.download("xlsx", lang=language).data))
    theirs = text_cells(open_workbook(workshop.download("xlsx", lang=other).data))
    assert mine.keys() == theirs.keys()  # the same workbook, in two languages
    written = {text.replace("\x07", "") for text in workshop.idea_texts.values()}
    shared = {place: text for place, text in mine.items()
              if text == theirs[place] and text not in written and not SAME_IN_BOTH.match(text)}
    assert shared == {}
    words = {text for text in mine.values() if text not in written
             and not SAME_IN_BOTH.match(text)}
    assert words & set(theirs.values()) == set()
    # Compound headers too: "Group: Mean", "1 = does not apply".
    parts = {part for text in words for part in re.split(r": | = ", text) if len(part) > 3}
    other_parts = {part for text in theirs.values() for part in re.split(r": | = ", text)}
    assert {p for p in parts & other_parts if not SAME_IN_BOTH.match(p)} == set()


# --- JSON and import --------------------------------------------------------------------------

def normalise(results):
    """Results with database ids replaced: rounds by their agenda place, ideas dropped to text."""
    numbers = {r["id"]: n for n, r in enumerate(results["rounds"], start=1)}

    def clean(value):
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if key in ("id", "round") and isinstance(item, int) and item in numbers \
                        and "kind" in value:
                    out[key] = numbers[item]
                elif key == "ideas" or key == "items" and value.get("kind") == "ideas":
                    out[key] = [{k: v for k, v in idea.items() if k != "id"} for idea in item]
                else:
                    out[key] = clean(item)
            return out
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return {k: clean(v) for k, v in results.items() if k != "session"}


def test_json_export_is_the_whole_session(workshop):
    doc = json.loads(workshop.download("json").data)
    assert doc["format"] == "workshop-session" and doc["format_version"] == 1
    assert doc["session"]["title"] == "Integrationsworkshop Erfurt"
    assert doc["session"]["ended_at"].endswith("Z")
    assert doc["catalogue"]["id"] == "whole-comm" and doc["catalogue"]["action_fields"]
    assert [g["id"] for g in doc["groups"]] == ["administration", "civil-society", SMALL]
    assert [(r["number"], r["kind"], r["state"], r["attempt"]) for r in doc["rounds"]] == [
        (1, "rating", "closed", 2), (2, "dots", "closed", 1), (3, "ideas", "closed", 1),
        (4, "rating", "pending", 1)]
    assert doc["rounds"][0]["items"][0]["text"]["en"]
    assert len(doc["participants"]) == 8
    assert all(PSEUDONYM.match(p["id"]) for p in doc["participants"])
    # The backup keeps every group, also the small one: the results must come out the same.
    assert sum(p["group"] == SMALL for p in doc["participants"]) == 2
    assert sorted((v["round"], v["attempt"], v["item"], str(v["value"]))
                  for v in doc["votes"]) == workshop.expected
    assert {i["text"]: i["hidden"] for i in doc["ideas"]}["Spam spam spam"] is True
    assert len(doc["upvotes"]) == 6
    pseudonyms = {p["id"] for p in doc["participants"]}
    assert {i["author"] for i in doc["ideas"]} <= pseudonyms
    csv_people = {r["participant"] for r in csv.DictReader(
        io.StringIO(workshop.download("csv").data.decode()))}
    assert csv_people <= pseudonyms  # the same pseudonyms in every format


def import_(client, body, **kwargs):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post("/api/sessions/import", data=data,
                       content_type=kwargs.pop("content_type", "application/json"), **kwargs)


def test_import_re_creates_the_session_with_identical_results(workshop, client):
    exported = workshop.download("json").data
    before = workshop.results()
    response = import_(client, exported)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert set(created) >= {"id", "join_code", "facilitator_token", "projector_token", "links"}
    assert created["id"] != workshop.id and created["join_code"] != workshop.room.created[
        "join_code"]
    assert set(created["links"]) == {"facilitator", "projector", "join", "summary"}
    assert created["ended"] is True and created["title"] == "Integrationsworkshop Erfurt"
    after = workshop.results(session_id=created["id"], token=created["facilitator_token"])
    assert normalise(after) == normalise(before)
    assert after["rounds"][0]["items"][0]["mean"] is not None  # not trivially equal
    # Exporting the copy gives the same document, but for ids, pseudonyms and export time.
    again = client.get(f"/sessions/{created['id']}/export.json",
                       headers=auth(created["facilitator_token"])).get_json()
    original = json.loads(exported)
    rename = {a["id"]: b["id"] for a, b in zip(original["participants"], again["participants"],
                                               strict=True)}
    assert set(rename) != set(rename.values())
    text = json.dumps({k: v for k, v in original.items() if k not in ("exported_at",)})
    for old, new in rename.items():
        text = text.replace(old, new)
    expected = json.loads(text)
    expected["session"]["id"] = again["session"]["id"]
    del again["exported_at"]
    assert again == expected
    # The projector token of the copy works; the original's tokens do not open the copy.
    assert client.get(f"/api/sessions/{created['id']}",
                      headers=auth(created["projector_token"])).status_code == 200
    assert client.get(f"/api/sessions/{created['id']}",
                      headers=workshop.headers).status_code == 401
    # The copy has an organiser link of its own, which works in a browser with no cookie.
    assert "?token=" in created["links"]["summary"]
    organiser = client.application.test_client()
    landing = organiser.get(created["links"]["summary"])
    assert landing.status_code == 302
    assert organiser.get(landing.headers["Location"]).status_code == 200
    assert organiser.get(f"/api/sessions/{created['id']}/results").status_code == 200


def test_import_on_a_fresh_server(workshop, tmp_path):
    exported = workshop.download("json").data
    before = normalise(workshop.results())
    fresh = create_app({"DATA_DIR": str(tmp_path / "elsewhere"), "ASYNC_MODE": "threading",
                        "TESTING": True, "LIVE_FLUSH_INTERVAL": 0})
    other = fresh.test_client()
    assert count(WorkshopSession) == 0
    response = import_(other, exported)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    after = workshop.results(client=other, session_id=created["id"],
                             token=created["facilitator_token"])
    assert normalise(after) == before
    assert row_counts() == {"WorkshopSession": 1, "Group": 3, "Round": 4, "Participant": 8,
                            "Vote": len(workshop.expected), "Idea": 4, "Upvote": 6}
    xlsx = other.get(f"/sessions/{created['id']}/export.xlsx?lang=en",
                     headers=auth(created["facilitator_token"]))
    assert xlsx.status_code == 200 and "Votes" in open_workbook(xlsx.data).sheetnames


def test_imported_running_session_is_an_ended_archive(app, client):
    running = Workshop(app, client, end=False)
    room = running.room
    room.act("reopen_round", round=room.rounds[1])  # still open when exported
    doc = json.loads(running.download("json").data)
    assert doc["session"]["ended_at"] is None and doc["rounds"][1]["state"] == "open"
    response = import_(client, doc)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["ended"] is True
    assert [r["state"] for r in created["rounds"]] == ["closed", "closed", "closed", "pending"]
    assert created["rounds"][1]["attempt"] == 2
    # Nobody can join or vote in the archive; the facilitator can still reveal results.
    assert not room.connect(join_code=created["join_code"]).is_connected()
    facilitator = room.connect(session=created["id"],
                               facilitator_token=created["facilitator_token"])
    assert facilitator.is_connected()
    ack = facilitator.emit("reveal_round", {"round": created["rounds"][1]["id"]}, callback=True)
    assert ack["ok"], ack


def test_import_accepts_a_file_upload(workshop, client):
    exported = workshop.download("json").data
    response = client.post("/api/sessions/import",
                           data={"file": (io.BytesIO(exported), "workshop.json")},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()


def _vote(doc, **match):
    return next(v for v in doc["votes"] if all(v[k] == val for k, val in match.items()))


def _index(doc, key, **match):
    return next(i for i, v in enumerate(doc[key]) if all(v[k] == val for k, val in match.items()))


def _bad_imports(doc):
    """(what is wrong, where the answer must point, the broken document)."""
    p = doc["participants"]
    rating = _index(doc, "votes", round=1)
    dots = _index(doc, "votes", round=2)
    own_idea_author = doc["ideas"][0]["author"]
    cases = []

    def case(name, where, change):
        broken = copy.deepcopy(doc)
        change(broken)
        cases.append((name, where, broken))

    case("wrong format", "format", lambda d: d.update(format="workshop-catalogue"))
    case("newer version", "format_version", lambda d: d.update(format_version=2))
    case("version as text", "format_version", lambda d: d.update(format_version="1"))
    case("no votes", "votes", lambda d: d.pop("votes"))
    case("unknown key", "comments", lambda d: d.update(comments=[]))
    case("no title", "session.title", lambda d: d["session"].pop("title"))
    case("empty title", "session.title", lambda d: d["session"].update(title="  "))
    case("bad date", "session.date", lambda d: d["session"].update(date="14.03.2026"))
    case("bad time", "session.created_at", lambda d: d["session"].update(created_at="soon"))
    case("time beyond the calendar", "session.created_at",
         lambda d: d["session"].update(created_at="0001-01-01T00:00:00+01:00"))
    case("NUL in the title", "session.title", lambda d: d["session"].update(title="A\x00B"))
    case("principle group as a list", "rounds[1].items[0].group",
         lambda d: d["rounds"][1]["items"][0].update(group=["x"]))
    case("language not in catalogue", "session.languages",
         lambda d: d["session"].update(languages=["de", "fr"]))
    case("broken catalogue", "catalogue.action_fields",
         lambda d: d["catalogue"].pop("action_fields"))
    case("same group twice", "groups", lambda d: d["groups"].append(d["groups"][0]))
    case("no groups", "groups", lambda d: d.update(groups=[]))
    case("round kind", "rounds[0].kind", lambda d: d["rounds"][0].update(kind="poll"))
    case("round numbers", "rounds[1].number", lambda d: d["rounds"][1].update(number=7))
    case("foreign item", "rounds[0].items[0].id",
         lambda d: d["rounds"][0]["items"][0].update(id="housing-c1"))
    case("dots without budget", "rounds[1].budget", lambda d: d["rounds"][1].update(budget=None))
    case("participant in no group", "participants[0].group",
         lambda d: d["participants"][0].update(group="bosses"))
    case("same pseudonym twice", "participants[1].id",
         lambda d: d["participants"][1].update(id=p[0]["id"]))
    case("vote in unknown round", f"votes[{rating}].round",
         lambda d: d["votes"][rating].update(round=99))
    case("vote in an ideas round", f"votes[{rating}].round",
         lambda d: d["votes"][rating].update(round=3))
    case("vote in a pending round", f"votes[{rating}].round",
         lambda d: d["votes"][rating].update(round=4))
    case("vote in a later attempt", f"votes[{dots}].attempt",
         lambda d: d["votes"][dots].update(attempt=2))
    case("unknown item", f"votes[{rating}].item",
         lambda d: d["votes"][rating].update(item="health-c99"))
    case("unknown participant", f"votes[{rating}].participant",
         lambda d: d["votes"][rating].update(participant="P-00000000"))
    case("participant as a list", f"votes[{rating}].participant",
         lambda d: d["votes"][rating].update(participant=["P-0"]))
    for value in (0, 6, -1, 3.5, "3", True, None, "cant judge"):
        case(f"rating {value!r}", f"votes[{rating}].value",
             lambda d, value=value: d["votes"][rating].update(value=value))
    for value in (3, 0, "cant_judge"):
        case(f"dots {value!r}", f"votes[{dots}].value",
             lambda d, value=value: d["votes"][dots].update(value=value))
    case("a vote twice", f"votes[{len(doc['votes'])}]",
         lambda d: d["votes"].append(copy.deepcopy(d["votes"][rating])))
    greedy = _vote(doc, round=2, item="health-p1", value=2)["participant"]
    case("over budget", f"votes[{len(doc['votes'])}].value", lambda d: d["votes"].append(
        {**_vote(d, round=2, participant=greedy), "item": "health-p9", "value": 2}))
    case("vote missing a key", f"votes[{rating}].created_at",
         lambda d: d["votes"][rating].pop("created_at"))
    case("idea by a stranger", "ideas[0].author",
         lambda d: d["ideas"][0].update(author="P-ffffffff"))
    case("idea in a rating round", "ideas[0].round", lambda d: d["ideas"][0].update(round=1))
    case("idea too long", "ideas[0].text", lambda d: d["ideas"][0].update(text="x" * 281))
    case("upvote of no idea", "upvotes[0].idea", lambda d: d["upvotes"][0].update(idea=999))
    case("own idea upvoted", "upvotes[0].participant", lambda d: d["upvotes"][0].update(
        idea=doc["ideas"][0]["id"], participant=own_idea_author))
    case("upvote twice", f"upvotes[{len(doc['upvotes'])}]",
         lambda d: d["upvotes"].append(dict(d["upvotes"][0])))
    case("current round", "session.current_round",
         lambda d: d["session"].update(current_round=9))
    return cases


def test_malformed_imports_are_refused_and_write_nothing(workshop, client):
    doc = json.loads(workshop.download("json").data)
    counts = row_counts()
    assert import_(client, doc).status_code == 201  # the untouched document imports
    counts_after_one = row_counts()
    assert counts_after_one["WorkshopSession"] == counts["WorkshopSession"] + 1
    for name, where, broken in _bad_imports(doc):
        response = import_(client, broken)
        assert response.status_code == 400, (name, response.get_json())
        error = response.get_json()["error"]
        assert error["code"] == "invalid_import", (name, error)
        assert where in [p["field"] for p in error["problems"]], (name, error)
        assert error["message"].startswith("the session was not imported: "), name
    assert row_counts() == counts_after_one


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'"text"', b"\xff\xfe",
                                  b'{"format": "workshop-session", "format_version": NaN}'])
def test_import_of_something_else(client, body):
    counts = row_counts()
    response = import_(client, body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] in ("invalid_json", "invalid_import")
    assert row_counts() == counts


def test_import_failing_half_way_leaves_nothing(workshop, client, monkeypatch):
    exported = workshop.download("json").data
    counts = row_counts()

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    # Fails after every row was added, inside the one transaction.
    monkeypatch.setattr("workshop.views.exports.session_state", broken)
    with pytest.raises(RuntimeError):
        import_(client, exported)
    assert row_counts() == counts


def test_import_larger_than_the_upload_limit_is_413(app, client):
    app.config["MAX_IMPORT_BYTES"] = 1000
    counts = row_counts()
    response = import_(client, b"{" + b" " * 2000 + b"}")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"
    assert row_counts() == counts


def test_import_may_be_larger_than_other_uploads(app, client):
    """A backup of a big conference exceeds the catalogue limit but not the import limit."""
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = import_(client, b"{" + b" " * 2000 + b"}")
    assert response.status_code == 400  # read and refused for what it is, not for its size
    assert response.get_json()["error"]["code"] != "request_entity_too_large"


def test_an_import_nested_too_deeply_is_refused_unread(client):
    counts = row_counts()
    response = import_(client, b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 400
    assert "nests deeper" in response.get_json()["error"]["message"]
    assert row_counts() == counts
