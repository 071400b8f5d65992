"""Heavy CPU work (parsing an upload, building a PDF or a workbook) off the event loop.

`offload(fn, *args)` runs `fn` in the async mode's own thread pool (eventlet's tpool,
gevent's hub threadpool) and waits for it cooperatively, so votes, acknowledgements and
broadcasts go on meanwhile; in threading mode (tests) it simply calls `fn`. The work must
be pure: data in, data out, no database session, no Flask request or app context. Never
call it inside a database transaction: waiting yields to other clients.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from workshop.extensions import db, socketio

T = TypeVar("T")


def offload(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    assert not db.in_write(), "offload() inside a write transaction"
    mode = socketio.async_mode
    if mode == "eventlet":
        from eventlet import tpool

        return tpool.execute(fn, *args, **kwargs)
    if mode == "gevent":
        import gevent

        return gevent.get_hub().threadpool.apply(fn, args, kwargs)
    return fn(*args, **kwargs)
