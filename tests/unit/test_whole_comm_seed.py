"""The German text of the Whole-COMM catalogue matches its source word for word.

``workshop/catalogue/whole-comm.yaml`` transcribes the toolbox part of the Whole-COMM
toolbox (``tests/data/whole-comm-seed.txt``, a text extraction of the German PDF).
The checker walks the catalogue in document order and finds every German text in the
(whitespace-normalised, mended) seed, one after the other.  Between two consecutive
texts only layout residue is allowed: whitespace, bullet markers and the fixed section
headings.  This proves order, completeness (nothing left out) and exactness (nothing
altered or invented).

Only the standard library, PyYAML and pytest are used (no project imports).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SEED_PATH = ROOT / "tests" / "data" / "whole-comm-seed.txt"
CATALOGUE_PATH = ROOT / "workshop" / "catalogue" / "whole-comm.yaml"

FIELD_IDS = ["governance", "employment", "education", "health", "housing"]

# Start of the toolbox part: the second occurrence (the first is the table of contents).
START_MARKER = "1. Politische Gestaltung (Governance)"
# End of the toolbox part: the final link and the EU funding sentence are not content.
END_MARKER = "<https://whole-comm.eu>"

# Text in the seed that may lie between two catalogue texts.
SECTION_HEADINGS = (
    "Zentrale Herausforderungen",
    "Schlüsselprinzipien",
    "Innovative Integrationspraktiken",
    "Innovative Integrationspraxis",
)
_TOKEN = "(?:-|" + "|".join(re.escape(h) for h in SECTION_HEADINGS) + ")"
# Between two texts: at least one space, any residue tokens each preceded by a space.
GAP_RE = re.compile(f"(?: {_TOKEN})* ")
# Before the first text / after the last one: residue tokens separated by spaces.
HEAD_RE = re.compile(f"(?:{_TOKEN} )*")
TAIL_RE = re.compile(f"(?: {_TOKEN})*")

# Line breaks, line-end hyphenation and page-break splits are already handled by the
# whitespace normalisation (the seed has no hyphenated line ends and no running
# headers/footers).  These are the remaining mends, applied to the normalised seed.
# Each seed fragment must occur exactly once (so stale or ambiguous mends fail).
MENDS: list[tuple[str, str]] = [
    # extraction error: spaces around the gender star and after the hyphen in the
    # practice heading (the body text spells it "Vielfaltsgestalter*innen", "Dessau-Roßlau")
    (
        "Vielfaltsgestalter * innen, Dessau- Roßlau, Deutschland",
        "Vielfaltsgestalter*innen, Dessau-Roßlau, Deutschland",
    ),
    # extraction error: doubled final full stop
    ("der kommunalen Verwaltung an..", "der kommunalen Verwaltung an."),
    # extraction error: letter-spaced "D i e", gender star / hyphen spacing, and a
    # markdown link remnant whose target was lost
    (
        "[D i e Vielfaltsgestalter * innen Dessau- Roßlau](#)",
        "Die Vielfaltsgestalter*innen Dessau-Roßlau",
    ),
    # markdown link remnant (link target lost in extraction)
    (
        "POLI – [Legal Desk and Migrant Orientation Desk](#).",
        "POLI – Legal Desk and Migrant Orientation Desk.",
    ),
    # extraction error: stray space before a comma (practice heading)
    ("Hudiksvall , Schweden", "Hudiksvall, Schweden"),
    # extraction error: stray space before a comma (body text)
    ("in Hudiksvall ankamen , legal", "in Hudiksvall ankamen, legal"),
    # markdown link remnant
    ("[UNG Kraft](#)", "UNG Kraft"),
    # markdown link remnant
    ("[Brugfiguren](#)", "Brugfiguren"),
    # markdown link remnant
    (
        "[Psychosozialen Zentrum Rostock für Flüchtlinge und Migranten](#).",
        "Psychosozialen Zentrum Rostock für Flüchtlinge und Migranten.",
    ),
    # extraction error: stray spaces before commas (practice heading)
    (
        "Multifunktionales Nachbarschaftshaus , Coevorden , Niederlande",
        "Multifunktionales Nachbarschaftshaus, Coevorden, Niederlande",
    ),
    # markdown link remnant
    ("[Ravelijn Verbindt auf Facebook](#)", "Ravelijn Verbindt auf Facebook"),
    # extraction error: stray space before a comma (practice heading)
    ("De Nomade , Leuven, Belgien", "De Nomade, Leuven, Belgien"),
    # markdown link remnant
    ("[De Nomade](#)", "De Nomade"),
    # extraction error: stray space before a comma (practice heading)
    ("St. Pölten , Österreich", "St. Pölten, Österreich"),
    # markdown link remnant (the link text itself is truncated in the source; kept)
    ("[Diversity](#)", "Diversity"),
]


def normalise(text: str) -> str:
    """Collapse every whitespace run to a single space and strip the ends."""
    return " ".join(text.split())


def toolbox_part(seed_text: str) -> str:
    """The normalised toolbox part of the seed, from the second START_MARKER to END_MARKER."""
    norm = normalise(seed_text)
    first = norm.find(START_MARKER)
    assert first >= 0, f"{START_MARKER!r} not found in the seed"
    start = norm.find(START_MARKER, first + 1)
    assert start >= 0, f"second {START_MARKER!r} (after the table of contents) not found"
    end = norm.rfind(END_MARKER)
    assert end > start, f"final {END_MARKER!r} not found after the toolbox part"
    return norm[start:end].strip()


def mended_seed(seed_text: str) -> tuple[str, list[str]]:
    """Apply MENDS to the normalised toolbox part; return it and any stale-mend problems."""
    text = toolbox_part(seed_text)
    problems = []
    for fragment, replacement in MENDS:
        count = text.count(fragment)
        if count != 1:
            problems.append(f"mend fragment occurs {count} times (expected 1): {fragment!r}")
            continue
        text = text.replace(fragment, replacement)
    return text, problems


def catalogue_texts(catalogue: dict) -> list[tuple[str, str]]:
    """(label, German text) for every text of the catalogue, in document order."""
    items: list[tuple[str, str]] = []
    for n, field in enumerate(catalogue.get("action_fields") or [], start=1):
        fid = field.get("id", f"field{n}")
        items.append((f"{fid} heading", f"{n}. {field['title']['de']}"))
        for k, para in enumerate(field["description"]["de"].split("\n\n"), start=1):
            items.append((f"{fid} description paragraph {k}", para))
        for challenge in field.get("challenges") or []:
            items.append((challenge["id"], challenge["text"]["de"]))
        for group in field.get("principle_groups") or []:
            items.append((f"{group['id']} title", group["title"]["de"]))
            for principle in group.get("principles") or []:
                items.append((principle["id"], principle["text"]["de"]))
        for practice in field.get("practices") or []:
            heading = f"{practice['title']}, {practice['place']['de']}"
            items.append((f"{practice['id']} heading", heading))
            for k, para in enumerate(practice["text"]["de"].split("\n\n"), start=1):
                items.append((f"{practice['id']} paragraph {k}", para))
    return items


def _short(text: str, limit: int = 160) -> str:
    if len(text) <= limit:
        return repr(text)
    half = limit // 2
    return repr(text[:half] + " … " + text[-half:])


def seed_problems(catalogue: dict, seed_text: str) -> list[str]:
    """All differences between the catalogue's German texts and the seed (empty if none)."""
    seed, problems = mended_seed(seed_text)
    cursor = 0
    first = True
    for label, raw in catalogue_texts(catalogue):
        text = normalise(raw)
        if not text:
            problems.append(f"{label}: empty German text")
            continue
        pos = seed.find(text, cursor)
        if pos < 0:
            problems.append(f"{label}: not found in the seed after offset {cursor}: {_short(text)}")
            continue
        gap = seed[cursor:pos]
        pattern = HEAD_RE if first else GAP_RE
        if not pattern.fullmatch(gap):
            problems.append(
                f"{label}: unexpected seed text before it (left out, or order differs): "
                f"gap={_short(gap)}; text={_short(text, 80)}"
            )
        cursor = pos + len(text)
        first = False
    rest = seed[cursor:]
    if not (HEAD_RE if first else TAIL_RE).fullmatch(rest):
        problems.append(f"seed text after the last catalogue text is not covered: {_short(rest)}")
    return problems


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def catalogue() -> dict:
    with CATALOGUE_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _counts(catalogue: dict) -> str:
    parts = []
    for field in catalogue["action_fields"]:
        groups = field["principle_groups"]
        parts.append(
            f"{field['id']}: {len(field['challenges'])} challenges, {len(groups)} groups, "
            f"{sum(len(g['principles']) for g in groups)} principles, "
            f"{len(field['practices'])} practices"
        )
    return "; ".join(parts)


# ----------------------------------------------------------------------------- tests


def test_german_text_matches_seed_word_for_word(catalogue, seed_text):
    problems = seed_problems(catalogue, seed_text)
    assert not problems, (
        f"{len(problems)} problem(s) comparing the catalogue with the seed "
        f"({_counts(catalogue)}):\n" + "\n".join(problems)
    )


def test_every_text_has_german_and_english(catalogue):
    problems = []

    def check(label, value):
        if not isinstance(value, dict):
            problems.append(f"{label}: expected a {{de, en}} mapping, got {value!r}")
            return
        for lang in ("de", "en"):
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{label}: missing or empty {lang!r}")
                continue
            if text != text.strip():
                problems.append(f"{label}.{lang}: leading/trailing whitespace")
            if any(p != normalise(p) for p in text.split("\n\n")):
                problems.append(
                    f"{label}.{lang}: paragraphs must be separated by exactly a blank line "
                    f"and contain no line breaks or double spaces"
                )

    check("title", catalogue.get("title"))
    for field in catalogue["action_fields"]:
        check(f"{field['id']}.title", field.get("title"))
        check(f"{field['id']}.description", field.get("description"))
        for c in field["challenges"]:
            check(c["id"], c.get("text"))
        for g in field["principle_groups"]:
            check(f"{g['id']}.title", g.get("title"))
            for p in g["principles"]:
                check(p["id"], p.get("text"))
        for x in field["practices"]:
            if not isinstance(x.get("title"), str) or not x["title"].strip():
                problems.append(f"{x['id']}: practice title must be a non-empty string")
            check(f"{x['id']}.place", x.get("place"))
            check(f"{x['id']}.text", x.get("text"))
    assert not problems, f"({_counts(catalogue)})\n" + "\n".join(problems)


def test_top_level_metadata(catalogue):
    assert catalogue["id"] == "whole-comm"
    # The German original first; the translations made for this project after it.
    assert catalogue["languages"] == ["de", "en", "ar", "fa", "uk", "ru", "tr", "de-x-ls"]
    assert catalogue["source"].strip()
    assert [f["id"] for f in catalogue["action_fields"]] == FIELD_IDS, _counts(catalogue)


def test_ids_unique_and_well_formed(catalogue):
    problems = []
    seen: set[str] = set()

    def expect(actual, expected):
        if actual != expected:
            problems.append(f"id {actual!r}: expected {expected!r}")
        if actual in seen:
            problems.append(f"duplicate id {actual!r}")
        seen.add(actual)

    for field in catalogue["action_fields"]:
        fid = field["id"]
        expect(fid, fid if fid in FIELD_IDS else f"one of {FIELD_IDS}")
        for n, c in enumerate(field["challenges"], start=1):
            expect(c["id"], f"{fid}-c{n}")
        p = 0
        for n, g in enumerate(field["principle_groups"], start=1):
            expect(g["id"], f"{fid}-g{n}")
            for principle in g["principles"]:
                p += 1
                expect(principle["id"], f"{fid}-p{p}")
        for n, x in enumerate(field["practices"], start=1):
            expect(x["id"], f"{fid}-x{n}")
    assert not problems, f"({_counts(catalogue)})\n" + "\n".join(problems)


def test_every_field_has_all_parts(catalogue):
    empty = [
        f"{field['id']}: no {part}"
        for field in catalogue["action_fields"]
        for part in ("challenges", "principle_groups", "practices")
        if not field.get(part)
    ]
    empty += [
        f"{g['id']}: no principles"
        for field in catalogue["action_fields"]
        for g in field["principle_groups"]
        if not g.get("principles")
    ]
    assert not empty, f"({_counts(catalogue)})\n" + "\n".join(empty)


def test_mends_are_all_used(seed_text):
    _, problems = mended_seed(seed_text)
    assert not problems, "\n".join(problems)


# ------------------------------------------------- the checker does detect alterations


def test_checker_reports_dropped_challenge(catalogue, seed_text):
    altered = copy.deepcopy(catalogue)
    dropped = altered["action_fields"][1]["challenges"].pop(2)
    problems = seed_problems(altered, seed_text)
    assert problems, f"dropping {dropped['id']} went unnoticed"
    assert any(normalise(dropped["text"]["de"])[:40] in p for p in problems), problems


def test_checker_reports_changed_word(catalogue, seed_text):
    altered = copy.deepcopy(catalogue)
    principle = altered["action_fields"][0]["principle_groups"][2]["principles"][1]
    original = principle["text"]["de"]
    assert "solida" in original  # the authors' spelling, kept on purpose
    principle["text"]["de"] = original.replace("solida", "solide")
    problems = seed_problems(altered, seed_text)
    assert any(principle["id"] in p for p in problems), problems


def test_checker_reports_merged_items(catalogue, seed_text):
    altered = copy.deepcopy(catalogue)
    challenges = altered["action_fields"][4]["challenges"]
    challenges[0]["text"]["de"] += " " + challenges[1]["text"]["de"]
    del challenges[1]
    assert seed_problems(altered, seed_text), "merging two bullets went unnoticed"


def test_checker_reports_swapped_order(catalogue, seed_text):
    altered = copy.deepcopy(catalogue)
    challenges = altered["action_fields"][2]["challenges"]
    challenges[0], challenges[1] = challenges[1], challenges[0]
    assert seed_problems(altered, seed_text), "swapping two bullets went unnoticed"


def test_checker_reports_invented_text(catalogue, seed_text):
    altered = copy.deepcopy(catalogue)
    practice = altered["action_fields"][3]["practices"][0]
    practice["text"]["de"] += "\n\nDieser Absatz steht nicht in der Quelle."
    assert seed_problems(altered, seed_text), "an invented paragraph went unnoticed"


def test_checker_reports_truncated_text(catalogue, seed_text):
    altered = copy.deepcopy(catalogue)
    challenge = altered["action_fields"][0]["challenges"][7]
    challenge["text"]["de"] = challenge["text"]["de"].split(". ")[0] + "."
    problems = seed_problems(altered, seed_text)
    assert any("governance-c8" in p or "unexpected seed text" in p for p in problems), problems
