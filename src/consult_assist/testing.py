"""Fakes for unit tests of the pure core, shipped with the package (never used by default).

* :class:`EnergyDetector` — a speech detector that calls loud chunks speech;
* :class:`FakeTranscriber` — "transcribes" by reading a script at a fixed rate of characters
  per second of audio, so partials grow like real ones and finals are predictable; batches
  cost their slowest item plus a little per other item;
* :func:`tone_call` — synthetic audio: tone bursts (speech) separated by silence;
* :class:`FakeHubClient` — the hub client of the apps' tests: records requests, yields pushed
  events, answers like the server;
* :class:`RecordingSink` — a ``CallSink`` that keeps every call's audio per channel and how it
  ended, for tests of audio sources (SIP, microphone, websocket).
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

import numpy as np

from consult_assist.asr.decoding import DecodeRequest, DecodeResult
from consult_assist.asr.vad import CHUNK
from consult_assist.audio.pcm import SAMPLE_RATE, FloatArray
from consult_assist.errors import AccessError, ConsultAssistError, ProtocolError
from consult_assist.events import (
    Ack,
    Advice,
    Event,
    HelpRequest,
    Note,
    RecordClosed,
    SessionEnded,
    SessionStarted,
    TranscriptFinal,
)
from consult_assist.hub.client import Identity, ManualSection, SessionInfo, Update

__all__ = [
    "EnergyDetector",
    "FakeHubClient",
    "FakeTranscriber",
    "RecordedCall",
    "RecordingSink",
    "tone_call",
]


class EnergyDetector:
    """Speech probability 0.95 for chunks with RMS above ``level``, else 0.02."""

    def __init__(self, level: float = 0.02) -> None:
        self.level = level
        self._pending = np.zeros(0, dtype=np.float32)

    def process(self, samples: FloatArray) -> FloatArray:
        buf = np.concatenate([self._pending, samples.astype(np.float32)])
        n = len(buf) // CHUNK
        self._pending = buf[n * CHUNK :]
        chunks = buf[: n * CHUNK].reshape(n, CHUNK)
        rms = np.sqrt(np.mean(chunks**2, axis=1)) if n else np.zeros(0)
        return np.where(rms > self.level, 0.95, 0.02).astype(np.float32)

    def reset(self) -> None:
        self._pending = np.zeros(0, dtype=np.float32)


class FakeTranscriber:
    """Reads ``script`` at ``chars_per_s`` characters per second of request audio.

    Utterance ``u`` of a stream reads ``scripts[u % len(scripts)]``. The text returned
    continues the request's prefix, as the real model does. ``compute_s`` is reported as the
    compute time of every decode (no real waiting), so simulated latency is predictable.
    """

    def __init__(
        self,
        scripts: Sequence[str] = ("となりの部屋から毎晩すごい泣き声がするんです",),
        *,
        chars_per_s: float = 6.0,
        compute_s: float = 0.1,
        final_compute_s: float | None = None,
        avg_logprob: float = -0.3,
        no_speech_prob: float = 0.05,
        keep_requests: bool = True,
        batch_item_s: float | None = None,
    ) -> None:
        self.scripts = tuple(scripts)
        self.keep_requests = keep_requests
        """Keep every request (with its audio) in ``requests``; off for long runs."""
        self.chars_per_s = chars_per_s
        self.compute_s = compute_s
        self.final_compute_s = compute_s if final_compute_s is None else final_compute_s
        self.avg_logprob = avg_logprob
        self.no_speech_prob = no_speech_prob
        self.batch_item_s = compute_s / 4 if batch_item_s is None else batch_item_s
        """What each request past the first adds to a batch's compute time."""
        self.requests: list[DecodeRequest] = []
        self.batches: list[list[DecodeRequest]] = []
        self._lock = threading.Lock()

    def decode(self, request: DecodeRequest) -> DecodeResult:
        if self.keep_requests:
            with self._lock:
                self.requests.append(request)
        script = self.scripts[(request.utterance % 1_000_000) % len(self.scripts)]
        seconds = len(request.audio) / SAMPLE_RATE
        text = script[: max(1, int(seconds * self.chars_per_s))]
        if request.kind == "final":
            text = script
        if request.prefix and text.startswith(request.prefix):
            text = text[len(request.prefix) :]
        compute = self.final_compute_s if request.kind == "final" else self.compute_s
        return DecodeResult(
            request=request,
            text=text,
            avg_logprob=self.avg_logprob,
            no_speech_prob=self.no_speech_prob,
            compute_s=compute,
        )

    def decode_batch(self, requests: Sequence[DecodeRequest]) -> list[DecodeResult]:
        """Each request as :meth:`decode`; the batch costs its slowest item plus
        ``batch_item_s`` per other item, shared equally."""
        if self.keep_requests:
            with self._lock:
                self.batches.append(list(requests))
        results = [self.decode(request) for request in requests]
        if not results:
            return results
        total = max(r.compute_s for r in results) + self.batch_item_s * (len(results) - 1)
        return [
            dataclasses.replace(r, compute_s=total / len(results), batch_size=len(results))
            for r in results
        ]


def tone_call(
    bursts: Sequence[tuple[float, float]], *, total_s: float, amplitude: float = 0.3
) -> FloatArray:
    """Audio of ``total_s`` seconds with a 220 Hz tone during each (start, end) burst."""
    n = int(total_s * SAMPLE_RATE)
    out = np.zeros(n, dtype=np.float32)
    t = np.arange(n, dtype=np.float32) / SAMPLE_RATE
    for start, end in bursts:
        a, b = int(start * SAMPLE_RATE), min(n, int(end * SAMPLE_RATE))
        out[a:b] = amplitude * np.sin(2 * np.pi * 220.0 * t[a:b])
    return out


class FakeHubClient:
    """A :class:`~consult_assist.hub.client.HubClient` in memory, for the apps' tests.

    It records every request in ``calls`` (method name, arguments), yields what a test
    :meth:`push`\\ es (events and :class:`~consult_assist.hub.client.ConnectionState`), and, with
    ``echo`` (the default), answers requests as the server would: ``help`` pushes a
    ``HelpRequest``, ``advice`` an ``Advice``, ``note`` a ``Note``, ``ack`` an ``Ack``,
    ``end_session`` a ``SessionEnded``, ``close_record`` a ``RecordClosed`` and
    ``start_session`` a ``SessionStarted``, each with the session's next seq; like the server, it
    refuses notes once a record is closed. ``errors[method] = SomeError(...)`` makes that request
    fail. :meth:`remember` stores events the server has but has not sent (past calls): they are
    listed by :meth:`sessions` and sent when a test's app subscribes to that session.
    :meth:`drained` waits until the app has taken every pushed update.
    """

    def __init__(
        self,
        *,
        name: str = "sato",
        role: Literal["handler", "supervisor", "trainer"] = "handler",
        records: Mapping[str, str] | None = None,
        sections: Mapping[str, ManualSection] | None = None,
        echo: bool = True,
        connect_error: ConsultAssistError | None = None,
    ) -> None:
        self.name = name
        self.role: Literal["handler", "supervisor", "trainer"] = role
        self.records = dict(records or {})
        self.sections = dict(sections or {})
        self.echo = echo
        self.connect_error = connect_error
        self.errors: dict[str, ConsultAssistError] = {}
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.audio: list[bytes] = []
        self.events: list[Event] = []
        self.subscriptions: list[str] = []
        self.closed = False
        self._identity: Identity | None = None
        self._queue: asyncio.Queue[Update | None] = asyncio.Queue()
        self._last: dict[str, int] = {}
        self._started = 0

    @property
    def identity(self) -> Identity | None:
        return self._identity

    # -- what tests drive ------------------------------------------------------------------

    def push(self, *updates: Update) -> None:
        """Hand events and connection changes to the app, in this order (duplicates too)."""
        for update in updates:
            if isinstance(update, Event):
                self.events.append(update)
                self._last[update.session] = max(self._last.get(update.session, 0), update.seq)
            self._queue.put_nowait(update)

    def remember(self, *events: Event) -> None:
        """Keep events as the server's store would, without sending them (a past call)."""
        for event in events:
            self.events.append(event)
            self._last[event.session] = max(self._last.get(event.session, 0), event.seq)

    def emit(self, event: Event) -> Event:
        """Push ``event`` stamped with its session's next seq; returns the stamped event."""
        stamped = dataclasses.replace(event, seq=self._last.get(event.session, 0) + 1)
        self.push(stamped)
        return stamped

    async def drained(self) -> None:
        """Wait until the app has applied every update pushed so far."""
        await self._queue.join()

    def finish(self) -> None:
        """End the update stream (as a closed client does)."""
        self._queue.put_nowait(None)

    def called(self, method: str) -> list[tuple[Any, ...]]:
        """The arguments of every call of ``method``, in order."""
        return [args for name, args in self.calls if name == method]

    def _call(self, method: str, *args: Any) -> None:
        self.calls.append((method, args))
        if method in self.errors:
            raise self.errors[method]

    # -- HubClient ------------------------------------------------------------------------

    async def connect(self) -> Identity:
        self._call("connect")
        if self.connect_error is not None:
            raise self.connect_error
        self._identity = Identity(self.name, self.role)
        return self._identity

    async def updates(self) -> AsyncIterator[Update]:
        while True:
            item = await self._queue.get()
            try:
                if item is None:
                    return
                yield item
            finally:
                self._queue.task_done()

    async def subscribe(self, target: str, after: Mapping[str, int] | None = None) -> None:
        self._call("subscribe", target, dict(after or {}))
        if target == "*" and self.role != "supervisor":
            raise AccessError("only supervisors may follow every session")
        self.subscriptions.append(target)
        if target not in ("*", "mine"):
            since = (after or {}).get(target, 0)
            for event in [e for e in self.events if e.session == target and e.seq > since]:
                self._queue.put_nowait(event)

    async def sessions(
        self, *, live_only: bool = True, since: str = "", search: str = ""
    ) -> list[SessionInfo]:
        self._call("sessions", live_only, since, search)
        started = {e.session: e for e in self.events if isinstance(e, SessionStarted)}
        ended = {e.session: e for e in self.events if isinstance(e, SessionEnded)}
        closed = {e.session for e in self.events if isinstance(e, RecordClosed)}
        said: dict[str, str] = {}
        for e in self.events:
            if isinstance(e, TranscriptFinal | Note):
                said[e.session] = said.get(e.session, "") + e.text

        def wanted(sid: str, start: SessionStarted) -> bool:
            if live_only and sid in ended:
                return False
            at = str(start.meta.get("started_at", ""))
            if since and (not at or datetime.fromisoformat(at) < datetime.fromisoformat(since)):
                return False
            return not search or search in said.get(sid, "")

        rows = [
            SessionInfo(
                id=sid,
                owner=str(e.meta.get("handler", "")),
                training=bool(e.meta.get("training", False)),
                live=sid not in ended,
                last_seq=self._last.get(sid, 0),
                started_at=str(e.meta.get("started_at", "")),
                meta=e.meta,
                ended_at="2025-01-01T00:00:00+00:00" if sid in ended else "",
                end_reason=ended[sid].reason if sid in ended else "",
                duration_s=ended[sid].at if sid in ended else None,
                closed=sid in closed,
            )
            for sid, e in started.items()
            if wanted(sid, e)
        ]
        return sorted(rows, key=lambda r: r.started_at, reverse=True)

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
        self._call("start_session", rate, channels, tuple(speakers), training, dict(meta or {}))
        self._started += 1
        while f"call-{self._started}" in self._last:  # ids a test pushed itself
            self._started += 1
        session = f"call-{self._started}"
        if self.echo:
            full = {
                "handler": for_handler or self.name,
                "training": training,
                "started_by": self.name,
                "source": "client",
                "started_at": "2025-01-01T00:00:00+00:00",
                **dict(meta or {}),
            }
            self.emit(SessionStarted(session=session, meta=full))
        return session

    async def send_audio(self, pcm: bytes) -> None:
        self._call("send_audio", len(pcm))
        self.audio.append(pcm)

    async def end_session(self, session: str) -> None:
        self._call("end_session", session)
        if self.echo:
            self.emit(SessionEnded(session=session, reason="end"))

    async def help(self, session: str, reason: str = "") -> None:
        self._call("help", session, reason)
        if self.echo:
            self.emit(HelpRequest(session=session, reason=reason, by=self.name))

    async def advice(self, session: str, text: str) -> None:
        self._call("advice", session, text)
        if self.echo:
            self.emit(Advice(session=session, text=text, by=self.name))

    async def note(self, session: str, text: str, *, replaces: int = 0) -> None:
        self._call("note", session, text, replaces)
        if any(isinstance(e, RecordClosed) and e.session == session for e in self.events):
            raise ProtocolError(f"the record of {session} is closed", "record_closed")
        if self.echo:
            self.emit(Note(session=session, text=text, by=self.name, replaces=replaces))

    async def close_record(self, session: str) -> None:
        self._call("close_record", session)
        if not any(isinstance(e, SessionEnded) and e.session == session for e in self.events):
            raise ProtocolError(f"session {session} is still live", "session_live")
        if self.echo:
            self.emit(RecordClosed(session=session, by=self.name))

    async def ack(self, session: str, seq: int) -> None:
        self._call("ack", session, seq)
        if self.echo:
            kind = next((e.type for e in self.events if e.session == session and e.seq == seq), "")
            self.emit(Ack(session=session, ref=seq, kind=kind, by=self.name))

    async def record(self, session: str, fmt: Literal["md", "json"] = "md") -> str:
        self._call("record", session, fmt)
        return self.records.get(session, f"# 通話記録 {session}\n\n（記録の下書き）\n")

    async def section(self, section_id: str) -> ManualSection:
        self._call("section", section_id)
        found = self.sections.get(section_id)
        return found or ManualSection(section_id, section_id, f"{section_id} の本文。")

    async def close(self) -> None:
        self._call("close")
        self.closed = True
        self.finish()


class RecordedCall:
    """One call opened on a :class:`RecordingSink`: its arguments, audio per channel, end."""

    def __init__(
        self,
        sink: RecordingSink,
        session: str,
        *,
        source: str,
        speakers: Sequence[str],
        source_rate: int,
        meta: Mapping[str, Any],
    ) -> None:
        self._sink = sink
        self._session = session
        self.source = source
        self.speakers = tuple(speakers)
        self.source_rate = source_rate
        self.meta = dict(meta)
        self.chunks: list[list[FloatArray]] = [[] for _ in speakers]
        self.end_reason: str | None = None

    @property
    def session(self) -> str:
        return self._session

    def push(self, channel: int, samples: FloatArray) -> None:
        if self.end_reason is not None:
            raise AssertionError(f"{self._session}: push after end")
        self.chunks[channel].append(np.asarray(samples, dtype=np.float32))
        self._sink._changed()

    def end(self, reason: str = "hangup") -> None:
        if self.end_reason is None:
            self.end_reason = reason
            self._sink._changed()

    def audio(self, channel: int) -> FloatArray:
        """Everything pushed to ``channel``, concatenated."""
        parts = self.chunks[channel]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


class RecordingSink:
    """A ``CallSink`` for tests: records calls; ``await wait_for(pred)`` instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[RecordedCall] = []
        self._event = asyncio.Event()

    def open_call(
        self,
        *,
        source: str,
        speakers: Sequence[str],
        source_rate: int,
        meta: Mapping[str, Any],
    ) -> RecordedCall:
        call = RecordedCall(
            self,
            f"rec-{len(self.calls) + 1}",
            source=source,
            speakers=speakers,
            source_rate=source_rate,
            meta=meta,
        )
        self.calls.append(call)
        self._changed()
        return call

    def _changed(self) -> None:
        self._event.set()

    async def wait_for(self, predicate: Callable[[RecordingSink], bool]) -> None:
        """Return once ``predicate(self)`` holds (wrap in ``asyncio.wait_for`` for a limit)."""
        while not predicate(self):
            self._event.clear()
            await self._event.wait()

    async def wait_ended(self, count: int = 1) -> list[RecordedCall]:
        """Wait until ``count`` calls have ended; return the ended calls."""
        await self.wait_for(lambda s: sum(c.end_reason is not None for c in s.calls) >= count)
        return [c for c in self.calls if c.end_reason is not None]
