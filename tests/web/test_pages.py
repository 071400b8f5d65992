"""Server-rendered pages in German and English, with the right <html lang>."""

import json
import re

from tests.factories import api_session


def html_lang(body: str) -> str:
    return re.search(r'<html lang="([^"]+)"', body).group(1)


def test_start_page_in_both_languages(client):
    german = client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)
    assert html_lang(german) == "de"
    assert "Neue Workshop-Sitzung" in german and "Sitzung anlegen" in german
    assert "Migrantische Organisationen" in german
    english = client.get("/?lang=en").get_data(as_text=True)
    assert html_lang(english) == "en"
    assert "New workshop session" in english and "Create session" in english
    # The choice is remembered for the next page.
    assert html_lang(client.get("/join").get_data(as_text=True)) == "en"


def test_create_from_the_form_lands_on_the_console(client):
    response = client.post("/?lang=de", data={
        "title": "Workshop Rathaus", "place": "Erfurt", "date": "2026-03-14",
        "catalogue": "whole-comm", "languages": ["de", "en"],
        "groups": ["administration", "civil-society", "migrant-organisations", "politics"],
        "extra_groups": "Jugendbeirat\n\n",
    })
    assert response.status_code == 302
    console = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Workshop Rathaus" in console and "Erfurt" in console and "14. März 2026" in console
    for link in ("link-projector", "link-join", "link-facilitator", "link-summary"):
        assert f'id="{link}"' in console
    assert "<svg" in console  # the join QR code, drawn on the server
    assert "Jugendbeirat" in console and "Politik" in console
    # The agenda list is drawn by the console's script from the live state.
    session_id = response.headers["Location"].rstrip("/").split("/")[-1]
    assert len(client.get(f"/api/sessions/{session_id}").get_json()["rounds"]) == 15


def test_form_errors_are_shown_and_nothing_is_created(client):
    response = client.post("/?lang=en", data={"title": "x", "date": "2026-02-30",
                                               "languages": ["de"], "groups": ["administration"]})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "The session was not created" in body and "not a date" in body
    assert 'value="x"' in body  # what was typed is kept


def test_console_without_the_cookie_is_refused(client, app):
    created = api_session(app.test_client())
    response = client.get(f"/f/{created['id']}?lang=en")
    assert response.status_code == 403
    assert "not valid for this session" in response.get_data(as_text=True)
    assert client.get(f"/f/{created['id']}?token=forged").status_code == 403


def test_projector_shows_code_and_qr(client):
    created = api_session(client)
    first = client.get(created["links"]["projector"])
    assert first.status_code == 302
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert created["join_code"] in page and "<svg" in page
    fresh = client.application.test_client()
    assert fresh.get(f"/p/{created['id']}").status_code == 403
    assert fresh.get(f"/p/{created['id']}?token=forged").status_code == 403


def test_join_by_code(client):
    created = api_session(client)
    code = created["join_code"]
    assert client.get(f"/join?code={code[:3].lower()}-{code[3:].lower()}").headers[
        "Location"] == f"/j/{code}"
    page = client.get(f"/j/{code}?lang=de").get_data(as_text=True)
    assert "Integrationsworkshop Erfurt" in page
    missing = client.get("/j/ZZZZZZ")
    assert missing.status_code == 404
    assert "ZZZZZZ" in missing.get_data(as_text=True)


def test_error_pages_in_german(client):
    page = client.get("/nirgends", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Nicht gefunden" in page and html_lang(page) == "de"


def page_data(body: str, element_id: str) -> dict:
    """The JSON a live page hands to its script."""
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', body,
                      re.S)
    return json.loads(found.group(1))


def test_projector_page_carries_only_a_projector_token(client):
    created = api_session(client)
    for token in (created["projector_token"], created["facilitator_token"]):
        fresh = client.application.test_client()
        location = fresh.get(f"/p/{created['id']}?token={token}").headers["Location"]
        body = fresh.get(location + "?lang=en").get_data(as_text=True)
        data = page_data(body, "projector-data")
        # Opened with either link, the page signs in as a projector: it can only watch.
        assert data["projector_token"] == created["projector_token"]
        assert created["facilitator_token"] not in body
        assert page_data(body, "texts")["common"]["too_few"] == "too few to show"
        assert "socket.io.min.js" in body and "//cdn" not in body


def test_console_page_carries_the_facilitator_token_and_texts(client):
    created = api_session(client)
    location = client.get(created["links"]["facilitator"]).headers["Location"]
    body = client.get(location + "?lang=de").get_data(as_text=True)
    data = page_data(body, "console-data")
    assert data["facilitator_token"] == created["facilitator_token"]
    assert data["language"] == "de"
    assert page_data(body, "texts")["page"]["end_session"] == "Sitzung beenden"


def test_phone_page_has_its_texts_in_every_interface_language(client):
    created = api_session(client)
    body = client.get(f"/j/{created['join_code']}?lang=en").get_data(as_text=True)
    assert html_lang(body) == "en"
    data = page_data(body, "phone-data")
    assert data["code"] == created["join_code"] and data["ui"] == "en"
    assert data["texts"]["de"]["choose_group"] == "Zu welcher Gruppe gehören Sie?"
    assert data["texts"]["en"]["choose_group"] == "Which group do you belong to?"
    assert data["texts"]["de"]["points_left"] == {"one": "{n} Punkt übrig",
                                                  "other": "{n} Punkte übrig"}
    assert [g["name"] for g in data["groups"]["de"]][0] == "Verwaltung"
    assert [g["name"] for g in data["groups"]["en"]][0] == "Administration"
    assert {lang["code"]: lang["name"] for lang in data["languages"]} == {
        "de": "Deutsch", "en": "English"}


def test_projector_opened_with_the_facilitator_link_keeps_only_the_projector_token(client):
    created = api_session(client)
    fresh = client.application.test_client()
    first = fresh.get(f"/p/{created['id']}?token={created['facilitator_token']}")
    assert first.status_code == 302
    cookie = first.headers["Set-Cookie"]
    assert created["projector_token"] in cookie
    assert created["facilitator_token"] not in cookie


def html_dir(body: str) -> str:
    """dir on <html>: "rtl" for Arabic and Farsi; left out (left to right) for the others."""
    found = re.search(r'<html lang="[^"]+"(?: dir="([^"]+)")?>', body)
    return found.group(1) or "ltr"


def test_phone_pages_come_in_each_phone_language_with_lang_and_dir(client):
    created = api_session(client, languages=["de", "ar", "uk", "de-x-ls"])
    code = created["join_code"]
    for language, direction, join in [("ar", "rtl", "انضمام"), ("fa", "rtl", "بپیوندید"),
                                      ("uk", "ltr", "Приєднатися"), ("de-x-ls", "ltr", "Mitmachen"),
                                      ("de", "ltr", "Teilnehmen")]:
        fresh = client.application.test_client()
        body = fresh.get(f"/join?lang={language}").get_data(as_text=True)
        assert (html_lang(body), html_dir(body)) == (language, direction)
        assert f">{join}</button>" in body
        # The choice is remembered for the phone's next page, lang and dir from the server.
        phone = fresh.get(f"/j/{code}").get_data(as_text=True)
        assert (html_lang(phone), html_dir(phone)) == (language, direction)
        data = page_data(phone, "phone-data")
        assert data["ui"] == language
        # The phone can switch to each session language without a reload: their texts are in.
        assert {"de", "ar", "uk", "de-x-ls", language} <= set(data["texts"])
        dirs = {lang["code"]: lang["dir"] for lang in data["interface_languages"]}
        assert dirs["ar"] == "rtl" and dirs["uk"] == "ltr" and dirs["de-x-ls"] == "ltr"
    # A browser asking for Arabic gets it; the console stays German or English.
    arabic = {"Accept-Language": "ar"}
    fresh = client.application.test_client()
    body = fresh.get(f"/j/{code}", headers=arabic).get_data(as_text=True)
    assert (html_lang(body), html_dir(body)) == ("ar", "rtl")
    assert html_lang(fresh.get("/?lang=ar", headers=arabic).get_data(as_text=True)) in ("de", "en")
    # The phone's script remembers a switch in its cookie: the next page follows it.
    fresh.set_cookie("phone_lang", "uk")
    body = fresh.get(f"/j/{code}", headers=arabic).get_data(as_text=True)
    assert (html_lang(body), html_dir(body)) == ("uk", "ltr")


def test_phone_plurals_carry_each_category_of_the_language(client):
    created = api_session(client, languages=["de", "ru", "ar"])
    body = client.get(f"/j/{created['join_code']}?lang=ru").get_data(as_text=True)
    texts = page_data(body, "phone-data")["texts"]
    assert texts["ru"]["points_left"] == {"one": "Остался {n} балл", "few": "Осталось {n} балла",
                                          "many": "Осталось {n} баллов",
                                          "other": "Осталось {n} баллов"}
    assert set(texts["ar"]["answers"]) == {"zero", "one", "two", "few", "many", "other"}
    assert texts["ar"]["answers"]["two"] == "{n} إجابتان"


def test_the_phone_interface_follows_the_session_languages(client):
    turkish = api_session(client, languages=["tr"])
    german = {"Accept-Language": "de"}
    body = client.application.test_client().get(f"/j/{turkish['join_code']}",
                                                 headers=german).get_data(as_text=True)
    data = page_data(body, "phone-data")
    assert html_lang(body) == "tr" and data["ui"] == "tr"
    # The one session language, and German and English for the buttons.
    assert [lang["code"] for lang in data["interface_languages"]] == ["tr", "de", "en"]
    both = api_session(client, languages=["de", "en"])
    body = client.application.test_client().get(
        f"/j/{both['join_code']}", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert html_lang(body) == "de" and html_dir(body) == "ltr"
    assert page_data(body, "phone-data")["browser_language"] is None  # the phone asks
    # The browser's language among the session's wins over the page's default.
    body = client.application.test_client().get(
        f"/j/{both['join_code']}", headers={"Accept-Language": "fr, en;q=0.5"}).get_data(
        as_text=True)
    assert html_lang(body) == "en" and page_data(body, "phone-data")["browser_language"] == "en"


def test_the_start_page_offers_every_language_and_makes_any_subset(client):
    page = client.get("/?lang=en").get_data(as_text=True)
    boxes = re.findall(r'<input type="checkbox" name="languages" value="([^"]+)"\s*(checked)?',
                       page)
    assert [code for code, _ in boxes] == ["de", "en", "ar", "fa", "uk", "ru", "tr", "de-x-ls"]
    assert [code for code, checked in boxes if checked] == ["de", "en"]  # German first
    for languages in (["ar"], ["de-x-ls", "tr"], ["fa", "uk", "ru"]):
        response = client.post("/?lang=en", data={
            "title": "Workshop", "date": "2026-03-14", "catalogue": "whole-comm",
            "languages": languages, "groups": ["administration"]})
        assert response.status_code == 302, languages
        session_id = response.headers["Location"].rstrip("/").split("/")[-1]
        code = client.get(f"/api/sessions/{session_id}").get_json()["join_code"]
        phone = page_data(client.get(f"/j/{code}").get_data(as_text=True), "phone-data")
        assert [lang["code"] for lang in phone["languages"]] == languages
