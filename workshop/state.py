"""Plain-data views of a session, in one language, for the API and the live clients."""

from typing import Any

from workshop.models import Round, WorkshopSession


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


def round_state(r: Round, language: str, languages: list[str],
                titles: dict[str, str]) -> dict[str, Any]:
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
             **({"group": item["group"]} if "group" in item else {})}
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
    return {
        "id": workshop.id,
        "title": workshop.title,
        "place": workshop.place,
        "date": workshop.date,
        "catalogue": workshop.catalogue_id,
        "languages": languages,
        "language": language,
        "join_code": workshop.join_code,
        "created_at": workshop.created_at.isoformat(),
        "ended": workshop.ended_at is not None,
        "groups": [{"id": g.key, "name": pick(g.name, language, languages)}
                   for g in workshop.groups],
        "rounds": [round_state(r, language, languages, titles) for r in workshop.rounds],
    }
