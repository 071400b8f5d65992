"""Web hardening: security headers and a CSP the pages keep, no caching of private answers,
same-origin state changes, links that leave the address bar, trusted proxies."""

import io
import re

import pytest
from sqlalchemy import func, select

from tests.factories import api_session, auth, session_spec
from tests.web.test_catalogues_api import custom_yaml
from workshop import create_app
from workshop.extensions import db
from workshop.models import Catalogue, WorkshopSession


def sessions() -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(WorkshopSession))


def pages(client) -> dict[str, str]:
    """Every kind of page, with the credential it needs, and the session behind them."""
    created = api_session(client)
    sid, token = created["id"], created["facilitator_token"]
    client.get(created["links"]["projector"])
    client.get(created["links"]["summary"])
    return {
        "start": "/", "join": "/join", "error": "/nowhere",
        "console": f"/f/{sid}", "projector": f"/p/{sid}", "summary": f"/s/{sid}/summary",
        "phone": f"/j/{created['join_code']}",
    }, created, token


def static(client):
    """A static file's answer, its file closed."""
    response = client.get("/static/js/live.js")
    response.close()
    return response


def test_every_answer_carries_the_security_headers(client):
    urls, created, token = pages(client)
    answers = [client.get(url, headers=auth(token)) for url in urls.values()]
    answers += [client.get("/healthz"), static(client),
                client.get("/api/catalogues"), client.post("/api/sessions", data="x")]
    for response in answers:
        csp = response.headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert "unsafe" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=|<style", re.IGNORECASE)


def test_pages_keep_the_policy_no_inline_script_or_style(client):
    urls, created, token = pages(client)
    for name, url in urls.items():
        html = client.get(url, headers=auth(token)).get_data(as_text=True)
        assert not INLINE_SCRIPT.search(html), name
        assert not INLINE_HANDLER.search(html), name
        assert not INLINE_STYLE.search(html), name


def test_nothing_with_a_token_or_results_is_cached(client):
    urls, created, token = pages(client)
    sid = created["id"]
    private = [client.get(url, headers=auth(token)) for name, url in urls.items()
               if name in ("console", "projector", "summary", "phone")]
    private += [client.get(f"/sessions/{sid}/export.{fmt}", headers=auth(token))
                for fmt in ("csv", "json", "md")]
    private += [client.get(f"/api/sessions/{sid}", headers=auth(token)),
                client.get(f"/api/sessions/{sid}/results", headers=auth(token)),
                client.post("/api/sessions", json=session_spec())]
    for response in private:
        assert response.status_code in (200, 201)
        assert response.headers["Cache-Control"] == "no-store"
    assert "no-store" not in static(client).headers.get("Cache-Control", "")


# --- Same origin --------------------------------------------------------------------------------

CROSS_SITE = [{"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
              {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost:8080"},
              {"Origin": "null"}]


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_cross_site_form_posts_are_refused(client, headers):
    exported = api_session(client)
    backup = client.get(f"/sessions/{exported['id']}/export.json",
                        headers=auth(exported["facilitator_token"])).data
    before = sessions()
    start = client.post("/", data={"title": "Fremd", "languages": ["de"]}, headers=headers)
    assert start.status_code == 403
    upload = client.post("/api/catalogues", data=custom_yaml(), content_type="text/plain",
                         headers=headers)
    assert upload.status_code == 403
    assert upload.get_json()["error"]["code"] == "cross_site_request"
    # A small file: a large one is spooled to a temporary file the refusal never reads.
    imported = client.post("/api/sessions/import", headers=headers,
                           data={"file": (io.BytesIO(backup[:2000]), "backup.json")})
    assert imported.status_code == 403
    # A session's cookie is no use to another site either.
    client.get(exported["links"]["facilitator"])
    agenda = client.put(f"/api/sessions/{exported['id']}/agenda", json={"agenda": []},
                        headers=headers)
    deleted = client.delete(f"/api/sessions/{exported['id']}", headers=headers)
    assert (agenda.status_code, deleted.status_code) == (403, 403)
    assert sessions() == before
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Catalogue)) == 0


@pytest.mark.parametrize("headers", [
    {"Origin": "http://localhost"}, {"Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "none"}, {}])
def test_same_origin_and_non_browser_posts_pass(client, headers):
    response = client.post("/", data={"title": "Hier", "catalogue": "whole-comm",
                                      "languages": ["de"], "groups": ["administration"]},
                           headers=headers)
    assert response.status_code == 302


def test_a_bearer_token_is_not_subject_to_the_origin_check(app, client):
    app.config["ORGANISER_KEY"] = "k"
    response = client.post("/api/sessions", json=session_spec(),
                           headers={**auth("k"), "Origin": "http://tool.example"})
    assert response.status_code == 201


# --- Links that carry a token -------------------------------------------------------------------

def test_links_set_their_cookie_and_leave_the_address_bar(app, client):
    created = api_session(client)
    sid = created["id"]
    for link, clean, cookie in [
            (created["links"]["facilitator"], f"/f/{sid}", f"facilitator_{sid}"),
            (created["links"]["projector"], f"/p/{sid}", f"projector_{sid}"),
            (created["links"]["summary"], f"/s/{sid}/summary", f"organiser_{sid}")]:
        browser = app.test_client()
        first = browser.get(link)
        assert first.status_code == 302 and first.headers["Location"] == clean
        assert "token" not in first.headers["Location"]
        kept = browser.get_cookie(cookie)
        assert kept.http_only and kept.same_site == "Lax"
        assert browser.get(clean).status_code == 200


# --- Behind a proxy -----------------------------------------------------------------------------

@pytest.fixture
def proxied_app(tmp_path):
    application = create_app({"DATA_DIR": str(tmp_path / "sessions"), "ASYNC_MODE": "threading",
                              "TESTING": True, "TRUSTED_PROXIES": 1, "LIVE_FLUSH_INTERVAL": 0})
    yield application
    db.engine.dispose()


FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "workshop.example.org",
             "X-Forwarded-For": "127.0.0.1"}


def test_behind_a_trusted_proxy_cookies_are_secure_and_links_https(proxied_app):
    client = proxied_app.test_client()
    created = client.post("/api/sessions", json=session_spec(), headers=FORWARDED).get_json()
    assert created["links"]["join"].startswith("https://workshop.example.org/j/")
    signed_in = proxied_app.test_client().get(
        created["links"]["facilitator"].replace("https://workshop.example.org", ""),
        headers=FORWARDED)
    cookie = signed_in.headers["Set-Cookie"]
    assert cookie.startswith(f"facilitator_{created['id']}=") and "; Secure" in cookie
    assert signed_in.headers["Location"] == f"/f/{created['id']}"
    # Without the proxy's word for https the same link sets no Secure cookie.
    plain = proxied_app.test_client().get(
        created["links"]["facilitator"].replace("https://workshop.example.org", ""))
    assert "Secure" not in plain.headers["Set-Cookie"]
    # Same origin is the address the browser saw: the proxy's.
    assert client.post("/", data={"title": "x", "languages": ["de"]}, headers={
        **FORWARDED, "Origin": "https://workshop.example.org"}).status_code != 403


def test_behind_a_proxy_the_client_address_decides_who_may_create(proxied_app):
    client = proxied_app.test_client()
    # nginx on the same machine connects from 127.0.0.1; the client is on the wifi.
    response = client.post("/api/sessions", json=session_spec(),
                           headers={**FORWARDED, "X-Forwarded-For": "192.168.1.5"})
    assert response.status_code == 403


def test_without_trusted_proxies_forwarded_headers_are_ignored(client):
    created = client.post("/api/sessions", json=session_spec(), headers=FORWARDED).get_json()
    assert created["links"]["join"].startswith("http://localhost/j/")
