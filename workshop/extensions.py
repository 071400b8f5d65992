"""The database, Socket.IO and Babel extensions, created unbound and bound in create_app."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import Babel
from flask_socketio import SocketIO
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from workshop import datadir
from workshop.errors import WorkshopError


class Database:
    """Engine and sessions. Every write goes through `write()`; see its docstring."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._reader: sessionmaker[Session] | None = None
        self._writer: sessionmaker[Session] | None = None
        # Whether this thread or green thread is inside write(). A context variable: every
        # green thread (one per event) and thread starts with its own context, and reading
        # one costs next to nothing, where eventlet's green thread-local builds a dict for
        # each new green thread on first use.
        self._writing: ContextVar[bool] = ContextVar("workshop_db_writing", default=False)
        self.group = GroupCommit(self)

    def init_app(self, app) -> None:
        self.bind(app.config["DATABASE_URL"], app.config["SQLITE_BUSY_TIMEOUT"])
        app.extensions["workshop_db"] = self

    def bind(self, url: str, busy_timeout: float = 5.0) -> None:
        if self.engine is not None:
            self.engine.dispose()
        self.engine = make_engine(url, busy_timeout)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite: take the write lock at BEGIN, so a transaction never fails half-way
        # on a lock upgrade; other backends ignore the option.
        writer_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._writer = sessionmaker(writer_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine is not None and self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; whatever it changed is rolled back."""
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One short transaction, committed on success and rolled back on any exception.

        Under eventlet or gevent a green thread that yields while holding SQLite's write
        lock would make every other writer wait out the busy timeout and freeze the process,
        so nothing inside may yield: no emit, no sleep, no network. Broadcast after the
        block, when the commit has succeeded. `in_write()` lets callers assert this.
        """
        if self._writing.get():
            raise RuntimeError("nested write transaction")
        token = self._writing.set(True)
        try:
            with self._writer() as session, session.begin():
                yield session
        finally:
            self._writing.reset(token)

    def in_write(self) -> bool:
        return self._writing.get()

    def write_grouped(self, work: Callable[[Session], Any]) -> Any:
        """`work` in a transaction shared with the other grouped writes waiting at this moment
        (group commit): one writer takes every write that arrived while it committed the last
        ones, runs them in one transaction, commits once and only then answers each. A write
        refused with a WorkshopError must not have changed anything before it raised: it
        gets its error, the others are kept. Anything else failing the transaction makes each
        write run again on its own, so one fault never costs its batch-mates their write.
        Waits (yields) until its transaction is committed: call it outside any transaction."""
        if self.in_write():
            raise RuntimeError("nested write transaction")
        return self.group.run(work)


@dataclass
class _Grouped:
    work: Callable[[Session], Any]
    done: Any  # the async mode's Event
    result: Any = None
    error: BaseException | None = None


class GroupCommit:
    """The writer behind Database.write_grouped; `batches` and `writes` count what it did."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.waiting: list[_Grouped] = []
        self.writing = False
        self.lock = threading.Lock()  # held only to swap the list, never across a yield
        self.batches = self.writes = 0

    def run(self, work: Callable[[Session], Any]) -> Any:
        entry = _Grouped(work, socketio.server.eio.create_event())
        with self.lock:
            self.waiting.append(entry)
            start, self.writing = not self.writing, True
        if start:
            socketio.start_background_task(self._write_all)
        entry.done.wait()
        if entry.error is not None:
            raise entry.error
        return entry.result

    def _write_all(self) -> None:
        while True:
            with self.lock:
                batch, self.waiting = self.waiting, []
                if not batch:
                    self.writing = False
                    return
            try:
                self._write(batch)
            finally:
                for entry in batch:
                    entry.done.set()
            socketio.sleep(0)  # the answered phones' next writes come in before the next batch

    def _write(self, batch: list[_Grouped]) -> None:
        try:
            with self.database.write() as session:
                for entry in batch:
                    try:
                        entry.result = entry.work(session)
                    except WorkshopError as exc:  # refused before it changed anything
                        entry.error = exc
        except Exception as exc:
            if len(batch) == 1:
                batch[0].result, batch[0].error = None, exc
                return
            for entry in batch:  # nothing of the batch was stored: each on its own now
                if not isinstance(entry.error, WorkshopError):
                    entry.error = None
                    self._write([entry])
            return
        self.batches += 1
        self.writes += len(batch)


# SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN (primary result codes).
SQLITE_STORAGE_ERRORS = {8, 10, 13, 14}


def make_engine(url: str, busy_timeout: float = 5.0) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        datadir.folder(Path(parsed.database).parent)
        datadir.private_file(parsed.database)  # before SQLite creates it world-readable
    engine = create_engine(
        url, connect_args={"timeout": busy_timeout, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite would not
        # send BEGIN IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: a commit is on disk before the vote is acknowledged, even on power loss.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "handle_error")
    def _sqlite_storage_error(context):
        # A connection opened while the folder was read-only stays read-only, and one that
        # met a full disk or an I/O error may keep a broken file state: let the pool open
        # fresh ones, so writing resumes by itself once the folder is writable again.
        # SQLite shares one view of the files among all connections of a process, so every
        # pooled connection goes, and the failed cursor is closed: a connection closed with
        # a statement still open lingers, and keeps the files open read-only.
        code = getattr(context.original_exception, "sqlite_errorcode", 0) & 0xFF
        if code in SQLITE_STORAGE_ERRORS:
            context.is_disconnect = True
            cursor = getattr(context.execution_context, "cursor", None)
            if cursor is not None:
                cursor.close()
            context.engine.pool.dispose()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


db = Database()
socketio = SocketIO()
babel = Babel()
