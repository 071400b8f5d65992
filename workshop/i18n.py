"""Translations for a language named explicitly, for code that runs outside a request: reports,
the archive written when a session ends, and the wording shared by every page and file."""

from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
SOURCE_LANGUAGE = "en"  # the msgids are English
PHONE_COOKIE = "phone_lang"  # a phone's interface language; phone.js sets it on a switch

# Leichte Sprache has no locale of its own. Babel and gettext know it as German with the
# modifier "ls", as they know Serbian in Latin letters as sr@latin: its catalogue is
# translations/de@ls. A text it lacks falls back to the English msgid, not to German.
_LOCALES = {"de-x-ls": "de@ls"}
_CODES = {locale: code for code, locale in _LOCALES.items()}


def babel_locale(language: str) -> str:
    """The Babel / gettext name of a language code: "de-x-ls" -> "de@ls", "pt-BR" -> "pt_BR"."""
    return _LOCALES.get(language, language.replace("-", "_"))


def language_code(locale: object) -> str:
    """The language code of a Babel locale, as pages and sessions write it: "de@ls" -> "de-x-ls"."""
    name = str(locale)
    return _CODES.get(name, name.replace("_", "-"))


@cache
def direction(language: str) -> str:
    """"rtl" for a language written right to left (Arabic, Farsi), else "ltr"."""
    try:
        order = Locale.parse(babel_locale(language)).character_order
    except (ValueError, UnknownLocaleError):
        return "ltr"
    return "rtl" if order == "right-to-left" else "ltr"


@cache
def plural_samples(language: str) -> dict[str, int]:
    """A number for each plural category of a language (CLDR, as Intl.PluralRules names them):
    {"one": 1, "other": 2} in German, {"one": 1, "few": 2, "many": 5, "other": ...} in Russian.
    A script picks the text of n's category; "other" is always there."""
    try:
        rule = Locale.parse(babel_locale(language)).plural_form
    except (ValueError, UnknownLocaleError):
        rule = Locale.parse(SOURCE_LANGUAGE).plural_form
    samples: dict[str, int] = {}
    for n in [*range(1, 200), 0]:
        samples.setdefault(rule(n), n)
    # Russian and Ukrainian keep "other" for fractions: whole numbers never reach it.
    samples.setdefault("other", 100)
    return samples


def page_language() -> str:
    """The language of the page being rendered (Flask-Babel's locale), as a language code."""
    from flask_babel import get_locale

    return language_code(get_locale())


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of a language; English (the msgids) when there is none."""
    try:
        locale = str(Locale.parse(babel_locale(language)))
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
