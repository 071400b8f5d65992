"""The rules of a workshop session: creating it with groups and agenda, credentials, deletion.

Plain Python over a database session; raises workshop.errors exceptions. No Flask here.
"""

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, defer

from workshop import catalogue as catalogues
from workshop.errors import Conflict, Invalid, NotFound, Unauthorized
from workshop.models import (
    MODERATION,
    Completion,
    Group,
    Idea,
    Participant,
    Round,
    Upvote,
    Vote,
    WorkshopSession,
    utcnow,
)
from workshop.results import CANT_JUDGE

# Letters and digits that cannot be confused when read aloud or typed: no 0/O, 1/I/L.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6

DEFAULT_BUDGET = 5
DEFAULT_MAX_PER_ITEM = 2
MAX_BUDGET = 100
MAX_GROUPS = 12
MAX_ROUNDS = 200
MAX_TITLE = 200

# Stakeholder groups an organiser can name by id; the first three are the default. Every
# language of the default catalogue has a name (de-x-ls: Leichte Sprache).
GROUP_PRESETS: dict[str, dict[str, str]] = {
    "administration": {
        "de": "Verwaltung", "en": "Administration", "ar": "الإدارة", "fa": "دستگاه اداری",
        "uk": "Адміністрація", "ru": "Администрация", "tr": "İdare",
        "de-x-ls": "Ämter und Verwaltung"},
    "civil-society": {
        "de": "Zivilgesellschaft", "en": "Civil society", "ar": "المجتمع المدني",
        "fa": "جامعهٔ مدنی", "uk": "Громадянське суспільство", "ru": "Гражданское общество",
        "tr": "Sivil toplum", "de-x-ls": "Vereine und Gruppen"},
    "migrant-organisations": {
        "de": "Migrantische Organisationen", "en": "Migrant organisations",
        "ar": "منظمات المهاجرين", "fa": "سازمان‌های مهاجران", "uk": "Організації мігрантів",
        "ru": "Организации мигрантов", "tr": "Göçmen örgütleri",
        "de-x-ls": "Vereine von Menschen mit Migrations-Geschichte"},
    "politics": {
        "de": "Politik", "en": "Politics", "ar": "السياسة", "fa": "سیاست", "uk": "Політика",
        "ru": "Политика", "tr": "Siyaset", "de-x-ls": "Politikerinnen und Politiker"},
    "business": {
        "de": "Wirtschaft", "en": "Business", "ar": "قطاع الأعمال", "fa": "کسب‌وکار",
        "uk": "Бізнес", "ru": "Бизнес", "tr": "İş dünyası", "de-x-ls": "Firmen"},
    "other": {
        "de": "Sonstige", "en": "Other", "ar": "جهات أخرى", "fa": "سایر", "uk": "Інше",
        "ru": "Другое", "tr": "Diğer", "de-x-ls": "Andere"},
}
DEFAULT_GROUPS = ["administration", "civil-society", "migrant-organisations"]
# A session made without naming its languages speaks these (those the catalogue has).
DEFAULT_LANGUAGES = ("de", "en")

# Questions of the default agenda, by (kind, target). Languages without a text get English.
DEFAULT_QUESTIONS: dict[tuple[str, str], dict[str, str]] = {
    ("rating", "challenges"): {
        "de": "Wie sehr trifft diese Herausforderung bei uns zu?",
        "en": "How much does this challenge apply here?",
        "ar": "إلى أي مدى ينطبق هذا التحدي علينا هنا؟",
        "fa": "این چالش تا چه اندازه دربارهٔ ما صدق می‌کند؟",
        "uk": "Наскільки цей виклик стосується нас?",
        "ru": "Насколько эта проблема касается нас?",
        "tr": "Bu zorluk bizim için ne kadar geçerli?",
        "de-x-ls": "Wie sehr stimmt das bei uns?",
    },
    ("rating", "principles"): {
        "de": "Wie gut setzen wir das bei uns schon um?",
        "en": "How well do we already do this?",
        "ar": "إلى أي مدى نطبّق هذا عندنا بشكل جيد حتى الآن؟",
        "fa": "ما اکنون این کار را چقدر خوب انجام می‌دهیم؟",
        "uk": "Наскільки добре ми вже це робимо?",
        "ru": "Насколько хорошо мы уже это делаем?",
        "tr": "Bunu şimdiden ne kadar iyi yapıyoruz?",
        "de-x-ls": "Wie gut machen wir das schon?",
    },
    ("dots", "principles"): {
        "de": "Wo sollten wir zuerst handeln? Verteilen Sie Ihre Punkte.",
        "en": "Where should we act first? Distribute your points.",
        "ar": "أين ينبغي أن نبدأ العمل أولًا؟ وزّعوا نقاطكم.",
        "fa": "اول باید در کجا دست به کار شویم؟ امتیازهای خود را تقسیم کنید.",
        "uk": "Де нам слід діяти насамперед? Розподіліть свої бали.",
        "ru": "Где нам нужно действовать в первую очередь? Распределите свои баллы.",
        "tr": "Önce nerede harekete geçmeliyiz? Puanlarınızı dağıtın.",
        "de-x-ls": "Was sollen wir zuerst machen? Verteilen Sie Ihre Punkte.",
    },
    ("dots", "challenges"): {
        "de": "Welche Herausforderung sollten wir zuerst angehen? Verteilen Sie Ihre Punkte.",
        "en": "Which challenge should we tackle first? Distribute your points.",
        "ar": "أي تحدٍّ ينبغي أن نعالجه أولًا؟ وزّعوا نقاطكم.",
        "fa": "اول باید به کدام چالش بپردازیم؟ امتیازهای خود را تقسیم کنید.",
        "uk": "Яким викликом нам слід зайнятися насамперед? Розподіліть свої бали.",
        "ru": "Какой проблемой нам нужно заняться в первую очередь? Распределите свои баллы.",
        "tr": "Önce hangi zorlukla ilgilenmeliyiz? Puanlarınızı dağıtın.",
        "de-x-ls": "Welches Problem sollen wir zuerst lösen? Verteilen Sie Ihre Punkte.",
    },
    ("ideas", "ideas"): {
        "de": "Was fehlt hier?",
        "en": "What is missing here?",
        "ar": "ما الذي ينقص هنا؟",
        "fa": "اینجا چه چیزی کم است؟",
        "uk": "Чого тут бракує?",
        "ru": "Чего здесь не хватает?",
        "tr": "Burada ne eksik?",
        "de-x-ls": "Was fehlt hier noch?",
    },
}
TARGETS = {"rating": ("challenges", "principles"), "dots": ("principles", "challenges"),
           "ideas": ("ideas",)}
SESSION_KEYS = {"title", "catalogue", "languages", "groups", "agenda", "place", "date"}
ROUND_KEYS = {"id", "kind", "field", "target", "question", "budget", "max_per_item", "items",
              "moderation"}


@dataclass
class CreatedSession:
    session: WorkshopSession
    facilitator_token: str
    projector_token: str


def N_(message: str) -> str:  # noqa: N802 - Babel's name for "extract, translate later"
    """Marks a problem's text for translation; pages translate it, the API answers in English."""
    return message


class _Problems:
    """Collects every problem of a request so the answer can name them all at once.

    Each text is an English template marked with N_(), so a page can show it in its own
    language (`Invalid.translatable`) while the API keeps the English `message`.
    """

    def __init__(self, code: str = "invalid_session",
                 known: list[dict[str, str]] | None = None) -> None:
        self.code = code
        self.items: list[dict[str, str]] = []
        self.templates: list[tuple[str, str, dict[str, Any]]] = []
        # Problems of the request's shape found before (workshop.bodies): named too, unless
        # a rule here says more about the same field.
        self.known = known or []

    def add(self, where: str, template: str, **params: Any) -> None:
        self.items.append({"field": where, "message": template % params if params
                           else template})
        self.templates.append((where, template, params))

    def __bool__(self) -> bool:
        return bool(self.items or self.known)

    def raise_if_any(self, final: bool = False) -> None:
        """Invalid if a rule here found a problem, or (`final`: nothing further to check)
        if any was known before."""
        if not self.items and not final:
            return
        named = {p["field"] for p in self.items}
        for problem in self.known:
            if problem["field"] not in named:
                self.add(problem["field"], problem["message"])
        self.known = []
        if self.items:
            first = self.items[0]
            more = f" (and {len(self.items) - 1} more)" if len(self.items) > 1 else ""
            error = Invalid(f"{first['field']}: {first['message']}{more}", code=self.code,
                            problems=self.items)
            error.translatable = self.templates
            raise error


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


def new_join_code(session: Session) -> str:
    """A join code no live session uses."""
    live = set(session.scalars(
        select(WorkshopSession.join_code).where(WorkshopSession.ended_at.is_(None))
    ))
    while True:
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if code not in live:
            return code


def _slug(text: str, position: int) -> str:
    """An id from a group's name: "Älterenbeirat" -> "alterenbeirat"; a name with no latin
    letters (e.g. Arabic) gets "group-<n>"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return slug[:40].strip("-") or f"group-{position + 1}"


def _text_in_languages(value: Any, languages: list[str], field: str,
                       problems: _Problems) -> dict[str, str] | None:
    """A plain string for every language, or a {language: text} mapping covering all of them."""
    if isinstance(value, str):
        value = value.strip()
        if not value or len(value) > MAX_TITLE or not value.isprintable():
            problems.add(field, N_("must be 1 to %(max)d printable characters"), max=MAX_TITLE)
            return None
        return {language: value for language in languages}
    if isinstance(value, dict):
        missing = [lang for lang in languages if not isinstance(value.get(lang), str)
                   or not value[lang].strip() or not value[lang].isprintable()]
        if missing:
            problems.add(field, N_("needs a text in %(languages)s"),
                         languages=", ".join(missing))
            return None
        if any(len(value[lang].strip()) > MAX_TITLE for lang in languages):
            problems.add(field, N_("must be 1 to %(max)d printable characters"), max=MAX_TITLE)
            return None
        return {lang: value[lang].strip() for lang in languages}
    problems.add(field, N_("must be a text or a mapping of language to text"))
    return None


def _parse_groups(value: Any, languages: list[str], problems: _Problems) -> list[tuple]:
    if value is None:
        value = DEFAULT_GROUPS
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_GROUPS:
        problems.add("groups", N_("must be a list of 1 to %(max)d groups"), max=MAX_GROUPS)
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
            problems.add(field, N_("must be a preset id (%(presets)s), a name, or "
                                   "{\"id\", \"name\"}"), presets=", ".join(GROUP_PRESETS))
            continue
        name = _text_in_languages(entry["name"], languages, field + ".name", problems)
        key = entry.get("id")
        if key is None:
            key = _slug(next(iter(name.values())), i) if name else ""
        elif not isinstance(key, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", key):
            problems.add(field + ".id", N_("must be 1-40 lowercase letters, digits or '-'"))
            continue
        if name:
            groups.append((key, name))
    keys = [key for key, _ in groups]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        problems.add("groups", N_("group '%(group)s' appears twice"), group=key)
    return groups


def _field_items(field: dict[str, Any], target: str) -> list[dict[str, Any]]:
    if target == "challenges":
        return [{"id": c["id"], "text": c["text"]} for c in field["challenges"]]
    return [
        {"id": p["id"], "text": p["text"], "group": g["id"]}
        for g in field["principle_groups"]
        for p in g["principles"]
    ]


def default_agenda(catalogue: dict[str, Any], field: str | None = None) -> list[dict[str, Any]]:
    """Per action field (or only `field`): rate the challenges, rate the principles, dots on
    the principles."""
    agenda = []
    for f in catalogue["action_fields"]:
        if field is not None and f["id"] != field:
            continue
        if f["challenges"]:
            agenda.append({"kind": "rating", "field": f["id"], "target": "challenges"})
        if f["principle_groups"]:
            agenda.append({"kind": "rating", "field": f["id"], "target": "principles"})
            agenda.append({"kind": "dots", "field": f["id"], "target": "principles"})
    return agenda


def default_question(kind: str, target: str, languages: list[str]) -> dict[str, str]:
    default = DEFAULT_QUESTIONS[(kind, target)]
    return {lang: default.get(lang, default["en"]) for lang in languages}


def _bounded_int(spec: dict, key: str, default: int, low: int, high: int, field: str,
                 problems: _Problems) -> int | None:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.add(f"{field}.{key}", N_("must be a whole number from %(low)d to %(high)d"),
                     low=low, high=high)
        return None
    return value


def _parse_round(spec: Any, catalogue: dict[str, Any], languages: list[str], field_name: str,
                 problems: _Problems) -> dict[str, Any] | None:
    """A round of the agenda as the database keeps it, or None after adding its problem."""
    if not isinstance(spec, dict):
        problems.add(field_name, N_("must be an object such as {\"kind\": \"rating\", "
                                    "\"field\": \"governance\", \"target\": \"challenges\"}"))
        return None
    unknown = set(spec) - ROUND_KEYS
    if unknown:
        problems.add(field_name, N_("unknown key(s): %(keys)s"),
                     keys=", ".join(sorted(map(str, unknown))))
        return None
    kind = spec.get("kind")
    if not isinstance(kind, str) or kind not in TARGETS:
        problems.add(field_name + ".kind", N_("must be one of rating, dots, ideas"))
        return None
    fields = {f["id"]: f for f in catalogue["action_fields"]}
    field_id = spec.get("field")
    if field_id is None and kind != "ideas":
        problems.add(field_name + ".field", N_("names the action field, e.g. %(fields)s"),
                     fields=", ".join(fields))
        return None
    if field_id is not None and (not isinstance(field_id, str) or field_id not in fields):
        problems.add(field_name + ".field", N_("no action field '%(field)s' in the catalogue"),
                     field=str(field_id)[:64])
        return None
    target = spec.get("target", TARGETS[kind][0])
    if not isinstance(target, str) or target not in TARGETS[kind]:
        problems.add(field_name + ".target", N_("for %(kind)s must be one of %(targets)s"),
                     kind=kind, targets=", ".join(TARGETS[kind]))
        return None
    items: list[dict[str, Any]] = []
    if kind != "ideas":
        available = _field_items(fields[field_id], target)
        if "items" in spec:
            wanted = spec["items"]
            by_id = {item["id"]: item for item in available}
            if not isinstance(wanted, list) or not wanted or not all(
                    isinstance(i, str) for i in wanted):
                problems.add(field_name + ".items", N_("must be a non-empty list of item ids"))
                return None
            unknown_items = [i for i in wanted if i not in by_id]
            if unknown_items or len(set(wanted)) != len(wanted):
                problems.add(field_name + ".items", N_("unknown or repeated item id(s): %(ids)s"),
                             ids=", ".join(i[:64] for i in unknown_items or sorted(wanted)))
                return None
            items = [by_id[i] for i in wanted]
        else:
            items = available
        if not items:
            problems.add(field_name, N_("action field '%(field)s' has no %(target)s"),
                         field=field_id, target=target)
            return None
    elif "items" in spec:
        problems.add(field_name + ".items",
                     N_("an ideas round collects its items from participants"))
        return None
    if "question" in spec:
        question = _text_in_languages(spec["question"], languages, field_name + ".question",
                                      problems)
    else:
        question = default_question(kind, target, languages)
    budget = max_per_item = moderation = None
    if kind == "dots":
        budget = _bounded_int(spec, "budget", DEFAULT_BUDGET, 1, MAX_BUDGET, field_name,
                              problems)
        max_per_item = _bounded_int(spec, "max_per_item", min(DEFAULT_MAX_PER_ITEM, budget or 1),
                                    1, budget or MAX_BUDGET, field_name, problems)
    elif "budget" in spec or "max_per_item" in spec:
        problems.add(field_name, N_("budget and max_per_item belong to dots rounds only"))
    if kind == "ideas":
        moderation = spec.get("moderation", "pre")
        if moderation not in MODERATION:
            problems.add(field_name + ".moderation", N_("must be \"pre\" or \"post\""))
            moderation = None
    elif "moderation" in spec:
        problems.add(field_name, N_("moderation belongs to ideas rounds only"))
    if question is None or (kind == "dots" and None in (budget, max_per_item)) or (
            kind == "ideas" and moderation is None):
        return None
    return {"kind": kind, "field": field_id, "target": target, "question": question,
            "items": items, "budget": budget, "max_per_item": max_per_item,
            "moderation": moderation}


def _parse_agenda(agenda: Any, catalogue: dict[str, Any], languages: list[str],
                  problems: _Problems) -> list[dict[str, Any] | None]:
    if not isinstance(agenda, list) or len(agenda) > MAX_ROUNDS:
        problems.add("agenda", N_("must be a list of at most %(max)d rounds"), max=MAX_ROUNDS)
        return []
    parsed = []
    for i, spec in enumerate(agenda):
        if isinstance(spec, dict) and "id" in spec:
            problems.add(f"agenda[{i}].id", N_("a new session has no rounds to refer to yet"))
            parsed.append(None)
        else:
            parsed.append(_parse_round(spec, catalogue, languages, f"agenda[{i}]", problems))
    return parsed


def default_languages(catalogue: dict[str, Any]) -> list[str]:
    """German and English where the catalogue has them, else its first language."""
    return [lang for lang in DEFAULT_LANGUAGES if lang in catalogue["languages"]] or \
        catalogue["languages"][:1]


def create_session(session: Session, spec: Any,
                   known: list[dict[str, str]] | None = None) -> CreatedSession:
    """Check the whole request first, then create the session with its groups and rounds.
    `known`: problems of the request's shape already found; nothing is created if there are
    any."""
    problems = _Problems(known=known)
    if not isinstance(spec, dict):
        raise Invalid("the request body must be a JSON object", code="invalid_session")
    for key in sorted(set(spec) - SESSION_KEYS):
        problems.add(str(key)[:64], N_("unknown field; expected %(keys)s"),
                     keys=", ".join(sorted(SESSION_KEYS)))
    title = spec.get("title")
    if not isinstance(title, str) or not title.strip() or len(title.strip()) > MAX_TITLE:
        problems.add("title", N_("is required: 1 to %(max)d characters"), max=MAX_TITLE)
    elif not title.isprintable():
        problems.add("title", N_("must not contain control characters"))
    place = spec.get("place", "")
    if not isinstance(place, str) or len(place) > MAX_TITLE:
        problems.add("place", N_("must be text of at most %(max)d characters"), max=MAX_TITLE)
    elif not place.isprintable():
        problems.add("place", N_("must not contain control characters"))
    when = spec.get("date", "")
    if not isinstance(when, str):
        problems.add("date", N_("must be a date such as 2026-03-14"))
    elif when:
        try:
            date.fromisoformat(when)
            if len(when) != 10:
                raise ValueError
        except ValueError:
            problems.add("date", N_("'%(date)s' is not a date such as 2026-03-14"),
                         date=when[:40])
    catalogue_id = spec.get("catalogue", catalogues.DEFAULT_CATALOGUE)
    if not isinstance(catalogue_id, str):
        problems.add("catalogue", N_("must be a catalogue id such as 'whole-comm'"))
        problems.raise_if_any()
    try:
        catalogue = catalogues.get(session, catalogue_id)
    except NotFound:
        problems.add("catalogue", N_("no catalogue with id '%(catalogue)s'"),
                     catalogue=catalogue_id[:64])
        problems.raise_if_any()
    languages = spec.get("languages", default_languages(catalogue))
    if (not isinstance(languages, list) or not languages
            or not all(isinstance(lang, str) for lang in languages)):
        problems.add("languages", N_("choose at least one language, e.g. [\"de\", \"en\"]"))
        problems.raise_if_any()
    unsupported = [lang for lang in languages if lang not in catalogue["languages"]]
    if unsupported:
        problems.add("languages", N_("the catalogue has no texts in %(missing)s; it offers "
                                     "%(offered)s"), missing=", ".join(unsupported)[:200],
                     offered=", ".join(catalogue["languages"]))
    if len(set(languages)) != len(languages):
        problems.add("languages", N_("a language is listed twice"))
    problems.raise_if_any()
    groups = _parse_groups(spec.get("groups"), languages, problems)
    agenda = spec.get("agenda")
    if agenda is None:
        agenda = default_agenda(catalogue)
    rounds = _parse_agenda(agenda, catalogue, languages, problems)
    problems.raise_if_any(final=True)

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
        join_code=new_join_code(session),
        facilitator_token_hash=hash_token(facilitator_token),
        projector_token_hash=hash_token(projector_token),
    )
    issue_organiser_link(workshop, facilitator_token)
    workshop.groups = [Group(key=key, name=name, position=i)
                       for i, (key, name) in enumerate(groups)]
    workshop.rounds = [Round(position=i, state="pending", revealed=False, attempt=1, **r)
                       for i, r in enumerate(rounds)]
    session.add(workshop)
    session.flush()
    return CreatedSession(workshop, facilitator_token, projector_token)


# --- Changing the agenda of a running session ------------------------------------------------

def _content(rnd: Round) -> dict[str, Any]:
    """A round as _parse_round returns it: what a change of the agenda may alter."""
    return {"kind": rnd.kind, "field": rnd.field, "target": rnd.target,
            "question": dict(rnd.question), "items": list(rnd.items), "budget": rnd.budget,
            "max_per_item": rnd.max_per_item, "moderation": rnd.moderation}


def _as_spec(rnd: Round) -> dict[str, Any]:
    """A stored round as the request format, to lay a change over it."""
    spec: dict[str, Any] = {"kind": rnd.kind, "field": rnd.field, "target": rnd.target,
                            "question": dict(rnd.question)}
    if rnd.kind != "ideas":
        spec["items"] = [item["id"] for item in rnd.items]
    if rnd.kind == "dots":
        spec["budget"], spec["max_per_item"] = rnd.budget, rnd.max_per_item
    if rnd.kind == "ideas":
        spec["moderation"] = rnd.moderation or "pre"
    return spec


def _merged(rnd: Round, change: dict[str, Any]) -> dict[str, Any]:
    """An existing round with the keys a request sent laid over it. A request that changes
    the kind, field or target describes a new round type: keys it leaves out take the defaults
    of a new round (kind, field and target left out keep their values where they fit)."""
    spec = _as_spec(rnd)
    if not any(k in change and change[k] != spec.get(k) for k in ("kind", "field", "target")):
        return {**spec, **change}
    kind = change.get("kind", rnd.kind)
    base = {"kind": kind}
    if "field" not in change and rnd.field is not None:
        base["field"] = rnd.field
    if "target" not in change and rnd.target in TARGETS.get(kind, ()):
        base["target"] = rnd.target
    return {**base, **change}


def replace_agenda(session: Session, workshop: WorkshopSession, agenda: Any,
                   known: list[dict[str, str]] | None = None) -> list[Round]:
    """The whole ordered agenda: rounds with an `id` are kept, moved or changed (keys left out
    keep their values), rounds without are new, rounds left out are removed. A round that has
    been opened can be moved but neither changed nor removed (Conflict round_started)."""
    lock_session(session, workshop, shared=False)
    _live(workshop)
    problems = _Problems(code="invalid_agenda", known=known)
    if not isinstance(agenda, list) or len(agenda) > MAX_ROUNDS:
        problems.add("agenda", N_("must be a list of at most %(max)d rounds"), max=MAX_ROUNDS)
        problems.raise_if_any()
    existing = {r.id: r for r in workshop.rounds}
    plan: list[tuple[Round | None, dict[str, Any] | None]] = []
    seen: set[int] = set()
    started: list[dict[str, Any]] = []
    for i, spec in enumerate(agenda):
        where = f"agenda[{i}]"
        if not isinstance(spec, dict) or "id" not in spec:
            plan.append((None, _parse_round(spec, workshop.catalogue, workshop.languages,
                                            where, problems)))
            continue
        round_id = spec["id"]
        rnd = existing.get(round_id) if isinstance(round_id, int) and not isinstance(
            round_id, bool) else None
        if rnd is None:
            problems.add(where + ".id", N_("no round %(id)s in this session"),
                         id=str(round_id)[:20])
            continue
        if round_id in seen:
            problems.add(where + ".id", N_("round %(id)s is listed twice"), id=round_id)
            continue
        seen.add(round_id)
        change = {k: v for k, v in spec.items() if k != "id"}
        parsed = _parse_round(_merged(rnd, change), workshop.catalogue, workshop.languages,
                              where, problems) if change else None
        if rnd.state != "pending" and parsed is not None and parsed != _content(rnd):
            started.append({"field": where, "message": f"round {rnd.id} has been opened: "
                                                       "it can no longer be changed"})
        plan.append((rnd, parsed))
    for rnd in workshop.rounds:
        if rnd.id not in seen and rnd.state != "pending":
            started.append({"field": "agenda", "message": f"round {rnd.id} has been opened: "
                                                          "it can no longer be removed"})
    if started:
        raise Conflict("; ".join(p["message"] for p in started), code="round_started",
                       problems=started)
    problems.raise_if_any(final=True)

    workshop.agenda_version = (workshop.agenda_version or 0) + 1
    for rnd in workshop.rounds:
        if rnd.id not in seen:
            session.delete(rnd)
    # Positions are unique per session: park the kept rounds out of the way first.
    kept = [rnd for rnd, _ in plan if rnd is not None]
    for n, rnd in enumerate(kept):
        rnd.position = -1 - n
    session.flush()
    ordered = []
    for position, (rnd, parsed) in enumerate(plan):
        if rnd is None:
            rnd = Round(session_id=workshop.id, state="pending", revealed=False, attempt=1,
                        **parsed)
            session.add(rnd)
        elif parsed is not None and rnd.state == "pending":
            for key, value in parsed.items():
                setattr(rnd, key, value)
        rnd.position = position
        ordered.append(rnd)
    session.flush()
    session.expire(workshop, ["rounds"])
    return ordered


def usable_key(value: Any) -> bool:
    """An id or code worth looking up: text, short, without NUL (PostgreSQL refuses NUL)."""
    return isinstance(value, str) and 0 < len(value) <= 64 and "\x00" not in value


def get_session(session: Session, session_id: str) -> WorkshopSession:
    workshop = session.get(WorkshopSession, session_id) if usable_key(session_id) else None
    if workshop is None:
        raise NotFound(f"no session with id '{session_id}'", code="session_not_found")
    return workshop


def _token_matches(token: str | None, stored_hash: str) -> bool:
    if not isinstance(token, str) or not token:
        return False
    return hmac.compare_digest(hash_token(token), stored_hash)


ROLES = ("facilitator", "organiser", "projector")


def authenticate(session: Session, session_id: str, token: str | None,
                 roles: tuple[str, ...] = ("facilitator",)) -> tuple[WorkshopSession, str]:
    """The session and the role the token grants; the same error for unknown id or bad token.

    facilitator: controls the session; organiser: reads results and downloads; projector:
    watches the live room."""
    workshop = session.get(WorkshopSession, session_id) if usable_key(session_id) else None
    if workshop is not None:
        hashes = {"facilitator": workshop.facilitator_token_hash,
                  "organiser": workshop.organiser_token_hash,
                  "projector": workshop.projector_token_hash}
        for role in ROLES:
            if role in roles and hashes[role] and _token_matches(token, hashes[role]):
                return workshop, role
    raise Unauthorized("this session does not exist or the token is not valid for it",
                       code="bad_token")


def organiser_token_for(facilitator_token: str, workshop: WorkshopSession) -> str | None:
    """The organiser link's token, which the facilitator can always show again."""
    if not workshop.organiser_salt:
        return None
    message = f"organiser:{workshop.id}:{workshop.organiser_salt}".encode()
    return hmac.new(facilitator_token.encode(), message, "sha256").hexdigest()[:43]


def issue_organiser_link(workshop: WorkshopSession, facilitator_token: str) -> str:
    """A new organiser token; the one before it stops working."""
    workshop.organiser_salt = secrets.token_hex(16)
    token = organiser_token_for(facilitator_token, workshop)
    workshop.organiser_token_hash = hash_token(token)
    return token


def find_live_session_by_code(session: Session, code: str) -> WorkshopSession:
    if not usable_key(code):
        raise NotFound("no running session has this code", code="unknown_join_code")
    workshop = session.scalar(select(WorkshopSession).where(
        WorkshopSession.join_code == normalise_join_code(code),
        WorkshopSession.ended_at.is_(None),
    ))
    if workshop is None:
        raise NotFound("no running session has this code", code="unknown_join_code")
    return workshop


def has_ended(session: Session, code: str) -> bool:
    """Whether a session with this code has ended (and no running one has it now)."""
    if not usable_key(code):
        return False
    return session.scalar(select(func.count()).select_from(WorkshopSession).where(
        WorkshopSession.join_code == normalise_join_code(code),
        WorkshopSession.ended_at.is_not(None))) > 0


def refuse_ended_participant(session: Session, code: str, token: Any) -> None:
    """Raise session_ended if `token` is a participant of an ended session with this code."""
    if not isinstance(token, str) or not token or not usable_key(code):
        return
    workshop = session.scalar(
        select(WorkshopSession).join(Participant, Participant.session_id == WorkshopSession.id)
        .where(Participant.token_hash == hash_token(token),
               WorkshopSession.join_code == normalise_join_code(code)))
    if workshop is not None and workshop.ended_at is not None:
        raise Conflict("this session has ended", code="session_ended")


def delete_session(session: Session, workshop: WorkshopSession) -> None:
    """Rows go with the session through ON DELETE CASCADE; files are the caller's to remove."""
    session.delete(workshop)


# --- The live session: participants, rounds, votes, ideas -----------------------------------

MAX_IDEA_LENGTH = 280
MAX_IDEAS_PER_PARTICIPANT = 10  # per round attempt: enough to contribute, too few to flood
MAX_TIMER_SECONDS = 4 * 60 * 60
RATING_VALUES = (1, 2, 3, 4, 5)


def _live(workshop: WorkshopSession) -> None:
    if workshop.ended_at is not None:
        raise Conflict("this session has ended", code="session_ended")


def join(session: Session, workshop: WorkshopSession, group_key: Any,
         language: Any, *, max_participants: int | None = None) -> tuple[Participant, str]:
    """A new anonymous participant in a group; the token is their only identity. A session
    takes at most `max_participants` (participants coming back are not new)."""
    _live(workshop)
    if max_participants is not None and session.scalar(
            select(func.count()).select_from(Participant)
            .where(Participant.session_id == workshop.id)) >= max_participants:
        raise Conflict(f"this session is full: {max_participants} people have joined",
                       code="session_full")
    group = next((g for g in workshop.groups if g.key == group_key), None)
    if group is None:
        raise Invalid("choose one of the session's groups: "
                      + ", ".join(g.key for g in workshop.groups), code="unknown_group")
    if language not in workshop.languages:
        raise Invalid("choose one of the session's languages: " + ", ".join(workshop.languages),
                      code="unknown_language")
    token = new_token()
    participant = Participant(session_id=workshop.id, public_id=secrets.token_hex(6),
                              token_hash=hash_token(token), group_id=group.id, language=language)
    session.add(participant)
    session.flush()
    return participant, token


def participant_by_token(session: Session, workshop: WorkshopSession,
                         token: Any) -> Participant:
    if isinstance(token, str) and token:
        participant = session.scalar(select(Participant).where(
            Participant.token_hash == hash_token(token),
            Participant.session_id == workshop.id))
        if participant is not None:
            return participant
    raise Unauthorized("this participant token is not valid for this session", code="bad_token")


def set_language(workshop: WorkshopSession, participant: Participant, language: Any) -> None:
    if language not in workshop.languages:
        raise Invalid("choose one of the session's languages: " + ", ".join(workshop.languages),
                      code="unknown_language")
    participant.language = language


def lock_session(session: Session, workshop: WorkshopSession, *, shared: bool) -> None:
    """Order writes on PostgreSQL: votes take the session row shared, facilitator actions
    exclusively, so no vote lands in a round that is being closed or a session being ended.
    The row is re-read, so the checks that follow see what the other writer committed.
    (SQLite's BEGIN IMMEDIATE already runs one write transaction at a time.)"""
    session.execute(select(WorkshopSession).where(WorkshopSession.id == workshop.id)
                    .with_for_update(read=shared)
                    .execution_options(populate_existing=True))


def get_round(session: Session, workshop: WorkshopSession, round_id: Any,
              *, lock: bool = False, texts: bool = True) -> Round:
    """The round, re-read. texts=False leaves its question and items (JSON in every language)
    to be loaded if they are read: a vote needs neither."""
    if isinstance(round_id, int) and not isinstance(round_id, bool) and 0 < round_id < 2**31:
        query = (select(Round).where(Round.id == round_id, Round.session_id == workshop.id)
                 .execution_options(populate_existing=True))
        if not texts:
            query = query.options(defer(Round.items), defer(Round.question))
        if lock:
            query = query.with_for_update()
        found = session.scalar(query)
        if found is not None:
            return found
    raise NotFound(f"no round {round_id!r} in this session", code="round_not_found")


def _open_round(session: Session, workshop: WorkshopSession, round_id: Any,
                participant: Participant) -> Round:
    lock_session(session, workshop, shared=True)
    _live(workshop)
    # Lock the participant's row: on PostgreSQL two votes of one participant then run one after
    # the other, so a dots budget cannot be overspent by racing votes. (SQLite's BEGIN
    # IMMEDIATE already serialises every write.)
    session.execute(select(Participant.id).where(Participant.id == participant.id)
                    .with_for_update())
    rnd = get_round(session, workshop, round_id, texts=False)
    if rnd.state != "open":
        raise Conflict("this round is not open for votes", code="round_not_open")
    return rnd


# The item ids of rounds that have been opened, which can no longer be changed
# (replace_agenda): read once per process, not decoded from the round for every vote.
_ITEM_IDS: dict[tuple[str, int], frozenset[str]] = {}
_ITEM_IDS_KEPT = 4096


def item_ids(session: Session, session_id: str, round_id: int, state: str) -> frozenset[str]:
    key = (session_id, round_id)
    found = _ITEM_IDS.get(key)
    if found is None:
        items = session.scalar(select(Round.items).where(Round.id == round_id))
        found = frozenset(item["id"] for item in items or ())
        if state == "pending":
            return found  # may still change
        if len(_ITEM_IDS) >= _ITEM_IDS_KEPT:
            del _ITEM_IDS[next(iter(_ITEM_IDS))]
        _ITEM_IDS[key] = found
    return found


# What a vote needs to know, in one statement: the session still running, the participant
# still in it, the round's state and rules. On PostgreSQL the session row is held shared, so
# no vote lands in a round that is being closed or a session being ended (lock_session).
_VOTE_CHECK = (
    select(WorkshopSession.ended_at, Participant.id, Round.state, Round.kind, Round.attempt,
           Round.budget, Round.max_per_item)
    .select_from(Round)
    .join(WorkshopSession, WorkshopSession.id == Round.session_id)
    .join(Participant, Participant.session_id == Round.session_id)
    .where(Round.id == bindparam("round_id"), Round.session_id == bindparam("session_id"),
           Participant.id == bindparam("participant_id"))
    .with_for_update(read=True, of=WorkshopSession)
)
_VOTE_KEY = ("round_id", "attempt", "participant_id", "item_id")
_VOTE_WHERE = [getattr(Vote, column) == bindparam(column) for column in _VOTE_KEY]
_VOTE_DELETE = delete(Vote).where(*_VOTE_WHERE)
_POINTS_ELSEWHERE = select(func.coalesce(func.sum(Vote.value), 0)).where(
    *_VOTE_WHERE[:3], Vote.item_id != bindparam("item_id"))
_PARTICIPANT_LOCK = (select(Participant.id).where(Participant.id == bindparam("participant_id"))
                     .with_for_update())


def _vote_upsert(dialect: str):
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Vote.__table__)  # the values come as parameters: compiled once
    return statement.on_conflict_do_update(
        index_elements=list(_VOTE_KEY),
        set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at})


_VOTE_UPSERT = {dialect: _vote_upsert(dialect) for dialect in ("sqlite", "postgresql")}


def cast_vote(session: Session, workshop: WorkshopSession, participant: Participant,
              round_id: Any, item_id: Any, value: Any) -> dict[str, Any]:
    """Set, change or (value None) withdraw a participant's vote on one item."""
    return record_vote(session, workshop.id, participant.id, round_id, item_id, value)


def record_vote(session: Session, session_id: str, participant_id: int,
                round_id: Any, item_id: Any, value: Any) -> dict[str, Any]:
    """cast_vote by ids: the path every vote from a phone takes, so it reads no session,
    participant or round object, only the few values the rules need (2-4 statements)."""
    usable = isinstance(round_id, int) and not isinstance(round_id, bool) and \
        0 < round_id < 2**31
    session.flush()  # what this transaction changed through the ORM, before Core reads it
    connection = session.connection()  # Core statements: no ORM objects made or flushed
    row = connection.execute(_VOTE_CHECK, {"round_id": round_id, "session_id": session_id,
                                        "participant_id": participant_id}).first() \
        if usable else None
    if row is None or row.ended_at is not None or row.state != "open":
        _why_not(session, session_id, participant_id, round_id)
    if row.kind == "ideas":
        raise Invalid("an ideas round takes ideas and upvotes, not votes", code="wrong_kind")
    if not isinstance(item_id, str) or item_id not in item_ids(session, session_id, round_id,
                                                                row.state):
        raise NotFound(f"no item {item_id!r} in this round", code="item_not_found")
    stored = _stored_value(row.kind, value)
    key = {"round_id": round_id, "attempt": row.attempt, "participant_id": participant_id,
           "item_id": item_id}
    answer: dict[str, Any] = {"round": round_id, "item": item_id, "value": value,
                              "attempt": row.attempt}
    if row.kind == "dots":
        # On PostgreSQL two votes of one participant run one after the other, so a budget
        # cannot be overspent by racing votes (SQLite's BEGIN IMMEDIATE serialises every write).
        connection.execute(_PARTICIPANT_LOCK, {"participant_id": participant_id})
        stored = stored or 0  # null takes the points back, as 0 does
        others = connection.scalar(_POINTS_ELSEWHERE, key)
        if stored > row.max_per_item:
            raise Invalid(f"at most {row.max_per_item} points on one item",
                          code="over_item_max")
        if others + stored > row.budget:
            raise Invalid(f"only {row.budget - others} of your {row.budget} points are left",
                          code="over_budget")
        answer["points_left"] = row.budget - others - stored
        stored = stored or None  # no points: no vote row
    if stored is None:
        connection.execute(_VOTE_DELETE, key)
    else:
        now = utcnow()
        connection.execute(_VOTE_UPSERT[connection.dialect.name],
                           {**key, "value": stored, "created_at": now, "updated_at": now})
    return answer


def _why_not(session: Session, session_id: str, participant_id: int, round_id: int) -> None:
    """Raise what stops a vote, in the order a phone should hear it."""
    workshop = session.get(WorkshopSession, session_id)
    if workshop is None:
        raise NotFound("this session was deleted", code="session_not_found")
    participant = session.get(Participant, participant_id)
    if participant is None or participant.session_id != session_id:
        raise NotFound("this participant was removed", code="participant_not_found")
    _open_round(session, workshop, round_id, participant)
    raise AssertionError("a vote refused for no reason")  # pragma: no cover


def _stored_value(kind: str, value: Any) -> int | None:
    if value is None:
        return None
    if kind == "rating":
        if value == "cant_judge":
            return CANT_JUDGE
        if isinstance(value, int) and not isinstance(value, bool) and value in RATING_VALUES:
            return value
        raise Invalid('a rating is 1 to 5, "cant_judge", or null to withdraw',
                      code="invalid_value")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise Invalid("points are a whole number from 0 up", code="invalid_value")


JOINERS = "\u200c\u200d"  # zero-width non-joiner, zero-width joiner


def submit_idea(session: Session, workshop: WorkshopSession, participant: Participant,
                round_id: Any, text: Any) -> Idea:
    rnd = _open_round(session, workshop, round_id, participant)
    if rnd.kind != "ideas":
        raise Invalid("this round takes votes, not ideas", code="wrong_kind")
    if not isinstance(text, str):
        raise Invalid("write a few words", code="idea_empty")
    # Control characters have no place on a projector or in a spreadsheet. The zero-width
    # non-joiner and joiner stay: Farsi spells with them ("می‌خواهم"), and emoji too.
    text = " ".join("".join(c for c in text if c.isprintable() or c.isspace()
                            or c in JOINERS).split()).strip(JOINERS)
    if not text:
        raise Invalid("write a few words", code="idea_empty")
    if len(text) > MAX_IDEA_LENGTH:
        raise Invalid(f"at most {MAX_IDEA_LENGTH} characters", code="idea_too_long")
    mine = session.scalar(select(func.count()).select_from(Idea).where(
        Idea.round_id == rnd.id, Idea.attempt == rnd.attempt,
        Idea.participant_id == participant.id))
    if mine >= MAX_IDEAS_PER_PARTICIPANT:
        raise Conflict(f"at most {MAX_IDEAS_PER_PARTICIPANT} ideas each", code="too_many_ideas")
    idea = Idea(round_id=rnd.id, attempt=rnd.attempt, participant_id=participant.id, text=text,
                hidden=False, approved=False)
    session.add(idea)
    session.flush()
    return idea


def idea_visible(rnd: Round, idea: Idea) -> bool:
    """Whether everyone may see an idea: not hidden, and approved where the round asks that."""
    return not idea.hidden and (rnd.moderation != "pre" or idea.approved)


def idea_status(rnd: Round, idea: Idea) -> str:
    """shown, hidden (by the facilitator) or waiting (for approval in a "pre" round)."""
    if idea.hidden:
        return "hidden"
    return "shown" if idea_visible(rnd, idea) else "waiting"


def upvote(session: Session, workshop: WorkshopSession, participant: Participant,
           idea_id: Any, on: Any = True) -> tuple[Idea, int]:
    """Add (or with on=False take back) the participant's upvote; returns the idea and count."""
    if not isinstance(on, bool):
        raise Invalid("'on' is true or false", code="bad_request")
    idea = session.get(Idea, idea_id) if isinstance(idea_id, int) else None
    if idea is None:
        raise NotFound(f"no idea {idea_id!r} to upvote", code="idea_not_found")
    rnd = _open_round(session, workshop, idea.round_id, participant)
    if idea.attempt != rnd.attempt or not idea_visible(rnd, idea):
        raise NotFound(f"no idea {idea_id!r} to upvote", code="idea_not_found")
    if idea.participant_id == participant.id:
        raise Invalid("you cannot upvote your own idea", code="own_idea")
    existing = session.scalar(select(Upvote).where(Upvote.idea_id == idea.id,
                                                   Upvote.participant_id == participant.id))
    if on and existing is None:
        session.add(Upvote(idea_id=idea.id, participant_id=participant.id))
    elif not on and existing is not None:
        session.delete(existing)
    session.flush()
    count = session.scalar(select(func.count()).select_from(Upvote)
                           .where(Upvote.idea_id == idea.id))
    return idea, count


# Facilitator actions. Each returns the rounds it changed, so the caller can broadcast them.

def _round_to_change(session: Session, workshop: WorkshopSession, round_id: Any) -> Round:
    """The round a facilitator action changes, with the session locked against votes."""
    lock_session(session, workshop, shared=False)
    _live(workshop)
    return get_round(session, workshop, round_id, lock=True)


def open_round(session: Session, workshop: WorkshopSession, round_id: Any) -> list[Round]:
    """Open a pending round; a round that was open until now is closed, keeping its votes."""
    rnd = _round_to_change(session, workshop, round_id)
    if rnd.state == "open":
        return []
    if rnd.state == "closed":
        raise Conflict("this round is closed; reopen it for a second vote",
                       code="invalid_transition")
    changed = _close_open_rounds(workshop, except_id=rnd.id)
    rnd.state, rnd.opened_at = "open", utcnow()
    workshop.current_round_id = rnd.id
    return [*changed, rnd]


def _close_open_rounds(workshop: WorkshopSession, except_id: int | None = None) -> list[Round]:
    closed = []
    for other in workshop.rounds:
        if other.state == "open" and other.id != except_id:
            _close(workshop, other)
            closed.append(other)
    return closed


def _close(workshop: WorkshopSession, rnd: Round) -> None:
    """Voting stops, and so does the countdown that was running for it."""
    rnd.state, rnd.closed_at = "closed", utcnow()
    workshop.timer_ends_at = workshop.timer_seconds = None


def close_round(session: Session, workshop: WorkshopSession, round_id: Any) -> list[Round]:
    rnd = _round_to_change(session, workshop, round_id)
    if rnd.state == "closed":
        return []
    if rnd.state != "open":
        raise Conflict("only an open round can be closed", code="invalid_transition")
    _close(workshop, rnd)
    return [rnd]


def reveal_round(session: Session, workshop: WorkshopSession, round_id: Any,
                 revealed: bool = True) -> list[Round]:
    lock_session(session, workshop, shared=False)
    rnd = get_round(session, workshop, round_id, lock=True)
    if rnd.state == "pending" and revealed:
        raise Conflict("a round that has not been opened has no results",
                       code="invalid_transition")
    if rnd.revealed == revealed:
        return []
    rnd.revealed = revealed
    if revealed:
        workshop.current_round_id = rnd.id
    return [rnd]


def reopen_round(session: Session, workshop: WorkshopSession, round_id: Any) -> list[Round]:
    """A second vote after discussion: a new attempt; the first attempt's votes are kept."""
    rnd = _round_to_change(session, workshop, round_id)
    if rnd.state != "closed":
        raise Conflict("only a closed round can be reopened", code="invalid_transition")
    changed = _close_open_rounds(workshop, except_id=rnd.id)
    rnd.state, rnd.attempt, rnd.revealed = "open", rnd.attempt + 1, False
    rnd.opened_at, rnd.closed_at = utcnow(), None
    workshop.current_round_id = rnd.id
    return [*changed, rnd]


def _idea_of(session: Session, workshop: WorkshopSession, idea_id: Any) -> tuple[Idea, Round]:
    idea = session.get(Idea, idea_id) if isinstance(idea_id, int) else None
    rnd = session.get(Round, idea.round_id) if idea is not None else None
    if rnd is None or rnd.session_id != workshop.id:
        raise NotFound(f"no idea {idea_id!r} in this session", code="idea_not_found")
    return idea, rnd


def hide_idea(session: Session, workshop: WorkshopSession, idea_id: Any,
              hidden: Any = True) -> tuple[Idea, Round]:
    """Hide an idea from everyone but its author and the facilitator; hidden=False shows it
    (and so approves it)."""
    if not isinstance(hidden, bool):
        raise Invalid("'hidden' is true or false", code="bad_request")
    idea, rnd = _idea_of(session, workshop, idea_id)
    idea.hidden = hidden
    if not hidden:
        idea.approved = True
    return idea, rnd


def approve_idea(session: Session, workshop: WorkshopSession, idea_id: Any) -> tuple[Idea, Round]:
    """Show a waiting (or hidden) idea to everyone."""
    idea, rnd = _idea_of(session, workshop, idea_id)
    idea.approved, idea.hidden = True, False
    return idea, rnd


def mark_done(session: Session, workshop: WorkshopSession, participant: Participant,
              round_id: Any, done: Any = True) -> Round:
    """A participant says they are done with a round (or, done=False, not yet)."""
    if not isinstance(done, bool):
        raise Invalid("'done' is true or false", code="bad_request")
    rnd = _open_round(session, workshop, round_id, participant)
    existing = session.scalar(select(Completion).where(
        Completion.round_id == rnd.id, Completion.attempt == rnd.attempt,
        Completion.participant_id == participant.id))
    if done and existing is None:
        session.add(Completion(round_id=rnd.id, attempt=rnd.attempt,
                               participant_id=participant.id))
    elif not done and existing is not None:
        session.delete(existing)
    session.flush()
    return rnd


def set_timer(workshop: WorkshopSession, seconds: Any) -> None:
    """Start a countdown of `seconds`; 0 stops it."""
    if (isinstance(seconds, bool) or not isinstance(seconds, int)
            or not 0 <= seconds <= MAX_TIMER_SECONDS):
        raise Invalid(f"seconds is a whole number from 0 to {MAX_TIMER_SECONDS}",
                      code="bad_request")
    if seconds == 0:
        workshop.timer_ends_at = workshop.timer_seconds = None
    else:
        workshop.timer_ends_at = utcnow() + timedelta(seconds=seconds)
        workshop.timer_seconds = seconds


def end_session(session: Session, workshop: WorkshopSession) -> list[Round]:
    """No more votes; the code is free for new sessions. Everything stays for the results."""
    lock_session(session, workshop, shared=False)
    if workshop.ended_at is not None:
        return []
    changed = _close_open_rounds(workshop)
    workshop.ended_at = utcnow()
    workshop.timer_ends_at = workshop.timer_seconds = None
    return changed


def allowed_actions(workshop: WorkshopSession, rnd: Round) -> list[str]:
    """The facilitator events this round accepts now, in the order a console offers them:
    pending -> open; open -> close, show/hide results; closed -> show/hide results, reopen.
    After the end only showing and hiding results remain."""
    live = workshop.ended_at is None
    actions = []
    if live and rnd.state == "pending":
        actions.append("open_round")
    if live and rnd.state == "open":
        actions.append("close_round")
    if rnd.state != "pending":
        actions.append("hide_round" if rnd.revealed else "reveal_round")
    if live and rnd.state == "closed":
        actions.append("reopen_round")
    return actions


def editable(workshop: WorkshopSession, rnd: Round) -> bool:
    """Whether the agenda editor may still change or remove the round."""
    return workshop.ended_at is None and rnd.state == "pending"


def results_visible(rnd: Round, role: str) -> bool:
    """Who may see a round's results: the facilitator and organisers once it has been opened,
    everyone else (phones, projector) once the facilitator revealed them."""
    if rnd.state == "pending":
        return False
    return rnd.revealed or role in ("facilitator", "organiser")
