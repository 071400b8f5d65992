"""What clients may send: one strict pydantic model per Socket.IO event, and bounds on JSON
text (size, nesting) checked before it is parsed. No Flask here: the handlers and the HTTP
views call `parse()` and `check_json_text()`.

A payload with an unknown key, a wrong type (strict: "1" is not 1, true is not 1), a string
that is too long or holds a NUL character is refused with one `Invalid` naming every problem,
in the same shape as the HTTP API's errors: `problems: [{"field", "message"}]`."""

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from workshop.errors import Invalid
from workshop.validation import MAX_TEXT_FIELD, Id, Text, problems_of, summary
from workshop.validation import no_nul as _no_nul

MAX_JSON_DEPTH = 32  # deeper JSON is refused before it is parsed (the API nests 5 levels)


def _vote_value(value: Any) -> Any:
    """One JSON scalar; whether it is a valid answer for the round (1-5, "cant_judge", points)
    is the domain's rule (`invalid_value`)."""
    if isinstance(value, str):
        if len(value) > MAX_TEXT_FIELD:
            raise ValueError(f"is longer than {MAX_TEXT_FIELD} characters")
        return _no_nul(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    raise ValueError("must be a number, a text or null")


def _step(value: int) -> int:
    if value not in (-1, 1):
        raise ValueError("is 1 (next page) or -1 (previous page)")
    return value


class Payload(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Empty(Payload):
    pass


class Join(Payload):
    group: Text
    language: Text | None = None


class Language(Payload):
    language: Text


class Vote(Payload):
    round: Id
    item: Text
    # A rating (1-5 or "cant_judge"), points, or null to withdraw: the round's kind decides,
    # in the domain.
    value: Annotated[Any, AfterValidator(_vote_value)]


class Idea(Payload):
    round: Id
    text: Text


class Upvote(Payload):
    idea: Id
    on: bool = True


class Done(Payload):
    round: Id
    done: bool = True


class RoundAction(Payload):
    round: Id


class HideIdea(Payload):
    idea: Id
    hidden: bool = True


class ApproveIdea(Payload):
    idea: Id


class Page(Payload):
    round: Id
    step: Annotated[int, AfterValidator(_step)]


class Timer(Payload):
    seconds: Id


def parse(model: type[Payload], payload: Any) -> dict[str, Any]:
    """The payload's fields (with defaults for the optional ones), or `Invalid` listing every
    problem."""
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise Invalid("send one JSON object", code="bad_request")
    try:
        return model.model_validate(payload).model_dump()
    except ValidationError as exc:
        problems = problems_of(exc)
        raise Invalid(summary(problems), code="bad_request", problems=problems) from None


# --- JSON text, before parsing -------------------------------------------------------------------

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def json_depth(text: str | bytes) -> int:
    """How deeply the JSON text nests arrays and objects, without parsing it (strings, which
    may hold brackets, are skipped)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class TooBig(Invalid):
    """JSON text over a size or nesting bound: refused before parsing."""


def check_json_text(text: str | bytes, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> None:
    size = len(text)
    if isinstance(text, str) and size * 4 > max_bytes:  # only then can UTF-8 push it over
        size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise TooBig(f"the message is larger than {max_bytes} bytes", code="payload_too_large")
    if json_depth(text) > max_depth:
        raise TooBig(f"the JSON nests deeper than {max_depth} levels", code="too_deep")
