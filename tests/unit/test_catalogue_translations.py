"""The Whole-COMM catalogue in every language it declares: each text present, non-empty, in
the language's script, not a copy of the German, with its names, numbers and paragraphs intact.
The German original itself is guarded by test_whole_comm_seed.py."""

import re
import unicodedata

import pytest

from workshop import catalogue as catalogues
from workshop import voting

TRANSLATED = ["en", "ar", "fa", "uk", "ru", "tr", "de-x-ls"]
SCRIPT = {"en": "LATIN", "ar": "ARABIC", "fa": "ARABIC", "uk": "CYRILLIC", "ru": "CYRILLIC",
          "tr": "LATIN", "de-x-ls": "LATIN"}
# Letters that only one of two languages sharing a script uses: a text with the other's is
# probably in the wrong language.
FOREIGN = {"uk": "ыэъё", "ru": "іїєґ", "fa": "يك", "ar": "پچژگ"}
OWN = {"tr": "çğıöşüÇĞİÖŞÜ", "fa": "یکپچژگ", "uk": "іїєґ"}


def texts(doc):
    """(where, {language: text}) for every translatable text of a catalogue."""
    yield "title", doc["title"]
    for f in doc["action_fields"]:
        yield f"{f['id']}.title", f["title"]
        yield f"{f['id']}.description", f["description"]
        for c in f["challenges"]:
            yield c["id"], c["text"]
        for g in f["principle_groups"]:
            yield g["id"], g["title"]
            for p in g["principles"]:
                yield p["id"], p["text"]
        for x in f["practices"]:
            yield f"{x['id']}.place", x["place"]
            yield f"{x['id']}.text", x["text"]


@pytest.fixture(scope="module")
def whole_comm():
    return catalogues.builtin_catalogues()["whole-comm"]


def script_share(text: str, script: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 1.0
    return sum(unicodedata.name(c, "").startswith(script) for c in letters) / len(letters)


def latin_names(text: str) -> set[str]:
    """Project names and acronyms written in capitals (POLI, MAD, VDAB...)."""
    return set(re.findall(r"\b[A-Z]{3,}\b", text))


def test_every_declared_language_has_every_text(whole_comm):
    assert whole_comm["languages"] == ["de", *TRANSLATED]
    found = list(texts(whole_comm))
    assert len(found) == 167
    for where, text in found:
        assert list(text) == whole_comm["languages"], where
        for language in TRANSLATED:
            assert isinstance(text[language], str) and text[language].strip(), (where, language)
            assert text[language].strip() != text["de"].strip(), (where, language)


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_text_is_in_its_languages_script(whole_comm, language):
    wrong = []
    for where, text in texts(whole_comm):
        value = text[language]
        share = script_share(value, SCRIPT[language])
        # Names such as "Whole-COMM" or "POLI" stay in Latin letters in every script.
        if share < (0.8 if len(value) > 40 else 0.5):
            wrong.append(f"{where}: {share:.0%} {SCRIPT[language]}")
        if any(c in value for c in FOREIGN.get(language, "")):
            wrong.append(f"{where}: letters of another language")
        if language in OWN and len(value) > 80 and not any(c in value for c in OWN[language]):
            wrong.append(f"{where}: none of the letters {OWN[language]}")
    assert wrong == []


@pytest.mark.parametrize("language", [lang for lang in TRANSLATED if lang != "de-x-ls"])
def test_paragraphs_and_names_are_kept(whole_comm, language):
    # Leichte Sprache rewrites freely (short sentences, one statement each); the others
    # translate paragraph for paragraph and keep the project names.
    for where, text in texts(whole_comm):
        german, value = text["de"], text[language]
        assert value.count("\n\n") == german.count("\n\n"), where
        assert latin_names(german) - {"COMM"} <= latin_names(value) | {"COMM"}, where
        for url in re.findall(r"https?://\S+", german):
            assert url in value, where


def test_leichte_sprache_keeps_its_sentences_short(whole_comm):
    long_ones = []
    for where, text in texts(whole_comm):
        for sentence in re.split(r"(?<=[.!?:])\s+", text["de-x-ls"]):
            if len(sentence.split()) > 15:
                long_ones.append(f"{where}: {sentence[:60]}")
    assert long_ones == []


def test_default_questions_and_group_names_in_every_catalogue_language(whole_comm):
    for question in voting.DEFAULT_QUESTIONS.values():
        assert set(whole_comm["languages"]) <= set(question)
    for name in voting.GROUP_PRESETS.values():
        assert set(whole_comm["languages"]) <= set(name)
    for language in TRANSLATED[1:]:
        for texts_ in (*voting.DEFAULT_QUESTIONS.values(), *voting.GROUP_PRESETS.values()):
            assert script_share(texts_[language], SCRIPT[language]) > 0.8, texts_[language]
            assert texts_[language] != texts_["de"] or language == "de-x-ls", texts_
