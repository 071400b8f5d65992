"""What every validated input shares: the strict base model, one conversion of pydantic's errors
into our `problems: [{"field", "message"}]`, and the small types the models have in common.
No Flask here: Socket.IO events (workshop.payloads), HTTP bodies (workshop.bodies), imports and
catalogues all use it."""

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from workshop.errors import Invalid

MAX_TEXT_FIELD = 1000  # longer strings in a payload or body are refused before any work


class Strict(BaseModel):
    """No coercion ("1" is not 1, true is not 1) and no unknown keys."""
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


def no_nul(text: str) -> str:
    if "\x00" in text:  # PostgreSQL refuses NUL in text
        raise ValueError("holds a NUL character")
    return text


Text = Annotated[str, Field(max_length=MAX_TEXT_FIELD), AfterValidator(no_nul)]
Id = Annotated[int, Field(ge=0, lt=2**31)]  # ids and seconds; SQL integers are finite


def text_up_to(limit: int):
    """A text of at most `limit` characters without NUL."""
    return Annotated[str, Field(max_length=limit), AfterValidator(no_nul)]


def texts_up_to(limit: int):
    """A text, or a mapping of language to text, each of at most `limit` characters, without
    NUL; which languages it needs is a rule of the caller's."""
    def check(value: Any) -> Any:
        if isinstance(value, str):
            if len(value) > limit:
                raise ValueError(f"is longer than {limit} characters")
            return no_nul(value)
        if isinstance(value, dict) and len(value) <= 100 and all(
                isinstance(k, str) and isinstance(v, str) and len(k) <= 64 and len(v) <= limit
                for k, v in value.items()):
            for v in value.values():
                no_nul(v)
            return value
        raise ValueError("must be a text or a mapping of language to text")
    return Annotated[Any, AfterValidator(check)]


def dotted(loc: tuple) -> str:
    """('rounds', 2, 'items') -> "rounds.2.items": the Socket.IO events' paths."""
    return ".".join(str(part) for part in loc)


def bracketed(loc: tuple) -> str:
    """('rounds', 2, 'items') -> "rounds[2].items": the paths of HTTP bodies, imports and
    catalogue files, as docs/http-api.md shows them."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _visible(loc: tuple) -> tuple:
    """The path without the tags pydantic inserts for a member of a tagged union ("=group")."""
    return tuple(part for part in loc if not (isinstance(part, str) and part.startswith("=")))


def errors_of(exc: ValidationError, *, details: bool = False) -> Iterator[tuple[tuple, dict]]:
    """Each of pydantic's errors with the path it has in the input; `details` keeps the
    input and the context (a bound's value), for a caller that words its own messages."""
    for error in exc.errors(include_url=False, include_context=details, include_input=details):
        yield _visible(error["loc"]), error


def problems_of(exc: ValidationError, path: Callable[[tuple], str] = dotted,
                limit: int | None = None) -> list[dict[str, str]]:
    """pydantic's errors in our shape: the path of each problem and a short message."""
    out = []
    for loc, error in errors_of(exc):
        where = path(loc) or "(payload)"
        kind = error["type"]
        if kind == "extra_forbidden":
            message = "unknown field"
        elif kind == "missing":
            message = "is missing"
        else:
            message = error["msg"].removeprefix("Value error, ")
        out.append({"field": where, "message": message})
        if limit is not None and len(out) >= limit:
            break
    return out


def summary(problems: list[dict[str, str]]) -> str:
    return "; ".join(f"{p['field']}: {p['message']}" for p in problems)


def check(model: type[BaseModel], data: Any, path: Callable[[tuple], str] = bracketed
          ) -> tuple[Any, list[dict[str, str]]]:
    """(the fields the data gave, []) when it fits the model (`exclude_unset`: a key left out
    stays out); (the data as it came, every problem with its path) when it does not."""
    try:
        return model.model_validate(data).model_dump(exclude_unset=True), []
    except ValidationError as exc:
        return data, problems_of(exc, path)


def validate(model: type[BaseModel], data: Any, *, code: str = "bad_request",
             path: Callable[[tuple], str] = bracketed, prefix: str = "") -> dict[str, Any]:
    """The fields the data gave, or `Invalid` listing every problem with its path."""
    fields, problems = check(model, data, path)
    if problems:
        error = Invalid(prefix + summary(problems), code=code, problems=problems)
        # Pages show each problem beside its field (workshop.views.facilitator.form_problems).
        error.translatable = [(p["field"], p["message"], {}) for p in problems]
        raise error
    return fields
