"""The workshop server: create_app builds the Flask app with its database and live channel."""

from pathlib import Path

from flask import Flask, after_this_request, current_app, request, session
from flask.ctx import RequestContext
from flask_babel import get_translations

from workshop import catalogue, migrate, presence, security, wording
from workshop.config import PROJECT_ROOT, load_settings
from workshop.extensions import babel, db, socketio
from workshop.i18n import (
    PHONE_COOKIE,
    Translator,
    babel_locale,
    direction,
    page_language,
    plural_samples,
)
from workshop.limits import PerKey

PACKAGE_DIR = Path(__file__).resolve().parent


def select_language() -> str:
    """The page's language, as a Babel locale name (i18n.babel_locale)."""
    return babel_locale(choose_page_language())


def choose_page_language() -> str:
    """?lang= (remembered), else the remembered choice, else the browser's preference.

    The join page and the phone speak PHONE_LANGUAGES and remember a phone's choice in their
    own cookie, which the phone's script sets too when it switches language: a reload then
    comes back in that language, with its lang and dir, from the server."""
    wanted = request.args.get("lang")
    if request.blueprint == "participant":
        supported = list(current_app.config["PHONE_LANGUAGES"])
        if wanted in supported:
            @after_this_request
            def remember(response):
                response.set_cookie(PHONE_COOKIE, wanted, max_age=365 * 24 * 3600,
                                    samesite="Lax")
                return response
            return wanted
        if request.cookies.get(PHONE_COOKIE) in supported:
            return request.cookies[PHONE_COOKIE]
    else:
        supported = list(current_app.config["INTERFACE_LANGUAGES"])
        if wanted in supported:
            session["lang"] = wanted
            return wanted
    if session.get("lang") in supported:
        return session["lang"]
    best = request.accept_languages.best_match(supported)
    return best or current_app.config["DEFAULT_LANGUAGE"]


def plural(singular: str, plural_: str) -> dict[str, str]:
    """A plural for a script: {category: text with {n}} for each plural category of the page's
    language (i18n.plural_samples); live.js picks one with Intl.PluralRules."""
    translations = get_translations()
    return {category: translations.ungettext(singular, plural_, sample) % {"num": "{n}"}
            for category, sample in plural_samples(page_language()).items()}


LIVE_PATH = "/socket.io/"  # Flask-SocketIO's default path, where every live event arrives
_URL_ADAPTER = "workshop.url_adapter"


def _is_live(environ: dict) -> bool:
    return environ.get("PATH_INFO", "").startswith(LIVE_PATH)


class LiveEventContext(RequestContext):
    """The request context Flask-SocketIO pushes around every Socket.IO event. Its path is
    the Socket.IO endpoint, which no route of ours matches, so matching it (and raising the
    NotFound) for each of hundreds of votes a second is skipped."""

    def match_request(self) -> None:
        pass  # request.url_rule and view_args stay None, as for any unrouted request


class WorkshopFlask(Flask):
    """Flask, with a lighter request context for live events: no URL matching, one URL adapter
    per connection (kept in its environ, which Flask-SocketIO keeps per connection) and the
    connection's own session (Flask-SocketIO's saved copy) instead of reading the cookie
    again. Pages and the HTTP API get Flask's own request context."""

    def request_context(self, environ: dict) -> RequestContext:
        if _is_live(environ):
            return LiveEventContext(self, environ, session=environ.get("saved_session"))
        return super().request_context(environ)

    def create_url_adapter(self, request):
        environ = request.environ if request is not None else {}
        if not _is_live(environ):
            return super().create_url_adapter(request)
        if _URL_ADAPTER not in environ:
            environ[_URL_ADAPTER] = super().create_url_adapter(request)
        return environ[_URL_ADAPTER]


def create_app(config: dict | None = None) -> Flask:
    settings = load_settings(config)
    app = WorkshopFlask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(settings)
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.json.sort_keys = False  # keep answers in the order the docs show

    db.init_app(app)
    if app.config["AUTO_MIGRATE"]:
        migrate.upgrade(db.engine)
        from workshop.exports.json import Import

        with db.write() as session:
            Import.sweep(session)  # imports a crash stopped half-way
    catalogue.builtin_catalogues()  # a broken built-in catalogue stops the start, loudly

    babel.init_app(
        app,
        locale_selector=select_language,
        default_translation_directories=str(PACKAGE_DIR / "translations"),
    )
    app.jinja_env.globals["current_language"] = page_language
    app.jinja_env.globals["text_direction"] = lambda: direction(page_language())
    app.jinja_env.globals["plural"] = plural  # extracted as a keyword: make translations
    # One wording everywhere: templates call wording.<concept>(tr()) in the page's language.
    app.jinja_env.globals["wording"] = wording
    app.jinja_env.globals["tr"] = lambda: Translator(page_language())

    from workshop import realtime  # registers the Socket.IO handlers

    realtime.configure(app.config)
    presence.configure(app.config, changed=realtime.broadcaster.presence_changed)
    per_hour = app.config["SESSIONS_PER_HOUR"]
    app.extensions["workshop.creations"] = PerKey(rate=per_hour / 3600, burst=per_hour)
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config["MESSAGE_QUEUE"] or None,
        channel=app.config["MESSAGE_QUEUE_CHANNEL"],
        # Events are small: one over MAX_EVENT_BYTES is answered without being parsed
        # (realtime.GuardedPacket); one over this the transport refuses, closing the connection.
        max_http_buffer_size=app.config["MAX_TRANSPORT_BYTES"],
        serializer=realtime.GuardedPacket,
    )
    realtime.FairShare(socketio.server, app.config)  # each connection's share of events

    from workshop.views import (
        about,
        api,
        exports,
        facilitator,
        log_refusal,
        participant,
        projector,
    )

    app.register_blueprint(api.bp)
    app.register_blueprint(facilitator.bp)
    app.register_blueprint(participant.bp)
    app.register_blueprint(projector.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(about.bp)
    app.after_request(log_refusal)
    security.init_app(app)  # after Socket.IO, so the proxy headers reach its middleware too
    return app
