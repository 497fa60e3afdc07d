"""A node's own PostgreSQL connections: one that LISTENs (the doorbells), and links for its work.

:class:`NodeBus` keeps one connection LISTENing on the channels a node needs (events, tokens,
forwarded commands and their answers) and hands each notification's payload to that channel's
handler, on the event loop. NOTIFY is delivered at commit and never replayed to a listener that
was away, so after every (re)connection the bus first LISTENs, then calls ``on_listening``: the
handlers read from the tables whatever they may have missed (anything committed later rings).

:class:`PgLink` is one asyncio connection that reconnects when it is lost, for a node's reads
and writes that are not events (the store's own connection stays the events' writer).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import psycopg
from psycopg import sql

from consult_assist.errors import StoreUnavailable
from consult_assist.hub.postgres_store import CONNECT_ARGS
from consult_assist.hub.store import redact_url

__all__ = ["NodeBus", "PgLink"]

log = logging.getLogger(__name__)

RETRY_S = (0.2, 0.5, 1.0, 2.0)
"""Seconds between tries to get the LISTEN connection back (the last one repeats)."""


class PgLink:
    """One asyncio connection (autocommit) that reconnects on the next use after a loss."""

    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.name = name
        self._conn: psycopg.AsyncConnection[Any] | None = None

    async def connection(self) -> psycopg.AsyncConnection[Any]:
        """The connection, opened again if it was lost (StoreUnavailable if it cannot be)."""
        conn = self._conn
        if conn is not None and not conn.closed and not conn.broken:
            return conn
        args = {**CONNECT_ARGS, "application_name": f"consult-assist {self.name}"}
        try:
            self._conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True, **args)
        except psycopg.Error as exc:
            where = redact_url(self.url)
            raise StoreUnavailable(f"cannot reach the store {where}: {exc}") from None
        return self._conn

    async def fetch(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        """Run one statement; its rows (StoreUnavailable when the connection is lost)."""
        conn = await self.connection()
        try:
            cur = await conn.execute(query.encode(), params)
            return await cur.fetchall() if cur.description is not None else []
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            raise StoreUnavailable(f"{self.name}: {str(exc).strip().splitlines()[0]}") from None

    async def aclose(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                await self._conn.close()


class NodeBus:
    """LISTEN on ``handlers``' channels; reconnect; tell ``on_listening`` after each (re)start.

    ``on_listening(again)`` runs once LISTEN is in place (``again``: after a lost connection,
    so notifications may have been missed); :meth:`ready` is set after the first one returned.
    """

    def __init__(
        self,
        url: str,
        handlers: Mapping[str, Callable[[str], None]],
        on_listening: Callable[[bool], Awaitable[None]],
        *,
        name: str = "listen",
    ) -> None:
        self.url = url
        self.handlers = dict(handlers)
        self.connected = False
        self.reconnects = 0
        self.ready = asyncio.Event()
        self._on_listening = on_listening
        self._link = PgLink(url, name)

    async def run(self) -> None:
        """Listen until cancelled, reconnecting after a loss."""
        attempt, again = 0, False
        while True:
            try:
                conn = await self._link.connection()
                for channel in self.handlers:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                self.connected = True
                if again:
                    self.reconnects += 1
                    log.warning("listening to the other nodes again; catching up")
                await self._on_listening(again)
                self.ready.set()
                attempt = 0
                async for notice in conn.notifies():
                    handler = self.handlers.get(notice.channel)
                    if handler is not None:
                        try:
                            handler(notice.payload)
                        except Exception:
                            log.exception("a %s notification failed", notice.channel)
            except (psycopg.Error, StoreUnavailable) as exc:
                if self.connected or attempt == 0:
                    log.error("lost the connection that listens to the other nodes: %s", exc)
                self.connected = False
                again = True
                await asyncio.sleep(RETRY_S[min(attempt, len(RETRY_S) - 1)])
                attempt += 1

    async def aclose(self) -> None:
        await self._link.aclose()
