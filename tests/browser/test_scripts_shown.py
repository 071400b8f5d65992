"""Ideas in Arabic, Farsi, Russian, Ukrainian and Turkish on the projector, the console and a
phone: each in its own direction (right to left for Arabic and Farsi, isolated from the text
around it), the Arabic letters in the bundled Noto Sans Arabic, which the server serves.

Screenshots (tests/browser/screenshots/scripts-*.png) to look at: the letters joined, the
Arabic and Farsi ideas right-aligned and read from right to left.
"""

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP, PHONE, PROJECTOR
from tests.browser.helpers import Voter, create_session

IDEAS = {
    "ar": "دورات لغة مسائية للأمهات العاملات مع رعاية الأطفال (عبر WhatsApp) ٣ مرات",
    "fa": "کلاس‌های زبان برای پدر و مادرها، با مهدکودک رایگان؛ برای ۱۲ نفر؟",
    "ru": "Больше вечерних курсов немецкого языка для родителей",
    "uk": "Більше консультацій українською: ґанок, їжа, Євген",
    "tr": "Akşamları ebeveynler için daha fazla Almanca kursu: ığüşöçİĞ",
}
RTL = {"ar", "fa"}


@pytest.fixture
def workshop(chromium, live_server):
    created = create_session(live_server, agenda=[
        {"kind": "ideas", "field": "health", "moderation": "post"}])
    ideas = created["rounds"][0]["id"]
    facilitator = Voter.facilitator(live_server, created)
    assert facilitator.call("open_round", {"round": ideas})["ok"]
    voters = []
    for text in IDEAS.values():
        voter = Voter.participant(live_server, created, "civil-society")
        ack = voter.call("idea", {"round": ideas, "text": text})
        assert ack["ok"], ack
        voters.append(voter)
    contexts = []
    errors: list[str] = []

    def open_page(url, **kwargs):
        context = chromium.new_context(**kwargs)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url)
        return page

    yield created, open_page
    for context in contexts:
        context.close()
    for voter in [facilitator, *voters]:
        voter.close()
    assert errors == []


def directions(page, selector: str) -> dict[str, str]:
    """language of the idea -> the direction the browser gave the element showing it."""
    shown = page.eval_on_selector_all(selector, """els => els.map(e => [e.textContent.trim(),
        getComputedStyle(e).direction, getComputedStyle(e).unicodeBidi])""")
    out = {}
    for text, direction, bidi in shown:
        language = next((k for k, v in IDEAS.items() if v == text), None)
        if language:
            assert bidi in ("isolate", "plaintext"), (text, bidi)  # no leak into its neighbours
            out[language] = direction
    return out


def expected_directions() -> dict[str, str]:
    return {k: "rtl" if k in RTL else "ltr" for k in IDEAS}


def arabic_font_used(page) -> bool:
    """Whether the page loaded the bundled Arabic font (it does so only for Arabic letters)."""
    return page.evaluate("""() => document.fonts.ready.then(() => [...document.fonts].some(
        f => f.family.replace(/"/g, "") === "Workshop Arabic" && f.status === "loaded"))""")


def test_ideas_in_every_script_on_projector_console_and_phone(workshop, live_server,
                                                              screenshot):
    created, open_page = workshop
    projector = open_page(created["links"]["projector"], viewport=PROJECTOR, locale="de-DE")
    expect(projector.locator(".idea-card")).to_have_count(len(IDEAS))
    assert directions(projector, ".idea-card .idea-text") == expected_directions()
    assert arabic_font_used(projector)
    screenshot(projector, "scripts-projector")

    console = open_page(created["links"]["facilitator"], viewport=LAPTOP, locale="de-DE")
    expect(console.locator(".moderation .idea-text")).to_have_count(len(IDEAS))
    assert directions(console, ".moderation .idea-text") == expected_directions()
    console.locator(".moderation").first.scroll_into_view_if_needed()
    screenshot(console, "scripts-console")

    phone = open_page(created["links"]["join"], viewport=PHONE, locale="de-DE",
                      is_mobile=True, has_touch=True)
    phone.locator('button[data-group="administration"]').click()
    expect(phone.locator(".idea[data-idea] .idea-text")).to_have_count(len(IDEAS))
    assert directions(phone, ".idea .idea-text") == expected_directions()
    assert arabic_font_used(phone)
    phone.locator(".idea[data-idea]").first.scroll_into_view_if_needed()
    screenshot(phone, "scripts-phone")


def test_the_arabic_font_is_served_from_the_server(live_server):
    css = requests.get(live_server.base + "/static/css/app.css", timeout=10).text
    assert '"Workshop Arabic"' in css and "unicode-range" in css
    for weight in ("Regular", "Bold"):
        response = requests.get(f"{live_server.base}/static/fonts/NotoSansArabic-{weight}.woff2",
                                timeout=10)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "font/woff2"
        assert response.content[:4] == b"wOF2"
