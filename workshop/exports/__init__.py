"""Downloads of a session's data: one module per format, all with the same signature.

Each format is a module in this package with one function::

    def export(ctx: Context) -> Export

`ctx` (a `Context`) carries the open read session, the `WorkshopSession`, the language of
the export with its Translator (`ctx.tr`, for every label: formats never read a request's
locale) and the key for pseudonyms, plus the helpers every format shares: the pseudonymous
participant ids, the small-group rule for per-vote rows, round numbers, and the per-vote rows
themselves. `Export` is the pair `(content: bytes, mimetype: str)`.

To add a format, write `workshop/exports/<fmt>.py` with `export(ctx)` and add `"<fmt>"` to
`FORMATS` (and to `WORDED_FORMATS` if it is written in a language, which its file name then
names); the download route, its file name and the 404 for unknown formats follow from
the registry. Modules are imported on first use, so a heavy library (openpyxl, a PDF
renderer) costs nothing until someone downloads that format.

Privacy, the same for every format: no IP address, user agent or token exists to export. A
participant appears only as `pseudonym()`: an HMAC of their row id keyed with the server's
SECRET_KEY and the session id, so it is stable across exports of one session on one server,
but cannot be linked to the `public_id` a phone knows nor to another session.
"""

import hashlib
import hmac
import importlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.i18n import Translator
from workshop.models import Participant, Round, Vote, WorkshopSession
from workshop.results import MIN_GROUP_VOTERS, suppressed_groups, vote_value  # noqa: F401 - part of the API
from workshop.state import choose_language, pick

# The registry: every name is a module of this package with export(ctx) -> Export.
FORMATS: tuple[str, ...] = ("csv", "xlsx", "json", "pdf", "md")
# Formats written for people, in one language; CSV and JSON are for machines (ids, no labels).
WORDED_FORMATS = frozenset({"xlsx", "pdf", "md"})

PSEUDONYM_PREFIX = "P-"
PSEUDONYM_LENGTH = 8  # hex digits; lengthened for a whole session if two would collide

# Columns of the per-vote rows (CSV, and the XLSX "Votes" sheet), in order.
VOTE_COLUMNS = ("participant", "group", "round", "round_kind", "field", "target", "attempt",
                "item", "value", "time")


class Export(NamedTuple):
    content: bytes
    mimetype: str


Exporter = Callable[["Context"], Export]


class UnknownFormat(LookupError):
    pass


def _module(fmt: str):
    if fmt not in FORMATS:
        raise UnknownFormat(fmt)
    return importlib.import_module(f"{__name__}.{fmt}")


def exporter(fmt: str) -> Exporter:
    """The export function of a registered format; UnknownFormat for anything else."""
    return _module(fmt).export


def prepare(fmt: str, ctx: "Context") -> Callable[[], Export]:
    """An export in two steps: what the format needs is read now, inside the caller's read
    transaction; the returned function writes the file from it, touching neither database nor
    request, so it can run off the event loop (`offload`) after the transaction closed.
    A format with heavy writing (PDF, XLSX, JSON) has `prepare(ctx)`; the others are
    written at once."""
    module = _module(fmt)
    if hasattr(module, "prepare"):
        return module.prepare(ctx)
    done = module.export(ctx)
    return lambda: done


def pseudonyms(secret_key: str, session_id: str, participant_ids: list[int]) -> dict[int, str]:
    """"P-3f9c0a1b" per participant row id; longer for the whole session if two collide."""
    key = secret_key.encode()
    digests = {
        pid: hmac.new(key, f"participant:{session_id}:{pid}".encode(), hashlib.sha256).hexdigest()
        for pid in participant_ids
    }
    for length in (PSEUDONYM_LENGTH, 16, 64):
        short = {pid: digest[:length] for pid, digest in digests.items()}
        if len(set(short.values())) == len(short):
            break
    return {pid: PSEUDONYM_PREFIX + value for pid, value in short.items()}


def utc(moment: datetime | None) -> datetime | None:
    """Aware UTC; SQLite hands back naive datetimes, and we store UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds and a Z: 2026-03-14T09:30:12.345Z."""
    moment = utc(moment)
    if moment is None:
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


_TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae",
                                "Ö": "Oe", "Ü": "Ue"})


def slug(text: str, limit: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    ascii_text = ascii_text.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")


def filename(workshop: WorkshopSession, fmt: str, language: str) -> str:
    """<slug of the title>-<date>-<language>.<fmt>, without the language for CSV and JSON;
    the date is the workshop's, else its creation day."""
    day = workshop.date or utc(workshop.created_at).date().isoformat()
    stem = f"{slug(workshop.title) or 'session'}-{day}"
    if fmt in WORDED_FORMATS:
        stem += f"-{slug(language) or 'xx'}"
    return f"{stem}.{fmt}"


def comparison_filename(first: dict[str, str], second: dict[str, str], language: str) -> str:
    """comparison-<slug>-<date>-<slug>-<date>-<language>.pdf for two sessions' titles and
    dates, earlier first; a title both share is named once."""
    parts = ["comparison"]
    for session in (first, second):
        name = slug(session["title"], 40) or "session"
        if name not in parts:
            parts.append(name)
        parts.append(session["date"])
    return "-".join(p for p in [*parts, slug(language) or "xx"] if p) + ".pdf"


@dataclass
class Context:
    """What an exporter needs; built inside `db.read()` and used only while it is open."""

    session: Session
    workshop: WorkshopSession
    language: str
    secret_key: str

    def __post_init__(self) -> None:
        self.language = choose_language(self.workshop, self.language)

    @cached_property
    def tr(self) -> Translator:
        """The export's labels in its language."""
        return Translator(self.language)

    def text(self, texts: dict[str, str] | str | None) -> str:
        """A catalogue text in the export's language (else the session's next language)."""
        return pick(texts, self.language, self.workshop.languages)

    @cached_property
    def participants(self) -> list[Participant]:
        return list(self.session.scalars(
            select(Participant).where(Participant.session_id == self.workshop.id)
            .order_by(Participant.joined_at, Participant.id)))

    @cached_property
    def pseudonym(self) -> dict[int, str]:
        """Participant row id -> pseudonym."""
        return pseudonyms(self.secret_key, self.workshop.id, [p.id for p in self.participants])

    @cached_property
    def group_key(self) -> dict[int, str]:
        """Participant row id -> the key of their group."""
        keys = {g.id: g.key for g in self.workshop.groups}
        return {p.id: keys[p.group_id] for p in self.participants}

    @cached_property
    def group_members(self) -> dict[str, int]:
        """Participants per group key (every declared group, 0 if nobody joined it)."""
        counts = Counter(self.group_key.values())
        return {g.key: counts[g.key] for g in self.workshop.groups}

    @cached_property
    def small_groups(self) -> set[str]:
        """Groups whose per-vote rows carry no group: those with fewer than MIN_GROUP_VOTERS
        members, since a group of one or two would name its members' votes, and as many more
        as the privacy rule needs so that the unlabelled rows never belong to just one or two
        people (results.suppressed_groups)."""
        return suppressed_groups(list(self.group_members), self.group_members)

    def shown_group(self, participant_id: int) -> str:
        key = self.group_key[participant_id]
        return "" if key in self.small_groups else key

    @staticmethod
    def round_number(rnd: Round) -> int:
        """Rounds are numbered by their place in the agenda, from 1: stable across an import,
        unlike the database id."""
        return rnd.position + 1

    @cached_property
    def votes(self) -> list[Vote]:
        """Every vote of every attempt, by round, attempt and time."""
        positions = {r.id: r.position for r in self.workshop.rounds}
        rows = self.session.scalars(
            select(Vote).join(Round, Round.id == Vote.round_id)
            .where(Round.session_id == self.workshop.id))
        return sorted(rows, key=lambda v: (positions[v.round_id], v.attempt,
                                           utc(v.updated_at), v.id))

    def vote_rows(self) -> list[dict[str, Any]]:
        """One row per vote with VOTE_COLUMNS, pseudonymous and with the small-group rule.

        `time` is when the vote was last set (an aware UTC datetime); `value` is a rating
        1-5, "cant_judge", or the points of a dots vote.
        """
        rounds = {r.id: r for r in self.workshop.rounds}
        out = []
        for vote in self.votes:
            rnd = rounds[vote.round_id]
            out.append({
                "participant": self.pseudonym[vote.participant_id],
                "group": self.shown_group(vote.participant_id),
                "round": self.round_number(rnd),
                "round_kind": rnd.kind,
                "field": rnd.field or "",
                "target": rnd.target,
                "attempt": vote.attempt,
                "item": vote.item_id,
                "value": vote_value(rnd.kind, vote.value),
                "time": utc(vote.updated_at),
            })
        return out
