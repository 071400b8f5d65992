"""Settings: defaults in one class, overridden by WORKSHOP_* environment variables."""

import os
import secrets
from pathlib import Path

from workshop import datadir

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Config:
    """Every setting the server reads. Each can be set as WORKSHOP_<NAME> in the environment."""

    # Where the SQLite database, the generated secret key and saved results live.
    DATA_DIR = str(PROJECT_ROOT / "sessions")
    # Empty means SQLite in DATA_DIR; DATABASE_URL (without prefix) is honoured too.
    DATABASE_URL = ""
    # Empty means: read DATA_DIR/secret_key, creating it on first start.
    SECRET_KEY = ""
    # eventlet (default), gevent or threading; the code uses only Flask-SocketIO primitives.
    ASYNC_MODE = "eventlet"
    # A Redis URL when several worker processes share the Socket.IO rooms; presence (who is
    # connected) and the numbering of live updates are then kept there too (workshop/presence.py).
    MESSAGE_QUEUE = ""
    # The Redis channel of the message queue, and the prefix of the keys kept there: servers
    # sharing one Redis for different workshops keep apart by choosing different names.
    MESSAGE_QUEUE_CHANNEL = "workshop"
    # With a message queue: seconds after which a worker that stopped saying it is alive
    # (killed, frozen) no longer counts its phones as present.
    PRESENCE_TTL = 20.0
    # The address phones use, e.g. http://192.168.1.20:5000; empty means the request's host.
    PUBLIC_URL = ""
    HOST = "127.0.0.1"
    PORT = 5000
    DEFAULT_LANGUAGE = "de"
    # Languages of the start page, console, projector and summary.
    INTERFACE_LANGUAGES = ("de", "en")
    # Languages of the join page and the phone (a superset of INTERFACE_LANGUAGES): a phone
    # speaks the session's language when it is one of these. de-x-ls is Leichte Sprache.
    PHONE_LANGUAGES = ("de", "en", "ar", "fa", "uk", "ru", "tr", "de-x-ls")
    # Largest request body (forms, JSON): a catalogue upload with a little room for the form.
    MAX_CONTENT_LENGTH = 1024 * 1024 + 64 * 1024
    # A catalogue file (YAML or JSON); the built-in toolbox in eight languages is ~0.4 MiB.
    MAX_CATALOGUE_BYTES = 1024 * 1024
    # A session's JSON backup for POST /api/sessions/import (about 45,000 votes: 400 people
    # answering every item of the toolbox).
    MAX_IMPORT_BYTES = 8 * 1024 * 1024
    # Tallies, results and idea lists go out at most this often per session (seconds),
    # however fast votes arrive. 0 turns the background sender off (tests flush by hand).
    LIVE_FLUSH_INTERVAL = 0.3
    # While a round is open its results (means, distributions: read from every vote) are
    # recomputed at most this often (seconds); the tally (who took part) goes with every
    # flush, and results of a round that closed or was revealed go out at once. 0: every flush.
    LIVE_RESULTS_INTERVAL = 1.0
    # While voting, a round too long for one projector screen turns its pages by itself this
    # often (seconds); results pages are turned by the facilitator.
    PROJECTOR_PAGE_SECONDS = 12.0
    # Largest Socket.IO message a client may send: a larger one is answered `payload_too_large`
    # without being parsed, up to MAX_TRANSPORT_BYTES; beyond that the transport drops it.
    MAX_EVENT_BYTES = 64 * 1024
    MAX_TRANSPORT_BYTES = 1024 * 1024
    # Each connection may send EVENT_RATE events a second, in bursts of up to EVENT_BURST
    # (a phone resending its outbox); beyond that events are answered `rate_limited` and not
    # done. A connection refused FLOOD_LIMIT times in a row is dropped.
    EVENT_RATE = 20.0
    EVENT_BURST = 60
    FLOOD_LIMIT = 500
    # Connections (phones, projectors, consoles) the server holds at once, over all sessions;
    # run.py raises the process's open-file limit to fit them.
    MAX_CONNECTIONS = 5000
    # Participants who may join one live session (an imported archive is not capped).
    MAX_PARTICIPANTS = 1000
    # Per address: failed join codes a minute, sessions created an hour.
    JOIN_FAILURES_PER_MINUTE = 20
    SESSIONS_PER_HOUR = 60
    # Seconds SQLite waits for another process's write lock before giving up.
    SQLITE_BUSY_TIMEOUT = 5.0
    # Creating sessions, uploading or deleting catalogues and importing need this key
    # (Authorization: Bearer <key>, or entered once on the start page). Empty: only requests
    # from the server's own machine may do these things.
    ORGANISER_KEY = ""
    # How many reverse proxies (nginx, ...) stand in front of the server and set
    # X-Forwarded-For/-Proto/-Host/-Port/-Prefix. 0: trust no such header.
    TRUSTED_PROXIES = 0
    # Where people report barriers, named in the accessibility statement (/accessibility): an
    # e-mail address, a web address or any text (a phone number, a postal address).
    ACCESSIBILITY_CONTACT = ""
    # The enforcement or conciliation body responsible for whoever runs this server (for a
    # municipality: its Land's), as text or a web address. Empty: the statement names the
    # federal conciliation body and says that each Land has its own.
    ACCESSIBILITY_ENFORCEMENT = ""
    # Run Alembic migrations when the app is created.
    AUTO_MIGRATE = True
    TESTING = False


def _coerce(value: str, default):
    """Convert an environment string to the type of the setting's default."""
    if isinstance(default, bool):
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"expected a boolean, got {value!r}")
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    if isinstance(default, tuple):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def load_settings(override: dict | None = None, environ=None) -> dict:
    """Defaults, then the environment (WORKSHOP_*, DATABASE_URL), then an explicit override."""
    environ = os.environ if environ is None else environ
    settings = {
        name: getattr(Config, name) for name in dir(Config) if name.isupper()
    }
    if environ.get("DATABASE_URL"):
        settings["DATABASE_URL"] = environ["DATABASE_URL"]
    for name, default in list(settings.items()):
        key = "WORKSHOP_" + name
        if key in environ:
            try:
                settings[name] = _coerce(environ[key], default)
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
    settings.update(override or {})
    data_dir = Path(settings["DATA_DIR"])
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{data_dir / 'workshop.db'}"
    settings["DATABASE_URL"] = normalise_database_url(settings["DATABASE_URL"])
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = _stored_secret(data_dir)
    return settings


def normalise_database_url(url: str) -> str:
    """Plain postgres:// or postgresql:// URLs use psycopg2, the driver we ship and test."""
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            return "postgresql+psycopg2://" + url[len(plain):]
    return url


def _stored_secret(data_dir: Path) -> str:
    """A secret key that survives restarts, so cookies set before a restart stay valid."""
    datadir.folder(data_dir)
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_hex(32)
        # Write aside, then link into place: two workers starting together agree on one key.
        tmp = data_dir / f".secret_key.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, datadir.FILE_MODE)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        try:
            os.link(tmp, path)
        except FileExistsError:
            key = path.read_text().strip()
        finally:
            tmp.unlink()
        return key
