"""PDF report: the organisers' summary (and the comparison of two sessions) for a council.

Drawn with ReportLab; charts with reportlab.graphics, so nothing outside the package is
needed. The bundled DejaVu Sans Condensed prints German, Turkish, Polish, Cyrillic, Arabic
and Persian letters alike; right-to-left text is shaped and ordered by workshop.exports.scripts.
"""

import io
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    ActionFlowable,
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from workshop import summary, wording
from workshop.exports import Context, Export
from workshop.exports import report as r
from workshop.exports.scripts import BidiParagraph, has_rtl, joined, shape, visual, visual_text
from workshop.i18n import Translator
from workshop.results import SCALE

MIMETYPE = "application/pdf"
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT, BOLD, ITALIC = "Report", "Report-Bold", "Report-Italic"

PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 20 * mm, 24 * mm, 20 * mm
WIDTH = PAGE_W - 2 * MARGIN_X
FRAME_H = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM
CELL_PADDING = 3  # points, on each side of a table cell
SHY = "\u00ad"  # a soft hyphen: where ReportLab may break a word, with a hyphen

INK = colors.HexColor("#111827")
MUTED = colors.HexColor("#4b5563")
LINE = colors.HexColor("#d1d5db")
ACCENT = colors.HexColor("#0b5394")
ACCENT_LIGHT = colors.HexColor("#e8f0f8")
ZEBRA = colors.HexColor("#f6f7f9")
# The 1-5 scale: light to dark, the same blue for every question (no good or bad colours).
SCALE_COLOURS = [colors.HexColor(c) for c in ("#dbe7f3", "#a9c6e3", "#6f9fcf", "#3b76b3",
                                               "#0b4a85")]
QUADRANT_COLOURS = {
    "act_first": (colors.HexColor("#b42318"), colors.HexColor("#fdecea")),
    "keep_strong": (colors.HexColor("#1f7a3f"), colors.HexColor("#e9f6ee")),
    "watch": (colors.HexColor("#9a6700"), colors.HexColor("#fdf6e3")),
    "fine": (colors.HexColor("#4b5563"), colors.HexColor("#f3f4f6")),
}


@cache
def register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSansCondensed.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSansCondensed-Bold.ttf")))
    pdfmetrics.registerFont(TTFont(ITALIC, str(FONT_DIR / "DejaVuSansCondensed-Oblique.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=ITALIC, boldItalic=BOLD)


def _base_style(name: str, **kw) -> ParagraphStyle:
    base = {"fontName": FONT, "fontSize": 9.5, "leading": 13, "textColor": INK,
            "splitLongWords": 1, "allowWidows": 0, "allowOrphans": 0}
    return ParagraphStyle(name, **{**base, **kw})


# The report's language, for hyphenation: set while a report builds, from its Translator.
_language: ContextVar[str] = ContextVar("report_language", default="en")


@contextmanager
def _hyphenating(language: str):
    token = _language.set(language)
    try:
        yield
    finally:
        _language.reset(token)


def hyphenation(language: str) -> str | None:
    """pyphen's dictionary for the language (de_DE, en_GB, ...), if it has one."""
    try:
        import pyphen
    except ImportError:  # hyphenation is a nicety; wrapping still works without it
        return None
    wanted = {"de": "de_DE", "en": "en_GB"}.get(language, language)
    return pyphen.language_fallback(wanted.replace("-", "_"))


@cache
def _dictionary(language: str):
    name = hyphenation(language)
    if not name:
        return None
    import pyphen

    return pyphen.Pyphen(lang=name)


def fit_words(text: str, width: float, style: str) -> str:
    """Soft hyphens at the dictionary's points in each word wider than `width`, and nowhere
    else: a short header or label wraps between words only, and a word that cannot fit on
    a line of its own breaks where the language allows ("umge-setzt", never "umgeset/zt")."""
    st = styles()[style]
    dictionary = _dictionary(_language.get())
    words = []
    for word in text.split(" "):
        if dictionary and pdfmetrics.stringWidth(word, st.fontName, st.fontSize) > width:
            word = dictionary.inserted(word, hyphen=SHY)
        words.append(word)
    return " ".join(words)


def styles() -> dict[str, ParagraphStyle]:
    return _styles(_language.get())


@cache
def _styles(language: str) -> dict[str, ParagraphStyle]:
    register_fonts()
    lang = hyphenation(language)

    def _style(name: str, **kw) -> ParagraphStyle:
        return _base_style(name, hyphenationLang=lang, embeddedHyphenation=1, **kw)

    return {
        "body": _style("body", spaceAfter=5),
        "muted": _style("muted", textColor=MUTED, fontSize=8.5, leading=11.5),
        "title": _style("title", fontName=BOLD, fontSize=26, leading=31, textColor=ACCENT,
                        spaceAfter=10),
        "subtitle": _style("subtitle", fontSize=13, leading=17, textColor=MUTED, spaceAfter=4),
        "eyebrow": _style("eyebrow", fontName=BOLD, fontSize=9, leading=12, textColor=MUTED,
                          spaceAfter=6),
        # Headings are kept with what follows them by keep_headings(), not keepWithNext:
        # ReportLab's keepWithNext does not hold a heading to a table that splits.
        "h1": _style("h1", fontName=BOLD, fontSize=17, leading=21, textColor=ACCENT,
                     spaceBefore=4, spaceAfter=8),
        "h2": _style("h2", fontName=BOLD, fontSize=12, leading=15, spaceBefore=10, spaceAfter=5),
        "h3": _style("h3", fontName=BOLD, fontSize=10, leading=13, spaceBefore=6, spaceAfter=3),
        "cell": _style("cell", fontSize=8.5, leading=11),
        "cell_bold": _style("cell_bold", fontName=BOLD, fontSize=8.5, leading=11),
        "cell_num": _style("cell_num", fontSize=8.5, leading=11, alignment=TA_RIGHT),
        "cell_small": _style("cell_small", fontSize=7.5, leading=9.5, textColor=MUTED),
        "cell_few": _style("cell_few", fontSize=7, leading=9, textColor=MUTED,
                           alignment=TA_RIGHT),
        # Header cells and short labels break only between words, or at the soft hyphens
        # fit_words() puts into a word too wide for its column.
        "head": _base_style("head", fontName=BOLD, fontSize=7, leading=9, textColor=INK,
                            splitLongWords=0),
        "head_num": _base_style("head_num", fontName=BOLD, fontSize=7, leading=9,
                                alignment=TA_RIGHT, splitLongWords=0),
        "label": _base_style("label", fontName=BOLD, fontSize=8.5, leading=11, splitLongWords=0),
        "practice": _style("practice", fontSize=8.5, leading=11.5, textColor=INK, spaceAfter=6),
    }


def P(text: Any, style: str = "body") -> Paragraph:
    """A paragraph of plain text (escaped); use Markup() for the few bits of markup."""
    content = text if isinstance(text, Markup) else escape(str(text))
    if has_rtl(content):
        return BidiParagraph(content, styles()[style])
    return Paragraph(content, styles()[style])


class Markup(str):
    """Text already in ReportLab's paragraph markup."""


def bold(text: str) -> Markup:
    return Markup(f"<b>{escape(text)}</b>")


# --- Charts ---------------------------------------------------------------------------------

def distribution_bar(distribution: dict[str, int], mean: float | None,
                     width: float = 24 * mm, height: float = 3.6 * mm) -> Drawing:
    """The answers 1-5 as one stacked bar, the mean as a tick on a 1-5 track below it."""
    d = Drawing(width, height + 2.2 * mm)
    top = 2.2 * mm
    total = sum(distribution.get(str(v), 0) for v in SCALE)
    d.add(Rect(0, top, width, height, fillColor=colors.white, strokeColor=LINE,
               strokeWidth=0.4))
    x = 0.0
    for n, value in enumerate(SCALE):
        count = distribution.get(str(value), 0)
        if total and count:
            w = width * count / total
            d.add(Rect(x, top, w, height, fillColor=SCALE_COLOURS[n], strokeColor=colors.white,
                       strokeWidth=0.3))
            x += w
    d.add(Line(0, 0.9 * mm, width, 0.9 * mm, strokeColor=LINE, strokeWidth=0.6))
    if mean is not None:
        mx = width * (mean - 1) / 4
        d.add(Polygon([mx - 1.2 * mm, 0, mx + 1.2 * mm, 0, mx, 1.9 * mm], fillColor=INK,
                      strokeColor=None))
    return d


def scale_legend(tr: Translator, target: str) -> Drawing:
    """Colour swatches with the scale's labels, under a table with distribution bars."""
    labels = wording.scale_labels(tr, target)
    d = Drawing(WIDTH, 5 * mm)
    x = 0.0
    for n, value in enumerate(SCALE):
        d.add(Rect(x, 1 * mm, 3 * mm, 3 * mm, fillColor=SCALE_COLOURS[n], strokeColor=None))
        text = visual_text(f"{value} = {labels[value]}", FONT)
        d.add(String(x + 4 * mm, 1.5 * mm, text, fontName=FONT, fontSize=7, fillColor=MUTED))
        x += 4 * mm + pdfmetrics.stringWidth(text, FONT, 7) + 5 * mm
    marker = visual_text("\u25b2 " + tr.gettext("mean"), FONT)
    d.add(String(x, 1.5 * mm, marker, fontName=FONT, fontSize=7, fillColor=MUTED))
    return d


def bar_list(rows: list[tuple[str, float, str]], width: float = WIDTH,
             maximum: float | None = None, bar_colour=ACCENT) -> Drawing:
    """Horizontal bars with a label on the left and the value on the right."""
    row_h, label_w, value_w = 7 * mm, 62 * mm, 14 * mm
    d = Drawing(width, row_h * len(rows) + 1 * mm)
    top = max((v for _l, v, _t in rows), default=0)
    maximum = maximum or top or 1
    bar_w = width - label_w - value_w
    for n, (label, value, shown) in enumerate(rows):
        y = d.height - (n + 1) * row_h + 1.5 * mm
        d.add(String(0, y + 1.1 * mm, fitted(label, label_w - 2 * mm, 9), fontName=FONT,
                     fontSize=9, fillColor=INK))
        d.add(Rect(label_w, y, bar_w, 4 * mm, fillColor=ZEBRA, strokeColor=None))
        if value:
            d.add(Rect(label_w, y, bar_w * value / maximum, 4 * mm, fillColor=bar_colour,
                       strokeColor=None))
        d.add(String(width, y + 1.1 * mm, shown, fontName=BOLD, fontSize=9, fillColor=INK,
                     textAnchor="end"))
    return d


def fitted(text: str, width: float, size: float, font: str = FONT) -> str:
    """One line for a chart or a page header: shortened to fit, in display order (shaped and
    right to left where it is written so)."""
    if not has_rtl(text):
        return _fit(text, width, size, font)
    return visual(_fit(shape(text, font), width, size, font))


def _fit(text: str, width: float, size: float, font: str = FONT) -> str:
    """Shorten a label with an ellipsis until it fits."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def matrix_chart(layout: dict[str, Any], tr: Translator) -> Drawing:
    """The priority matrix: how well done (across, 1-5) against priority points (up)."""
    _, language = tr.gettext, tr.language
    width, height = WIDTH, 92 * mm
    left, bottom, right, top = 16 * mm, 13 * mm, 4 * mm, 4 * mm
    pw, ph = width - left - right, height - bottom - top
    threshold, ymax = layout["threshold"], layout["ymax"]
    pad = 4 * mm  # room for the markers at 1 and 5 and at 0 points

    def X(done: float) -> float:
        return left + pad + (pw - 2 * pad) * (done - 1) / 4

    def Y(points: float) -> float:
        return bottom + pad + (ph - pad) * points / ymax

    d = Drawing(width, height)
    mid_x, mid_y = X(layout["midpoint"]), Y(threshold) if threshold else bottom + pad
    top_y = bottom + ph
    quadrants = {"act_first": (left, mid_y, mid_x - left, top_y),
                 "keep_strong": (mid_x, mid_y, left + pw - mid_x, top_y),
                 "watch": (left, bottom, mid_x - left, mid_y),
                 "fine": (mid_x, bottom, left + pw - mid_x, mid_y)}
    for name, (x0, y0, w, y1) in quadrants.items():
        ink, fill = QUADRANT_COLOURS[name]
        d.add(Rect(x0, y0, w, y1 - y0, fillColor=fill, strokeColor=None))
        # Upper quadrants are named at their top, lower ones just under the even-share
        # line, away from the many principles that got no points at all.
        label_y = y1 - 5 * mm if name in ("act_first", "keep_strong") else y1 - 4 * mm
        right_side = name in ("keep_strong", "fine")
        if y1 - y0 >= 9 * mm:
            d.add(String(x0 + w - 2 * mm if right_side else x0 + 2 * mm, label_y,
                         visual_text(r.quadrant_name(tr, name), BOLD), fontName=BOLD,
                         fontSize=9 if name == "act_first" else 8, fillColor=ink,
                         textAnchor="end" if right_side else "start"))
    d.add(Rect(left, bottom, pw, ph, fillColor=None, strokeColor=MUTED, strokeWidth=0.6))
    d.add(Line(mid_x, bottom, mid_x, bottom + ph, strokeColor=MUTED, strokeWidth=0.6,
               strokeDashArray=[2, 2]))
    if threshold:
        d.add(Line(left, mid_y, left + pw, mid_y, strokeColor=MUTED, strokeWidth=0.6,
                   strokeDashArray=[2, 2]))
        d.add(String(mid_x + (left + pw - mid_x) / 2, mid_y + 1 * mm,
                     visual_text(_("even share: %(points)s points",
                                   points=r.num(threshold, 1, language)), FONT),
                     fontName=FONT, fontSize=6.5, fillColor=MUTED, textAnchor="middle"))
    for value in SCALE:
        d.add(Line(X(value), bottom, X(value), bottom - 1.2 * mm, strokeColor=MUTED,
                   strokeWidth=0.6))
        d.add(String(X(value), bottom - 4 * mm, str(value), fontName=FONT, fontSize=7.5,
                     fillColor=MUTED, textAnchor="middle"))
    for tick in layout["ticks"]:
        d.add(Line(left - 1.2 * mm, Y(tick), left, Y(tick), strokeColor=MUTED,
                   strokeWidth=0.6))
        d.add(String(left - 2 * mm, Y(tick) - 2.5, str(tick), fontName=FONT, fontSize=7.5,
                     fillColor=MUTED, textAnchor="end"))
    d.add(String(left + pw / 2, 1.5 * mm,
                 visual_text(f"{r.round_name(tr, 'rating', 'principles')} "
                             f"({wording.scale_ends(tr, 'principles')})", FONT),
                 fontName=FONT, fontSize=8, fillColor=INK, textAnchor="middle"))
    axis = Group(String(0, 0, visual_text(_("Priority points"), FONT), fontName=FONT,
                        fontSize=8, fillColor=INK, textAnchor="middle"))
    axis.translate(4 * mm, bottom + ph / 2)
    axis.rotate(90)
    d.add(axis)
    for p in layout["points"]:
        cx = X(p["done"]) + 3.6 * mm * p["dx"]
        cy = Y(p["points"]) + 3.6 * mm * p["dy"]
        ink = QUADRANT_COLOURS.get(p["quadrant"], (ACCENT, None))[0]
        d.add(Circle(cx, cy, 2.6 * mm, fillColor=ink, strokeColor=colors.white,
                     strokeWidth=0.8))
        d.add(String(cx, cy - 2.6, str(p["number"]), fontName=BOLD, fontSize=7.5,
                     fillColor=colors.white, textAnchor="middle"))
    return d


def change_chart(before: float | None, after: float | None, low: float, high: float,
                 width: float = 20 * mm) -> Drawing:
    """Where a figure was (hollow) and where it went (filled), on a low-high track."""
    d = Drawing(width, 4.5 * mm)
    y = 2.2 * mm

    def X(v: float) -> float:
        return 1.5 * mm + (width - 3 * mm) * (v - low) / ((high - low) or 1)

    d.add(Line(X(low), y, X(high), y, strokeColor=LINE, strokeWidth=0.8))
    if before is not None and after is not None:
        d.add(Line(X(before), y, X(after), y, strokeColor=ACCENT, strokeWidth=1.6))
    if before is not None:
        d.add(Circle(X(before), y, 1.2 * mm, fillColor=colors.white, strokeColor=ACCENT,
                     strokeWidth=0.8))
    if after is not None:
        d.add(Circle(X(after), y, 1.2 * mm, fillColor=ACCENT, strokeColor=ACCENT))
    return d


# --- Page layout ----------------------------------------------------------------------------

class _NumberedCanvas(Canvas):
    """Knows the page count before it writes "page n of m" on every page."""

    def __init__(self, *args, footer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        self._footer = footer

    def showPage(self):  # noqa: N802 - ReportLab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        count = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            if self._footer:
                self._footer(self, count)
            super().showPage()
        super().save()


class Document:
    """A4 report: a title page without header, then pages with header and numbered footer.

    Its properties are what a list of files shows: the title, what the document is with its
    place and date (`subject`), the same as `keywords`, the language and the creation time.
    """

    def __init__(self, title: str, header: str, footer: str, tr: Translator, *,
                 subject: str = "", keywords: tuple[str, ...] = ()):
        register_fonts()
        self.title, self.header, self.footer_text = title, header, footer
        self.tr = tr
        self.buffer = io.BytesIO()
        self.doc = BaseDocTemplate(
            self.buffer, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, title=title,
            subject=subject or header, keywords=", ".join(dict.fromkeys(k for k in keywords if k)),
            # Nobody on the server wrote the report: the organisers did, and the server does
            # not know their names. An empty author lets their own tools fill it in, where
            # the place or the toolbox would claim an authorship that is not theirs.
            author="", creator="Workshop server", lang=tr.language, initialFontName=FONT)
        frame = Frame(MARGIN_X, MARGIN_BOTTOM, WIDTH, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM,
                      id="body", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.doc.addPageTemplates([PageTemplate("title", [frame]),
                                   PageTemplate("body", [frame], onPage=self._header)])

    def _header(self, canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(MUTED)
        y = PAGE_H - 13 * mm
        canvas.drawString(MARGIN_X, y, fitted(self.title, WIDTH * 0.6, 8))
        canvas.drawRightString(PAGE_W - MARGIN_X, y, fitted(self.header, WIDTH * 0.38, 8))
        canvas.setStrokeColor(LINE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, y - 2.5 * mm, PAGE_W - MARGIN_X, y - 2.5 * mm)
        canvas.restoreState()

    def _footer(self, canvas, count: int) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(MUTED)
        y = 11 * mm
        canvas.setStrokeColor(LINE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, y + 4 * mm, PAGE_W - MARGIN_X, y + 4 * mm)
        canvas.drawString(MARGIN_X, y, fitted(self.footer_text, WIDTH * 0.7, 8))
        canvas.drawRightString(PAGE_W - MARGIN_X, y,
                               self.tr.gettext("Page %(page)d of %(pages)d",
                                               page=canvas.getPageNumber(), pages=count))
        canvas.restoreState()

    def build(self, story: list) -> bytes:
        footer = self._footer

        def maker(*args, **kwargs):
            return _NumberedCanvas(*args, footer=footer, **kwargs)

        self.doc.build(keep_headings(story), canvasmaker=maker)
        return self.buffer.getvalue()


# --- Headings kept with what follows ---------------------------------------------------------

HEADINGS = frozenset({"h1", "h2", "h3"})
LEAD_INS = frozenset({"body", "muted"})  # a short text between a heading and its content
FIRST_ROWS = 2  # a heading keeps its table's header and this many rows with it
FIRST_LINES = 3  # ... or this many lines of a text


def is_heading(flowable) -> bool:
    return isinstance(flowable, Paragraph) and flowable.style.name in HEADINGS


def _height(flowable) -> float:
    if isinstance(flowable, KeepTogether):  # measuring it whole needs a canvas
        return sum(_height(part) for part in flowable._content)
    _w, h = flowable.wrap(WIDTH, FRAME_H)
    return flowable.getSpaceBefore() + h + flowable.getSpaceAfter()


def _first_part(flowable) -> float:
    """How much of a heading's content must share its page: a table's header and first rows,
    a text's first lines, anything else (a chart, a kept-together group) whole."""
    if isinstance(flowable, Table):
        flowable.wrap(WIDTH, FRAME_H)
        return sum(flowable._rowHeights[:flowable.repeatRows + FIRST_ROWS])
    if isinstance(flowable, Paragraph):
        return min(_height(flowable),
                   flowable.getSpaceBefore() + flowable.style.leading * FIRST_LINES)
    return _height(flowable)


def _room_for(story: list, start: int) -> float:
    """The height a heading at story[start] needs at a page's foot: itself, the headings and
    lead-ins right after it, and the first part of its content."""
    needed = 0.0
    for flowable in story[start:]:
        if isinstance(flowable, PageBreak):
            break
        if isinstance(flowable, CondPageBreak | ActionFlowable):
            continue
        if isinstance(flowable, Spacer):
            needed += flowable.height
        elif is_heading(flowable) or (isinstance(flowable, Paragraph)
                                      and flowable.style.name in LEAD_INS):
            needed += _height(flowable)
        else:
            needed += _first_part(flowable)
            break
    return needed


def keep_headings(story: list) -> list:
    """The story with a conditional page break before every heading, so that no heading is
    left at a page's foot without the first lines of what it heads."""
    out = []
    for n, flowable in enumerate(story):
        if is_heading(flowable):
            # Never more than half a page: with that much room left the heading and the start
            # of its content fit, and a taller demand would only leave pages half empty.
            out.append(CondPageBreak(min(_room_for(story, n), FRAME_H / 2)))
        out.append(flowable)
    return out


# --- Tables -----------------------------------------------------------------------------------

class Head(NamedTuple):
    """A header cell; table() sets its text once it knows the column's width."""
    text: str
    numeric: bool = False


def head(text: str, numeric: bool = False) -> Head:
    return Head(text, numeric)


def _header_cell(cell: Head, width: float) -> Paragraph:
    style = "head_num" if cell.numeric else "head"
    return P(fit_words(cell.text, width - 2 * CELL_PADDING, style), style)


def label_cell(text: str, width: float, markup: str = "{}") -> Paragraph:
    """A short bold label (a quadrant's name) that wraps between its words only."""
    fitted = escape(fit_words(text, width - 2 * CELL_PADDING, "label"))
    return P(Markup(markup.format(fitted)), "label")


def table(rows: list[list[Any]], widths: list[float], header_rows: int = 1,
          highlight: dict[int, Any] | None = None) -> Table:
    """A report table: bold header repeated on each page, light zebra rows, wrapped cells."""
    rows = [[_header_cell(cell, widths[i]) if isinstance(cell, Head) else cell
             for i, cell in enumerate(row)] for row in rows]
    t = Table(rows, colWidths=widths, repeatRows=header_rows, hAlign="LEFT")
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), ACCENT_LIGHT),
        ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, ACCENT),
        ("LINEBELOW", (0, header_rows), (-1, -1), 0.25, LINE),
        ("VALIGN", (0, 0), (-1, header_rows - 1), "BOTTOM"),
    ]
    for n in range(header_rows, len(rows)):
        if (n - header_rows) % 2:
            commands.append(("BACKGROUND", (0, n), (-1, n), ZEBRA))
    for n, colour in (highlight or {}).items():
        commands.append(("BACKGROUND", (0, n), (-1, n), colour))
    t.setStyle(TableStyle(commands))
    return t


# --- The summary ----------------------------------------------------------------------------

class SummaryReport:
    def __init__(self, data: dict[str, Any], tr: Translator):
        self.data = data
        self.tr = tr
        self.language = tr.language
        self.groups = data["groups"]
        self.story: list = []

    def num(self, value, digits: int = 1) -> str:
        return r.num(value, digits, self.language)

    def add(self, *flowables) -> None:
        self.story += flowables

    # Per-group columns fit beside the text up to four groups; more go on a line below it.
    @property
    def group_columns(self) -> bool:
        return len(self.groups) <= 4

    # Narrow enough to leave the item text room; a group name too long for it is hyphenated
    # where the dictionary allows ("Zivilgesell-schaft"). The other columns are as wide as
    # their longest header word in German and English ("umgesetzt", "Veränderung").
    group_w = 18 * mm

    def group_cells(self, item: dict[str, Any], figure: str = "mean",
                    digits: int = 1) -> list[Paragraph]:
        cells = []
        for g in self.groups:
            stats = item["groups"].get(g["id"], {})
            if stats.get("suppressed") or not stats:
                cells.append(P(wording.too_few(self.tr), "cell_few"))
            else:
                cells.append(P(self.num(stats[figure], digits), "cell_num"))
        return cells

    def group_line(self, item: dict[str, Any]) -> Paragraph:
        parts = []
        for g in self.groups:
            stats = item["groups"].get(g["id"], {})
            shown = wording.too_few(self.tr) if stats.get("suppressed") or not stats \
                else self.num(stats["mean"])
            parts.append(f"{g['name']}: {shown}")
        return P(" · ".join(parts), "cell_small")

    def text_cell(self, text: str, item: dict[str, Any] | None = None) -> Any:
        if item is None or self.group_columns:
            return P(text, "cell")
        return [P(text, "cell"), self.group_line(item)]

    def group_widths(self, available: float) -> list[float]:
        return [available / len(self.groups)] * len(self.groups) if self.group_columns else []

    def title_page(self) -> None:
        _ = self.tr.gettext
        s = self.data["session"]
        p = self.data["participation"]
        self.add(Spacer(1, 30 * mm), P(_("Summary of the workshop results").upper(), "eyebrow"),
                 P(s["title"], "title"))
        facts = joined((s["place"], wording.long_date(s["date"], self.language)))
        if facts:
            self.add(P(facts, "subtitle"))
        self.add(P(s["catalogue_title"], "muted"), Spacer(1, 16 * mm))
        self.add(P(_("Participation"), "h2"))
        self.add(P(_("%(num)d people took part, anonymously, in these stakeholder groups:",
                     num=p["participants"]), "body"), Spacer(1, 2 * mm))
        rows = [(g["name"], p["by_group"].get(g["id"], 0), str(p["by_group"].get(g["id"], 0)))
                for g in self.groups]
        self.add(bar_list(rows), Spacer(1, 4 * mm))
        voted = [rnd for rnd in self.data["rounds"] if rnd["kind"] != "ideas"
                 and rnd["state"] != "pending"]
        if voted:
            low, high = min(rnd["voters"] for rnd in voted), max(rnd["voters"] for rnd in voted)
            self.add(P(_("%(num)d people voted in each of the %(rounds)d voting rounds.",
                         num=low, rounds=len(voted)) if low == high else
                       _("Between %(low)d and %(high)d people voted in each of the %(rounds)d "
                         "voting rounds.", low=low, high=high, rounds=len(voted)), "muted"))
        self.add(Spacer(1, 20 * mm), P(_(
            "Figures for a group are shown only where at least %(min)d people of that group "
            "answered; elsewhere the report says \u201c%(too_few)s\u201d. The note on method "
            "at the end explains every figure.", min=self.data["method"]["min_group_voters"],
            too_few=wording.too_few(self.tr)), "muted"))
        self.add(NextPageTemplate("body"), PageBreak())

    def act_first(self) -> None:
        _ = self.tr.gettext
        self.add(P(_("Act first"), "h1"))
        self.add(P(_("Principles that are done poorly and received many priority points: "
                     "where to start."), "body"))
        rows = r.act_first(self.data)
        if not rows:
            self.add(P(_("No principle is in this quadrant yet."), "muted"))
            return
        ink, fill = QUADRANT_COLOURS["act_first"]
        data = [[head(_("Action field")), head(_("Principle")), head(_("How well done"), True),
                 head(_("Points"), True), head(_("Gave points"), True)]]
        data += [[P(p["field"], "cell_bold"), P(p["text"], "cell"),
                  P(self.num(p["done"]), "cell_num"), P(str(p["points"]), "cell_num"),
                  P(str(p["givers"]), "cell_num")] for p in rows]
        self.add(table(data, [32 * mm, WIDTH - 32 * mm - 3 * 17 * mm, 17 * mm, 17 * mm,
                              17 * mm]))

    def challenges(self, field: dict[str, Any]) -> None:
        _ = self.tr.gettext
        self.add(P(_("Challenges, ranked"), "h2"),
                 P(f"{r.round_name(self.tr, 'rating', 'challenges')} "
                   f"{wording.scale_ends(self.tr, 'challenges')}.", "muted"), Spacer(1, 2 * mm))
        fixed = [6 * mm, 16 * mm, 14 * mm, 26 * mm]
        groups_w = self.group_w * len(self.groups) if self.group_columns else 0
        text_w = WIDTH - sum(fixed) - groups_w
        header = [head("#"), head(_("Challenge")), head(_("Mean"), True), head(_("Votes"), True),
                  head(_("Distribution 1-5"))] + \
            [head(g["name"], True) for g in self.groups if self.group_columns]
        rows = [header]
        for n, c in enumerate(field["challenges"], 1):
            votes = str(c["votes"]) + (f" (+{c['cant_judge']})" if c["cant_judge"] else "")
            rows.append([P(str(n), "cell_num"), self.text_cell(c["text"], c),
                         P(self.num(c["mean"]), "cell_num"), P(votes, "cell_num"),
                         distribution_bar(c["distribution"], c["mean"]),
                         *(self.group_cells(c) if self.group_columns else [])])
        widths = [fixed[0], text_w, fixed[1], fixed[2], fixed[3], *self.group_widths(groups_w)]
        self.add(table(rows, widths), Spacer(1, 1 * mm), scale_legend(self.tr, "challenges"))
        if any(c["cant_judge"] for c in field["challenges"]):
            self.add(P(_("(+n): answers \u201c%(cant_judge)s\u201d, not counted in the mean.",
                         cant_judge=wording.cant_judge(self.tr)), "muted"))

    def principles(self, field: dict[str, Any]) -> None:
        _ = self.tr.gettext
        layout = r.matrix_layout(field["principles"])
        ordered, numbers = layout["ordered"], layout["numbers"]
        self.add(P(_("Principles: priority matrix"), "h2"), P(_(
            "How well we already do it (across) against the priority points it received (up). "
            "Numbers refer to the table below."), "muted"), Spacer(1, 2 * mm))
        if layout["drawn"]:
            self.add(matrix_chart(layout, self.tr), Spacer(1, 3 * mm))
        header = [head("#"), head(_("Principle")), head(_("Quadrant")),
                  head(_("How well done"), True), head(_("Votes"), True),
                  head(_("Points"), True), head(_("Gave points"), True)]
        rows = [header]
        highlight = {}
        fixed = [7 * mm, 24 * mm, 16 * mm, 14 * mm, 12 * mm, 12 * mm]
        for p in ordered:
            ink = QUADRANT_COLOURS.get(p["quadrant"], (MUTED, None))[0]
            quadrant = label_cell(r.quadrant_name(self.tr, p["quadrant"]), fixed[1],
                                  f'<font color="{ink.hexval()}">{{}}</font>')
            text = [P(p["text"], "cell")]
            if p["group"]:
                text.insert(0, P(p["group"], "cell_small"))
            rows.append([P(str(numbers[p["id"]]), "cell_num"), text, quadrant,
                         P(self.num(p["done"]), "cell_num"), P(str(p["done_votes"]), "cell_num"),
                         P(str(p["points"]), "cell_num"), P(str(p["givers"]), "cell_num")])
            if p["quadrant"] == "act_first":
                highlight[len(rows) - 1] = QUADRANT_COLOURS["act_first"][1]
        self.add(table(rows, [fixed[0], WIDTH - sum(fixed), *fixed[1:]], highlight=highlight))

    def ideas(self, ideas: list[dict[str, Any]], heading: str) -> None:
        _ = self.tr.gettext
        self.add(P(heading, "h2"))
        rows = [[head(_("Idea")), head(_("Upvotes"), True)]]
        rows += [[P(i["text"], "cell"), P(str(i["upvotes"]), "cell_num")] for i in ideas]
        self.add(table(rows, [WIDTH - 21 * mm, 21 * mm]))

    def practices(self, field: dict[str, Any]) -> None:
        _ = self.tr.gettext
        self.add(P(_("Practice examples from the toolbox"), "h2"), P(_(
            "This field has principles to act on first; these examples from other places "
            "show how it can be done."), "muted"), Spacer(1, 1 * mm))
        for x in field["practices"]:
            title = escape(x["title"]) + (f' <font color="{MUTED.hexval()}">· '
                                          f'{escape(x["place"])}</font>' if x["place"] else "")
            self.add(P(Markup(f"<b>{title}</b>"), "h3"))
            self.add(*(P(part, "practice") for part in x["text"].split("\n\n") if part))

    def field(self, field: dict[str, Any]) -> None:
        _ = self.tr.gettext
        self.add(PageBreak(), P(field["title"], "h1"))
        if field["challenges"]:
            self.challenges(field)
        if field["principles"]:
            self.principles(field)
        if field["ideas"]:
            self.ideas(field["ideas"], _("Ideas"))
        if field["act_first"] and field["practices"]:
            self.practices(field)

    def agreement(self) -> None:
        _ = self.tr.gettext
        targets = r.target_of(self.data)
        kind = {"challenges": _("Challenge"), "principles": _("Principle")}

        def label(item: dict[str, Any]) -> Paragraph:
            return P(f"{item['field']} · {kind.get(targets.get(item['id']), '')}", "cell_small")

        self.add(PageBreak(), P(_("Consensus and divergence"), "h1"))
        groups_w = self.group_w * len(self.groups) if self.group_columns else 0
        self.add(P(_("Widest consensus"), "h2"), P(_(
            "Items on which every group agreed most (a rating of 4 or 5), from 0 to 1."),
            "muted"), Spacer(1, 1 * mm))
        fixed = [16 * mm, 16 * mm]
        header = [head(_("Item")), head(_("Consensus"), True),
                  head(_("Mean"), True)] + \
            [head(g["name"], True) for g in self.groups if self.group_columns]
        rows = [header] + [
            [[label(i), self.text_cell(i["text"], i)], P(self.num(i["consensus"], 2), "cell_num"),
             P(self.num(i["mean"]), "cell_num"),
             *(self.group_cells(i) if self.group_columns else [])]
            for i in self.data["consensus"]]
        widths = [WIDTH - sum(fixed) - groups_w, *fixed, *self.group_widths(groups_w)]
        if len(rows) > 1:
            self.add(table(rows, widths))
        else:
            self.add(P(_("No ratings yet."), "muted"))
        self.add(P(_("Sharpest divergence"), "h2"), P(_(
            "Items on which the groups' means lie %(threshold)s points or more apart.",
            threshold=self.num(self.data["method"]["divergence_threshold"])), "muted"),
            Spacer(1, 1 * mm))
        header = [head(_("Item")), head(_("Gap"), True),
                  head(_("Mean"), True)] + \
            [head(g["name"], True) for g in self.groups if self.group_columns]
        rows = [header] + [
            [[label(i), self.text_cell(i["text"], i)], P(self.num(i["divergence"]), "cell_num"),
             P(self.num(i["mean"]), "cell_num"),
             *(self.group_cells(i) if self.group_columns else [])]
            for i in self.data["divergence"]]
        if len(rows) > 1:
            self.add(table(rows, widths))
        else:
            self.add(P(_("No item divides the groups by %(threshold)s points or more.",
                         threshold=self.num(self.data["method"]["divergence_threshold"])),
                       "muted"))

    def shifts(self) -> None:
        _ = self.tr.gettext
        if not self.data["shifts"]:
            return
        titles = {f["id"]: f["title"] for f in self.data["fields"]}
        self.add(PageBreak(), P(_("Shifts after a second vote"), "h1"), P(_(
            "Rounds that were reopened after discussion: the earlier vote (hollow) and the "
            "later one (filled)."), "body"))
        for shift in self.data["shifts"]:
            rating = shift["kind"] == "rating"
            digits = 1 if rating else 0
            self.add(P(f"{titles.get(shift['field'], '')}: {shift['question']}", "h2"))
            top = max([i["after"] or 0 for i in shift["items"]] +
                      [i["before"] or 0 for i in shift["items"]] + [1])
            low, high = (1, 5) if rating else (0, top)
            groups_w = self.group_w * len(self.groups) if self.group_columns else 0
            fixed = [13 * mm, 13 * mm, 19 * mm, 22 * mm]
            header = [head(_("Item")), head(_("Before"), True), head(_("After"), True),
                      head(_("Change"), True), head("")] + \
                [head(g["name"], True) for g in self.groups if self.group_columns]
            rows = [header]
            for i in shift["items"]:
                cells = []
                for g in self.groups if self.group_columns else []:
                    moved = i["groups"].get(g["id"], {})
                    cells.append(P(wording.too_few(self.tr), "cell_few")
                                 if moved.get("suppressed") or not moved else
                                 P(f"{self.num(moved['before'], digits)} → "
                                   f"{self.num(moved['after'], digits)}", "cell_num"))
                rows.append([P(i["text"], "cell"), P(self.num(i["before"], digits), "cell_num"),
                             P(self.num(i["after"], digits), "cell_num"),
                             P(r.signed(i["change"], digits, self.language), "cell_num"),
                             change_chart(i["before"], i["after"], low, high), *cells])
            widths = [WIDTH - sum(fixed) - groups_w, *fixed, *self.group_widths(groups_w)]
            self.add(table(rows, widths))

    def method(self) -> None:
        _ = self.tr.gettext
        self.add(PageBreak(), P(_("Note on method"), "h1"))
        for heading, text in r.method_notes(self.tr, self.data["method"]):
            self.add(KeepTogether([P(heading, "h3"), P(text, "body")]))
        source = self.data.get("session", {}).get("source")
        if source:
            self.add(P(_("Source of the items"), "h3"), P(source, "body"))

    def build(self) -> bytes:
        with _hyphenating(self.language):
            return self._build()

    def _build(self) -> bytes:
        _ = self.tr.gettext
        self.title_page()
        self.act_first()
        for field in self.data["fields"]:
            if r.has_results(field):
                self.field(field)
        self.agreement()
        if self.data["ideas"]:
            self.ideas(self.data["ideas"], _("Further ideas"))
        self.shifts()
        self.method()
        s = self.data["session"]
        what = _("Summary of the workshop results")
        day = wording.long_date(s["date"], self.language)
        doc = Document(s["title"], what, joined((s["title"], s["place"], day)), self.tr,
                       subject=" · ".join(x for x in (what, s["place"], day) if x),
                       keywords=(s["place"], s["date"], s["catalogue_title"]))
        return doc.build(self.story)


def render(data: dict[str, Any], tr: Translator) -> bytes:
    return SummaryReport(data, tr).build()


def prepare(ctx: Context) -> Callable[[], Export]:
    data, tr = summary.build(ctx.session, ctx.workshop, ctx.language), ctx.tr
    return lambda: Export(render(data, tr), MIMETYPE)


def export(ctx: Context) -> Export:
    return prepare(ctx)()


# --- The comparison of two sessions ---------------------------------------------------------

class CompareReport(SummaryReport):
    def title_page(self) -> None:
        _ = self.tr.gettext
        first, second = self.data["first"], self.data["second"]
        self.add(Spacer(1, 30 * mm), P(_("Comparison of two workshops").upper(), "eyebrow"),
                 P(f"{first['title']} → {second['title']}", "title"), Spacer(1, 8 * mm))
        rows = [[head(""), head(_("Earlier")), head(_("Later"))]]
        for name, key in ((_("Title"), "title"), (_("Place"), "place")):
            rows.append([P(name, "cell_bold"), P(first[key], "cell"), P(second[key], "cell")])
        rows.append([P(_("Date"), "cell_bold"),
                     P(wording.long_date(first["date"], self.language), "cell"),
                     P(wording.long_date(second["date"], self.language), "cell")])
        rows.append([P(_("Participants"), "cell_bold"),
                     P(str(first["participation"]["participants"]), "cell"),
                     P(str(second["participation"]["participants"]), "cell")])
        for g in self.groups:
            rows.append([P(g["name"], "cell"),
                         P(str(first["participation"]["by_group"].get(g["id"], 0)), "cell"),
                         P(str(second["participation"]["by_group"].get(g["id"], 0)), "cell")])
        self.add(table(rows, [50 * mm, (WIDTH - 50 * mm) / 2, (WIDTH - 50 * mm) / 2]))
        self.add(Spacer(1, 12 * mm), P(_(
            "For every item rated in both workshops: the earlier figure (hollow) and the later "
            "one (filled), overall and per group. Group figures appear only where both "
            "workshops had at least %(min)d voters in that group. Priority points depend on "
            "how many took part; compare them within a workshop first.",
            min=self.data["method"]["min_group_voters"]), "muted"))
        self.add(NextPageTemplate("body"), PageBreak())

    def items(self) -> None:
        _ = self.tr.gettext
        by_field: dict[str, list] = {}
        for row in self.data["items"]:
            by_field.setdefault(row["field"], []).append(row)
        if not by_field:
            self.add(P(_("The two workshops have no rated item in common."), "body"))
        for field, rows in by_field.items():
            self.add(P(field, "h1"))
            figures: dict[tuple, list] = {}
            for row in rows:
                figures.setdefault((row["kind"], row["target"]), []).append(row)
            for (kind, target), items in figures.items():
                rating = kind == "rating"
                digits = 1 if rating else 0
                self.add(P(r.figure_name(self.tr, kind, target), "h2"))
                top = max([i["after"] or 0 for i in items] + [i["before"] or 0 for i in items]
                          + [1])
                low, high = (1, 5) if rating else (0, top)
                groups_w = self.group_w * len(self.groups) if self.group_columns else 0
                fixed = [13 * mm, 13 * mm, 19 * mm, 22 * mm]
                header = [head(_("Item")), head(_("Earlier"), True), head(_("Later"), True),
                          head(_("Change"), True), head("")] + \
                    [head(g["name"], True) for g in self.groups if self.group_columns]
                table_rows = [header]
                for i in items:
                    cells = []
                    for g in self.groups if self.group_columns else []:
                        moved = i["groups"].get(g["id"], {})
                        cells.append(P(wording.too_few(self.tr), "cell_few")
                                     if moved.get("suppressed") or not moved else
                                     P(r.signed(moved["change"], digits, self.language),
                                       "cell_num"))
                    table_rows.append([
                        P(i["text"], "cell"), P(self.num(i["before"], digits), "cell_num"),
                        P(self.num(i["after"], digits), "cell_num"),
                        P(r.signed(i["change"], digits, self.language), "cell_num"),
                        change_chart(i["before"], i["after"], low, high), *cells])
                widths = [WIDTH - sum(fixed) - groups_w, *fixed, *self.group_widths(groups_w)]
                self.add(table(table_rows, widths))
                if self.group_columns and self.groups:
                    self.add(P(_("Group columns: the change from the earlier to the later "
                                 "workshop."), "muted"))

    def _build(self) -> bytes:
        self.title_page()
        self.items()
        self.method()
        first, second = self.data["first"], self.data["second"]
        title = f"{first['title']} → {second['title']}"
        what = self.tr.gettext("Comparison of two workshops")
        days = [wording.long_date(w["date"], self.language) for w in (first, second)]
        places = list(dict.fromkeys(w["place"] for w in (first, second) if w["place"]))
        doc = Document(title, what, title, self.tr,
                       subject=" · ".join([what, *places, " → ".join(d for d in days if d)]),
                       keywords=(*places, first["date"], second["date"]))
        return doc.build(self.story)


def render_comparison(data: dict[str, Any], tr: Translator) -> bytes:
    """`data` is summary.compare() with "participation" added to "first" and "second"."""
    return CompareReport(data, tr).build()
