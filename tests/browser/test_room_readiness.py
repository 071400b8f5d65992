"""A workshop as a facilitator runs it in a real room: the agenda shaped in the console (items
trimmed, an ideas round added and moved), six phones, ideas that wait for approval, a skipped
round, honest progress, "I'm done", the end with its files, and the organisers' link."""

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, PROJECTOR
from tests.browser.helpers import Voter, create_session

CONSOLE = {"width": 1440, "height": 900}
GROUPS = ["administration", "civil-society", "migrant-organisations"]


class Browsers:
    """The pages of one test; collects script errors from all of them."""

    def __init__(self, chromium):
        self.chromium = chromium
        self.contexts = []
        self.errors: list[str] = []

    def open(self, url: str, **context_args):
        context = self.chromium.new_context(**context_args)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        page.goto(url)
        return page

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsers(chromium):
    opened = Browsers(chromium)
    yield opened
    opened.close()
    assert opened.errors == []


def screen(page, name, selector="#app"):
    expect(page.locator(selector)).to_have_attribute("data-screen", name)


def agenda_of(server, created):
    answer = requests.get(f"{server.base}/api/sessions/{created['id']}",
                          headers={"Authorization": f"Bearer {created['facilitator_token']}"},
                          timeout=10)
    return answer.json()["rounds"]


def test_a_custom_agenda_run_with_six_phones(browsers, live_server, screenshot):
    created = create_session(live_server, agenda=[
        {"kind": "rating", "field": "governance", "target": "challenges"}])
    console = browsers.open(created["links"]["facilitator"], viewport=CONSOLE, locale="de-DE")
    projector = browsers.open(created["links"]["projector"], viewport=PROJECTOR,
                              locale="de-DE")
    expect(console.locator("#agenda li[data-round]")).to_have_count(1)

    # --- The facilitator shapes the agenda in the console -------------------------------------
    console.locator("#edit-agenda").click()
    editor = console.locator("#agenda-editor")
    editor.locator("[data-preset-field]").select_option("health")
    editor.locator('[data-preset="field"]').click()
    rounds = editor.locator(".ae-round")
    expect(rounds).to_have_count(3)  # health: rate challenges, rate principles, points
    first = rounds.nth(0)
    first.locator("details.ae-settings > summary").click()
    first.locator("details.ae-items > summary").click()
    first.locator('input[data-item="health-c2"]').uncheck()
    first.locator('input[data-item="health-c4"]').uncheck()
    expect(first.locator("details.ae-items > summary")).to_have_text("Aussagen: 2 von 4")
    first.locator('[data-question="de"]').fill("Wie sehr trifft das in Erfurt zu?")
    editor.locator('[data-add="ideas"]').click()
    expect(rounds).to_have_count(4)
    rounds.nth(3).locator('[data-move="up"]').click()
    rounds.nth(2).locator('[data-move="up"]').click()  # the ideas round is second now
    # The points round: 3 points, at most 1 per principle.
    dots = rounds.nth(3)
    dots.locator("details.ae-settings > summary").click()
    dots.locator('[data-input="budget"]').fill("3")
    dots.locator('[data-input="budget"]').dispatch_event("change")
    dots.locator('[data-input="max_per_item"]').fill("1")
    dots.locator('[data-input="max_per_item"]').dispatch_event("change")
    screenshot(console, "console-agenda-editor")
    console.locator("#editor-save").click()
    expect(console.locator("#agenda-editor")).to_be_hidden()
    saved = agenda_of(live_server, created)
    assert [(r["kind"], r["target"]) for r in saved] == [
        ("rating", "challenges"), ("ideas", "ideas"), ("rating", "principles"),
        ("dots", "principles")]
    assert [i["id"] for i in saved[0]["items"]] == ["health-c1", "health-c3"]
    assert saved[0]["questions"]["de"] == "Wie sehr trifft das in Erfurt zu?"
    assert saved[1]["moderation"] == "pre"
    assert (saved[3]["budget"], saved[3]["max_per_item"]) == (3, 1)
    expect(console.locator("#agenda li[data-round]")).to_have_count(4)
    rating, ideas, principles, points = saved

    # --- Six phones join, two per group, in German and English --------------------------------
    phones = []
    for n in range(6):
        locale = "de-DE" if n % 2 == 0 else "en-GB"
        page = browsers.open(created["links"]["join"], viewport=PHONE, locale=locale,
                             is_mobile=True, has_touch=True)
        screen(page, "group")  # the browser's language is the session's: no language step
        page.locator(f'button[data-group="{GROUPS[n // 2]}"]').click()
        screen(page, "waiting")
        phones.append(page)

    # --- Round 1: the trimmed challenges, with the reworded question -------------------------
    console.locator(".next-step").click()
    for page in phones:
        screen(page, "rating")
    expect(phones[0].locator("h1.question")).to_have_text("Wie sehr trifft das in Erfurt zu?")
    expect(phones[0].locator(".item")).to_have_count(2)
    expect(projector.locator("#stage")).to_contain_text("Wie sehr trifft das in Erfurt zu?")
    for n, page in enumerate(phones):
        page.locator('[data-item="health-c1"] .opt[data-value="4"]').click()
        if n < 4:  # four finish, two have started
            page.locator('[data-item="health-c3"] .opt[data-value="2"]').click()
    for n, page in enumerate(phones[:4]):
        expect(page.locator(".progress-text")).to_contain_text(
            "Alles beantwortet" if n % 2 == 0 else "All answered")
    finished = console.locator('.participation [data-group="total"] .finished')
    expect(finished).to_have_text("4")
    expect(console.locator('.participation [data-group="total"] .started')).to_have_text("6")
    expect(console.locator("#finished-line")).to_have_text(
        "4 von 6 Anwesenden sind fertig.")
    # A timer runs for the round and stops with it.
    console.locator('[data-minutes="1"]').click()
    expect(phones[1].locator(".round-status .timer")).to_contain_text("Time left")
    console.locator(".next-step").click()  # close
    expect(phones[1].locator(".round-status .timer")).to_have_count(0)
    expect(console.locator(".timer-box .clock")).to_have_text("Kein Timer läuft.")
    console.locator(".next-step").click()  # show results

    # --- Round 2: ideas wait for approval -----------------------------------------------------
    console.locator(".next-step").click()
    for page in phones:
        screen(page, "ideas")
    secret, second = "Dolmetschpool für Arztpraxen", "Sprechstunde im Stadtteilzentrum"
    phones[0].locator("#idea-text").fill(secret)
    phones[0].locator(".idea-form button[type=submit]").click()
    phones[3].locator("#idea-text").fill(second)
    phones[3].locator(".idea-form button[type=submit]").click()
    mine = phones[0].locator(".idea.mine")
    expect(mine).to_have_attribute("data-moderation", "waiting")
    expect(mine.locator(".tag")).to_have_text("Ihre Idee · wartet auf Freigabe")
    queue = console.locator('.moderation[data-list="waiting"] li')
    expect(queue).to_have_count(2)
    # The queue is in sight on a 1440x900 console without scrolling.
    console.evaluate("window.scrollTo(0, 0)")
    box = queue.first.bounding_box()
    assert box["y"] + box["height"] <= CONSOLE["height"], box
    screenshot(console, "console-idea-queue")
    # No idea text reached the projector or another phone before approval.
    for page in (projector, *phones[1:3], *phones[4:]):
        text = page.locator("body").inner_text()
        assert secret not in text and second not in text
    assert secret not in phones[3].locator("body").inner_text()
    screenshot(phones[0], "phone-idea-waiting")
    approve = console.locator(f'.moderation li:has-text("{secret}") '
                              '[data-action="approve_idea"]')
    approve.click()
    expect(projector.locator("#stage")).to_contain_text(secret)
    expect(phones[5].locator(".idea")).to_contain_text([secret])
    expect(mine).to_have_attribute("data-moderation", "shown")
    assert second not in projector.locator("body").inner_text()
    # "I'm done" counts in an ideas round.
    phones[5].locator("[data-done-button]").click()
    expect(phones[5].locator(".done-note")).to_be_visible()
    expect(finished).to_have_text("1")
    console.locator(".next-step").click()  # close
    console.locator(".next-step").click()  # show results

    # --- Skipping round 3 asks once ----------------------------------------------------------
    console.locator(f'li[data-round="{points["id"]}"] [data-action="open_round"]').click()
    dialog = console.locator("dialog#confirm")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Runde 3 wurde noch nicht geöffnet")
    console.locator("#confirm-ok").click()
    for page in phones:
        screen(page, "dots")
    expect(projector.locator("#wall")).to_have_attribute("data-round", str(points["id"]))
    # Keeping points back: "done" says so; spending all is done by itself.
    phones[0].locator(f'[data-item="{points["items"][0]["id"]}"] .step.plus').click()
    phones[0].locator("[data-done-button]").click()
    for item in points["items"][:3]:
        phones[1].locator(f'[data-item="{item["id"]}"] .step.plus').click()
    expect(phones[1].locator("[data-done-button]")).to_be_hidden()
    expect(finished).to_have_text("2")
    console.locator(".next-step").click()  # close
    console.locator(".next-step").click()  # show results
    # The skipped round is proposed next, and opens without asking again.
    next_step = console.locator(".next-step")
    expect(next_step).to_have_attribute("data-round", str(principles["id"]))
    next_step.click()
    expect(dialog).to_be_hidden()
    for page in phones:
        screen(page, "rating")
    console.locator(".next-step").click()  # close
    console.locator(".next-step").click()  # show results

    # --- After the last round the console proposes the end -----------------------------------
    expect(next_step).to_have_attribute("data-next", "end_session")
    next_step.click()
    expect(dialog).to_be_visible()
    console.locator("#confirm-ok").click()
    expect(console.locator(".banner.ended")).to_be_visible()
    expect(console.locator("#ended-summary")).to_have_attribute(
        "href", f"/s/{created['id']}/summary")
    expect(console.locator(".downloads a")).to_have_count(5)
    expect(console.locator("#saved-folder")).to_contain_text(created["id"])
    expect(console.locator("#saved-files li")).to_have_count(3, timeout=30000)  # JSON, 2 PDFs
    screenshot(console, "console-ended")
    for page in phones:
        screen(page, "ended")
    # The projector keeps no way to join: no code, no QR code, no address.
    screen(projector, "ended", "#wall")
    wall = projector.locator("body").inner_text()
    assert created["join_code"] not in wall and "/join" not in wall
    expect(projector.locator("svg")).to_have_count(0)
    screenshot(projector, "projector-ended")
    projector.reload()
    screen(projector, "ended", "#wall")
    assert created["join_code"] not in projector.locator("body").inner_text()
    # A phone that comes back sees the end and no button to join.
    back = browsers.open(created["links"]["join"], viewport=PHONE, locale="de-DE")
    expect(back.locator("#ended")).to_be_visible()
    expect(back.locator("button, form")).to_have_count(0)

    # --- The organisers' link works in any browser, read-only --------------------------------
    organiser = browsers.open(created["links"]["summary"], viewport=CONSOLE, locale="de-DE")
    expect(organiser).to_have_url(re.compile(rf"/s/{created['id']}/summary$"))
    expect(organiser.locator("h1")).to_have_text(created["title"])
    with organiser.expect_download() as download:
        organiser.locator("#download-csv").click()
    assert download.value.suggested_filename.endswith(".csv")
    organiser.goto(f"{live_server.base}/f/{created['id']}")
    expect(organiser.locator("h1")).not_to_have_text(created["title"])  # no console for it


def test_the_start_page_builds_the_agenda_and_speaks_german(browsers, live_server,
                                                            screenshot):
    page = browsers.open(live_server.base + "/", viewport=CONSOLE, locale="de-DE")
    page.locator("input[name=title]").fill("   ")  # passes the browser, not the server
    page.locator("[data-preset-field]").select_option("housing")
    page.locator('[data-preset="field"]').click()
    page.locator('[data-add="ideas"]').click()
    rounds = page.locator(".ae-round")
    expect(rounds).to_have_count(4)
    rounds.nth(3).locator('[data-move="up"]').click()
    page.locator("form.stack > button[type=submit]").click()
    problems = page.locator(".problems[role=alert]").first
    expect(problems).to_contain_text("Titel: muss angegeben werden: 1 bis 200 Zeichen")
    assert "required" not in problems.inner_text()
    # The agenda came back as it was sent.
    expect(page.locator(".ae-round")).to_have_count(4)
    expect(page.locator(".ae-round").nth(2).locator(".kind")).to_have_text("Ideen")
    screenshot(page, "start-refused")
    page.locator("input[name=title]").fill("Wohnwerkstatt")
    page.locator("form.stack > button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/f/[0-9a-f]+$"))
    items = page.locator("#agenda li[data-round]")
    expect(items).to_have_count(4)
    expect(items.nth(2).locator(".kind")).to_have_text("Ideen")
    expect(items.nth(0)).to_contain_text("Wohnen und Stadtplanung")


def test_a_phone_in_a_session_with_every_language(browsers, live_server, screenshot):
    languages = ["de", "en", "ar", "fa", "uk", "ru", "tr", "de-x-ls"]
    created = create_session(live_server, languages=languages, agenda=[
        {"kind": "rating", "field": "health", "target": "challenges"}])
    rating = created["rounds"][0]
    facilitator = Voter.facilitator(live_server, created)
    phone = browsers.open(created["links"]["join"], viewport=PHONE, locale="fr-FR",
                          is_mobile=True, has_touch=True)
    screen(phone, "language")  # French is not among them: the phone asks
    names = phone.locator("button[data-language]").all_inner_texts()
    assert names == ["Deutsch", "English", "العربية", "فارسی / دری", "Українська", "Русский",
                     "Türkçe", "Leichte Sprache"]
    phone.locator('button[data-language="ar"]').click()
    phone.locator('button[data-group="civil-society"]').click()
    assert facilitator.call("open_round", {"round": rating["id"]})["ok"]
    screen(phone, "rating")
    expect(phone.locator("h1.question")).to_have_text("إلى أي مدى ينطبق هذا التحدي علينا هنا؟")
    first = rating["items"][0]["id"]
    phone.locator(f'[data-item="{first}"] .opt[data-value="3"]').click()
    expect(phone.locator(f'[data-item="{first}"]')).to_have_attribute("data-status", "saved")
    # Eight languages do not fit beside the title: one switch opens the list.
    switch = phone.locator("#langs button")
    expect(switch).to_have_count(1)
    expect(switch).to_have_text("AR ▾")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "phone-arabic")
    switch.click()
    screen(phone, "language")
    phone.locator('button[data-language="tr"]').click()
    screen(phone, "rating")
    expect(phone.locator("h1.question")).to_have_text("Bu zorluk bizim için ne kadar geçerli?")
    expect(phone.locator(f'[data-item="{first}"] .opt[data-value="3"]')).to_have_attribute(
        "aria-pressed", "true")  # the vote is kept across languages
    facilitator.close()
