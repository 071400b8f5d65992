"""WCAG 2.1 AA in Chromium: axe-core (vendored, offline) finds nothing on any page or state, in
German, English, Arabic and Leichte Sprache; the phone works by keyboard alone with a visible
focus, says what changes to screen readers, fits 320 px and 200 % zoom, and honours
prefers-reduced-motion; the accessibility statement is linked from every page."""

import pytest
from playwright.sync_api import expect

from tests.browser.axe import axe_violations, report
from tests.browser.conftest import LAPTOP, PHONE, PROJECTOR, SCREENSHOTS
from tests.browser.helpers import Voter, create_session
from tests.browser.helpers import results as requests_results
from tests.servers import running_server

LANGUAGES = ["de", "en", "ar", "de-x-ls"]
# The phone is checked in every language of the toolbox (Farsi right to left like Arabic).
PHONE_LANGUAGES = [*LANGUAGES, "fa", "uk", "ru", "tr"]
AGENDA = [
    {"kind": "rating", "field": "health", "target": "challenges"},
    {"kind": "dots", "field": "health", "target": "principles", "budget": 5, "max_per_item": 2},
    {"kind": "ideas", "field": "health", "moderation": "post"},
]


def screen(page, name: str, selector: str = "#app") -> None:
    expect(page.locator(selector)).to_have_attribute("data-screen", name)


class Audit:
    """Runs axe on each page and state it is shown, and collects what it finds."""

    def __init__(self, screenshot, language: str):
        self.found: list[str] = []
        self.screenshot, self.language = screenshot, language

    def __call__(self, page, where: str) -> None:
        self.found += axe_violations(page, f"[{self.language}] {where}")
        link = page.locator('footer a[href="/accessibility"]')
        if link.count() != 1:
            self.found.append(f"[{self.language}] {where}: no link to the accessibility statement")
        elif not link.get_attribute("lang"):  # the phone's script may switch <html lang>
            self.found.append(f"[{self.language}] {where}: the statement link has no lang")
        self.screenshot(page, f"a11y-{self.language}-{where.replace(' ', '-')}")

    def check(self) -> None:
        assert self.found == [], report(self.found)


@pytest.fixture
def phone_context(chromium):
    contexts = []

    def make(**kwargs):
        kwargs = {"viewport": PHONE, "locale": "fr-FR", "is_mobile": True, "has_touch": True,
                  **kwargs}
        context = chromium.new_context(**kwargs)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("language", PHONE_LANGUAGES)
def test_every_phone_state_has_no_axe_violation(phone_context, live_server, screenshot,
                                                language):
    created = create_session(live_server, agenda=AGENDA, languages=PHONE_LANGUAGES)
    rating, dots, ideas = created["rounds"]
    facilitator = Voter.facilitator(live_server, created)
    audit = Audit(screenshot, language)
    context = phone_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(live_server.base + "/join")
    audit(page, "join page")
    page.goto(live_server.base + "/j/NOSUCH")
    audit(page, "join unknown code")

    # A browser speaking none of the session's languages chooses one, then its group.
    page.goto(created["links"]["join"])
    screen(page, "language")
    audit(page, "phone language")
    page.locator(f'button[data-language="{language}"]').click()
    screen(page, "group")
    audit(page, "phone group")
    page.locator('button[data-group="civil-society"]').click()
    screen(page, "waiting")
    audit(page, "phone waiting")
    projector = phone_context(viewport=PROJECTOR, locale="de-DE", is_mobile=False,
                              has_touch=False).new_page()
    projector.on("pageerror", lambda exc: errors.append(f"projector: {exc}"))
    projector.goto(f"{live_server.base}/join?lang={language}")  # remembered by this browser
    projector.goto(created["links"]["projector"])
    screen(projector, "waiting", "#wall")
    expect(projector.locator(".turnout-label")).to_be_visible()
    audit(projector, "projector waiting")

    assert facilitator.call("open_round", {"round": rating["id"]})["ok"]
    screen(page, "rating")
    audit(page, "phone rating")
    first = rating["items"][0]["id"]
    page.locator(f'[data-item="{first}"] .opt[data-value="4"]').click()
    expect(page.locator(f'[data-item="{first}"]')).to_have_attribute("data-status", "saved")
    audit(page, "phone rating saved")
    screen(projector, "open", "#wall")
    expect(projector.locator(".turnout")).to_have_attribute("data-started", "1")
    audit(projector, "projector rating open")

    assert facilitator.call("open_round", {"round": dots["id"]})["ok"]
    screen(page, "dots")
    page.locator(f'[data-item="{dots["items"][0]["id"]}"] .step.plus').click()
    expect(page.locator('.item[data-status="saved"]')).to_have_count(1)
    audit(page, "phone points")

    assert facilitator.call("open_round", {"round": ideas["id"]})["ok"]
    screen(page, "ideas")
    page.locator("#idea-text").fill("Sprachcafé in der Bibliothek")
    page.locator(".idea-form button[type=submit]").click()
    expect(page.locator(".idea.mine")).to_have_count(1)
    audit(page, "phone ideas")

    assert facilitator.call("close_round", {"round": ideas["id"]})["ok"]
    screen(page, "closed")
    audit(page, "phone closed")
    assert facilitator.call("reveal_round", {"round": ideas["id"]})["ok"]
    screen(page, "results")
    audit(page, "phone results")

    context.set_offline(True)
    expect(page.locator("#conn")).to_be_visible()
    audit(page, "phone offline")
    context.set_offline(False)
    expect(page.locator("#conn")).to_be_hidden(timeout=15000)

    assert facilitator.call("end_session", {})["ok"]
    screen(page, "ended")
    audit(page, "phone ended")
    page.reload()
    expect(page.locator("#ended")).to_be_visible()
    audit(page, "ended page")
    facilitator.close()
    assert errors == []
    audit.check()


def two_workshops(server, language: str) -> tuple[dict, dict]:
    """Two sessions on the toolbox in all four languages, the later one voted on by four
    scripted phones (three in one group, so the summary shows group figures)."""
    earlier = create_session(server, agenda=AGENDA[:2], languages=LANGUAGES,
                             title="Integrationswerkstatt 2025", date="2025-03-15")
    later = create_session(server, agenda=AGENDA, languages=LANGUAGES,
                           title="Integrationswerkstatt 2026", date="2026-03-14")
    for created in (earlier, later):
        boss = Voter.facilitator(server, created)
        rating, dots = created["rounds"][:2]
        phones = [Voter.participant(server, created, group, language)
                  for group in ["administration"] * 3 + ["civil-society"]]
        assert boss.call("open_round", {"round": rating["id"]})["ok"]
        for n, phone in enumerate(phones):
            for item in rating["items"]:
                phone.vote(rating["id"], item["id"], 1 + (n + len(item["id"])) % 5)
        assert boss.call("open_round", {"round": dots["id"]})["ok"]
        for phone in phones:
            phone.vote(dots["id"], dots["items"][1]["id"], 2)
        assert boss.call("close_round", {"round": dots["id"]})["ok"]
        if created is later:  # a second vote: the summary shows its shifts
            assert boss.call("reopen_round", {"round": rating["id"]})["ok"]
            for phone in phones[:3]:
                phone.vote(rating["id"], rating["items"][0]["id"], 5)
            assert boss.call("close_round", {"round": rating["id"]})["ok"]
        for voter in [boss, *phones]:
            voter.close()
    return earlier, later


@pytest.mark.parametrize("language", LANGUAGES)
def test_organiser_pages_and_projector_have_no_axe_violation(chromium, live_server, screenshot,
                                                             language):
    earlier, later = two_workshops(live_server, language)
    rating, dots, ideas = later["rounds"]
    audit = Audit(screenshot, language)
    laptop = chromium.new_context(viewport=LAPTOP, locale="de-DE")
    wall = chromium.new_context(viewport=PROJECTOR, locale="de-DE")
    errors = []
    pages = []

    def open_page(context, url):
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        page.goto(url)
        pages.append(page)
        return page

    # ?lang= is remembered by each browser: every later page is in that language.
    start = open_page(laptop, f"{live_server.base}/?lang={language}")
    audit(start, "start page")
    start.goto(f"{live_server.base}/no/such/page")
    audit(start, "error page")
    projector = open_page(wall, f"{live_server.base}/?lang={language}")
    projector.goto(later["links"]["projector"])
    screen(projector, "closed", "#wall")
    audit(projector, "projector closed")

    console = open_page(laptop, later["links"]["facilitator"])
    expect(console.locator(f'li[data-round="{dots["id"]}"]')).to_be_visible()
    audit(console, "console")
    console.locator(f'li[data-round="{dots["id"]}"] [data-action="reveal_round"]').click()
    screen(projector, "results", "#wall")
    audit(projector, "projector results")
    console.locator(f'li[data-round="{ideas["id"]}"] [data-action="open_round"]').click()
    screen(projector, "open", "#wall")
    phone = Voter.participant(live_server, later, "civil-society", language)
    assert phone.call("idea", {"round": ideas["id"], "text": "Sprachcafé am Abend"})["ok"]
    expect(projector.locator(".idea-card")).to_have_count(1)
    expect(console.locator(".moderation [data-idea]")).to_have_count(1)
    audit(projector, "projector ideas")
    audit(console, "console ideas")
    console.locator("#edit-agenda").click()
    expect(console.locator("#agenda-editor")).to_be_visible()
    audit(console, "console agenda editor")
    console.locator("#editor-cancel").click()
    console.locator("#end-session").click()
    expect(console.locator("dialog#confirm")).to_be_visible()
    audit(console, "console confirm")
    console.locator("#confirm-ok").click()
    screen(projector, "ended", "#wall")
    audit(projector, "projector ended")
    expect(console.locator(".banner.ended")).to_be_visible()
    audit(console, "console ended")
    phone.close()

    open_page(laptop, earlier["links"]["facilitator"])
    summary = open_page(laptop, later["links"]["summary"])
    expect(summary.locator("#shifts table")).to_have_count(1)
    audit(summary, "summary")
    summary.locator(".sm-compare-form button[type=submit]").click()
    summary.wait_for_url("**/compare?*")
    audit(summary, "comparison")
    laptop.close()
    wall.close()
    assert errors == []
    audit.check()


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_accessibility_statement(chromium, tmp_path, screenshot, language):
    contact = "barrierefreiheit@erfurt.example"
    with running_server(tmp_path, env={"WORKSHOP_ACCESSIBILITY_CONTACT": contact}) as server:
        context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
        page = context.new_page()
        page.goto(f"{server.base}/?lang={language}")
        page.locator("footer #accessibility-link").click()
        page.wait_for_url("**/accessibility")
        heading = {"de": "Erklärung zur Barrierefreiheit", "en": "Accessibility statement"}
        expect(page.get_by_role("heading", level=1)).to_have_text(heading[language])
        # The parts of the German model statement, in its order.
        parts = {"de": ["Stand der Vereinbarkeit mit den Anforderungen",
                        "Nicht barrierefreie Inhalte", "Erstellung dieser Erklärung",
                        "Feedback und Kontakt", "Durchsetzungsverfahren"],
                 "en": ["Status of compliance", "Content that is not accessible",
                        "Preparation of this statement", "Feedback and contact",
                        "Enforcement procedure"]}
        expect(page.get_by_role("heading", level=2)).to_have_text(parts[language])
        expect(page.locator("#contact a")).to_have_attribute("href", "mailto:" + contact)
        expect(page.locator("#enforcement")).to_contain_text("schlichtungsstelle-bgg.de")
        found = axe_violations(page, f"[{language}] accessibility statement")
        screenshot(page, f"a11y-{language}-statement")
        context.close()
    assert found == [], report(found)


# --- Keyboard alone ------------------------------------------------------------------------

def tab_to(page, selector: str, limit: int = 80) -> int:
    """Press Tab until the focused element matches `selector`; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"Tab never reached {selector} in {limit} presses; it stopped at "
                         + page.evaluate("document.activeElement.outerHTML.slice(0, 200)"))


def focus_ring(page) -> dict:
    """How the focused element shows its focus: matched :focus-visible, outline style, width
    and colour, and the contrast of that colour with the page behind it."""
    return page.evaluate("""() => {
        const el = document.activeElement, style = getComputedStyle(el);
        return {visible: el.matches(":focus-visible"), style: style.outlineStyle,
                width: parseFloat(style.outlineWidth), color: style.outlineColor};
    }""")


def test_join_rate_points_and_ideas_by_keyboard_alone(phone_context, live_server, screenshot):
    created = create_session(live_server, agenda=AGENDA)
    rating, dots, ideas = created["rounds"]
    facilitator = Voter.facilitator(live_server, created)
    page = phone_context(locale="de-DE", has_touch=False, is_mobile=False).new_page()

    # The join page: Tab to the code field, type the code, Enter.
    page.goto(live_server.base + "/join")
    tab_to(page, "input[name=code]")
    page.keyboard.type(created["join_code"])
    page.keyboard.press("Enter")
    screen(page, "group")
    tab_to(page, 'button[data-group="migrant-organisations"]')
    ring = focus_ring(page)
    assert ring["visible"] and ring["style"] == "solid" and ring["width"] >= 3, ring
    assert ring["color"] == "rgb(17, 24, 39)", ring  # --ink on the light page: 17:1
    screenshot(page, "a11y-keyboard-group-focus")
    page.keyboard.press("Enter")
    screen(page, "waiting")

    # Rating: Tab to an answer, Space chooses it; the focus stays on it, Tab goes on.
    assert facilitator.call("open_round", {"round": rating["id"]})["ok"]
    screen(page, "rating")
    first, second = (item["id"] for item in rating["items"][:2])
    tab_to(page, f'[data-item="{first}"] .opt[data-value="4"]')
    page.keyboard.press("Space")
    chosen = page.locator(f'[data-item="{first}"] .opt[data-value="4"]')
    expect(chosen).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f'[data-item="{first}"]')).to_have_attribute("data-status", "saved")
    expect(chosen).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(f'[data-item="{first}"] .opt[data-value="5"]')).to_be_focused()
    tab_to(page, f'[data-item="{second}"] .opt[data-value="2"]')
    page.keyboard.press("Enter")
    expect(page.locator(f'[data-item="{second}"]')).to_have_attribute("data-status", "saved")
    expect(page.locator(".progress-text")).to_have_text("2 von 4 beantwortet")
    screenshot(page, "a11y-keyboard-rating-focus")

    # Points: Tab to a plus, Enter twice (the most per item), Tab on to the next item's plus.
    assert facilitator.call("open_round", {"round": dots["id"]})["ok"]
    screen(page, "dots")
    p0, p1 = (item["id"] for item in dots["items"][:2])
    tab_to(page, f'[data-item="{p0}"] .step.plus')
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(page.locator(f'[data-item="{p0}"]')).to_have_attribute("data-points", "2")
    tab_to(page, f'[data-item="{p1}"] .step.plus')
    page.keyboard.press("Space")
    expect(page.locator(f'[data-item="{p1}"]')).to_have_attribute("data-points", "1")
    expect(page.locator(".budget .left")).to_have_text("2 Punkte übrig")
    expect(page.locator('.item[data-status="saved"]')).to_have_count(2)
    screenshot(page, "a11y-keyboard-points-focus")
    points = {i["id"]: i["points"] for i in
              requests_results(live_server, created)[dots["id"]]["items"]}
    assert (points[p0], points[p1]) == (2, 1)

    # Ideas: type one, Tab to the send button, Enter; then "I'm done" with Space.
    assert facilitator.call("open_round", {"round": ideas["id"]})["ok"]
    screen(page, "ideas")
    tab_to(page, "#idea-text")
    page.keyboard.type("Mehr Beratung auf Arabisch")
    tab_to(page, ".idea-form button[type=submit]", limit=3)
    page.keyboard.press("Enter")
    expect(page.locator(".idea.mine")).to_contain_text("Mehr Beratung auf Arabisch")
    tab_to(page, "[data-done-button]")
    page.keyboard.press("Space")
    expect(page.locator("[data-done]")).to_be_visible()
    facilitator.close()


# --- What changes is said to screen readers ------------------------------------------------

def live_role(page, selector: str) -> str:
    """How a screen reader hears changes inside the element: the aria-live of the nearest
    ancestor that sets one, explicitly or by its role (status: polite, alert: assertive)."""
    return page.evaluate("""s => {
        const implicit = {status: "polite", log: "polite", alert: "assertive",
                          timer: "off", marquee: "off"};
        for (let el = document.querySelector(s); el; el = el.parentElement) {
            if (el.hasAttribute("aria-live")) return el.getAttribute("aria-live");
            if (implicit[el.getAttribute("role")]) return implicit[el.getAttribute("role")];
        }
        return "none";
    }""", selector)


def test_what_changes_on_the_phone_is_announced(phone_context, live_server, screenshot):
    created = create_session(live_server, agenda=AGENDA)
    rating, dots, _ideas = created["rounds"]
    first, second = (item["id"] for item in rating["items"][:2])
    facilitator = Voter.facilitator(live_server, created)
    context = phone_context(locale="en-GB")
    page = context.new_page()
    page.goto(created["links"]["join"])
    page.locator('button[data-group="civil-society"]').click()
    screen(page, "waiting")
    # Counts every change to the status line's own children (not the timer's text).
    page.evaluate("""() => {
        window.statusChanges = 0;
        new MutationObserver(records => {
            window.statusChanges += records.filter(r => !r.target.closest(".timer")).length;
        }).observe(document.getElementById("status"),
                   {childList: true, subtree: true, characterData: true});
    }""")

    # A new round: its question is read out, politely.
    assert facilitator.call("open_round", {"round": rating["id"]})["ok"]
    screen(page, "rating")
    expect(page.locator("#announce")).to_have_text(page.locator("h1.question").inner_text())
    assert live_role(page, "#announce") == "polite"

    # Saved: the item says so, and the progress line (a polite status) counts it.
    page.locator(f'[data-item="{first}"] .opt[data-value="4"]').click()
    expect(page.locator(f'[data-item="{first}"] .item-status')).to_contain_text("Saved")
    assert live_role(page, f'[data-item="{first}"] .item-status') == "polite"
    expect(page.locator(".progress-text")).to_have_text("1 of 4 answered")
    assert live_role(page, ".progress-text") == "polite"

    # The timer is in the status line but is not read out every second; the line itself is
    # not rewritten while only the timer runs.
    assert facilitator.call("timer", {"seconds": 120})["ok"]
    timer = page.locator(".round-status .timer")
    expect(timer).to_contain_text("Time left")
    assert live_role(page, ".round-status .timer") == "off"
    shown = timer.inner_text()
    changes = page.evaluate("window.statusChanges")
    expect(timer).not_to_have_text(shown, timeout=5000)
    assert page.evaluate("window.statusChanges") == changes

    # Waiting: offline, the connection bar (a polite status) says an answer waits.
    context.set_offline(True)
    expect(page.locator("#conn")).to_be_visible()
    page.locator(f'[data-item="{second}"] .opt[data-value="2"]').click()
    expect(page.locator("#conn")).to_contain_text("1 answer waiting to be sent")
    assert live_role(page, "#conn .conn-more") == "polite"
    expect(page.locator(f'[data-item="{second}"] .item-status')).to_contain_text("Not sent yet")

    # An error (the round closed before the answer could be sent) is said at once.
    assert facilitator.call("close_round", {"round": rating["id"]})["ok"]
    context.set_offline(False)
    screen(page, "closed")
    notice = page.locator(".notice")
    expect(notice).to_contain_text("1 answer could not be saved")
    assert live_role(page, ".notice") == "assertive"
    assert page.locator('[aria-live="assertive"], [role="alert"]').count() == 1
    expect(page.locator("#announce")).to_contain_text("Voting is closed")
    screenshot(page, "a11y-announce-error")

    # Nothing that is not an error is assertive.
    assert facilitator.call("open_round", {"round": dots["id"]})["ok"]
    screen(page, "dots")
    page.locator(".notice-close").click()
    expect(page.locator(".budget .left")).to_have_text("5 points left")
    assert live_role(page, ".budget .left") == "polite"
    assert page.locator('[aria-live="assertive"], [role="alert"]').count() == 0
    facilitator.close()


# --- 320 px, 200 % zoom, reduced motion ----------------------------------------------------

# 320 CSS pixels (WCAG 1.4.10), and a 1280 px wide window at 200 % zoom: 640 CSS pixels, each
# drawn with two device pixels.
NARROW = [("320", {"viewport": {"width": 320, "height": 568}}),
          ("zoom200", {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2})]


def cut_off(page) -> list[str]:
    """What does not fit: the page wider than the window, or an element whose text is clipped
    by its own overflow (hidden, clip, ellipsis), outside tables that scroll on their own."""
    return page.evaluate("""() => {
        const found = [], root = document.documentElement;
        if (root.scrollWidth > root.clientWidth) {
            found.push(`page ${root.scrollWidth}px wide in a ${root.clientWidth}px window`);
        }
        for (const el of document.body.querySelectorAll("*")) {
            const style = getComputedStyle(el);
            if (!el.offsetParent && style.position !== "fixed") continue;
            if (el.closest(".sm-table-wrap, .visually-hidden, svg")) continue;
            const clips = ["hidden", "clip"].includes(style.overflowX);
            if (clips && el.scrollWidth > el.clientWidth + 1 && el.textContent.trim()) {
                found.push(`${el.tagName.toLowerCase()}.${el.className}: ` +
                           `${el.scrollWidth}px of text in ${el.clientWidth}px`);
            }
            // The outermost element that sticks out, not each of its children.
            const over = e => e.getBoundingClientRect().width
                && e.getBoundingClientRect().right > root.clientWidth + 1;
            const box = el.getBoundingClientRect();
            if (over(el) && !(el.parentElement && over(el.parentElement))) {
                found.push(`${el.tagName.toLowerCase()}.${el.className} ends at ` +
                           `${Math.round(box.right)}px`);
            }
        }
        return found;
    }""")


@pytest.mark.parametrize(("name", "size"), NARROW, ids=[n for n, _ in NARROW])
def test_nothing_is_cut_off_at_320_px_and_200_percent_zoom(chromium, live_server, screenshot,
                                                           name, size):
    created = create_session(live_server, agenda=AGENDA, languages=LANGUAGES)
    rating, dots, ideas = created["rounds"]
    facilitator = Voter.facilitator(live_server, created)
    context = chromium.new_context(locale="de-DE", **size)
    page = context.new_page()
    found = []

    def check(where):
        found.extend(f"{name} {where}: {problem}" for problem in cut_off(page))
        screenshot(page, f"a11y-{name}-{where.replace(' ', '-')}")

    page.goto(live_server.base + "/")
    check("start page")
    page.goto(live_server.base + "/accessibility")
    check("statement")
    page.goto(live_server.base + "/join")
    check("join page")
    page.goto(created["links"]["join"])
    screen(page, "group")
    check("phone group")
    page.locator('button[data-group="migrant-organisations"]').click()
    screen(page, "waiting")
    assert facilitator.call("open_round", {"round": rating["id"]})["ok"]
    screen(page, "rating")
    page.locator(f'[data-item="{rating["items"][0]["id"]}"] .opt[data-value="3"]').click()
    check("phone rating")
    phone = page
    page = context.new_page()  # the console beside it, with the live preview of the answers
    page.goto(created["links"]["facilitator"])
    expect(page.locator(".preview-table tr[data-item]")).to_have_count(len(rating["items"]))
    check("console rating")
    page.locator(".preview-table").screenshot(
        path=str(SCREENSHOTS / f"a11y-{name}-console-preview.png"))
    page.close()
    page = phone
    assert facilitator.call("open_round", {"round": dots["id"]})["ok"]
    screen(page, "dots")
    check("phone points")
    assert facilitator.call("open_round", {"round": ideas["id"]})["ok"]
    screen(page, "ideas")
    check("phone ideas")
    page.locator("#idea-text").fill("Ein Sprachcafé in der Stadtbibliothek, jeden Donnerstag")
    page.locator(".idea-form button[type=submit]").click()
    expect(page.locator(".idea.mine")).to_have_count(1)
    assert facilitator.call("close_round", {"round": ideas["id"]})["ok"]
    assert facilitator.call("reveal_round", {"round": ideas["id"]})["ok"]
    screen(page, "results")
    check("phone results")
    facilitator.close()

    page.goto(created["links"]["facilitator"])
    expect(page.locator("#agenda li")).to_have_count(3)
    check("console")
    page.goto(created["links"]["summary"])
    check("summary")
    context.close()
    assert found == [], "\n".join(found)


def test_reduced_motion_stops_every_animation(phone_context, live_server):
    created = create_session(live_server, agenda=AGENDA)

    def moving(page) -> list[str]:
        return page.evaluate("""() => [...document.querySelectorAll("*")].flatMap(el => {
            const s = getComputedStyle(el);
            const long = t => t.split(",").some(d => parseFloat(d) > 0);
            return (s.animationName !== "none" && long(s.animationDuration))
                   || long(s.transitionDuration)
                ? [`${el.tagName.toLowerCase()}.${el.className}: ${s.animationName} ` +
                   `${s.animationDuration}, transition ${s.transitionDuration}`] : [];
        })""")

    for motion in ("no-preference", "reduce"):
        page = phone_context(locale="de-DE", reduced_motion=motion).new_page()
        page.goto(created["links"]["join"])
        page.locator('button[data-group="administration"]').click()
        screen(page, "waiting")  # three pulsing dots
        waiting = moving(page)
        page.context.set_offline(True)
        expect(page.locator("#conn .spinner")).to_be_visible()  # a turning spinner
        offline = moving(page)
        if motion == "reduce":
            assert waiting == [] and offline == [], waiting + offline
        else:  # the check sees them when motion is welcome
            assert any("blink" in line for line in waiting), waiting
            assert any("spin" in line for line in offline), offline


def test_the_console_by_keyboard_alone(chromium, live_server, screenshot):
    created = create_session(live_server, agenda=AGENDA)
    rating = created["rounds"][0]
    context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
    page = context.new_page()
    page.goto(created["links"]["facilitator"])
    expect(page.locator("#agenda li")).to_have_count(3)

    # Open the first round from the agenda, then close and reveal it with the next-step button.
    tab_to(page, f'li[data-round="{rating["id"]}"] [data-action="open_round"]')
    ring = focus_ring(page)
    assert ring["visible"] and ring["style"] == "solid" and ring["width"] >= 3, ring
    screenshot(page, "a11y-keyboard-console-focus")
    page.keyboard.press("Enter")
    expect(page.locator(f'li[data-round="{rating["id"]}"]')).to_have_class("current")
    next_step = page.locator(".next-step")
    for step in ("close_round", "reveal_round"):
        expect(next_step).to_have_attribute("data-next", step)
        expect(next_step).to_be_enabled()
        if not page.evaluate("document.activeElement.matches('.next-step')"):
            tab_to(page, ".next-step")
        page.keyboard.press("Enter")
    expect(next_step).to_have_attribute("data-next", "open_round")
    assert requests_results(live_server, created)[rating["id"]]["revealed"] is True

    # The end, confirmed in the dialog: Escape cancels, Enter on the danger button ends.
    tab_to(page, "#end-session")
    page.keyboard.press("Enter")
    expect(page.locator("dialog#confirm")).to_be_visible()
    assert page.evaluate("document.activeElement.closest('dialog') !== null")
    page.keyboard.press("Escape")
    expect(page.locator("dialog#confirm")).to_be_hidden()
    expect(page.locator("#end-session")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("dialog#confirm")).to_be_visible()
    tab_to(page, "#confirm-ok", limit=5)
    page.keyboard.press("Enter")
    # Ending writes the backup and a PDF report per language first: seconds on a busy machine.
    expect(page.locator(".banner.ended")).to_be_visible(timeout=30_000)
    context.close()


def test_shift_tab_does_not_hide_the_focus_under_the_sticky_bars(phone_context, live_server,
                                                                  screenshot):
    created = create_session(live_server, agenda=AGENDA)
    rating = created["rounds"][0]
    facilitator = Voter.facilitator(live_server, created)
    page = phone_context(locale="de-DE", has_touch=False, is_mobile=False).new_page()
    page.goto(created["links"]["join"])
    page.locator('button[data-group="administration"]').click()
    assert facilitator.call("open_round", {"round": rating["id"]})["ok"]
    screen(page, "rating")
    last = rating["items"][-1]["id"]
    tab_to(page, f'[data-item="{last}"] .opt.cj')
    for _ in range(12):  # back up through the cards above
        page.keyboard.press("Shift+Tab")
        bars = page.evaluate("document.querySelector('.sticky').getBoundingClientRect().bottom")
        top = page.evaluate("document.activeElement.getBoundingClientRect().top")
        assert top >= bars, page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
    screenshot(page, "a11y-keyboard-shift-tab")
    facilitator.close()
