"""The catalogue loader: YAML and JSON in, plain data out, or every problem with path and line."""

import copy
import json
import time
from pathlib import Path

import pytest
import yaml

from workshop.catalogue import load as load_via_package
from workshop.catalogue.loader import (
    MAX_FIELDS,
    MAX_ITEMS,
    MAX_LANGUAGES,
    CatalogueInvalid,
    Problem,
    format_path,
    load,
    parse,
    validate,
)

WHOLE_COMM = Path(__file__).resolve().parents[2] / "workshop" / "catalogue" / "whole-comm.yaml"


def catalogue_yaml() -> str:
    """A tiny valid catalogue; the line numbers in the comments are what the tests rely on."""
    return """\
id: mini
title: {de: Mini-Katalog, en: Mini catalogue}
source: "Hand-written for the tests"
languages: [de, en]
action_fields:
  - id: governance
    title: {de: Steuerung, en: Governance}
    description: {de: Beschreibung, en: Description}
    challenges:
      - id: governance-c1
        text: {de: Erste Herausforderung, en: First challenge}
      - id: governance-c2
        text: {de: Zweite Herausforderung, en: Second challenge}
    principle_groups:
      - id: governance-g1
        title: {de: Gruppe, en: Group}
        principles:
          - id: governance-p1
            text: {de: Erster Grundsatz, en: First principle}
          - id: governance-p2
            text: {de: Zweiter Grundsatz, en: Second principle}
    practices:
      - id: governance-x1
        title: Ein Beispiel
        place: Erfurt
        text: {de: Praxis, en: Practice}
  - id: health
    title: {de: Gesundheit, en: Health}
    description: {de: Gesundheitsversorgung, en: Health care}
    challenges:
      - id: health-c1
        text: {de: Herausforderung, en: Challenge}
    principle_groups: []
"""


def line_of(text: str, fragment: str) -> int:
    """The 1-based line holding `fragment`, which must occur exactly once."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(hits) == 1, (fragment, hits)
    return hits[0]


def variant(*replacements: tuple[str, str]) -> str:
    """The tiny catalogue with each (old, new) applied; every `old` must occur exactly once."""
    text = catalogue_yaml()
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def problems_of(source: str | bytes) -> list[Problem]:
    with pytest.raises(CatalogueInvalid) as info:
        load(source)
    return info.value.problems


def only_problem(source: str | bytes) -> Problem:
    problems = problems_of(source)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def places(problems: list[Problem]) -> set[tuple[str, int | None]]:
    return {(p.path, p.line) for p in problems}


# --- valid documents -------------------------------------------------------------------------


def test_the_helper_catalogue_has_the_lines_the_tests_assume():
    text = catalogue_yaml()
    assert line_of(text, "- id: governance-c2") == 12
    assert line_of(text, "text: {de: Zweite Herausforderung") == 13
    assert text.splitlines()[27 - 1] == "  - id: health"
    assert line_of(text, "principle_groups: []") == 33


def test_valid_yaml_loads_to_plain_data():
    doc = load(catalogue_yaml())
    assert doc["id"] == "mini"
    assert doc["languages"] == ["de", "en"]
    assert doc["source"] == "Hand-written for the tests"
    assert [f["id"] for f in doc["action_fields"]] == ["governance", "health"]
    governance = doc["action_fields"][0]
    assert governance["challenges"][1] == {
        "id": "governance-c2",
        "text": {"de": "Zweite Herausforderung", "en": "Second challenge"},
    }
    assert governance["principle_groups"][0]["principles"][1]["text"]["en"] == "Second principle"
    assert governance["practices"][0]["place"] == "Erfurt"
    assert doc["action_fields"][1]["principle_groups"] == []


@pytest.mark.parametrize("indent", [2, None, "\t"], ids=["indented", "one-line", "tabs"])
def test_the_same_catalogue_as_json_loads_to_equal_data(indent):
    as_json = json.dumps(yaml.safe_load(catalogue_yaml()), indent=indent, ensure_ascii=False)
    assert load(as_json) == load(catalogue_yaml())


def test_json_with_escaped_non_ascii_text_keeps_the_characters():
    data = yaml.safe_load(catalogue_yaml())
    data["title"]["de"] = "Teilhabe für alle 🙂"
    assert load(json.dumps(data))["title"]["de"] == "Teilhabe für alle 🙂"


def test_bytes_with_a_utf8_byte_order_mark_load():
    doc = load(b"\xef\xbb\xbf" + catalogue_yaml().encode())
    assert doc["id"] == "mini"


def test_the_loaded_catalogue_is_the_document_itself_in_its_order():
    text = catalogue_yaml()
    doc = load(text)
    assert json.dumps(doc) == json.dumps(yaml.safe_load(text))  # same keys in the same order


def test_practice_title_and_place_may_be_plain_text_or_language_maps():
    plain = load(catalogue_yaml())["action_fields"][0]["practices"][0]
    assert (plain["title"], plain["place"]) == ("Ein Beispiel", "Erfurt")
    localized = load(variant(
        ("title: Ein Beispiel", "title: {de: Ein Beispiel, en: An example}"),
        ("place: Erfurt", "place: {de: Erfurt, en: Erfurt (Thuringia)}"),
    ))["action_fields"][0]["practices"][0]
    assert localized["title"] == {"de": "Ein Beispiel", "en": "An example"}
    assert localized["place"] == {"de": "Erfurt", "en": "Erfurt (Thuringia)"}
    without_place = load(variant(("        place: Erfurt\n", "")))
    assert "place" not in without_place["action_fields"][0]["practices"][0]


def test_a_practice_title_map_is_held_to_the_declared_languages():
    problem = only_problem(variant(("title: Ein Beispiel", "title: {de: Ein Beispiel}")))
    assert (problem.path, problem.line) == ("action_fields[0].practices[0].title", 24)
    assert problem.message == "missing the text in declared language 'en'"


def test_a_practice_without_title_or_with_a_number_as_place_is_refused():
    problems = problems_of(variant(("        title: Ein Beispiel\n", ""),
                                   ("place: Erfurt", "place: 99")))
    assert {(p.path, p.line, p.message) for p in problems} == {
        ("action_fields[0].practices[0].title", 23, "missing required key 'title'"),
        ("action_fields[0].practices[0].place", 24,
         'must be a text, or map each language to a text, e.g. {de: "...", en: "..."}, '
         "not a number; put it in quotes"),
    }


def test_the_catalogue_may_share_its_id_with_an_action_field():
    doc = load(variant(("id: mini", "id: health")))
    assert doc["id"] == "health"


# --- one problem at a time: path, line, message ---------------------------------------------


def test_missing_top_level_key_is_reported_at_the_document():
    problem = only_problem(variant(("title: {de: Mini-Katalog, en: Mini catalogue}\n", "")))
    assert (problem.path, problem.line, problem.message) == (
        "title", 1, "missing required key 'title'")


def test_missing_action_fields_is_reported():
    text = catalogue_yaml().split("action_fields:")[0]
    problem = only_problem(text)
    assert (problem.path, problem.line, problem.message) == (
        "action_fields", 1, "missing required key 'action_fields'")


def test_missing_nested_keys_are_reported_at_their_parent():
    problems = problems_of(variant(
        ("    description: {de: Beschreibung, en: Description}\n", ""),
        ("        text: {de: Zweite Herausforderung, en: Second challenge}\n", ""),
    ))
    assert {(p.path, p.line, p.message) for p in problems} == {
        ("action_fields[0].description", 6, "missing required key 'description'"),
        ("action_fields[0].challenges[1].text", 11, "missing required key 'text'"),
    }


def test_a_key_without_a_value_counts_as_missing():
    problem = only_problem(variant(("        place: Erfurt\n", ""),
                                   ("    principle_groups: []", "    principle_groups:")))
    assert (problem.path, problem.line) == ("action_fields[1].principle_groups", 32)
    assert problem.message == "missing required key 'principle_groups'"


def test_duplicate_id_names_the_first_place():
    problem = only_problem(variant(("- id: governance-c2", "- id: governance-c1")))
    assert (problem.path, problem.line) == ("action_fields[0].challenges[1].id", 12)
    assert problem.message == (
        "duplicate id 'governance-c1' (first used at action_fields[0].challenges[0])")


def test_duplicate_id_across_action_fields_and_kinds():
    problem = only_problem(variant(("- id: health-c1", "- id: governance-p2")))
    assert (problem.path, problem.line) == ("action_fields[1].challenges[0].id", 31)
    assert problem.message == ("duplicate id 'governance-p2' (first used at "
                               "action_fields[0].principle_groups[0].principles[1])")


def test_duplicate_mapping_key_in_yaml_is_reported_where_it_repeats():
    problem = only_problem(variant((
        "    title: {de: Steuerung, en: Governance}\n",
        "    title: {de: Steuerung, en: Governance}\n    title: {de: Noch mal, en: Again}\n",
    )))
    assert (problem.path, problem.line, problem.message) == (
        "action_fields[0].title", 8, "duplicate key 'title'")


def test_duplicate_key_in_json_is_reported_with_its_line():
    text = json.dumps(yaml.safe_load(catalogue_yaml()), indent=2)
    text = text.replace('"id": "mini",', '"id": "mini",\n  "id": "again",')
    problem = only_problem(text)
    assert (problem.path, problem.line) == ("id", line_of(text, '"id": "again"'))
    assert problem.message == "duplicate key 'id'"


def test_text_missing_a_declared_language():
    problem = only_problem(variant(("{de: Zweite Herausforderung, en: Second challenge}",
                                    "{de: Zweite Herausforderung}")))
    assert str(problem) == (
        "action_fields[0].challenges[1].text (line 13): "
        "missing the text in declared language 'en'")


def test_the_line_of_a_block_mapping_is_the_line_of_its_key():
    text = variant(("        text: {de: Zweite Herausforderung, en: Second challenge}\n",
                    "        text:\n          de: Zweite Herausforderung\n"))
    problem = only_problem(text)
    assert str(problem) == (
        "action_fields[0].challenges[1].text (line 13): "
        "missing the text in declared language 'en'")


def test_undeclared_language():
    problem = only_problem(variant(("en: First challenge}", "en: First challenge, fr: Premier}")))
    assert (problem.path, problem.line) == ("action_fields[0].challenges[0].text.fr", 11)
    assert problem.message == "language 'fr' is not declared in 'languages'"


def test_list_where_a_mapping_is_expected():
    problems = problems_of(variant(
        ("text: {de: Erster Grundsatz, en: First principle}",
         "text: [Erster Grundsatz, First principle]"),
        ("      - id: health-c1\n        text: {de: Herausforderung, en: Challenge}\n",
         "      - [health-c1, Challenge]\n"),
    ))
    assert {(p.path, p.line, p.message) for p in problems} == {
        ("action_fields[0].principle_groups[0].principles[0].text", 19,
         "must map each language to a text, e.g. {de: \"...\", en: \"...\"}, not a list"),
        ("action_fields[1].challenges[0]", 31, "must be a mapping of keys to values, not a list"),
    }


def test_number_where_text_is_expected():
    problems = problems_of(variant(("en: Second principle", "en: 42"),
                                   ('source: "Hand-written for the tests"', "source: 3.5")))
    assert {(p.path, p.line, p.message) for p in problems} == {
        ("action_fields[0].principle_groups[0].principles[1].text.en", 21,
         "must be text, not a number; put it in quotes"),
        ("source", 3, "must be text, not a number; put it in quotes"),
    }


@pytest.mark.parametrize("value, found", [
    ("yes", "true/false; put it in quotes (YAML reads yes, no, on and off as true/false)"),
    ("2024-01-31", "a date; put it in quotes"),
    ("[a, b]", "a list"),
    ("{a: b}", "a mapping"),
])
def test_a_value_yaml_reads_as_something_else_says_what_it_is(value, found):
    problem = only_problem(variant(("en: Second principle", f"en: {value}")))
    assert (problem.path, problem.line) == (
        "action_fields[0].principle_groups[0].principles[1].text.en", 21)
    assert problem.message == f"must be text, not {found}"


def test_a_mapping_where_a_list_is_expected():
    problem = only_problem(variant(("    principle_groups: []", "    principle_groups: {a: b}")))
    assert (problem.path, problem.line, problem.message) == (
        "action_fields[1].principle_groups", 33, "must be a list, not a mapping")


@pytest.mark.parametrize("empty", ['""', '"   "'])
def test_empty_text(empty):
    problem = only_problem(variant(("en: Description}", f"en: {empty}}}")))
    assert (problem.path, problem.line, problem.message) == (
        "action_fields[0].description.en", 8, "must not be empty")


def test_overlong_text():
    problem = only_problem(variant(("en: Practice}", f"en: {'x' * 10_001}}}")))
    assert (problem.path, problem.line) == ("action_fields[0].practices[0].text.en", 26)
    assert problem.message == "is longer than 10000 characters"


@pytest.mark.parametrize("bad_id, shown", [
    ("Governance C1", "'Governance C1'"),
    ("-c1", "'-c1'"),
    ('"c1\\n"', repr("c1\n")),
    ("x" * 65, repr("x" * 65)),
])
def test_bad_id_pattern(bad_id, shown):
    problem = only_problem(variant(("- id: governance-c1", f"- id: {bad_id}")))
    assert (problem.path, problem.line) == ("action_fields[0].challenges[0].id", 10)
    assert problem.message == (f"id {shown} must be 1-64 lowercase letters, digits, '-', '_' or "
                               "'.', starting with a letter or digit")


def test_an_id_yaml_reads_as_a_number_is_to_be_quoted():
    problem = only_problem(variant(("- id: governance-c1", "- id: 7")))
    assert (problem.path, problem.line) == ("action_fields[0].challenges[0].id", 10)
    assert problem.message == "must be text, not a number; put it in quotes"
    assert load(variant(("- id: governance-c1", '- id: "7"')))["action_fields"][0][
        "challenges"][0]["id"] == "7"


def test_bad_catalogue_id():
    problem = only_problem(variant(("id: mini", "id: Mini Katalog")))
    assert (problem.path, problem.line) == ("id", 1)


def test_empty_languages_is_one_problem_not_one_per_text():
    problem = only_problem(variant(("languages: [de, en]", "languages: []")))
    assert (problem.path, problem.line, problem.message) == (
        "languages", 4, "must be a non-empty list of language codes, e.g. [de, en]")


def test_missing_languages_is_one_problem():
    problem = only_problem(variant(("languages: [de, en]\n", "")))
    assert (problem.path, problem.line, problem.message) == (
        "languages", 1, "missing required key 'languages'")


def test_without_valid_languages_the_texts_are_still_checked():
    problem_set = places(problems_of(variant(("languages: [de, en]", "languages: []"),
                                             ("en: Practice}", "en: ''}"))))
    assert problem_set == {("languages", 4), ("action_fields[0].practices[0].text.en", 26)}


def test_language_listed_twice():
    problem = only_problem(variant(("languages: [de, en]", "languages: [de, en, de]")))
    assert (problem.path, problem.line, problem.message) == (
        "languages[2]", 4, "language 'de' is listed twice")


def test_something_that_is_no_language_code():
    problem = only_problem(variant(("languages: [de, en]", "languages: [de, en, German]")))
    assert (problem.path, problem.line, problem.message) == (
        "languages[2]", 4, "'German' is not a language code such as 'de'")


def test_principle_group_without_principles():
    text = variant(("""\
        principles:
          - id: governance-p1
            text: {de: Erster Grundsatz, en: First principle}
          - id: governance-p2
            text: {de: Zweiter Grundsatz, en: Second principle}
""", "        principles: []\n"))
    problem = only_problem(text)
    assert (problem.path, problem.line, problem.message) == (
        "action_fields[0].principle_groups[0].principles", 17, "must list at least one principle")


def test_action_field_with_neither_challenges_nor_principles():
    text = variant(("""\
    challenges:
      - id: health-c1
        text: {de: Herausforderung, en: Challenge}
""", "    challenges: []\n"))
    problem = only_problem(text)
    assert (problem.path, problem.line, problem.message) == (
        "action_fields[1]", 27, "has neither challenges nor principles to vote on")


def test_no_action_fields_at_all():
    text = catalogue_yaml().split("  - id: governance\n")[0].replace("action_fields:",
                                                                    "action_fields: []")
    problem = only_problem(text)
    assert (problem.path, problem.line, problem.message) == (
        "action_fields", 5, "must list at least one action field")


def test_a_document_that_is_not_a_mapping():
    problem = only_problem("- id: mini\n- id: other\n")
    assert (problem.path, problem.line, problem.message) == (
        "", 1, "must be a mapping of keys to values, not a list")
    assert str(problem) == "(document) (line 1): must be a mapping of keys to values, not a list"


@pytest.mark.parametrize("old, new, line", [
    ("text: {de: Erste Herausforderung", "text: de: {Erste Herausforderung", 11),
    ("    challenges:\n      - id: governance-c1", "   challenges:\n      - id: governance-c1", 9),
])
def test_yaml_syntax_error_gives_the_line(old, new, line):
    problem = only_problem(variant((old, new)))
    assert (problem.path, problem.line) == ("", line)
    assert problem.message.startswith("not valid YAML or JSON: ")


def test_an_unclosed_bracket_names_where_it_was_opened():
    # The parser notices on the next line; the message says where the mapping began.
    problem = only_problem(variant(("en: Practice}", "en: Practice")))
    assert (problem.path, problem.line) == ("", 27)
    assert problem.message == ("not valid YAML or JSON: while parsing a flow mapping (line 26), "
                               "expected ',' or '}', but got ':'")


def test_json_syntax_error_gives_the_line():
    text = json.dumps(yaml.safe_load(catalogue_yaml()), indent=2)
    text = text.replace('"source": "Hand-written for the tests",', '"source": "Hand-written" "x",')
    problem = only_problem(text)
    assert (problem.path, problem.line) == ("", line_of(text, '"source"'))
    assert problem.message.startswith("not valid YAML or JSON: ")


def test_unknown_yaml_tag_is_a_problem_with_its_place():
    problem = only_problem(variant(("place: Erfurt", "place: !!python/object:os.system x")))
    assert (problem.path, problem.line) == ("action_fields[0].practices[0].place", 25)
    assert "could not determine a constructor" in problem.message


@pytest.mark.parametrize("value, message", [
    ("2026-13-45", "'2026-13-45' is not a valid timestamp"),
    ("!!int abc", "'abc' is not a valid int"),
    (".inf", "inf is not a number JSON can hold"),
    ('"\\ud83d"', "holds half of a UTF-16 surrogate pair (\\ud800-\\udfff) without the "
                   "other half"),
])
def test_a_value_yaml_cannot_read_is_one_problem_not_also_a_wrong_type(value, message):
    assert str(only_problem(variant(("en: Second principle", f"en: {value}")))) == (
        f"action_fields[0].principle_groups[0].principles[1].text.en (line 21): {message}")


def test_an_unknown_key_with_a_value_yaml_cannot_read_is_named_for_both():
    problems = problems_of(catalogue_yaml() + "updated: 2026-13-45\n")
    assert [(p.path, p.line, p.message.split(";")[0]) for p in problems] == [
        ("updated", 34, "'2026-13-45' is not a valid timestamp"),
        ("updated", 34, "unknown key 'updated'")]


def test_not_utf8():
    text = variant(("de: Gesundheit,", "de: Gesundheit für alle,"))
    problem = only_problem(text.encode("latin-1"))
    offset = text.index("ü")
    assert (problem.path, problem.line) == ("", None)
    assert problem.message == f"the file is not UTF-8 text (byte {offset})"
    assert str(problem) == f"(document): the file is not UTF-8 text (byte {offset})"


@pytest.mark.parametrize("empty", ["", b"", "  \n\n\t\n", "# nothing but a comment\n"])
def test_empty_file(empty):
    problem = only_problem(empty)
    assert (problem.path, problem.line, problem.message) == ("", None, "the file is empty")
    assert str(problem) == "(document): the file is empty"


def test_more_than_one_document_is_refused():
    problem = only_problem(catalogue_yaml() + "---\nid: second\n")
    assert (problem.path, problem.line) == ("", 34)
    assert problem.message == ("not valid YAML or JSON: expected a single document in the "
                               "stream (line 1), but found another document")


def test_not_a_number_is_refused_because_json_cannot_hold_it():
    problem = only_problem(variant(('source: "Hand-written for the tests"', "source: .nan")))
    assert (problem.path, problem.line, problem.message) == (
        "source", 3, "nan is not a number JSON can hold")


def test_a_nul_character_is_refused():
    # YAML's "\0" escape; PostgreSQL cannot store it in a text.
    problem = only_problem(variant(("en: Second principle", 'en: "Second\\0principle"')))
    assert (problem.path, problem.line, problem.message) == (
        "action_fields[0].principle_groups[0].principles[1].text.en", 21,
        "holds a NUL character")


# --- the shape of each value: keys, types, bounds --------------------------------------------


@pytest.mark.parametrize("old, new, problems", [
    ("    practices:", "    practises:", [
        ("action_fields[0].practises", 22, "unknown key 'practises'; did you mean 'practices'?")]),
    ("        text: {de: Praxis", "        txt: {de: Praxis", [
        ("action_fields[0].practices[0].text", 23, "missing required key 'text'"),
        ("action_fields[0].practices[0].txt", 26, "unknown key 'txt'; did you mean 'text'?")]),
    ('source: "Hand-written for the tests"', "colour: red", [
        ("colour", 3, "unknown key 'colour'; expected id, title, source, languages, "
                      "action_fields")]),
    ("        principles:\n", "        colour: red\n        principles:\n", [
        ("action_fields[0].principle_groups[0].colour", 17,
         "unknown key 'colour'; expected id, title, principles")]),
    ("principle_groups: []", "principle_groups: []\n    2026-03-14: workshop", [
        ("action_fields[1].2026-03-14", 34, "unknown key '2026-03-14'; expected id, title, "
         "description, challenges, principle_groups, practices")]),
], ids=["misspelt", "misspelt-required", "top-level", "in-a-group", "not-text"])
def test_an_unknown_key_is_refused_with_its_path_and_line(old, new, problems):
    assert [(p.path, p.line, p.message) for p in problems_of(variant((old, new)))] == problems


@pytest.mark.parametrize("old, new, path, line, message", [
    ("    challenges:\n      - id: governance-c1\n        text: {de: Erste Herausforderung, "
     "en: First challenge}\n      - id: governance-c2\n        text: {de: Zweite "
     "Herausforderung, en: Second challenge}\n", "    challenges: keine\n",
     "action_fields[0].challenges", 9, "must be a list, not text"),
    ("    description: {de: Beschreibung, en: Description}",
     "    description: Beschreibung", "action_fields[0].description", 8,
     'must map each language to a text, e.g. {de: "...", en: "..."}, not text'),
    ("  - id: health\n", "  - id: [health]\n", "action_fields[1].id", 27,
     "must be text, not a list"),
    ("title: {de: Gruppe, en: Group}", "title: {de: Gruppe, en: {text: Group}}",
     "action_fields[0].principle_groups[0].title.en", 16, "must be text, not a mapping"),
], ids=["text-for-a-list", "text-for-texts", "list-for-an-id", "mapping-for-a-text"])
def test_a_value_of_the_wrong_type_is_named_with_what_it_is(old, new, path, line, message):
    problem = only_problem(variant((old, new)))
    assert (problem.path, problem.line, problem.message) == (path, line, message)


def test_a_missing_id_is_named_at_the_entry_that_lacks_it():
    problem = only_problem(variant(("          - id: governance-p2\n            text:",
                                    "          - text:")))
    assert (problem.path, problem.line, problem.message) == (
        "action_fields[0].principle_groups[0].principles[1].id", 20, "missing required key 'id'")


@pytest.mark.parametrize("entry, kind", [("[governance-c1, Text]", "a list"),
                                          ("Text", "text"), ("", "nothing")])
def test_a_list_entry_that_is_not_a_mapping(entry, kind):
    problem = only_problem(variant((
        "      - id: governance-c2\n        text: {de: Zweite Herausforderung, en: Second "
        "challenge}\n", f"      - {entry}\n")))
    assert (problem.path, problem.line, problem.message) == (
        "action_fields[0].challenges[1]", 12, f"must be a mapping of keys to values, not {kind}")


def test_a_list_for_the_whole_document_or_an_action_field():
    problems = problems_of("- id: mini\n")
    assert [str(p) for p in problems] == [
        "(document) (line 1): must be a mapping of keys to values, not a list"]
    problem = only_problem(variant(("  - id: health\n", "  - - id: health\n    - x: y\n  - "
                                                       "id: health\n")))
    assert (problem.path, problem.line, problem.message) == (
        "action_fields[1]", 27, "must be a mapping of keys to values, not a list")


def test_norwegian_unquoted_is_false_and_the_problem_says_so():
    hint = "put it in quotes (YAML reads yes, no, on and off as true/false)"
    problem = only_problem(variant(("languages: [de, en]", "languages: [de, en, no]")))
    assert (problem.path, problem.line, problem.message) == (
        "languages[2]", 4, f"must be a language code such as 'de', not true/false; {hint}")
    problems = problems_of(variant(("{de: Gesundheit, en: Health}",
                                    "{de: Gesundheit, en: Health, no: Helse}")))
    assert [(p.path, p.line, p.message) for p in problems] == [
        ("action_fields[1].title", 28,
         f"a language code such as 'de' must be text, not true/false; {hint}")]


def test_problems_are_listed_from_the_top_of_the_file_down():
    # Each kind of check on its own pass: the file, the shape, then what ties values together.
    problems = problems_of(variant(
        ("- id: health-c1", "- id: governance-c1"),             # line 31, a duplicate
        ("en: Second principle", "en: 7"),                       # line 21, the shape
        ("en: Second challenge}", "en: Second challenge, fr: x}"),  # line 13, languages
        ("    title: {de: Steuerung, en: Governance}\n",        # line 8, the YAML
         "    title: {de: Steuerung, en: Governance}\n    title: {de: X, en: X}\n"),
    ))
    assert [p.line for p in problems] == [8, 14, 22, 32]


def many_languages(count: int) -> str:
    codes = [f"l{chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(count)]
    def texts(word):
        return "{" + ", ".join(f"{c}: {word}" for c in codes) + "}"
    return (f"id: many\ntitle: {texts('T')}\nlanguages: [{', '.join(codes)}]\naction_fields:\n"
            f"  - {{id: f, title: {texts('F')}, description: {texts('D')}, "
            f"challenges: [{{id: c, text: {texts('C')}}}], principle_groups: []}}\n")


def test_the_number_of_languages_is_bounded():
    assert len(load(many_languages(MAX_LANGUAGES))["languages"]) == MAX_LANGUAGES
    problem = only_problem(many_languages(MAX_LANGUAGES + 1))
    assert (problem.path, problem.line, problem.message) == (
        "languages", 3, f"lists {MAX_LANGUAGES + 1} languages; at most {MAX_LANGUAGES} are "
                        "allowed")


def many_fields(fields: int, challenges: int = 1, broken: bool = False) -> str:
    items = ", ".join(f"{{id: f{{n}}-c{i}, text: {{de: x}}}}" for i in range(challenges))
    title = "{de: [broken]}" if broken else "{de: F}"
    return "id: many\ntitle: {de: T}\nlanguages: [de]\naction_fields:\n" + "".join(
        f"  - {{id: f{n}, title: {title}, description: {{de: D}}, "
        f"challenges: [{items.replace('{n}', str(n))}], principle_groups: []}}\n"
        for n in range(fields))


def test_the_number_of_action_fields_is_bounded_and_a_refused_list_is_not_read():
    assert len(load(many_fields(MAX_FIELDS))["action_fields"]) == MAX_FIELDS
    problem = only_problem(many_fields(MAX_FIELDS + 1, broken=True))
    assert (problem.path, problem.line, problem.message) == (
        "action_fields", 4, f"lists {MAX_FIELDS + 1} action fields; at most {MAX_FIELDS} are "
                            "allowed")


def test_the_number_of_items_is_bounded_and_a_refused_list_is_not_read():
    per_field = MAX_ITEMS // 10
    full = yaml.safe_load(many_fields(10, per_field))
    assert sum(len(f["challenges"]) for f in full["action_fields"]) == MAX_ITEMS
    assert validate(full) == []
    problem = only_problem(many_fields(10, per_field).replace(
        "challenges: [", "challenges: [{id: one-more, text: {de: x}}, ", 1).replace(
        "title: {de: F}", "title: {de: [broken]}"))
    assert (problem.path, problem.line, problem.message) == (
        "action_fields", 4, f"holds {MAX_ITEMS + 1} challenges, principles and practices; at "
                            f"most {MAX_ITEMS} are allowed")


PYDANTIC_WORDS = ("Input should", "List should", "String should", "Field required",
                  "Extra inputs", "Value error", "Keys should", "Dictionary should")


def every_path(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from every_path(child, path + (key,))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from every_path(child, path + (i,))


def replaced(doc, path, new):
    doc = copy.deepcopy(doc)
    if not path:
        return new
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = new
    return doc


def test_every_value_of_a_wrong_kind_gets_a_problem_in_the_formats_words():
    """Each value of the valid catalogue in turn replaced by one of another kind: a problem
    named at that place (or above it), and never in pydantic's own English."""
    doc = load(catalogue_yaml())
    strangers = [None, 7, True, 2.5, "x", "", [], ["x"], {}, {"x": "y"}]
    wrong_kinds = 0
    for path in every_path(doc):
        parent = doc
        for part in path:
            parent = parent[part]
        original = parent
        optional = path[-1:] in (("place",), ("practices",), ("source",))
        text_or_texts = path[-1:] in (("title",), ("place",)) and "practices" in path
        for stranger in strangers:
            problems = validate(replaced(doc, path, stranger))
            for problem in problems:
                assert not any(word in problem.message for word in PYDANTIC_WORDS), (
                    path, stranger, problem)
            if (stranger is None and optional) or type(stranger) is type(original) or (
                    text_or_texts and isinstance(stranger, str | dict)):
                continue  # may well be valid
            where = format_path(path)
            assert any(where.startswith(p.path) for p in problems), (where, stranger, problems)
            wrong_kinds += 1
    assert wrong_kinds > 400


# --- aliases: a small file must not become a huge or endless one -----------------------------


def test_an_alias_that_contains_itself_is_refused():
    problem = only_problem(variant(("place: Erfurt", "place: &loop {de: *loop, en: x}")))
    assert (problem.path, problem.line) == ("action_fields[0].practices[0].place.de", 25)
    assert "alias" in problem.message


def test_alias_expansion_bomb_is_refused_quickly():
    bomb = "lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"lol{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]\n" for n in range(1, 10))
    started = time.monotonic()
    problems = problems_of(catalogue_yaml() + bomb)
    assert time.monotonic() - started < 2
    aliases = [p for p in problems if "alias" in p.message]
    assert len(aliases) == 9 * 10
    assert ("lol9[9]", 43) in places(aliases)
    assert ("lol1[0]", 35) in places(aliases)
    # The keys themselves are not part of the format.
    assert {(p.path, p.message.split(";")[0]) for p in problems if p not in aliases} == {
        (f"lol{n}", f"unknown key 'lol{n}'") for n in range(10)}


def test_an_alias_of_a_plain_text_is_fine():
    doc = load(variant(("en: Mini catalogue}", "en: &name Mini catalogue}"),
                       ("place: Erfurt", "place: *name")))
    assert doc["action_fields"][0]["practices"][0]["place"] == "Mini catalogue"


# --- everything at once ----------------------------------------------------------------------


def test_several_problems_in_different_places_are_all_reported():
    text = variant(
        # One line less before the field title, one more after it: from line 8 on the
        # numbers are the helper's again.
        ("title: {de: Mini-Katalog, en: Mini catalogue}\n", ""),
        ("languages: [de, en]", "languages: [de, en, de]"),
        ("    title: {de: Steuerung, en: Governance}\n",
         "    title: {de: Steuerung, en: Governance}\n    title: {de: X, en: X}\n"),
        ("- id: governance-c1", "- id: Governance C1"),
        ("{de: Zweite Herausforderung, en: Second challenge}",
         "{de: Zweite Herausforderung}"),
        ("en: First principle}", "en: First principle, fr: Premier}"),
        ("en: Second principle}", "en: ''}"),
        ("title: Ein Beispiel", "title: [Ein, Beispiel]"),
        ("- id: health-c1", "- id: governance-c2"),
    )
    problems = problems_of(text)
    assert places(problems) == {
        ("title", 1),
        ("languages[2]", line_of(text, "languages:")),
        ("action_fields[0].title", line_of(text, "title: {de: X, en: X}")),
        ("action_fields[0].challenges[0].id", line_of(text, "Governance C1")),
        ("action_fields[0].challenges[1].text", line_of(text, "{de: Zweite Herausforderung}")),
        ("action_fields[0].principle_groups[0].principles[0].text.fr", line_of(text, "fr:")),
        ("action_fields[0].principle_groups[0].principles[1].text.en", line_of(text, "en: ''")),
        ("action_fields[0].practices[0].title", line_of(text, "[Ein, Beispiel]")),
        ("action_fields[1].challenges[0].id", 31),  # the second governance-c2
    }
    assert sorted(p.line for p in problems) == [1, 3, 7, 10, 13, 19, 21, 24, 31]
    assert len(problems) == 9


def test_catalogue_invalid_carries_every_problem_and_names_the_first_ones():
    text = variant(("- id: governance-c1", "- id: Bad"), ("- id: health-c1", "- id: Also Bad"))
    with pytest.raises(CatalogueInvalid) as info:
        load(text)
    assert [p.path for p in info.value.problems] == [
        "action_fields[0].challenges[0].id", "action_fields[1].challenges[0].id"]
    assert str(info.value).startswith("action_fields[0].challenges[0].id (line 10): id 'Bad' ")
    assert "; action_fields[1].challenges[0].id (line 31): id 'Also Bad' " in str(info.value)


def test_problem_as_dict():
    problem = Problem("action_fields[0].id", 6, "duplicate id 'x'")
    assert problem.as_dict() == {"path": "action_fields[0].id", "line": 6,
                                 "message": "duplicate id 'x'"}


def test_parse_and_validate_separately():
    doc, lines = parse(catalogue_yaml())
    assert lines[("action_fields", 1, "challenges", 0, "id")] == 31
    assert validate(doc, lines) == []
    doc["action_fields"][1]["challenges"][0]["id"] = "governance-c1"
    assert places(validate(doc, lines)) == {("action_fields[1].challenges[0].id", 31)}
    assert places(validate(doc)) == {("action_fields[1].challenges[0].id", None)}


# --- the built-in toolbox --------------------------------------------------------------------


def language_maps(doc):
    """Every text of the catalogue that must be in all its languages, with where it is."""
    yield "title", doc["title"]
    for field in doc["action_fields"]:
        yield field["id"] + ".title", field["title"]
        yield field["id"] + ".description", field["description"]
        for item in field["challenges"]:
            yield item["id"], item["text"]
        for group in field["principle_groups"]:
            yield group["id"], group["title"]
            for item in group["principles"]:
                yield item["id"], item["text"]
        for item in field["practices"]:
            yield item["id"], item["text"]
            for key in ("title", "place"):
                if isinstance(item.get(key), dict):
                    yield f"{item['id']}.{key}", item[key]


def test_the_builtin_whole_comm_catalogue_loads_completely():
    doc = load_via_package(WHOLE_COMM.read_bytes())
    assert doc["id"] == "whole-comm"
    languages = ["de", "en", "ar", "fa", "uk", "ru", "tr", "de-x-ls"]
    assert doc["languages"] == languages
    assert [f["id"] for f in doc["action_fields"]] == [
        "governance", "employment", "education", "health", "housing"]
    texts = list(language_maps(doc))
    assert len(texts) > 150
    for where, text in texts:
        assert list(text) == languages, where
        assert all(text[lang].strip() for lang in languages), where
        assert text["de"] != text["en"] or len(text["de"]) < 40, where


# Counted in docs/catalogue-format.md: challenges, principle groups, principles, practices.
WHOLE_COMM_SHAPE = {"governance": (8, 6, 22, 2), "employment": (6, 6, 18, 1),
                    "education": (6, 5, 14, 1), "health": (4, 6, 10, 1), "housing": (6, 7, 16, 3)}


def test_the_builtin_whole_comm_catalogue_loads_as_the_file_reads():
    """What the server serves is the file itself: every field, item and language, in the file's
    order, with the ids of the Whole-COMM convention."""
    doc = load(WHOLE_COMM.read_bytes())
    assert json.dumps(doc) == json.dumps(yaml.safe_load(WHOLE_COMM.read_text(encoding="utf-8")))
    assert list(doc) == ["id", "title", "source", "languages", "action_fields"]
    assert len(doc["languages"]) == 8
    shape = {}
    for field in doc["action_fields"]:
        f = field["id"]
        groups = field["principle_groups"]
        principles = [p for g in groups for p in g["principles"]]
        shape[f] = (len(field["challenges"]), len(groups), len(principles),
                    len(field["practices"]))
        for entries, letter in ((field["challenges"], "c"), (groups, "g"), (principles, "p"),
                                (field["practices"], "x")):
            assert [e["id"] for e in entries] == [f"{f}-{letter}{n}"
                                                  for n in range(1, len(entries) + 1)]
        assert all(list(x) == ["id", "title", "place", "text"] for x in field["practices"])
    assert shape == WHOLE_COMM_SHAPE
    assert sum(c + p + x for c, _g, p, x in shape.values()) == 118  # items, as loader.py says
