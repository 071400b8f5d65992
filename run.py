"""Start the workshop server: python run.py [--host HOST] [--port PORT] [--room]."""

import argparse
import os
import resource
import socket
import sys
import warnings

# The server is never a Socket.IO client, but python-engineio imports its clients' transports
# (requests, websocket-client, aiohttp) whenever they are installed, as they are in .venv for
# the tests and benchmarks: ~13 MB of every server process (127 -> 114 MB at start) for
# nothing. Marked missing here, in the server process only, the clients simply go without.
for _client_only in ("requests", "websocket", "aiohttp"):
    sys.modules.setdefault(_client_only, None)

# The async library must patch the standard library before anything else is imported.
_ASYNC_MODE = os.environ.get("WORKSHOP_ASYNC_MODE", "eventlet")
if _ASYNC_MODE == "eventlet":
    # Our choice, documented in the README; facilitators need not read eventlet's notice.
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    # Everything, psycopg2 included (eventlet.support.psycopg2_patcher): it waits for
    # PostgreSQL in C, and unpatched one slow query would stall every client.
    eventlet.monkey_patch()
elif _ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()
    # gevent does not patch psycopg2 itself (see the eventlet case).
    from psycogreen.gevent import patch_psycopg

    patch_psycopg()

from workshop import collector, create_app  # noqa: E402
from workshop.extensions import socketio  # noqa: E402
from workshop.room import open_to_room  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description="Live workshop server")
    parser.add_argument("--host", default=os.environ.get("HOST"))
    parser.add_argument("--port", type=int, default=os.environ.get("PORT"))
    parser.add_argument("--room", action="store_true",
                        help="listen on all interfaces (instead of --host) and give phones "
                             "this laptop's address on the room's network")
    args = parser.parse_args()
    app = create_app()
    host = args.host or app.config["HOST"]
    port = int(args.port or app.config["PORT"])
    if args.room:
        host = "0.0.0.0"
        app.config["PUBLIC_URL"], text = open_to_room(app.config["PUBLIC_URL"], port)
        print(text, flush=True)
    else:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        print(f"Workshop server on http://{shown}:{port}/", flush=True)
        print(f"Facilitator: open http://{shown}:{port}/ to create a session.", flush=True)
        if host in ("127.0.0.1", "localhost"):
            print("Phones in the room cannot reach 127.0.0.1; start with `make room` for them.",
                  flush=True)
    serve(app, host, port)


def serve(app, host: str, port: int) -> None:
    """Every phone of a full hall at once: each connection holds a file descriptor (the
    process may open as many as the system lets it), and under eventlet the server is told
    how many it may hold (its default is 1,024) and how many may wait to be accepted."""
    most = app.config["MAX_CONNECTIONS"]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = most + 256  # the database, logs, the message queue
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
        if raised < wanted:
            print(f"This system lets the server open {raised} files: fewer than "
                  f"{most} phones can connect at once.", flush=True)
    collector.tune()  # the objects made so far live as long as the process
    if socketio.async_mode == "eventlet":
        import eventlet.wsgi

        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = eventlet.listen((host, port), family, backlog=min(most, 4096))
        eventlet.wsgi.server(listener, app, log_output=False, max_size=most)
    else:
        socketio.run(app, host=host, port=port, log_output=False)


if __name__ == "__main__":
    main()
