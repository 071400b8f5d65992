"""Parse a catalogue from YAML or JSON and list every problem with its place in the file.

Three steps, each naming every problem it finds: the text becomes plain data with the line of
every value (`_Builder`); strict pydantic models check the shape of each value (`Catalogue`
and the models it holds); `_References` checks what ties values together: ids unique across
the catalogue, every text in exactly the declared languages, something to vote on.
"""

import difflib
import json
import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BeforeValidator, Discriminator, Field, Tag, ValidationError

from workshop.payloads import json_depth
from workshop.validation import Strict, bracketed, errors_of, text_up_to

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
_SURROGATE = re.compile("[\ud800-\udfff]")  # half of a character JSON's "\\u" may spell


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
        self.holes: set[tuple] = set()  # where a value was refused and None stands instead
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
                self.holes.add(path)
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
            self.holes.add(path)
            self.problems.append(_yaml_problem(exc, format_path(path)))
            return None
        except (ValueError, TypeError, OverflowError):
            # A date such as 2026-13-45, or "!!int abc": YAML's own constructors give up.
            kind = node.tag.rsplit(":", 1)[-1]
            return self._refuse(node, path, f"{node.value!r} is not a valid {kind}")
        if isinstance(value, float) and not math.isfinite(value):
            # JSON has no NaN or infinity; PostgreSQL would refuse to store the catalogue.
            return self._refuse(node, path, f"{value} is not a number JSON can hold")
        if isinstance(value, str) and _SURROGATE.search(value):
            # JSON's "\ud83d\ude42" is one character (🙂), which YAML reads as two halves.
            try:
                value = value.encode("utf-16", "surrogatepass").decode("utf-16")
            except UnicodeDecodeError:
                return self._refuse(node, path, "holds half of a UTF-16 surrogate pair "
                                                "(\\ud800-\\udfff) without the other half")
        return value

    def _refuse(self, node: yaml.Node, path: tuple, message: str) -> None:
        self.holes.add(path)
        self.problems.append(Problem(format_path(path), node.start_mark.line + 1, message))


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
    data, built = _parse(source)
    if built.problems:
        raise CatalogueInvalid(built.problems)
    return data, built.lines


def _parse(source: str | bytes) -> tuple[Any, _Builder]:
    """Like parse, but problems that still leave data to validate are kept in the builder,
    not raised."""
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
    return data, builder




# --- The shape: one strict model per kind of mapping ------------------------------------------
# Which languages a text needs, and whether an id is used twice, are `_References`' rules.

def _identifier(value: str) -> str:
    if not ID_PATTERN.fullmatch(value):
        raise ValueError(f"id {value!r} must be 1-64 lowercase letters, digits, '-', '_' or "
                         "'.', starting with a letter or digit")
    return value


def _language(value: str) -> str:
    if not LANGUAGE_PATTERN.fullmatch(value):
        raise ValueError(f"{value!r} is not a language code such as 'de'")
    return value


def _filled(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _text_or_texts(value: Any) -> str | None:
    if isinstance(value, str):
        return "=text"
    if isinstance(value, dict):
        return "=texts"
    return None


def _item_count(fields: Any) -> int:
    """Challenges, principles and practices of all action fields, as far as they are lists."""
    def length(value: Any) -> int:
        return len(value) if isinstance(value, list) else 0

    count = 0
    for field in fields if isinstance(fields, list) else []:
        if isinstance(field, dict):
            count += length(field.get("challenges")) + length(field.get("practices"))
            groups = field.get("principle_groups")
            if isinstance(groups, list):
                count += sum(length(g.get("principles")) for g in groups if isinstance(g, dict))
    return count


def _oversized(fields: Any) -> bool:
    """Refused for its size: its contents are not worth reading."""
    return isinstance(fields, list) and (len(fields) > MAX_FIELDS
                                         or _item_count(fields) > MAX_ITEMS)


def _within_item_limit(fields: Any) -> Any:
    count = _item_count(fields)
    if count > MAX_ITEMS:
        raise ValueError(f"holds {count} challenges, principles and practices; at most "
                         f"{MAX_ITEMS} are allowed")
    return fields


Id = Annotated[str, AfterValidator(_identifier)]
Language = Annotated[str, AfterValidator(_language)]
Text = Annotated[text_up_to(MAX_TEXT), AfterValidator(_filled)]
Texts = dict[str, Text]  # language -> text
TextOrTexts = Annotated[
    Annotated[Text, Tag("=text")] | Annotated[Texts, Tag("=texts")],
    Discriminator(_text_or_texts, custom_error_type="text_or_texts",
                  custom_error_message="must be a text or map each language to a text")]


class Challenge(Strict):
    id: Id
    text: Texts


class Principle(Strict):
    id: Id
    text: Texts


class PrincipleGroup(Strict):
    id: Id
    title: Texts
    principles: Annotated[list[Principle], Field(min_length=1)]


class Practice(Strict):
    id: Id
    title: TextOrTexts  # often a name, the same in every language
    place: TextOrTexts | None = None
    text: Texts


class ActionField(Strict):
    id: Id
    title: Texts
    description: Texts
    challenges: list[Challenge]
    principle_groups: list[PrincipleGroup]
    practices: list[Practice] | None = None


class Catalogue(Strict):
    id: Id
    title: Texts
    source: Text | None = None
    languages: Annotated[list[Language], Field(min_length=1, max_length=MAX_LANGUAGES)]
    action_fields: Annotated[list[ActionField], Field(min_length=1, max_length=MAX_FIELDS),
                             BeforeValidator(_within_item_limit)]


# The lists of the format and the kind of mapping each holds.
_ENTRIES: dict[str, type[Strict]] = {
    "action_fields": ActionField, "challenges": Challenge, "principle_groups": PrincipleGroup,
    "principles": Principle, "practices": Practice}
_TEXTS = ("title", "description", "text", "place")  # where a mapping holds a text per language
_AT_LEAST_ONE = {"action_fields": "action field", "principles": "principle"}
_AT_MOST = {"languages": "languages", "action_fields": "action fields"}


# --- pydantic's errors in the words of the format ---------------------------------------------

def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, date):
        return "a date"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _not(value: Any, text_fits: bool = False) -> str:
    """", not a number; put it in quotes": what was found, and where a text fits, how to make
    text of what YAML reads as something else."""
    found = f", not {_kind(value)}"
    if not text_fits:
        return found
    if isinstance(value, bool):
        return found + "; put it in quotes (YAML reads yes, no, on and off as true/false)"
    if isinstance(value, int | float | date):
        return found + "; put it in quotes"
    return found


def _unknown(loc: tuple) -> str:
    key = loc[-1]
    parent = next((part for part in reversed(loc[:-1]) if isinstance(part, str)), None)
    known = list(_ENTRIES.get(parent, Catalogue).model_fields)
    near = difflib.get_close_matches(str(key), known, n=1)
    if near:
        return f"unknown key '{key}'; did you mean '{near[0]}'?"
    return f"unknown key '{key}'; expected {', '.join(known)}"


def _wording(loc: tuple, error: dict[str, Any]) -> tuple[tuple, str]:
    """Where a pydantic error is in the file, and what it says to the person who edits it."""
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    key = loc[-1] if loc else None
    in_model = len(loc) == 1 or (len(loc) > 1 and isinstance(loc[-2], int))
    if kind == "invalid_key":  # not text: pydantic's path holds its repr, the input is the key
        loc = loc[:-1] + (value,)
    if kind in ("extra_forbidden", "invalid_key"):
        return loc, _unknown(loc)
    if kind == "missing" or (in_model and value is None):
        return loc, f"missing required key '{key}'"
    if key == "[key]":  # a key of a {language: text} mapping
        return loc[:-2], "a language code such as 'de' must be text" + _not(value, True)
    if kind == "model_type":
        return loc, "must be a mapping of keys to values" + _not(value)
    if kind == "dict_type":
        return loc, 'must map each language to a text, e.g. {de: "...", en: "..."}' + _not(value)
    if kind == "text_or_texts":
        return loc, ('must be a text, or map each language to a text, e.g. '
                     '{de: "...", en: "..."}' + _not(value, True))
    if key == "languages" and kind in ("list_type", "too_short"):
        return loc, "must be a non-empty list of language codes, e.g. [de, en]"
    if kind == "list_type":
        return loc, "must be a list" + _not(value)
    if kind == "too_short" and key in _AT_LEAST_ONE:
        return loc, f"must list at least one {_AT_LEAST_ONE[key]}"
    if kind == "too_long" and key in _AT_MOST:
        return loc, (f"lists {ctx['actual_length']} {_AT_MOST[key]}; at most "
                     f"{ctx['max_length']} are allowed")
    if kind == "string_type" and len(loc) > 1 and loc[-2] == "languages":
        return loc, "must be a language code such as 'de'" + _not(value, True)
    if kind == "string_type":
        return loc, "must be text" + _not(value, True)
    if kind == "string_too_long":
        return loc, f"is longer than {ctx['max_length']} characters"
    return loc, error["msg"].removeprefix("Value error, ")


# --- What ties values together ----------------------------------------------------------------

def _problem(lines: dict[tuple, int], path: tuple, message: str) -> Problem:
    line = None
    for cut in range(len(path), -1, -1):  # the nearest place the file has
        if path[:cut] in lines:
            line = lines[path[:cut]]
            break
    return Problem(format_path(path), line, message)


class _References:
    """Ids unique across the catalogue, each text in exactly the declared languages, and an
    action field with something to vote on. Reads the data as it is, whatever the models
    refused: a value that has not the shape is passed over (its problem is named already)."""

    def __init__(self, lines: dict[tuple, int]):
        self.lines = lines
        self.problems: list[Problem] = []
        self.languages: list[str] = []
        self.seen_ids: dict[str, str] = {}

    def problem(self, path: tuple, message: str) -> None:
        self.problems.append(_problem(self.lines, path, message))

    def check(self, doc: Any) -> None:
        if not isinstance(doc, dict):
            return
        listed = doc.get("languages")
        for i, language in enumerate(listed if isinstance(listed, list) else []):
            if not isinstance(language, str) or not LANGUAGE_PATTERN.fullmatch(language):
                continue
            if language in self.languages:
                self.problem(("languages", i), f"language '{language}' is listed twice")
            else:
                self.languages.append(language)
        self.entry(doc, Catalogue, ())

    def entry(self, value: dict, model: type[Strict], path: tuple) -> None:
        for key in model.model_fields:
            here = path + (key,)
            if key in _TEXTS and isinstance(value.get(key), dict):
                self.texts(value[key], here)
            elif key in _ENTRIES and isinstance(value.get(key), list):
                if key == "action_fields" and _oversized(value[key]):
                    continue
                for i, entry in enumerate(value[key]):
                    if isinstance(entry, dict):
                        self.identifier(entry.get("id"), here + (i,))
                        self.entry(entry, _ENTRIES[key], here + (i,))
        if model is ActionField and value.get("challenges") == [] \
                and value.get("principle_groups") == []:
            self.problem(path, "has neither challenges nor principles to vote on")

    def identifier(self, value: Any, path: tuple) -> None:
        if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
            return
        if value in self.seen_ids:
            self.problem(path + ("id",), f"duplicate id '{value}' (first used at "
                                         f"{self.seen_ids[value]})")
        else:
            self.seen_ids[value] = format_path(path)

    def texts(self, value: dict, path: tuple) -> None:
        if not self.languages:  # 'languages' itself is refused; the texts alone are judged
            return
        for language in self.languages:
            if language not in value:
                self.problem(path, f"missing the text in declared language '{language}'")
        for language in value:
            if isinstance(language, str) and language not in self.languages:
                self.problem(path + (language,),
                             f"language '{language}' is not declared in 'languages'")


def _within(path: tuple, places: set[tuple]) -> bool:
    """Whether the path is one of the places or inside one."""
    return any(path[:cut] in places for cut in range(len(path) + 1))


def _by_line(problems: list[Problem]) -> list[Problem]:
    """From the top of the file to the bottom; the file as a whole first."""
    return sorted(problems, key=lambda p: p.line or 0)


def _validate(doc: Any, lines: dict[tuple, int], holes: set[tuple]) -> list[Problem]:
    problems = []
    try:
        Catalogue.model_validate(doc)
    except ValidationError as exc:
        for loc, error in errors_of(exc, details=True):
            where, message = _wording(loc, error)
            # A value the reading refused is None here, and its problem is named already;
            # an unknown key is wrong whatever its value.
            about_the_value = error["type"] not in ("extra_forbidden", "invalid_key")
            if not (about_the_value and _within(where, holes)):
                problems.append(_problem(lines, where, message))
    references = _References(lines)
    references.check(doc)
    return _by_line(problems + references.problems)


def validate(doc: Any, lines: dict[tuple, int] | None = None) -> list[Problem]:
    """Every problem of catalogue data: its shape first, then what ties its values together."""
    return _validate(doc, lines or {}, set())


def load(source: str | bytes) -> dict[str, Any]:
    """Parse and validate; the catalogue as plain data, or CatalogueInvalid with every problem."""
    doc, built = _parse(source)
    problems = _by_line(built.problems + _validate(doc, built.lines, built.holes))
    if problems:
        raise CatalogueInvalid(problems)
    return doc
