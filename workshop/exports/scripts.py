"""Right-to-left text (Arabic, Farsi/Dari) in the PDF.

ReportLab draws the characters of a string from left to right, each as its font's glyph for
that character: it neither joins Arabic letters nor orders right-to-left text. So a text in
an Arabic script is prepared in two steps:

1. shape(): each letter becomes the presentation form of its place in the word (isolated,
   initial, medial, final; lam-alef as one ligature), with arabic-reshaper. This keeps the
   logical order, so the paragraph is wrapped into lines as usual.
2. visual(): each line, once wrapped, is put in display order by the Unicode bidirectional
   algorithm (python-bidi): right-to-left runs reversed, numbers and Latin words inside them
   left to right, brackets mirrored.

BidiParagraph does both for a paragraph, and aligns it to the right when its first strong
letter is right-to-left (as `dir="auto"` does in a browser). The bundled DejaVu Sans
Condensed has the presentation forms of the Arabic and Persian letters, so the PDF needs no
other font. A PDF reader's text extraction (copy and paste, search) returns the presentation
forms, which Unicode compatibility normalisation (NFKC) turns back into the letters typed.
"""

import re
import unicodedata
from functools import cache

import arabic_reshaper
from arabic_reshaper.ligatures import LIGATURES
from bidi import algorithm
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Paragraph

# Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic, Arabic Extended and the Arabic and
# Hebrew presentation forms: the scripts written right to left, besides rarer ones.
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")

# Letters the font lacks, written with others that look the same: Persian heh with yeh above
# (ۀ) is heh with a hamza above (هٔ).
_SUBSTITUTES = str.maketrans({"\u06c0": "\u0647\u0654"})


def has_rtl(text: str) -> bool:
    return bool(_RTL.search(text))


def is_rtl(text: str) -> bool:
    """Whether the text's first strong letter is right-to-left (P2, P3 of the algorithm): a
    German sentence with one Arabic word is left-to-right, an Arabic one with a Latin brand
    name is right-to-left."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


@cache
def _reshaper(font_name: str) -> arabic_reshaper.ArabicReshaper:
    """A reshaper keeping the vowel marks (they are part of what was written) and making only
    the ligatures that the font has."""
    chars = pdfmetrics.getFont(font_name).face.charToGlyph
    config = {"delete_harakat": False, "support_ligatures": True}
    for name, (_match, forms) in LIGATURES:
        config[name] = all(ord(c) in chars for form in forms for c in form if c)
    return arabic_reshaper.ArabicReshaper(configuration=config)


def shape(text: str, font_name: str) -> str:
    """Arabic letters as the presentation forms of their place in the word, logical order."""
    if not _ARABIC.search(text):
        return text
    return _reshaper(font_name).reshape(text.translate(_SUBSTITUTES))


def _levels(text: str) -> list[dict]:
    """The characters of one line in display order, each {"ch", "index", ...}: the
    algorithm of python-bidi (bidi.algorithm, the same steps as its get_display), with each
    character's logical index kept so that a line of several styled pieces can be rebuilt."""
    storage = algorithm.get_empty_storage()
    base = 1 if is_rtl(text) else 0
    storage["base_level"] = base
    storage["base_dir"] = ("L", "R")[base]
    algorithm.get_embedding_levels(text, storage, False, False)
    for index, ch in enumerate(storage["chars"]):
        ch["index"] = index
    algorithm.explicit_embed_and_overrides(storage, False)
    algorithm.resolve_weak_types(storage, False)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    algorithm.reorder_resolved_levels(storage, False)
    algorithm.apply_mirroring(storage, False)
    return storage["chars"]


def visual(line: str) -> str:
    """One line in display order, from left to right (mirrored brackets; the invisible
    formatting characters such as the zero-width non-joiner and the direction marks dropped:
    shaping and ordering have done their work)."""
    if not has_rtl(line):
        return line
    return "".join(ch["ch"] for ch in _levels(line)).translate(_MARKS)


_MARKS = str.maketrans("", "", "\u200e\u200f")


def joined(parts, separator: str = " · ") -> str:
    """Texts in a row, each keeping its own order: "قاعة المدينة · 14 March 2026" would
    otherwise read "March 2026 14" (a number after Arabic letters counts as Arabic). Each
    part is held between two marks of its own direction, which visual() then drops."""
    parts = [p for p in parts if p]
    if not any(has_rtl(p) for p in parts):
        return separator.join(parts)
    marked = []
    for part in parts:
        mark = "\u200f" if is_rtl(part) else "\u200e"
        marked.append(mark + part + mark)
    return separator.join(marked)


def visual_text(text: str, font_name: str) -> str:
    """A single line of text (a chart's label, a page header) shaped and in display order."""
    return visual(shape(text, font_name)) if has_rtl(text) else text


def _visual_frags(frags: list) -> list:
    """A line of styled pieces (ReportLab frags) in display order: the characters reordered
    as one line, consecutive characters of one piece joined into a piece again."""
    owners, text = [], []
    for n, frag in enumerate(frags):
        if hasattr(frag, "cbDefn"):  # an image or an index entry: keep the line as it is
            return frags
        owners += [n] * len(frag.text)
        text.append(frag.text)
    if not has_rtl("".join(text)):
        return frags
    out: list = []
    last = None
    for ch in _levels("".join(text)):
        owner = owners[ch["index"]]
        if owner == last:
            out[-1] = out[-1].clone(text=out[-1].text + ch["ch"])
        else:
            out.append(frags[owner].clone(text=ch["ch"]))
            last = owner
    return out


class BidiParagraph(Paragraph):
    """A paragraph holding right-to-left text: wrapped in logical order, each line drawn in
    display order; right-aligned when it starts right-to-left."""

    def __init__(self, text: str | None, style, **kw):
        if text is not None:  # None: a part of a split paragraph, already prepared
            if is_rtl(re.sub(r"<[^>]*>", "", text)) and style.alignment == TA_LEFT:
                style = style.clone(style.name, alignment=TA_RIGHT)
            text = shape(text, style.fontName)
        super().__init__(text, style, **kw)

    def drawPara(self, debug=0):  # noqa: N802 - ReportLab's name
        logical = self.blPara
        shown = logical.clone()
        if logical.kind == 0:
            shown.lines = [(space, [visual(" ".join(words))]) for space, words in logical.lines]
        else:
            shown.lines = [line.clone(words=_visual_frags(line.words)) for line in logical.lines]
        self.blPara = shown
        try:
            return super().drawPara(debug)
        finally:
            self.blPara = logical
