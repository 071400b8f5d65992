"""The exports' shared helpers and the JSON import's plan, without a server."""

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from workshop import exports
from workshop.catalogue import builtin_catalogues
from workshop.errors import Invalid
from workshop.exports import json as json_export
from workshop.exports.xlsx import _sheet_name
from workshop.models import Participant, Vote
from workshop.state import round_results

# --- Pseudonyms -------------------------------------------------------------------------------


def test_pseudonyms_are_short_stable_and_keyed():
    ids = list(range(1, 51))
    first = exports.pseudonyms("key", "session-a", ids)
    assert all(re.fullmatch(r"P-[0-9a-f]{8}", p) for p in first.values())
    assert len(set(first.values())) == 50
    assert exports.pseudonyms("key", "session-a", ids) == first
    # Another session or another server's key: nothing in common.
    assert not set(exports.pseudonyms("key", "session-b", ids).values()) & set(first.values())
    assert not set(exports.pseudonyms("other", "session-a", ids).values()) & set(first.values())
    # Not the row id in disguise: neighbours look unrelated.
    assert first[1][2:6] != first[2][2:6]


def test_colliding_pseudonyms_are_lengthened_for_the_whole_session(monkeypatch):
    monkeypatch.setattr(exports, "PSEUDONYM_LENGTH", 1)  # 16 values for 40 people: collisions
    found = exports.pseudonyms("key", "s", list(range(40)))
    assert len(set(found.values())) == 40
    assert {len(p) for p in found.values()} == {18}


# --- Names, times, values ---------------------------------------------------------------------

@pytest.mark.parametrize("title, expected", [
    ("Integrationsworkshop Erfurt", "integrationsworkshop-erfurt"),
    ("Würzburg: Straße & Öffentlichkeit!", "wuerzburg-strasse-oeffentlichkeit"),
    ("Café São Paulo 2026", "cafe-sao-paulo-2026"),
    ("  --  ", ""),
    ("Київ", ""),
    ('a"b\\c/d', "a-b-c-d"),
])
def test_slug(title, expected):
    assert exports.slug(title) == expected


def test_filename_uses_the_workshop_date_else_the_day_it_was_created():
    created = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    workshop = SimpleNamespace(title="Workshop Erfurt", date="2026-03-14", created_at=created)
    assert exports.filename(workshop, "csv", "de") == "workshop-erfurt-2026-03-14.csv"
    workshop = SimpleNamespace(title="!!!", date="", created_at=created.replace(tzinfo=None))
    assert exports.filename(workshop, "xlsx", "en") == "session-2026-03-01-en.xlsx"


def test_files_for_people_are_named_per_language_files_for_machines_are_not():
    workshop = SimpleNamespace(title="Workshop Erfurt", date="2026-03-14", created_at=None)
    names = {(fmt, language): exports.filename(workshop, fmt, language)
             for fmt in exports.FORMATS for language in ("de", "en")}
    for fmt in ("pdf", "xlsx", "md"):
        assert names[fmt, "de"] == f"workshop-erfurt-2026-03-14-de.{fmt}"
        assert names[fmt, "en"] == f"workshop-erfurt-2026-03-14-en.{fmt}"
    for fmt in ("csv", "json"):
        assert names[fmt, "de"] == names[fmt, "en"] == f"workshop-erfurt-2026-03-14.{fmt}"


def test_comparison_filename_names_both_sessions_and_the_language():
    first = {"title": "Workshop Erfurt", "date": "2025-03-15"}
    second = {"title": "Workshop Erfurt", "date": "2026-03-14"}
    assert exports.comparison_filename(first, second, "de") == \
        "comparison-workshop-erfurt-2025-03-15-2026-03-14-de.pdf"
    other = {"title": "Werkstatt Jena", "date": ""}
    assert exports.comparison_filename(first, other, "en") == \
        "comparison-workshop-erfurt-2025-03-15-werkstatt-jena-en.pdf"


def test_iso_is_utc_with_a_z():
    assert exports.iso(datetime(2026, 3, 14, 9, 30, 12, 345678)) == "2026-03-14T09:30:12.345Z"
    berlin = timezone(timedelta(hours=1))
    assert exports.iso(datetime(2026, 3, 14, 10, 30, tzinfo=berlin)) == \
        "2026-03-14T09:30:00.000Z"
    assert exports.iso(None) is None


def test_vote_values_as_people_read_them():
    assert exports.vote_value("rating", 0) == "cant_judge"
    assert exports.vote_value("rating", 4) == 4
    assert exports.vote_value("dots", 2) == 2


def test_the_registry_knows_its_formats_only():
    for fmt in exports.FORMATS:
        assert callable(exports.exporter(fmt))
    for fmt in ("docx", "report", "__init__", "../json", ""):
        with pytest.raises(exports.UnknownFormat):
            exports.exporter(fmt)


@pytest.mark.parametrize("wanted, expected", [
    ("R1 Rating Health", "R1 Rating Health"),
    ("R2 Dots: Health/Housing [a]?*", "R2 Dots Health Housing a"),
    ("R3 " + "x" * 40, "R3 " + "x" * 28),
    ("'quoted'", "quoted"),
])
def test_sheet_names_fit_excel(wanted, expected):
    assert _sheet_name(wanted, set()) == expected


def test_sheet_names_are_unique_regardless_of_case():
    taken: set[str] = set()
    names = [_sheet_name(n, taken) for n in ("Votes", "votes", "VOTES", "y" * 40, "y" * 40)]
    assert names[:3] == ["Votes", "votes (2)", "VOTES (3)"]
    assert names[4] == "y" * 27 + " (2)" and len(names[4]) == 31
    assert len({n.lower() for n in names}) == 5


# --- JSON: the document and the import plan --------------------------------------------------

T = "2026-03-14T09:30:00.000Z"


def minimal_document():
    catalogue = builtin_catalogues()["whole-comm"]
    health = next(f for f in catalogue["action_fields"] if f["id"] == "health")
    items = [{"id": c["id"], "text": c["text"]} for c in health["challenges"][:2]]
    return {
        "format": "workshop-session", "format_version": 1,
        "session": {"title": "Test", "place": "", "date": "", "catalogue_id": "whole-comm",
                    "languages": ["de", "en"], "created_at": T, "ended_at": None,
                    "current_round": 1},
        "catalogue": catalogue,
        "groups": [{"id": "a", "name": "A"}, {"id": "b", "name": {"de": "B", "en": "B"}}],
        "rounds": [{"number": 1, "kind": "rating", "field": "health", "target": "challenges",
                    "question": {"de": "Wie?", "en": "How?"}, "items": items, "budget": None,
                    "max_per_item": None, "state": "open", "revealed": False, "attempt": 1,
                    "opened_at": T, "closed_at": None}],
        "participants": [{"id": f"P-{n}", "group": "a" if n < 3 else "b", "language": "de",
                          "joined_at": T} for n in range(4)],
        "votes": [{"round": 1, "attempt": 1, "participant": f"P-{n}", "item": "health-c1",
                   "value": value, "created_at": T, "updated_at": T}
                  for n, value in enumerate([5, 4, "cant_judge", 2])],
        "ideas": [],
        "upvotes": [],
    }


def test_dumps_is_json_with_one_record_per_line():
    doc = minimal_document()
    text = json_export.dumps(doc)
    assert json.loads(text) == doc
    votes = text.split('"votes": [\n')[1].split("\n]")[0].splitlines()
    assert len(votes) == 4 and all(line.startswith("  {") for line in votes)


def test_a_plan_is_written_as_an_ended_session(db_session):
    plan = json_export.parse(minimal_document())
    created = json_export.create(db_session, plan)
    db_session.flush()
    workshop = created.session
    assert workshop.ended_at is not None and workshop.rounds[0].state == "closed"
    assert workshop.current_round_id == workshop.rounds[0].id
    assert workshop.created_at == datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    assert len(created.facilitator_token) >= 43
    people = db_session.query(Participant).filter_by(session_id=workshop.id).all()
    assert len(people) == 4 and len({p.public_id for p in people}) == 4
    assert sorted(v.value for v in db_session.query(Vote)) == [0, 2, 4, 5]
    item = round_results(db_session, workshop, workshop.rounds[0])["items"][0]
    assert item["votes"] == 3 and item["mean"] == pytest.approx(3.67) and item["cant_judge"] == 1


def test_problems_are_all_named_at_once():
    doc = minimal_document()
    doc["votes"][0]["value"] = 9
    doc["votes"][1]["item"] = "health-c4"  # in the catalogue, not in the round
    doc["votes"][2]["participant"] = {"id": "P-2"}
    with pytest.raises(Invalid) as caught:
        json_export.parse(doc)
    fields = [p["field"] for p in caught.value.problems]
    assert fields == ["votes[0].value", "votes[1].item", "votes[2].participant"]
    assert caught.value.code == "invalid_import"
    assert "(and 2 more)" in caught.value.message


def test_problems_are_capped():
    doc = minimal_document()
    doc["votes"] = [{**doc["votes"][0], "value": 9} for _ in range(500)]
    with pytest.raises(Invalid) as caught:
        json_export.parse(doc)
    assert len(caught.value.problems) == json_export.MAX_PROBLEMS
    assert "49+ more" in caught.value.message
