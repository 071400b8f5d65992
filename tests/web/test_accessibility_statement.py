"""The accessibility statement: its page in German and English, the feedback contact and the
enforcement body from the settings, and the link to it on every kind of page."""

import pytest

from tests.factories import api_session
from workshop import create_app
from workshop.extensions import db
from workshop.views.about import contact_link


@pytest.mark.parametrize(("value", "link"), [
    ("barrierefreiheit@erfurt.example", {"href": "mailto:barrierefreiheit@erfurt.example",
                                         "text": "barrierefreiheit@erfurt.example"}),
    ("  https://erfurt.example/barrieren ", {"href": "https://erfurt.example/barrieren",
                                              "text": "https://erfurt.example/barrieren"}),
    ("Telefon 0361 655-0", {"href": None, "text": "Telefon 0361 655-0"}),
    # Only e-mail and web addresses become links: no script can hide in the setting.
    ("javascript:alert(1)", {"href": None, "text": "javascript:alert(1)"}),
    ("a@b.example <script>", {"href": None, "text": "a@b.example <script>"}),
    ("", None),
    ("   ", None),
])
def test_contact_link(value, link):
    assert contact_link(value) == link


@pytest.fixture
def configured(tmp_path):
    def make(**settings):
        return create_app({"DATA_DIR": str(tmp_path / "sessions"), "ASYNC_MODE": "threading",
                           "TESTING": True, **settings}).test_client()
    yield make
    db.engine.dispose()


def test_the_statement_in_german_without_settings(configured):
    body = configured().get("/accessibility?lang=de").get_data(as_text=True)
    assert '<html lang="de">' in body
    for heading in ("Erklärung zur Barrierefreiheit", "Stand der Vereinbarkeit mit den "
                    "Anforderungen", "Nicht barrierefreie Inhalte", "Erstellung dieser Erklärung",
                    "Feedback und Kontakt", "Durchsetzungsverfahren"):
        assert heading in body
    assert "teilweise mit der BITV 2.0 vereinbar" in body
    assert "4. Dezember 2026" in body  # the date of the last review, in words
    # No contact set: the page says so instead of naming nobody in silence.
    assert 'data-missing="true"' in body and "WORKSHOP_ACCESSIBILITY_CONTACT" in body
    assert "Schlichtungsstelle nach § 16 des Behindertengleichstellungsgesetzes" in body
    assert "Mauerstraße 53, 10117 Berlin" in body


def test_the_statement_in_english_with_settings(configured):
    client = configured(ACCESSIBILITY_CONTACT="barrierefreiheit@erfurt.example",
                        ACCESSIBILITY_ENFORCEMENT="https://thueringen.example/durchsetzung")
    body = client.get("/accessibility?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in body and "Accessibility statement" in body
    assert ('<a href="mailto:barrierefreiheit@erfurt.example">barrierefreiheit@erfurt.example'
            '</a>') in body
    assert '<a href="https://thueringen.example/durchsetzung">' in body
    assert "Mauerstraße" not in body  # the operator's own body instead of the federal one
    assert "data-missing" not in body


def test_the_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_ACCESSIBILITY_CONTACT", "Rathaus Erfurt, Fischmarkt 1")
    app = create_app({"DATA_DIR": str(tmp_path / "sessions"), "ASYNC_MODE": "threading",
                      "TESTING": True})
    body = app.test_client().get("/accessibility?lang=de").get_data(as_text=True)
    db.engine.dispose()
    assert "<strong>Kontakt:</strong> Rathaus Erfurt, Fischmarkt 1" in body


def test_every_kind_of_page_links_to_the_statement(client):
    created = api_session(client)
    links = created["links"]
    pages = ["/", "/join", "/j/NOSUCH", "/no/such/page", "/accessibility",
             f"/j/{created['join_code']}", links["facilitator"], links["projector"],
             links["summary"]]
    for url in pages:
        body = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert '<footer class="site-footer">' in body, url
        assert 'href="/accessibility"' in body, url


def test_the_footer_link_says_which_language_its_words_are_in(client):
    code = api_session(client, languages=["de", "en", "ar"])["join_code"]
    german = client.get(f"/j/{code}?lang=de").get_data(as_text=True)
    assert 'lang="de">Erklärung zur Barrierefreiheit</a>' in german
    # In a phone language the link is translated (the statement page itself is German and
    # English); where a translation were missing, the English would say lang="en".
    arabic = client.get(f"/j/{code}?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in arabic
    assert 'lang="ar">بيان إمكانية الوصول</a>' in arabic
