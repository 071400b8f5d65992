"""The catalogue loader: YAML and JSON in, plain data out, or every problem with path and line."""

import json
import time
from pathlib import Path

import pytest
import yaml

from workshop.catalogue import load as load_via_package
from workshop.catalogue.loader import CatalogueInvalid, Problem, load, parse, validate

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
    problem = only_problem(catalogue_yaml() + "extra: !!python/object:os.system x\n")
    assert (problem.path, problem.line) == ("extra", 34)
    assert "could not determine a constructor" in problem.message


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
    problem = only_problem(catalogue_yaml() + "weight: .nan\n")
    assert (problem.path, problem.line, problem.message) == (
        "weight", 34, "nan is not a number JSON can hold")


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
