"""The websocket adapter of the hub: one :class:`Connection` per client, glue only.

Each connection authenticates, then turns text messages into hub actions (through the access
rules) and binary frames into call audio. Outgoing events wait in a per-connection queue that
a writer task drains; a backlog requested by ``subscribe ... after`` is paged from the store by
the same writer before any live event of that session, so a resume has no gap and no
duplicate. A connection whose live queue overflows is closed (4008); nobody waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from consult_assist import __version__
from consult_assist.audio.pcm import Resampler, int16_to_float
from consult_assist.errors import AccessError, ConsultAssistError, ProtocolError
from consult_assist.events import Ack as AckEvent
from consult_assist.events import Advice, Event, HelpRequest, Note
from consult_assist.hub import protocol as p
from consult_assist.hub.access import Identity, SessionAccess, Subscriptions, check
from consult_assist.hub.auth import TokenBook
from consult_assist.hub.hub import Hub, _Handle
from consult_assist.wire import event_from_dict

__all__ = ["Connection", "ConnectionLimits", "serve_hub"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class ConnectionLimits:
    """Per-connection limits (see docs/protocol.md, "Limits and close codes")."""

    auth_timeout_s: float = 5.0
    """Seconds a new connection has to send ``auth``."""
    max_message_bytes: int = 2**20
    """Largest message accepted, text or binary (larger closes with 1009)."""
    max_queue: int = 5_000
    """Live events waiting for a slow client before it is disconnected (4008)."""
    rate_per_s: float = 50.0
    """Sustained text messages per second."""
    burst: int = 200
    """Text messages allowed at once above the sustained rate."""
    flood_close_s: float = 5.0
    """Seconds over the rate limit before the connection is closed (4009)."""
    max_audio_speed: float = 10.0
    """Audio may arrive at most this many times faster than real time (replays at speed)."""
    page: int = 500
    """Events read from the store per backlog page."""


class _Bucket:
    """Token bucket for the text-message rate limit."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()
        self.over_since: float | None = None

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            if self.tokens >= self.burst / 2:
                self.over_since = None  # calm again, not just one token refilled
            return True
        if self.over_since is None:
            self.over_since = now
        return False


class Connection:
    """One websocket client: auth, commands, audio in, events out."""

    def __init__(self, ws: Any, hub: Hub, tokens: TokenBook, limits: ConnectionLimits) -> None:
        self.ws = ws
        self.hub = hub
        self.tokens = tokens
        self.limits = limits
        self.who = Identity("", "handler")
        self.subs = Subscriptions()
        self.peer = _peer(ws)
        self._out: deque[str] = deque()
        self._cursors: dict[str, tuple[int, int]] = {}
        self._queued: dict[str, int] = {}
        self._wake = asyncio.Event()
        self._closing = False
        self._bucket = _Bucket(limits.rate_per_s, limits.burst)
        self._audio: _Handle | None = None
        self._audio_channels = 1
        self._audio_rate = 16_000
        self._resamplers: list[Resampler] = []
        self._audio_started = 0.0
        self._audio_samples = 0
        self._closer: asyncio.Task[None] | None = None
        self.sent = 0

    # --- lifecycle ----------------------------------------------------------------------------

    async def run(self) -> None:
        if not await self._authenticate():
            return
        self.hub.listeners.add(self)
        writer = asyncio.create_task(self._writer())
        try:
            async for message in self.ws:
                if self._closing:
                    break
                if isinstance(message, bytes):
                    self._on_audio(message)
                else:
                    await self._on_text(message)
        except Exception as exc:  # websockets.ConnectionClosed and transport errors
            log.debug("%s: connection ended: %s", self.peer, exc)
        finally:
            self.hub.listeners.discard(self)
            self._closing = True
            self._wake.set()
            writer.cancel()
            with contextlib.suppress(BaseException):
                await writer
            if self._closer is not None:
                with contextlib.suppress(Exception):
                    await self._closer
            if self._audio is not None:
                log.info("[%s] audio connection closed; ending the call", self._audio.session)
                self._audio.end("disconnected")
                self._audio = None

    async def _authenticate(self) -> bool:
        from websockets.exceptions import ConnectionClosed

        try:
            raw = await asyncio.wait_for(self.ws.recv(), self.limits.auth_timeout_s)
        except TimeoutError:
            log.warning("%s: no auth within %.0f s; closing", self.peer, self.limits.auth_timeout_s)
            await self.ws.close(p.CLOSE_AUTH_TIMEOUT, "authenticate first")
            return False
        except ConnectionClosed:
            return False
        try:
            if isinstance(raw, bytes):
                raise ProtocolError("authenticate before sending audio", "not_authenticated")
            command, ref = p.parse_command(raw)
            if not isinstance(command, p.Auth):
                raise ProtocolError("the first message must be auth", "not_authenticated")
        except ProtocolError as exc:
            log.warning("%s: refused before auth: %s", self.peer, exc.code)
            await self.ws.close(p.CLOSE_UNAUTHORIZED, str(exc)[:100])
            return False
        entry = self.tokens.check(command.token)
        if entry is None:
            # Never log the presented token, not even a prefix.
            log.warning("%s: authentication failed (unknown token)", self.peer)
            await self.ws.close(p.CLOSE_UNAUTHORIZED, "unauthorized")
            return False
        self.who = Identity(entry.name, entry.role)
        log.info("%s: authenticated as %s (%s)", self.peer, entry.name, entry.role)
        ok = p.reply("auth.ok", ref, name=entry.name, role=entry.role, server=__version__)
        await self.ws.send(json.dumps(ok))
        return True

    def _close(self, code: int, reason: str) -> None:
        if self._closing:
            return
        self._closing = True
        log.warning("%s (%s): closing %d: %s", self.peer, self.who.name, code, reason)
        self._closer = asyncio.get_running_loop().create_task(self.ws.close(code, reason))

    # --- outgoing -----------------------------------------------------------------------------

    def deliver(self, session: str, seq: int, body: str) -> None:
        """A live event from the hub (already stored)."""
        if self._closing or seq <= self._queued.get(session, 0):
            return
        self._queued[session] = seq
        self._out.append(body)
        if len(self._out) > self.limits.max_queue:
            self._out.clear()
            self._close(p.CLOSE_SLOW_CLIENT, "slow client: too many events waiting; resume by seq")
        self._wake.set()

    def _send(self, message: dict[str, Any]) -> None:
        self._out.append(json.dumps(message, ensure_ascii=False))
        self._wake.set()

    def _follow(self, session: SessionAccess, after: int) -> None:
        """Queue the stored events after ``after``; live ones follow from ``deliver``."""
        if session.id in self._cursors:
            return  # already catching up; live events past the cursor are queued
        last = self.hub.last_seq(session.id)
        start = max(after, self._queued.get(session.id, 0))
        if last > start:
            self._cursors[session.id] = (start, last)
            self._queued[session.id] = last
        self._wake.set()

    async def _writer(self) -> None:
        while not self._closing:
            await self._wake.wait()
            self._wake.clear()
            while self._cursors and not self._closing:
                session, (after, until) = next(iter(self._cursors.items()))
                page = self.hub.store.bodies(session, after, self.limits.page)
                page = [(seq, body) for seq, body in page if seq <= until]
                if not page or page[-1][0] >= until:
                    del self._cursors[session]
                else:
                    self._cursors[session] = (page[-1][0], until)
                await self._send_batch([body for _, body in page])
            while self._out and not self._closing:
                batch = [self._out.popleft() for _ in range(min(len(self._out), 256))]
                await self._send_batch(batch)

    async def _send_batch(self, messages: list[str]) -> None:
        """Send text messages as one socket write (websockets' sans-I/O layer frames them).

        Fan-out sends each event to every client; one ``send()`` per message costs more than
        the delivery itself, so whatever is queued goes out in one write, with the same
        flow control (``send_context`` waits while the client's buffer is full).
        """
        ws = self.ws
        async with ws.send_context():
            for message in messages:
                ws.protocol.send_text(message.encode())
            chunks = ws.protocol.data_to_send()
            if chunks:
                ws.transport.write(b"".join(chunks))
        self.sent += len(messages)

    # --- incoming -----------------------------------------------------------------------------

    async def _on_text(self, raw: str) -> None:
        now = time.monotonic()
        if not self._bucket.take(now):
            over = self._bucket.over_since or now
            if now - over > self.limits.flood_close_s:
                self._close(p.CLOSE_FLOOD, "flood: too many messages")
            else:
                self._send(p.error_reply("rate_limited", "too many messages; slow down"))
            return
        ref: str | None = None
        try:
            command, ref = p.parse_command(raw)
            self._handle(command, ref)
        except (ProtocolError, AccessError) as exc:
            code = getattr(exc, "code", "forbidden")
            log.info("%s (%s): refused: %s", self.peer, self.who.name, code)
            self._send(p.error_reply(code, str(exc), ref=ref))
        except ConsultAssistError as exc:
            self._send(p.error_reply("failed", str(exc), ref=ref))
        except Exception:
            log.exception("%s (%s): internal error", self.peer, self.who.name)
            self._send(p.error_reply("internal", "the server failed on this request", ref=ref))

    def _session(self, session: str, action: str) -> SessionAccess:
        access = self.hub.access(session)
        if access is None:
            raise ProtocolError(f"no session {session!r}", "no_session")
        check(self.who, "view", access)
        check(self.who, action, access)
        return access

    def _live(self, session: str, action: str) -> SessionAccess:
        access = self._session(session, action)
        if not self.hub.is_live(session):
            raise ProtocolError(f"session {session} has ended", "session_ended")
        return access

    def _handle(self, command: p.Command, ref: str | None) -> None:
        if isinstance(command, p.Auth):
            raise ProtocolError("already authenticated", "already_authenticated")
        if isinstance(command, p.StartSession):
            self._start(command, ref)
        elif isinstance(command, p.EndSession):
            self._live(command.session, "end")
            if self._audio is not None and self._audio.session == command.session:
                self._audio = None
            self.hub.end_call(command.session, "end")
            self._send(p.reply("ok", ref))
        elif isinstance(command, p.Subscribe):
            self._subscribe(command)
            self._send(p.reply("ok", ref))
        elif isinstance(command, p.ListSessions):
            self._send(p.reply("sessions", ref, sessions=self._list(command.live_only)))
        elif isinstance(command, p.HelpCmd):
            self._live(command.session, "help")
            by = self.who.name
            self.hub.publish(HelpRequest(session=command.session, reason=command.reason, by=by))
            self._send(p.reply("ok", ref))
        elif isinstance(command, p.AdviceCmd):
            self._live(command.session, "advice")
            self.hub.publish(Advice(session=command.session, text=command.text, by=self.who.name))
            self._send(p.reply("ok", ref))
        elif isinstance(command, p.NoteCmd):
            self._live(command.session, "note")
            self.hub.publish(Note(session=command.session, text=command.text, by=self.who.name))
            self._send(p.reply("ok", ref))
        elif isinstance(command, p.Ack):
            self._ack(command)
            self._send(p.reply("ok", ref))
        elif isinstance(command, p.GetRecord):
            self._send(p.reply("record", ref, record=self._record(command)))
        elif isinstance(command, p.GetSection):
            self._send(p.reply("section", ref, **self._section(command.id)))

    def _start(self, command: p.StartSession, ref: str | None) -> None:
        check(self.who, "start")
        if command.for_handler:
            check(self.who, "for_handler")
        if self._audio is not None:
            raise ProtocolError(
                f"this connection already streams session {self._audio.session}", "bad_audio"
            )
        training = command.training or self.who.role == "trainer"
        owner = command.for_handler or self.who.name
        handle = self.hub.open_call(
            source=str(command.meta.get("source", "websocket")),
            speakers=command.speakers,
            source_rate=command.source_rate,
            meta={k: v for k, v in command.meta.items() if k != "source"},
            owner=owner,
            started_by=self.who.name,
            training=training,
        )
        self._audio = handle
        self._audio_channels = command.channels
        self._audio_rate = command.rate
        self._resamplers = [Resampler(command.rate) for _ in range(command.channels)]
        self._audio_started = time.monotonic()
        self._audio_samples = 0
        self.subs.ids.add(handle.session)
        access = self.hub.access(handle.session)
        if access is not None:
            self._follow(access, 0)  # session.started was published before we followed
        self._send(p.reply("session.created", ref, session=handle.session))

    def _subscribe(self, command: p.Subscribe) -> None:
        target = command.session
        if target == "*":
            check(self.who, "subscribe_all")
            self.subs.all = True
        elif target == "mine":
            self.subs.mine = True
        visible = {s.id: s for s in self.hub.live_sessions() if self.subs.wants(self.who, s)}
        if target not in ("*", "mine"):
            visible[target] = self._session(target, "view")
            self.subs.ids.add(target)
        for session in command.after:
            if session not in visible:
                access = self.hub.access(session)
                if access is not None and self.subs.wants(self.who, access):
                    visible[session] = access
        for session, access in visible.items():
            self._follow(access, command.after.get(session, 0))

    def _list(self, live_only: bool) -> list[dict[str, Any]]:
        return [
            row.to_dict()
            for row in self.hub.store.sessions(live_only=live_only, limit=500)
            if self.who.role == "supervisor" or self.who.name in (row.owner, row.started_by)
        ]

    def _ack(self, command: p.Ack) -> None:
        self._session(command.session, "view")
        target = self._event(command.session, command.seq)
        if isinstance(target, HelpRequest):
            action = "ack_help"
        elif isinstance(target, Advice):
            action = "ack_advice"
        else:
            raise ProtocolError(
                f"#{command.seq} of {command.session} is not a help request or advice", "bad_field"
            )
        self._live(command.session, action)
        self.hub.publish(
            AckEvent(session=command.session, ref=command.seq, kind=target.type, by=self.who.name)
        )

    def _event(self, session: str, seq: int) -> Event:
        rows = self.hub.store.bodies(session, seq - 1, 1)
        if not rows or rows[0][0] != seq:
            raise ProtocolError(f"no event #{seq} in session {session}", "bad_field")
        return event_from_dict(json.loads(rows[0][1]))

    def _record(self, command: p.GetRecord) -> str:
        from consult_assist.hub.record_markdown import render_markdown
        from consult_assist.hub.records import build_record, record_to_json

        self._session(command.session, "view")
        events = self.hub.store.events(command.session)
        record = build_record(events)
        if command.format == "json":
            return json.dumps(record_to_json(record, events), ensure_ascii=False)
        return render_markdown(record, titles=self._titles())

    def _titles(self) -> dict[str, str]:
        base = getattr(self.hub.knowledge, "base", None)
        manual = getattr(base, "manual", None)
        by_id = getattr(manual, "by_id", {})
        return {sid: section.title for sid, section in by_id.items()}

    def _section(self, section_id: str) -> dict[str, Any]:
        engine = self.hub.knowledge
        section_of: Callable[[str], Any] | None = getattr(engine, "section", None)
        if section_of is None:
            raise ProtocolError("this server has no manuals loaded", "no_section")
        try:
            section = section_of(section_id)
        except ConsultAssistError:
            raise ProtocolError(f"no manual section {section_id!r}", "no_section") from None
        return {"id": section.id, "title": section.title, "body": section.body}

    def _on_audio(self, frame: bytes) -> None:
        handle = self._audio
        if handle is None:
            self._send(p.error_reply("bad_audio", "audio before session.start; frame dropped"))
            return
        width = 2 * self._audio_channels
        max_bytes = int(self._audio_rate * p.MAX_AUDIO_FRAME_S) * width
        if len(frame) % width or len(frame) > max_bytes:
            self._send(
                p.error_reply(
                    "bad_audio",
                    f"an audio frame must hold whole {self._audio_channels}-channel int16 samples"
                    f" and at most {p.MAX_AUDIO_FRAME_S:g} s; frame dropped",
                    session=handle.session,
                )
            )
            return
        n = len(frame) // width
        elapsed = time.monotonic() - self._audio_started
        allowed = (elapsed * self.limits.max_audio_speed + 5.0) * self._audio_rate
        if self._audio_samples + n > allowed:
            self._send(
                p.error_reply(
                    "rate_limited",
                    f"audio faster than {self.limits.max_audio_speed:g}× real time; frame dropped",
                    session=handle.session,
                )
            )
            return
        self._audio_samples += n
        pcm = np.frombuffer(frame, dtype="<i2").reshape(n, self._audio_channels)
        for channel, resampler in enumerate(self._resamplers):
            handle.push(channel, resampler.process(int16_to_float(pcm[:, channel].copy())))


def _peer(ws: Any) -> str:
    addr = getattr(ws, "remote_address", None)
    if isinstance(addr, tuple) and len(addr) >= 2:
        return f"{addr[0]}:{addr[1]}"
    return "client"


async def serve_hub(
    hub: Hub,
    tokens: TokenBook,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    ssl_context: Any = None,
    limits: ConnectionLimits | None = None,
) -> Any:
    """Start the websocket server on ``host:port``; returns the websockets Server object."""
    from websockets.asyncio.server import serve

    lim = limits or ConnectionLimits()

    async def handler(ws: Any) -> None:
        await Connection(ws, hub, tokens, lim).run()

    return await serve(
        handler,
        host,
        port,
        ssl=ssl_context,
        max_size=lim.max_message_bytes,
        max_queue=64,
        # Events are small and sent to many clients: per-message deflate would cost more CPU
        # per recipient than it saves on a LAN.
        compression=None,
        ping_interval=20,
        ping_timeout=20,
    )
