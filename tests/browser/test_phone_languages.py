"""The phone in every language of the session: a phone joins in Arabic (right to left from the
server's first byte), votes on a rating and a points round, switches to Ukrainian and back and
keeps every vote; phones in Farsi, Turkish and Leichte Sprache; Arabic on a 320 px screen."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import Voter, create_session, results

LANGUAGES = ["de", "en", "ar", "fa", "uk", "ru", "tr", "de-x-ls"]
AGENDA = [{"kind": "rating", "field": "health", "target": "challenges"},
          {"kind": "dots", "field": "health", "target": "principles"},
          {"kind": "ideas", "field": "health", "moderation": "post"}]
SMALL_PHONE = {"width": 320, "height": 568}
QUESTIONS = {  # workshop/voting.py DEFAULT_QUESTIONS, as each phone should show them
    "ar": "إلى أي مدى ينطبق هذا التحدي علينا هنا؟",
    "uk": "Наскільки цей виклик стосується нас?",
}


class Phones:
    def __init__(self, chromium, created):
        self.chromium, self.created = chromium, created
        self.contexts, self.errors = [], []

    def open(self, locale: str, viewport=PHONE, query: str = ""):
        """A phone whose browser speaks `locale`; returns the page and the server's HTML."""
        context = self.chromium.new_context(viewport=viewport, locale=locale, is_mobile=True,
                                            has_touch=True)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        response = page.goto(self.created["links"]["join"] + query)
        return page, response.text()

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def phones(chromium, live_server):
    created = create_session(live_server, agenda=AGENDA, languages=LANGUAGES)
    the_phones = Phones(chromium, created)
    yield the_phones
    the_phones.close()
    assert the_phones.errors == []


def served_lang_dir(html: str) -> tuple[str, str]:
    found = re.search(r'<html lang="([^"]+)"(?: dir="([^"]+)")?>', html)
    return found.group(1), found.group(2) or "ltr"


def screen(page, name: str):
    expect(page.locator("#app")).to_have_attribute("data-screen", name)


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def switch_language(page, code: str) -> None:
    """Eight languages do not fit in the top bar: its one button opens the list."""
    page.locator("#langs [data-switch]").click()
    screen(page, "language")
    page.locator(f'button[data-language="{code}"]').click()


def test_a_phone_votes_in_arabic_switches_to_ukrainian_and_back_keeping_its_votes(
        phones, live_server, screenshot):
    created = phones.created
    rating, dots, ideas = created["rounds"]
    c = [item["id"] for item in rating["items"]]
    p = [item["id"] for item in dots["items"]]
    facilitator = Voter.facilitator(live_server, created)

    # The server sends Arabic right to left: <html lang="ar" dir="rtl"> before any script.
    ar, html = phones.open("ar")
    assert served_lang_dir(html) == ("ar", "rtl")
    screen(ar, "group")  # the browser's language is the session's: no language step
    expect(ar.locator("html")).to_have_attribute("dir", "rtl")
    expect(ar.get_by_role("heading")).to_have_text("إلى أي مجموعة تنتمون؟")
    expect(ar.locator('button[data-group="migrant-organisations"]')).to_have_text(
        "منظمات المهاجرين")
    screenshot(ar, "lang-ar-group")
    ar.locator('button[data-group="migrant-organisations"]').click()
    screen(ar, "waiting")

    # --- Rating -------------------------------------------------------------------------------
    assert facilitator.call("open_round", {"round": rating["id"]})["ok"]
    screen(ar, "rating")
    expect(ar.locator("h1.question")).to_have_text(QUESTIONS["ar"])
    chosen = {c[0]: "4", c[1]: "2", c[2]: "cant_judge"}
    for item, value in chosen.items():
        ar.locator(f'[data-item="{item}"] .opt[data-value="{value}"]').click()
        expect(ar.locator(f'[data-item="{item}"]')).to_have_attribute("data-status", "saved")
    expect(ar.locator(f'[data-item="{c[0]}"] .item-status')).to_contain_text("تم الحفظ")
    expect(ar.locator(".progress-text")).to_have_text("تمت الإجابة عن 3 من 4")
    # Right to left: the scale runs 1 to 5 from the right, its ends' labels under their
    # numbers, the progress bar fills from the right; digits stay in their order.
    card = f'[data-item="{c[3]}"]'
    one, five = box(ar, f'{card} .opt[data-value="1"]'), box(ar, f'{card} .opt[data-value="5"]')
    assert one["x"] > five["x"]
    ends = ar.locator(f"{card} .scale-ends span")
    assert ends.first.bounding_box()["x"] > ends.last.bounding_box()["x"]
    expect(ends.first).to_have_text("1 = لا ينطبق")
    bar, fill = box(ar, ".bar"), box(ar, ".bar > span")
    assert abs((bar["x"] + bar["width"]) - (fill["x"] + fill["width"])) < 1
    assert fill["width"] < bar["width"] * 0.9
    fits(ar, PHONE["width"])
    screenshot(ar, "lang-ar-rating")

    # Ukrainian, mid-round: texts, <html lang dir> and the question follow; every choice stays.
    ar.locator("#langs [data-switch]").click()
    screen(ar, "language")
    screenshot(ar, "lang-ar-languages")
    ar.locator('button[data-language="uk"]').click()
    screen(ar, "rating")
    expect(ar.locator("html")).to_have_attribute("lang", "uk")
    expect(ar.locator("html")).to_have_attribute("dir", "ltr")
    expect(ar.locator("h1.question")).to_have_text(QUESTIONS["uk"])
    expect(ar.locator(".progress-text")).to_have_text("Відповіді: 3 з 4")
    for item, value in chosen.items():
        expect(ar.locator(f'[data-item="{item}"] .opt[data-value="{value}"]')).to_have_attribute(
            "aria-pressed", "true")
    one, five = box(ar, f'{card} .opt[data-value="1"]'), box(ar, f'{card} .opt[data-value="5"]')
    assert one["x"] < five["x"]
    fits(ar, PHONE["width"])
    screenshot(ar, "lang-uk-rating")
    ar.locator(f'[data-item="{c[3]}"] .opt[data-value="5"]').click()
    expect(ar.locator(f'[data-item="{c[3]}"]')).to_have_attribute("data-status", "saved")
    chosen[c[3]] = "5"

    switch_language(ar, "ar")
    screen(ar, "rating")
    expect(ar.locator("html")).to_have_attribute("dir", "rtl")
    expect(ar.locator("h1.question")).to_have_text(QUESTIONS["ar"])
    for item, value in chosen.items():
        expect(ar.locator(f'[data-item="{item}"] .opt[data-value="{value}"]')).to_have_attribute(
            "aria-pressed", "true")
    expect(ar.locator(".progress-text")).to_contain_text("شكرًا")  # all answered

    # A reload comes back in the phone's last language from the server, votes shown again.
    html = ar.reload().text()
    assert served_lang_dir(html) == ("ar", "rtl")
    screen(ar, "rating")
    for item, value in chosen.items():
        expect(ar.locator(f'[data-item="{item}"] .opt[data-value="{value}"]')).to_have_attribute(
            "aria-pressed", "true")

    counted = {entry["id"]: entry for entry in results(live_server, created)[rating["id"]]["items"]}
    assert {item: counted[item]["votes"] for item in c} == {c[0]: 1, c[1]: 1, c[2]: 0, c[3]: 1}
    assert {item: counted[item]["mean"] for item in (c[0], c[1], c[3])} == {
        c[0]: 4, c[1]: 2, c[3]: 5}

    # The results on the Arabic phone: bars fill from the right, means in the digits 0-9.
    assert facilitator.call("close_round", {"round": rating["id"]})["ok"]
    assert facilitator.call("reveal_round", {"round": rating["id"]})["ok"]
    screen(ar, "results")
    expect(ar.locator(f'.result[data-item="{c[3]}"] .figure')).to_have_text("5.0")
    expect(ar.locator(f'.result[data-item="{c[0]}"] .figure')).to_have_text("4.0")
    track, fill = box(ar, f'.result[data-item="{c[0]}"] .track'), box(
        ar, f'.result[data-item="{c[0]}"] .fill')
    assert abs((track["x"] + track["width"]) - (fill["x"] + fill["width"])) < 1
    assert fill["width"] < track["width"]
    fits(ar, PHONE["width"])
    screenshot(ar, "lang-ar-results")

    # --- Points ---------------------------------------------------------------------------------
    assert facilitator.call("open_round", {"round": dots["id"]})["ok"]
    screen(ar, "dots")
    expect(ar.locator(".budget .left")).to_have_text("5 نقاط متبقية")  # few: 3-10
    ar.locator(f'[data-item="{p[0]}"] .step.plus').click()
    ar.locator(f'[data-item="{p[0]}"] .step.plus').click()
    ar.locator(f'[data-item="{p[1]}"] .step.plus').click()
    expect(ar.locator(".budget .left")).to_have_text("2 نقطتان متبقيتان")  # two
    expect(ar.locator('.item[data-status="sending"], .item[data-status="waiting"]')) \
        .to_have_count(0)
    # The stepper mirrors: "+" at the left (the end of the line), "−" at the right.
    plus = box(ar, f'[data-item="{p[0]}"] .step.plus')
    minus = box(ar, f'[data-item="{p[0]}"] .step.minus')
    assert plus["x"] < minus["x"]
    fits(ar, PHONE["width"])
    screenshot(ar, "lang-ar-dots")

    switch_language(ar, "uk")
    screen(ar, "dots")
    expect(ar.locator(".budget .left")).to_have_text("Залишилося 2 бали")  # few
    expect(ar.locator(f'[data-item="{p[0]}"]')).to_have_attribute("data-points", "2")
    expect(ar.locator(f'[data-item="{p[1]}"]')).to_have_attribute("data-points", "1")
    screenshot(ar, "lang-uk-dots")
    switch_language(ar, "ar")
    screen(ar, "dots")
    expect(ar.locator(f'[data-item="{p[0]}"]')).to_have_attribute("data-points", "2")
    expect(ar.locator(f'[data-item="{p[1]}"]')).to_have_attribute("data-points", "1")
    expect(ar.locator(".budget .left")).to_have_text("2 نقطتان متبقيتان")

    points = {entry["id"]: entry for entry in results(live_server, created)[dots["id"]]["items"]}
    assert {item: points[item]["points"] for item in p[:3]} == {p[0]: 2, p[1]: 1, p[2]: 0}

    # Offline, in Arabic: the line under the top bar says so, the point waits on the phone.
    phones.contexts[0].set_offline(True)
    expect(ar.locator("#conn")).to_contain_text("جارٍ إعادة الاتصال")
    ar.locator(f'[data-item="{p[3]}"] .step.plus').click()
    expect(ar.locator(f'[data-item="{p[3]}"]')).to_have_attribute("data-status", "waiting")
    expect(ar.locator("#conn")).to_contain_text("1 إجابة بانتظار الإرسال")
    screenshot(ar, "lang-ar-offline")
    phones.contexts[0].set_offline(False)
    expect(ar.locator(f'[data-item="{p[3]}"]')).to_have_attribute("data-status", "saved")
    expect(ar.locator("#conn")).to_be_hidden()


    # --- The other languages, and Arabic on the narrowest phones ---------------------------------
    for locale, query, code, group_name in [
            ("fa", "", "fa", "سازمان‌های مهاجران"), ("tr", "", "tr", "Göçmen örgütleri"),
            ("de", "?lang=de-x-ls", "de-x-ls", "Vereine von Menschen mit Migrations-Geschichte")]:
        page, html = phones.open(locale, query=query)
        assert served_lang_dir(html) == (code, "rtl" if code == "fa" else "ltr")
        # No browser asks for Leichte Sprache: the link chose it, and the phone needs no
        # language step (the German browser would have meant German).
        screen(page, "group")
        expect(page.locator('button[data-group="migrant-organisations"]')).to_have_text(group_name)
        page.locator('button[data-group="migrant-organisations"]').click()
        screen(page, "dots")
        expect(page.locator("html")).to_have_attribute("lang", code)
        page.locator(f'[data-item="{p[2]}"] .step.plus').click()
        expect(page.locator(f'[data-item="{p[2]}"]')).to_have_attribute("data-status", "saved")
        fits(page, PHONE["width"])
        screenshot(page, f"lang-{code}-dots")

    small, html = phones.open("ar", viewport=SMALL_PHONE)
    assert served_lang_dir(html) == ("ar", "rtl")
    small.locator('button[data-group="civil-society"]').click()
    screen(small, "dots")
    fits(small, SMALL_PHONE["width"])
    screenshot(small, "lang-ar-dots-320")

    # Ideas, written in Arabic and in German on Arabic phones: each reads in its direction.
    assert facilitator.call("close_round", {"round": dots["id"]})["ok"]
    assert facilitator.call("open_round", {"round": ideas["id"]})["ok"]
    for page, text in [(ar, "دورات لغة للأمهات مع رعاية للأطفال."),
                       (small, "Sprachkurse am Abend, mit Kinderbetreuung.")]:
        screen(page, "ideas")
        page.locator("#idea-text").fill(text)
        page.locator(".idea-form button[type=submit]").click()
        expect(page.locator(".ideas .idea-text", has_text=text)).to_be_visible()
    expect(small.locator(".ideas .idea")).to_have_count(2)
    german = small.locator(".ideas .idea-text", has_text="Sprachkurse")
    arabic = small.locator(".ideas .idea-text", has_text="دورات")
    expect(german).to_have_attribute("dir", "auto")
    assert german.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert arabic.evaluate("e => getComputedStyle(e).direction") == "rtl"
    fits(small, SMALL_PHONE["width"])
    screenshot(small, "lang-ar-ideas-320")
    facilitator.close()


def test_the_join_page_in_arabic_and_leichte_sprache(chromium, live_server, screenshot):
    context = chromium.new_context(viewport=SMALL_PHONE, locale="ar", is_mobile=True,
                                   has_touch=True)
    page = context.new_page()
    response = page.goto(live_server.base + "/join")
    assert served_lang_dir(response.text()) == ("ar", "rtl")
    expect(page.get_by_role("heading")).to_have_text("الانضمام إلى ورشة عمل")
    # Every phone language is offered, wrapping in the top bar; nothing sticks out.
    expect(page.locator(".phone-langs a")).to_have_count(len(LANGUAGES))
    fits(page, SMALL_PHONE["width"])
    screenshot(page, "lang-ar-join-320")
    page.locator('.phone-langs a[lang="de-x-ls"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "de-x-ls")
    expect(page.locator("html")).not_to_have_attribute("dir", "rtl")
    expect(page.get_by_role("button", name="Mitmachen")).to_be_visible()
    fits(page, SMALL_PHONE["width"])
    screenshot(page, "lang-de-x-ls-join-320")
    context.close()
