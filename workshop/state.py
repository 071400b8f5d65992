"""Plain-data views of a session, in one language, for the API and the live clients."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from workshop import results
from workshop.models import Group, Idea, Participant, Round, Upvote, Vote, WorkshopSession
from workshop.results import Ballot


def pick(texts: dict[str, str] | str | None, language: str, fallbacks: list[str]) -> str:
    """The text in `language`, else in the first fallback that has one."""
    if texts is None:
        return ""
    if isinstance(texts, str):
        return texts
    for lang in (language, *fallbacks):
        if texts.get(lang):
            return texts[lang]
    return next(iter(texts.values()), "")


def choose_language(workshop: WorkshopSession, wanted: str | None) -> str:
    return wanted if wanted in workshop.languages else workshop.languages[0]


def field_titles(workshop: WorkshopSession, language: str) -> dict[str, str]:
    return {f["id"]: pick(f["title"], language, workshop.languages)
            for f in workshop.catalogue["action_fields"]}


def principle_group_titles(workshop: WorkshopSession, language: str) -> dict[str, str]:
    return {g["id"]: pick(g["title"], language, workshop.languages)
            for f in workshop.catalogue["action_fields"] for g in f["principle_groups"]}


def round_state(r: Round, language: str, languages: list[str],
                titles: dict[str, str],
                group_titles: dict[str, str] | None = None) -> dict[str, Any]:
    data = {
        "id": r.id,
        "position": r.position,
        "kind": r.kind,
        "field": r.field,
        "field_title": titles.get(r.field, "") if r.field else "",
        "target": r.target,
        "question": pick(r.question, language, languages),
        "state": r.state,
        "revealed": r.revealed,
        "attempt": r.attempt,
        "items": [
            {"id": item["id"], "text": pick(item["text"], language, languages),
             **({"group": item["group"],
                 "group_title": (group_titles or {}).get(item["group"], "")}
                if "group" in item else {})}
            for item in r.items
        ],
    }
    if r.kind == "dots":
        data["budget"] = r.budget
        data["max_per_item"] = r.max_per_item
    return data


def session_state(workshop: WorkshopSession, language: str | None = None) -> dict[str, Any]:
    language = choose_language(workshop, language)
    languages = workshop.languages
    titles = field_titles(workshop, language)
    group_titles = principle_group_titles(workshop, language)
    return {
        "id": workshop.id,
        "title": workshop.title,
        "place": workshop.place,
        "date": workshop.date,
        "catalogue": workshop.catalogue_id,
        "languages": languages,
        "language": language,
        "join_code": workshop.join_code,
        "created_at": as_utc(workshop.created_at).isoformat(),
        "ended": workshop.ended_at is not None,
        "groups": [{"id": g.key, "name": pick(g.name, language, languages)}
                   for g in workshop.groups],
        "rounds": [round_state(r, language, languages, titles, group_titles)
                   for r in workshop.rounds],
    }


# --- Live views: results, tallies, ideas, a participant's own choices ------------------------

def ballots(session: Session, rnd: Round, attempt: int | None = None) -> list[Ballot]:
    rows = session.execute(
        select(Vote.participant_id, Group.key, Vote.item_id, Vote.value)
        .join(Participant, Participant.id == Vote.participant_id)
        .join(Group, Group.id == Participant.group_id)
        .where(Vote.round_id == rnd.id, Vote.attempt == (attempt or rnd.attempt))
    )
    return [Ballot(*row) for row in rows]


def ideas(session: Session, rnd: Round, *, viewer: int | None = None,
          include_hidden: bool = False, attempt: int | None = None) -> list[dict[str, Any]]:
    """The round's ideas, most upvoted first; `mine`/`upvoted` from the viewer's side."""
    upvotes = (select(Upvote.idea_id, func.count().label("n"))
               .group_by(Upvote.idea_id).subquery())
    query = (select(Idea, func.coalesce(upvotes.c.n, 0))
             .outerjoin(upvotes, upvotes.c.idea_id == Idea.id)
             .where(Idea.round_id == rnd.id, Idea.attempt == (attempt or rnd.attempt))
             .order_by(func.coalesce(upvotes.c.n, 0).desc(), Idea.id))
    if not include_hidden:
        query = query.where(Idea.hidden.is_(False))
    mine_upvoted = set()
    if viewer is not None:
        mine_upvoted = set(session.scalars(select(Upvote.idea_id).join(Idea).where(
            Idea.round_id == rnd.id, Upvote.participant_id == viewer)))
    out = []
    for idea, count in session.execute(query):
        entry = {"id": idea.id, "text": idea.text, "upvotes": count}
        if include_hidden:
            entry["hidden"] = idea.hidden
        if viewer is not None:
            entry["mine"] = idea.participant_id == viewer
            entry["upvoted"] = idea.id in mine_upvoted
        out.append(entry)
    return out


def round_results(session: Session, workshop: WorkshopSession, rnd: Round,
                  attempt: int | None = None) -> dict[str, Any]:
    attempt = attempt or rnd.attempt
    head = {"round": rnd.id, "kind": rnd.kind, "attempt": attempt}
    if rnd.kind == "ideas":
        found = ideas(session, rnd, attempt=attempt)
        return {**head, "ideas": found, "items": found}
    group_keys = [g.key for g in workshop.groups]
    items = [item["id"] for item in rnd.items]
    return {**head, **results.round_results(rnd.kind, items, ballots(session, rnd, attempt),
                                            group_keys)}


def tally(session: Session, workshop: WorkshopSession, rnd: Round) -> dict[str, Any]:
    """Who has voted in the round's current attempt, overall and per group, and per item."""
    if rnd.kind == "ideas":
        # Taking part in an ideas round: writing an idea or supporting one.
        authors = select(Idea.participant_id.label("pid")).where(
            Idea.round_id == rnd.id, Idea.attempt == rnd.attempt)
        supporters = select(Upvote.participant_id.label("pid")).join(
            Idea, Idea.id == Upvote.idea_id).where(Idea.round_id == rnd.id,
                                                   Idea.attempt == rnd.attempt)
        active = union(authors, supporters).subquery()
        rows = session.execute(
            select(Group.key, func.count(func.distinct(active.c.pid)))
            .join(Participant, Participant.id == active.c.pid)
            .join(Group, Group.id == Participant.group_id)
            .group_by(Group.key))
        per_item: dict[str, int] = {}
    else:
        rows = session.execute(
            select(Group.key, func.count(func.distinct(Vote.participant_id)))
            .join(Participant, Participant.id == Vote.participant_id)
            .join(Group, Group.id == Participant.group_id)
            .where(Vote.round_id == rnd.id, Vote.attempt == rnd.attempt)
            .group_by(Group.key))
        per_item = dict(session.execute(
            select(Vote.item_id, func.count()).where(Vote.round_id == rnd.id,
                                                     Vote.attempt == rnd.attempt)
            .group_by(Vote.item_id)).all())
    by_group = dict(rows.all())
    groups = {g.key: by_group.get(g.key, 0) for g in workshop.groups}
    return {"round": rnd.id, "attempt": rnd.attempt, "voted": sum(groups.values()),
            "voted_by_group": groups, "items": per_item}


def own_choices(session: Session, workshop: WorkshopSession,
                participant: Participant) -> dict[str, Any]:
    """A participant's votes in every round's current attempt, and their upvotes."""
    rounds = {r.id: r for r in workshop.rounds}
    votes: dict[int, dict[str, Any]] = {}
    for round_id, attempt, item, value in session.execute(
            select(Vote.round_id, Vote.attempt, Vote.item_id, Vote.value)
            .where(Vote.participant_id == participant.id)):
        if round_id in rounds and rounds[round_id].attempt == attempt:
            votes.setdefault(round_id, {})[item] = results.vote_value(rounds[round_id].kind,
                                                                     value)
    return {"votes": {str(k): v for k, v in votes.items()}}


def live_state(session: Session, workshop: WorkshopSession, role: str, language: str | None,
               participant: Participant | None = None,
               presence: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything a client needs to redraw after (re)connecting."""
    base = session_state(workshop, language)
    staff = role in ("facilitator", "projector")
    shown_results = {}
    for r in workshop.rounds:
        if r.state != "pending" and (r.revealed or role == "facilitator"):
            shown_results[str(r.id)] = round_results(session, workshop, r)
    state = {
        "role": role,
        "session": {k: base[k] for k in ("id", "title", "place", "date", "languages",
                                         "language", "join_code", "ended", "groups")},
        "rounds": base["rounds"],
        "current_round": workshop.current_round_id,
        "results": shown_results,
        "ideas": {},
        "timer": timer_state(workshop),
        "me": None,
    }
    viewer = participant.id if participant else None
    for r in workshop.rounds:
        if r.kind == "ideas" and r.state != "pending":
            state["ideas"][str(r.id)] = ideas(session, r, viewer=viewer,
                                              include_hidden=role == "facilitator")
    if staff:
        state["tally"] = {str(r.id): tally(session, workshop, r) for r in workshop.rounds
                          if r.state != "pending"}
        state["presence"] = presence
    if participant is not None:
        group = next(g for g in workshop.groups if g.id == participant.group_id)
        state["me"] = {"id": participant.public_id, "group": group.key,
                       "language": participant.language,
                       **own_choices(session, workshop, participant)}
    return state


def timer_state(workshop: WorkshopSession) -> dict[str, Any] | None:
    """The countdown; `now` is the server's clock, so a phone with a wrong clock counts right."""
    if workshop.timer_ends_at is None:
        return None
    return {"ends_at": as_utc(workshop.timer_ends_at).isoformat(),
            "seconds": workshop.timer_seconds, "now": datetime.now(UTC).isoformat()}


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything is stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
