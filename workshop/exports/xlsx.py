"""XLSX export: an "About" sheet, a sheet per opened round, the per-vote rows, the ideas."""

import io
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from workshop import wording
from workshop.exports import Context, Export, utc
from workshop.exports.report import capitalised, method_notes
from workshop.exports.scripts import is_rtl
from workshop.i18n import Translator
from workshop.models import Round, utcnow
from workshop.results import MIN_GROUP_VOTERS, SCALE
from workshop.state import ideas, round_results
from workshop.summary import method

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_WIDTH = 60
MIN_WIDTH = 6



def labels(tr: Translator) -> dict[str, str]:
    """The workbook's labels in its language: the texts the summary and the PDF use."""
    _ = tr.gettext
    return {
        "about": _("About"), "votes_sheet": _("Votes"), "ideas_sheet": _("Ideas"),
        "title": _("Title"), "place": _("Place"), "date": _("Date"),
        "catalogue": _("Catalogue"), "languages": _("Languages"),
        "created": _("Created (UTC)"), "ended": _("Ended (UTC)"),
        "exported": _("Exported (UTC)"), "participants": _("Participants"),
        "groups": _("Stakeholder groups"), "group": _("Group"), "rounds": _("Agenda"),
        "round": _("Round"), "question": _("Question"), "kind": _("Kind of round"),
        "field": _("Action field"), "target": _("Items"), "state": _("State"),
        "revealed": _("Results shown"), "attempts": _("Votes held"), "voters": _("Voters"),
        "ideas_count": _("Ideas"), "sheet": _("Sheet"),
        "method": _("Note on method"), "attempt": _("Vote"), "item": _("Item id"),
        "text": _("Item"), "idea": _("Idea"), "votes": _("Votes"), "mean": _("Mean"),
        "median": _("Median"), "cant_judge": capitalised(wording.cant_judge(tr)),
        "consensus": _("Consensus"), "divergence": _("Gap"), "divergent": _("Divergent"),
        "points": _("Points"), "givers": _("Gave points"), "upvotes": _("Upvotes"),
        "hidden": _("Hidden"), "participant": _("Participant"), "value": _("Answer"),
        "time": _("Time (UTC)"),
    }


# Metrics arrive rounded (2 digits, consensus 3); the formats show them so.
NUMBER_FORMATS = {"mean": "0.00", "median": "0.0", "divergence": "0.00", "consensus": "0.000"}
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


class Sheet:
    """A table collected in memory, written at the end: widths need every value first."""

    def __init__(self, name: str, header: list[str], *, freeze: str = "A2",
                 wide: tuple[int, ...] = ()):
        self.name = name
        self.rows: list[list[Any]] = [header] if header else []
        self.bold: set[int] = {0} if header else set()  # row indexes shown in bold
        self.freeze = freeze
        self.wide = wide  # columns (0-based) holding long texts: wrapped, at most MAX_WIDTH
        self.formats: dict[int, str] = {}  # column -> number format

    def add(self, row: list[Any], *, bold: bool = False) -> None:
        if bold:
            self.bold.add(len(self.rows))
        self.rows.append(row)

    def write(self, book: Workbook) -> None:
        ws = book.create_sheet(self.name)
        if self.freeze:
            ws.freeze_panes = self.freeze
        columns = max((len(row) for row in self.rows), default=0)
        for i in range(columns):
            width = max((_width(row[i]) for row in self.rows if i < len(row)), default=0) + 2
            ws.column_dimensions[get_column_letter(i + 1)].width = min(
                max(width, MIN_WIDTH), MAX_WIDTH)
        for n, row in enumerate(self.rows):
            bold = n in self.bold
            ws.append([_cell(ws, value, bold=bold, fmt=None if bold else self.formats.get(i),
                             wrap=i in self.wide and not bold)
                       for i, value in enumerate(row)])


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, float):
        return 6
    if isinstance(value, datetime):
        return len(TIME_FORMAT)
    return max((len(line) for line in str(value).splitlines()), default=0)


def _cell(ws, value: Any, *, bold: bool = False, fmt: str | None = None,
          wrap: bool = False) -> WriteOnlyCell:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    elif isinstance(value, datetime):
        value = utc(value).replace(tzinfo=None)  # Excel has no time zones; the header says UTC
        fmt = fmt or TIME_FORMAT
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # a participant's "=HYPERLINK(...)" stays text, never a formula
    if bold:
        cell.font = Font(bold=True)
    if fmt:
        cell.number_format = fmt
    # A text that starts right to left (an idea in Arabic or Farsi) reads from the right, as
    # Excel would guess; LibreOffice would lay it out left to right otherwise.
    rtl = isinstance(value, str) and is_rtl(value)
    if wrap or rtl:
        cell.alignment = Alignment(wrap_text=True if wrap else None,
                                   vertical="top" if wrap else None, readingOrder=2 if rtl else 0)
    return cell


def _sheet_name(text: str, taken: set[str]) -> str:
    """At most 31 characters, none of []:*?/\\, unique regardless of case."""
    name = re.sub(r"[\[\]:*?/\\]", " ", text)
    name = " ".join(name.split())[:31].strip().strip("'") or "Sheet"
    base, n = name, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def export(ctx: Context) -> Export:
    return prepare(ctx)()


def prepare(ctx: Context) -> Callable[[], Export]:
    """Every sheet collected from the database now; the workbook written by the function."""
    tr = ctx.tr
    words = labels(tr)
    workshop = ctx.workshop
    group_names = {g.key: ctx.text(g.name) for g in workshop.groups}
    field_titles = {f["id"]: ctx.text(f["title"]) for f in workshop.catalogue["action_fields"]}
    taken: set[str] = set()
    about_name = _sheet_name(words["about"], taken)
    round_sheets: list[tuple[Round, Sheet]] = []
    for rnd in workshop.rounds:
        if rnd.state == "pending":
            continue  # never opened: nothing to show; the About sheet lists it
        title = (f"R{ctx.round_number(rnd)} {wording.kind_name(tr, rnd.kind)} "
                 f"{field_titles.get(rnd.field, '')}")
        round_sheets.append((rnd, _round_sheet(ctx, rnd, _sheet_name(title, taken), words,
                                               group_names)))
    votes_name = _sheet_name(words["votes_sheet"], taken)
    votes = _votes_sheet(ctx, votes_name, words, group_names, field_titles)
    all_ideas = _ideas_sheet(ctx, _sheet_name(words["ideas_sheet"], taken), words)
    about = _about_sheet(ctx, about_name, words, group_names, field_titles,
                         {rnd.id: sheet.name for rnd, sheet in round_sheets}, votes_name)

    sheets = (about, *(s for _, s in round_sheets), votes, all_ideas)
    return lambda: Export(_workbook(sheets), MIMETYPE)


def _workbook(sheets) -> bytes:
    book = Workbook(write_only=True)
    for sheet in sheets:
        sheet.write(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _item_texts(ctx: Context, rnd: Round) -> dict[str, str]:
    return {item["id"]: ctx.text(item["text"]) for item in rnd.items}


def _round_sheet(ctx: Context, rnd: Round, name: str, words: dict[str, str],
                 group_names: dict[str, str]) -> Sheet:
    tr = ctx.tr
    texts = _item_texts(ctx, rnd)
    groups = [g.key for g in ctx.workshop.groups]
    if rnd.kind == "ideas":
        sheet = Sheet(name, [words["attempt"], words["idea"], words["upvotes"],
                             words["hidden"]], wide=(1,))
        for attempt in range(1, rnd.attempt + 1):
            for idea in ideas(ctx.session, rnd, include_hidden=True, attempt=attempt):
                sheet.add([wording.attempt_name(tr, attempt), idea["text"], idea["upvotes"],
                           wording.yes_no(tr, idea["hidden"])])
        return sheet
    if rnd.kind == "rating":
        scale = wording.scale_labels(tr, rnd.target)
        overall = ["votes", "mean", "median", *(f"rated:{v}" for v in SCALE),
                   "cant_judge", "consensus", "divergence", "divergent"]
        per_group = ["votes", "mean", "median"]
    else:
        scale = {}
        overall, per_group = ["points", "votes"], ["points", "votes"]

    def label(key: str) -> str:
        if key.startswith("rated:"):  # "1 = does not apply": the answer with its label
            value = int(key[6:])
            return f"{value} = {scale[value]}"
        return words["givers" if key == "votes" and rnd.kind == "dots" else key]

    head = [words["attempt"], words["item"], words["text"]]
    columns = [*((label(k), k) for k in overall),
               *((f"{group_names[g]}: {label(k)}", k) for g in groups for k in per_group)]
    sheet = Sheet(name, [*head, *(title for title, _ in columns)], freeze="D2", wide=(2,))
    for i, (_title, key) in enumerate(columns, start=len(head)):
        if key in NUMBER_FORMATS:
            sheet.formats[i] = NUMBER_FORMATS[key]
    too_few = wording.too_few(tr)
    for attempt in range(1, rnd.attempt + 1):
        computed = round_results(ctx.session, ctx.workshop, rnd, attempt=attempt)
        for entry in computed["items"]:
            row: list[Any] = [wording.attempt_name(tr, attempt), entry["id"],
                              texts.get(entry["id"], "")]
            for key in overall:
                if key.startswith("rated:"):
                    row.append(entry["distribution"][key[6:]])
                elif key == "divergent":
                    row.append(wording.yes_no(tr, entry[key]))
                else:
                    row.append(entry[key])
            for group in groups:
                figures = entry["groups"][group]
                for key in per_group:
                    row.append(too_few if figures.get("suppressed") else figures[key])
            sheet.add(row)
    return sheet


def _votes_sheet(ctx: Context, name: str, words: dict[str, str], group_names: dict[str, str],
                 field_titles: dict[str, str]) -> Sheet:
    """The CSV's rows for people: names and words instead of ids, the item's text beside
    its id; the same privacy rule (no group for a group too small to hide in)."""
    tr = ctx.tr
    texts = {item_id: text for rnd in ctx.workshop.rounds
             for item_id, text in _item_texts(ctx, rnd).items()}
    sheet = Sheet(name, [words["participant"], words["group"], words["round"], words["kind"],
                         words["field"], words["target"], words["attempt"], words["item"],
                         words["text"], words["value"], words["time"]], wide=(8,))
    cant_judge = wording.cant_judge(tr)
    for row in ctx.vote_rows():
        sheet.add([row["participant"], group_names.get(row["group"], ""), row["round"],
                   wording.kind_name(tr, row["round_kind"]), field_titles.get(row["field"], ""),
                   wording.target_name(tr, row["target"]), wording.attempt_name(tr, row["attempt"]),
                   row["item"], texts.get(row["item"], ""),
                   cant_judge if row["value"] == "cant_judge" else row["value"], row["time"]])
    return sheet


def _ideas_sheet(ctx: Context, name: str, words: dict[str, str]) -> Sheet:
    tr = ctx.tr
    sheet = Sheet(name, [words["round"], words["attempt"], words["idea"],
                         words["upvotes"], words["hidden"]], wide=(2,))
    for rnd in ctx.workshop.rounds:
        if rnd.kind != "ideas" or rnd.state == "pending":
            continue
        for attempt in range(1, rnd.attempt + 1):
            for idea in ideas(ctx.session, rnd, include_hidden=True, attempt=attempt):
                sheet.add([ctx.round_number(rnd), wording.attempt_name(tr, attempt),
                           idea["text"], idea["upvotes"], wording.yes_no(tr, idea["hidden"])])
    return sheet


def _about_sheet(ctx: Context, name: str, words: dict[str, str],
                 group_names: dict[str, str], field_titles: dict[str, str],
                 sheet_names: dict[int, str], votes_sheet: str) -> Sheet:
    """Label/value lines, then the groups and the rounds as small tables, then the notes."""
    tr, _ = ctx.tr, ctx.tr.gettext
    workshop = ctx.workshop
    sheet = Sheet(name, [], freeze="", wide=(1,))
    catalogue_title = ctx.text(workshop.catalogue.get("title"))
    for key, value in (
            ("title", workshop.title), ("place", workshop.place),
            ("date", wording.long_date(workshop.date, ctx.language)),
            ("catalogue", f"{catalogue_title} ({workshop.catalogue_id})"),
            ("languages", ", ".join(wording.language_name(tr, code)
                                    for code in workshop.languages)),
            ("created", utc(workshop.created_at)), ("ended", utc(workshop.ended_at)),
            ("exported", utcnow()), ("participants", len(ctx.participants))):
        sheet.add([words[key], value])
    sheet.add([])
    sheet.add([words["groups"]], bold=True)
    sheet.add([words["group"], words["participants"]], bold=True)
    for key, count in ctx.group_members.items():
        sheet.add([group_names[key], count])
    sheet.add([])
    sheet.add([words["rounds"]], bold=True)
    sheet.add([words["round"], words["question"], words["kind"], words["field"],
               words["target"], words["state"], words["revealed"], words["attempts"],
               words["voters"], words["ideas_count"], words["sheet"]], bold=True)
    for rnd in workshop.rounds:
        voters = idea_count = None
        if rnd.state != "pending" and rnd.kind == "ideas":
            idea_count = len(ideas(ctx.session, rnd, include_hidden=True))
        elif rnd.state != "pending":
            voters = round_results(ctx.session, workshop, rnd)["voters"]
        sheet.add([ctx.round_number(rnd), ctx.text(rnd.question),
                   wording.kind_name(tr, rnd.kind), field_titles.get(rnd.field, ""),
                   wording.target_name(tr, rnd.target), wording.state_name(tr, rnd.state),
                   wording.yes_no(tr, rnd.revealed), rnd.attempt, voters, idea_count,
                   sheet_names.get(rnd.id, "")])
    sheet.add([])
    sheet.add([votes_sheet, _(
        "Each row is one vote. A participant appears as a pseudonym (P-...), the same in every "
        "export of this session, which cannot be linked to a phone: no names, IP addresses or "
        "devices are stored. The group is left empty for the members of a group with fewer "
        "than %(min)d members, and of as many more groups as it takes for the rows without a "
        "group to belong to at least %(min)d people; their votes still count in every total.",
        min=MIN_GROUP_VOTERS)])
    sheet.add([words["rounds"], _(
        "Rounds are numbered by their place in the agenda. A round reopened for a second vote "
        "has a row per item for each vote.")])
    sheet.add([])
    sheet.add([words["method"]], bold=True)
    for heading, text in method_notes(tr, method()):
        sheet.add([heading, text])
    return sheet
