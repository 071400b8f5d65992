"""Complementary suppression, worked out by hand: no hidden figure can be recovered by
subtracting the shown groups' figures from the overall one."""

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from workshop import results
from workshop.results import Ballot, suppressed_groups

G = ["admin", "civil", "migrant"]


def rated(groups_and_values):
    """[(group, value), ...] on item "a", one participant each."""
    return [Ballot(n, g, "a", v) for n, (g, v) in enumerate(groups_and_values)]


def shown(entry):
    return {g for g, figures in entry["groups"].items() if "suppressed" not in figures}


def test_rule_by_hand():
    # 3 + 1: the lone voter is hidden; overall minus the three would give them, so the three go.
    assert suppressed_groups(["a", "b"], {"a": 3, "b": 1}) == {"a", "b"}
    # 3 + 3 + 2: the two are hidden; two are still too few together, so the first smallest
    # shown group (a) goes too: 5 hidden together, b stays.
    assert suppressed_groups(["a", "b", "c"], {"a": 3, "b": 3, "c": 2}) == {"a", "c"}
    # 5 + 2 + 2: the two small groups together hold 4: enough, the five stay shown.
    assert suppressed_groups(["a", "b", "c"], {"a": 5, "b": 2, "c": 2}) == {"b", "c"}
    # 1 + 1 + 1 + 5: three hidden people together are enough.
    assert suppressed_groups(list("abcd"), {"a": 1, "b": 1, "c": 1, "d": 5}) == {"a", "b", "c"}
    # The smallest shown group goes first, not the first declared.
    assert suppressed_groups(["a", "b", "c"], {"a": 6, "b": 3, "c": 1}) == {"b", "c"}
    # One group alone: hidden when too small, nothing else to hide.
    assert suppressed_groups(["a"], {"a": 2}) == {"a"}
    assert suppressed_groups(["a"], {"a": 3}) == set()
    # Empty groups hide nobody; no groups, nothing hidden.
    assert suppressed_groups(["a", "b"], {"a": 3, "b": 0}) == {"b"}
    assert suppressed_groups([], {}) == set()
    # A second count must pass too: nobody rated in b, but one said "can't judge".
    assert suppressed_groups(["a", "b"], {"a": 3, "b": 0}, {"a": 3, "b": 1}) == {"a", "b"}


def test_ratings_three_and_one():
    # Three admins rate 5, 4, 4; the lone migrant rates 1. Before the rule the overall
    # distribution minus the admins' gave the 1 exactly.
    ballots = rated([("admin", 5), ("admin", 4), ("admin", 4), ("migrant", 1)])
    entry = results.rating_results(["a"], ballots, G)[0]
    assert shown(entry) == set()
    assert entry["votes"] == 4 and entry["mean"] == 3.5  # the whole room still counts
    assert entry["divergence"] is None


def test_ratings_three_three_and_two():
    ballots = rated([("admin", 5), ("admin", 5), ("admin", 4),
                     ("civil", 2), ("civil", 3), ("civil", 3),
                     ("migrant", 1), ("migrant", 1)])
    entry = results.rating_results(["a"], ballots, G)[0]
    assert shown(entry) == {"civil"}
    # Overall minus civil = admins and migrants together: five people, nobody singled out.
    overall = Counter(entry["distribution"])
    civil = Counter(entry["groups"]["civil"]["distribution"])
    assert sum((overall - civil).values()) == 5


def test_cant_judge_is_an_answer_too():
    # Three admins rate; one migrant answers "can't judge". Overall cant_judge minus the
    # admins' (0) would say the migrant could not judge: both stay hidden.
    ballots = rated([("admin", 4), ("admin", 4), ("admin", 5), ("migrant", 0)])
    entry = results.rating_results(["a"], ballots, G)[0]
    assert shown(entry) == set() and entry["cant_judge"] == 1


def test_points_three_and_one_and_three_three_two():
    def dots(rows):
        return [Ballot(n, g, "a", v) for n, (g, v) in enumerate(rows)]
    one = results.dots_results(["a"], dots([("admin", 2), ("admin", 1), ("admin", 3),
                                            ("migrant", 3)]), G)[0]
    assert shown(one) == set() and one["points"] == 9
    two = results.dots_results(["a"], dots([("admin", 1)] * 3 + [("civil", 2)] * 3
                                           + [("migrant", 3)] * 2), G)[0]
    assert shown(two) == {"civil"}
    assert two["groups"]["civil"] == {"points": 6, "votes": 3}
    # Nobody who gave no points counts as a giver, so nobody of them is exposed either.
    zero = results.dots_results(["a"], dots([("admin", 1)] * 3 + [("migrant", 0)]), G)[0]
    assert shown(zero) == {"admin"}


def test_consensus_pools_hidden_groups():
    # admin 3 agreeing, civil 3 agreeing, migrant 2 disagreeing: civil is shown, admins and
    # migrants form one hidden unit of 5 (3 agree): sqrt((3+1)/(3+2) * (3+1)/(5+2)).
    ballots = rated([("admin", 5)] * 3 + [("civil", 4)] * 3 + [("migrant", 1)] * 2)
    entry = results.rating_results(["a"], ballots, G)[0]
    assert entry["consensus"] == round(((4 / 5) * (4 / 7)) ** 0.5, 3)
    # Nothing hidden: one part per group, as before (empty groups neutral).
    plain = results.rating_results(["a"], rated([("admin", 5)] * 3), G)[0]
    assert plain["consensus"] == round(((4 / 5) * (1 / 2) * (1 / 2)) ** (1 / 3), 3)


def test_divergence_only_over_shown_groups():
    ballots = rated([("admin", 5)] * 3 + [("civil", 1)] * 3 + [("migrant", 3)] * 4
                    + [("other", 2)])
    entry = results.rating_results(["a"], ballots, [*G, "other"])[0]
    # other (1) is hidden, then admin (3, the first of the smallest shown): divergence is
    # civil's 1.0 against migrant's 3.0; admin's 5.0 would have made it 4.0.
    assert shown(entry) == {"civil", "migrant"}
    assert entry["divergence"] == 2.0


answers = st.lists(st.tuples(st.sampled_from(G), st.integers(0, 5)), max_size=12)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(answers)
def test_no_hidden_figure_rests_on_one_or_two_people(rows):
    entry = results.rating_results(["a"], rated(rows), G)[0]
    hidden = set(G) - shown(entry)
    scores = sum(1 for g, v in rows if g in hidden and v != 0)
    everyone = sum(1 for g, _ in rows if g in hidden)
    if shown(entry):  # with every group hidden only the overall figure is left
        assert scores == 0 or scores >= 3
        assert everyone == 0 or everyone >= 3
    for group in shown(entry):
        assert entry["groups"][group]["votes"] >= 3
