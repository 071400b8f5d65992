"""The facilitator creates a session in Chromium and sees the links; projector and phone pages."""

import requests
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP, PHONE, PROJECTOR


def test_create_session_in_german_and_open_every_link(chromium, live_server, screenshot):
    context = chromium.new_context(viewport=LAPTOP, locale="de-DE")
    page = context.new_page()
    page.goto(live_server.base + "/")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", name="Neue Workshop-Sitzung").is_visible()
    page.locator("input[name=title]").fill("Integrationsworkshop Rathaus")
    page.get_by_label("Ort", exact=True).fill("Erfurt")
    page.get_by_label("Datum", exact=True).fill("2026-03-14")
    page.get_by_label("Politik", exact=True).check()
    screenshot(page, "start-de")
    page.get_by_role("button", name="Sitzung anlegen").click()

    page.wait_for_url("**/f/*")
    assert page.get_by_role("heading", name="Integrationsworkshop Rathaus").is_visible()
    expect(page.locator(".agenda li[data-round]")).to_have_count(15)  # drawn by the script
    assert page.get_by_text("Politik").first.is_visible()
    code = page.locator(".links .code").inner_text()
    assert len(code) == 6
    assert page.locator(".qr svg").is_visible()
    screenshot(page, "console-de")

    links = {name: page.locator(f"#link-{name}").get_attribute("href")
             for name in ("facilitator", "projector", "join", "summary")}
    session_id = page.url.rsplit("/", 1)[1]
    token = links["facilitator"].split("token=", 1)[1]
    state = requests.get(f"{live_server.base}/api/sessions/{session_id}",
                         headers={"Authorization": f"Bearer {token}"}).json()
    assert state["title"] == "Integrationsworkshop Rathaus"
    assert [g["id"] for g in state["groups"]][-1] == "politics"
    assert state["join_code"] == code

    projector = chromium.new_context(viewport=PROJECTOR, locale="de-DE").new_page()
    projector.goto(links["projector"])
    assert projector.locator(".join-code").inner_text() == code
    assert projector.locator(".joinbox svg").is_visible()
    # Everything fits on the wall: no scrolling at 1920x1080.
    assert projector.evaluate("document.documentElement.scrollHeight") <= 1080
    screenshot(projector, "projector")

    phone = chromium.new_context(viewport=PHONE, locale="en-GB", is_mobile=True,
                                 has_touch=True).new_page()
    phone.goto(live_server.base + "/join")
    assert phone.locator("html").get_attribute("lang") == "en"
    phone.get_by_label("Code from the projector").fill(code.lower())
    screenshot(phone, "phone-join-en")
    phone.get_by_role("button", name="Join").click()
    phone.wait_for_url(f"**/j/{code}")
    expect(phone.locator(".phone-title")).to_have_text("Integrationsworkshop Rathaus")
    # An English browser in a German and English session skips the language step.
    expect(phone.get_by_role("heading", name="Which group do you belong to?")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "phone-session-en")
    context.close()


def test_start_page_in_english_shows_problems(chromium, live_server, screenshot):
    page = chromium.new_context(viewport=LAPTOP, locale="en-GB").new_page()
    page.goto(live_server.base + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("input[name=title]").fill("Workshop")
    for name in ("Administration", "Civil society", "Migrant organisations"):
        page.get_by_label(name, exact=True).uncheck()
    page.get_by_role("button", name="Create session").click()
    assert page.get_by_role("alert").is_visible()
    assert "Stakeholder groups: must be a list of 1 to 12 groups" in page.get_by_role(
        "alert").inner_text()
    screenshot(page, "start-en-problem")
