"""Translations for a language named explicitly, for code that runs outside a request: reports,
the archive written when a session ends, and the wording shared by every page and file."""

from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
SOURCE_LANGUAGE = "en"  # the msgids are English


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of a language; English (the msgids) when there is none."""
    try:
        locale = str(Locale.parse(language.replace("-", "_")))
    except (ValueError, UnknownLocaleError):
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [locale])


class Translator:
    """gettext and ngettext for one language, formatting as Flask-Babel does (%(name)s).

    Pass one to whatever renders text, instead of relying on a request's locale: a background
    task then writes a German report in German.
    """

    def __init__(self, language: str):
        self.language = language
        self._translations = translations(language)

    def gettext(self, message: str, **variables) -> str:
        text = self._translations.gettext(message)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        return self._translations.ngettext(singular, plural, num) % variables

    def __repr__(self) -> str:
        return f"Translator({self.language!r})"
