"""One wording in every language, without a Flask request: the Translator and the shared texts."""

from datetime import UTC, datetime

import pytest

from workshop import wording
from workshop.i18n import Translator


def test_translator_speaks_german_without_a_request():
    de = Translator("de")
    assert de.gettext("too few to show") != "too few to show"
    assert de.gettext("Vote %(n)d", n=3) == "Abstimmung 3"
    assert de.ngettext("%(num)s answer", "%(num)s answers", 2) == "2 Antworten"


@pytest.mark.parametrize("language", ["en", "xx", "de-x-xx", ""])
def test_a_language_without_a_catalogue_reads_english(language):
    tr = Translator(language)
    assert tr.gettext("too few to show") == "too few to show"
    assert tr.ngettext("%(num)s answer", "%(num)s answers", 1) == "1 answer"


def test_leichte_sprache_has_the_phone_texts_and_english_for_the_console():
    tr = Translator("de-x-ls")  # the catalogue translations/de@ls
    assert tr.gettext("too few to show") == "zu wenige Antworten"
    assert tr.ngettext("%(num)s answer", "%(num)s answers", 2) == "2 Antworten"
    assert tr.gettext("End session") == "End session"  # console: English, not German


def test_scale_labels_per_target():
    de, en = Translator("de"), Translator("en")
    assert wording.scale_labels(de, "challenges")[1] == "trifft nicht zu"
    assert wording.scale_labels(de, "challenges")[5] == "trifft voll zu"
    assert wording.scale_labels(de, "principles")[5] == "sehr gut"
    assert list(wording.scale_labels(en, "principles")) == [1, 2, 3, 4, 5]
    assert wording.scale_ends(en, "challenges") == "1 = does not apply · 5 = fully applies"


def test_names_of_kinds_states_targets_and_votes():
    de = Translator("de")
    assert wording.kind_name(de, "dots") == "Prioritätspunkte"
    assert wording.state_name(de, "pending") == "noch nicht geöffnet"
    assert wording.target_name(de, "principles") == "Prinzipien"
    assert wording.attempt_name(de, 2) == "Zweite Abstimmung"
    assert wording.attempt_name(Translator("en"), 4) == "Vote 4"
    assert "3" in wording.too_few_note(de)


def test_dates_in_the_language_of_the_text():
    assert wording.long_date("2026-03-14", "de") == "14. März 2026"
    assert wording.long_date("2026-03-14", "en") == "14 March 2026"
    assert wording.long_date("spring", "de") == "spring"
    assert wording.long_date("", "de") == ""
    moment = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    assert wording.date_time(moment, "de").startswith("14.03.2026")


def test_language_names_in_the_language_of_the_text():
    de, en = Translator("de"), Translator("en")
    assert [wording.language_name(de, code) for code in ("de", "en")] == ["Deutsch", "Englisch"]
    assert [wording.language_name(en, code) for code in ("de", "en")] == ["German", "English"]
    assert wording.language_name(de, "de-x-ls") == "Leichte Sprache"  # Babel has no name
    assert wording.language_name(en, "de-x-ls") == "Easy German (Leichte Sprache)"
    assert wording.language_name(de, "xx-q") == "xx-q"  # unknown to everyone: the code
    assert wording.native_name("ar") == "العربية" and wording.native_name("fa") == "فارسی / دری"
    assert wording.native_name("uk") == "Українська"
