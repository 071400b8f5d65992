"""The projector fits the biggest rounds of the default agenda on 1920x1080, live and revealed,
with every group's figure shown: a room cannot scroll a projector."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PROJECTOR
from tests.browser.helpers import GROUPS, Voter, create_session


@pytest.fixture
def full_room(live_server):
    created = create_session(live_server)  # the default agenda: every action field
    facilitator = Voter.facilitator(live_server, created)
    voters = [(group, Voter.participant(live_server, created, group))
              for group in GROUPS for _ in range(3)]
    yield created, facilitator, voters
    for _, voter in voters:
        voter.close()
    facilitator.close()


def text_length(rnd):
    return sum(len(item["text"]) for item in rnd["items"])


def test_the_biggest_rounds_fit_the_wall(chromium, live_server, full_room, screenshot):
    created, facilitator, voters = full_room
    ratings = [r for r in created["rounds"] if r["kind"] == "rating"]
    most_items = max(ratings, key=lambda r: len(r["items"]))
    most_text = max(ratings, key=text_length)
    most_dots = max((r for r in created["rounds"] if r["kind"] == "dots"),
                    key=lambda r: len(r["items"]))
    assert len(most_items["items"]) == 22  # governance principles

    page = chromium.new_context(viewport=PROJECTOR, locale="de-DE").new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(created["links"]["projector"])
    wall = page.locator("#wall")

    def fits():
        assert page.evaluate("document.documentElement.scrollHeight") <= PROJECTOR["height"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PROJECTOR["width"]
        bottoms = page.locator("#stage .r-row, #stage .p-item").evaluate_all(
            "rows => rows.map(r => r.getBoundingClientRect().bottom)")
        assert bottoms and max(bottoms) <= PROJECTOR["height"]
        # Shrunk to fit, but still type to read from the room.
        assert float(page.locator("#stage").get_attribute("data-scale")) >= 0.6

    for rnd in (most_items, most_text, most_dots):
        items = [item["id"] for item in rnd["items"]]
        assert facilitator.call("open_round", {"round": rnd["id"]})["ok"]
        expect(wall).to_have_attribute("data-round", str(rnd["id"]))
        expect(page.locator("#stage .p-item")).to_have_count(len(items))
        if rnd is most_items:
            screenshot(page, "projector-biggest-round-live")
        fits()
        for n, (group, voter) in enumerate(voters):
            if rnd["kind"] == "rating":
                # The groups disagree, so divergence flags take their room too.
                base = {"administration": 5, "civil-society": 3, "migrant-organisations": 1}
                for i, item in enumerate(items):
                    voter.vote(rnd["id"], item, max(1, min(5, base[group] - (i + n) % 2)))
            else:
                for item, points in zip(items[n % 7::3], (2, 2, 1), strict=False):
                    voter.vote(rnd["id"], item, points)
        assert facilitator.call("close_round", {"round": rnd["id"]})["ok"]
        assert facilitator.call("reveal_round", {"round": rnd["id"]})["ok"]
        expect(wall).to_have_attribute("data-screen", "results")
        if rnd["kind"] == "rating":
            expect(page.locator('#stage .r-row[data-votes="9"]')).to_have_count(len(items))
            expect(page.locator("#stage .r-row .gcell.suppressed")).to_have_count(0)
        else:
            expect(page.locator("#stage .r-row[data-item]")).to_have_count(len(items))
        if rnd is most_items:
            screenshot(page, "projector-biggest-round-results")
        if rnd is most_text:
            screenshot(page, "projector-wordiest-round-results")
        if rnd is most_dots:
            screenshot(page, "projector-biggest-dots-results")
        fits()
    assert errors == []
