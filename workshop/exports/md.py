"""Markdown export: the organisers' summary as headings and tables, readable on GitHub."""

import re
from typing import Any

from workshop import summary, wording
from workshop.exports import Context, Export
from workshop.exports import report as r
from workshop.i18n import Translator
from workshop.results import SCALE

MIMETYPE = "text/markdown; charset=utf-8"


# What Markdown (CommonMark and GitHub's) would read as markup inside a line: emphasis, code,
# links and images (no link without its brackets), headings' closing #, strikethrough,
# entities. < and > become entities, so no HTML tag ever reaches the file.
_MARKUP = re.compile(r"[\\`*_\[\]#~&]")


def text(value: Any) -> str:
    """User-supplied text (titles, items, ideas, places, group and catalogue texts) on one
    line with every Markdown and HTML special character escaped: it reads as typed, never as
    a link, an image or a tag."""
    flat = " ".join(str(value).split())
    escaped = _MARKUP.sub(lambda m: "\\" + m.group(), flat)
    return escaped.replace("<", "&lt;").replace(">", "&gt;")


def cell(value: Any) -> str:
    """One table cell: no line breaks, pipes escaped."""
    return " ".join(str(value).split()).replace("|", "\\|")


def table(header: list[str], rows: list[list[Any]], right: set[int] = frozenset()) -> list[str]:
    """A GitHub table; columns in `right` are right-aligned (numbers)."""
    rule = ["---:" if n in right else "---" for n in range(len(header))]
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


class Writer:
    def __init__(self, data: dict[str, Any], tr: Translator):
        self.data = data
        self.tr = tr
        self.language = tr.language
        self.groups = data["groups"]
        self.lines: list[str] = []

    def num(self, value, digits: int = 1) -> str:
        return r.num(value, digits, self.language)

    def add(self, *lines: str) -> None:
        self.lines += lines

    def group_names(self) -> list[str]:
        return [text(g["name"]) for g in self.groups]

    def group_means(self, item: dict[str, Any]) -> list[str]:
        out = []
        for g in self.groups:
            stats = item["groups"].get(g["id"], {})
            out.append(wording.too_few(self.tr) if stats.get("suppressed") or not stats
                       else self.num(stats["mean"]))
        return out

    def group_changes(self, item: dict[str, Any], digits: int) -> list[str]:
        out = []
        for g in self.groups:
            moved = item["groups"].get(g["id"], {})
            if moved.get("suppressed") or not moved:
                out.append(wording.too_few(self.tr))
            else:
                out.append(f"{self.num(moved['before'], digits)} → "
                           f"{self.num(moved['after'], digits)}")
        return out

    def head(self) -> None:
        _ = self.tr.gettext
        s = self.data["session"]
        self.add(f"# {text(s['title'])}", "")
        facts = [(_("Place"), text(s["place"])),
                 (_("Date"), text(wording.long_date(s["date"], self.language))),
                 (_("Catalogue"), text(s["catalogue_title"]))]
        self.add("  \n".join(f"**{k}:** {v}" for k, v in facts if v), "")
        self.add("*" + _("Summary of the workshop results") + "*", "")

    def participation(self) -> None:
        _ = self.tr.gettext
        p = self.data["participation"]
        self.add("## " + _("Participation"), "")
        rows = [[text(g["name"]), p["by_group"].get(g["id"], 0)] for g in self.groups]
        rows.append(["**" + _("Total") + "**", f"**{p['participants']}**"])
        self.add(*table([_("Group"), _("Participants")], rows, right={1}))

    def act_first(self) -> None:
        _ = self.tr.gettext
        self.add("## " + _("Act first"), "")
        self.add(_("Principles that are done poorly and received many priority points: "
                   "where to start."), "")
        rows = [[text(p["field"]), text(p["text"]), self.num(p["done"]), p["points"]]
                for p in r.act_first(self.data)]
        if rows:
            self.add(*table([_("Action field"), _("Principle"), _("How well done"),
                             _("Points")], rows, right={2, 3}))
        else:
            self.add("*" + _("No principle is in this quadrant yet.") + "*", "")

    def field(self, field: dict[str, Any]) -> None:
        _ = self.tr.gettext
        self.add(f"## {text(field['title'])}", "")
        if field["challenges"]:
            self.add("### " + _("Challenges, ranked"), "")
            self.add(f"{r.round_name(self.tr, 'rating', 'challenges')} "
                     f"{wording.scale_ends(self.tr, 'challenges')}.", "")
            header = ["#", _("Challenge"), _("Mean"), _("Votes"),
                      r.capitalised(wording.cant_judge(self.tr)),
                      _("Distribution 1-5")] + self.group_names()
            rows = [[n, text(c["text"]), self.num(c["mean"]), c["votes"], c["cant_judge"],
                     " · ".join(str(c["distribution"][str(v)]) for v in SCALE),
                     *self.group_means(c)]
                    for n, c in enumerate(field["challenges"], 1)]
            self.add(*table(header, rows, right={0, 2, 3, 4}))
        if field["principles"]:
            self.add("### " + _("Principles: priority matrix"), "")
            self.add(f"{r.round_name(self.tr, 'rating', 'principles')} "
                     f"{wording.scale_ends(self.tr, 'principles')}. "
                     + _("Points: where to act first."), "")
            header = [_("Principle"), _("How well done"), _("Votes"), _("Points"),
                      _("Gave points"), _("Quadrant")]
            rows = [[text(p["text"]), self.num(p["done"]), p["done_votes"], p["points"],
                     p["givers"],
                     r.quadrant_name(self.tr, p["quadrant"])]
                    for p in r.principles_in_order(field["principles"])]
            self.add(*table(header, rows, right={1, 2, 3, 4}))
        if field["ideas"]:
            self.add("### " + _("Ideas"), "")
            self.add(*table([_("Idea"), _("Upvotes")],
                            [[text(i["text"]), i["upvotes"]] for i in field["ideas"]],
                            right={1}))
        if field["act_first"] and field["practices"]:
            self.add("### " + _("Practice examples from the toolbox"), "")
            for x in field["practices"]:
                place = f" ({text(x['place'])})" if x["place"] else ""
                self.add(f"- **{text(x['title'])}**{place}: {text(x['text'])}")
            self.add("")

    def consensus(self) -> None:
        _ = self.tr.gettext
        targets = r.target_of(self.data)
        kind = {"challenges": _("Challenge"), "principles": _("Principle")}
        self.add("## " + _("Widest consensus"), "")
        header = [_("Item"), _("Action field"), _("Type"), _("Consensus"), _("Mean")] + \
            self.group_names()
        rows = [[text(i["text"]), text(i["field"]), kind.get(targets.get(i["id"]), ""),
                 self.num(i["consensus"], 2), self.num(i["mean"]), *self.group_means(i)]
                for i in self.data["consensus"]]
        self.add(*(table(header, rows, right={3, 4}) if rows
                   else ["*" + _("No ratings yet.") + "*", ""]))
        self.add("## " + _("Sharpest divergence"), "")
        header = [_("Item"), _("Action field"), _("Type"), _("Gap")] + self.group_names()
        rows = [[text(i["text"]), text(i["field"]), kind.get(targets.get(i["id"]), ""),
                 self.num(i["divergence"]), *self.group_means(i)]
                for i in self.data["divergence"]]
        self.add(*(table(header, rows, right={3}) if rows else [
            "*" + _("No item divides the groups by %(threshold)s points or more.",
                    threshold=self.num(self.data["method"]["divergence_threshold"])) + "*",
            ""]))

    def general_ideas(self) -> None:
        _ = self.tr.gettext
        if self.data["ideas"]:
            self.add("## " + _("Further ideas"), "")
            self.add(*table([_("Idea"), _("Upvotes")],
                            [[text(i["text"]), i["upvotes"]] for i in self.data["ideas"]],
                            right={1}))

    def shifts(self) -> None:
        _ = self.tr.gettext
        if not self.data["shifts"]:
            return
        titles = {f["id"]: f["title"] for f in self.data["fields"]}
        self.add("## " + _("Shifts after a second vote"), "")
        for shift in self.data["shifts"]:
            digits = 1 if shift["kind"] == "rating" else 0
            self.add(f"### {text(titles.get(shift['field'], ''))}: {text(shift['question'])}",
                     "")
            header = [_("Item"), _("Before"), _("After"), _("Change")] + self.group_names()
            rows = [[text(i["text"]), self.num(i["before"], digits), self.num(i["after"], digits),
                     r.signed(i["change"], digits, self.language),
                     *self.group_changes(i, digits)] for i in shift["items"]]
            self.add(*table(header, rows, right={1, 2, 3}))

    def method(self) -> None:
        _ = self.tr.gettext
        self.add("## " + _("Note on method"), "")
        for heading, note in r.method_notes(self.tr, self.data["method"]):
            self.add(f"**{heading}.** {note}", "")
        source = self.data["session"]["source"]
        if source:
            self.add("**" + _("Source of the items") + f".** {text(source)}", "")

    def render(self) -> str:
        self.head()
        self.participation()
        self.act_first()
        for field in self.data["fields"]:
            if r.has_results(field):
                self.field(field)
        self.consensus()
        self.general_ideas()
        self.shifts()
        self.method()
        return "\n".join(self.lines).rstrip() + "\n"


def render(data: dict[str, Any], tr: Translator) -> str:
    return Writer(data, tr).render()


def export(ctx: Context) -> Export:
    data = summary.build(ctx.session, ctx.workshop, ctx.language)
    return Export(render(data, ctx.tr).encode("utf-8"), MIMETYPE)
