"""Domain rules of a session, tested without a server."""

import pytest

from tests.factories import domain_session
from workshop import voting
from workshop.errors import Invalid, Unauthorized


def test_join_code_normalisation():
    assert voting.normalise_join_code(" abc-def ") == "ABCDEF"
    assert voting.normalise_join_code("ab cd ef") == "ABCDEF"
    assert voting.normalise_join_code("") == ""


def test_join_code_never_repeats_a_live_one(db_session, monkeypatch):
    first = domain_session(db_session).session
    letters = iter(first.join_code + "HJKMNP")
    monkeypatch.setattr(voting.secrets, "choice", lambda alphabet: next(letters))
    second = domain_session(db_session).session
    assert first.join_code != second.join_code == "HJKMNP"


def test_projector_token_is_derived_and_grants_the_projector_role(db_session):
    created = domain_session(db_session)
    sid = created.session.id
    assert created.projector_token == voting.projector_token_for(created.facilitator_token, sid)
    assert created.projector_token != created.facilitator_token
    assert voting.authenticate(db_session, sid, created.facilitator_token)[1] == "facilitator"
    assert voting.authenticate(db_session, sid, created.projector_token,
                               ("facilitator", "projector"))[1] == "projector"
    with pytest.raises(Unauthorized):  # the projector token does not open facilitator doors
        voting.authenticate(db_session, sid, created.projector_token)
    for bad in (None, "", "x", created.facilitator_token.upper()):
        with pytest.raises(Unauthorized):
            voting.authenticate(db_session, sid, bad)


def test_default_agenda_skips_what_a_field_lacks():
    catalogue = {"action_fields": [
        {"id": "a", "challenges": [{"id": "a-c1"}], "principle_groups": []},
        {"id": "b", "challenges": [], "principle_groups": [{"id": "b-g1", "principles": []}]},
    ]}
    assert voting.default_agenda(catalogue) == [
        {"kind": "rating", "field": "a", "target": "challenges"},
        {"kind": "rating", "field": "b", "target": "principles"},
        {"kind": "dots", "field": "b", "target": "principles"},
    ]


def test_rounds_copy_the_catalogue_items(db_session):
    workshop = domain_session(db_session).session
    dots = workshop.rounds[2]
    assert (dots.kind, dots.field, dots.target, dots.budget, dots.max_per_item) == (
        "dots", "governance", "principles", 5, 2)
    assert dots.items[0]["text"]["en"].startswith("A strategic")
    assert dots.items[0]["group"] == "governance-g1"
    # Without languages named, the session speaks German and English.
    assert workshop.languages == ["de", "en"]
    default = voting.DEFAULT_QUESTIONS[("dots", "principles")]
    assert dots.question == {lang: default[lang] for lang in ("de", "en")}
    assert workshop.catalogue["id"] == "whole-comm"


def test_max_per_item_defaults_within_a_small_budget(db_session):
    workshop = domain_session(db_session, agenda=[
        {"kind": "dots", "field": "health", "budget": 1}]).session
    assert (workshop.rounds[0].budget, workshop.rounds[0].max_per_item) == (1, 1)


def test_question_in_a_language_without_default_falls_back_to_english(db_session):
    catalogue_languages = ["de", "en"]
    created = domain_session(db_session, languages=catalogue_languages[1:])
    assert created.session.rounds[0].question == {
        "en": "How much does this challenge apply here?"}


def test_invalid_spec_lists_problems(db_session):
    with pytest.raises(Invalid) as caught:
        voting.create_session(db_session, {"title": 5, "place": 5, "date": 5})
    assert {p["field"] for p in caught.value.problems} == {"title", "place", "date"}
    assert caught.value.code == "invalid_session"


# --- The agenda of a running session ------------------------------------------------------------

AGENDA = [{"kind": "rating", "field": "health", "target": "challenges"},
          {"kind": "dots", "field": "health", "target": "principles", "budget": 3}]


def test_replacing_the_agenda_keeps_moves_changes_adds_and_removes(db_session):
    workshop = domain_session(db_session, agenda=AGENDA).session
    rating = workshop.rounds[0].id
    rounds = voting.replace_agenda(db_session, workshop, [
        {"kind": "ideas"}, {"id": rating, "items": ["health-c2"]}])
    assert [r.kind for r in rounds] == ["ideas", "rating"]
    assert rounds[1].id == rating and [i["id"] for i in rounds[1].items] == ["health-c2"]
    assert rounds[0].moderation == "pre"
    db_session.expire_all()
    assert [(r.id, r.kind) for r in workshop.rounds] == [(rounds[0].id, "ideas"),
                                                         (rating, "rating")]
    assert "dots" not in {r.kind for r in workshop.rounds}


def test_keys_left_out_keep_their_values_unless_the_round_type_changes(db_session):
    workshop = domain_session(db_session, agenda=AGENDA).session
    dots = workshop.rounds[1]
    voting.replace_agenda(db_session, workshop, [{"id": dots.id, "items": ["health-p1"]}])
    assert (dots.budget, [i["id"] for i in dots.items]) == (3, ["health-p1"])
    voting.replace_agenda(db_session, workshop, [{"id": dots.id, "kind": "rating"}])
    assert dots.kind == "rating" and dots.budget is None
    assert dots.target == "principles" and len(dots.items) == 10  # every principle again
    assert dots.question["de"] == "Wie gut setzen wir das bei uns schon um?"


def test_an_opened_round_is_neither_changed_nor_removed(db_session):
    from workshop.errors import Conflict

    workshop = domain_session(db_session, agenda=AGENDA).session
    rating, dots = workshop.rounds
    voting.open_round(db_session, workshop, rating.id)
    for agenda in ([{"id": dots.id}], [{"id": rating.id, "items": ["health-c1"]}, {"id": dots.id}]):
        with pytest.raises(Conflict) as refused:
            voting.replace_agenda(db_session, workshop, agenda)
        assert refused.value.code == "round_started"
    moved = voting.replace_agenda(db_session, workshop, [{"id": dots.id}, {"id": rating.id}])
    assert [r.id for r in moved] == [dots.id, rating.id]


def test_every_bad_round_is_a_problem_of_its_own(db_session):
    workshop = domain_session(db_session, agenda=AGENDA).session
    with pytest.raises(Invalid) as refused:
        voting.replace_agenda(db_session, workshop, [
            {"kind": "rating"}, {"id": 12345}, {"kind": "ideas", "budget": 3}])
    assert [p["field"] for p in refused.value.problems] == [
        "agenda[0].field", "agenda[1].id", "agenda[2]"]
    # Each problem also comes as an English template a page can translate.
    assert refused.value.translatable[1] == ("agenda[1].id", "no round %(id)s in this session",
                                             {"id": "12345"})
