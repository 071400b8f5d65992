"""Parse a catalogue from YAML or JSON and list every problem with its place in the file."""

import json
import math
import re
from dataclasses import dataclass
from typing import Any

import yaml

from workshop.payloads import json_depth
from workshop.validation import bracketed

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
# BCP 47 tags such as de, pt-BR, or de-x-ls (private use: German in Easy Language).
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
MAX_TEXT = 10_000
# Bounds that fit any real toolbox (the built-in one: 5 fields, 118 items, 8 languages) and
# keep one upload from costing the server much: beyond them the catalogue is refused.
MAX_FIELDS = 30
MAX_ITEMS = 2_000  # challenges, principles and practices together
MAX_LANGUAGES = 20
MAX_DEPTH = 32  # nesting of mappings and lists; the format needs 6


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "message": self.message}

    def __str__(self) -> str:
        where = f"{self.path or '(document)'}"
        if self.line is not None:
            where += f" (line {self.line})"
        return f"{where}: {self.message}"


class CatalogueInvalid(Exception):
    """The catalogue is rejected as a whole; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:5]))


format_path = bracketed  # ("action_fields", 0, "id") -> "action_fields[0].id"


def _yaml_problem(exc: yaml.YAMLError, path: str = "") -> Problem:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark else None
    # The context says what the parser was reading and, on another line, where it began
    # (an unclosed bracket); the problem alone can be as bare as "but found another document".
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if context and context_mark and context_mark.line + 1 != line:
        context += f" (line {context_mark.line + 1})"
    parts = [part for part in (context, getattr(exc, "problem", None)) if part]
    message = ", ".join(parts) or str(exc)
    return Problem(path, line, f"not valid YAML or JSON: {message}")


class _Builder:
    """Builds plain Python data from YAML nodes, remembering the line of every path."""

    def __init__(self) -> None:
        self.lines: dict[tuple, int] = {}
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")
        self._collections: set[yaml.Node] = set()

    def build(self, node: yaml.Node, path: tuple = ()) -> Any:
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            # An alias to a mapping or list can nest itself or expand exponentially
            # ("billion laughs"); the format has no use for it.
            if node in self._collections:
                # The node's own mark is the anchor's; the alias is on its parent's line.
                line = self.lines.get(path, self.lines.get(path[:-1]))
                self.problems.append(Problem(format_path(path), line,
                                             "repeats an anchored mapping or list (*alias); "
                                             "write it out instead"))
                return None
            self._collections.add(node)
        line = node.start_mark.line + 1
        self.lines.setdefault(path, line)  # a mapping value keeps the line of its key
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.append(
                        Problem(format_path(path), key_node.start_mark.line + 1,
                                "a key must be plain text")
                    )
                    continue
                key = self._scalar(key_node, path)
                if key in out:
                    self.problems.append(
                        Problem(format_path(path + (key,)), key_node.start_mark.line + 1,
                                f"duplicate key '{key}'")
                    )
                    continue
                self.lines[path + (key,)] = key_node.start_mark.line + 1
                out[key] = self.build(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
        return self._scalar(node, path)

    def _scalar(self, node: yaml.Node, path: tuple) -> Any:
        try:
            value = self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.problems.append(_yaml_problem(exc, format_path(path)))
            return None
        except (ValueError, TypeError, OverflowError):
            # A date such as 2026-13-45, or "!!int abc": YAML's own constructors give up.
            kind = node.tag.rsplit(":", 1)[-1]
            self.problems.append(Problem(format_path(path), node.start_mark.line + 1,
                                         f"{node.value!r} is not a valid {kind}"))
            return None
        if isinstance(value, float) and not math.isfinite(value):
            # JSON has no NaN or infinity; PostgreSQL would refuse to store the catalogue.
            self.problems.append(Problem(format_path(path), node.start_mark.line + 1,
                                         f"{value} is not a number JSON can hold"))
            return None
        return value


def _compose(source: str) -> yaml.Node | None:
    loader = yaml.SafeLoader(source)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _is_json(source: str) -> bool:
    try:
        json.loads(source)
    except ValueError:
        return False
    return True


def parse(source: str | bytes) -> tuple[Any, dict[tuple, int]]:
    """YAML or JSON text to data and a map of path -> line; raises CatalogueInvalid."""
    data, lines, problems = _parse(source)
    if problems:
        raise CatalogueInvalid(problems)
    return data, lines


def _parse(source: str | bytes) -> tuple[Any, dict[tuple, int], list[Problem]]:
    """Like parse, but problems that still leave data to validate are returned, not raised."""
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CatalogueInvalid(
                [Problem("", None, f"the file is not UTF-8 text (byte {exc.start})")]
            ) from None
    if not source.strip():
        raise CatalogueInvalid([Problem("", None, "the file is empty")])
    # JSON's nesting is counted before parsing; YAML's (indentation too) while composing.
    if source.lstrip()[:1] in ("{", "[") and json_depth(source) > MAX_DEPTH:
        raise CatalogueInvalid([Problem("", None, f"lists and mappings nest deeper than "
                                                  f"{MAX_DEPTH} levels")])
    try:
        try:
            node = _compose(source)
        except yaml.YAMLError:
            # JSON allows tabs between tokens, YAML does not; in valid JSON a tab can be
            # nothing else, so spaces in their place change neither meaning nor lines.
            if "\t" not in source or not _is_json(source):
                raise
            node = _compose(source.replace("\t", " "))
    except yaml.YAMLError as exc:
        raise CatalogueInvalid([_yaml_problem(exc)]) from None
    except RecursionError:  # deep nesting by indentation, which the bracket count misses
        raise CatalogueInvalid([Problem("", None, f"lists and mappings nest deeper than "
                                                  f"{MAX_DEPTH} levels")]) from None
    if node is None:  # only comments or document markers
        raise CatalogueInvalid([Problem("", None, "the file is empty")])
    builder = _Builder()
    try:
        data = builder.build(node)
    except RecursionError:
        raise CatalogueInvalid([Problem("", None, f"lists and mappings nest deeper than "
                                                  f"{MAX_DEPTH} levels")]) from None
    return data, builder.lines, builder.problems


class _Validator:
    def __init__(self, lines: dict[tuple, int]):
        self.lines = lines
        self.problems: list[Problem] = []
        self.languages: list[str] = []
        self.seen_ids: dict[str, str] = {}
        self.item_count = 0

    def problem(self, path: tuple, message: str) -> None:
        line = None
        for cut in range(len(path), -1, -1):  # nearest place the file has
            if path[:cut] in self.lines:
                line = self.lines[path[:cut]]
                break
        self.problems.append(Problem(format_path(path), line, message))

    def mapping(self, value: Any, path: tuple) -> bool:
        if not isinstance(value, dict):
            self.problem(path, f"must be a mapping of keys to values, not {_kind(value)}")
            return False
        return True

    def required(self, parent: dict, key: str, path: tuple) -> Any:
        if key not in parent or parent[key] is None:
            self.problem(path + (key,), f"missing required key '{key}'")
            return None
        return parent[key]

    def identifier(self, parent: dict, path: tuple) -> None:
        value = self.required(parent, "id", path)
        if value is None:
            return
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.problem(path + ("id",), f"id {value!r} must be 1-64 lowercase letters, digits, "
                                         "'-', '_' or '.', starting with a letter or digit")
            return
        if not path:  # the catalogue's own id names the catalogue, not an item in it
            return
        where = format_path(path)
        if value in self.seen_ids:
            self.problem(path + ("id",), f"duplicate id '{value}' (first used at "
                                         f"{self.seen_ids[value]})")
        else:
            self.seen_ids[value] = where

    def text(self, value: Any, path: tuple) -> None:
        if not isinstance(value, str):
            self.problem(path, f"must be text, not {_kind(value)}")
        elif not value.strip():
            self.problem(path, "must not be empty")
        elif len(value) > MAX_TEXT:
            self.problem(path, f"is longer than {MAX_TEXT} characters")

    def localized(self, parent: dict, key: str, path: tuple, *, required=True,
                  plain_allowed=False) -> None:
        if key not in parent or parent[key] is None:
            if required:
                self.problem(path + (key,), f"missing required key '{key}'")
            return
        value, here = parent[key], path + (key,)
        if plain_allowed and isinstance(value, str):
            self.text(value, here)
            return
        if not isinstance(value, dict):
            self.problem(here, "must map each language to a text, e.g. {de: \"...\", en: \"...\"}"
                               f", not {_kind(value)}")
            return
        if not self.languages:  # 'languages' itself is reported; judge the texts alone
            for language, text in value.items():
                self.text(text, here + (language,))
            return
        for language in self.languages:
            if language not in value:
                self.problem(here, f"missing the text in declared language '{language}'")
            else:
                self.text(value[language], here + (language,))
        for language in value:
            if language not in self.languages:
                self.problem(here + (language,),
                             f"language '{language}' is not declared in 'languages'")

    def items(self, parent: dict, key: str, path: tuple, *, required: bool) -> list:
        if key not in parent or parent[key] is None:
            if required:
                self.problem(path + (key,), f"missing required key '{key}'")
            return []
        value = parent[key]
        if not isinstance(value, list):
            self.problem(path + (key,), f"must be a list, not {_kind(value)}")
            return []
        return value

    def catalogue(self, doc: Any) -> None:
        if not self.mapping(doc, ()):
            return
        self.languages_of(doc)
        self.identifier(doc, ())
        self.localized(doc, "title", ())
        if doc.get("source") is not None:
            self.text(doc["source"], ("source",))
        fields = self.items(doc, "action_fields", (), required=True)
        if "action_fields" in doc and isinstance(doc["action_fields"], list) and not fields:
            self.problem(("action_fields",), "must list at least one action field")
        if len(fields) > MAX_FIELDS:
            self.problem(("action_fields",), f"lists {len(fields)} action fields; at most "
                                             f"{MAX_FIELDS} are allowed")
            return
        for i, field in enumerate(fields):
            self.action_field(field, ("action_fields", i))
        if self.item_count > MAX_ITEMS:
            self.problem(("action_fields",), f"holds {self.item_count} challenges, principles "
                                             f"and practices; at most {MAX_ITEMS} are allowed")

    def languages_of(self, doc: dict) -> None:
        value = self.required(doc, "languages", ())
        if value is None:
            return
        if not isinstance(value, list) or not value:
            self.problem(("languages",),
                         "must be a non-empty list of language codes, e.g. [de, en]")
            return
        for i, language in enumerate(value):
            if not isinstance(language, str) or not LANGUAGE_PATTERN.match(language):
                self.problem(("languages", i), f"{language!r} is not a language code such as 'de'")
            elif language in self.languages:
                self.problem(("languages", i), f"language '{language}' is listed twice")
            else:
                self.languages.append(language)
        if len(self.languages) > MAX_LANGUAGES:
            self.problem(("languages",), f"lists {len(self.languages)} languages; at most "
                                         f"{MAX_LANGUAGES} are allowed")

    def action_field(self, field: Any, path: tuple) -> None:
        if not self.mapping(field, path):
            return
        self.identifier(field, path)
        self.localized(field, "title", path)
        self.localized(field, "description", path)
        challenges = self.items(field, "challenges", path, required=True)
        groups = self.items(field, "principle_groups", path, required=True)
        if not challenges and not groups and "challenges" in field:
            self.problem(path, "has neither challenges nor principles to vote on")
        self.item_count += len(challenges) + len(self.items(field, "practices", path,
                                                             required=False))
        self.item_count += sum(len(g["principles"]) for g in groups if isinstance(g, dict)
                               and isinstance(g.get("principles"), list))
        if self.item_count > MAX_ITEMS:
            return  # refused for its size; its texts are not worth reading
        for i, challenge in enumerate(challenges):
            here = path + ("challenges", i)
            if self.mapping(challenge, here):
                self.identifier(challenge, here)
                self.localized(challenge, "text", here)
        for i, group in enumerate(groups):
            here = path + ("principle_groups", i)
            if not self.mapping(group, here):
                continue
            self.identifier(group, here)
            self.localized(group, "title", here)
            principles = self.items(group, "principles", here, required=True)
            if not principles and isinstance(group.get("principles"), list):
                self.problem(here + ("principles",), "must list at least one principle")
            for j, principle in enumerate(principles):
                there = here + ("principles", j)
                if self.mapping(principle, there):
                    self.identifier(principle, there)
                    self.localized(principle, "text", there)
        for i, practice in enumerate(self.items(field, "practices", path, required=False)):
            here = path + ("practices", i)
            if self.mapping(practice, here):
                self.identifier(practice, here)
                self.localized(practice, "title", here, plain_allowed=True)
                self.localized(practice, "place", here, required=False, plain_allowed=True)
                self.localized(practice, "text", here)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def validate(doc: Any, lines: dict[tuple, int] | None = None) -> list[Problem]:
    validator = _Validator(lines or {})
    validator.catalogue(doc)
    return validator.problems


def load(source: str | bytes) -> dict[str, Any]:
    """Parse and validate; the catalogue as plain data, or CatalogueInvalid with every problem."""
    doc, lines, problems = _parse(source)
    problems += validate(doc, lines)
    if problems:
        raise CatalogueInvalid(problems)
    # Extra keys may hold YAML dates and the like; keep the stored copy plain JSON.
    return json.loads(json.dumps(doc, default=str))
