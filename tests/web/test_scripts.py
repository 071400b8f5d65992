"""Ideas in Arabic, Farsi, Russian, Ukrainian and Turkish, written on phones, read back from
every download: the PDF (rendered to a picture and its text extracted), XLSX, CSV, Markdown.

The PDF page is saved as tests/browser/screenshots/scripts-pdf-ideas.png for a person to
look at: Arabic and Farsi letters joined, each line read from right to left.
"""

import csv
import html
import io
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from bidi import algorithm
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.factories import auth
from tests.live import Room
from workshop.exports.scripts import is_rtl

SCREENSHOTS = Path(__file__).resolve().parents[1] / "browser" / "screenshots"

ARABIC = ("دورات لغة مسائية للأمهات العاملات مع رعاية الأطفال في المدرسة نفسها، "
          "ومجموعة على واتساب (WhatsApp) للمواعيد، ٣ مرات في الأسبوع؛ "
          "ويجب أن تكون المعلومات عن المواعيد متاحة بالعربية أيضاً في مكتب البلدية.")
FARSI = "کلاس‌های زبان برای پدر و مادرها، با مهدکودک رایگان؛ گروه ژاله و چای برای ۱۲ نفر؟"
RUSSIAN = "Больше вечерних курсов немецкого языка для родителей, 3 раза в неделю."
UKRAINIAN = "Більше консультацій українською: ґанок, їжа, Євген, інтеграція."
TURKISH = "Akşamları ebeveynler için daha fazla Almanca kursu: ığüşöçİĞ Işıl Çağrı."
MIXED = "Ein Sprachcafé «مقهى اللغة» im Stadtteil, jeden Freitag."
IDEAS = [ARABIC, FARSI, RUSSIAN, UKRAINIAN, TURKISH, MIXED]
GROUP = "مجلس الشباب"  # an organiser's own stakeholder group, named in Arabic

AGENDA = [{"kind": "ideas", "field": "health", "moderation": "post"},
          {"kind": "rating", "field": "health", "target": "challenges"}]


def plain(text: str) -> str:
    """Text as compared: compatibility normalisation (NFKC: the presentation forms of shaped
    Arabic letters are the letters again), without invisible formatting characters (the
    direction marks a PDF reader adds, the zero-width non-joiner that shaping has consumed),
    spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return " ".join(text.split())


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def room(app, client):
    room = Room(app, client, agenda=AGENDA, title="Integrationsworkshop Erfurt",
                groups=["administration", {"id": "youth", "name": GROUP}])
    ideas, rating = room.rounds
    room.act("open_round", round=ideas)
    for n, text in enumerate(IDEAS):
        phone = room.phone("youth" if n % 2 else "administration")
        ack = phone.emit("idea", {"round": ideas, "text": text}, callback=True)
        assert ack["ok"], ack
        assert ack["idea"]["text"] == text  # the zero-width non-joiner of Farsi kept
    room.act("open_round", round=rating)
    for _ in range(3):
        phone = room.phone("youth")
        ack = phone.emit("vote", {"round": rating, "item": "health-c1", "value": 4},
                         callback=True)
        assert ack["ok"], ack
    room.act("close_round", round=rating)
    return room


def download(client, room, fmt: str, language: str = "en") -> bytes:
    response = client.get(f"/sessions/{room.created['id']}/export.{fmt}?lang={language}",
                          headers=auth(room.created["facilitator_token"]))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.data


def ideas_page(body: bytes) -> int:
    """The number (from 1) of the PDF page with the ideas table."""
    for n, page in enumerate(PdfReader(io.BytesIO(body)).pages, 1):
        if "Upvotes" in page.extract_text():
            return n
    raise AssertionError("no page with the ideas")


def drawn_lines(body: bytes, page: int) -> list[str]:
    """The page's lines as drawn, left to right (pypdf's layout mode puts each glyph where
    it stands, without reordering right-to-left text the way its default mode tries to)."""
    text = PdfReader(io.BytesIO(body)).pages[page - 1].extract_text(extraction_mode="layout")
    return [line.strip() for line in text.splitlines() if line.strip()]


def read_back(line: str, rtl: bool) -> str:
    """A drawn line in the order it is read: through the bidirectional algorithm again, which
    turns its right-to-left runs back, then normalised."""
    return plain(algorithm.get_display(line, base_dir="R" if rtl else "L"))


def test_pdf_prints_every_script(client, room, tmp_path):
    body = download(client, room, "pdf")
    path = tmp_path / "report.pdf"
    path.write_bytes(body)
    page = ideas_page(body)
    if shutil.which("pdftoppm"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", str(page), "-l", str(page),
                        "-singlefile", str(path), str(SCREENSHOTS / "scripts-pdf-ideas")],
                       check=True)
    lines = drawn_lines(body, page)
    header = next(n for n, line in enumerate(lines) if re.fullmatch(r"Idea +Upvotes", line))
    rows = lines[header + 1:]
    for idea in IDEAS:
        rtl = is_rtl(idea)
        # Each idea fills one or more lines of its cell; its upvotes (0) stand at the right
        # of its first line, its text right-aligned when it is written right to left.
        first = rows.pop(0)
        assert first.endswith(" 0"), first
        parts = [read_back(first[:-2], rtl)]
        while plain(idea) != " ".join(parts) and rows and not rows[0].endswith(" 0"):
            parts.append(read_back(rows.pop(0), rtl))
        assert " ".join(parts) == plain(idea)
    # The letters are drawn joined: the presentation forms of their places in the word (an
    # initial lam, a medial meem, a final heh, the lam-alef ligature; Persian keheh, yeh,
    # jeh, peh, tcheh and gaf), never the letters as typed, which would print unjoined.
    drawn = "".join(lines)
    for form in ("\ufedf", "\ufee4", "\ufeea", "\ufefc", "\ufb90", "\ufbfe", "\ufb8a",
                 "\ufb58", "\ufb7c", "\ufb94"):
        assert form in drawn, unicodedata.name(form)
    assert not re.search("[\u0621-\u064a\u06a9\u06cc]", drawn)


def test_pdf_draws_right_to_left(client, room):
    """The Arabic group name in its header cell, drawn from right to left: read backwards,
    the drawn glyphs are the name's letters in the order they were typed (independent of the
    bidirectional algorithm: the name has neither numbers nor ligatures)."""
    body = download(client, room, "pdf")
    lines = drawn_lines(body, ideas_page(body))
    header = next(line for line in lines if line.startswith("#"))
    name = header.split()[-2:]  # the last header cell, two words
    assert plain(" ".join(name)[::-1]) == GROUP


def test_xlsx_keeps_every_script(client, room):
    book = load_workbook(io.BytesIO(download(client, room, "xlsx")))
    sheet = book["Ideas"]
    header = [c.value for c in sheet[1]]
    texts = [row[header.index("Idea")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(texts) == sorted(IDEAS)
    # Arabic and Farsi cells read from the right (reading order 2), the others by context.
    column = header.index("Idea")
    order = {row[column].value: row[column].alignment.readingOrder
             for row in sheet.iter_rows(min_row=2)}
    assert order == {idea: 2 if is_rtl(idea) else 0 for idea in IDEAS}
    about = [c for row in book["About"].iter_rows(values_only=True) for c in row if c]
    assert GROUP in about


def test_csv_names_the_arabic_group_by_its_id(client, room):
    rows = list(csv.DictReader(io.StringIO(download(client, room, "csv").decode("utf-8"))))
    assert rows and {r["group"] for r in rows} == {"youth"}


def test_markdown_keeps_every_script(client, room):
    text = download(client, room, "md").decode("utf-8")
    for idea in IDEAS:
        assert f"| {idea} | 0 |" in text
    assert GROUP in text


def test_an_idea_keeps_the_joiners_and_loses_the_overrides(app, client):
    """Farsi spells with the zero-width non-joiner (می‌خواهم), emoji with the joiner; an
    override of the text's direction or an invisible space would only disguise an idea."""
    room = Room(app, client, agenda=AGENDA)
    room.act("open_round", round=room.rounds[0])
    phone = room.phone()
    cases = {"\u200cمی\u200cخواهم\u200c": "می\u200cخواهم",
             "Familie 👨\u200d👩\u200d👧 zuerst": "Familie 👨\u200d👩\u200d👧 zuerst",
             "abc \u202eتست\u202c x\u200by": "abc تست xy"}
    for typed, kept in cases.items():
        ack = phone.emit("idea", {"round": room.rounds[0], "text": typed}, callback=True)
        assert ack["ok"] and ack["idea"]["text"] == kept, (typed, ack)


def test_summary_page_isolates_every_idea(client, room):
    """Each idea on the summary page in an element of its own direction (dir="auto"), so an
    Arabic idea is right to left and does not pull its upvotes or neighbours into its order."""
    response = client.get(f"/s/{room.created['id']}/summary?lang=en",
                          headers=auth(room.created["facilitator_token"]))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for idea in IDEAS:
        assert f'<span dir="auto">{html.escape(idea, quote=False)}</span>' in page
