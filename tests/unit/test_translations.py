"""The interface's message catalogues: complete, compiled, and in step with the sources."""

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "workshop" / "translations"
LANGUAGES = ["de"]  # English is the source language
# The phone's languages translate the join page and the phone (test_phone_translations.py);
# their other texts may stay empty and fall back to English. de@ls is Leichte Sprache.
PHONE_ONLY = ["ar", "fa", "uk", "ru", "tr", "de@ls"]


def source_messages() -> set:
    """Every translatable string in code and templates, as `make translations` extracts them."""
    found = set()
    method_map = [("workshop/**.py", "python"), ("templates/**.html", "jinja2")]
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords={"_": None, "gettext": None, "_l": None, "N_": None,
                                             "ngettext": (1, 2), "plural": (1, 2)}):
        found.add(message if isinstance(message, str) else tuple(message)[0])
    return found


def po(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def test_every_source_string_is_translated():
    sources = source_messages()
    assert len(sources) > 30
    for language in LANGUAGES:
        catalogue = po(language)
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}
        assert sources - ids == set(), f"{language}: run `make translations` and translate"
        untranslated = [m.id for m in catalogue if m.id and not all(
            m.string if isinstance(m.string, tuple) else [m.string])]
        assert untranslated == [], language
        assert [m.id for m in catalogue if m.id and m.fuzzy] == [], language


def test_every_catalogue_knows_every_source_string():
    sources = source_messages()
    for language in PHONE_ONLY:
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in po(language) if m.id}
        assert sources - ids == set(), f"{language}: run `make translations`"


def test_compiled_catalogue_matches_po():
    for language in LANGUAGES + PHONE_ONLY:
        with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as handle:
            compiled = read_mo(io.BytesIO(handle.read()))
        as_tuple = lambda v: tuple(v) if isinstance(v, list | tuple) else v  # noqa: E731
        translated = lambda m: all(m.string if isinstance(m.string, tuple) else [m.string])  # noqa: E731
        expected = {as_tuple(m.id): as_tuple(m.string) for m in po(language)
                    if m.id and translated(m)}
        actual = {as_tuple(m.id): as_tuple(m.string) for m in compiled if m.id}
        # pybabel compiles an untranslated plural as its English msgids: the same fallback.
        english = lambda key, value: set(value) <= set(key) if isinstance(key, tuple) else False  # noqa: E731
        actual = {key: value for key, value in actual.items()
                  if key in expected or not english(key, value)}
        assert actual == expected, f"run `make translations` to recompile {language}"
