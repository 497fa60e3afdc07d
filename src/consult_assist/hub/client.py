"""The client side of protocol v1: the ``HubClient`` port and its websocket implementation.

Apps (handler, supervisor, replay, bench) talk to the server only through :class:`HubClient`,
so tests inject :class:`~consult_assist.testing.FakeHubClient`. The websocket client
authenticates, correlates replies by ``id``, keeps the last ``seq`` of every session it has
seen, and on a dropped connection reconnects with backoff and re-subscribes "after" those seqs:
the stream of events it yields has no gaps and no duplicates across reconnects.

It may be given several servers (the nodes of one centre, which share a store): it connects
to the first that answers, and when a connection is lost it tries the next one at once, waiting
(with backoff) only after a whole round has failed. Any node serves every call from the shared
store, so resuming by seq on another node loses and doubles nothing. Audio is another matter:
a call belongs to the node that receives its audio, so a client that was streaming a call is
told that call is over (:meth:`WebSocketHubClient.send_audio` raises) rather than streaming
into another node.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import socket
import ssl
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from consult_assist.errors import (
    AccessError,
    AuthError,
    ConfigError,
    ConsultAssistError,
    ProtocolError,
    StoreUnavailable,
)
from consult_assist.events import Event
from consult_assist.hub.access import Identity
from consult_assist.hub.logredact import redacting_logger
from consult_assist.hub.protocol import CLOSE_AUTH_TIMEOUT, CLOSE_UNAUTHORIZED
from consult_assist.wire import VERSION, event_from_dict

__all__ = [
    "ClientError",
    "ConnectionState",
    "HubClient",
    "Identity",
    "ManualSection",
    "SessionInfo",
    "Update",
    "WebSocketHubClient",
    "server_urls",
]

log = logging.getLogger(__name__)
RESUME_MARGIN_S = 60.0
"""On a resume, calls started up to this long before the client last heard the server are
asked for too (the server's start times are its own clock)."""
_FRAMES_LOG = redacting_logger("websockets.client.consult_assist")


class ClientError(ConsultAssistError):
    """The connection failed a request: ``code`` says how, for the apps' own words.

    ``unreachable`` (no server there), ``tls`` (its certificate is not trusted), ``timeout``
    (no answer in time), ``lost`` (the connection dropped), ``not_connected``. Refusals by the
    server come as :class:`ProtocolError`, :class:`AccessError` or :class:`AuthError` with the
    server's code.
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def server_urls(text: str) -> tuple[str, ...]:
    """``--server``: one ws:// or wss:// URL, or several separated by commas (the nodes of one
    centre, tried in order); ConfigError for anything else."""
    urls = tuple(u.strip() for u in text.split(",") if u.strip())
    if not urls:
        raise ConfigError(
            "no server given: pass --server ws://HOST:PORT/ (or several, comma-separated)"
        )
    for url in urls:
        if not url.startswith(("ws://", "wss://")):
            raise ConfigError(f"the server URL must start with ws:// or wss:// (got {url!r})")
    return urls


@dataclass(frozen=True)
class ConnectionState:
    """A change in the connection, interleaved with events in :meth:`HubClient.updates`.

    ``state`` is ``connected``, ``disconnected`` (will retry in ``retry_in_s``) or ``failed``
    (gave up: a wrong token, or :meth:`HubClient.close` was called). ``detail`` is an English
    sentence for logs and the command line; ``code`` says the same for the apps' own words
    (``lost``, ``busy``, ``unreachable``, ``tls``, ``auth``, ``closed``; "" when connected).
    """

    state: Literal["connected", "disconnected", "failed"]
    detail: str = ""
    retry_in_s: float | None = None
    code: str = ""


@dataclass(frozen=True)
class SessionInfo:
    """One session as listed by the server (``sessions`` request)."""

    id: str
    owner: str
    training: bool
    live: bool
    last_seq: int
    started_at: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)
    ended_at: str = ""
    end_reason: str = ""
    duration_s: float | None = None
    """Seconds of call audio, once ended."""
    closed: bool = False
    """The record is final (``record.closed``): no more notes."""


@dataclass(frozen=True)
class ManualSection:
    """A whole manual section, for "open the section"."""

    id: str
    title: str
    body: str


Update = Event | ConnectionState


class HubClient(Protocol):
    """What the apps need of the server connection."""

    @property
    def identity(self) -> Identity | None: ...

    async def connect(self) -> Identity:
        """Connect and authenticate (raises AuthError on a wrong token)."""
        ...

    def updates(self) -> AsyncIterator[Update]:
        """Events of subscribed sessions (in seq order, no duplicates) and connection changes."""
        ...

    async def subscribe(self, target: str, after: Mapping[str, int] | None = None) -> None:
        """Follow ``"*"`` (supervisors), ``"mine"`` or one session id."""
        ...

    async def sessions(
        self, *, live_only: bool = True, since: str = "", search: str = ""
    ) -> list[SessionInfo]:
        """Sessions this client may see, newest first: started since ``since`` (ISO 8601),
        with ``search`` in their transcript or notes."""
        ...

    async def start_session(
        self,
        *,
        rate: int = 16_000,
        channels: int = 1,
        speakers: Sequence[str] = ("",),
        training: bool = False,
        for_handler: str = "",
        meta: Mapping[str, Any] | None = None,
        source_rate: int | None = None,
    ) -> str:
        """Open a session whose audio this client will send; returns the session id."""
        ...

    async def send_audio(self, pcm: bytes) -> None:
        """Send interleaved little-endian int16 PCM at the declared rate."""
        ...

    async def end_session(self, session: str) -> None: ...

    async def help(self, session: str, reason: str = "") -> None: ...

    async def advice(self, session: str, text: str) -> None: ...

    async def note(self, session: str, text: str, *, replaces: int = 0) -> None:
        """A note for the record; ``replaces`` edits that note (empty ``text`` withdraws it)."""
        ...

    async def close_record(self, session: str) -> None:
        """Make the record of an ended call final (no note is added or edited after)."""
        ...

    async def ack(self, session: str, seq: int) -> None: ...

    async def record(self, session: str, fmt: Literal["md", "json"] = "md") -> str: ...

    async def section(self, section_id: str) -> ManualSection: ...

    async def close(self) -> None: ...


_ERRORS: Mapping[str, type[ConsultAssistError]] = {
    "forbidden": AccessError,
    "unauthorized": AuthError,
    "store_unavailable": StoreUnavailable,
}


class WebSocketHubClient:
    """:class:`HubClient` over a real websocket, with reconnect-and-resume."""

    def __init__(
        self,
        url: str | Sequence[str],
        token: str,
        *,
        reconnect: bool = True,
        backoff_s: Sequence[float] = (0.5, 1.0, 2.0, 5.0, 10.0),
        request_timeout_s: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
        max_queue: int = 10_000,
    ) -> None:
        self.urls = (url,) if isinstance(url, str) else tuple(url)
        """The servers to try, in order (the nodes of one centre, or one load balancer)."""
        if not self.urls:
            raise ConsultAssistError("no server URL given")
        self.url = self.urls[0]
        """The server connected to (or being tried)."""
        self.store_state: Mapping[str, Any] | None = None
        """The server's last ``store.state`` message (``state``: unavailable or available)."""
        self._token = token
        self._reconnect = reconnect
        self._backoff = tuple(backoff_s) or (1.0,)
        self._timeout = request_timeout_s
        self._ssl = ssl_context
        self._identity: Identity | None = None
        self._ws: Any = None
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._updates: asyncio.Queue[Update | None] = asyncio.Queue(max_queue)
        self._last_seq: dict[str, int] = {}
        self._heard_at = time.time()
        """When this client last received anything from a server (wall clock)."""
        self._targets: list[str] = []
        self._reader: asyncio.Task[None] | None = None
        self._closing = False
        self._connected = asyncio.Event()
        self._gave_up: ClientError | None = None
        """Set when the client stopped reconnecting: requests and audio fail with it."""
        self._streaming: str | None = None
        self._stream_lost = ""

    @property
    def identity(self) -> Identity | None:
        return self._identity

    @property
    def last_seq(self) -> Mapping[str, int]:
        """The last seq received per session (what a resume asks to continue after)."""
        return dict(self._last_seq)

    async def connect(self) -> Identity:
        """Connect to the first server that answers (AuthError at once on a refused token)."""
        failed: list[str] = []
        for _ in self.urls:
            try:
                identity = await self._open()
                break
            except AuthError:
                raise
            except ConsultAssistError as exc:
                failed.append(str(exc))
                self.url = self._next_url()
        else:
            raise ConsultAssistError("; ".join(failed))
        self._reader = asyncio.create_task(self._run())
        return identity

    def _next_url(self) -> str:
        return self.urls[(self.urls.index(self.url) + 1) % len(self.urls)]

    async def _open(self) -> Identity:
        kwargs: dict[str, Any] = {
            "max_size": 4 * 2**20,
            "open_timeout": self._timeout,
            "compression": None,
            # At DEBUG websockets logs each frame, the auth message too: tokens are masked.
            "logger": _FRAMES_LOG,
        }
        if self.url.startswith("wss:"):
            kwargs["ssl"] = self._ssl or ssl.create_default_context()
        try:
            ws = await connect(self.url, **kwargs)
        except ssl.SSLCertVerificationError as exc:
            raise ClientError(
                f"the server at {self.url} presented a certificate this machine does not trust "
                f"({exc.verify_message}): give the CA that signed it with --ca-file "
                "(or --insecure-skip-verify in a lab)",
                "tls",
            ) from None
        except ssl.SSLError as exc:
            raise ClientError(
                f"no TLS connection to {self.url} ({exc.reason or exc}): is it a wss:// server?",
                "tls",
            ) from None
        except (OSError, TimeoutError) as exc:
            raise ClientError(
                f"cannot reach the server at {self.url}: {_why(exc)}", "unreachable"
            ) from None
        except Exception as exc:  # websockets' handshake errors (InvalidURI, InvalidStatus…)
            raise ClientError(f"cannot connect to {self.url}: {exc}", "unreachable") from None
        try:
            # The server may have closed already (a busy one, at its auth deadline): the
            # send fails then, and the close code says why.
            await ws.send(json.dumps({"v": VERSION, "type": "auth", "token": self._token}))
            raw = await asyncio.wait_for(ws.recv(), self._timeout)
        except Exception:
            await ws.close()  # a no-op when the server closed first; its code is kept
            if ws.close_code == CLOSE_UNAUTHORIZED:
                raise AuthError(
                    f"the server at {self.url} refused the token ({ws.close_reason})"
                ) from None
            if ws.close_code == CLOSE_AUTH_TIMEOUT:
                # The token was sent; a busy server did not read it in time. Not a refusal:
                # give up on this and a supervisor's screen stops for good after a busy moment.
                raise ClientError(
                    f"the server at {self.url} did not take the token in time (busy?)", "busy"
                ) from None
            raise ClientError(f"the server at {self.url} closed the connection", "lost") from None
        data = json.loads(raw)
        if data.get("type") != "auth.ok":
            await ws.close()
            raise AuthError(f"the server at {self.url} refused the token: {data.get('message')}")
        self._ws = ws
        self._identity = Identity(str(data["name"]), data["role"])
        self._connected.set()
        return self._identity

    async def _run(self) -> None:
        attempt = 0
        reader = asyncio.create_task(self._read())
        while True:
            reason = await reader
            self._connected.clear()
            self._fail_pending(ClientError(f"connection lost: {reason}", "lost"))
            if self._closing or not self._reconnect:
                self._gave_up = ClientError(f"connection lost: {reason}", "lost")
                code = "closed" if self._closing else "lost"
                self._put(ConnectionState("failed", reason, code=code))
                self._updates.put_nowait(None)
                self._connected.set()  # wakes a send_audio waiting for a connection: it raises
                return
            if self._streaming is not None:
                # The call's audio went to the node that was lost: that call is over there.
                self._stream_lost = f"the connection carrying session {self._streaming} was lost"
            code = "lost"
            tries = 0
            while True:
                tries += 1
                delay = 0.0
                if tries % len(self.urls) == 0:  # a whole round failed: back off, then again
                    delay = self._backoff[min(attempt, len(self._backoff) - 1)]
                    attempt += 1
                self.url = self._next_url()
                self._put(ConnectionState("disconnected", reason, delay, code))
                if delay:
                    await asyncio.sleep(delay)
                if self._closing:
                    break
                try:
                    await self._open()
                except AuthError as exc:
                    self._gave_up = ClientError(str(exc), "auth")
                    self._put(ConnectionState("failed", str(exc), code="auth"))
                    self._updates.put_nowait(None)
                    self._connected.set()
                    return
                except ConsultAssistError as exc:
                    reason, code = str(exc), getattr(exc, "code", "unreachable")
                    continue
                if self._closing:
                    # close() came while this connection was being opened: it closed the old
                    # one, so this one is closed here, or close() would wait on it for ever.
                    with contextlib.suppress(Exception):
                        await self._ws.close()
                    break
                reader = asyncio.create_task(self._read())
                try:
                    await self._resubscribe()
                except (ConsultAssistError, ConnectionClosed, OSError) as exc:
                    # Lost again while asking for the backlog: the next round resumes.
                    reason = str(exc)
                    with contextlib.suppress(Exception):
                        await self._ws.close()
                    await reader
                    continue
                attempt = 0
                self._put(ConnectionState("connected", self.url))
                break

    async def _resubscribe(self) -> None:
        # Calls that started since this client last heard the server (less a margin for the
        # two clocks) are asked for too: a whole call may have come and gone meanwhile.
        since = datetime.fromtimestamp(self._heard_at - RESUME_MARGIN_S, UTC).isoformat()
        for target in self._targets:
            message: dict[str, Any] = {"type": "subscribe", "session": target}
            if target in ("*", "mine"):
                message["after"] = dict(self._last_seq)
                message["since"] = since
            else:
                message["after"] = {target: self._last_seq.get(target, 0)}
            await self._request(message)

    async def _read(self) -> str:
        ws = self._ws
        try:
            async for raw in ws:
                self._heard_at = time.time()
                if isinstance(raw, bytes):
                    continue
                self._dispatch(raw)
        except ConnectionClosed:
            pass
        except (OSError, json.JSONDecodeError) as exc:
            return f"{type(exc).__name__}: {exc}"
        code, why = ws.close_code, ws.close_reason
        return f"closed ({code}{': ' + why if why else ''})"

    def _dispatch(self, raw: str) -> None:
        data = json.loads(raw)
        ref = data.get("re")
        if ref is not None and ref in self._pending:
            future = self._pending.pop(ref)
            if not future.done():
                future.set_result(data)
            return
        if data.get("type") == "store.state":
            # The server cannot store (or can again): kept for the apps to show; not an event.
            self.store_state = data
            if data.get("state") == "unavailable":
                log.warning("the server cannot store events: %s", data.get("message", ""))
            return
        if data.get("seq", 0) == 0:
            if data.get("type") == "error":
                log.warning("server error %s: %s", data.get("code"), data.get("message"))
            return
        try:
            event = event_from_dict(data)
        except ProtocolError as exc:
            log.warning("ignoring an event this client does not understand: %s", exc)
            return
        last = self._last_seq.get(event.session, 0)
        if event.seq <= last:
            return  # a duplicate across a resume
        if event.seq != last + 1 and last:
            log.warning("[%s] seq jumped from %d to %d", event.session, last, event.seq)
        self._last_seq[event.session] = event.seq
        self._on_event(event, raw)

    def _on_event(self, event: Event, raw: str) -> None:
        """Hand a new event to :meth:`updates` (a subclass may take it here instead)."""
        self._put(event)

    def _put(self, update: Update) -> None:
        try:
            self._updates.put_nowait(update)
        except asyncio.QueueFull:
            log.error("the app is not reading updates; dropping %r", update)

    def _fail_pending(self, exc: Exception) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(exc)
        self._pending.clear()

    async def updates(self) -> AsyncIterator[Update]:
        while (item := await self._updates.get()) is not None:
            yield item

    async def _request(self, message: dict[str, Any]) -> dict[str, Any]:
        if self._gave_up is not None:
            raise self._gave_up
        ref = str(next(self._ids))  # not connected: _send says so, and the ref is let go
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[ref] = future
        try:
            await self._send(json.dumps({"v": VERSION, "id": ref, **message}, ensure_ascii=False))
            data = await asyncio.wait_for(future, self._timeout)
        except TimeoutError:
            raise ClientError(
                f"the server did not answer {message['type']} within {self._timeout:g} s",
                "timeout",
            ) from None
        finally:
            self._pending.pop(ref, None)
        if data.get("type") == "error":
            cls = _ERRORS.get(str(data.get("code")), ProtocolError)
            if cls is ProtocolError:
                raise ProtocolError(str(data.get("message")), str(data.get("code")))
            raise cls(str(data.get("message")))
        return data

    async def subscribe(self, target: str, after: Mapping[str, int] | None = None) -> None:
        if target not in self._targets:
            self._targets.append(target)
        since = dict(after) if after is not None else {}
        for session, seq in self._last_seq.items():
            since[session] = max(since.get(session, 0), seq)
        await self._request({"type": "subscribe", "session": target, "after": since})

    async def sessions(
        self, *, live_only: bool = True, since: str = "", search: str = ""
    ) -> list[SessionInfo]:
        message: dict[str, Any] = {"type": "sessions", "live": live_only}
        if since:
            message["since"] = since
        if search:
            message["search"] = search
        data = await self._request(message)
        return [
            SessionInfo(
                id=s["id"],
                owner=s["owner"],
                training=bool(s["training"]),
                live=bool(s["live"]),
                last_seq=int(s["last_seq"]),
                started_at=s.get("started_at") or "",
                meta=s.get("meta", {}),
                ended_at=s.get("ended_at") or "",
                end_reason=s.get("end_reason") or "",
                duration_s=s.get("duration_s"),
                closed=bool(s.get("closed", False)),
            )
            for s in data["sessions"]
        ]

    async def start_session(
        self,
        *,
        rate: int = 16_000,
        channels: int = 1,
        speakers: Sequence[str] = ("",),
        training: bool = False,
        for_handler: str = "",
        meta: Mapping[str, Any] | None = None,
        source_rate: int | None = None,
    ) -> str:
        message: dict[str, Any] = {
            "type": "session.start",
            "rate": rate,
            "channels": channels,
            "speakers": list(speakers),
            "encoding": "pcm_s16le",
            "training": training,
            "meta": dict(meta or {}),
        }
        if for_handler:
            message["for"] = for_handler
        if source_rate is not None:
            message["source_rate"] = source_rate
        data = await self._request(message)
        session = str(data["session"])
        if session not in self._targets:
            self._targets.append(session)
        self._streaming, self._stream_lost = session, ""
        return session

    async def send_audio(self, pcm: bytes) -> None:
        """Send audio of the session started last; ConsultAssistError once its connection
        was lost (the call ended on its node: start a new one)."""
        if self._ws is None:
            raise ClientError("not connected: call connect() first", "not_connected")
        if self._stream_lost:
            raise ClientError(self._stream_lost + ": the call ended on its node", "lost")
        await self._connected.wait()
        if self._gave_up is not None:
            raise self._gave_up
        if self._stream_lost:
            raise ClientError(self._stream_lost + ": the call ended on its node", "lost")
        try:
            await self._send(pcm)
        except ConnectionClosed:
            # The reader notices too and reconnects (or gives up); this frame is lost either way.
            raise ClientError("connection lost while sending audio", "lost") from None

    async def _send(self, message: str | bytes) -> None:
        """One message out. A send the connection has not taken within the request timeout
        (a peer that stopped reading, or a close that never completes) drops the connection:
        the reader then reconnects or gives up, and no caller waits for ever."""
        ws = self._ws
        if ws is None:
            raise ClientError("not connected: call connect() first", "not_connected")
        try:
            # A timer, not a task per message: audio goes out ten times a second per call.
            async with asyncio.timeout(self._timeout):
                await ws.send(message)
        except TimeoutError:
            log.warning(
                "%s took no data for %g s; dropping the connection", self.url, self._timeout
            )
            ws.transport.abort()
            raise ClientError(
                f"the server at {self.url} took no data for {self._timeout:g} s", "lost"
            ) from None

    async def end_session(self, session: str) -> None:
        if session == self._streaming:
            self._streaming = None
        await self._request({"type": "session.end", "session": session})

    async def help(self, session: str, reason: str = "") -> None:
        await self._request({"type": "help.request", "session": session, "reason": reason})

    async def advice(self, session: str, text: str) -> None:
        await self._request({"type": "advice", "session": session, "text": text})

    async def note(self, session: str, text: str, *, replaces: int = 0) -> None:
        message: dict[str, Any] = {"type": "note", "session": session, "text": text}
        if replaces:
            message["replaces"] = replaces
        await self._request(message)

    async def close_record(self, session: str) -> None:
        await self._request({"type": "record.close", "session": session})

    async def ack(self, session: str, seq: int) -> None:
        await self._request({"type": "ack", "session": session, "seq": seq})

    async def record(self, session: str, fmt: Literal["md", "json"] = "md") -> str:
        data = await self._request({"type": "record", "session": session, "format": fmt})
        return str(data["record"])

    async def section(self, section_id: str) -> ManualSection:
        data = await self._request({"type": "section", "section": section_id})
        return ManualSection(str(data["id"]), str(data["title"]), str(data["body"]))

    async def close(self) -> None:
        self._closing = True
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await self._reader
        else:
            self._updates.put_nowait(None)


def _why(exc: BaseException) -> str:
    """A socket error in words, without the errno and Python's own formatting."""
    # asyncio joins the errors of every address it tried ("Multiple exceptions: [Errno 111]…").
    if isinstance(exc, ConnectionRefusedError) or "[Errno 111]" in str(exc):
        return "connection refused (is the server running, on that port?)"
    if isinstance(exc, socket.gaierror):
        return "no such host name"
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    strerror = getattr(exc, "strerror", None)
    return str(strerror or exc).rstrip(".").lower() or type(exc).__name__
