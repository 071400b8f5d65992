"""A phone that loses its connection: answers wait on the phone, are sent when it is back, and
survive a reload; an answer that can no longer be saved is said so, never dropped in silence."""

import json

from playwright.sync_api import expect

from tests.browser.helpers import Voter, create_session, results

RATING = [{"kind": "rating", "field": "health", "target": "challenges"}]
SMALL_PHONE = {"width": 320, "height": 568}  # the narrowest screens still in use


def touch_targets_too_small(page) -> list:
    """Visible buttons and links on the page smaller than 44 x 44 CSS pixels."""
    return page.evaluate("""() => [...document.querySelectorAll('button, a, textarea, input')]
        .filter(el => el.offsetParent !== null)
        .map(el => [el.textContent.trim() || el.getAttribute('aria-label'),
                    el.getBoundingClientRect()])
        .filter(([, r]) => r.width < 44 || r.height < 44)
        .map(([name, r]) => `${name}: ${Math.round(r.width)}x${Math.round(r.height)}`)""")


def test_an_offline_phone_keeps_its_answers_and_sends_them_when_back(chromium, live_server,
                                                                     screenshot):
    created = create_session(live_server, agenda=RATING)
    rating = created["rounds"][0]
    c1, c2, c3, _c4 = (item["id"] for item in rating["items"])
    facilitator = Voter.facilitator(live_server, created)
    context = chromium.new_context(viewport=SMALL_PHONE, locale="en-GB", is_mobile=True,
                                   has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(created["links"]["join"])
    # The browser speaks English, one of the session's languages: no language step.
    page.locator('button[data-group="civil-society"]').click()
    expect(page.locator("#app")).to_have_attribute("data-screen", "waiting")
    assert facilitator.call("open_round", {"round": rating["id"]})["ok"]
    expect(page.locator("#app")).to_have_attribute("data-screen", "rating")

    def card(item):
        return page.locator(f'[data-item="{item}"]')

    card(c1).locator('.opt[data-value="4"]').click()
    expect(card(c1)).to_have_attribute("data-status", "saved")
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    assert touch_targets_too_small(page) == []

    # The network goes: the phone says so quietly and keeps the next answer.
    context.set_offline(True)
    expect(page.locator("#conn")).to_be_visible()
    expect(page.locator("#conn")).to_contain_text("Reconnecting")
    card(c2).locator('.opt[data-value="2"]').click()
    expect(card(c2)).to_have_attribute("data-status", "waiting")
    expect(card(c2).locator('.opt[data-value="2"]')).to_have_attribute("aria-pressed", "true")
    expect(card(c2).locator(".item-status")).to_contain_text("Not sent yet")
    expect(page.locator("#conn")).to_contain_text("1 answer waiting to be sent")
    # One status line at a time: offline with the number waiting, no progress beside it.
    expect(page.locator(".progress-text")).to_have_count(0)
    outbox = json.loads(page.evaluate(
        f"localStorage.getItem('workshop:{created['join_code']}:outbox')"))
    assert [op["payload"] for op in outbox] == [{"round": rating["id"], "item": c2, "value": 2}]
    server_items = {i["id"]: i for i in results(live_server, created)[rating["id"]]["items"]}
    assert server_items[c2]["votes"] == 0
    screenshot(page, "phone-reconnecting")

    # Back online: the phone reconnects by itself and the waiting answer is saved.
    context.set_offline(False)
    expect(page.locator("#conn")).to_be_hidden(timeout=15000)
    expect(card(c2)).to_have_attribute("data-status", "saved", timeout=15000)
    expect(page.locator(".progress-text")).to_have_text("2 of 4 answered")
    server_items = {i["id"]: i for i in results(live_server, created)[rating["id"]]["items"]}
    assert (server_items[c1]["mean"], server_items[c2]["mean"]) == (4, 2)
    assert server_items[c2]["votes"] == 1

    # A reload: the same participant (token in localStorage), the same answers on screen.
    token = page.evaluate(f"localStorage.getItem('workshop:{created['join_code']}:token')")
    assert token
    page.reload()
    expect(page.locator("#app")).to_have_attribute("data-screen", "rating")
    expect(card(c1).locator('.opt[data-value="4"]')).to_have_attribute("aria-pressed", "true")
    expect(card(c2).locator('.opt[data-value="2"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator('.item[data-status="saved"]')).to_have_count(2)
    assert results(live_server, created)[rating["id"]]["voters"] == 1

    # Offline while the round closes: the answer cannot be saved, and the phone says so.
    context.set_offline(True)
    expect(page.locator("#conn")).to_be_visible()
    card(c3).locator('.opt[data-value="5"]').click()
    expect(card(c3)).to_have_attribute("data-status", "waiting")
    assert facilitator.call("close_round", {"round": rating["id"]})["ok"]
    context.set_offline(False)
    expect(page.locator("#app")).to_have_attribute("data-screen", "closed", timeout=15000)
    expect(page.locator(".notice")).to_contain_text(
        "1 answer could not be saved: voting had already closed.")
    server_items = {i["id"]: i for i in results(live_server, created)[rating["id"]]["items"]}
    assert server_items[c3]["votes"] == 0
    facilitator.close()
    context.close()
    assert errors == []
