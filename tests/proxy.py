"""A TCP proxy on a loopback port for fault tests: a network that drops every connection at
once, refuses new ones for a while, then carries them again."""

import asyncio
import secrets
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from tests.servers import free_port


class Proxy:
    """Forwards 127.0.0.1:<port> to the target, on its own event loop thread."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.port = free_port()
        self.target = (target_host, target_port)
        self.accepting = True
        self.accepted = self.refused = 0
        self._pairs: set[tuple[asyncio.Transport, asyncio.Transport]] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._tasks: weakref.WeakSet[asyncio.Task] = weakref.WeakSet()

    def __enter__(self) -> "Proxy":
        self._thread.start()
        self._call(self._listen())
        return self

    def __exit__(self, *_exc) -> None:
        self._call(self._shut())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._carry, "127.0.0.1", self.port,
                                                  backlog=1024)

    async def _shut(self) -> None:
        self._server.close()
        self._abort_all()
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _carry(self, reader, writer) -> None:
        self._tasks.add(asyncio.current_task())
        if not self.accepting:
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.accepted += 1
        pair = (writer.transport, up_writer.transport)
        self._pairs.add(pair)
        pumps = [asyncio.ensure_future(_pump(reader, up_writer)),
                 asyncio.ensure_future(_pump(up_reader, writer))]
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            pass  # the proxy shuts
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            self._pairs.discard(pair)
            for transport in pair:
                transport.abort()

    def _abort_all(self) -> int:
        pairs, self._pairs = self._pairs, set()
        for pair in pairs:
            for transport in pair:
                transport.abort()
        return len(pairs)

    async def _drop(self) -> int:
        return self._abort_all()

    def drop(self) -> int:
        """Cut every connection now, both ways, without a goodbye; returns how many."""
        return self._call(self._drop())

    def down(self) -> int:
        """Cut every connection and refuse new ones until up()."""
        self.accepting = False
        return self.drop()

    def up(self) -> None:
        self.accepting = True

    @property
    def open(self) -> int:
        return len(self._pairs)


@contextmanager
def proxied_postgres(database_url: str, name: str = "workshop-test") -> Iterator[Proxy]:
    """A proxy in front of the PostgreSQL that database_url names: `proxy.url` reaches the same
    database through it, with an application name of its own (`proxy.application_name`) that
    finds the server's backends and never anybody else's."""
    parts = urlsplit(database_url)
    application_name = f"{name}-{secrets.token_hex(4)}"
    with Proxy(parts.port or 5432, parts.hostname) as proxy:
        user = parts.netloc.rpartition("@")[0]
        netloc = f"{user}@127.0.0.1:{proxy.port}" if user else f"127.0.0.1:{proxy.port}"
        query = f"{parts.query}&application_name={application_name}" if parts.query else \
            f"application_name={application_name}"
        proxy.url = urlunsplit(parts._replace(netloc=netloc, query=query))
        proxy.application_name = application_name
        yield proxy


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
