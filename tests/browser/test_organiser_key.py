"""Organisers in Chromium: the start page asks once for the organiser key, and uploaded
catalogues are deleted from it."""

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP
from tests.servers import running_server
from tests.web.test_catalogues_api import custom_yaml

KEY = "schluessel-fuer-den-workshop"


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("keyed"),
                        env={"WORKSHOP_ORGANISER_KEY": KEY}) as server:
        yield server


def test_the_start_page_asks_for_the_key_once(chromium, keyed_server, screenshot):
    context = chromium.new_context(viewport=LAPTOP, locale="de-DE")
    page = context.new_page()
    page.goto(keyed_server.base + "/")
    expect(page.locator("#organiser-refusal")).to_contain_text("Schlüssel für Veranstalter")
    page.locator("input[name=title]").fill("Workshop mit Schlüssel")
    page.get_by_label("Schlüssel für Veranstalter").fill("falsch")
    page.get_by_role("button", name="Sitzung anlegen").click()
    expect(page.locator("#organiser-refusal")).to_contain_text("stimmt nicht")
    page.locator("input[name=title]").fill("Workshop mit Schlüssel")
    page.get_by_label("Schlüssel für Veranstalter").fill(KEY)
    screenshot(page, "start-organiser-key")
    page.get_by_role("button", name="Sitzung anlegen").click()
    page.wait_for_url("**/f/*")
    expect(page.get_by_role("heading", name="Workshop mit Schlüssel")).to_be_visible()

    # Remembered: the next session needs no key.
    page.goto(keyed_server.base + "/")
    expect(page.locator("#organiser-refusal")).to_have_count(0)
    expect(page.locator("input[name=organiser_key]")).to_have_count(0)
    cookie = next(c for c in context.cookies() if c["name"] == "organiser_key")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and KEY not in cookie["value"]
    context.close()


def test_an_uploaded_catalogue_is_deleted_from_the_start_page(chromium, live_server,
                                                              screenshot):
    upload = requests.post(live_server.base + "/api/catalogues",
                           data=custom_yaml("loeschbar", "Löschbarer Katalog"), timeout=10)
    assert upload.status_code == 201, upload.text
    context = chromium.new_context(viewport=LAPTOP, locale="de-DE")
    page = context.new_page()
    page.goto(live_server.base + "/")
    page.locator("#uploaded-catalogues summary").click()
    row = page.locator('#uploaded-catalogues li[data-catalogue="loeschbar"]')
    expect(row).to_contain_text("Löschbarer Katalog")
    screenshot(page, "start-uploaded-catalogues")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Löschen").click()
    expect(page.locator('li[data-catalogue="loeschbar"]')).to_have_count(0)
    expect(page.locator('#catalogue option[value="loeschbar"]')).to_have_count(0)
    assert requests.get(live_server.base + "/api/catalogues/loeschbar",
                        timeout=10).status_code == 404
    context.close()
