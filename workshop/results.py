"""Metrics from votes: pure functions, no I/O. Every per-group figure obeys the privacy rule."""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import median
from typing import Any

# A per-group figure from fewer voters than this is never shown or exported.
MIN_GROUP_VOTERS = 3
# Items whose group-informed consensus reaches this are marked as shared across groups
# (e.g. two of three voters agreeing in every group gives (2+1)/(3+2) = 0.6).
CONSENSUS_THRESHOLD = 0.6
# Group means this far apart (on the 1-5 scale) or more mark an item as divergent.
DIVERGENCE_THRESHOLD = 1.0
# Ratings that count as agreeing for consensus ("applies" / "done well").
AGREE_VALUES = (4, 5)
CANT_JUDGE = 0
SCALE = (1, 2, 3, 4, 5)


def vote_value(kind: str, stored: int) -> int | str:
    """A vote as people read it: a rating 1-5 or "cant_judge"; points for dots."""
    if kind == "rating" and stored == CANT_JUDGE:
        return "cant_judge"
    return stored


@dataclass(frozen=True)
class Ballot:
    """One vote as the metrics see it: who (pseudonymous), which group, which item, what."""

    participant: int | str
    group: str
    item: str
    value: int


def _round(x: float | None, digits: int = 2) -> float | None:
    return None if x is None else round(x, digits)


def rating_stats(values: list[int]) -> dict[str, Any]:
    """votes, mean, median, distribution over 1-5, and the "can't judge" count."""
    scores = [v for v in values if v != CANT_JUDGE]
    return {
        "votes": len(scores),
        "mean": _round(sum(scores) / len(scores)) if scores else None,
        "median": _round(float(median(scores))) if scores else None,
        "distribution": {str(v): scores.count(v) for v in SCALE},
        "cant_judge": len(values) - len(scores),
    }


def consensus(groups: dict[str, list[int]], declared: list[str]) -> float | None:
    """Group-informed consensus: the geometric mean over the declared groups of each group's
    share agreeing with a Laplace prior, (agree + 1) / (voters + 2).

    A group without voters contributes 1/2, the prior's neutral value, so adding an empty
    group neither raises nor lowers agreement elsewhere. None when nobody rated the item.
    """
    if not declared or not any(groups.get(g) for g in declared):
        return None
    logs = []
    for group in declared:
        scores = [v for v in groups.get(group, []) if v != CANT_JUDGE]
        agree = sum(1 for v in scores if v in AGREE_VALUES)
        logs.append(math.log((agree + 1) / (len(scores) + 2)))
    return _round(math.exp(sum(logs) / len(logs)), 3)


def divergence(group_means: dict[str, float]) -> float | None:
    """The largest gap between two group means (only groups shown under the privacy rule)."""
    means = [m for m in group_means.values() if m is not None]
    if len(means) < 2:
        return None
    return _round(max(means) - min(means))


def suppressed_groups(groups: list[str], counts: dict[str, int],
                      *also: dict[str, int]) -> set[str]:
    """The groups whose figure is hidden, so that no figure can be worked out by subtraction.

    `counts` holds, per group, the people behind the group's figure. A group with fewer than
    MIN_GROUP_VOTERS is hidden. Hidden groups together must then hold nobody or at least
    MIN_GROUP_VOTERS, or the overall figure minus the shown ones would give theirs: while they
    do not, the smallest shown group is hidden too (ties: the first declared). `also` holds
    further counts the same sum must pass (for ratings, everyone who answered, "can't judge"
    included). When every group is hidden, only the overall figure remains.
    """
    tallies = (counts, *also)
    hidden = {g for g in groups if counts.get(g, 0) < MIN_GROUP_VOTERS}

    def exposed() -> bool:
        return any(0 < sum(t.get(g, 0) for g in hidden) < MIN_GROUP_VOTERS for t in tallies)

    shown = sorted((g for g in groups if g not in hidden), key=lambda g: counts.get(g, 0))
    while shown and exposed():
        hidden.add(shown.pop(0))
    return hidden


POOLED = "(hidden groups)"  # the unit hidden groups with answers form in consensus


def rating_results(items: list[str], ballots: Iterable[Ballot],
                   groups: list[str]) -> list[dict[str, Any]]:
    by_item: dict[str, list[int]] = defaultdict(list)
    by_item_group: dict[tuple[str, str], list[int]] = defaultdict(list)
    for b in ballots:
        by_item[b.item].append(b.value)
        by_item_group[(b.item, b.group)].append(b.value)
    out = []
    for item in items:
        entry: dict[str, Any] = {"id": item, **rating_stats(by_item[item]), "groups": {}}
        per_group = {g: by_item_group[(item, g)] for g in groups}
        scored = {g: sum(1 for v in values if v != CANT_JUDGE) for g, values in per_group.items()}
        hidden = suppressed_groups(groups, scored, {g: len(v) for g, v in per_group.items()})
        shown_means = {}
        for group in groups:
            if group in hidden:
                entry["groups"][group] = {"suppressed": True}
            else:
                entry["groups"][group] = stats = rating_stats(per_group[group])
                shown_means[group] = stats["mean"]
        # Hidden groups that answered count as one group, so consensus reveals no more than
        # the figures do; a group nobody of answered stays its own (neutral) part.
        units = {g: v for g, v in per_group.items() if g not in hidden or not v}
        pooled = [v for g in groups if g in hidden for v in per_group[g]]
        if pooled:
            units[POOLED] = pooled
        entry["consensus"] = consensus(units, list(units))
        entry["consensual"] = (entry["consensus"] is not None
                               and entry["consensus"] >= CONSENSUS_THRESHOLD)
        entry["divergence"] = divergence(shown_means)
        entry["divergent"] = (entry["divergence"] is not None
                              and entry["divergence"] >= DIVERGENCE_THRESHOLD)
        out.append(entry)
    return out


def dots_results(items: list[str], ballots: Iterable[Ballot],
                 groups: list[str]) -> list[dict[str, Any]]:
    """Per item the points and how many gave any; per group the same, privacy applied."""
    points: dict[str, int] = defaultdict(int)
    givers: dict[str, set] = defaultdict(set)
    group_points: dict[tuple[str, str], int] = defaultdict(int)
    group_givers: dict[tuple[str, str], set] = defaultdict(set)
    for b in ballots:
        if b.value <= 0:
            continue
        points[b.item] += b.value
        givers[b.item].add(b.participant)
        group_points[(b.item, b.group)] += b.value
        group_givers[(b.item, b.group)].add(b.participant)
    out = []
    for item in items:
        entry: dict[str, Any] = {"id": item, "points": points[item],
                                 "votes": len(givers[item]), "groups": {}}
        counts = {g: len(group_givers[(item, g)]) for g in groups}
        hidden = suppressed_groups(groups, counts)
        for group in groups:
            entry["groups"][group] = ({"suppressed": True} if group in hidden
                                      else {"points": group_points[(item, group)],
                                            "votes": counts[group]})
        out.append(entry)
    return out


def round_results(kind: str, items: list[str], ballots: list[Ballot],
                  groups: list[str]) -> dict[str, Any]:
    """Results of one attempt of a rating or dots round."""
    voters = {b.participant for b in ballots}
    voters_by_group: dict[str, set] = defaultdict(set)
    for b in ballots:
        voters_by_group[b.group].add(b.participant)
    compute = rating_results if kind == "rating" else dots_results
    return {
        "voters": len(voters),
        "voters_by_group": {g: len(voters_by_group[g]) for g in groups},
        "items": compute(items, ballots, groups),
    }


def ranking(kind: str, items: list[dict[str, Any]]) -> list[str]:
    """Item ids, first the ones to lead with: the highest mean (ties: more answers), or the
    most points (ties: more givers); items nobody rated last; otherwise agenda order."""
    order = {entry["id"]: n for n, entry in enumerate(items)}
    if kind == "rating":
        def key(entry):
            return (entry["mean"] is None, -(entry["mean"] or 0), -entry["votes"],
                    order[entry["id"]])
    else:
        def key(entry):
            return (-entry["points"], -entry["votes"], order[entry["id"]])
    return [entry["id"] for entry in sorted(items, key=key)]


def groups_shown(items: list[dict[str, Any]], groups: list[str]) -> list[str]:
    """The groups with a figure on at least one item: the others would only read "too few
    to show" in every row."""
    return [g for g in groups
            if any("suppressed" not in entry["groups"].get(g, {"suppressed": True})
                   for entry in items)]


def shift(kind: str, before: list[dict[str, Any]], after: list[dict[str, Any]],
          groups: list[str]) -> list[dict[str, Any]]:
    """Per item how the figure moved from one attempt to the next (a reopened round):
    the mean for ratings, the points for dots; per group only where both are shown."""
    figure = "mean" if kind == "rating" else "points"
    earlier = {entry["id"]: entry for entry in before}
    out = []
    for entry in after:
        old = earlier.get(entry["id"], {"groups": {}})
        row: dict[str, Any] = {"id": entry["id"], **_moved(old.get(figure), entry.get(figure)),
                               "groups": {}}
        for group in groups:
            a, b = old["groups"].get(group, {}), entry["groups"].get(group, {})
            if "suppressed" in a or "suppressed" in b or not a or not b:
                row["groups"][group] = {"suppressed": True}
            else:
                row["groups"][group] = _moved(a.get(figure), b.get(figure))
        out.append(row)
    return out


def _moved(before: float | None, after: float | None) -> dict[str, Any]:
    change = None if before is None or after is None else _round(after - before)
    return {"before": before, "after": after, "change": change}


# The priority matrix: "how well do we do this" (rating, 1-5) against "where to act first"
# (dots). The rating splits at the scale's midpoint; priority is high when an item got more
# than an even share of the field's points.
DONE_MIDPOINT = 3.0
QUADRANTS = ("act_first", "keep_strong", "watch", "fine")


def quadrant(done: float | None, points: int, even_share: float) -> str | None:
    if done is None:
        return None
    high_priority = points > 0 and points >= even_share
    if done < DONE_MIDPOINT:
        return "act_first" if high_priority else "watch"
    return "keep_strong" if high_priority else "fine"


def priority_matrix(done: dict[str, float | None],
                    points: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Each item's place: {"done", "points", "quadrant"}; act_first is where to start."""
    items = list(done)
    total = sum(points.get(i, 0) for i in items)
    even_share = total / len(items) if items else 0
    return {i: {"done": done[i], "points": points.get(i, 0),
                "quadrant": quadrant(done[i], points.get(i, 0), even_share)} for i in items}
