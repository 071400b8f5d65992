"""The organiser link: its own token, stored hashed; summary, downloads and comparison in any
browser, read-only; the console can issue a new one, which ends the old."""

from tests.factories import api_session, auth
from workshop import voting
from workshop.extensions import db
from workshop.models import WorkshopSession


def organiser_token(created) -> str:
    return created["links"]["summary"].partition("?token=")[2]


def test_the_summary_link_works_in_a_fresh_browser(app, client):
    created = api_session(client)
    browser = app.test_client()  # no facilitator cookie
    first = browser.get(created["links"]["summary"])
    assert first.status_code == 302  # the token moves into a cookie...
    assert "token=" not in first.headers["Location"]
    page = browser.get(first.headers["Location"])
    assert page.status_code == 200  # ...and the page shows
    assert created["title"] in page.get_data(as_text=True)
    download = browser.get(f"/sessions/{created['id']}/export.csv")
    assert download.status_code == 200
    assert browser.get(f"/api/sessions/{created['id']}/results").status_code == 200


def test_the_organiser_only_reads(app, client):
    created = api_session(client)
    token = organiser_token(created)
    headers = auth(token)
    sid = created["id"]
    assert client.get(f"/sessions/{sid}/export.json", headers=headers).status_code == 200
    assert client.put(f"/api/sessions/{sid}/agenda", json={"agenda": []},
                      headers=headers).status_code == 401
    assert client.delete(f"/api/sessions/{sid}", headers=headers).status_code == 401
    assert client.post(f"/api/sessions/{sid}/summary-link", headers=headers).status_code == 401
    console = app.test_client().get(f"/f/{sid}?token={token}")
    assert console.status_code == 403
    from workshop.extensions import socketio
    assert not socketio.test_client(app, auth={"session": sid,
                                               "facilitator_token": token}).is_connected()


def test_stored_only_as_a_hash(client):
    created = api_session(client)
    token = organiser_token(created)
    with db.read() as s:
        row = s.get(WorkshopSession, created["id"])
        assert row.organiser_token_hash == voting.hash_token(token)
        assert token not in repr(vars(row))


def test_a_new_link_ends_the_old(app, client):
    created = api_session(client)
    old = organiser_token(created)
    answer = client.post(f"/api/sessions/{created['id']}/summary-link",
                         headers=auth(created["facilitator_token"]))
    assert answer.status_code == 200
    new = answer.get_json()["summary"].partition("?token=")[2]
    assert new and new != old
    summary = f"/s/{created['id']}/summary"
    assert app.test_client().get(f"{summary}?token={old}").status_code == 403
    assert app.test_client().get(f"{summary}?token={new}").status_code == 302
    # The facilitator's console shows the new link.
    console = client.get(f"/f/{created['id']}", headers=auth(created["facilitator_token"]))
    assert new in console.get_data(as_text=True)
    assert console.headers["Cache-Control"] == "no-store"


def test_comparison_with_organiser_links_only(app, client):
    first = api_session(client, title="Erfurt 2025", date="2025-03-14")
    second = api_session(client, title="Erfurt 2026", date="2026-03-14")
    browser = app.test_client()
    for created in (first, second):
        browser.get(created["links"]["summary"])
    page = browser.get(f"/s/{second['id']}/summary")
    assert "Erfurt 2025" in page.get_data(as_text=True)  # offered for comparison
    compare = browser.get(f"/compare?a={first['id']}&b={second['id']}")
    assert compare.status_code == 200
    stranger = app.test_client()
    stranger.get(second["links"]["summary"])
    assert stranger.get(f"/compare?a={first['id']}&b={second['id']}").status_code == 403
