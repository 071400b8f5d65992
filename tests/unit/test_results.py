"""Metrics against numbers worked out by hand."""

import math

import pytest

from workshop import results
from workshop.results import Ballot

G = ["admin", "civil", "migrant"]


def ballots(rows):
    """rows: (participant, group, item, value)"""
    return [Ballot(*row) for row in rows]


def test_rating_stats_by_hand():
    # Values 5, 4, 4, 2 and one "can't judge": mean 15/4 = 3.75, median (4+4)/2 = 4.
    stats = results.rating_stats([5, 4, 0, 4, 2])
    assert stats == {"votes": 4, "mean": 3.75, "median": 4.0,
                     "distribution": {"1": 0, "2": 1, "3": 0, "4": 2, "5": 1}, "cant_judge": 1}
    # Even count, different middle values: median of 1, 2, 4, 5 is 3.
    assert results.rating_stats([1, 5, 2, 4])["median"] == 3.0
    assert results.rating_stats([0, 0]) == {"votes": 0, "mean": None, "median": None,
                                            "distribution": dict.fromkeys("12345", 0),
                                            "cant_judge": 2}


def test_privacy_cut_off_at_two_and_three_voters():
    two = ballots([(1, "admin", "a", 5), (2, "admin", "a", 3)])
    three = two + ballots([(3, "admin", "a", 4)])
    assert results.rating_results(["a"], two, G)[0]["groups"]["admin"] == {"suppressed": True}
    shown = results.rating_results(["a"], three, G)[0]["groups"]["admin"]
    assert shown["votes"] == 3 and shown["mean"] == 4.0
    # "Can't judge" does not count towards the three: two scores are still too few.
    with_cant = two + ballots([(3, "admin", "a", 0)])
    assert results.rating_results(["a"], with_cant, G)[0]["groups"]["admin"] == {
        "suppressed": True}
    # Totals always include everyone.
    assert results.rating_results(["a"], two, G)[0]["votes"] == 2


def test_consensus_by_hand():
    # admin: 3 voters, 2 agree -> (2+1)/(3+2) = 0.6
    # civil: 4 voters, 4 agree -> (4+1)/(4+2) = 5/6
    # migrant: nobody -> (0+1)/(0+2) = 0.5
    # geometric mean: (0.6 * 5/6 * 0.5) ** (1/3) = 0.25 ** (1/3) = 0.62996...
    groups = {"admin": [5, 4, 2], "civil": [4, 4, 5, 5], "migrant": []}
    assert results.consensus(groups, G) == pytest.approx(0.63, abs=0.0005)
    assert results.consensus(groups, G) == round(0.25 ** (1 / 3), 3)
    # Full agreement everywhere with 3 voters each: (4/5) per group -> 0.8
    assert results.consensus({g: [5, 5, 4] for g in G}, G) == 0.8
    # Nobody rated: no figure at all.
    assert results.consensus({g: [] for g in G}, G) is None
    # "Can't judge" is not a voter.
    assert results.consensus({"admin": [5, 0, 0]}, ["admin"]) == round(2 / 3, 3)


def test_divergence_flag_at_one_point():
    rows = [(i, "admin", "a", 5) for i in range(3)] + [(10 + i, "civil", "a", 4) for i in range(3)]
    entry = results.rating_results(["a"], ballots(rows), G)[0]
    assert entry["divergence"] == 1.0 and entry["divergent"] is True
    rows[-1] = (12, "civil", "a", 5)  # civil mean 4.33: gap 0.67
    entry = results.rating_results(["a"], ballots(rows), G)[0]
    assert entry["divergence"] == 0.67 and entry["divergent"] is False
    # A suppressed group's mean never enters the divergence: two migrants rating 1 would make
    # it 4.0; they are hidden, and with them admin (complementary suppression), so one group
    # is left and there is no gap to show.
    rows += [(20, "migrant", "a", 1), (21, "migrant", "a", 1)]
    assert results.rating_results(["a"], ballots(rows), G)[0]["divergence"] is None


def test_dots_points_and_givers():
    rows = [(1, "admin", "a", 2), (1, "admin", "b", 2), (1, "admin", "c", 1),
            (2, "admin", "a", 1), (3, "admin", "a", 2), (4, "civil", "a", 2),
            (5, "migrant", "a", 1), (6, "migrant", "a", 1)]
    out = {e["id"]: e for e in results.dots_results(["a", "b", "c", "d"], ballots(rows), G)}
    assert (out["a"]["points"], out["a"]["votes"]) == (9, 6)
    assert out["a"]["groups"]["admin"] == {"points": 5, "votes": 3}
    # civil (1) and migrant (2) hidden: together three, so admin's figure stays shown.
    assert out["a"]["groups"]["civil"] == {"suppressed": True}
    assert (out["d"]["points"], out["d"]["votes"]) == (0, 0)


def test_round_results_counts_voters_per_group():
    rows = [(1, "admin", "a", 3), (1, "admin", "b", 3), (2, "civil", "a", 0)]
    got = results.round_results("rating", ["a", "b"], ballots(rows), G)
    assert got["voters"] == 2
    assert got["voters_by_group"] == {"admin": 1, "civil": 1, "migrant": 0}


def test_shift_between_attempts():
    others = [(7, "civil", "a", 4), (8, "civil", "a", 4), (9, "migrant", "a", 4)]
    first = results.rating_results(
        ["a"], ballots([(i, "admin", "a", 2) for i in range(3)] + others), G)
    second = results.rating_results(
        ["a"], ballots([(i, "admin", "a", 4) for i in range(3)] + others), G)
    moved = results.shift("rating", first, second, G)[0]
    assert (moved["before"], moved["after"], moved["change"]) == (3.0, 4.0, 1.0)
    assert moved["groups"]["admin"] == {"before": 2.0, "after": 4.0, "change": 2.0}
    assert moved["groups"]["civil"] == {"suppressed": True}


def test_priority_matrix_quadrants():
    # 9 points over 5 items (e was not rated but could get points): an even share is 1.8.
    done = {"a": 2.0, "b": 4.5, "c": 1.5, "d": 3.0, "e": None}
    points = {"a": 4, "b": 3, "c": 1, "d": 1}
    matrix = results.priority_matrix(done, points)
    assert {i: m["quadrant"] for i, m in matrix.items()} == {
        "a": "act_first", "b": "keep_strong", "c": "watch", "d": "fine", "e": None}
    assert math.isclose(sum(m["points"] for m in matrix.values()), 9)
    # 3.0 is "done well enough" (not below the midpoint); 2 points reach the even share 1.8.
    assert results.priority_matrix({"x": 3.0, "y": 2.9}, {"x": 2, "y": 2})["y"]["quadrant"] == \
        "act_first"


def test_ranking_leads_with_the_top_items():
    rating = [{"id": "a", "mean": 3.0, "votes": 4}, {"id": "b", "mean": None, "votes": 0},
              {"id": "c", "mean": 4.5, "votes": 2}, {"id": "d", "mean": 3.0, "votes": 6}]
    assert results.ranking("rating", rating) == ["c", "d", "a", "b"]
    dots = [{"id": "a", "points": 2, "votes": 2}, {"id": "b", "points": 7, "votes": 3},
            {"id": "c", "points": 2, "votes": 1}, {"id": "d", "points": 0, "votes": 0}]
    assert results.ranking("dots", dots) == ["b", "a", "c", "d"]


def test_groups_shown_are_those_with_any_figure():
    items = [{"id": "a", "groups": {"x": {"suppressed": True}, "y": {"votes": 3, "mean": 4.0}}},
             {"id": "b", "groups": {"x": {"suppressed": True}, "y": {"suppressed": True}}}]
    assert results.groups_shown(items, ["x", "y", "z"]) == ["y"]
    assert results.groups_shown([], ["x"]) == []
