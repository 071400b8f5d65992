"""Wording and figures shared by the report formats (PDF, Markdown) and the summary page.

Everything here is called while the report's language is the active locale
(`flask_babel.force_locale`), so labels, numbers and the method note speak one language.
"""

import math
from datetime import date
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from flask_babel import gettext as _

from workshop.results import DONE_MIDPOINT, QUADRANTS

FORMATS = ("pdf", "xlsx", "csv", "json", "md")  # the downloads the summary page offers
SCALE = (1, 2, 3, 4, 5)


def num(value: float | None, digits: int = 1, language: str = "en") -> str:
    """3.5 as "3.5" or "3,5"; a dash for no value."""
    if value is None:
        return "–"
    pattern = "0." + "0" * digits if digits else "0"
    try:
        return format_decimal(value, format=pattern, locale=language.replace("-", "_"))
    except (ValueError, LookupError):
        return f"{value:.{digits}f}"


def long_date(value: str, language: str) -> str:
    """"14. März 2026" / "14 March 2026"; the text as it is when it is no ISO date."""
    if not value:
        return ""
    try:
        locale = {"en": "en_GB"}.get(language, language.replace("-", "_"))
        return format_date(date.fromisoformat(value), format="long", locale=locale)
    except (ValueError, LookupError):
        return value


def signed(value: float | None, digits: int = 1, language: str = "en") -> str:
    """A change: "+0.5", "−1.0" (a real minus sign), "±0.0"."""
    if value is None:
        return "–"
    text = num(abs(value), digits, language)
    if round(value, digits) == 0:
        return "±" + text
    return ("+" if value > 0 else "−") + text


def too_few() -> str:
    return _("too few to show")


def quadrant_name(quadrant: str | None) -> str:
    return {
        "act_first": _("Act first"),
        "keep_strong": _("Keep strong"),
        "watch": _("Keep an eye on"),
        "fine": _("Fine for now"),
        None: _("not rated"),
    }[quadrant]


def scale_labels(target: str) -> dict[int, str]:
    """The labels of the 1-5 scale as participants saw them."""
    if target == "challenges":
        return {1: _("does not apply at all"), 2: _("hardly applies"), 3: _("partly applies"),
                4: _("largely applies"), 5: _("fully applies")}
    return {1: _("not at all"), 2: _("poorly"), 3: _("partly"), 4: _("well"),
            5: _("very well")}


def figure_name(kind: str, target: str) -> str:
    """What a row of figures measures, for comparison and shift tables."""
    if kind == "dots":
        return _("Priority points")
    if target == "challenges":
        return _("Challenges: how much it applies (mean, 1-5)")
    return _("Principles: how well we do it (mean, 1-5)")


def round_name(kind: str, target: str) -> str:
    if kind == "dots":
        return _("Where to act first (priority points)")
    if target == "challenges":
        return _("How much does this challenge apply here?")
    return _("How well do we already do this?")


def method_notes(method: dict[str, Any], language: str) -> list[tuple[str, str]]:
    """The short note on method: (heading, paragraph) pairs."""
    challenge_labels = scale_labels("challenges")
    principle_labels = scale_labels("principles")
    agree = " " + _("or") + " "
    return [
        (_("Rating scales"), _(
            "Challenges were rated on how much they apply here, from 1 (%(c1)s) to 5 (%(c5)s); "
            "principles on how well they are already put into practice, from 1 (%(p1)s) to 5 "
            "(%(p5)s). Anyone could answer \u201ccan't judge\u201d instead: such answers are "
            "counted separately and left out of means and distributions.",
            c1=challenge_labels[1], c5=challenge_labels[5], p1=principle_labels[1],
            p5=principle_labels[5])),
        (_("Priority points"), _(
            "In a priority round every participant distributed a small budget of points over "
            "the principles (a few per item at most): where should we act first? The report "
            "shows each principle's points and how many people gave it any.")),
        (_("Priority matrix"), _(
            "Each principle is placed by how well it is done (mean rating, across) and by its "
            "priority points (up). A principle rated below %(mid)s that received at least an "
            "even share of its action field's points is in the quadrant \u201cAct first\u201d; "
            "these lead the report.", mid=num(DONE_MIDPOINT, 1, language))),
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
            "%(min)d people of that group answered; otherwise it reads \u201ctoo few to "
            "show\u201d, so that nobody's vote can be singled out.",
            min=method["min_group_voters"])),
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
