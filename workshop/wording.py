"""One text for each concept, in every place: phone, projector, console, summary, PDF, XLSX,
Markdown. Each function takes a Translator (workshop.i18n) for the language to speak."""

from datetime import date, datetime
from typing import Protocol

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime

from workshop.results import MIN_GROUP_VOTERS, SCALE


class Gettext(Protocol):
    language: str

    def gettext(self, message: str, **variables) -> str: ...

    def ngettext(self, singular: str, plural: str, num: int, **variables) -> str: ...


def scale_labels(tr: Gettext, target: str) -> dict[int, str]:
    """The 1-5 scale as participants see it: how much a challenge applies, how well a
    principle is done."""
    _ = tr.gettext
    if target == "challenges":
        labels = [_("does not apply"), _("hardly applies"), _("partly applies"),
                  _("largely applies"), _("fully applies")]
    else:
        labels = [_("not at all"), _("poorly"), _("partly"), _("well"), _("very well")]
    return dict(zip(SCALE, labels, strict=True))


def scale_ends(tr: Gettext, target: str) -> str:
    """"1 = does not apply · 5 = fully applies": the legend under a scale or a chart."""
    labels = scale_labels(tr, target)
    low, high = SCALE[0], SCALE[-1]
    return f"{low} = {labels[low]} · {high} = {labels[high]}"


def cant_judge(tr: Gettext) -> str:
    return tr.gettext("can't judge")


def too_few(tr: Gettext) -> str:
    """What stands where a group's figure would come from fewer than MIN_GROUP_VOTERS."""
    return tr.gettext("too few to show")


def too_few_note(tr: Gettext) -> str:
    """The one line that replaces group columns when no group can be shown."""
    return tr.gettext("Figures per group appear where at least %(min)d people of a group "
                      "answered.", min=MIN_GROUP_VOTERS)


def kind_name(tr: Gettext, kind: str) -> str:
    _ = tr.gettext
    return {"rating": _("Rating"), "dots": _("Priority points"), "ideas": _("Ideas")}[kind]


def state_name(tr: Gettext, state: str) -> str:
    _ = tr.gettext
    return {"pending": _("not yet opened"), "open": _("open"), "closed": _("closed")}[state]


def target_name(tr: Gettext, target: str) -> str:
    _ = tr.gettext
    return {"challenges": _("Challenges"), "principles": _("Principles"),
            "ideas": _("Ideas")}[target]


def attempt_name(tr: Gettext, attempt: int) -> str:
    """"First vote", "Second vote", ...: a reopened round says which vote it is."""
    _ = tr.gettext
    if attempt == 1:
        return _("First vote")
    if attempt == 2:
        return _("Second vote")
    return _("Vote %(n)d", n=attempt)


def yes_no(tr: Gettext, value: bool) -> str:
    return tr.gettext("yes") if value else tr.gettext("no")


# Languages Babel cannot name from their code, by the language the name is written in.
_NAMES = {
    "de-x-ls": {"de": "Leichte Sprache", "en": "Easy German (Leichte Sprache)",
                "de-x-ls": "Leichte Sprache"},
}
# How a language calls itself where Babel's name would leave its readers out: Dari speakers
# read the Farsi texts too.
_NATIVE = {"fa": "فارسی / دری", "de-x-ls": "Leichte Sprache"}


def language_name(tr: Gettext, code: str) -> str:
    """"Deutsch", "Englisch" in German; the bare code when Babel does not know the language."""
    if code in _NAMES:
        names = _NAMES[code]
        return names.get(tr.language) or names.get(tr.language.split("-")[0]) or names["en"]
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(_locale(tr.language))
    except (ValueError, UnknownLocaleError):
        return code
    return name or code


def native_name(code: str) -> str:
    """A language's name in that language ("Deutsch", "العربية"), for people who read only it."""
    if code in _NATIVE:
        return _NATIVE[code]
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:] if name else code


def _locale(language: str) -> str:
    # British English writes "14 March 2026"; Babel's plain "en" is American.
    return {"en": "en_GB"}.get(language, language.replace("-", "_"))


def long_date(value: str | date, language: str) -> str:
    """"14. März 2026" / "14 March 2026"; a text that is no ISO date stays as it is."""
    if not value:
        return ""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(value)
        return format_date(day, format="long", locale=_locale(language))
    except (ValueError, LookupError):
        return str(value)


def date_time(moment: datetime | None, language: str) -> str:
    """A moment with its date and time in the language's usual form, for metadata lines."""
    if moment is None:
        return ""
    try:
        return format_datetime(moment, format="medium", locale=_locale(language))
    except (ValueError, LookupError):
        return moment.isoformat(timespec="minutes")
