"""The organisers' summary page in Chromium: every download link, the comparison, print view."""

import csv
import io
import json
import zipfile

import pytest
import requests
import socketio

from tests.browser.conftest import LAPTOP, SCREENSHOTS

AGENDA = [
    {"kind": "rating", "field": "health", "target": "challenges"},
    {"kind": "rating", "field": "health", "target": "principles"},
    {"kind": "dots", "field": "health", "target": "principles"},
]
GROUPS = {"administration": 3, "civil-society": 3, "migrant-organisations": 2}


def client(base: str, auth: dict) -> socketio.Client:
    sio = socketio.Client(reconnection=False)
    sio.connect(base, auth=auth, transports=["websocket"], wait_timeout=10)
    return sio


def call(sio: socketio.Client, event: str, payload: dict) -> dict:
    ack = sio.call(event, payload, timeout=10)
    assert ack["ok"], ack
    return ack


def workshop(base: str, title: str, date: str, c1: int) -> dict:
    """A session with eight phones voting: health-c1 at `c1`, p5 done poorly and wanted."""
    created = requests.post(base + "/api/sessions", json={
        "title": title, "place": "Rathaus Erfurt", "date": date, "catalogue": "whole-comm",
        "languages": ["de", "en"], "agenda": AGENDA}, timeout=10).json()
    rounds = [r["id"] for r in created["rounds"]]
    boss = client(base, {"session": created["id"],
                         "facilitator_token": created["facilitator_token"]})
    phones = []
    for group, n in GROUPS.items():
        for _ in range(n):
            phone = client(base, {"join_code": created["join_code"]})
            call(phone, "join", {"group": group, "language": "de"})
            phones.append(phone)
    try:
        call(boss, "open_round", {"round": rounds[0]})
        for phone in phones:
            call(phone, "vote", {"round": rounds[0], "item": "health-c1", "value": c1})
            call(phone, "vote", {"round": rounds[0], "item": "health-c2", "value": 2})
        call(boss, "open_round", {"round": rounds[1]})
        for phone in phones:
            call(phone, "vote", {"round": rounds[1], "item": "health-p5", "value": 2})
            call(phone, "vote", {"round": rounds[1], "item": "health-p2", "value": 4})
        call(boss, "open_round", {"round": rounds[2]})
        for phone in phones:
            call(phone, "vote", {"round": rounds[2], "item": "health-p5", "value": 2})
        call(boss, "close_round", {"round": rounds[2]})
    finally:
        for sio in [boss, *phones]:
            sio.disconnect()
    return created


@pytest.fixture(scope="module")
def workshops(live_server):
    earlier = workshop(live_server.base, "Integrationswerkstatt 2025", "2025-03-15", 3)
    later = workshop(live_server.base, "Integrationswerkstatt 2026", "2026-03-14", 5)
    return earlier, later


def check_download(fmt: str, body: bytes) -> None:
    assert body, fmt
    if fmt == "pdf":
        assert body.startswith(b"%PDF-")
    elif fmt == "xlsx":
        names = zipfile.ZipFile(io.BytesIO(body)).namelist()
        assert "xl/workbook.xml" in names
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
        assert rows and {"participant", "group", "item", "value"} <= set(rows[0])
    elif fmt == "json":
        assert isinstance(json.loads(body), dict)
    elif fmt == "md":
        text = body.decode("utf-8")
        assert text.startswith("# Integrationswerkstatt 2026") and "| --- |" in text


def test_summary_page_downloads_and_comparison(chromium, live_server, workshops, screenshot):
    earlier, later = workshops
    context = chromium.new_context(viewport=LAPTOP, locale="de-DE", accept_downloads=True)
    page = context.new_page()
    # The facilitator links set this browser's cookies for both sessions.
    page.goto(earlier["links"]["facilitator"])
    page.goto(later["links"]["facilitator"])
    page.goto(later["links"]["summary"])
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", name="Integrationswerkstatt 2026").is_visible()
    # The two-person group shows no figure anywhere.
    small = page.locator('td[data-group="migrant-organisations"]')
    assert small.count() > 0
    assert set(small.all_inner_texts()) == {"zu wenige für eine Angabe"}
    assert page.locator("svg.sm-matrix").is_visible()
    assert page.locator('#act-first li[data-item="health-p5"]').is_visible()
    screenshot(page, "summary-de")
    page.screenshot(path=str(SCREENSHOTS / "summary-de-full.png"), full_page=True)

    links = page.locator("a.sm-download")
    assert links.count() == 5
    for fmt in ("pdf", "xlsx", "csv", "json", "md"):
        with page.expect_download() as info:
            page.locator(f"#download-{fmt}").click()
        download = info.value
        assert download.suggested_filename.endswith(f".{fmt}"), download.suggested_filename
        with open(download.path(), "rb") as handle:
            check_download(fmt, handle.read())

    # Compare with last year's workshop, whose facilitator link this browser has opened.
    select = page.locator('select[name="a"]')
    assert select.locator("option").all_inner_texts()[0].startswith("Integrationswerkstatt 2025")
    page.get_by_role("button", name="Vergleichen").click()
    page.wait_for_url("**/compare?*")
    row = page.locator('table.sm-compare[data-target="challenges"] tr[data-item="health-c1"]')
    assert row.locator("td").nth(1).inner_text() == "3,0"
    assert row.locator("td").nth(2).inner_text() == "5,0"
    assert row.locator("td.sm-change").inner_text() == "+2,0"
    assert row.locator('td[data-group="migrant-organisations"]').inner_text() == \
        "zu wenige für eine Angabe"
    screenshot(page, "compare-de")
    with page.expect_download() as info:
        page.locator("#download-compare-pdf").click()
    with open(info.value.path(), "rb") as handle:
        assert handle.read().startswith(b"%PDF-")
    context.close()


def test_summary_page_in_english_prints_cleanly(chromium, live_server, workshops, screenshot):
    _earlier, later = workshops
    context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
    page = context.new_page()
    page.goto(later["links"]["facilitator"])
    page.goto(later["links"]["summary"])
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Act first").is_visible()
    assert page.get_by_text("too few to show").first.is_visible()
    # Nothing pushes the page sideways at laptop width.
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    screenshot(page, "summary-en")
    page.emulate_media(media="print")
    assert not page.locator(".sm-downloads").is_visible()
    assert not page.locator(".topbar").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "summary-en-print.png"), full_page=True)
    context.close()
