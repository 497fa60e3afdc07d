"""One client's session with the hub, sans-I/O: what came in, what goes out, when to close.

A :class:`Connection` is fed what its websocket adapter received — text messages
(:meth:`~Connection.receive_text`) and binary audio frames (:meth:`~Connection.receive_audio`),
each with the current time — and the hub's live events (:meth:`~Connection.deliver`). It makes
every decision: authentication and its timeout (:meth:`~Connection.tick`), the message and audio
rate limits, the access rules, the commands, and the paging of a backlog from the store. It hands
out the messages to write (:meth:`~Connection.messages_to_send`) and, once, how to close
(:attr:`~Connection.closing`). No socket, no clock, no event loop: tests drive it by feeding
messages (tests/hub/test_connection.py); ``hub/wsserver.py`` is the glue to a real websocket.

Ordering: a backlog asked for by ``subscribe … after`` (or the ``session.started`` of a call this
connection starts) goes out before any queued message, and live events already covered by a
backlog are not queued again, so a resume has no gap and no duplicate. The one message ahead of
a backlog is the ``subscribe`` reply itself ("ok, then the events", docs/protocol.md): after a
long absence the backlog is tens of thousands of events, and a client waiting for its reply
behind them would time out and start again, never catching up.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from consult_assist import __version__
from consult_assist.audio.calls import CallHandle
from consult_assist.errors import (
    AccessError,
    CapacityError,
    ConsultAssistError,
    ProtocolError,
    StoreError,
)
from consult_assist.events import Ack as AckEvent
from consult_assist.events import Advice, Event, HelpRequest, Note, RecordClosed
from consult_assist.hub import protocol as p
from consult_assist.hub.access import Identity, SessionAccess, Subscriptions, check, may_view
from consult_assist.hub.auth import TokenBook, TokenEntry
from consult_assist.hub.hub import Listener
from consult_assist.hub.ingest import AudioIngest
from consult_assist.hub.limits import ConnectionLimits, MessageRate
from consult_assist.hub.outbox import Stored
from consult_assist.hub.record_markdown import render_markdown
from consult_assist.hub.records import build_record, record_to_json
from consult_assist.hub.store import SessionRow
from consult_assist.knowledge.manual import Section
from consult_assist.wire import event_from_dict

__all__ = ["PHONE_SOURCES", "Close", "Connection", "HubPort"]

log = logging.getLogger(__name__)

PHONE_SOURCES = frozenset({"sip", "siprec"})
"""Sources whose call is a phone call that the server does not hang up itself."""

_BATCH = 256
"""Most queued messages handed out at once (one socket write)."""


@dataclass(frozen=True)
class Close:
    """The connection must be closed with this websocket close code and reason."""

    code: int
    reason: str


class HubPort(Protocol):
    """What a connection needs of the hub (:class:`~consult_assist.hub.hub.Hub` is one)."""

    def add_listener(self, listener: Listener) -> None: ...

    def discard_listener(self, listener: Listener) -> None: ...

    def open_call(
        self,
        *,
        source: str,
        speakers: Sequence[str],
        source_rate: int,
        meta: Mapping[str, Any],
        owner: str = "",
        started_by: str = "",
        training: bool = False,
        on_stored: Stored | None = None,
    ) -> CallHandle: ...

    def end_call(self, session: str, reason: str = "end") -> None: ...

    def publish(self, event: Event, on_stored: Stored | None = None) -> None: ...

    def access(self, session: str) -> SessionAccess | None: ...

    def is_live(self, session: str) -> bool: ...

    def live_sessions(self) -> list[SessionAccess]: ...

    def last_seq(self, session: str) -> int: ...

    def backlog(self, session: str, after: int, limit: int) -> list[tuple[int, str]]: ...

    def stored_sessions(self, *, live_only: bool, limit: int) -> list[SessionRow]: ...

    def search_sessions(
        self, *, since: str, owner: str, text: str, live_only: bool, limit: int
    ) -> list[SessionRow]: ...

    def source_of(self, session: str) -> str: ...

    def record_closed(self, session: str) -> bool: ...

    def publish_any(self, event: Event, on_stored: Stored) -> None:
        """Publish an event of a live or an ended session (a note after the call)."""
        ...

    def events(self, session: str) -> list[Event]: ...

    def section(self, section_id: str) -> Section | None: ...

    def section_titles(self) -> dict[str, str]: ...

    def note_access(self, who: Identity, action: str, session: str, detail: str = "") -> None: ...


class Connection:
    """One websocket client's session: auth, commands, audio in, events out (sans-I/O).

    ``wake`` is called whenever there is something new to send (or to close), including when
    the hub delivers an event: the adapter then calls :meth:`messages_to_send` and looks at
    :attr:`closing`. It must not write from inside the call (it may come from the hub's
    fan-out); deferring the write is also what lets several events go out together.
    """

    def __init__(
        self,
        hub: HubPort,
        tokens: TokenBook,
        limits: ConnectionLimits,
        *,
        now: float,
        peer: str = "client",
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.who = Identity("", "handler")
        self.subs = Subscriptions()
        self.peer = peer
        self.auth_deadline = now + limits.auth_timeout_s
        """When a connection that has not authenticated is closed (4002)."""
        self.closing: Close | None = None
        """Set once, when the connection must be closed; nothing is sent after it."""
        self._hub = hub
        self._tokens = tokens
        self._limits = limits
        self._wake = wake or _nothing
        self._authenticated = False
        self._lost = False
        self._out: deque[str] = deque()
        self._ahead: deque[str] = deque()
        """Replies that go out before any backlog page (the ``subscribe`` reply)."""
        self._cursors: dict[str, tuple[int, int]] = {}
        self._queued: dict[str, int] = {}
        self._rate = MessageRate(limits.rate_per_s, limits.burst, now)
        self._audio: AudioIngest | None = None
        self._entry: TokenEntry | None = None
        self._viewed: set[str] = set()
        """Sessions whose events this connection was given (each is logged once as viewed)."""

    @property
    def authenticated(self) -> bool:
        return self._authenticated

    # --- input --------------------------------------------------------------------------------

    def receive_text(self, raw: str, now: float) -> None:
        """A text message from the client: ``auth`` first, then commands."""
        if self.closing is not None or self._lost:
            return
        if not self._authenticated:
            self._authenticate(raw)
            return
        if not self._rate.take(now):
            over = self._rate.over_since or now
            if now - over > self._limits.flood_close_s:
                self._close(p.CLOSE_FLOOD, "flood: too many messages")
            else:
                # Not parsed (that is what the limit saves), but still answered by its id.
                self._send(
                    p.error_reply(
                        "rate_limited", "too many messages; slow down", ref=p.recover_id(raw)
                    )
                )
            return
        ref: str | None = None
        try:
            command, ref = p.parse_command(raw)
            self._handle(command, ref, now)
        except (ProtocolError, AccessError, CapacityError) as exc:
            if isinstance(exc, ProtocolError) and exc.ref is not None:
                ref = exc.ref  # refused while parsing: the id the parser could read
            code = getattr(exc, "code", "forbidden")
            log.info("%s (%s): refused: %s", self.peer, self.who.name, code)
            self._send(p.error_reply(code, str(exc), ref=ref))
        except StoreError as exc:
            log.warning("%s (%s): not stored: %s", self.peer, self.who.name, exc)
            self._send(p.error_reply("store_unavailable", str(exc), ref=ref))
        except ConsultAssistError as exc:
            self._send(p.error_reply("failed", str(exc), ref=ref))
        except Exception:
            log.exception("%s (%s): internal error", self.peer, self.who.name)
            self._send(p.error_reply("internal", "the server failed on this request", ref=ref))

    def receive_audio(self, frame: bytes, now: float) -> None:
        """A binary frame: interleaved little-endian int16 PCM of this connection's call."""
        if self.closing is not None or self._lost:
            return
        if not self._authenticated:
            self._authenticate(frame)
            return
        if self._audio is None:
            self._send(p.error_reply("bad_audio", "audio before session.start; frame dropped"))
            return
        refused = self._audio.push(frame, now)
        if refused is not None:
            code, message = refused
            self._send(p.error_reply(code, message, session=self._audio.session))

    def tick(self, now: float) -> None:
        """Time passes: a connection that has not authenticated by its deadline is closed."""
        if self._authenticated or self.closing is not None or self._lost:
            return
        if now >= self.auth_deadline:
            timeout = self._limits.auth_timeout_s
            log.warning("%s: no auth within %.0f s; closing", self.peer, timeout)
            self._close(p.CLOSE_AUTH_TIMEOUT, "authenticate first", quiet=True)

    def deliver(self, session: str, seq: int, body: str) -> None:
        """A live event from the hub (already stored); never blocks."""
        if self.closing is not None or self._lost or seq <= self._queued.get(session, 0):
            return
        self._queued[session] = seq
        if session not in self._viewed:
            self._saw(session)
        self._out.append(body)
        if len(self._out) > self._limits.max_queue:
            self._out.clear()
            self._close(p.CLOSE_SLOW_CLIENT, "slow client: too many events waiting; resume by seq")
        self._wake()

    def store_state(self, available: bool, held: int) -> None:
        """The hub's store went away (``held`` events waiting) or came back: tell the client."""
        if self._authenticated and self.closing is None and not self._lost:
            self._send(p.store_state(available, held))

    def recheck(self, tokens: TokenBook) -> None:
        """The tokens changed: a connection whose token was revoked or replaced is closed (4001)."""
        self._tokens = tokens
        entry = self._entry
        if entry is None or self.closing is not None or self._lost:
            return
        if not any(e == entry for e in tokens.entries):
            log.warning("%s (%s): token revoked; closing", self.peer, entry.name)
            self._close(p.CLOSE_UNAUTHORIZED, "token revoked", quiet=True)

    def connection_lost(self) -> None:
        """The socket is gone: stop listening, and end the call this connection was streaming."""
        if self._lost:
            return
        self._lost = True
        self._hub.discard_listener(self)
        if self._audio is not None:
            session = self._audio.session
            log.info("[%s] audio connection closed; ending the call", session)
            self._audio.finish()
            self._audio.handle.end("disconnected")
            self._audio = None

    # --- output -------------------------------------------------------------------------------

    def messages_to_send(self) -> list[str]:
        """The next text messages to write at once: a backlog page first, then queued ones.

        A ``subscribe`` reply goes before the pages its subscription asked for. Returns ``[]``
        when there is nothing to send, or once the connection is closing.
        """
        if self._ahead and self.closing is None and not self._lost:
            ahead = list(self._ahead)
            self._ahead.clear()
            return ahead
        while self._cursors and self.closing is None and not self._lost:
            session, (after, until) = next(iter(self._cursors.items()))
            page = self._hub.backlog(session, after, self._limits.page)
            page = [(seq, body) for seq, body in page if seq <= until]
            if not page or page[-1][0] >= until:
                del self._cursors[session]
            else:
                self._cursors[session] = (page[-1][0], until)
            if page:
                return [body for _, body in page]
        if self.closing is not None or self._lost:
            return []
        return [self._out.popleft() for _ in range(min(len(self._out), _BATCH))]

    # --- decisions ----------------------------------------------------------------------------

    def _authenticate(self, raw: str | bytes) -> None:
        try:
            if isinstance(raw, bytes):
                raise ProtocolError("authenticate before sending audio", "not_authenticated")
            command, ref = p.parse_command(raw)
            if not isinstance(command, p.Auth):
                raise ProtocolError("the first message must be auth", "not_authenticated")
        except ProtocolError as exc:
            log.warning("%s: refused before auth: %s", self.peer, exc.code)
            self._close(p.CLOSE_UNAUTHORIZED, str(exc)[:100], quiet=True)
            return
        entry = self._tokens.check(command.token)
        if entry is None:
            # Never log the presented token, not even a prefix.
            log.warning("%s: authentication failed (unknown token)", self.peer)
            self._close(p.CLOSE_UNAUTHORIZED, "unauthorized", quiet=True)
            return
        self.who = Identity(entry.name, entry.role)
        self._entry = entry
        self._authenticated = True
        log.info("%s: authenticated as %s (%s)", self.peer, entry.name, entry.role)
        ok = p.reply("auth.ok", ref, name=entry.name, role=entry.role, server=__version__)
        self._out.append(json.dumps(ok))
        self._hub.add_listener(self)
        self._wake()

    def _close(self, code: int, reason: str, *, quiet: bool = False) -> None:
        if self.closing is not None:
            return
        if not quiet:
            log.warning("%s (%s): closing %d: %s", self.peer, self.who.name, code, reason)
        self.closing = Close(code, reason)
        self._wake()

    def _send(self, message: dict[str, Any]) -> None:
        self._out.append(json.dumps(message, ensure_ascii=False))
        self._wake()

    def _saw(self, session: str) -> None:
        """This connection is given ``session``'s events: one ``view`` line in the access log."""
        self._viewed.add(session)
        self._hub.note_access(self.who, "view", session)

    def _follow(self, session: SessionAccess, after: int) -> None:
        """Page the stored events after ``after``; live ones follow through :meth:`deliver`."""
        if session.id not in self._viewed:
            self._saw(session.id)
        if session.id in self._cursors:
            return  # already catching up; live events past the cursor are queued
        last = self._hub.last_seq(session.id)
        start = max(after, self._queued.get(session.id, 0))
        if last > start:
            self._cursors[session.id] = (start, last)
            self._queued[session.id] = last
        self._wake()

    def _session(self, session: str, action: str) -> SessionAccess:
        access = self._hub.access(session)
        if access is None or not may_view(self.who, access):
            # The same refusal, word for word, whether the id exists or not: an id that is
            # not yours tells you nothing about whether it is somebody else's.
            raise AccessError(
                f"{self.who.name} may not see session {session!r}, or it does not exist"
            )
        check(self.who, action, access)
        return access

    def _live(self, session: str, action: str) -> SessionAccess:
        access = self._session(session, action)
        if not self._hub.is_live(session):
            raise ProtocolError(f"session {session} has ended", "session_ended")
        return access

    def _handle(self, command: p.Command, ref: str | None, now: float) -> None:
        hub, by = self._hub, self.who.name
        if isinstance(command, p.Auth):
            raise ProtocolError("already authenticated", "already_authenticated")
        if isinstance(command, p.StartSession):
            self._start(command, ref, now)
        elif isinstance(command, p.EndSession):
            self._live(command.session, "end")
            if self._audio is not None and self._audio.session == command.session:
                self._audio.finish()
                self._audio = None
            # A phone call goes on after its transcription is stopped from an app: the record
            # must not say the call ended (docs/protocol.md, "session.end").
            phone = hub.source_of(command.session) in PHONE_SOURCES
            hub.end_call(command.session, "stopped" if phone else "end")
            self._send(p.reply("ok", ref))
        elif isinstance(command, p.Subscribe):
            self._subscribe(command)
            self._ahead.append(json.dumps(p.reply("ok", ref), ensure_ascii=False))
            self._wake()
        elif isinstance(command, p.ListSessions):
            self._send(p.reply("sessions", ref, sessions=self._list(command)))
        elif isinstance(command, p.HelpCmd):
            self._live(command.session, "help")
            event: Event = HelpRequest(session=command.session, reason=command.reason, by=by)
            hub.publish(event, self._replied(ref, event))
        elif isinstance(command, p.AdviceCmd):
            self._live(command.session, "advice")
            event = Advice(session=command.session, text=command.text, by=by)
            hub.publish(event, self._replied(ref, event))
        elif isinstance(command, p.NoteCmd):
            self._note(command, ref)
        elif isinstance(command, p.CloseRecord):
            self._close_record(command, ref)
        elif isinstance(command, p.Ack):
            self._ack(command, ref)
        elif isinstance(command, p.GetRecord):
            self._send(p.reply("record", ref, record=self._record(command)))
        elif isinstance(command, p.GetSection):
            self._send(p.reply("section", ref, **self._section(command.id)))

    def _replied(self, ref: str | None, event: Event) -> Stored:
        """The reply to a command once its event is stored: ``ok``, or an error if it was not."""

        def reply(stored: Event | None) -> None:
            if stored is not None:
                self._send(p.reply("ok", ref))
                return
            log.warning("[%s] %s from %s not stored", event.session, event.type, self.who.name)
            self._send(
                p.error_reply(
                    "store_unavailable",
                    f"{p.STORE_UNAVAILABLE_TEXT}: the {event.type} was not stored; try again",
                    ref=ref,
                    session=event.session,
                )
            )

        return reply

    def _start(self, command: p.StartSession, ref: str | None, now: float) -> None:
        check(self.who, "start")
        if command.for_handler:
            check(self.who, "for_handler")
            if not any(
                e.name == command.for_handler and e.role == "handler" for e in self._tokens.entries
            ):
                raise ProtocolError(
                    f"session.start: for must name a handler, and {command.for_handler!r} is "
                    "not one",
                    "unknown_handler",
                )
        if self._audio is not None:
            raise ProtocolError(
                f"this connection already streams session {self._audio.session}",
                "bad_audio",
            )
        cap = self._limits.max_sessions_per_token
        mine = [s for s in self._hub.live_sessions() if s.started_by == self.who.name]
        if cap and len(mine) >= cap:
            raise CapacityError(
                f"{self.who.name} already streams {len(mine)} live sessions, the limit per "
                "token; end one first",
                "too_many_sessions",
            )
        refused: list[bool] = []  # the store may answer before open_call returns (or later)
        handle = self._hub.open_call(
            source=str(command.meta.get("source", "websocket")),
            speakers=command.speakers,
            source_rate=command.source_rate,
            meta={k: v for k, v in command.meta.items() if k != "source"},
            owner=command.for_handler or self.who.name,
            started_by=self.who.name,
            training=command.training or self.who.role == "trainer",
            on_stored=lambda stored: self._started(ref, stored, refused),
        )
        if refused:
            return
        self._audio = AudioIngest(
            handle,
            channels=command.channels,
            rate=command.rate,
            started=now,
            max_speed=self._limits.max_audio_speed,
            burst_s=self._limits.audio_burst_s,
        )
        self.subs.ids.add(handle.session)
        access = self._hub.access(handle.session)
        if access is not None:
            self._follow(access, 0)  # session.started was published before we followed

    def _started(self, ref: str | None, stored: Event | None, refused: list[bool]) -> None:
        """``session.started`` is stored (reply ``session.created``), or it could not be."""
        if stored is not None:
            self._send(p.reply("session.created", ref, session=stored.session))
            return
        refused.append(True)
        self._audio = None  # the hub has ended the call: stop taking its audio
        self._send(
            p.error_reply(
                "store_unavailable",
                f"{p.STORE_UNAVAILABLE_TEXT}: the call could not be recorded; try again",
                ref=ref,
            )
        )

    def _subscribe(self, command: p.Subscribe) -> None:
        target = command.session
        if target == "*":
            check(self.who, "subscribe_all")
            self.subs.all = True
        elif target == "mine":
            self.subs.mine = True
        visible = {s.id: s for s in self._hub.live_sessions() if self.subs.wants(self.who, s)}
        if target not in ("*", "mine"):
            visible[target] = self._session(target, "view")
            self.subs.ids.add(target)
        for session in command.after:
            if session not in visible:
                access = self._hub.access(session)
                if access is not None and self.subs.wants(self.who, access):
                    visible[session] = access
        if command.since and target in ("*", "mine"):
            # A resume: the calls that started (and perhaps ended) while the client was away.
            owner = "" if self.who.role == "supervisor" else self.who.name
            for row in self._hub.search_sessions(
                since=command.since, owner=owner, text="", live_only=False, limit=500
            ):
                access = SessionAccess(row.id, row.owner, row.started_by, row.training)
                if row.id not in visible and self.subs.wants(self.who, access):
                    visible[row.id] = access
        for session, access in visible.items():
            self._follow(access, command.after.get(session, 0))

    def _list(self, command: p.ListSessions) -> list[dict[str, Any]]:
        supervisor = self.who.role == "supervisor"
        if command.since or command.search:
            rows = self._hub.search_sessions(
                since=command.since,
                owner="" if supervisor else self.who.name,
                text=command.search,
                live_only=command.live_only,
                limit=500,
            )
        else:
            rows = self._hub.stored_sessions(live_only=command.live_only, limit=500)
        return [
            {**row.to_dict(), "closed": not row.live and self._hub.record_closed(row.id)}
            for row in rows
            if supervisor or self.who.name in (row.owner, row.started_by)
        ]

    def _note(self, command: p.NoteCmd, ref: str | None) -> None:
        """A note, or an edit of one, while the call goes on or after it, until the record
        is closed."""
        self._session(command.session, "note")
        if not self._hub.is_live(command.session) and self._hub.record_closed(command.session):
            raise ProtocolError(f"the record of {command.session} is closed", "record_closed")
        if command.replaces:
            target = self._event(command.session, command.replaces, "no_note")
            if not isinstance(target, Note):
                raise ProtocolError(f"#{command.replaces} is not a note", "no_note")
            if target.by != self.who.name:
                raise ProtocolError("only the author of a note may edit it", "not_your_note")
        note = Note(
            session=command.session, text=command.text, by=self.who.name, replaces=command.replaces
        )
        self._hub.publish_any(note, self._replied(ref, note))

    def _close_record(self, command: p.CloseRecord, ref: str | None) -> None:
        """Make the record final; closing a closed record again changes nothing."""
        self._session(command.session, "note")
        if self._hub.is_live(command.session):
            raise ProtocolError(
                f"session {command.session} is still live: close its record after the call",
                "session_live",
            )
        if self._hub.record_closed(command.session):
            self._send(p.reply("ok", ref))
            return
        closed = RecordClosed(session=command.session, by=self.who.name)
        self._hub.publish_any(closed, self._replied(ref, closed))

    def _ack(self, command: p.Ack, ref: str | None) -> None:
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
        event = AckEvent(
            session=command.session, ref=command.seq, kind=target.type, by=self.who.name
        )
        self._hub.publish(event, self._replied(ref, event))

    def _event(self, session: str, seq: int, code: str = "bad_field") -> Event:
        rows = self._hub.backlog(session, seq - 1, 1)
        if not rows or rows[0][0] != seq:
            raise ProtocolError(f"no event #{seq} in session {session}", code)
        return event_from_dict(json.loads(rows[0][1]))

    def _record(self, command: p.GetRecord) -> str:
        self._session(command.session, "view")
        events = self._hub.events(command.session)
        record = build_record(events)
        self._hub.note_access(self.who, "record", command.session, command.format)
        if command.format == "json":
            return json.dumps(record_to_json(record, events), ensure_ascii=False)
        return render_markdown(record, titles=self._hub.section_titles())

    def _section(self, section_id: str) -> dict[str, Any]:
        try:
            section = self._hub.section(section_id)
        except ConsultAssistError:
            raise ProtocolError(f"no manual section {section_id!r}", "no_section") from None
        if section is None:
            raise ProtocolError("this server has no manuals loaded", "no_section")
        return {"id": section.id, "title": section.title, "body": section.body}


def _nothing() -> None:
    return None
