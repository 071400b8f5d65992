"""Pages about the server itself: the accessibility statement (Erklärung zur Barrierefreiheit)."""

import re

from flask import Blueprint, current_app, render_template

bp = Blueprint("about", __name__)

# When the pages were last checked (axe-core browser tests and a review by hand, see
# docs/accessibility.md). Change it with the statement when they are checked again.
REVIEWED = "2026-12-04"

_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


def contact_link(value: str) -> dict | None:
    """The feedback contact as a link: an e-mail address becomes mailto:, an http(s) address
    a link; anything else (a phone number, a postal address) is shown as it is, unlinked."""
    value = value.strip()
    if not value:
        return None
    if _EMAIL.match(value):
        return {"href": "mailto:" + value, "text": value}
    if re.match(r"^https?://\S+$", value):
        return {"href": value, "text": value}
    return {"href": None, "text": value}


@bp.get("/accessibility")
def accessibility():
    config = current_app.config
    return render_template("accessibility.html", reviewed=REVIEWED,
                           contact=contact_link(config["ACCESSIBILITY_CONTACT"]),
                           enforcement=contact_link(config["ACCESSIBILITY_ENFORCEMENT"]))
