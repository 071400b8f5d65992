"""Pages that open while the server cannot read its data (PostgreSQL away, every connect
refused `storage_unavailable`): the phone and the projector say they are connecting, try
again by themselves (Live.retryRefused) and work once storage is back, without a reload."""

import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, PROJECTOR
from tests.browser.helpers import Voter, create_session, results
from tests.proxy import proxied_postgres
from tests.servers import running_server

RATING = [{"kind": "rating", "field": "health", "target": "challenges"}]
REFUSED = "connect: storage unavailable"  # the server's log line for each refused connect


@pytest.fixture
def storage(postgres_schema_url):
    """PostgreSQL behind a proxy that the test can cut."""
    with proxied_postgres(postgres_schema_url, "workshop-browser") as proxy:
        yield proxy


@pytest.fixture
def server(storage, tmp_path):
    with running_server(tmp_path, storage.url) as srv:
        yield srv


def open_rendered(context, url: str, rendered):
    """Open url with the page the server rendered before (as a phone restores a tab it had
    loaded): only the socket's connect meets the server as it is now."""
    page = context.new_page()
    page.route(url, lambda route: route.fulfill(response=rendered))
    page.goto(url)
    page.evaluate("window.openedOnce = true")  # gone if the page were loaded again
    return page


def refusals(server) -> int:
    return server.log.read_text().count(REFUSED)


def test_pages_opened_while_storage_refuses_connect_by_themselves_once_it_is_back(
        chromium, storage, server, screenshot):
    created = create_session(server, agenda=RATING)
    rating = created["rounds"][0]
    item = rating["items"][0]["id"]
    phone_context = chromium.new_context(viewport=PHONE, locale="de-DE", is_mobile=True,
                                         has_touch=True)
    projector_context = chromium.new_context(viewport=PROJECTOR, locale="de-DE")
    errors: list[str] = []
    join, wall = created["links"]["join"], created["links"]["projector"]
    german = {"Accept-Language": "de-DE,de;q=0.9"}  # as the browsers ask (no language step)
    rendered = {join: phone_context.request.get(join, headers=german),
                wall: projector_context.request.get(wall, headers=german)}
    assert [r.status for r in rendered.values()] == [200, 200]

    storage.down()  # PostgreSQL restarts: connections cut, new ones refused
    down_at = time.monotonic()
    phone = open_rendered(phone_context, join, rendered[join])
    projector = open_rendered(projector_context, wall, rendered[wall])
    for page in (phone, projector):
        page.on("pageerror", lambda exc: errors.append(str(exc)))

    # Waiting: the phone says it is connecting, and the projector that it cannot connect yet.
    expect(phone.locator("#app")).to_have_attribute("data-screen", "connecting")
    expect(phone.locator("#app")).to_contain_text("Verbindung wird hergestellt")
    expect(phone.locator("#conn")).to_be_visible(timeout=5000)
    expect(projector.locator("#conn")).to_be_visible()
    expect(projector.locator("#wall")).to_have_attribute("data-screen", "waiting")
    # Refused more than once per page: each tries again by itself while storage is away.
    deadline = time.monotonic() + 15
    while refusals(server) < 4 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert refusals(server) >= 4, server.log.read_text()
    screenshot(phone, "phone-storage-refused")
    screenshot(projector, "projector-storage-refused")
    refused = refusals(server)
    waited = time.monotonic() - down_at

    storage.up()
    back_at = time.monotonic()
    expect(phone.locator("#app")).to_have_attribute("data-screen", "group", timeout=10000)
    expect(phone.locator("#conn")).to_be_hidden()
    expect(projector.locator("#conn")).to_be_hidden(timeout=10000)
    reconnected = time.monotonic() - back_at

    # And they work: the phone joins and votes, the projector follows the round.
    facilitator = Voter.facilitator(server, created)
    phone.locator('button[data-group="civil-society"]').click()
    expect(phone.locator("#app")).to_have_attribute("data-screen", "waiting")
    assert facilitator.call("open_round", {"round": rating["id"]})["ok"]
    expect(projector.locator("#wall")).to_have_attribute("data-screen", "open")
    expect(phone.locator("#app")).to_have_attribute("data-screen", "rating")
    phone.locator(f'[data-item="{item}"] .opt[data-value="4"]').click()
    expect(phone.locator(f'[data-item="{item}"]')).to_have_attribute("data-status", "saved")
    expect(projector.locator(".turnout")).to_have_attribute("data-started", "1")
    items = {i["id"]: i for i in results(server, created)[rating["id"]]["items"]}
    assert (items[item]["votes"], items[item]["mean"]) == (1, 4)
    assert [page.evaluate("window.openedOnce === true") for page in (phone, projector)] == \
        [True, True]
    assert errors == []
    print(f"\n[storage refused] refused_connects {refused} in {waited:.1f} s, "
          f"connected_after_storage_back {reconnected:.1f} s")
    facilitator.close()
    phone_context.close()
    projector_context.close()
