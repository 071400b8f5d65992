"""The join page and the phone in every language a session can speak: every text they show has
a translation in ar, fa, uk, ru, tr and Leichte Sprache, in the language's script, with its
placeholders intact. Console, projector and summary stay German and English
(test_translations.py); their texts may fall back to English in these catalogues.

The phone's texts are found by rendering what a phone is sent (join page, unknown code, the
live page with its script texts in every language, the page after the end) and recording each
message looked up, so a new text on the phone is checked without being listed here."""

import re
import unicodedata
from pathlib import Path

import flask_babel
import pytest
from babel.messages.pofile import read_po

from tests.factories import api_session
from workshop import i18n, voting
from workshop.models import WorkshopSession

ROOT = Path(__file__).resolve().parents[2]
PHONE_LANGUAGES = ["ar", "fa", "uk", "ru", "tr", "de-x-ls"]
SCRIPT = {"ar": "ARABIC", "fa": "ARABIC", "uk": "CYRILLIC", "ru": "CYRILLIC", "tr": "LATIN",
          "de-x-ls": "LATIN"}
# Letters one language of a shared script has and the other has not.
FOREIGN = {"uk": "ыэъё", "ru": "іїєґ", "fa": "يك", "ar": "پچژگ"}
# Latin words that stay as they are in any script: the symbols and names the phone shows.
KEEP = re.compile(r"QR|JavaScript|▲|✓")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


class Recorder:
    """A translations object that notes every message it is asked for."""

    def __init__(self, inner, seen: set):
        self.inner, self.seen = inner, seen

    def __getattr__(self, name):
        method = getattr(self.inner, name)
        if not name.endswith("gettext"):
            return method

        def looked_up(*args):
            message = args[1] if name.startswith(("p", "up", "np", "unp")) else args[0]
            self.seen.add(message)
            return method(*args)
        return looked_up


@pytest.fixture(scope="module")
def phone_messages(tmp_path_factory):
    """Every msgid the join page and the phone look up, in any of their languages."""
    from workshop import create_app
    from workshop.extensions import db

    app = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("phone") / "sessions"),
                      "ASYNC_MODE": "threading", "TESTING": True, "LIVE_FLUSH_INTERVAL": 0})
    seen: set = set()
    patch = pytest.MonkeyPatch()
    babel_translations = flask_babel.Domain.get_translations
    patch.setattr(flask_babel.Domain, "get_translations",
                  lambda self: Recorder(babel_translations(self), seen))
    own_translations = i18n.translations
    patch.setattr(i18n, "translations", lambda language: Recorder(own_translations(language),
                                                                  seen))
    try:
        client = app.test_client()
        languages = app.config["PHONE_LANGUAGES"]
        live = api_session(client, languages=list(languages))
        ended = api_session(client, languages=["de", "ar"])
        with db.write() as session:
            voting.end_session(session, session.get(WorkshopSession, ended["id"]))
        for language in languages:
            pages = [("/join", 200), ("/j/ZZZZZZ", 404), (f"/j/{live['join_code']}", 200),
                     (f"/j/{ended['join_code']}", 410)]
            for path, status in pages:
                response = client.get(f"{path}?lang={language}")
                assert response.status_code == status, path
    finally:
        patch.undo()
        db.engine.dispose()
    assert len(seen) > 80
    return seen


def catalogue(language: str):
    path = ROOT / "workshop" / "translations" / i18n.babel_locale(language) / "LC_MESSAGES"
    with open(path / "messages.po", "rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0]: m for m in read_po(handle) if m.id}


def strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def script_share(text: str, script: str) -> float:
    text = KEEP.sub("", PLACEHOLDER.sub("", re.sub(r"\{\w+\}", "", text)))
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 1.0
    return sum(unicodedata.name(c, "").startswith(script) for c in letters) / len(letters)


def test_the_phone_messages_include_what_a_participant_reads(phone_messages):
    for message in ["Join a workshop", "Which group do you belong to?", "fully applies",
                    "very well", "Your answers are kept on this phone and sent when the "
                    "connection is back.", "%(num)s point left", "Reconnecting…",
                    "The workshop has ended. Thank you for taking part!", "can't judge"]:
        assert message in phone_messages


@pytest.mark.parametrize("language", PHONE_LANGUAGES)
def test_every_phone_text_is_translated(phone_messages, language):
    entries = catalogue(language)
    missing = sorted(m for m in phone_messages if m not in entries
                     or not all(s.strip() for s in strings(entries[m])))
    assert missing == [], f"{language}: translate these in its messages.po"
    assert [m for m in phone_messages if entries[m].fuzzy] == [], language


@pytest.mark.parametrize("language", PHONE_LANGUAGES)
def test_every_phone_text_is_in_its_script_with_its_placeholders(phone_messages, language):
    entries = catalogue(language)
    for msgid in sorted(phone_messages):
        message = entries[msgid]
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        wanted = sorted(PLACEHOLDER.findall(ids[-1]))
        for text in strings(message):
            where = f"{language}: {msgid!r} -> {text!r}"
            assert script_share(text, SCRIPT[language]) >= 0.8, where
            assert not set(FOREIGN.get(language, "")) & set(text), where
            assert sorted(PLACEHOLDER.findall(text)) == wanted, where
            if SCRIPT[language] == "LATIN" and len(msgid) > 12:
                assert text != msgid, f"{where}: still English"


def test_leichte_sprache_is_not_the_german_text(phone_messages):
    """Leichte Sprache says the longer texts again in simpler words, not as the German does."""
    german, easy = catalogue("de"), catalogue("de-x-ls")
    long_ones = [m for m in phone_messages if len(m) > 40]
    same = [m for m in long_ones if strings(easy[m]) == strings(german[m])]
    assert len(same) <= len(long_ones) // 4, same


def test_the_compiled_catalogues_answer_in_each_language():
    checks = {"ar": "انضمام", "fa": "بپیوندید", "uk": "Приєднатися", "ru": "Присоединиться",
              "tr": "Katıl", "de-x-ls": "Mitmachen"}
    for language, expected in checks.items():
        text = i18n.Translator(language).gettext("Join")
        assert text == expected, language


def test_language_codes_locales_directions_and_plural_categories():
    assert i18n.babel_locale("de-x-ls") == "de@ls" and i18n.babel_locale("pt-BR") == "pt_BR"
    assert i18n.language_code("de@ls") == "de-x-ls" and i18n.language_code("pt_BR") == "pt-BR"
    assert [i18n.direction(code) for code in ["ar", "fa", "de", "uk", "de-x-ls", "xx"]] == [
        "rtl", "rtl", "ltr", "ltr", "ltr", "ltr"]
    assert i18n.plural_samples("de") == {"one": 1, "other": 2}
    assert i18n.plural_samples("ru") == {"one": 1, "few": 2, "many": 5, "other": 100}
    assert set(i18n.plural_samples("ar")) == {"zero", "one", "two", "few", "many", "other"}
    assert i18n.plural_samples("de-x-ls") == i18n.plural_samples("de")
