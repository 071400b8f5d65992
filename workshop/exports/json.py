"""JSON export, the complete backup of a session, and its import on another server.

The document (format "workshop-session", format_version 1) holds everything that makes the
results: metadata, the catalogue snapshot, groups, rounds, pseudonymous participants, every
vote of every attempt, ideas and upvotes. It carries no token, join code or `public_id`.

`parse()` checks a document completely, without the database, and returns a plan;
`create()` writes the plan in the caller's one transaction. An imported session is ended
(an archive: viewable, revealable, never voted into) and gets a new id, join code and tokens.
"""

import json
import re
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from workshop import validation, voting
from workshop.catalogue import loader
from workshop.errors import Invalid
from workshop.exports import Context, Export, iso, utc, vote_value
from workshop.models import (
    MODERATION,
    ROUND_KINDS,
    ROUND_STATES,
    Group,
    Idea,
    Participant,
    Round,
    Upvote,
    Vote,
    WorkshopSession,
    utcnow,
)
from workshop.payloads import MAX_JSON_DEPTH, json_depth
from workshop.results import CANT_JUDGE
from workshop.validation import MAX_TEXT_FIELD, Strict, text_up_to, texts_up_to

FORMAT = "workshop-session"
FORMAT_VERSION = 1
MIMETYPE = "application/json"
MAX_PROBLEMS = 50  # enough to fix a file; a broken 5 MB file must not make a 5 MB answer

GROUP_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


# --- Export -------------------------------------------------------------------------------------

def prepare(ctx: Context) -> Callable[[], Export]:
    doc = document(ctx)
    return lambda: Export(dumps(doc).encode("utf-8"), MIMETYPE)


def export(ctx: Context) -> Export:
    return prepare(ctx)()


def document(ctx: Context) -> dict[str, Any]:
    workshop = ctx.workshop
    numbers = {r.id: ctx.round_number(r) for r in workshop.rounds}
    who = ctx.pseudonym
    idea_rows = list(ctx.session.scalars(
        select(Idea).join(Round, Round.id == Idea.round_id)
        .where(Round.session_id == workshop.id)))
    idea_rows.sort(key=lambda i: (numbers[i.round_id], i.attempt, utc(i.created_at), i.id))
    idea_numbers = {idea.id: n for n, idea in enumerate(idea_rows, start=1)}
    upvote_rows = sorted(ctx.session.scalars(
        select(Upvote).join(Idea, Idea.id == Upvote.idea_id)
        .join(Round, Round.id == Idea.round_id).where(Round.session_id == workshop.id)),
        key=lambda u: (idea_numbers[u.idea_id], utc(u.created_at), u.id))
    kinds = {r.id: r.kind for r in workshop.rounds}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": iso(utcnow()),
        "session": {
            "id": workshop.id,  # on the exporting server; an import gets a new one
            "title": workshop.title,
            "place": workshop.place,
            "date": workshop.date,
            "catalogue_id": workshop.catalogue_id,
            "languages": workshop.languages,
            "created_at": iso(workshop.created_at),
            "ended_at": iso(workshop.ended_at),
            "current_round": numbers.get(workshop.current_round_id),
        },
        "catalogue": workshop.catalogue,
        "groups": [{"id": g.key, "name": g.name} for g in workshop.groups],
        "rounds": [{
            "number": numbers[r.id], "kind": r.kind, "field": r.field, "target": r.target,
            "question": r.question, "items": r.items, "budget": r.budget,
            "max_per_item": r.max_per_item, "state": r.state, "revealed": r.revealed,
            "attempt": r.attempt, "opened_at": iso(r.opened_at), "closed_at": iso(r.closed_at),
            "moderation": r.moderation,
        } for r in workshop.rounds],
        "participants": [{
            "id": who[p.id], "group": ctx.group_key[p.id], "language": p.language,
            "joined_at": iso(p.joined_at),
        } for p in ctx.participants],
        "votes": [{
            "round": numbers[v.round_id], "attempt": v.attempt,
            "participant": who[v.participant_id], "item": v.item_id,
            "value": vote_value(kinds[v.round_id], v.value),
            "created_at": iso(v.created_at), "updated_at": iso(v.updated_at),
        } for v in ctx.votes],
        "ideas": [{
            "id": idea_numbers[i.id], "round": numbers[i.round_id], "attempt": i.attempt,
            "author": who[i.participant_id], "text": i.text, "hidden": i.hidden,
            "approved": i.approved, "created_at": iso(i.created_at),
        } for i in idea_rows],
        "upvotes": [{
            "idea": idea_numbers[u.idea_id], "participant": who[u.participant_id],
            "created_at": iso(u.created_at),
        } for u in upvote_rows],
    }


def dumps(doc: dict[str, Any]) -> str:
    """Valid JSON, one record per line: readable and diffable, yet small for big sessions."""
    def compact(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    lines = []
    for key, value in doc.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            records = ",\n".join("  " + compact(record) for record in value)
            lines.append(f"{compact(key)}: [\n{records}\n]")
        else:
            lines.append(f"{compact(key)}: {compact(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


# --- Import: check everything first ---------------------------------------------------------
# The shape of every record is a strict pydantic model; what ties records together (a vote's
# round, item and participant, budgets, the catalogue's items) is checked after it.

def _moment(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            return utc(datetime.fromisoformat(value))
        except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 shifted by a zone
            pass
    raise ValueError("must be a date and time such as 2026-03-14T09:30:00Z")


def _scalar(value: Any) -> Any:
    """A vote's value: a number or a text (which one fits is the round's rule, below)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise ValueError("must be a number or a text")


Moment = Annotated[datetime, BeforeValidator(_moment)]
Name = text_up_to(voting.MAX_TITLE)
Key = text_up_to(64)
Texts = texts_up_to(loader.MAX_TEXT)
Count = Annotated[int, Field(ge=-2**31, lt=2**31)]  # SQL integers are finite


class _SessionRecord(Strict):
    id: Key | None = None
    title: Name
    place: Name
    date: Key
    catalogue_id: Key
    languages: Annotated[list[Key], Field(max_length=loader.MAX_LANGUAGES)]
    created_at: Moment
    ended_at: Moment | None
    current_round: Count | None


class _GroupRecord(Strict):
    id: Key
    name: Texts


class _ItemRecord(Strict):
    id: Key
    text: Texts
    group: Key | None = None


class _RoundRecord(Strict):
    number: Count
    kind: Key
    field: Key | None
    target: Key
    question: Texts
    items: Annotated[list[_ItemRecord], Field(max_length=loader.MAX_ITEMS)]
    budget: Count | None
    max_per_item: Count | None
    state: Key
    revealed: bool
    attempt: Count
    opened_at: Moment | None
    closed_at: Moment | None
    # Backups made before idea moderation have none: their ideas were shown at once.
    moderation: Key | None = None


class _ParticipantRecord(Strict):
    id: Key
    group: Key
    language: Key
    joined_at: Moment


class _VoteRecord(Strict):
    round: Count
    attempt: Count
    participant: Key
    item: Key
    value: Annotated[Any, AfterValidator(_scalar)]
    created_at: Moment
    updated_at: Moment


class _IdeaRecord(Strict):
    id: Count
    round: Count
    attempt: Count
    author: Key
    text: text_up_to(MAX_TEXT_FIELD)
    hidden: bool
    approved: bool = False
    created_at: Moment


class _UpvoteRecord(Strict):
    idea: Count
    participant: Key
    created_at: Moment


class _Archive(Strict):
    format: str
    format_version: int
    exported_at: Any = None
    session: _SessionRecord
    catalogue: dict[str, Any]  # checked as a catalogue file is (workshop.catalogue.loader)
    # Each record is checked on its own (_Checker.record): a broken one is named and skipped,
    # and the rest is still checked, so one answer names every problem.
    groups: Annotated[list[Any], Field(min_length=1, max_length=voting.MAX_GROUPS)]
    rounds: Annotated[list[Any], Field(max_length=voting.MAX_ROUNDS)]
    participants: list[Any]
    votes: list[Any]
    ideas: list[Any]
    upvotes: list[Any]


class _Problems:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, where: str, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append({"field": where, "message": message})

    def raise_if_any(self) -> None:
        if self.items:
            first = self.items[0]
            more = len(self.items) - 1
            suffix = f" (and {more}{'+' if len(self.items) == MAX_PROBLEMS else ''} more)" \
                if more else ""
            raise Invalid(f"the session was not imported: {first['field']}: "
                          f"{first['message']}{suffix}", code="invalid_import",
                          problems=self.items)


@dataclass
class Plan:
    """A checked document, ready to write: plain values, references by number and pseudonym."""

    session: dict[str, Any]
    catalogue: dict[str, Any]
    groups: list[dict[str, Any]]
    rounds: list[dict[str, Any]]
    participants: list[dict[str, Any]]
    votes: list[dict[str, Any]] = field(default_factory=list)
    ideas: list[dict[str, Any]] = field(default_factory=list)
    upvotes: list[dict[str, Any]] = field(default_factory=list)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_date(value: str) -> bool:
    if value == "":
        return True
    if len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


class _Checker:
    def __init__(self) -> None:
        self.problems = _Problems()

    def add(self, where: str, message: str) -> None:
        self.problems.add(where, message)

    def records(self, model: type[Strict], values: list, name: str):
        """(index, record) for each record that fits the model; the others' problems are
        added."""
        for i, value in enumerate(values):
            fields, problems = validation.check(
                model, value, lambda loc, i=i: validation.bracketed((name, i, *loc)))
            for problem in problems:
                self.add(problem["field"], problem["message"])
            if not problems:
                yield i, fields

    def texts(self, value: Any, where: str, languages: list[str]) -> Any:
        """A text, or {language: text} with a text in each of the session's languages."""
        if isinstance(value, str):
            if value.strip():
                return value
            self.add(where, "must not be empty")
            return None
        missing = [lang for lang in languages if not value.get(lang, "").strip()]
        if not missing:
            return value
        self.add(where, "needs a text in " + ", ".join(missing))
        return None

    def whole(self, value: Any, where: str, low: int, high: int) -> int | None:
        if not _is_int(value) or not low <= value <= high:
            self.add(where, f"must be a whole number from {low} to {high}")
            return None
        return value


def parse(doc: Any) -> Plan:
    """The plan for `create()`, or Invalid (400) naming every problem found."""
    check = _Checker()
    if not isinstance(doc, dict):
        raise Invalid("the session was not imported: send the JSON export of a session "
                      "(an object)", code="invalid_import")
    if doc.get("format") != FORMAT:
        check.add("format", f'must be "{FORMAT}": this is not a session export')
        check.problems.raise_if_any()
    if doc.get("format_version") != FORMAT_VERSION or not _is_int(doc["format_version"]):
        check.add("format_version", f"version {doc.get('format_version')!r} is not supported; "
                                    f"this server reads version {FORMAT_VERSION}")
        check.problems.raise_if_any()
    doc, problems = validation.check(_Archive, doc)
    for problem in problems[:MAX_PROBLEMS]:
        check.add(problem["field"], problem["message"])
    check.problems.raise_if_any()

    session, catalogue, groups = _parse_head(check, doc)
    check.problems.raise_if_any()
    rounds = _parse_rounds(check, doc["rounds"], catalogue, session["languages"])
    check.problems.raise_if_any()
    current = doc["session"]["current_round"]
    if current is not None and not 1 <= current <= len(rounds):
        check.add("session.current_round", f"must be a round number from 1 to {len(rounds)}, "
                                           "or null")
    session["current_round"] = current
    plan = Plan(session, catalogue, groups, rounds,
                _parse_participants(check, doc["participants"], groups, session["languages"]))
    check.problems.raise_if_any()
    plan.votes = _parse_votes(check, doc["votes"], plan)
    plan.ideas = _parse_ideas(check, doc["ideas"], plan)
    check.problems.raise_if_any()
    plan.upvotes = _parse_upvotes(check, doc["upvotes"], plan)
    check.problems.raise_if_any()
    return plan


def _parse_head(check: _Checker, doc: dict[str, Any]):
    meta = doc["session"]
    session: dict[str, Any] = {key: meta[key] for key in (
        "title", "place", "date", "catalogue_id", "languages", "created_at", "ended_at")}
    if not meta["title"].strip():
        check.add("session.title", f"must be a text of 1 to {voting.MAX_TITLE} characters")
    if not _is_date(meta["date"]):
        check.add("session.date", "must be a date such as 2026-03-14, or empty")
    if not meta["catalogue_id"].strip():
        check.add("session.catalogue_id", "must be a text of 1 to 64 characters")
    languages = meta["languages"]
    if (not languages or not all(loader.LANGUAGE_PATTERN.match(x) for x in languages)
            or len(set(languages)) != len(languages)):
        check.add("session.languages", 'must be a list of different languages such as '
                                       '["de", "en"]')
        session["languages"] = []

    catalogue = doc["catalogue"]
    for problem in loader.validate(catalogue)[:MAX_PROBLEMS]:
        check.add("catalogue" + ("." + problem.path if problem.path else ""), problem.message)
    offered = catalogue.get("languages") or []
    missing = [lang for lang in session["languages"] if lang not in offered]
    if missing and isinstance(offered, list):
        check.add("session.languages", "the catalogue has no texts in " + ", ".join(missing))

    groups = []
    for i, entry in check.records(_GroupRecord, doc["groups"], "groups"):
        where = f"groups[{i}]"
        if not GROUP_KEY.fullmatch(entry["id"]):
            check.add(where + ".id", "must be 1-40 lowercase letters, digits or '-'")
            continue
        name = check.texts(entry["name"], where + ".name", session["languages"])
        groups.append({"id": entry["id"], "name": name})
    for key, n in Counter(g["id"] for g in groups).items():
        if n > 1:
            check.add("groups", f"group '{key}' appears twice")
    return session, catalogue, groups


def _catalogue_items(catalogue: dict[str, Any], field_id: str, target: str) -> set[str]:
    field_doc = next(f for f in catalogue["action_fields"] if f["id"] == field_id)
    if target == "challenges":
        return {c["id"] for c in field_doc["challenges"]}
    return {p["id"] for g in field_doc["principle_groups"] for p in g["principles"]}


def _principle_groups(catalogue: dict[str, Any], field_id: str) -> set[str]:
    field_doc = next(f for f in catalogue["action_fields"] if f["id"] == field_id)
    return {g["id"] for g in field_doc["principle_groups"]}


def _parse_rounds(check: _Checker, value: list, catalogue: dict[str, Any],
                  languages: list[str]) -> list[dict[str, Any]]:
    fields = {f["id"] for f in catalogue["action_fields"]}
    rounds = []
    for i, entry in check.records(_RoundRecord, value, "rounds"):
        where = f"rounds[{i}]"
        problems_before = len(check.problems.items)
        if entry["number"] != i + 1:
            check.add(where + ".number", f"must be {i + 1}: rounds are listed in agenda order")
        kind, target, field_id = entry["kind"], entry["target"], entry["field"]
        if kind not in ROUND_KINDS:
            check.add(where + ".kind", "must be one of " + ", ".join(ROUND_KINDS))
            continue
        if target not in voting.TARGETS[kind]:
            check.add(where + ".target", f"for {kind} must be one of "
                      + ", ".join(voting.TARGETS[kind]))
            continue
        if field_id is None and kind != "ideas" or field_id is not None and field_id not in fields:
            check.add(where + ".field", f"{field_id!r} is not an action field of the catalogue")
            continue
        question = check.texts(entry["question"], where + ".question", languages)
        items = entry["items"]
        if kind == "ideas":
            if items != []:
                check.add(where + ".items", "an ideas round has no items: []")
        elif not items:
            check.add(where + ".items", "must be a non-empty list of items")
        else:
            known = _catalogue_items(catalogue, field_id, target)
            groups = _principle_groups(catalogue, field_id)
            for j, item in enumerate(items):
                at = f"{where}.items[{j}]"
                if item["id"] not in known:
                    check.add(at + ".id", f"{item['id']!r} is not one of the {target} of "
                                          f"action field '{field_id}' in the catalogue")
                check.texts(item["text"], at + ".text", languages)
                if "group" in item and item["group"] not in groups:
                    check.add(at + ".group", "must be one of the field's principle-group ids")
            if len({item["id"] for item in items}) != len(items):
                check.add(where + ".items", "an item appears twice")
        budget, cap = entry["budget"], entry["max_per_item"]
        if kind == "dots":
            budget = check.whole(budget, where + ".budget", 1, 100)
            if budget is not None:
                cap = check.whole(cap, where + ".max_per_item", 1, budget)
        elif budget is not None or cap is not None:
            check.add(where, "budget and max_per_item are null except in dots rounds")
        state, attempt = entry["state"], entry["attempt"]
        if state not in ROUND_STATES:
            check.add(where + ".state", "must be one of " + ", ".join(ROUND_STATES))
        check.whole(attempt, where + ".attempt", 1, 10_000)
        if state == "pending" and (entry["revealed"] or attempt != 1):
            check.add(where, "a pending round was never opened: not revealed, attempt 1")
        moderation = entry.get("moderation", "post" if kind == "ideas" else None)
        if kind == "ideas" and moderation not in MODERATION:
            check.add(where + ".moderation", 'must be "pre" or "post" in an ideas round')
        elif kind != "ideas" and moderation is not None:
            check.add(where + ".moderation", "is null except in ideas rounds")
        if len(check.problems.items) == problems_before:
            rounds.append({"kind": kind, "field": field_id, "target": target,
                           "question": question, "items": items, "budget": budget,
                           "max_per_item": cap, "state": state, "revealed": entry["revealed"],
                           "attempt": attempt, "opened_at": entry["opened_at"],
                           "closed_at": entry["closed_at"], "moderation": moderation})
    return rounds


def _parse_participants(check: _Checker, value: list, groups: list[dict[str, Any]],
                        languages: list[str]) -> list[dict[str, Any]]:
    group_ids = {g["id"] for g in groups}
    out, seen = [], set()
    for i, entry in check.records(_ParticipantRecord, value, "participants"):
        where = f"participants[{i}]"
        pseudonym = entry["id"]
        if pseudonym in seen:
            check.add(where + ".id", f"participant {pseudonym!r} appears twice")
        seen.add(pseudonym)
        if entry["group"] not in group_ids:
            check.add(where + ".group", f"{entry['group']!r} is not one of the groups")
        if entry["language"] not in languages:
            check.add(where + ".language", f"{entry['language']!r} is not one of the "
                                           "session's languages")
        out.append(entry)
    return out


def _round_ref(check: _Checker, plan: Plan, entry: dict[str, Any], where: str,
               kinds: tuple[str, ...]) -> dict[str, Any] | None:
    number = entry["round"]
    if not 1 <= number <= len(plan.rounds):
        check.add(where + ".round", f"{number!r} is not a round number (1 to "
                                    f"{len(plan.rounds)})")
        return None
    rnd = plan.rounds[number - 1]
    if rnd["kind"] not in kinds:
        what = "ideas, not votes" if rnd["kind"] == "ideas" else "votes, not ideas"
        check.add(where + ".round", f"round {number} is a {rnd['kind']} round: it takes {what}")
        return None
    if rnd["state"] == "pending":
        check.add(where + ".round", f"round {number} was never opened")
        return None
    if not 1 <= entry["attempt"] <= rnd["attempt"]:
        check.add(where + ".attempt", f"round {number} has attempts 1 to {rnd['attempt']}")
        return None
    return rnd


def _parse_votes(check: _Checker, value: list, plan: Plan) -> list[dict[str, Any]]:
    people = {p["id"] for p in plan.participants}
    out, seen = [], set()
    points: Counter = Counter()
    for i, entry in check.records(_VoteRecord, value, "votes"):
        where = f"votes[{i}]"
        rnd = _round_ref(check, plan, entry, where, ("rating", "dots"))
        if entry["participant"] not in people:
            check.add(where + ".participant", f"{entry['participant']!r} is not one of the "
                                              "participants")
            rnd = None
        if rnd is None:
            continue
        number = entry["round"]
        if entry["item"] not in {item["id"] for item in rnd["items"]}:
            check.add(where + ".item", f"{entry['item']!r} is not an item of round {number}")
            continue
        raw = entry["value"]
        if rnd["kind"] == "rating":
            stored = CANT_JUDGE if raw == "cant_judge" else raw
            if not (raw == "cant_judge" or _is_int(raw) and 1 <= raw <= 5):
                check.add(where + ".value", f'a rating is 1 to 5 or "cant_judge", not {raw!r}')
                continue
        else:
            stored = raw
            if not _is_int(raw) or not 1 <= raw <= rnd["max_per_item"]:
                check.add(where + ".value", f"points on one item are 1 to "
                                            f"{rnd['max_per_item']} in round {number}, "
                                            f"not {raw!r}")
                continue
            spent = (number, entry["attempt"], entry["participant"])
            points[spent] += raw
            if points[spent] > rnd["budget"]:
                check.add(where + ".value", f"{entry['participant']} gives more than the "
                                            f"{rnd['budget']} points of round {number}")
        key = (number, entry["attempt"], entry["participant"], entry["item"])
        if key in seen:
            check.add(where, f"a second vote of {entry['participant']} on {entry['item']} in "
                             f"round {number}, attempt {entry['attempt']}")
        seen.add(key)
        out.append({**entry, "value": stored})
    return out


def _parse_ideas(check: _Checker, value: list, plan: Plan) -> list[dict[str, Any]]:
    people = {p["id"] for p in plan.participants}
    out, seen = [], set()
    for i, entry in check.records(_IdeaRecord, value, "ideas"):
        where = f"ideas[{i}]"
        if entry["id"] in seen:
            check.add(where + ".id", "must be a whole number, different for every idea")
        seen.add(entry["id"])
        _round_ref(check, plan, entry, where, ("ideas",))
        if entry["author"] not in people:
            check.add(where + ".author", f"{entry['author']!r} is not one of the participants")
        if not entry["text"].strip() or len(entry["text"]) > voting.MAX_IDEA_LENGTH:
            check.add(where + ".text", f"must be a text of 1 to {voting.MAX_IDEA_LENGTH} "
                                       "characters")
        out.append({"approved": False, **entry})
    return out


def _parse_upvotes(check: _Checker, value: list, plan: Plan) -> list[dict[str, Any]]:
    people = {p["id"] for p in plan.participants}
    authors = {idea["id"]: idea["author"] for idea in plan.ideas}
    out, seen = [], set()
    for i, entry in check.records(_UpvoteRecord, value, "upvotes"):
        where = f"upvotes[{i}]"
        idea, who = entry["idea"], entry["participant"]
        if who not in people:
            check.add(where + ".participant", f"{who!r} is not one of the participants")
        if idea not in authors:
            check.add(where + ".idea", f"{idea!r} is not one of the ideas")
        elif who == authors[idea]:
            check.add(where + ".participant", "nobody upvotes their own idea")
        elif (idea, who) in seen:
            check.add(where, f"a second upvote of {who} on idea {idea}")
        else:
            seen.add((idea, who))
        out.append(entry)
    return out


# --- Import: write -----------------------------------------------------------------------------

ROWS_PER_STEP = 5_000  # votes or upvotes per transaction: a few tens of milliseconds


class Import:
    """Writes a parsed plan as a new, ended session (new id, join code and tokens) in several
    short transactions, so that a live vote never waits long behind a large import:
    `steps()` gives one function per transaction. Until the last one the session is locked,
    with no token that opens it; `discard()` removes an import that stopped half-way, and
    `sweep()` any that a crash left locked."""

    def __init__(self, plan: Plan, rows_per_step: int | None = None) -> None:
        self.plan, self.rows_per_step = plan, rows_per_step or ROWS_PER_STEP
        self.session_id = secrets.token_hex(8)
        self.round_ids: list[int] = []
        self.people: dict[str, int] = {}  # pseudonym -> participant id
        self.ideas: dict[int, int] = {}  # number in the document -> idea id

    def steps(self) -> list[Callable[[Session], voting.CreatedSession | None]]:
        plan, n = self.plan, self.rows_per_step
        return [self._session,
                *(partial(self._votes, plan.votes[i:i + n]) for i in range(0, len(plan.votes), n)),
                *(partial(self._upvotes, plan.upvotes[i:i + n])
                  for i in range(0, len(plan.upvotes), n)),
                self._unlock]

    def _session(self, session: Session) -> None:
        plan, meta = self.plan, self.plan.session
        ended_at = meta["ended_at"] or utcnow()
        workshop = WorkshopSession(
            id=self.session_id, title=meta["title"].strip(), place=meta["place"].strip(),
            date=meta["date"], catalogue_id=meta["catalogue_id"], catalogue=plan.catalogue,
            languages=meta["languages"], join_code=voting.new_join_code(session),
            facilitator_token_hash=LOCKED, projector_token_hash=LOCKED,
            created_at=meta["created_at"], ended_at=ended_at)
        workshop.groups = [Group(key=g["id"], name=g["name"], position=i)
                           for i, g in enumerate(plan.groups)]
        workshop.rounds = [Round(position=i, **r) for i, r in enumerate(plan.rounds)]
        for rnd in workshop.rounds:
            if rnd.state == "open":  # an archive takes no votes: closed as end_session would
                rnd.state, rnd.closed_at = "closed", ended_at
        session.add(workshop)
        session.flush()
        if meta["current_round"] is not None:
            workshop.current_round_id = workshop.rounds[meta["current_round"] - 1].id
        self.round_ids = [r.id for r in workshop.rounds]

        groups = {g.key: g.id for g in workshop.groups}
        people = {}
        for entry in plan.participants:
            people[entry["id"]] = participant = Participant(
                session_id=self.session_id, public_id=secrets.token_hex(6),
                # Nobody holds this token: imported participants can never connect again.
                token_hash=voting.hash_token(voting.new_token()),
                group_id=groups[entry["group"]], language=entry["language"],
                joined_at=entry["joined_at"])
            session.add(participant)
        session.flush()
        self.people = {pseudonym: p.id for pseudonym, p in people.items()}
        ideas = {}
        for entry in plan.ideas:
            ideas[entry["id"]] = idea = Idea(
                round_id=self.round_ids[entry["round"] - 1], attempt=entry["attempt"],
                participant_id=self.people[entry["author"]], text=entry["text"],
                hidden=entry["hidden"], approved=entry["approved"],
                created_at=entry["created_at"])
            session.add(idea)
        session.flush()
        self.ideas = {number: idea.id for number, idea in ideas.items()}

    # Core inserts, not the ORM's bulk path: half the time per row.
    def _votes(self, votes: list[dict[str, Any]], session: Session) -> None:
        session.connection().execute(insert(Vote.__table__), [{
            "round_id": self.round_ids[v["round"] - 1], "attempt": v["attempt"],
            "participant_id": self.people[v["participant"]], "item_id": v["item"],
            "value": v["value"], "created_at": v["created_at"], "updated_at": v["updated_at"],
        } for v in votes])

    def _upvotes(self, upvotes: list[dict[str, Any]], session: Session) -> None:
        session.connection().execute(insert(Upvote.__table__), [{
            "idea_id": self.ideas[u["idea"]], "participant_id": self.people[u["participant"]],
            "created_at": u["created_at"],
        } for u in upvotes])

    def _unlock(self, session: Session) -> voting.CreatedSession:
        workshop = session.get(WorkshopSession, self.session_id)
        facilitator_token = voting.new_token()
        projector_token = voting.projector_token_for(facilitator_token, self.session_id)
        workshop.facilitator_token_hash = voting.hash_token(facilitator_token)
        workshop.projector_token_hash = voting.hash_token(projector_token)
        voting.issue_organiser_link(workshop, facilitator_token)  # organisers read imports too
        return voting.CreatedSession(workshop, facilitator_token, projector_token)

    def discard(self, session: Session) -> None:
        workshop = session.get(WorkshopSession, self.session_id)
        if workshop is not None:
            voting.delete_session(session, workshop)

    @staticmethod
    def sweep(session: Session) -> int:
        """Remove imports a crash left locked; how many."""
        locked = session.scalars(select(WorkshopSession).where(
            WorkshopSession.facilitator_token_hash == LOCKED)).all()
        for workshop in locked:
            voting.delete_session(session, workshop)
        return len(locked)


LOCKED = ""  # a token hash no token has: the session cannot be opened yet


def create(session: Session, plan: Plan) -> voting.CreatedSession:
    """The whole import in the caller's one transaction (for small plans and tests)."""
    steps = Import(plan).steps()
    for step in steps[:-1]:
        step(session)
    return steps[-1](session)


def read(data: bytes) -> Plan:
    """An uploaded export to a plan for `create()`: pure work, for a worker thread."""
    return parse(loads(data))


def loads(data: bytes) -> Any:
    """The request body as JSON; Invalid for anything that is not (NaN and Infinity too), or
    that nests deeper than any export does."""
    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not valid JSON")

    if json_depth(data) > MAX_JSON_DEPTH:
        raise Invalid(f"the session was not imported: the JSON nests deeper than "
                      f"{MAX_JSON_DEPTH} levels", code="invalid_json")
    try:
        return json.loads(data.decode("utf-8-sig"), parse_constant=refuse)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Invalid(f"the session was not imported: the file is not valid JSON ({exc})",
                      code="invalid_json") from None

