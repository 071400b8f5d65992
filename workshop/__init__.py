"""The workshop server: create_app builds the Flask app with its database and live channel."""

from pathlib import Path

from flask import Flask, current_app, request, session
from flask_babel import get_locale

from workshop import catalogue, migrate, presence, security, wording
from workshop.config import PROJECT_ROOT, load_settings
from workshop.extensions import babel, db, socketio
from workshop.i18n import Translator
from workshop.limits import PerKey

PACKAGE_DIR = Path(__file__).resolve().parent


def select_language() -> str:
    """?lang= (remembered), else the remembered choice, else the browser's preference."""
    supported = list(current_app.config["INTERFACE_LANGUAGES"])
    wanted = request.args.get("lang")
    if wanted in supported:
        session["lang"] = wanted
        return wanted
    if session.get("lang") in supported:
        return session["lang"]
    best = request.accept_languages.best_match(supported)
    return best or current_app.config["DEFAULT_LANGUAGE"]


def create_app(config: dict | None = None) -> Flask:
    settings = load_settings(config)
    app = Flask(
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
    app.jinja_env.globals["current_language"] = lambda: str(get_locale())
    # One wording everywhere: templates call wording.<concept>(tr()) in the page's language.
    app.jinja_env.globals["wording"] = wording
    app.jinja_env.globals["tr"] = lambda: Translator(str(get_locale()))

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
