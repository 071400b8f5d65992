"""The organisers' report: PDF and Markdown downloads read back, the summary and comparison
pages, in German and English, with the small-group privacy rule everywhere."""

import html
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests import report_room
from tests.factories import auth

SCREENSHOTS = Path(__file__).resolve().parents[1] / "browser" / "screenshots"
SMALL = "migrant-organisations"  # two members: never a figure of theirs
TOO_FEW = {"en": "too few to show", "de": "zu wenige für eine Angabe"}
P5 = {"en": "It should be ensured that free interpreting services",
      "de": "Es sollte sichergestellt werden, dass kostenlose Dolmetscherdienste"}


@pytest.fixture
def room(app, client):
    return report_room.run(app, client)


def get(client, room, path, **headers):
    return client.get(path, headers={**auth(room.created["facilitator_token"]), **headers})


def results(client, room) -> dict:
    """item id -> its figures in the round of that kind/target, from the results API."""
    data = get(client, room, f"/api/sessions/{room.created['id']}/results").get_json()
    out = {}
    for rnd in data["rounds"]:
        for item in rnd["items"]:
            out[(rnd["kind"], rnd["field"], rnd["target"], item["id"])] = item
    return out


def squash(text: str) -> str:
    """Text without whitespace and hyphens: PDF lines wrap and hyphenate anywhere."""
    return re.sub(r"[\s\-\u00ad]", "", text)


def pdf_pages(body: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(body)).pages]


def render_png(pdf: Path, page: int, name: str) -> None:
    """Page n as a PNG for a person to look at (tests/browser/screenshots/, gitignored)."""
    if not shutil.which("pdftoppm"):
        return
    SCREENSHOTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page),
                    "-singlefile", str(pdf), str(SCREENSHOTS / name)], check=True)


@pytest.mark.parametrize("language", ["en", "de"])
def test_pdf_report(client, room, language, tmp_path):
    response = get(client, room, f"/sessions/{room.created['id']}/export.pdf?lang={language}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert b"DejaVuSansCondensed" in response.data  # the bundled font, embedded
    pages = pdf_pages(response.data)
    text = "\n".join(pages)
    flat = squash(text)
    words = {
        "en": {"participation": "10 people took part", "act_first": "Act first",
               "method": "Note on method", "formula": "(agreeing + 1) / (voters + 2)",
               "matrix": "Principles: priority matrix", "page": f"Page 1 of {len(pages)}",
               "groups": ["Administration", "Civil society", "Migrant organisations",
                          "Jugendbeirat"]},
        "de": {"participation": "10 Personen haben anonym teilgenommen",
               "act_first": "Zuerst handeln", "method": "Hinweise zur Methode",
               "formula": "(Zustimmende + 1) / (Abstimmende + 2)",
               "matrix": "Prinzipien: Prioritätenmatrix", "page": f"Seite 1 von {len(pages)}",
               "groups": ["Verwaltung", "Zivilgesellschaft", "Migrantische Organisationen",
                          "Jugendbeirat"]},
    }[language]
    # The title page: title, place, date, participation per group.
    first = pages[0]
    assert "Integrationsworkshop Erfurt" in first and "Rathaus Erfurt" in first
    assert ("14 March 2026" if language == "en" else "14. März 2026") in first
    assert words["participation"] in first
    for name, count in zip(words["groups"], (4, 3, 2, 1), strict=True):
        assert re.search(rf"{name}\s+{count}\b", first), (name, first)
    # Act first leads, with the principle the room rated poorly and gave its points to.
    assert words["act_first"] in pages[1]
    assert squash(P5[language]) in squash(pages[1])
    assert words["page"] in text
    assert squash(TOO_FEW[language]) in flat
    assert squash(words["method"]) in flat and squash(words["formula"]) in flat
    assert squash("Sprachcafé mit Başak und Łucja in Łódź-Partnerschaft") in flat
    matrix_page = next(n for n, page in enumerate(pages, 1)
                       if squash(words["matrix"]) in squash(page))
    path = tmp_path / "report.pdf"
    path.write_bytes(response.data)
    render_png(path, 1, f"report-{language}-p1")
    render_png(path, matrix_page, f"report-{language}-matrix")


def test_pdf_of_a_session_without_votes(client, app):
    from tests.factories import api_session

    created = api_session(client)
    response = client.get(f"/sessions/{created['id']}/export.pdf?lang=en",
                          headers=auth(created["facilitator_token"]))
    assert response.status_code == 200
    text = "\n".join(pdf_pages(response.data))
    assert "No principle is in this quadrant yet." in text and "Note on method" in text


def markdown_tables(text: str) -> dict[str, list[dict[str, str]]]:
    """Each table under its nearest heading ("## Field / ### Challenges, ranked")."""
    tables, heading, current, lines = {}, [], None, text.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            heading = [*heading[:level - 2], line.lstrip("# ").strip()] if level > 1 else []
            current = None
        elif line.startswith("| ") and current is None and n + 1 < len(lines) \
                and lines[n + 1].startswith("| ---"):
            header = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            current = tables.setdefault(" / ".join(heading), [])
            current.append({"__header__": header})
        elif line.startswith("| ") and current is not None and not line.startswith("| ---"):
            cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            current.append(dict(zip(current[0]["__header__"], cells, strict=True)))
        elif not line.startswith("|"):
            current = None
    return {k: v[1:] for k, v in tables.items()}


def number(text: str) -> float:
    return float(text.replace(",", ".").replace("−", "-").replace("±", ""))


@pytest.mark.parametrize("language", ["en", "de"])
def test_markdown_tables_match_the_results_api(client, room, language):
    response = get(client, room, f"/sessions/{room.created['id']}/export.md?lang={language}")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    text = response.get_data(as_text=True)
    assert text.startswith("# Integrationsworkshop Erfurt\n")
    tables = markdown_tables(text)
    figures = results(client, room)
    names = {"en": ("Health", "Challenges, ranked", "Principles: priority matrix",
                    "Participation", "Administration", "Migrant organisations"),
             "de": ("Gesundheit", "Herausforderungen nach Rang", "Prinzipien: Prioritätenmatrix",
                    "Beteiligung", "Verwaltung", "Migrantische Organisationen")}[language]
    health, ranked, matrix, participation, admin, small = names

    people = dict(tuple(row.values()) for row in tables[participation])
    assert (people[admin], people[small]) == ("4", "2")
    assert list(people.values())[-1] == "**10**"
    texts = _texts(client, room, language)

    rows = tables[f"{health} / {ranked}"]
    assert [row["#"] for row in rows] == ["1", "2", "3", "4"]
    assert len(rows) == len(report_room.challenge_votes("administration"))
    means = [number(row[next(k for k in row if k in ("Mean", "Mittelwert"))]) for row in rows]
    assert means == sorted(means, reverse=True)  # ranked
    for row in rows:
        item = next(f for key, f in figures.items()
                    if key[:3] == ("rating", "health", "challenges")
                    and row[next(k for k in row if k in ("Challenge", "Herausforderung"))]
                    == texts[key[3]])
        mean = row[next(k for k in row if k in ("Mean", "Mittelwert"))]
        votes = row[next(k for k in row if k in ("Votes", "Stimmen"))]
        assert number(mean) == pytest.approx(item["mean"], abs=0.05)
        assert int(votes) == item["votes"]
        assert row[small] == TOO_FEW[language]
        group = item["groups"]["administration"]
        if group.get("suppressed"):
            assert row[admin] == TOO_FEW[language]
        else:
            assert number(row[admin]) == pytest.approx(group["mean"], abs=0.05)

    points = {row[next(k for k in row if k in ("Principle", "Prinzip"))]:
              int(row[next(k for k in row if k in ("Points", "Punkte"))])
              for row in tables[f"{health} / {matrix}"]}
    for key, item in figures.items():
        if key[:3] == ("dots", "health", "principles"):
            assert points[texts[key[3]]] == item["points"]
    # No figure from the two-person group anywhere in the file.
    for table in tables.values():
        for row in table:
            if small in row:
                assert row[small] in (TOO_FEW[language], "")


def _texts(client, room, language: str) -> dict[str, str]:
    state = get(client, room, f"/api/sessions/{room.created['id']}?lang={language}").get_json()
    return {i["id"]: i["text"] for r in state["rounds"] for i in r["items"]}


def cells(page: str, item: str) -> list[tuple[dict[str, str], str]]:
    """The <td>s of the first table row for `item`: (attributes, text)."""
    row = re.search(rf'<tr data-item="{re.escape(item)}"[^>]*>(.*?)</tr>', page, re.S).group(1)
    out = []
    for attrs, body in re.findall(r"<td([^>]*)>(.*?)</td>", row, re.S):
        text = html.unescape(re.sub(r"<[^>]+>", " ", body))
        out.append((dict(re.findall(r'([\w-]+)="([^"]*)"', attrs)), " ".join(text.split())))
    return out


@pytest.mark.parametrize("language", ["en", "de"])
def test_summary_page(client, room, language):
    page = get(client, room, f"/s/{room.created['id']}/summary?lang={language}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f'<html lang="{language}">' in body
    assert "Integrationsworkshop Erfurt" in body and "Rathaus Erfurt" in body
    assert 'class="sm-matrix"' in body and 'class="sm-dist"' in body  # the charts, as inline SVG
    for fmt in ("pdf", "xlsx", "csv", "json", "md"):
        assert f'href="/sessions/{room.created["id"]}/export.{fmt}?lang={language}"' in body
    figures = results(client, room)
    c1 = figures[("rating", "health", "challenges", "health-c1")]
    row = cells(body, "health-c1")
    decimal = "," if language == "de" else "."
    assert row[2][1] == f"5{decimal}0" and row[3][1] == str(c1["votes"])
    by_group = {attrs["data-group"]: (attrs, text) for attrs, text in row if "data-group" in attrs}
    assert by_group["administration"][1] == f"5{decimal}0"
    assert by_group[SMALL] == ({"class": "sm-few", "data-group": SMALL, "data-suppressed": "true"},
                               TOO_FEW[language])
    # Privacy: every figure shown for a group comes from at least three voters, and the small
    # group never has one.
    shown = re.findall(r'<td class="sm-num" data-group="([^"]+)" data-votes="(\d+)"', body)
    assert shown and all(int(votes) >= 3 for _group, votes in shown)
    assert SMALL not in {group for group, _votes in shown}
    assert not re.search(rf'<td [^>]*data-group="{SMALL}"(?![^>]*data-suppressed)', body)
    # Act first leads, with the interpreters' principle.
    act_first = body.index('id="act-first"')
    assert body.index('data-item="health-p5"', act_first) < body.index('id="field-')
    assert ("Zuerst handeln" if language == "de" else "Act first") in body
    # The shift of the reopened challenges round.
    shift = cells(body[body.index('id="shifts"'):], "health-c2")
    assert shift[1][1] == f"3{decimal}2" and shift[2][1] == f"4{decimal}0"
    assert shift[3][1] == f"+0{decimal}8"


def test_summary_page_needs_the_facilitator(client, room):
    assert client.get(f"/s/{room.created['id']}/summary?lang=en").status_code == 403
    forged = client.get(f"/s/{room.created['id']}/summary", headers=auth("forged"))
    assert forged.status_code == 403


def test_compare_two_sessions(client, app, room):
    later = report_room.run(app, client, title="Integrationsworkshop Erfurt 2027",
                            date="2027-03-13", second_vote=False)
    a, b = room.created, later.created
    # Without both credentials: refused.
    client.set_cookie(f"facilitator_{b['id']}", b["facilitator_token"])
    assert client.get(f"/compare?a={a['id']}&b={b['id']}").status_code == 403
    client.set_cookie(f"facilitator_{a['id']}", a["facilitator_token"])
    # The summary offers the other session this browser holds a cookie for.
    summary = client.get(f"/s/{b['id']}/summary?lang=en").get_data(as_text=True)
    assert f'<option value="{a["id"]}">' in summary
    # Given in either order, the earlier session is the baseline.
    page = client.get(f"/compare?a={b['id']}&b={a['id']}&lang=en")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    c2 = cells(body[body.index('data-target="challenges"'):], "health-c2")
    assert [c2[1][1], c2[2][1], c2[3][1]] == ["4.0", "3.2", "−0.8"]
    by_group = {attrs["data-group"]: text for attrs, text in c2 if "data-group" in attrs}
    assert by_group == {"administration": "+1.0", "civil-society": "−2.0",
                        SMALL: "too few to show", "jugendbeirat": "too few to show"}
    # The same as a PDF, and with both tokens as a Bearer header instead of cookies.
    client.delete_cookie(f"facilitator_{a['id']}")
    client.delete_cookie(f"facilitator_{b['id']}")
    pdf = client.get(f"/compare.pdf?a={a['id']}&b={b['id']}&lang=de", headers=auth(
        f"{a['facilitator_token']}, {b['facilitator_token']}"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    text = squash("\n".join(pdf_pages(pdf.data)))
    assert squash("Vergleich zweier Workshops") in text
    assert squash("Integrationsworkshop Erfurt 2027") in text
    assert squash(TOO_FEW["de"]) in text
    assert client.get(f"/compare?a={a['id']}&b={a['id']}", headers=auth(
        a["facilitator_token"])).status_code == 400
