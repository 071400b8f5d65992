"""Plain-data views of a session, in one language, for the API and the live clients."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer
from sqlalchemy.orm.attributes import set_committed_value

from workshop import results, voting
from workshop.models import (
    Completion,
    Group,
    Idea,
    Participant,
    Round,
    Upvote,
    Vote,
    WorkshopSession,
)
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


# A session's catalogue is a snapshot that never changes: its titles per language are read
# once per process, not decoded again for every screen that is sent a round.
_TITLES: dict[tuple[str, str], tuple[dict[str, str], dict[str, str]]] = {}
_TITLES_KEPT = 256  # sessions x languages; the oldest is forgotten first


def _titles(workshop: WorkshopSession, language: str) -> tuple[dict[str, str], dict[str, str]]:
    key = (workshop.id, language)
    found = _TITLES.get(key)
    if found is None:
        fields = workshop.catalogue["action_fields"]
        found = ({f["id"]: pick(f["title"], language, workshop.languages) for f in fields},
                 {g["id"]: pick(g["title"], language, workshop.languages)
                  for f in fields for g in f["principle_groups"]})
        if len(_TITLES) >= _TITLES_KEPT:
            del _TITLES[next(iter(_TITLES))]
        _TITLES[key] = found
    return found


def field_titles(workshop: WorkshopSession, language: str) -> dict[str, str]:
    return _titles(workshop, language)[0]


def principle_group_titles(workshop: WorkshopSession, language: str) -> dict[str, str]:
    return _titles(workshop, language)[1]


# A round's texts as screens are sent them, per language: the same until the agenda is edited
# (WorkshopSession.agenda_version), so a phone connecting decodes none of them again.
_TEXTS: dict[tuple[str, int, int, str], dict[str, Any]] = {}
_TEXTS_KEPT = 4096


def round_texts(r: Round, language: str, languages: list[str],
                group_titles: dict[str, str] | None,
                workshop: WorkshopSession) -> dict[str, Any]:
    key = (workshop.id, r.id, workshop.agenda_version or 0, language)
    found = _TEXTS.get(key)
    if found is None:
        found = {
            "question": pick(r.question, language, languages),
            # Every language's question, so an agenda editor can send it back unchanged.
            "questions": {lang: r.question.get(lang, "") for lang in languages},
            "items": [
                {"id": item["id"], "text": pick(item["text"], language, languages),
                 **({"group": item["group"],
                     "group_title": (group_titles or {}).get(item["group"], "")}
                    if "group" in item else {})}
                for item in r.items
            ],
        }
        if r.id is None:
            return found  # not stored yet: no key of its own
        if len(_TEXTS) >= _TEXTS_KEPT:
            del _TEXTS[next(iter(_TEXTS))]
        _TEXTS[key] = found
    return found


def load_rounds_without_texts(session: Session, workshop: WorkshopSession) -> None:
    """Load the session's rounds leaving their questions and items (JSON in every language)
    unread until something reads them: round_texts mostly has them already."""
    rounds = session.scalars(select(Round).where(Round.session_id == workshop.id)
                             .order_by(Round.position)
                             .options(defer(Round.items), defer(Round.question))).all()
    set_committed_value(workshop, "rounds", list(rounds))


def round_state(r: Round, language: str, languages: list[str],
                titles: dict[str, str],
                group_titles: dict[str, str] | None = None,
                workshop: WorkshopSession | None = None) -> dict[str, Any]:
    texts = round_texts(r, language, languages, group_titles, workshop or r.session)
    data = {
        "id": r.id,
        "position": r.position,
        "kind": r.kind,
        "field": r.field,
        "field_title": titles.get(r.field, "") if r.field else "",
        "target": r.target,
        "question": texts["question"],
        "questions": texts["questions"],
        "state": r.state,
        "revealed": r.revealed,
        "attempt": r.attempt,
        "items": texts["items"],
    }
    if r.kind == "dots":
        data["budget"] = r.budget
        data["max_per_item"] = r.max_per_item
    if r.kind == "ideas":
        data["moderation"] = r.moderation or "post"
    workshop = workshop or r.session
    data["actions"] = voting.allowed_actions(workshop, r)
    data["editable"] = voting.editable(workshop, r)
    return data


def agenda_catalogue(catalogue: dict[str, Any], language: str,
                     languages: list[str]) -> list[dict[str, Any]]:
    """The action fields and their items in one language, for an agenda editor."""
    return [{
        "id": f["id"],
        "title": pick(f["title"], language, languages),
        "challenges": [{"id": c["id"], "text": pick(c["text"], language, languages)}
                       for c in f["challenges"]],
        "principles": [{"id": p["id"], "text": pick(p["text"], language, languages),
                        "group_title": pick(g["title"], language, languages)}
                       for g in f["principle_groups"] for p in g["principles"]],
    } for f in catalogue["action_fields"]]


def agenda_defaults(languages: list[str]) -> dict[str, Any]:
    """What a new round of each kind starts with, as the domain would fill it in."""
    return {
        "targets": {kind: list(targets) for kind, targets in voting.TARGETS.items()},
        "questions": {f"{kind}:{target}": voting.default_question(kind, target, languages)
                      for kind, targets in voting.TARGETS.items() for target in targets},
        "budget": voting.DEFAULT_BUDGET, "max_per_item": voting.DEFAULT_MAX_PER_ITEM,
        "max_budget": voting.MAX_BUDGET, "max_rounds": voting.MAX_ROUNDS,
        "max_question": voting.MAX_TITLE, "moderation": "pre",
    }


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
        "rounds": [round_state(r, language, languages, titles, group_titles, workshop)
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
    """The round's ideas that everyone may see, most upvoted first; with `viewer` also their
    own waiting or hidden ones; with include_hidden (the facilitator) all of them. Lists
    with a viewer or include_hidden give each idea's `status`: shown, waiting or hidden."""
    upvotes = (select(Upvote.idea_id, func.count().label("n"))
               .group_by(Upvote.idea_id).subquery())
    query = (select(Idea, func.coalesce(upvotes.c.n, 0))
             .outerjoin(upvotes, upvotes.c.idea_id == Idea.id)
             .where(Idea.round_id == rnd.id, Idea.attempt == (attempt or rnd.attempt))
             .order_by(func.coalesce(upvotes.c.n, 0).desc(), Idea.id))
    mine_upvoted = set()
    if viewer is not None:
        mine_upvoted = set(session.scalars(select(Upvote.idea_id).join(Idea).where(
            Idea.round_id == rnd.id, Upvote.participant_id == viewer)))
    out = []
    for idea, count in session.execute(query):
        status = voting.idea_status(rnd, idea)
        mine = viewer is not None and idea.participant_id == viewer
        if status != "shown" and not include_hidden and not mine:
            continue
        entry = {"id": idea.id, "text": idea.text, "upvotes": count}
        if include_hidden:
            entry["hidden"] = idea.hidden
        if include_hidden or viewer is not None:
            entry["status"] = status
        if viewer is not None:
            entry["mine"] = mine
            entry["upvoted"] = idea.id in mine_upvoted
        out.append(entry)
    return out


def round_results(session: Session, workshop: WorkshopSession, rnd: Round,
                  attempt: int | None = None) -> dict[str, Any]:
    """One attempt's figures, with the order to show them in (`ranking`), the groups that
    have any figure to show (`groups_shown`) and, for a second vote, how each item moved
    from the vote before (`shift`, by item id)."""
    attempt = attempt or rnd.attempt
    head = {"round": rnd.id, "kind": rnd.kind, "attempt": attempt}
    if rnd.kind == "ideas":
        found = ideas(session, rnd, attempt=attempt)  # ranked already: most support first
        return {**head, "ideas": found, "items": found}
    group_keys = [g.key for g in workshop.groups]
    items = [item["id"] for item in rnd.items]
    computed = results.round_results(rnd.kind, items, ballots(session, rnd, attempt), group_keys)
    out = {**head, **computed, "ranking": results.ranking(rnd.kind, computed["items"]),
           "groups_shown": results.groups_shown(computed["items"], group_keys)}
    if attempt > 1:
        before = results.round_results(rnd.kind, items, ballots(session, rnd, attempt - 1),
                                       group_keys)
        out["shift"] = {row["id"]: row for row in results.shift(
            rnd.kind, before["items"], computed["items"], group_keys)}
    return out


def tally(session: Session, workshop: WorkshopSession, rnd: Round,
          with_items: bool = True) -> dict[str, Any]:
    """Who has taken part in the round's current attempt, per group: `started` counts everyone
    who answered at least once (or said they are done), `finished` those who answered every
    item, placed their whole budget, or said they are done. `items` (votes per item) only
    `with_items`: the facilitator's."""
    attempt = (Vote.round_id == rnd.id, Vote.attempt == rnd.attempt)
    group_of = dict(session.execute(
        select(Participant.id, Group.key).join(Group, Group.id == Participant.group_id)
        .where(Participant.session_id == workshop.id)).all())
    done = set(session.scalars(select(Completion.participant_id).where(
        Completion.round_id == rnd.id, Completion.attempt == rnd.attempt)))
    started, finished = set(done), set(done)
    per_item: dict[str, int] = {}
    if rnd.kind == "ideas":
        # Taking part in an ideas round: writing an idea or supporting one.
        started |= set(session.scalars(select(Idea.participant_id).where(
            Idea.round_id == rnd.id, Idea.attempt == rnd.attempt)))
        started |= set(session.scalars(select(Upvote.participant_id).join(
            Idea, Idea.id == Upvote.idea_id).where(Idea.round_id == rnd.id,
                                                   Idea.attempt == rnd.attempt)))
    else:
        for pid, answers, points in session.execute(
                select(Vote.participant_id, func.count(), func.sum(Vote.value))
                .where(*attempt).group_by(Vote.participant_id)):
            started.add(pid)
            complete = (points >= rnd.budget) if rnd.kind == "dots" else (
                answers >= len(rnd.items))
            if complete:
                finished.add(pid)
        if with_items:
            per_item = dict(session.execute(
                select(Vote.item_id, func.count()).where(*attempt)
                .group_by(Vote.item_id)).all())

    def counts(pids: set[int]) -> dict[str, Any]:
        by_group = {g.key: 0 for g in workshop.groups}
        for pid in pids:
            if group_of.get(pid) in by_group:
                by_group[group_of[pid]] += 1
        return {"total": sum(by_group.values()), "by_group": by_group}

    out = {"round": rnd.id, "attempt": rnd.attempt, "started": counts(started),
           "finished": counts(finished)}
    if with_items:
        out["items"] = per_item
    return out


def own_choices(session: Session, workshop: WorkshopSession,
                participant: Participant) -> dict[str, Any]:
    """A participant's votes in every round's current attempt, and the rounds they said they
    are done with."""
    rounds = {r.id: r for r in workshop.rounds}
    votes: dict[int, dict[str, Any]] = {}
    for round_id, attempt, item, value in session.execute(
            select(Vote.round_id, Vote.attempt, Vote.item_id, Vote.value)
            .where(Vote.participant_id == participant.id)):
        if round_id in rounds and rounds[round_id].attempt == attempt:
            votes.setdefault(round_id, {})[item] = results.vote_value(rounds[round_id].kind,
                                                                     value)
    done = [round_id for round_id, attempt in session.execute(
        select(Completion.round_id, Completion.attempt)
        .where(Completion.participant_id == participant.id))
        if round_id in rounds and rounds[round_id].attempt == attempt]
    return {"votes": {str(k): v for k, v in votes.items()}, "done": sorted(done)}


def live_state(session: Session, workshop: WorkshopSession, role: str, language: str | None,
               participant: Participant | None = None,
               presence: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything a client needs to redraw after (re)connecting."""
    base = session_state(workshop, language)
    staff = role in ("facilitator", "projector")
    state = {
        "role": role,
        "session": {k: base[k] for k in ("id", "title", "place", "date", "languages",
                                         "language", "join_code", "ended", "groups")},
        "rounds": base["rounds"] if role != "participant" else
        [_unopened(r) if r["state"] == "pending" else r for r in base["rounds"]],
        "current_round": workshop.current_round_id,
        "results": {str(r.id): round_results(session, workshop, r) for r in workshop.rounds
                    if voting.results_visible(r, role)},
        "ideas": {},
        "timer": timer_state(workshop),
        "me": None,
    }
    if state["session"]["ended"]:
        state["session"]["join_code"] = None  # released: nobody joins an ended session
    viewer = participant.id if participant else None
    for r in workshop.rounds:
        if r.kind == "ideas" and r.state != "pending":
            state["ideas"][str(r.id)] = ideas(session, r, viewer=viewer,
                                              include_hidden=role == "facilitator")
    if staff:
        state["tally"] = {str(r.id): tally(session, workshop, r,
                                           with_items=role == "facilitator")
                          for r in workshop.rounds if r.state != "pending"}
        state["presence"] = presence
    if participant is not None:
        group = next(g for g in workshop.groups if g.id == participant.group_id)
        state["me"] = {"id": participant.public_id, "group": group.key,
                       "language": participant.language,
                       **own_choices(session, workshop, participant)}
    return state


def _unopened(data: dict[str, Any]) -> dict[str, Any]:
    """A round not yet opened, as a phone is sent it on (re)connecting and joining: without its
    question and items, which its `round` event brings when it opens. A phone shows only the
    open round, and a full hall's phones then get a few kilobytes each, not the whole agenda."""
    return {**data, "question": "", "questions": {}, "items": []}


def timer_state(workshop: WorkshopSession) -> dict[str, Any] | None:
    """The countdown; `now` is the server's clock, so a phone with a wrong clock counts right."""
    if workshop.timer_ends_at is None:
        return None
    return {"ends_at": as_utc(workshop.timer_ends_at).isoformat(),
            "seconds": workshop.timer_seconds, "now": datetime.now(UTC).isoformat()}


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything is stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
