"""XLSX export: an "About" sheet, a sheet per opened round, the per-vote rows, the ideas."""

import io
import re
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from workshop.exports import VOTE_COLUMNS, Context, Export, utc
from workshop.models import Round, utcnow
from workshop.results import MIN_GROUP_VOTERS
from workshop.state import ideas, round_results

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_WIDTH = 60
MIN_WIDTH = 6

# Labels by language; a language without its own falls back to English.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "about": "About", "votes_sheet": "Votes", "ideas_sheet": "Ideas",
        "title": "Title", "place": "Place", "date": "Date", "catalogue": "Catalogue",
        "languages": "Languages", "created": "Created (UTC)", "ended": "Ended (UTC)",
        "exported": "Exported (UTC)", "groups": "Groups", "group": "Group", "name": "Name",
        "participants": "Participants",
        "rounds": "Rounds", "round": "Round", "kind": "Kind", "field": "Action field",
        "target": "Target", "question": "Question", "state": "State", "revealed": "Revealed",
        "attempts": "Attempts", "voters": "Voters (last attempt)", "sheet": "Sheet",
        "ideas_count": "Ideas (last attempt)", "privacy": "Privacy", "method": "Method",
        "attempt": "Attempt", "item": "Item", "text": "Text", "votes": "Votes",
        "mean": "Mean", "median": "Median", "rated": "Rated {}", "cant_judge": "Can't judge",
        "consensus": "Consensus", "divergence": "Divergence", "divergent": "Divergent",
        "points": "Points", "givers": "Givers", "upvotes": "Upvotes", "hidden": "Hidden",
        "too_few": "too few to show", "yes": "yes", "no": "no",
        "rating": "Rating", "dots": "Dots", "ideas": "Ideas",
        "privacy_text": (
            "Participants are anonymous: no names, IP addresses or devices are stored. In the "
            "Votes sheet a participant is a pseudonym (P-...) that is the same in every "
            "export of this session and cannot be linked to a phone. A per-group figure from "
            "fewer than {n} voters is never shown: it reads \"too few to show\". In the Votes "
            "sheet the group is left blank for participants of a group with fewer than {n} "
            "members; their votes still count in every total."),
        "method_text": (
            "Ratings: 1 to 5, \"can't judge\" is counted apart and not in the mean. "
            "Consensus: per group the share agreeing (4 or 5) with a Laplace prior, "
            "(agree + 1) / (voters + 2), combined as the geometric mean over the groups. "
            "Divergence: the largest gap between two group means shown; divergent from 1.0. "
            "Dots: the points given and how many gave any. Rounds are numbered by their "
            "place in the agenda; a reopened round has one row per item and attempt."),
    },
    "de": {
        "about": "Info", "votes_sheet": "Stimmen", "ideas_sheet": "Ideen",
        "title": "Titel", "place": "Ort", "date": "Datum", "catalogue": "Katalog",
        "languages": "Sprachen", "created": "Angelegt (UTC)", "ended": "Beendet (UTC)",
        "exported": "Exportiert (UTC)", "groups": "Gruppen", "group": "Gruppe",
        "name": "Name", "participants": "Teilnehmende",
        "rounds": "Runden", "round": "Runde", "kind": "Art", "field": "Handlungsfeld",
        "target": "Gegenstand", "question": "Frage", "state": "Status",
        "revealed": "Aufgedeckt", "attempts": "Durchgänge",
        "voters": "Abstimmende (letzter Durchgang)", "sheet": "Blatt",
        "ideas_count": "Ideen (letzter Durchgang)", "privacy": "Datenschutz",
        "method": "Methode", "attempt": "Durchgang", "item": "Punkt", "text": "Text",
        "votes": "Stimmen", "mean": "Mittelwert", "median": "Median",
        "rated": "Bewertet mit {}", "cant_judge": "Kann ich nicht beurteilen",
        "consensus": "Konsens", "divergence": "Divergenz", "divergent": "Divergent",
        "points": "Punkte", "givers": "Punktgebende", "upvotes": "Zustimmungen",
        "hidden": "Ausgeblendet", "too_few": "zu wenige zum Anzeigen", "yes": "ja",
        "no": "nein", "rating": "Bewertung", "dots": "Punkte", "ideas": "Ideen",
        "privacy_text": (
            "Die Teilnahme ist anonym: Es werden keine Namen, IP-Adressen oder Geräte "
            "gespeichert. Im Blatt Stimmen steht für jede Person ein Pseudonym (P-...), das "
            "in jedem Export dieser Sitzung gleich ist und sich keinem Telefon zuordnen "
            "lässt. Eine Zahl für eine Gruppe mit weniger als {n} Abstimmenden wird nie "
            "gezeigt: dort steht \"zu wenige zum Anzeigen\". Im Blatt Stimmen bleibt die "
            "Gruppe leer, wenn die Gruppe weniger als {n} Mitglieder hat; die Stimmen zählen "
            "trotzdem in allen Summen."),
        "method_text": (
            "Bewertungen: 1 bis 5; \"kann ich nicht beurteilen\" wird getrennt gezählt und "
            "nicht gemittelt. Konsens: je Gruppe der Anteil der Zustimmung (4 oder 5) mit "
            "Laplace-Prior, (Zustimmung + 1) / (Abstimmende + 2), als geometrisches Mittel "
            "über die Gruppen. Divergenz: der größte Abstand zweier gezeigter "
            "Gruppenmittelwerte; divergent ab 1,0. Punkte: die vergebenen Punkte und wie "
            "viele Personen Punkte gaben. Runden sind nach ihrer Stelle in der Agenda "
            "nummeriert; eine wieder geöffnete Runde hat eine Zeile je Punkt und Durchgang."),
    },
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
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
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
    labels = {**LABELS["en"], **LABELS.get(ctx.language, {})}
    workshop = ctx.workshop
    group_names = {g.key: ctx.text(g.name) for g in workshop.groups}
    field_titles = {f["id"]: ctx.text(f["title"]) for f in workshop.catalogue["action_fields"]}
    taken: set[str] = set()
    about_name = _sheet_name(labels["about"], taken)
    round_sheets: list[tuple[Round, Sheet]] = []
    for rnd in workshop.rounds:
        if rnd.state == "pending":
            continue  # never opened: nothing to show; the About sheet lists it
        title = f"R{ctx.round_number(rnd)} {labels[rnd.kind]} {field_titles.get(rnd.field, '')}"
        round_sheets.append((rnd, _round_sheet(ctx, rnd, _sheet_name(title, taken), labels,
                                               group_names)))
    votes = _votes_sheet(ctx, _sheet_name(labels["votes_sheet"], taken))
    all_ideas = _ideas_sheet(ctx, _sheet_name(labels["ideas_sheet"], taken), labels)
    about = _about_sheet(ctx, about_name, labels, group_names, field_titles,
                         {rnd.id: sheet.name for rnd, sheet in round_sheets})

    book = Workbook(write_only=True)
    for sheet in (about, *(s for _, s in round_sheets), votes, all_ideas):
        sheet.write(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return Export(buffer.getvalue(), MIMETYPE)


def _round_sheet(ctx: Context, rnd: Round, name: str, labels: dict[str, str],
                 group_names: dict[str, str]) -> Sheet:
    texts = {item["id"]: ctx.text(item["text"]) for item in rnd.items}
    groups = [g.key for g in ctx.workshop.groups]
    head = [labels["attempt"], labels["item"], labels["text"]]
    if rnd.kind == "ideas":
        sheet = Sheet(name, [labels["attempt"], labels["text"], labels["upvotes"],
                             labels["hidden"]], wide=(1,))
        for attempt in range(1, rnd.attempt + 1):
            for idea in ideas(ctx.session, rnd, include_hidden=True, attempt=attempt):
                sheet.add([attempt, idea["text"], idea["upvotes"], idea["hidden"]])
        return sheet
    if rnd.kind == "rating":
        overall = ["votes", "mean", "median", *(f"rated:{v}" for v in range(1, 6)),
                   "cant_judge", "consensus", "divergence", "divergent"]
        per_group = ["votes", "mean", "median"]
    else:
        overall, per_group = ["points", "votes"], ["points", "votes"]

    def label(key: str) -> str:
        if key.startswith("rated:"):
            return labels["rated"].format(key[6:])
        return labels["givers" if key == "votes" and rnd.kind == "dots" else key]

    columns = [*((label(k), k) for k in overall),
               *((f"{group_names[g]}: {label(k)}", k) for g in groups for k in per_group)]
    sheet = Sheet(name, [*head, *(title for title, _ in columns)], freeze="D2", wide=(2,))
    for i, (_title, key) in enumerate(columns, start=len(head)):
        if key in NUMBER_FORMATS:
            sheet.formats[i] = NUMBER_FORMATS[key]
    for attempt in range(1, rnd.attempt + 1):
        computed = round_results(ctx.session, ctx.workshop, rnd, attempt=attempt)
        for entry in computed["items"]:
            row: list[Any] = [attempt, entry["id"], texts.get(entry["id"], "")]
            for key in overall:
                if key.startswith("rated:"):
                    row.append(entry["distribution"][key[6:]])
                else:
                    row.append(entry[key])
            for group in groups:
                figures = entry["groups"][group]
                for key in per_group:
                    row.append(labels["too_few"] if figures.get("suppressed")
                               else figures[key])
            sheet.add(row)
    return sheet


def _votes_sheet(ctx: Context, name: str) -> Sheet:
    sheet = Sheet(name, [*VOTE_COLUMNS[:-1], "time (UTC)"])
    for row in ctx.vote_rows():
        sheet.add([row[column] for column in VOTE_COLUMNS])
    return sheet


def _ideas_sheet(ctx: Context, name: str, labels: dict[str, str]) -> Sheet:
    sheet = Sheet(name, [labels["round"], labels["attempt"], labels["text"],
                         labels["upvotes"], labels["hidden"]], wide=(2,))
    for rnd in ctx.workshop.rounds:
        if rnd.kind != "ideas" or rnd.state == "pending":
            continue
        for attempt in range(1, rnd.attempt + 1):
            for idea in ideas(ctx.session, rnd, include_hidden=True, attempt=attempt):
                sheet.add([ctx.round_number(rnd), attempt, idea["text"], idea["upvotes"],
                           idea["hidden"]])
    return sheet


def _about_sheet(ctx: Context, name: str, labels: dict[str, str],
                 group_names: dict[str, str], field_titles: dict[str, str],
                 sheet_names: dict[int, str]) -> Sheet:
    """Label/value lines, then the groups and the rounds as small tables."""
    workshop = ctx.workshop
    sheet = Sheet(name, [], freeze="", wide=(1,))
    catalogue_title = ctx.text(workshop.catalogue.get("title"))
    for key, value in (
            ("title", workshop.title), ("place", workshop.place), ("date", workshop.date),
            ("catalogue", f"{catalogue_title} ({workshop.catalogue_id})"),
            ("languages", ", ".join(workshop.languages)),
            ("created", utc(workshop.created_at)), ("ended", utc(workshop.ended_at)),
            ("exported", utcnow()), ("participants", len(ctx.participants))):
        sheet.add([labels[key], value])
    sheet.add([])
    sheet.add([labels["groups"]], bold=True)
    sheet.add([labels["group"], labels["name"], labels["participants"]], bold=True)
    for key, count in ctx.group_members.items():
        sheet.add([key, group_names[key], count])
    sheet.add([])
    sheet.add([labels["rounds"]], bold=True)
    sheet.add([labels["round"], labels["question"], labels["kind"], labels["field"],
               labels["target"], labels["state"], labels["revealed"], labels["attempts"],
               labels["voters"], labels["ideas_count"], labels["sheet"]], bold=True)
    for rnd in workshop.rounds:
        voters = idea_count = None
        if rnd.state != "pending" and rnd.kind == "ideas":
            idea_count = len(ideas(ctx.session, rnd, include_hidden=True))
        elif rnd.state != "pending":
            voters = round_results(ctx.session, workshop, rnd)["voters"]
        sheet.add([ctx.round_number(rnd), ctx.text(rnd.question), labels[rnd.kind],
                   field_titles.get(rnd.field, "") if rnd.field else "", rnd.target, rnd.state,
                   labels["yes" if rnd.revealed else "no"], rnd.attempt, voters, idea_count,
                   sheet_names.get(rnd.id, "")])
    sheet.add([])
    sheet.add([labels["privacy"], labels["privacy_text"].format(n=MIN_GROUP_VOTERS)])
    sheet.add([labels["method"], labels["method_text"]])
    return sheet
