"""The projector is read from the back of the room: at 1920x1080 the question is 44 px or more
and statements 28 px or more, never cut; a round longer than the screen is shown in pages
(turning by themselves while voting, by the facilitator when results are up); results lead with
the top items; group columns only where a group can be shown; points rounds show the budget; a
second vote says so and shows how each item moved."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PROJECTOR
from tests.browser.helpers import GROUPS, Voter, create_session, results
from tests.servers import running_server

PAGE_SECONDS = 2


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("projector"),
                        env={"WORKSHOP_PROJECTOR_PAGE_SECONDS": str(PAGE_SECONDS)}) as server:
        yield server


@pytest.fixture
def room(live_server):
    opened = []

    def voters(created, per_group):
        out = [(group, Voter.participant(live_server, created, group))
               for group in GROUPS for _ in range(per_group)]
        opened.extend(voter for _, voter in out)
        return out

    yield voters
    for voter in opened:
        voter.close()


def projector_page(chromium, created):
    page = chromium.new_context(viewport=PROJECTOR, locale="de-DE").new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(created["links"]["projector"])
    return page, errors


# Every visible statement: its size, whether anything clips or clamps it, where it ends.
MEASURE = """units => units.filter(u => !u.hidden).map(u => {
  const text = u.querySelector('.txt, .idea-text');
  const style = getComputedStyle(text);
  return {id: u.dataset.item || u.dataset.idea, text: text.firstChild.textContent,
          size: parseFloat(style.fontSize), ellipsis: style.textOverflow,
          clamp: style.webkitLineClamp, clipped: text.scrollHeight > text.clientHeight + 1
            || text.scrollWidth > text.clientWidth + 1,
          bottom: u.getBoundingClientRect().bottom, right: u.getBoundingClientRect().right};
})"""


def legible_page(page, texts: dict[str, str]) -> list[str]:
    """Check what the wall shows now; return the ids of the statements on it."""
    assert page.evaluate("document.documentElement.scrollHeight") <= PROJECTOR["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PROJECTOR["width"]
    question = page.locator("#stage .question")
    assert float(question.evaluate("q => parseFloat(getComputedStyle(q).fontSize)")) >= 44
    shown = page.locator("#stage .paged > .unit").evaluate_all(MEASURE)
    assert shown
    for unit in shown:
        assert unit["size"] >= 28, unit
        assert unit["ellipsis"] != "ellipsis" and unit["clamp"] in ("none", ""), unit
        assert not unit["clipped"], unit
        assert unit["text"] == texts[unit["id"]], unit  # the whole text, not a cut one
        assert unit["bottom"] <= PROJECTOR["height"] and unit["right"] <= PROJECTOR["width"]
    return [unit["id"] for unit in shown]


def test_the_longest_round_in_pages_live_and_revealed(chromium, live_server, room, screenshot):
    created = create_session(live_server)  # the default agenda: every action field
    facilitator = Voter.facilitator(live_server, created)
    voters = room(created, 3)
    rnd = max((r for r in created["rounds"] if r["kind"] == "rating"),
              key=lambda r: len(r["items"]))
    assert len(rnd["items"]) == 22  # governance principles
    items = [item["id"] for item in rnd["items"]]
    page, errors = projector_page(chromium, created)
    texts = {item["id"]: item["text"] for item in rnd["items"]}  # German, as on the wall

    assert facilitator.call("open_round", {"round": rnd["id"]})["ok"]
    wall, paged = page.locator("#wall"), page.locator("#stage .paged")
    expect(wall).to_have_attribute("data-round", str(rnd["id"]))
    pages = int(paged.get_attribute("data-pages"))
    assert pages > 1  # 22 principles at legible size do not fit one screen
    screenshot(page, "projector-22-items-voting")
    seen = legible_page(page, texts)
    assert seen == items[:len(seen)]  # page 1 starts with the first statement
    # While voting the pages turn by themselves, and every statement comes round.
    for n in range(2, pages + 1):
        expect(paged).to_have_attribute("data-page", str(n), timeout=PAGE_SECONDS * 3000)
        seen += legible_page(page, texts)
    assert seen == items
    expect(paged).to_have_attribute("data-page", "1", timeout=PAGE_SECONDS * 3000)

    for n, (group, voter) in enumerate(voters):
        # The groups disagree, so divergence flags take their room too.
        base = {"administration": 5, "civil-society": 3, "migrant-organisations": 1}
        for i, item in enumerate(items):
            voter.vote(rnd["id"], item, max(1, min(5, base[group] - (i + n) % 2)))
    expect(page.locator(".turnout")).to_have_attribute("data-finished", "9")
    assert facilitator.call("close_round", {"round": rnd["id"]})["ok"]
    assert facilitator.call("reveal_round", {"round": rnd["id"]})["ok"]
    expect(wall).to_have_attribute("data-screen", "results")
    expect(page.locator("#stage .r-row[data-item]")).to_have_count(len(items))
    pages = int(paged.get_attribute("data-pages"))
    assert pages > 1
    screenshot(page, "projector-22-items-results")
    # Results lead with the top items, in the server's ranking; every group has a column.
    ranking = results(live_server, created)[rnd["id"]]["ranking"]
    shown = legible_page(page, texts)
    assert shown == ranking[:len(shown)]
    assert page.locator("#stage .r-head .gcell").count() == 3
    assert page.locator("#stage .gcell.suppressed").count() == 0
    # Results pages wait for the facilitator: no turn by themselves ...
    page.wait_for_timeout(PAGE_SECONDS * 1500)
    expect(paged).to_have_attribute("data-page", "1")
    # ... and turn on Next and Back; after the last page comes the first again.
    for n in range(2, pages + 1):
        assert facilitator.call("page", {"round": rnd["id"], "step": 1})["ok"]
        expect(paged).to_have_attribute("data-page", str(n))
        shown += legible_page(page, texts)
        if n == 2:
            screenshot(page, "projector-22-items-results-page-2")
    assert shown == ranking
    assert facilitator.call("page", {"round": rnd["id"], "step": 1})["ok"]
    expect(paged).to_have_attribute("data-page", "1")
    assert facilitator.call("page", {"round": rnd["id"], "step": -1})["ok"]
    expect(paged).to_have_attribute("data-page", str(pages))
    assert errors == []
    facilitator.close()


def test_budget_too_few_and_a_second_vote(chromium, live_server, room, screenshot):
    created = create_session(live_server, agenda=[
        {"kind": "dots", "field": "health", "target": "principles", "budget": 7,
         "max_per_item": 4},
        {"kind": "rating", "field": "housing", "target": "challenges"}])
    facilitator = Voter.facilitator(live_server, created)
    dots, rating = created["rounds"]
    voters = room(created, 1)  # one per group: no group can be shown
    page, errors = projector_page(chromium, created)
    wall = page.locator("#wall")

    assert facilitator.call("open_round", {"round": dots["id"]})["ok"]
    expect(page.locator("#stage .round-sub")).to_have_attribute("data-budget", "7")
    expect(page.locator("#stage .round-sub")).to_have_text(
        "Alle haben 7 Punkte zu vergeben, höchstens 4 pro Aussage.")
    for n, (_, voter) in enumerate(voters):
        voter.vote(dots["id"], dots["items"][n]["id"], 4)
        voter.vote(dots["id"], dots["items"][n + 1]["id"], 3)
    expect(page.locator(".turnout")).to_have_attribute("data-finished", "3")
    assert facilitator.call("close_round", {"round": dots["id"]})["ok"]
    assert facilitator.call("reveal_round", {"round": dots["id"]})["ok"]
    expect(wall).to_have_attribute("data-screen", "results")
    # No group has three voters: no group columns, one line instead of a cell per item and group.
    expect(page.locator("#stage .gcell")).to_have_count(0)
    expect(page.locator("#stage .too-few-note")).to_have_count(1)
    assert "zu wenige" not in page.locator("#stage .paged").inner_text()
    ranking = results(live_server, created)[dots["id"]]["ranking"]
    order = page.locator("#stage .r-row[data-item]").evaluate_all(
        "rows => rows.filter(r => !r.hidden).map(r => r.dataset.item)")
    assert order == ranking[:len(order)]
    screenshot(page, "projector-dots-too-few")

    # A second vote of the rating round says so, and its results show the shift.
    items = [item["id"] for item in rating["items"]]
    assert facilitator.call("open_round", {"round": rating["id"]})["ok"]
    for _, voter in voters:
        for item in items:
            voter.vote(rating["id"], item, 2)
    assert facilitator.call("close_round", {"round": rating["id"]})["ok"]
    assert facilitator.call("reopen_round", {"round": rating["id"]})["ok"]
    expect(page.locator("#stage .badge-attempt")).to_have_text("Zweite Abstimmung")
    for _, voter in voters:
        voter.vote(rating["id"], items[0], 5)
        for item in items[1:]:
            voter.vote(rating["id"], item, 2)
    assert facilitator.call("close_round", {"round": rating["id"]})["ok"]
    assert facilitator.call("reveal_round", {"round": rating["id"]})["ok"]
    expect(wall).to_have_attribute("data-screen", "results")
    expect(page.locator("#stage .badge-attempt")).to_have_text("Zweite Abstimmung")
    top = page.locator(f'#stage .r-row[data-item="{items[0]}"]')
    expect(top.locator(".shift.up")).to_have_attribute("data-change", "3")
    expect(top.locator(".shift")).to_have_text("▲ +3,0")
    expect(page.locator(f'#stage .r-row[data-item="{items[1]}"] .shift.same')).to_have_count(1)
    assert page.locator("#stage .r-row[data-item]").first.get_attribute("data-item") == items[0]
    screenshot(page, "projector-second-vote-results")
    assert errors == []
    facilitator.close()
