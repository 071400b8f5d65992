"""Wording and figures shared by the report formats (PDF, Markdown) and the summary page."""

# Every text comes from the Translator the caller passes (never from a request's locale), so a
# report written by a background task speaks the language it was asked for. Texts that every
# page and file share (scale labels, "too few to show", dates, ...) are in workshop.wording.

import math
from typing import Any

from babel.numbers import format_decimal

from workshop import wording
from workshop.i18n import Translator
from workshop.results import DONE_MIDPOINT, QUADRANTS

FORMATS = ("pdf", "xlsx", "csv", "json", "md")  # the downloads the summary page offers


def num(value: float | None, digits: int = 1, language: str = "en") -> str:
    """3.5 as "3.5" or "3,5"; a dash for no value."""
    if value is None:
        return "–"
    pattern = "0." + "0" * digits if digits else "0"
    try:
        return format_decimal(value, format=pattern, locale=language.replace("-", "_"))
    except (ValueError, LookupError):
        return f"{value:.{digits}f}"


def signed(value: float | None, digits: int = 1, language: str = "en") -> str:
    """A change: "+0.5", "−1.0" (a real minus sign), "±0.0"."""
    if value is None:
        return "–"
    text = num(abs(value), digits, language)
    if round(value, digits) == 0:
        return "±" + text
    return ("+" if value > 0 else "−") + text


def capitalised(text: str) -> str:
    """"can't judge" as a column header: only the first letter raised, which is right in
    every language (German nouns keep their capitals, nothing else is lowered)."""
    return text[:1].upper() + text[1:]


def quadrant_name(tr: Translator, quadrant: str | None) -> str:
    _ = tr.gettext
    return {
        "act_first": _("Act first"),
        "keep_strong": _("Keep strong"),
        "watch": _("Keep an eye on"),
        "fine": _("Fine for now"),
        None: _("not rated"),
    }[quadrant]


def figure_name(tr: Translator, kind: str, target: str) -> str:
    """What a row of figures measures, for comparison and shift tables."""
    _ = tr.gettext
    if kind == "dots":
        return _("Priority points")
    if target == "challenges":
        return _("Challenges: how much it applies (mean, 1-5)")
    return _("Principles: how well we do it (mean, 1-5)")


def round_name(tr: Translator, kind: str, target: str) -> str:
    _ = tr.gettext
    if kind == "dots":
        return _("Where to act first (priority points)")
    if target == "challenges":
        return _("How much does this challenge apply here?")
    return _("How well do we already do this?")


def method_notes(tr: Translator, method: dict[str, Any]) -> list[tuple[str, str]]:
    """The short note on method: (heading, paragraph) pairs."""
    _, language = tr.gettext, tr.language
    challenge_labels = wording.scale_labels(tr, "challenges")
    principle_labels = wording.scale_labels(tr, "principles")
    agree = " " + _("or") + " "
    return [
        (_("Rating scales"), _(
            "Challenges were rated on how much they apply here, from 1 (%(c1)s) to 5 (%(c5)s); "
            "principles on how well they are already put into practice, from 1 (%(p1)s) to 5 "
            "(%(p5)s). Anyone could answer \u201c%(cant_judge)s\u201d instead: such answers "
            "are counted separately and left out of means and distributions.",
            c1=challenge_labels[1], c5=challenge_labels[5], p1=principle_labels[1],
            p5=principle_labels[5], cant_judge=wording.cant_judge(tr))),
        (_("Priority points"), _(
            "In a priority round every participant distributed a small budget of points over "
            "the principles (a few per item at most): where should we act first? The report "
            "shows each principle's points and how many people gave it any.")),
        (_("Priority matrix"), _(
            "Each principle is placed by how well it is done (mean rating, across) and by its "
            "priority points (up). A principle rated below %(mid)s that received at least an "
            "even share of its action field's points is in the quadrant \u201c%(act_first)s"
            "\u201d; these lead the report.", mid=num(DONE_MIDPOINT, 1, language),
            act_first=quadrant_name(tr, "act_first"))),
        (_("Consensus"), _(
            "For each group, the share agreeing (a rating of %(agree)s) is taken with one "
            "imagined agreeing and one disagreeing voter added, (agreeing + 1) / (voters + 2); "
            "consensus is the geometric mean of these shares over all groups. It lies between "
            "0 and 1 and is high only when every group agrees, whatever its size.",
            agree=agree.join(str(v) for v in method["agree_values"]))),
        (_("Divergence"), _(
            "The largest gap between two groups' means on the same item. Items with a gap of "
            "%(threshold)s points or more are marked as divergent: there the groups see things "
            "differently, which is worth discussing.",
            threshold=num(method["divergence_threshold"], 1, language))),
        (_("Privacy"), _(
            "Participation is anonymous. A figure for a group is shown only when at least "
            "%(min)d people of that group answered; otherwise it reads \u201c%(too_few)s"
            "\u201d. The hidden groups of an item together always hold at least %(min)d "
            "people (or none): where they would not, another group is hidden too, so that "
            "nobody's vote can be worked out from the totals.",
            min=method["min_group_voters"], too_few=wording.too_few(tr))),
        (_("Second votes"), _(
            "When a round was reopened after discussion, both votes are kept: the report shows "
            "the later vote and how each figure moved from the earlier one.")),
    ]


def target_of(data: dict[str, Any]) -> dict[str, str]:
    """Item id -> "challenges" or "principles", for the consensus and divergence lists."""
    out = {}
    for field in data["fields"]:
        out.update({c["id"]: "challenges" for c in field["challenges"]})
        out.update({p["id"]: "principles" for p in field["principles"]})
    return out


def even_share(principles: list[dict[str, Any]]) -> float:
    """The priority threshold of the matrix: the field's points split evenly."""
    if not principles:
        return 0.0
    return sum(p["points"] for p in principles) / len(principles)


def principles_in_order(principles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Act first, keep strong, watch, fine, then the unrated; most points first within."""
    rank = {q: n for n, q in enumerate(QUADRANTS)}
    return sorted(principles, key=lambda p: (rank.get(p["quadrant"], len(rank)), -p["points"],
                                             p["done"] if p["done"] is not None else 9))


def act_first(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every field's act-first principles, with the field's title, in field order."""
    return [{**p, "field": field["title"]} for field in data["fields"]
            for p in field["act_first"]]


def has_results(field: dict[str, Any]) -> bool:
    return bool(field["challenges"] or field["principles"] or field["ideas"])


def _nice_max(value: float) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if value <= step * 5:
            return int(-(-value // step) * step) or step
    return int(value) + 1


def _ticks(top: int) -> list[int]:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if top / step <= 6:
            return list(range(0, top + 1, step))
    return [0, top]


def matrix_layout(principles: list[dict[str, Any]]) -> dict[str, Any]:
    """What a priority-matrix chart needs, the same for the page and the PDF.

    Numbers follow principles_in_order(), so number 1 is the first to act on; principles at
    the same spot get a unit offset (dx, dy) so that each number stays legible.
    """
    ordered = principles_in_order(principles)
    numbers = {p["id"]: n for n, p in enumerate(ordered, 1)}
    threshold = even_share(principles)
    placed = [p for p in ordered if p["done"] is not None]
    ymax = _nice_max(max([p["points"] for p in placed] + [threshold * 2, 4]) * 1.08)
    spots: dict[tuple, list] = {}
    for p in placed:
        spots.setdefault((round(p["done"], 1), p["points"]), []).append(p)
    points = []
    for ps in spots.values():
        for k, p in enumerate(ps):
            angle = 2 * math.pi * k / len(ps)
            spread = len(ps) > 1
            points.append({"id": p["id"], "number": numbers[p["id"]], "done": p["done"],
                           "points": p["points"], "quadrant": p["quadrant"],
                           "dx": math.cos(angle) if spread else 0.0,
                           "dy": math.sin(angle) if spread else 0.0})
    return {"numbers": numbers, "ordered": ordered, "threshold": threshold, "ymax": ymax,
            "ticks": _ticks(ymax), "points": points, "midpoint": DONE_MIDPOINT,
            "drawn": bool(points) and any(p["quadrant"] for p in ordered)}
