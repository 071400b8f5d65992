"""What ending a session saves in <data dir>/<session id>/: each report in its own language,
written by the background task that runs without a request."""

import io
import re
import time
from pathlib import Path

from pypdf import PdfReader

from tests import report_room

STEM = "integrationsworkshop-erfurt-2026-03-14"
# The report's headings (and its page footer) in each language.
HEADINGS = {
    "de": ["Zusammenfassung der Workshop-Ergebnisse", "Beteiligung", "Zuerst handeln",
           "Herausforderungen nach Rang", "Prinzipien: Prioritätenmatrix",
           "Praxisbeispiele aus der Toolbox", "Konsens und Unterschiede", "Größter Konsens",
           "Größte Unterschiede", "Weitere Ideen", "Verschiebungen nach einer zweiten Abstimmung",
           "Hinweise zur Methode", "Bewertungsskalen", "Datenschutz", "Seite 2 von"],
    "en": ["Summary of the workshop results", "Participation", "Act first", "Challenges, ranked",
           "Principles: priority matrix", "Practice examples from the toolbox",
           "Consensus and divergence", "Widest consensus", "Sharpest divergence",
           "Further ideas", "Shifts after a second vote", "Note on method", "Rating scales",
           "Privacy", "Page 2 of"],
}


def squash(text: str) -> str:
    return re.sub(r"[\s\-\u00ad]", "", text)


def saved(app, session_id: str, names: set[str]) -> Path:
    """The session's folder once the background task has written every file."""
    folder = Path(app.config["DATA_DIR"]) / session_id
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
            folder.is_dir() and {p.name for p in folder.iterdir()} == names):
        time.sleep(0.2)
    assert {p.name for p in folder.iterdir()} == names
    return folder


def test_ending_a_session_saves_each_report_in_its_language(app, client):
    room = report_room.run(app, client)
    room.act("end_session")  # the real path: the event starts the archive in the background
    folder = saved(app, room.created["id"], {f"{STEM}.json", f"{STEM}-de.pdf", f"{STEM}-en.pdf"})
    for language, other in (("de", "en"), ("en", "de")):
        reader = PdfReader(io.BytesIO((folder / f"{STEM}-{language}.pdf").read_bytes()))
        text = squash("\n".join(page.extract_text() for page in reader.pages))
        assert [h for h in HEADINGS[language] if squash(h) not in text] == [], language
        assert [h for h in HEADINGS[other] if squash(h) in text] == [], language
        assert reader.metadata.title == "Integrationsworkshop Erfurt"
