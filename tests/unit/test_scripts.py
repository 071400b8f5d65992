"""Right-to-left text in the PDF: shaping, display order, the paragraph, the font's coverage."""

import io
import unicodedata

import pytest
from pypdf import PdfReader
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import SimpleDocTemplate

from workshop.exports import pdf
from workshop.exports.scripts import BidiParagraph, has_rtl, is_rtl, joined, shape, visual

# Every letter of the Arabic alphabet, the Persian (and Dari) letters, the vowel marks and
# the shadda, both kinds of digits, and the punctuation of these languages.
ARABIC_LETTERS = "ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي"
PERSIAN_LETTERS = "پچژکگیۀ"
MARKS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0654"
DIGITS = "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹"
PUNCTUATION = "،؛؟٪٫٬ـ«»"
CYRILLIC = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюяҐЄІЇґєії"
TURKISH = "ÇĞİÖŞÜçğıöşü"


@pytest.fixture(autouse=True)
def fonts():
    pdf.register_fonts()


def plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text)
                   if unicodedata.category(c) != "Cf")


def test_direction_is_the_first_strong_letter():
    assert is_rtl("مقهى اللغة") and is_rtl("«WhatsApp» مجموعة") is False
    assert is_rtl("٣ مرات") and is_rtl("12 نفر")  # digits are neither
    assert not is_rtl("Sprachcafé «مقهى»") and not is_rtl("123")
    assert has_rtl("Sprachcafé «مقهى»") and not has_rtl("Больше курсов, Çağrı")


def test_shape_joins_letters_and_keeps_the_order():
    # lam-alef is one ligature; beh, teh: initial, medial; the final teh marbuta.
    assert shape("لا", pdf.FONT) == "\ufefb"
    assert shape("بتة", pdf.FONT) == "\ufe91\ufe98\ufe94"
    # The zero-width non-joiner ends the joining inside a word: "کلاس‌های" is keheh initial,
    # lam-alef final, seen alone, then heh initial (not medial), alef final, yeh alone.
    shaped = shape("کلاس\u200cهای", pdf.FONT)
    assert shaped == "\ufb90\ufefc\ufeb1\u200c\ufeeb\ufe8e\ufbfc"
    assert plain(shaped) == "کلاسهای"
    assert shape("Больше курсов", pdf.FONT) == "Больше курсов"
    # Vowel marks stay: what was written is printed.
    assert "\u064b" in shape("أيضاً", pdf.FONT)


def test_visual_order():
    # Right to left, read backwards; digits and a Latin word left to right inside it.
    assert visual("مقهى") == "ىهقم"
    assert visual("مرات ١٢ في WhatsApp") == "WhatsApp يف ١٢ تارم"
    # Brackets are mirrored: an opening bracket on the right opens towards the left.
    assert visual("(مثال)") == "(لاثم)"
    assert visual("«نقل»") == "«لقن»"
    # A left-to-right line keeps its order, only the Arabic words turn.
    assert visual("Ein «مقهى اللغة» hier") == "Ein «ةغللا ىهقم» hier"
    assert visual("Больше курсов") == "Больше курсов"


def test_every_letter_is_in_the_font():
    """Each Arabic and Persian letter alone, at the start, in the middle and at the end of a
    word, shaped: every character drawn has a glyph in the regular and the bold font."""
    words = []
    for letter in ARABIC_LETTERS + PERSIAN_LETTERS:
        words += [letter, "ب" + letter, letter + "ب", "ب" + letter + "ب"]
    text = " ".join(words) + " " + MARKS + DIGITS + PUNCTUATION + " الله لا لأ لإ لآ"
    for font in (pdf.FONT, pdf.BOLD):
        chars = pdfmetrics.getFont(font).face.charToGlyph
        drawn = shape(text, font) + CYRILLIC + TURKISH
        missing = sorted({f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in drawn
                          if c != " " and ord(c) not in chars})
        assert not missing, (font, missing)


def render(*flowables) -> list[str]:
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer).build(list(flowables))
    page = PdfReader(io.BytesIO(buffer.getvalue())).pages[0]
    return [line.strip() for line in page.extract_text(extraction_mode="layout").splitlines()
            if line.strip()]


def test_a_long_paragraph_wraps_in_reading_order():
    """The first line holds the beginning of the text (wrapping happens before the lines are
    turned), drawn right to left and aligned to the right."""
    words = [f"كلمة{n}" for n in "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"] * 3
    para = pdf.P(" ".join(words), "cell")
    assert isinstance(para, BidiParagraph) and para.style.alignment == TA_RIGHT
    lines = render(para)
    assert len(lines) >= 2
    assert lines[0].endswith(visual(shape(words[0], pdf.FONT)))
    assert lines[-1].startswith(visual(shape(words[-1], pdf.FONT)))
    assert plain(" ".join(visual(line) for line in lines)) == plain(" ".join(words))


def test_left_to_right_text_stays_as_it_was():
    para = pdf.P("Больше курсов «مقهى» Çağrı", "cell")
    assert isinstance(para, BidiParagraph) and para.style.alignment == TA_LEFT
    assert type(pdf.P("Больше курсов, Çağrı", "cell")) is not BidiParagraph
    assert render(para) == ["Больше курсов «" + visual(shape("مقهى", pdf.FONT)) + "» Çağrı"]


def test_styled_pieces_are_ordered_too():
    """A line of several styles (a bold title and a grey place) keeps each piece's style
    and puts the pieces right to left."""
    markup = pdf.Markup('<b>مقهى</b> <font color="#4b5563">برلين</font>')
    para = pdf.P(markup, "body")
    assert para.style.alignment == TA_RIGHT
    assert render(para) == [visual(shape("مقهى برلين", pdf.FONT))]


def test_parts_in_a_row_keep_their_own_order():
    """A place in Arabic and a date in English, as on the title page and in the footer."""
    row = joined(["قاعة المدينة", "14 March 2026"])
    assert visual(row) == "14 March 2026 · ةنيدملا ةعاق"
    assert visual("قاعة المدينة · 14 March 2026") == "March 2026 14 · ةنيدملا ةعاق"  # unmarked
    assert joined(["Rathaus Erfurt", "", "14 March 2026"]) == "Rathaus Erfurt · 14 March 2026"
    assert visual(joined(["Rathaus", "قاعة"])) == "Rathaus · ةعاق"


def test_a_paragraph_split_across_pages_stays_right_to_left():
    words = [f"كلمة{n}" for n in range(1, 1200)]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer).build([pdf.P(" ".join(words), "body")])
    pages = PdfReader(io.BytesIO(buffer.getvalue())).pages
    assert len(pages) >= 2
    second = [line.strip() for line in pages[1].extract_text(extraction_mode="layout")
              .splitlines() if line.strip()]
    # The second page goes on where the first stopped, each line read from the right.
    first_word = plain(visual(second[0]).split()[0])
    assert first_word in words and first_word != words[0]
    assert plain(second[-1]).split()[0] == plain(visual(shape(words[-1], pdf.FONT)))
