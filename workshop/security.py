"""Web hardening for every answer: security headers, no caching of private answers, the
same-origin rule for state-changing requests, and the proxy headers we may trust."""

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.middleware.proxy_fix import ProxyFix

from workshop.views import bearer_tokens

# No inline script and no inline style attribute anywhere: the pages' data travels in
# <script type="application/json"> blocks, and scripts set styles through the CSSOM
# (element.style), which a CSP does not restrict. connect-src 'self' covers the Socket.IO
# websocket on the same host and port (ws: and wss:, CSP Level 3).
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def same_origin() -> bool:
    """The request was sent by one of our own pages, or not by a browser at all. Browsers tell
    where a request comes from in Sec-Fetch-Site (all current ones) or Origin (on every
    cross-origin POST); a client that sends neither is not a browser a web site can drive."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in ("same-origin", "none")  # "none": typed or bookmarked by the user
    origin = request.headers.get("Origin")
    return origin is None or origin == f"{request.scheme}://{request.host}"


def refuse_cross_site():
    """Cookies and the laptop's own address are ambient credentials: another web site open
    in the same browser must not be able to use them. A Bearer token is never sent by a
    browser on its own, so API clients are not affected."""
    if request.method in SAFE_METHODS or bearer_tokens() or same_origin():
        return None
    message = "this request came from another web site; send it from the server's own pages"
    if request.path.startswith(("/api/", "/sessions/")):
        return jsonify({"error": {"code": "cross_site_request", "message": message}}), 403
    return render_template("error.html", title=_("Access denied"), message=_(
        "This form was sent from another web site. Open the workshop's own page and send "
        "it again from there.")), 403


def harden(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    # Every answer but the static files carries a token, results or a session's state, or is
    # too small to be worth caching: none may stay in a browser's or proxy's cache.
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.before_request(refuse_cross_site)
    app.after_request(harden)
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Wraps the Socket.IO middleware too, so both see the client's scheme and host.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,
                                x_host=proxies, x_port=proxies, x_prefix=proxies)
