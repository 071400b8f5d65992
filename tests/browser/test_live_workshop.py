"""A whole workshop in Chromium: the facilitator drives a rating, a dots and an ideas round from
the console, three phones in three groups vote (in German and English), and the projector shows
exactly what was cast, as the results API reports it."""

import re
from collections import defaultdict
from statistics import mean

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP, PHONE, PROJECTOR
from tests.browser.helpers import GROUPS, Voter, create_session, one_decimal, results

AGENDA = [
    {"kind": "rating", "field": "health", "target": "challenges"},
    {"kind": "dots", "field": "health", "target": "principles"},
    {"kind": "ideas", "field": "health", "moderation": "post"},
]
# A browser whose language the session has skips the language step; the French one chooses.
PHONES = [("administration", "de-DE", "de"), ("civil-society", "fr-FR", "en"),
          ("migrant-organisations", "en-US", "en")]


class Room:
    """The browsers of one workshop; collects script errors from every page."""

    def __init__(self, chromium, server, created):
        self.chromium, self.server, self.created = chromium, server, created
        self.errors: list[str] = []
        self.contexts = []

    def open(self, url: str, **context_args):
        context = self.chromium.new_context(**context_args)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        page.sockets = []
        page.on("websocket", lambda ws: page.sockets.append(ws))
        response = page.goto(url)
        assert "default-src 'self'" in response.headers["content-security-policy"]
        return page

    def phone(self, locale: str):
        return self.open(self.created["links"]["join"], viewport=PHONE, locale=locale,
                         is_mobile=True, has_touch=True)

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def room(chromium, live_server):
    created = create_session(live_server, agenda=AGENDA)
    the_room = Room(chromium, live_server, created)
    yield the_room
    the_room.close()
    assert the_room.errors == []


def fits_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def fits_wall(page):
    assert page.evaluate("document.documentElement.scrollHeight") <= PROJECTOR["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PROJECTOR["width"]


def screen(page, name: str, selector: str = "#app", attribute: str = "data-screen"):
    expect(page.locator(selector)).to_have_attribute(attribute, name)


def rate(page, item: str, value) -> None:
    page.locator(f'[data-item="{item}"] .opt[data-value="{value}"]').click()


def act(console, round_id: int, action: str) -> None:
    button = console.locator(f'li[data-round="{round_id}"] [data-action="{action}"]')
    button.click()


def test_a_workshop_driven_from_the_console(room, live_server, screenshot):
    created = room.created
    rating, dots, ideas = created["rounds"]
    console = room.open(created["links"]["facilitator"], viewport=LAPTOP, locale="en-GB")
    projector = room.open(created["links"]["projector"], viewport=PROJECTOR, locale="en-GB")
    screen(projector, "waiting", "#wall")
    expect(projector.locator(".join-code")).to_have_text(created["join_code"])

    # --- Three phones join: language (unless the browser's is the session's), then group. ---
    phones = {}
    for group, locale, language in PHONES:
        page = room.phone(locale)
        if locale.startswith("fr"):
            screen(page, "language")
            page.locator(f'button[data-language="{language}"]').click()
        screen(page, "group")
        expect(page.locator("html")).to_have_attribute("lang", language)
        if language == "de":
            expect(page.get_by_role("heading")).to_have_text("Zu welcher Gruppe gehören Sie?")
            fits_phone(page)
            screenshot(page, "phone-join")
        page.locator(f'button[data-group="{group}"]').click()
        screen(page, "waiting")
        phones[group] = page
    de, en, en2 = (phones[g] for g in GROUPS)
    expect(de.get_by_role("heading")).to_have_text("Warten auf die nächste Frage")
    expect(en.get_by_role("heading")).to_have_text("Waiting for the next question")
    expect(projector.locator(".turnout-label")).to_have_text("3 people have joined")
    fits_wall(projector)
    screenshot(projector, "projector-waiting")

    # Two scripted voters join the administration: that group then has a figure of its own.
    # A third joins the migrant organisations: the two small groups then hide three people
    # together, so the administration's figure cannot be undone by subtraction and is shown.
    extra = [Voter.participant(live_server, created, "administration") for _ in range(2)]
    extra_small = Voter.participant(live_server, created, "migrant-organisations")

    # --- Rating round ------------------------------------------------------------------------
    items = [i["id"] for i in rating["items"]]
    c1, c2, c3, c4 = items
    cast = {
        "administration": [{c1: 4, c2: 5, c3: "cant_judge", c4: 2},   # the German phone
                           {c1: 5, c2: 3, c3: 4, c4: 3}, {c1: 3, c2: 4, c3: 2, c4: 2}],
        "civil-society": [{c1: 2, c2: 5, c3: 3, c4: 1}],
        "migrant-organisations": [{c1: 5, c2: 4, c3: 4, c4: 1}, {c1: 4, c2: 2, c3: 5, c4: 3}],
    }
    act(console, rating["id"], "open_round")
    for page in (de, en, en2):
        screen(page, "rating")
    expect(de.locator("h1.question")).to_have_text(
        "Wie sehr trifft diese Herausforderung bei uns zu?")
    expect(en.locator("h1.question")).to_have_text("How much does this challenge apply here?")
    screen(projector, "open", "#wall")
    expect(console.locator(f'li[data-round="{rating["id"]}"]')).to_have_class("current")

    # One tap chooses, another tap changes; the choice stays visibly selected.
    rate(de, c1, 3)
    rate(de, c1, 4)
    expect(de.locator(f'[data-item="{c1}"] .opt[data-value="4"]')).to_have_attribute(
        "aria-pressed", "true")
    expect(de.locator(f'[data-item="{c1}"] .opt[data-value="3"]')).to_have_attribute(
        "aria-pressed", "false")
    expect(de.locator(f'[data-item="{c1}"]')).to_have_attribute("data-status", "saved")
    expect(de.locator(".progress-text")).to_have_text("1 von 4 beantwortet")
    rate(de, c2, 5)
    expect(de.locator(f'[data-item="{c2}"] .item-status')).to_contain_text("Gespeichert")
    fits_phone(de)
    screenshot(de, "phone-rating")

    # A phone switches its language in the middle of a round: texts and <html lang> follow.
    en2.locator('#langs button[lang="de"]').click()
    expect(en2.locator("html")).to_have_attribute("lang", "de")
    expect(en2.locator("h1.question")).to_have_text(
        "Wie sehr trifft diese Herausforderung bei uns zu?")
    en2.locator('#langs button[lang="en"]').click()
    expect(en2.locator("h1.question")).to_have_text("How much does this challenge apply here?")
    expect(en2.locator("html")).to_have_attribute("lang", "en")

    for group, page in phones.items():
        for item, value in cast[group][0].items():
            rate(page, item, value)
        expect(page.locator('.item[data-status="saved"]')).to_have_count(4)
        expect(page.locator(".progress-text")).to_have_attribute("data-answered", "4")
    expect(en.locator(".progress-text")).to_contain_text("All answered")
    for voter, votes in [*zip(extra, cast["administration"][1:], strict=True),
                         (extra_small, cast["migrant-organisations"][1])]:
        for item, value in votes.items():
            voter.vote(rating["id"], item, value)

    expect(projector.locator(".turnout")).to_have_attribute("data-finished", "6")
    expect(projector.locator('.turnout-groups [data-group="administration"] .g-count')) \
        .to_have_text("3 / 3")
    expect(projector.locator('.turnout-groups [data-group="civil-society"] .g-count')) \
        .to_have_text("1 / 1")
    fits_wall(projector)
    screenshot(projector, "projector-rating-live")
    expect(console.locator('.participation [data-group="total"] .started')).to_have_text("6")
    expect(console.locator('.participation [data-group="total"] .finished')).to_have_text("6")
    expect(console.locator('.participation [data-group="total"] .present')).to_have_text("6")

    act(console, rating["id"], "close_round")
    screen(de, "closed")
    expect(de.locator(".banner")).to_contain_text("Die Abstimmung ist geschlossen")
    expect(en.locator(".banner")).to_contain_text("Voting is closed")
    screen(projector, "closed", "#wall")
    act(console, rating["id"], "reveal_round")
    screen(projector, "results", "#wall")

    api = results(live_server, created)[rating["id"]]
    by_item = {entry["id"]: entry for entry in api["items"]}
    for item in items:
        scores = [votes[item] for group in GROUPS for votes in cast[group]
                  if votes[item] != "cant_judge"]
        entry = by_item[item]
        assert entry["votes"] == len(scores)
        assert entry["mean"] == round(mean(scores), 2)
        row = projector.locator(f'.r-row[data-item="{item}"]')
        expect(row.locator(".mean")).to_have_text(one_decimal(entry["mean"]))
        assert float(row.get_attribute("data-mean")) == entry["mean"]
        expect(row.locator(".n")).to_have_text(f"{len(scores)} answers")
        admin = [votes[item] for votes in cast["administration"] if votes[item] != "cant_judge"]
        admin_cell = row.locator('.gcell[data-group="administration"]')
        if len(admin) >= 3:
            assert entry["groups"]["administration"]["mean"] == round(mean(admin), 2)
            expect(admin_cell).to_contain_text(one_decimal(mean(admin)))
        else:
            assert entry["groups"]["administration"] == {"suppressed": True}
            expect(admin_cell).to_have_text("–")
            expect(admin_cell).to_have_attribute("title", "too few to show")
        # Groups that cannot be shown on any item get no column at all.
        for group in ("civil-society", "migrant-organisations"):
            assert entry["groups"][group] == {"suppressed": True}
            expect(row.locator(f'.gcell[data-group="{group}"]')).to_have_count(0)
        expect(row.locator(".flag.consensus")).to_have_count(1 if entry["consensus"] >= 0.6 else 0)
    # The projector ranks by mean; the results are on every phone too.
    means = [float(x) for x in projector.locator(".r-row[data-item]").evaluate_all(
        "rows => rows.map(r => r.dataset.mean)")]
    assert means == sorted(means, reverse=True)
    fits_wall(projector)
    screenshot(projector, "projector-rating-results")
    screen(en, "results")
    expect(en.locator(f'.result[data-item="{c1}"] .figure')).to_have_text(
        one_decimal(by_item[c1]["mean"]))
    expect(de.locator(f'.result[data-item="{c1}"] .figure')).to_have_text(
        one_decimal(by_item[c1]["mean"], comma=True))
    fits_phone(en)
    screenshot(en, "phone-results")
    for voter in [*extra, extra_small]:
        voter.close()

    # --- Dots round, opened with the console's next-step button ---------------------------------
    next_step = console.locator(".next-step")
    expect(next_step).to_have_attribute("data-next", "open_round")
    expect(next_step).to_have_attribute("data-round", str(dots["id"]))
    next_step.click()
    for page in (de, en, en2):
        screen(page, "dots")
    expect(de.locator(".budget .left")).to_have_text("5 Punkte übrig")
    p = [i["id"] for i in dots["items"]]

    def give(page, item, times=1, sign="plus"):
        for _ in range(times):
            page.locator(f'[data-item="{item}"] .step.{sign}').click()

    give(de, p[0], 2)
    expect(de.locator(f'[data-item="{p[0]}"] .step.plus')).to_be_disabled()  # at most 2
    give(de, p[1], 2)
    give(de, p[2], 1)
    expect(de.locator(".budget .left")).to_have_text("0 Punkte übrig")
    expect(de.locator(".step.plus:not([disabled])")).to_have_count(0)  # nothing left to give
    give(en, p[0], 1)
    give(en, p[2], 2)
    give(en, p[3], 1)
    give(en, p[3], 1, "minus")
    expect(en.locator(".budget .left")).to_have_text("2 points left")
    expect(en.locator(f'[data-item="{p[3]}"] .step.minus')).to_be_disabled()
    give(en2, p[1], 2)
    give(en2, p[4], 1)
    expected_points = defaultdict(int, {p[0]: 3, p[1]: 4, p[2]: 3, p[4]: 1})
    for page in (de, en, en2):
        expect(page.locator('.item[data-status="sending"], .item[data-status="waiting"]')) \
            .to_have_count(0)
    expect(en.locator(f'[data-item="{p[2]}"]')).to_have_attribute("data-points", "2")
    fits_phone(en)
    screenshot(en, "phone-dots")

    # The timer, started from the console, runs on the projector and the phones.
    console.locator('[data-minutes="2"]').click()
    expect(projector.locator(".side-live .clock")).to_have_text(
        re.compile(r"^(2:00|1:5\d)$"))
    expect(en.locator(".round-status .timer")).to_contain_text("Time left")
    expect(projector.locator(".turnout")).to_have_attribute("data-started", "3")
    next_step = console.locator(".next-step")
    expect(next_step).to_have_attribute("data-next", "close_round")
    next_step.click()
    # "Close voting" has become "Show results" under the pointer: a second click of a double
    # click lands on a button that rests for a moment, and nothing is revealed.
    expect(next_step).to_have_attribute("data-next", "reveal_round")
    expect(next_step).to_be_disabled()
    next_step.click(force=True)
    expect(next_step).to_be_enabled()
    screen(projector, "closed", "#wall")
    screen(en, "closed")
    # Closing the round stopped its timer, everywhere.
    expect(projector.locator(".side-live .clock")).to_have_count(0)
    expect(console.locator('[data-minutes="0"]')).to_be_disabled()
    expect(en.locator(".round-status .timer")).to_have_count(0)
    next_step.click()
    screen(projector, "results", "#wall")

    api = results(live_server, created)[dots["id"]]
    for entry in api["items"]:
        assert entry["points"] == expected_points[entry["id"]]
        row = projector.locator(f'.r-row[data-item="{entry["id"]}"]')
        expect(row).to_have_attribute("data-points", str(entry["points"]))
        expect(row.locator(".points")).to_have_text(str(entry["points"]))
    # Small-group privacy: one voter per group, so no group figure anywhere on the wall.
    rows = projector.locator(".r-row[data-item]")
    expect(rows).to_have_count(len(p))
    # One line says so, instead of a "too few to show" per item and group.
    expect(projector.locator("#stage .gcell")).to_have_count(0)
    expect(projector.locator("#stage .too-few-note")).to_have_text(
        "Figures per group appear where at least 3 people of a group answered.")
    fits_wall(projector)
    screenshot(projector, "projector-dots-results")

    # --- Ideas round -------------------------------------------------------------------------
    console.locator(".next-step").click()
    for page in (de, en, en2):
        screen(page, "ideas")
    texts = {"administration": "Mehr Sprachkurse am Abend",
             "civil-society": "A help desk for newcomers in the town hall",
             "migrant-organisations": "Letters from the health office in plain language"}
    for group, page in phones.items():
        page.locator("#idea-text").fill(texts[group])
        page.locator(".idea-form button[type=submit]").click()
        expect(page.locator(".idea.mine")).to_have_text(
            re.compile(".*" + texts[group]))
    for page in (de, en, en2):
        expect(page.locator(".idea[data-idea]")).to_have_count(3)
    ids = {group: phones[group].locator(".idea.mine").get_attribute("data-idea")
           for group in GROUPS}
    # No support button on one's own idea.
    expect(de.locator(f'.idea[data-idea="{ids["administration"]}"] .upvote')).to_be_hidden()
    expect(en.locator(f'.idea[data-idea="{ids["administration"]}"] .upvote')).to_be_visible()

    def upvote(page, group):
        page.locator(f'.idea[data-idea="{ids[group]}"] .upvote').click()

    upvote(en, "administration")
    upvote(en2, "administration")
    upvote(en2, "civil-society")
    upvote(en, "migrant-organisations")
    expect(en.locator(f'.idea[data-idea="{ids["migrant-organisations"]}"] .upvote')) \
        .to_have_attribute("aria-pressed", "true")
    upvote(en, "migrant-organisations")  # and taken back
    expect(en.locator(f'.idea[data-idea="{ids["migrant-organisations"]}"] .upvote')) \
        .to_have_attribute("aria-pressed", "false")
    expect(en.locator(f'.idea[data-idea="{ids["administration"]}"] .upvote')) \
        .to_have_attribute("aria-pressed", "true")
    expected_upvotes = {"administration": 2, "civil-society": 1, "migrant-organisations": 0}
    for group, count in expected_upvotes.items():
        expect(projector.locator(f'.idea-card[data-idea="{ids[group]}"]')).to_have_attribute(
            "data-upvotes", str(count))
    for page in (de, en, en2):
        expect(page.locator('.idea[data-status="sending"], .idea[data-status="waiting"]')) \
            .to_have_count(0)
    fits_phone(en)
    screenshot(en, "phone-ideas")
    fits_wall(projector)
    screenshot(projector, "projector-ideas")

    # Moderation: the facilitator hides one idea; it leaves the wall and the phones.
    hidden = ids["migrant-organisations"]
    console.locator(f'.moderation [data-idea="{hidden}"] [data-action="hide_idea"]').click()
    expect(console.locator(f'.moderation [data-idea="{hidden}"]')).to_have_class("is-hidden")
    expect(projector.locator(f'.idea-card[data-idea="{hidden}"]')).to_have_count(0)
    expect(de.locator(f'.idea[data-idea="{hidden}"]')).to_have_count(0)
    console.evaluate("window.scrollTo(0, 0)")
    screenshot(console, "console")
    # Under the Content-Security-Policy (connect-src 'self') every live page talks over a
    # websocket, not only long-polling.
    for page in [console, projector, *phones.values()]:
        assert any("/socket.io/" in ws.url and "transport=websocket" in ws.url
                   and not ws.is_closed() for ws in page.sockets), page.url
    console.locator(".next-step").click()  # close
    console.locator(".next-step").click()  # reveal
    screen(en, "results")
    api = results(live_server, created)[ideas["id"]]
    assert {str(i["id"]): i["upvotes"] for i in api["ideas"]} == {
        ids["administration"]: 2, ids["civil-society"]: 1}
    expect(en.locator(".result-list li")).to_have_count(2)

    # --- A second vote on the rating round, after a confirmation: empty ballots again --------
    act(console, rating["id"], "reopen_round")
    expect(console.locator("dialog#confirm")).to_be_visible()
    console.locator("#confirm-ok").click()
    for page in (de, en, en2):
        screen(page, "rating")
    expect(de.locator('.item[data-status="saved"]')).to_have_count(0)
    expect(de.locator(".progress-text")).to_have_text("0 von 4 beantwortet")
    rate(de, c1, 2)
    expect(de.locator(f'[data-item="{c1}"]')).to_have_attribute("data-status", "saved")
    expect(console.locator(".now .status-line")).to_contain_text("Second vote")
    expect(de.locator(".attempt-badge")).to_have_text("Zweite Abstimmung")
    screen(projector, "open", "#wall")
    api = results(live_server, created)[rating["id"]]
    assert api["attempt"] == 2 and api["voters"] == 1
    assert api["attempts"][0]["voters"] == 6  # the first vote is kept
    act(console, rating["id"], "close_round")
    screen(de, "closed")

    # --- End of the session: a confirmation first --------------------------------------------
    console.locator("#end-session").click()
    expect(console.locator("dialog#confirm")).to_be_visible()
    console.locator("#confirm-cancel").click()
    expect(console.locator("dialog#confirm")).to_be_hidden()
    screen(de, "closed")  # cancelled: nothing happened
    console.locator("#end-session").click()
    console.locator("#confirm-ok").click()
    for page in (de, en, en2):
        screen(page, "ended")
    expect(de.get_by_role("heading")).to_contain_text("Workshop ist beendet")
    screen(projector, "ended", "#wall")
    expect(console.locator(".banner.ended")).to_be_visible()
    expect(console.locator("#end-session")).to_be_hidden()
    # The code is free again; a phone coming back sees the end, with no way to join.
    de.reload()
    expect(de.locator("#ended h1")).to_have_text(
        "Der Workshop ist beendet. Vielen Dank fürs Mitmachen!")
    expect(de.locator("form, button[type=submit]")).to_have_count(0)
