"""The organisers' summary of a session, and the comparison of two: plain data for the summary
page, the PDF and the Markdown export. Reads the database; builds no HTML."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop import results
from workshop.errors import Invalid
from workshop.models import Group, Participant, Round, WorkshopSession
from workshop.state import ideas, pick, round_results

TOP = 5  # how many items the consensus and divergence lists show


def method() -> dict[str, Any]:
    """The constants a reader of the report needs to interpret it."""
    return {
        "min_group_voters": results.MIN_GROUP_VOTERS,
        "divergence_threshold": results.DIVERGENCE_THRESHOLD,
        "consensus_threshold": results.CONSENSUS_THRESHOLD,
        "agree_values": list(results.AGREE_VALUES),
        "done_midpoint": results.DONE_MIDPOINT,
    }


def participation(session: Session, workshop: WorkshopSession) -> dict[str, Any]:
    counts = dict(session.execute(
        select(Group.key, func.count(Participant.id))
        .join(Participant, Participant.group_id == Group.id)
        .where(Group.session_id == workshop.id).group_by(Group.key)).all())
    by_group = {g.key: counts.get(g.key, 0) for g in workshop.groups}
    return {"participants": sum(by_group.values()), "by_group": by_group}


def _texts(rnd: Round, language: str, languages: list[str]) -> dict[str, str]:
    return {item["id"]: pick(item["text"], language, languages) for item in rnd.items}


def _latest(rounds: list[Round], kind: str, field: str, target: str) -> Round | None:
    """The last opened round of this kind on this field and target (an agenda may repeat one)."""
    found = [r for r in rounds if r.kind == kind and r.field == field and r.target == target
             and r.state != "pending"]
    return found[-1] if found else None


def build(session: Session, workshop: WorkshopSession, language: str) -> dict[str, Any]:
    languages = workshop.languages
    language = language if language in languages else languages[0]
    group_keys = [g.key for g in workshop.groups]
    computed = {r.id: round_results(session, workshop, r) for r in workshop.rounds
                if r.state != "pending"}
    fields = []
    rated: list[dict[str, Any]] = []  # every rating item, for consensus and divergence
    for field in workshop.catalogue["action_fields"]:
        fid = field["id"]
        entry: dict[str, Any] = {
            "id": fid,
            "title": pick(field["title"], language, languages),
            "description": pick(field.get("description"), language, languages),
            "challenges": [], "principles": [], "act_first": [], "ideas": [],
            "practices": [
                {"title": pick(p["title"], language, languages),
                 "place": pick(p.get("place"), language, languages),
                 "text": pick(p["text"], language, languages)}
                for p in field.get("practices", [])],
        }
        challenges = _latest(workshop.rounds, "rating", fid, "challenges")
        if challenges:
            texts = _texts(challenges, language, languages)
            items = [{**item, "text": texts[item["id"]], "field": entry["title"]}
                     for item in computed[challenges.id]["items"]]
            rated += items
            entry["challenges"] = sorted(items, key=lambda i: (i["mean"] is None,
                                                               -(i["mean"] or 0)))
        done_round = _latest(workshop.rounds, "rating", fid, "principles")
        dots_round = _latest(workshop.rounds, "dots", fid, "principles")
        principle_groups = {p["id"]: pick(g["title"], language, languages)
                            for g in field["principle_groups"] for p in g["principles"]}
        if done_round or dots_round:
            done_items = {i["id"]: i for i in computed[done_round.id]["items"]} if done_round \
                else {}
            dot_items = {i["id"]: i for i in computed[dots_round.id]["items"]} if dots_round \
                else {}
            if done_round:
                texts = _texts(done_round, language, languages)
                rated += [{**i, "text": texts[i["id"]], "field": entry["title"]}
                          for i in done_items.values()]
            source = done_round or dots_round
            texts = _texts(source, language, languages)
            order = [item["id"] for item in source.items]
            matrix = results.priority_matrix(
                {i: done_items.get(i, {}).get("mean") for i in order},
                {i: dot_items.get(i, {}).get("points", 0) for i in order})
            principles = [{
                "id": i, "text": texts[i], "group": principle_groups.get(i, ""),
                "done": matrix[i]["done"], "done_votes": done_items.get(i, {}).get("votes", 0),
                "points": matrix[i]["points"], "givers": dot_items.get(i, {}).get("votes", 0),
                "quadrant": matrix[i]["quadrant"] if done_round and dots_round else None,
                # Per group how well it is done, under the same privacy rule as everywhere.
                "groups": done_items.get(i, {}).get("groups", {}),
            } for i in order]
            entry["principles"] = principles
            entry["act_first"] = sorted(
                (p for p in principles if p["quadrant"] == "act_first"),
                key=lambda p: (-p["points"], p["done"]))
        for rnd in workshop.rounds:
            if rnd.kind == "ideas" and rnd.field == fid and rnd.state != "pending":
                entry["ideas"] += ideas(session, rnd)
        entry["ideas"].sort(key=lambda i: -i["upvotes"])
        fields.append(entry)

    general_ideas = [i for rnd in workshop.rounds if rnd.kind == "ideas" and not rnd.field
                     and rnd.state != "pending" for i in ideas(session, rnd)]
    with_consensus = [i for i in rated if i["consensual"] and i["votes"] > 0]
    shifts = []
    for rnd in workshop.rounds:
        if rnd.attempt > 1 and rnd.kind != "ideas":
            texts = _texts(rnd, language, languages)
            before = round_results(session, workshop, rnd, attempt=rnd.attempt - 1)["items"]
            moved = results.shift(rnd.kind, before, computed[rnd.id]["items"], group_keys)
            shifts.append({"round": rnd.id, "kind": rnd.kind, "field": rnd.field,
                           "target": rnd.target, "question": pick(rnd.question, language,
                                                                  languages),
                           "items": [{**m, "text": texts[m["id"]]} for m in moved]})
    return {
        "session": {"id": workshop.id, "title": workshop.title, "place": workshop.place,
                    "date": workshop.date, "catalogue": workshop.catalogue_id,
                    "catalogue_title": pick(workshop.catalogue["title"], language, languages),
                    "source": workshop.catalogue.get("source", ""),
                    "ended": workshop.ended_at is not None, "language": language},
        "groups": [{"id": g.key, "name": pick(g.name, language, languages)}
                   for g in workshop.groups],
        "participation": participation(session, workshop),
        "rounds": [{"id": r.id, "kind": r.kind, "field": r.field, "target": r.target,
                    "state": r.state, "attempt": r.attempt,
                    "voters": computed.get(r.id, {}).get("voters", 0)}
                   for r in workshop.rounds],
        "fields": fields,
        "consensus": sorted(with_consensus, key=lambda i: -i["consensus"])[:TOP],
        "divergence": sorted((i for i in rated if i["divergent"]),
                             key=lambda i: -i["divergence"])[:TOP],
        "ideas": general_ideas,
        "shifts": shifts,
        "method": method(),
    }


def _item_figures(session: Session, workshop: WorkshopSession) -> dict[tuple, dict[str, Any]]:
    """(kind, target, item id) -> the latest figures, for comparing sessions."""
    out = {}
    for rnd in workshop.rounds:
        if rnd.state == "pending" or rnd.kind == "ideas":
            continue
        for item in round_results(session, workshop, rnd)["items"]:
            out[(rnd.kind, rnd.target, item["id"])] = item
    return out


def compare(session: Session, first: WorkshopSession, second: WorkshopSession,
            language: str) -> dict[str, Any]:
    """How ratings and priorities moved from `first` to `second`, per item and per group."""
    if first.catalogue_id != second.catalogue_id:
        raise Invalid("only sessions on the same catalogue can be compared",
                      code="different_catalogues")
    languages = second.languages
    language = language if language in languages else languages[0]
    before, after = _item_figures(session, first), _item_figures(session, second)
    shared_groups = [g.key for g in second.groups if g.key in {h.key for h in first.groups}]
    texts = {}
    for rnd in [*first.rounds, *second.rounds]:
        texts.update(_texts(rnd, language, rnd.session.languages))
    titles = {f["id"]: pick(f["title"], language, languages)
              for f in second.catalogue["action_fields"]}
    field_of = {item["id"]: rnd.field for rnd in [*first.rounds, *second.rounds]
                for item in rnd.items}
    rows = []
    for key in sorted(set(before) & set(after), key=lambda k: (field_of.get(k[2], ""), k)):
        kind, target, item = key
        moved = results.shift(kind, [before[key]], [after[key]], shared_groups)[0]
        rows.append({"kind": kind, "target": target, "field": titles.get(field_of.get(item), ""),
                     **moved, "text": texts.get(item, item)})
    return {
        "first": {"id": first.id, "title": first.title, "date": first.date, "place": first.place},
        "second": {"id": second.id, "title": second.title, "date": second.date,
                   "place": second.place},
        "groups": [{"id": g.key, "name": pick(g.name, language, languages)}
                   for g in second.groups if g.key in shared_groups],
        "items": rows,
        "method": method(),
    }
