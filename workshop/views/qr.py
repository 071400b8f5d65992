"""Join QR codes, drawn on the server as inline SVG so no script or network is needed."""

import segno
from markupsafe import Markup


def qr_svg(url: str, scale: int = 8) -> Markup:
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=scale, border=2, dark="#000", light="#fff", omitsize=True)
    return Markup(svg)
