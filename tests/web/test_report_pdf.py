"""The PDF report as a reader meets it: headings never alone at a page's foot, header words
broken only where the language allows, real file properties, a file name per language."""

import copy
import io
from datetime import UTC, datetime

import pyphen
import pytest
from pypdf import PdfReader
from reportlab import rl_config
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import BaseDocTemplate, Paragraph, Table

from tests import report_room
from tests.factories import auth
from workshop import summary
from workshop.exports import pdf
from workshop.extensions import db
from workshop.i18n import Translator
from workshop.models import WorkshopSession

LANGUAGES = ["de", "en"]


@pytest.fixture
def backend():
    """How a PDF is laid out does not depend on the database: SQLite is enough here."""
    return "sqlite"


@pytest.fixture
def room(app, client):
    return report_room.run(app, client)


def summary_data(room, language: str) -> dict:
    with db.read() as session:
        return summary.build(session, session.get(WorkshopSession, room.created["id"]), language)


def comparison_data(app, client, room, language: str) -> dict:
    later = report_room.run(app, client, title="Integrationsworkshop Erfurt 2027",
                            date="2027-03-13", second_vote=False)
    with db.read() as session:
        first, second = (session.get(WorkshopSession, r.created["id"]) for r in (room, later))
        data = summary.compare(session, first, second, language)
        data["first"]["participation"] = summary.participation(session, first)
        data["second"]["participation"] = summary.participation(session, second)
    return data


def long_report(data: dict) -> dict:
    """Twelve copies of the health field, each with a different number of challenges and
    ideas, so that headings land at every height of a page somewhere in the report."""
    data = copy.deepcopy(data)
    health = next(f for f in data["fields"] if f["id"] == "health")
    fields = []
    for k in range(12):
        field = copy.deepcopy(health)
        field["id"], field["title"] = f"health-{k}", f"{health['title']} {k + 1}"
        field["challenges"] = field["challenges"][:1 + k % 4]
        field["ideas"] = [{"id": i, "text": f"Idea {i}: {'more words ' * (i % 5)}",
                           "upvotes": i} for i in range(3 * k)]
        fields.append(field)
    data["fields"] = fields
    data["ideas"] = [{"id": i, "text": f"Further idea {i}", "upvotes": 0} for i in range(17)]
    return data


def drawn(monkeypatch, build) -> list[tuple[int, object]]:
    """(page, flowable) for everything ReportLab placed, in order, while `build` runs."""
    placed = []
    monkeypatch.setattr(BaseDocTemplate, "afterFlowable",
                        lambda doc, flowable: placed.append((doc.page, flowable)))
    build()
    return placed


def text_of(flowable) -> str:
    return " ".join(flowable.getPlainText().split()) if isinstance(flowable, Paragraph) else ""


def lonely_headings(placed: list[tuple[int, object]]) -> list[str]:
    """Headings that do not share their page with the start of what they head: the headings
    and lead-in lines right after them, and the first table, chart or text."""
    lonely = []
    for n, (page, flowable) in enumerate(placed):
        if not pdf.is_heading(flowable):
            continue
        for later_page, later in placed[n + 1:]:
            lead_in = pdf.is_heading(later) or (isinstance(later, Paragraph)
                                                and later.style.name in pdf.LEAD_INS)
            content = isinstance(later, Paragraph | Table) or hasattr(later, "contents")
            if not (lead_in or content):
                continue  # spacers and page-break markers
            if later_page != page:
                lonely.append(f"page {page}: {text_of(flowable)!r}")
                break
            if not lead_in:
                break
    return lonely


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_heading_is_left_at_a_page_foot(monkeypatch, app, client, room, language):
    tr = Translator(language)
    data = long_report(summary_data(room, language))
    placed = drawn(monkeypatch, lambda: pdf.render(data, tr))
    pages = max(page for page, _f in placed)
    headings = [text_of(f) for _p, f in placed if pdf.is_heading(f)]
    assert pages > 30 and len(headings) > 80  # long enough to put headings everywhere
    assert lonely_headings(placed) == []
    # The comparison of two workshops follows the same rule.
    compared = comparison_data(app, client, room, language)
    placed = drawn(monkeypatch, lambda: pdf.render_comparison(compared, tr))
    assert lonely_headings(placed) == []


def test_the_check_finds_a_lonely_heading(monkeypatch, room):
    """Without keep_headings() the long report does leave headings at a page's foot."""
    monkeypatch.setattr(pdf, "keep_headings", lambda story: story)
    data = long_report(summary_data(room, "de"))
    placed = drawn(monkeypatch, lambda: pdf.render(data, Translator("de")))
    assert lonely_headings(placed) != []


def hyphen_points(word: str, language: str) -> set[int]:
    dictionary = pyphen.Pyphen(lang={"de": "de_DE", "en": "en_GB"}[language])
    return set(dictionary.positions(word))


def broken_words(paragraph: Paragraph, width: float, language: str) -> list[str]:
    """Where a header paragraph, set in `width`, breaks a word other than at one of the
    dictionary's hyphenation points, breaks a word that would fit on a line of its own, or
    runs wider than its column."""
    style = paragraph.style
    paragraph.wrap(width, 1000)
    lines = paragraph.blPara.lines
    assert paragraph.blPara.kind == 0  # plain text: lines are (space left, words)
    words = paragraph.getPlainText().replace(pdf.SHY, "").split()
    # ReportLab lets a line squeeze its spaces a little (rl_config.spaceShrinkage), a fraction
    # of a point that the cell's padding takes; anything wider runs out of the column.
    squeeze = rl_config.spaceShrinkage * stringWidth(" ", style.fontName, style.fontSize)
    problems, i, head = [], 0, ""
    for n, (space_left, tokens) in enumerate(lines):
        if space_left < -squeeze * len(tokens) - 0.01:
            problems.append(f"line {n + 1} of {words} overflows its column")
        for k, token in enumerate(str(t).replace(pdf.SHY, "") for t in tokens):
            word, last = words[i], k == len(tokens) - 1
            if head + token == word:
                i, head = i + 1, ""
            elif last and token.endswith("-") and word.startswith(head + token[:-1]):
                head += token[:-1]
                if len(head) not in hyphen_points(word, language):
                    problems.append(f"{word!r} broken at {head!r}, not a hyphenation point")
                if stringWidth(word, style.fontName, style.fontSize) <= width:
                    problems.append(f"{word!r} hyphenated although it fits its column")
            else:
                problems.append(f"{word!r} broken as {head + token!r}")
                break
    return problems


def header_cells(story: list):
    """Every header paragraph of the report's tables, with the width it is set in."""
    for flowable in story:
        if isinstance(flowable, Table):
            for row in flowable._cellvalues[:flowable.repeatRows]:
                for cell, width in zip(row, flowable._argW, strict=True):
                    # Once laid out, ReportLab holds a cell's flowables in a tuple.
                    for part in cell if isinstance(cell, list | tuple) else [cell]:
                        if isinstance(part, Paragraph):
                            yield part, width - 2 * pdf.CELL_PADDING


@pytest.mark.parametrize("language", LANGUAGES)
def test_table_headers_break_only_between_words_or_at_hyphenation_points(app, client, room,
                                                                         language):
    tr = Translator(language)
    report = pdf.SummaryReport(summary_data(room, language), tr)
    report.build()
    comparison = pdf.CompareReport(comparison_data(app, client, room, language), tr)
    comparison.build()
    cells = list(header_cells(report.story)) + list(header_cells(comparison.story))
    texts = {cell.getPlainText().replace(pdf.SHY, "") for cell, _w in cells}
    assert {"de": "Wie gut umgesetzt", "en": "How well done"}[language] in texts
    assert {"de": "Migrantische Organisationen", "en": "Migrant organisations"}[language] in texts
    problems = {}
    for cell, width in cells:
        found = broken_words(cell, width, language)
        if found:
            problems[cell.getPlainText()] = found
    assert problems == {}


def test_the_header_check_finds_a_word_cut_anywhere(monkeypatch):
    """ReportLab's splitLongWords cuts "umgesetzt" where it runs out of room: caught."""
    style = copy.copy(pdf.styles()["head_num"])
    style.splitLongWords = 1
    cut = Paragraph("Wie gut umgesetzt", style)
    assert any("umgesetzt" in p for p in broken_words(cut, 30, "de"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_pdf_properties(client, room, language):
    before = datetime.now(UTC).replace(microsecond=0)
    response = client.get(f"/sessions/{room.created['id']}/export.pdf?lang={language}",
                          headers=auth(room.created["facilitator_token"]))
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="integrationsworkshop-erfurt-2026-03-14-{language}.pdf"'
    reader = PdfReader(io.BytesIO(response.data))
    meta = reader.metadata
    day = {"de": "14. März 2026", "en": "14 March 2026"}[language]
    what = {"de": "Zusammenfassung der Workshop-Ergebnisse",
            "en": "Summary of the workshop results"}[language]
    assert meta.title == "Integrationsworkshop Erfurt"
    assert meta.subject == f"{what} · Rathaus Erfurt · {day}"
    assert {"Rathaus Erfurt", "2026-03-14"} <= set(meta["/Keywords"].split(", "))
    assert meta.author == ""  # not the report's title, not ReportLab's "anonymous"
    assert before <= meta.creation_date <= datetime.now(UTC)  # when it was made, not 2000
    assert reader.trailer["/Root"]["/Lang"] == language


@pytest.mark.parametrize("language", LANGUAGES)
def test_markdown_and_comparison_are_named_per_language(app, client, room, language):
    headers = auth(room.created["facilitator_token"])
    md = client.get(f"/sessions/{room.created['id']}/export.md?lang={language}", headers=headers)
    assert md.headers["Content-Disposition"] == \
        f'attachment; filename="integrationsworkshop-erfurt-2026-03-14-{language}.md"'
    later = report_room.run(app, client, title="Integrationsworkshop Erfurt 2027",
                            date="2027-03-13", second_vote=False)
    both = auth(f"{room.created['facilitator_token']}, {later.created['facilitator_token']}")
    compared = client.get(f"/compare.pdf?a={later.created['id']}&b={room.created['id']}"
                          f"&lang={language}", headers=both)
    assert compared.headers["Content-Disposition"] == (
        'attachment; filename="comparison-integrationsworkshop-erfurt-2026-03-14-'
        f'integrationsworkshop-erfurt-2027-2027-03-13-{language}.pdf"')
    meta = PdfReader(io.BytesIO(compared.data)).metadata
    assert meta.title == "Integrationsworkshop Erfurt → Integrationsworkshop Erfurt 2027"
    assert "Rathaus Erfurt" in meta.subject
