"""axe-core in the browser tests: injected from tests/browser/vendor (offline), run with the
WCAG 2.1 A/AA rules and the best practices, its violations put in words a reader can act on."""

from functools import cache
from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.0/2.1 levels A and AA, and Deque's best practices (region, heading-order, ...).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@cache
def _source() -> str:
    return AXE.read_text(encoding="utf-8") + "\n;undefined"


def axe_violations(page, where: str) -> list[str]:
    """Every axe violation on the page as it is now, one line per element: where (the page and
    state), the rule, its impact, the element's selector and what is wrong with it."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not as a <script> tag: the page's
        # Content-Security-Policy (script-src 'self') stays in force and is still checked.
        page.evaluate(_source())
    found = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                      resultTypes: ["violations"]})
             .then(r => r.violations.map(v => ({
                 id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.map(n => ({target: n.target.join(" "),
                                           summary: n.failureSummary}))})))""", TAGS)
    lines = []
    for rule in found:
        for node in rule["nodes"]:
            detail = " ".join((node["summary"] or "").split())
            lines.append(f"{where}: {rule['id']} ({rule['impact']}) at {node['target']}: "
                         f"{rule['help']}. {detail}")
    return lines


def report(violations: list[str]) -> str:
    return f"{len(violations)} axe-core violation(s):\n" + "\n".join(violations)
