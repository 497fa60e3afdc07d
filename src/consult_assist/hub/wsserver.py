"""The hub's websocket server: an asyncio transport around two sans-I/O cores.

Each TCP connection pairs websockets' public sans-I/O :class:`~websockets.server.ServerProtocol`
(handshake, framing, ping/pong, close handshake, size limit) with our
:class:`~consult_assist.hub.connection.Connection` (auth, limits, commands, paging). This module
is only glue: bytes in → frames → messages into the connection; the connection's output →
frames → one socket write.

Why not websockets' own asyncio server: fan-out sends every event to every client, and its
``send()`` makes one socket write per message (an iterable is one fragmented message, not
several). Writing whatever a client has queued as one write per event-loop turn took bench hub's
delivery p99 from 131 to 47 ms, and one ``send()`` per message costs twice the server CPU per
delivery of this adapter (docs/benchmarks.md); websockets offers no public way to batch writes
but driving its sans-I/O protocol ourselves. What websockets' asyncio server did here is done
the same way: open and close timeouts of 10 s, a ping every 20 s with a 20 s pong timeout, 1009
for an oversize message, 1001 when the server stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import ssl
from collections.abc import Callable
from typing import cast

from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import CONNECTING, OPEN
from websockets.server import ServerProtocol

from consult_assist.hub.auth import TokenBook
from consult_assist.hub.connection import Connection, HubPort
from consult_assist.hub.limits import ConnectionLimits
from consult_assist.hub.logredact import redacting_logger
from consult_assist.hub.protocol import CLOSE_SHUTDOWN

__all__ = ["HEALTH_PATH", "HubServer", "serve_hub"]

log = logging.getLogger(__name__)
_FRAMES_LOG = redacting_logger("websockets.server.consult_assist")
"""websockets' frame log (DEBUG, and only with --log-content): tokens masked."""

OPEN_TIMEOUT_S = 10.0
"""Seconds a client has to complete the websocket handshake."""
CLOSE_TIMEOUT_S = 10.0
"""Seconds the peer has to finish the closing handshake before the socket is cut."""
PING_INTERVAL_S = 20.0
"""A keepalive ping every this many seconds…"""
PING_TIMEOUT_S = 20.0
"""…answered within this many, or the connection is closed (1011)."""
HEALTH_PATH = "/healthz"
"""A plain HTTP GET here (no websocket upgrade) answers the node's health."""
WRITE_LIMIT = 2**15
"""Bytes buffered for a client before its connection stops taking more (flow control)."""


class _Socket(asyncio.Protocol):
    """One client connection: the websocket protocol, the hub session, and their writes."""

    def __init__(self, server: HubServer) -> None:
        self._server = server
        self._loop = asyncio.get_running_loop()
        self._ws = ServerProtocol(max_size=server.limits.max_message_bytes, logger=_FRAMES_LOG)
        self._transport: asyncio.Transport | None = None
        self._conn: Connection | None = None
        self._peer = "client"
        self._paused = False
        self._pump_due = False
        self._fragments: list[bytes | bytearray | memoryview] = []
        self._fragment_text = False
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._ping: bytes | None = None
        self.closed: asyncio.Future[None] = self._loop.create_future()

    # --- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._transport.set_write_buffer_limits(high=WRITE_LIMIT)
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and len(peer) >= 2:
            self._peer = f"{peer[0]}:{peer[1]}"
        self._server.sockets.add(self)
        self._later("open", OPEN_TIMEOUT_S, self._abort)

    def data_received(self, data: bytes) -> None:
        self._ws.receive_data(data)
        self._handle_events()

    def eof_received(self) -> None:
        self._ws.receive_eof()
        self._handle_events()

    def connection_lost(self, exc: Exception | None) -> None:
        self._ws.receive_eof()  # idempotent: the protocol is CLOSED now
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        if self._conn is not None:
            log.debug("%s: connection ended: %s", self._peer, exc or self._ws.close_code)
            self._conn.connection_lost()
        self._server.sockets.discard(self)
        if not self.closed.done():
            self.closed.set_result(None)

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        self._wake()

    # --- incoming -----------------------------------------------------------------------------

    def _handle_events(self) -> None:
        try:
            for event in self._ws.events_received():
                if isinstance(event, Request):
                    self._accept(event)
                elif isinstance(event, Frame):
                    self._frame(event)
        except Exception:
            # The connection's decisions never raise; this is a bug: close this client only.
            log.exception("%s: internal error; closing the connection", self._peer)
            self._ws.fail(1011, "internal error")
        self._flush()

    def _accept(self, request: Request) -> None:
        if request.path == HEALTH_PATH and "Upgrade" not in request.headers:
            # A load balancer's check: 200 while this node takes calls, 503 while it drains.
            self._ws.send_response(self._ws.reject(*self._server.health()))
            return
        self._ws.send_response(self._ws.accept(request))
        if self._ws.state is not OPEN:
            return  # refused (not a websocket request): the response is sent, then EOF
        self._cancel("open")
        now = self._loop.time()
        self._conn = Connection(
            self._server.hub,
            self._server.tokens,
            self._server.limits,
            now=now,
            peer=self._peer,
            wake=self._wake,
        )
        self._later("auth", self._conn.auth_deadline - now, self._auth_timeout)
        self._later("ping", PING_INTERVAL_S, self._keepalive)

    def _frame(self, frame: Frame) -> None:
        if frame.opcode is Opcode.PONG and self._ping is not None and frame.data == self._ping:
            self._ping = None
            self._cancel("pong")
            return
        if frame.opcode is Opcode.TEXT or frame.opcode is Opcode.BINARY:
            self._fragments = [frame.data]
            self._fragment_text = frame.opcode is Opcode.TEXT
        elif frame.opcode is Opcode.CONT:
            self._fragments.append(frame.data)
        else:
            return  # ping (answered by the protocol), close (handled by it)
        if not frame.fin:
            return
        data = b"".join(self._fragments)
        self._fragments = []
        conn = self._conn
        if conn is None or self._ws.state is not OPEN:
            return
        if not self._fragment_text:
            conn.receive_audio(data, self._loop.time())
            return
        try:
            text = data.decode()
        except UnicodeDecodeError as exc:
            self._ws.fail(1007, f"{exc.reason} at position {exc.start}")
            self._expect_close()
            return
        conn.receive_text(text, self._loop.time())

    def _auth_timeout(self) -> None:
        if self._conn is not None:
            self._conn.tick(self._loop.time())

    def _keepalive(self) -> None:
        if self._ws.state is not OPEN:
            return
        self._ping = os.urandom(4)
        self._ws.send_ping(self._ping)
        self._flush()
        self._later("pong", PING_TIMEOUT_S, self._pong_timeout)
        self._later("ping", PING_INTERVAL_S, self._keepalive)

    def _pong_timeout(self) -> None:
        if self._ws.state is OPEN:
            self._ws.fail(1011, "keepalive ping timeout")
            self._flush()
            self._expect_close()

    # --- outgoing -----------------------------------------------------------------------------

    def _wake(self) -> None:
        """The connection has something to send or a close: write it on the next loop turn.

        Deferring to the next turn is what batches: every event published meanwhile (a
        fan-out touches every client) goes out in the same write.
        """
        if not self._pump_due:
            self._pump_due = True
            self._loop.call_soon(self._pump)

    def _pump(self) -> None:
        self._pump_due = False
        conn = self._conn
        if conn is None or self._ws.state is not OPEN:
            return
        while not self._paused and (batch := conn.messages_to_send()):
            for message in batch:
                self._ws.send_text(message.encode())
            self._flush()
        if conn.closing is not None:
            self._close(conn.closing.code, conn.closing.reason)

    def _close(self, code: int, reason: str) -> None:
        """Start the closing handshake (after what is already buffered for the client)."""
        if self._ws.state is not OPEN:
            return
        log.debug("%s: closing %d", self._peer, code)
        self._ws.send_close(code, reason)
        self._flush()
        self._expect_close()

    def _expect_close(self) -> None:
        if self._ws.close_expected() and "close" not in self._timers:
            self._later("close", CLOSE_TIMEOUT_S, self._abort)

    def _flush(self) -> None:
        transport = self._transport
        chunks = self._ws.data_to_send()
        if transport is None or transport.is_closing():
            return
        data = b"".join(chunks)
        if data:
            transport.write(data)
        if chunks and not chunks[-1]:  # SEND_EOF: our side is done
            if transport.can_write_eof():
                transport.write_eof()
            else:
                transport.close()
            self._expect_close()

    def _abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    # --- timers -------------------------------------------------------------------------------

    def _later(self, name: str, delay: float, callback: Callable[[], None]) -> None:
        self._cancel(name)
        self._timers[name] = self._loop.call_later(delay, callback)

    def _cancel(self, name: str) -> None:
        timer = self._timers.pop(name, None)
        if timer is not None:
            timer.cancel()

    def recheck(self, tokens: TokenBook) -> None:
        if self._conn is not None:
            self._conn.recheck(tokens)

    # --- server shutdown ----------------------------------------------------------------------

    def shut_down(self) -> None:
        """The server stops: going away (1001), or cut a handshake short."""
        if self._ws.state is OPEN:
            self._close(CLOSE_SHUTDOWN, "")
        elif self._ws.state is CONNECTING:
            self._abort()


class HubServer:
    """The listening websocket server of a hub (what :func:`serve_hub` returns)."""

    def __init__(self, hub: HubPort, tokens: TokenBook, limits: ConnectionLimits) -> None:
        self.hub = hub
        self.tokens = tokens
        self.limits = limits
        self.sockets: set[_Socket] = set()
        self._server: asyncio.Server | None = None
        self.health: Callable[[], tuple[int, str]] = lambda: (200, "ok\n")
        """``GET /healthz``: the HTTP status and text (``serve`` says 503 while draining)."""

    def apply_tokens(self, tokens: TokenBook) -> None:
        """New tokens: later connections check against them; a live one whose token was
        revoked or replaced is closed with 4001 (the hook the token watcher drives)."""
        self.tokens = tokens
        for sock in tuple(self.sockets):
            sock.recheck(tokens)

    @property
    def port(self) -> int:
        """The TCP port it listens on (useful after asking for port 0)."""
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self, host: str, port: int, ssl_context: ssl.SSLContext | None) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Socket(self), host, port, ssl=ssl_context)

    async def close(self) -> None:
        """Stop listening, close every connection (1001, going away) and wait for them."""
        if self._server is not None:
            self._server.close()
        for sock in list(self.sockets):
            sock.shut_down()
        closing = [sock.closed for sock in self.sockets]
        if closing:
            await asyncio.gather(*closing, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()


async def serve_hub(
    hub: HubPort,
    tokens: TokenBook,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    ssl_context: ssl.SSLContext | None = None,
    limits: ConnectionLimits | None = None,
) -> HubServer:
    """Start the websocket server on ``host:port``."""
    server = HubServer(hub, tokens, limits or ConnectionLimits())
    await server.start(host, port, ssl_context)
    return server
