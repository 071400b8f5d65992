"""The rules of a workshop session: creating it with groups and agenda, credentials, deletion.

Plain Python over a database session; raises workshop.errors exceptions. No Flask here.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop import catalogue as catalogues
from workshop.errors import Invalid, NotFound, Unauthorized
from workshop.models import Group, Round, WorkshopSession

# Letters and digits that cannot be confused when read aloud or typed: no 0/O, 1/I/L.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6

DEFAULT_BUDGET = 5
DEFAULT_MAX_PER_ITEM = 2
MAX_GROUPS = 12
MAX_ROUNDS = 200
MAX_TITLE = 200

# Stakeholder groups an organiser can name by id; the first three are the default.
GROUP_PRESETS: dict[str, dict[str, str]] = {
    "administration": {"de": "Verwaltung", "en": "Administration"},
    "civil-society": {"de": "Zivilgesellschaft", "en": "Civil society"},
    "migrant-organisations": {"de": "Migrantische Organisationen", "en": "Migrant organisations"},
    "politics": {"de": "Politik", "en": "Politics"},
    "business": {"de": "Wirtschaft", "en": "Business"},
    "other": {"de": "Sonstige", "en": "Other"},
}
DEFAULT_GROUPS = ["administration", "civil-society", "migrant-organisations"]

# Questions of the default agenda, by (kind, target). Languages without a text get English.
DEFAULT_QUESTIONS: dict[tuple[str, str], dict[str, str]] = {
    ("rating", "challenges"): {
        "de": "Wie sehr trifft diese Herausforderung bei uns zu?",
        "en": "How much does this challenge apply here?",
    },
    ("rating", "principles"): {
        "de": "Wie gut setzen wir das bei uns schon um?",
        "en": "How well do we already do this?",
    },
    ("dots", "principles"): {
        "de": "Wo sollten wir zuerst handeln? Verteilen Sie Ihre Punkte.",
        "en": "Where should we act first? Distribute your points.",
    },
    ("dots", "challenges"): {
        "de": "Welche Herausforderung sollten wir zuerst angehen? Verteilen Sie Ihre Punkte.",
        "en": "Which challenge should we tackle first? Distribute your points.",
    },
    ("ideas", "ideas"): {
        "de": "Was fehlt hier?",
        "en": "What is missing here?",
    },
}
TARGETS = {"rating": ("challenges", "principles"), "dots": ("principles", "challenges"),
           "ideas": ("ideas",)}
SESSION_KEYS = {"title", "catalogue", "languages", "groups", "agenda", "place", "date"}
ROUND_KEYS = {"kind", "field", "target", "question", "budget", "max_per_item", "items"}


@dataclass
class CreatedSession:
    session: WorkshopSession
    facilitator_token: str
    projector_token: str


class _Problems:
    """Collects every problem of a request so the answer can name them all at once."""

    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def raise_if_any(self) -> None:
        if self.items:
            first = self.items[0]
            more = f" (and {len(self.items) - 1} more)" if len(self.items) > 1 else ""
            raise Invalid(f"{first['field']}: {first['message']}{more}",
                          code="invalid_session", problems=self.items)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def projector_token_for(facilitator_token: str, session_id: str) -> str:
    """Derived, so the facilitator can always show the projector link; it grants only viewing."""
    digest = hmac.new(facilitator_token.encode(), f"projector:{session_id}".encode(), "sha256")
    return digest.hexdigest()[:40]


def normalise_join_code(text: str) -> str:
    return re.sub(r"[\s-]", "", text or "").upper()


def _new_join_code(session: Session) -> str:
    live = set(session.scalars(
        select(WorkshopSession.join_code).where(WorkshopSession.ended_at.is_(None))
    ))
    while True:
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if code not in live:
            return code


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:40] or "group"


def _text_in_languages(value: Any, languages: list[str], field: str,
                       problems: _Problems) -> dict[str, str] | None:
    """A plain string for every language, or a {language: text} mapping covering all of them."""
    if isinstance(value, str):
        value = value.strip()
        if not value or len(value) > MAX_TITLE:
            problems.add(field, f"must be 1 to {MAX_TITLE} characters")
            return None
        return {language: value for language in languages}
    if isinstance(value, dict):
        missing = [lang for lang in languages if not isinstance(value.get(lang), str)
                   or not value[lang].strip()]
        if missing:
            problems.add(field, f"needs a text in {', '.join(missing)}")
            return None
        return {lang: value[lang].strip() for lang in languages}
    problems.add(field, "must be a text or a mapping of language to text")
    return None


def _parse_groups(value: Any, languages: list[str], problems: _Problems) -> list[tuple]:
    if value is None:
        value = DEFAULT_GROUPS
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_GROUPS:
        problems.add("groups", f"must be a list of 1 to {MAX_GROUPS} groups")
        return []
    groups: list[tuple[str, dict[str, str]]] = []
    for i, entry in enumerate(value):
        field = f"groups[{i}]"
        if isinstance(entry, str) and entry in GROUP_PRESETS:
            preset = GROUP_PRESETS[entry]
            groups.append((entry, {lang: preset.get(lang, preset["en"]) for lang in languages}))
            continue
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict) or set(entry) - {"id", "name"} or "name" not in entry:
            problems.add(field, "must be a preset id ("
                         + ", ".join(GROUP_PRESETS) + "), a name, or {\"id\", \"name\"}")
            continue
        name = _text_in_languages(entry["name"], languages, field + ".name", problems)
        key = entry.get("id")
        if key is None:
            key = _slug(next(iter(name.values()))) if name else ""
        elif not isinstance(key, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", key):
            problems.add(field + ".id", "must be 1-40 lowercase letters, digits or '-'")
            continue
        if name:
            groups.append((key, name))
    keys = [key for key, _ in groups]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        problems.add("groups", f"group '{key}' appears twice")
    return groups


def _field_items(field: dict[str, Any], target: str) -> list[dict[str, Any]]:
    if target == "challenges":
        return [{"id": c["id"], "text": c["text"]} for c in field["challenges"]]
    return [
        {"id": p["id"], "text": p["text"], "group": g["id"]}
        for g in field["principle_groups"]
        for p in g["principles"]
    ]


def default_agenda(catalogue: dict[str, Any]) -> list[dict[str, Any]]:
    """Per action field: rate the challenges, rate the principles, dots on the principles."""
    agenda = []
    for field in catalogue["action_fields"]:
        if field["challenges"]:
            agenda.append({"kind": "rating", "field": field["id"], "target": "challenges"})
        if field["principle_groups"]:
            agenda.append({"kind": "rating", "field": field["id"], "target": "principles"})
            agenda.append({"kind": "dots", "field": field["id"], "target": "principles"})
    return agenda


def _bounded_int(spec: dict, key: str, default: int, low: int, high: int, field: str,
                 problems: _Problems) -> int | None:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.add(f"{field}.{key}", f"must be a whole number from {low} to {high}")
        return None
    return value


def _parse_round(spec: Any, catalogue: dict[str, Any], languages: list[str], field_name: str,
                 problems: _Problems) -> dict[str, Any] | None:
    if not isinstance(spec, dict):
        problems.add(field_name, "must be an object such as {\"kind\": \"rating\", "
                                 "\"field\": \"governance\", \"target\": \"challenges\"}")
        return None
    unknown = set(spec) - ROUND_KEYS
    if unknown:
        problems.add(field_name, f"unknown key(s): {', '.join(sorted(unknown))}")
        return None
    kind = spec.get("kind")
    if kind not in TARGETS:
        problems.add(field_name + ".kind", "must be one of rating, dots, ideas")
        return None
    fields = {f["id"]: f for f in catalogue["action_fields"]}
    field_id = spec.get("field")
    if field_id is None and kind != "ideas":
        problems.add(field_name + ".field", "names the action field, e.g. "
                     + ", ".join(fields))
        return None
    if field_id is not None and field_id not in fields:
        problems.add(field_name + ".field", f"no action field '{field_id}' in the catalogue")
        return None
    target = spec.get("target", TARGETS[kind][0])
    if target not in TARGETS[kind]:
        problems.add(field_name + ".target", f"for {kind} must be one of "
                     + ", ".join(TARGETS[kind]))
        return None
    items: list[dict[str, Any]] = []
    if kind != "ideas":
        available = _field_items(fields[field_id], target)
        if "items" in spec:
            wanted = spec["items"]
            by_id = {item["id"]: item for item in available}
            if not isinstance(wanted, list) or not wanted or not all(
                    isinstance(i, str) for i in wanted):
                problems.add(field_name + ".items", "must be a non-empty list of item ids")
                return None
            unknown_items = [i for i in wanted if i not in by_id]
            if unknown_items or len(set(wanted)) != len(wanted):
                problems.add(field_name + ".items", "unknown or repeated item id(s): "
                             + ", ".join(unknown_items or sorted(wanted)))
                return None
            items = [by_id[i] for i in wanted]
        else:
            items = available
        if not items:
            problems.add(field_name, f"action field '{field_id}' has no {target}")
            return None
    elif "items" in spec:
        problems.add(field_name + ".items", "an ideas round collects its items from participants")
        return None
    if "question" in spec:
        question = _text_in_languages(spec["question"], languages, field_name + ".question",
                                      problems)
    else:
        default = DEFAULT_QUESTIONS[(kind, target)]
        question = {lang: default.get(lang, default["en"]) for lang in languages}
    budget = max_per_item = None
    if kind == "dots":
        budget = _bounded_int(spec, "budget", DEFAULT_BUDGET, 1, 100, field_name, problems)
        max_per_item = _bounded_int(spec, "max_per_item", min(DEFAULT_MAX_PER_ITEM, budget or 1),
                                    1, budget or 100, field_name, problems)
    elif "budget" in spec or "max_per_item" in spec:
        problems.add(field_name, "budget and max_per_item belong to dots rounds only")
    if question is None or (kind == "dots" and None in (budget, max_per_item)):
        return None
    return {"kind": kind, "field": field_id, "target": target, "question": question,
            "items": items, "budget": budget, "max_per_item": max_per_item}


def create_session(session: Session, spec: Any) -> CreatedSession:
    """Check the whole request first, then create the session with its groups and rounds."""
    problems = _Problems()
    if not isinstance(spec, dict):
        raise Invalid("the request body must be a JSON object", code="invalid_session")
    for key in sorted(set(spec) - SESSION_KEYS):
        problems.add(key, "unknown field; expected " + ", ".join(sorted(SESSION_KEYS)))
    title = spec.get("title")
    if not isinstance(title, str) or not title.strip() or len(title.strip()) > MAX_TITLE:
        problems.add("title", f"is required: 1 to {MAX_TITLE} characters")
    place = spec.get("place", "")
    if not isinstance(place, str) or len(place) > MAX_TITLE:
        problems.add("place", f"must be text of at most {MAX_TITLE} characters")
    when = spec.get("date", "")
    if not isinstance(when, str):
        problems.add("date", "must be a date such as 2026-03-14")
    elif when:
        try:
            date.fromisoformat(when)
            if len(when) != 10:
                raise ValueError
        except ValueError:
            problems.add("date", f"'{when}' is not a date such as 2026-03-14")
    catalogue_id = spec.get("catalogue", catalogues.DEFAULT_CATALOGUE)
    if not isinstance(catalogue_id, str):
        problems.add("catalogue", "must be a catalogue id such as 'whole-comm'")
        problems.raise_if_any()
    try:
        catalogue = catalogues.get(session, catalogue_id)
    except NotFound as exc:
        problems.add("catalogue", exc.message)
        problems.raise_if_any()
    languages = spec.get("languages", catalogue["languages"])
    if (not isinstance(languages, list) or not languages
            or not all(isinstance(lang, str) for lang in languages)):
        problems.add("languages", "must be a non-empty list such as [\"de\", \"en\"]")
        problems.raise_if_any()
    unsupported = [lang for lang in languages if lang not in catalogue["languages"]]
    if unsupported:
        problems.add("languages", f"the catalogue has no texts in {', '.join(unsupported)}; "
                     f"it offers {', '.join(catalogue['languages'])}")
    if len(set(languages)) != len(languages):
        problems.add("languages", "a language is listed twice")
    problems.raise_if_any()
    groups = _parse_groups(spec.get("groups"), languages, problems)
    agenda = spec.get("agenda")
    if agenda is None:
        agenda = default_agenda(catalogue)
    if not isinstance(agenda, list) or not 1 <= len(agenda) <= MAX_ROUNDS:
        problems.add("agenda", f"must be a list of 1 to {MAX_ROUNDS} rounds")
        agenda = []
    rounds = [_parse_round(r, catalogue, languages, f"agenda[{i}]", problems)
              for i, r in enumerate(agenda)]
    problems.raise_if_any()

    session_id = secrets.token_hex(8)
    facilitator_token = new_token()
    projector_token = projector_token_for(facilitator_token, session_id)
    workshop = WorkshopSession(
        id=session_id,
        title=title.strip(),
        place=place.strip(),
        date=when,
        catalogue_id=catalogue["id"],
        catalogue=catalogue,
        languages=languages,
        join_code=_new_join_code(session),
        facilitator_token_hash=hash_token(facilitator_token),
        projector_token_hash=hash_token(projector_token),
    )
    workshop.groups = [Group(key=key, name=name, position=i)
                       for i, (key, name) in enumerate(groups)]
    workshop.rounds = [Round(position=i, state="pending", revealed=False, attempt=1, **r)
                       for i, r in enumerate(rounds)]
    session.add(workshop)
    session.flush()
    return CreatedSession(workshop, facilitator_token, projector_token)


def get_session(session: Session, session_id: str) -> WorkshopSession:
    workshop = session.get(WorkshopSession, session_id) if isinstance(session_id, str) else None
    if workshop is None:
        raise NotFound(f"no session with id '{session_id}'", code="session_not_found")
    return workshop


def _token_matches(token: str | None, stored_hash: str) -> bool:
    if not isinstance(token, str) or not token:
        return False
    return hmac.compare_digest(hash_token(token), stored_hash)


def authenticate(session: Session, session_id: str, token: str | None,
                 roles: tuple[str, ...] = ("facilitator",)) -> tuple[WorkshopSession, str]:
    """The session and the role the token grants; the same error for unknown id or bad token."""
    workshop = session.get(WorkshopSession, session_id) if isinstance(session_id, str) else None
    if workshop is not None:
        if "facilitator" in roles and _token_matches(token, workshop.facilitator_token_hash):
            return workshop, "facilitator"
        if "projector" in roles and _token_matches(token, workshop.projector_token_hash):
            return workshop, "projector"
    raise Unauthorized("this session does not exist or the token is not valid for it",
                       code="bad_token")


def find_live_session_by_code(session: Session, code: str) -> WorkshopSession:
    workshop = session.scalar(select(WorkshopSession).where(
        WorkshopSession.join_code == normalise_join_code(code),
        WorkshopSession.ended_at.is_(None),
    ))
    if workshop is None:
        raise NotFound("no running session has this code", code="unknown_join_code")
    return workshop


def delete_session(session: Session, workshop: WorkshopSession) -> None:
    """Rows go with the session through ON DELETE CASCADE; files are the caller's to remove."""
    session.delete(workshop)
