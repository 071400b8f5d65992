"""What HTTP clients may send: one strict pydantic model per JSON or form body. No Flask here.

The models check the shape (keys, types, lengths); what depends on the catalogue or the session
(an action field's id, a language the catalogue has, a round that was opened) is the domain's
rule in workshop.voting, which gets both the body and the problems of its shape, and answers
with every problem at once.
"""

from typing import Annotated, Any

from pydantic import BaseModel, Discriminator, Field, Tag

from workshop.validation import MAX_TEXT_FIELD, Id, Strict, Text, check, texts_up_to

MAX_LIST = 1000  # entries of any list in a body; the domain's own bounds are far lower


Texts = texts_up_to(MAX_TEXT_FIELD)


class Group(Strict):
    id: Text | None = None
    name: Texts


def _group_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return "=preset"
    if isinstance(value, dict | BaseModel):
        return "=group"
    return None


GroupEntry = Annotated[
    Annotated[Text, Tag("=preset")] | Annotated[Group, Tag("=group")],
    Discriminator(_group_tag, custom_error_type="group_entry",
                  custom_error_message='must be a preset id, a name, or {"id", "name"}')]


class Round(Strict):
    """A round of an agenda. `id` names an existing round (only when the agenda changes);
    a change sends only the keys that change. Which values fit the round is the domain's rule
    (null included: it is refused there with the key's own message)."""
    id: Id | None = None
    kind: Text | None = None
    field: Text | None = None
    target: Text | None = None
    question: Texts | None = None
    items: Annotated[list[Text], Field(max_length=MAX_LIST)] | None = None
    budget: int | None = None
    max_per_item: int | None = None
    moderation: Text | None = None


Agenda = Annotated[list[Round], Field(max_length=MAX_LIST)]


class NewSession(Strict):
    """POST /api/sessions, and the start page's form."""
    title: Text
    place: Text = ""
    date: Text = ""
    catalogue: Text = ""
    languages: Annotated[list[Text], Field(max_length=MAX_LIST)] = []
    groups: Annotated[list[GroupEntry], Field(max_length=MAX_LIST)] | None = None
    agenda: Agenda | None = None


class AgendaChange(Strict):
    """PUT /api/sessions/<id>/agenda."""
    agenda: Agenda


def read_session(body: Any) -> tuple[Any, list[dict[str, str]]]:
    """The request for a new session and the problems of its shape, for
    `voting.create_session`, which adds what depends on the catalogue and names them all."""
    return check(NewSession, body)


def read_agenda(body: Any) -> tuple[Any, list[dict[str, str]]]:
    """The agenda of `{"agenda": [...]}` and the problems of its shape, for
    `voting.replace_agenda`."""
    fields, problems = check(AgendaChange, body)
    return (fields.get("agenda") if isinstance(fields, dict) else None), problems
