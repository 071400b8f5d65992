"""The Markdown export carries user text as text: no HTML, links or images from titles, places,
group names, ideas or catalogue texts, and tables keep their columns."""

import re

import yaml

from tests.factories import auth
from tests.live import Room

HTML = "<img src=x onerror=alert(1)><script>alert(1)</script>"
LINK = "[klick](javascript:alert(1)) ![bild](http://evil.example/x.png)"
EVIL = f"{HTML} {LINK} | *fett* _kursiv_ `code` ~~weg~~ &lt;b&gt; \\"


def evil(name: str) -> dict:
    return {"de": f"{name} {EVIL}", "en": f"{name} {EVIL}"}


CATALOGUE = {
    "id": "evil", "title": evil("Katalog"), "source": f"Quelle {EVIL}", "languages": ["de", "en"],
    "action_fields": [{
        "id": "f", "title": evil("Feld"), "description": evil("Beschreibung"),
        "challenges": [{"id": "f-c1", "text": evil("Herausforderung")}],
        "principle_groups": [{"id": "f-g1", "title": evil("Gruppe"),
                              "principles": [{"id": "f-p1", "text": evil("Prinzip")}]}],
        "practices": [{"id": "f-x1", "title": f"Beispiel {EVIL}", "place": f"Ort {EVIL}",
                       "text": evil("Praxis\nzweite Zeile")}],
    }],
}
AGENDA = [{"kind": "rating", "field": "f", "target": "challenges"},
          {"kind": "rating", "field": "f", "target": "principles"},
          {"kind": "dots", "field": "f", "target": "principles"},
          {"kind": "ideas", "field": "f", "moderation": "post"}]


def unescaped(markdown: str, characters: str) -> list[str]:
    """The characters of `characters` that stand without a backslash before them."""
    bare = re.sub(r"\\.", "", markdown)
    return [c for c in characters if c in bare]


def test_user_text_is_escaped_in_the_markdown_file(app, client):
    assert client.post("/api/catalogues", data=yaml.safe_dump(CATALOGUE)).status_code == 201
    room = Room(app, client, agenda=AGENDA, catalogue="evil", title=f"Titel {LINK} <b>x</b>",
                place=f"Rathaus {HTML}", groups=[f"Gruppe {LINK} | <i>x</i>"])
    challenges, principles, dots, ideas = room.rounds
    group = room.created["groups"][0]["id"]
    phones = [room.phone(group) for _ in range(3)]
    for rnd, item, value in [(challenges, "f-c1", 4), (principles, "f-p1", 1), (dots, "f-p1", 2)]:
        room.act("open_round", round=rnd)
        for phone in phones:
            assert phone.emit("vote", {"round": rnd, "item": item, "value": value},
                              callback=True)["ok"]
        room.act("close_round", round=rnd)
    room.act("open_round", round=ideas)
    assert phones[0].emit("idea", {"round": ideas, "text": f"Idee\n# Überschrift {EVIL}"},
                          callback=True)["ok"]
    room.act("end_session")

    response = client.get(f"/sessions/{room.created['id']}/export.md?lang=de",
                          headers=auth(room.created["facilitator_token"]))
    assert response.status_code == 200
    markdown = response.get_data(as_text=True)
    for shown in ("Titel", "Rathaus", "Katalog", "Feld", "Herausforderung", "Prinzip",
                  "Beispiel", "Ort", "Praxis zweite Zeile", "Idee", "Quelle", "Gruppe"):
        assert shown in markdown, shown
    # No tag, link or image survives: < and > are entities, brackets are escaped.
    assert "<" not in markdown and ">" not in markdown.replace("&gt;", "")
    assert unescaped(markdown, "[]`~") == []
    assert "&lt;img src=x onerror=alert(1)&gt;" in markdown
    assert r"\[klick\](javascript:alert(1))" in markdown
    assert r"\*fett\* \_kursiv\_" in markdown
    assert r"\&lt;b\&gt;" in markdown  # a typed entity stays typed
    # A line break in a text never starts a heading or a list.
    assert not any(line.startswith("# Überschrift") for line in markdown.splitlines())
    # Every table row has as many columns as its header: a | in a text is escaped.
    for block in re.split(r"\n\n", markdown):
        rows = [line for line in block.splitlines() if line.startswith("| ")]
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
        assert len(widths) <= 1, block
    assert ("Gruppe \\[klick\\](javascript:alert(1)) !\\[bild\\](http://evil.example/x.png) "
            "\\| &lt;i&gt;x&lt;/i&gt; |") in markdown
