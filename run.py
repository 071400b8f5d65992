"""Start the workshop server: python run.py [--host HOST] [--port PORT] [--room]."""

import argparse
import os
import warnings

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

from workshop import create_app  # noqa: E402
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
    socketio.run(app, host=host, port=port, log_output=False)


if __name__ == "__main__":
    main()
