"""Wires one call: audio -> streaming recognizer(s) -> knowledge -> sequenced events.

Two drivers share the same wiring: :func:`simulated_call` (offline, simulated clock, as fast as
the machine allows) and :func:`live_call` (asyncio, paced by the wall clock, decodes through
the shared :class:`~consult_assist.asr.service.AsrService`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from consult_assist.asr.decoding import DecodeResult, Transcriber
from consult_assist.asr.recognizer import RecognizerOptions, StreamingRecognizer
from consult_assist.asr.scheduler import DecodeScheduler
from consult_assist.asr.service import AsrService
from consult_assist.asr.simulate import SimulationStats, simulate
from consult_assist.asr.vad import SileroVad, SpeechDetector
from consult_assist.audio.calls import CallAudio
from consult_assist.audio.pcm import SAMPLE_RATE, FloatArray
from consult_assist.audio.sources import paced_frames
from consult_assist.events import Event, Sequencer, SessionEnded, SessionStarted, TranscriptFinal
from consult_assist.knowledge.acts import ActTracker

__all__ = [
    "Knowledge",
    "LiveCall",
    "SimulatedCall",
    "live_call",
    "make_recognizers",
    "simulated_call",
    "simulated_calls",
]

log = logging.getLogger(__name__)


class Knowledge(Protocol):
    """What the pipeline needs of the knowledge engine: transcript event in, events out."""

    def feed(self, event: Event) -> list[Event]: ...


def make_recognizers(
    session: str,
    audio: CallAudio,
    *,
    options: RecognizerOptions,
    detector_factory: Callable[[], SpeechDetector] = SileroVad,
) -> list[tuple[StreamingRecognizer, FloatArray]]:
    """One recognizer per channel; utterance numbers never collide across channels."""
    out = []
    for i, (channel, speaker) in enumerate(zip(audio.channels, audio.speakers, strict=True)):
        rec = StreamingRecognizer(
            session,
            detector_factory(),
            options=options,
            speaker=speaker,
            stream=f"{session}/{i}",
            utterance_base=i * 1_000_000,
        )
        out.append((rec, channel))
    return out


def _annotated(event: Event, acts: ActTracker) -> Event:
    """A final with its speech act filled in (question, answer, statement…), for every client
    and the store; cheap (one cached analysis), so it runs before the final is published."""
    return acts.annotate(event) if isinstance(event, TranscriptFinal) else event


def _with_knowledge(
    event: Event, knowledge: Knowledge | None, seq: Sequencer, acts: ActTracker
) -> Iterator[Event]:
    event = _annotated(event, acts)
    yield seq.stamp(event)
    if knowledge is not None:
        for derived in knowledge.feed(event):
            yield seq.stamp(derived)


@dataclass(frozen=True)
class SimulatedCall:
    """One call of a simulated run: its session id, audio, and when it starts (seconds)."""

    session: str
    audio: CallAudio
    start_s: float = 0.0


def simulated_calls(
    calls: Sequence[SimulatedCall],
    transcriber: Transcriber,
    *,
    options: RecognizerOptions | None = None,
    knowledge: Knowledge | None = None,
    stats: SimulationStats | None = None,
    scheduler: DecodeScheduler | None = None,
    detector_factory: Callable[[], SpeechDetector] = SileroVad,
    on_progress: Callable[[float], None] | None = None,
) -> Iterator[Event]:
    """Several calls at once on one simulated clock, sharing one scheduler and model.

    Each call's events are sequenced on their own (``seq`` 1, 2, … per session) and carry
    ``at`` in their own call's time; they come out in the order they happen.
    """
    opts = options or RecognizerOptions()
    seqs = {call.session: Sequencer() for call in calls}
    if len(seqs) != len(calls):
        raise ValueError("two simulated calls with one session id")
    streams: list[tuple[StreamingRecognizer, FloatArray]] = []
    starts: list[float] = []
    for call in calls:
        for pair in make_recognizers(
            call.session, call.audio, options=opts, detector_factory=detector_factory
        ):
            streams.append(pair)
            starts.append(call.start_s)
    last_at = dict.fromkeys(seqs, 0.0)
    acts = {session: ActTracker() for session in seqs}
    started: set[str] = set()
    by_start = sorted(calls, key=lambda c: c.start_s)

    def begin(session: str) -> Iterator[Event]:
        for event in _started_before(session, by_start, started, seqs):
            if knowledge is not None:
                knowledge.feed(event)  # a fresh state for this call
            yield event

    for event in simulate(
        streams,
        transcriber,
        scheduler=scheduler,
        stats=stats,
        starts=starts,
        on_progress=on_progress,
    ):
        yield from begin(event.session)
        last_at[event.session] = max(last_at[event.session], event.at)
        yield from _with_knowledge(event, knowledge, seqs[event.session], acts[event.session])
    for call in calls:
        yield from begin(call.session)
        at = max(last_at[call.session], call.audio.duration_s)
        ended = SessionEnded(session=call.session, at=at)
        if knowledge is not None:
            knowledge.feed(ended)  # releases the call's state
        yield seqs[call.session].stamp(ended)


def _started_before(
    session: str, calls: Sequence[SimulatedCall], started: set[str], seqs: dict[str, Sequencer]
) -> Iterator[Event]:
    """``session.started`` of ``session`` (once), before its first event."""
    for call in calls:
        if call.session == session and session not in started:
            started.add(session)
            yield seqs[session].stamp(
                SessionStarted(session=session, at=0.0, meta=dict(call.audio.meta))
            )


def simulated_call(
    session: str,
    audio: CallAudio,
    transcriber: Transcriber,
    *,
    options: RecognizerOptions | None = None,
    knowledge: Knowledge | None = None,
    stats: SimulationStats | None = None,
    scheduler: DecodeScheduler | None = None,
    detector_factory: Callable[[], SpeechDetector] = SileroVad,
    on_progress: Callable[[float], None] | None = None,
) -> Iterator[Event]:
    """All events of a call run on the simulated clock, sequenced, in order of ``at``."""
    yield from simulated_calls(
        [SimulatedCall(session, audio)],
        transcriber,
        options=options,
        knowledge=knowledge,
        stats=stats,
        scheduler=scheduler,
        detector_factory=detector_factory,
        on_progress=on_progress,
    )


class LiveCall:
    """One call heard live: audio pushed per channel, events published as they happen.

    Audio arrives from any source (websocket, SIP, microphone, a paced file) through
    :meth:`push`; decodes go through the shared :class:`AsrService`; every transcript event and
    what the knowledge engine derives from it goes to ``publish`` in order, unstamped (the
    publisher sequences, stores and fans out). The call's clock is the audio received so far
    plus the wall time since the last push, scaled by ``speed`` for faster-than-real replays.
    """

    def __init__(
        self,
        session: str,
        service: AsrService,
        publish: Callable[[Event], None],
        *,
        speakers: Sequence[str] = ("",),
        options: RecognizerOptions | None = None,
        knowledge: Knowledge | None = None,
        speed: float = 1.0,
        detector_factory: Callable[[], SpeechDetector] = SileroVad,
        knowledge_in_thread: bool = False,
    ) -> None:
        self.session = session
        self._service = service
        self._publish = publish
        self._knowledge = knowledge
        self._speed = speed
        # Matching costs milliseconds of pure Python per event; in a server with many calls it
        # runs in a worker thread so the event loop keeps delivering meanwhile. Order is kept:
        # one queue per call, derived events published after the event they came from.
        self._kqueue: asyncio.Queue[Event | None] | None = None
        self._kworker: asyncio.Task[None] | None = None
        if knowledge is not None and knowledge_in_thread:
            self._kqueue = asyncio.Queue()
            self._kworker = asyncio.get_running_loop().create_task(self._knowledge_worker())
        opts = options or RecognizerOptions()
        self._recognizers = [
            rec
            for rec, _ in make_recognizers(
                session,
                CallAudio(tuple(_EMPTY for _ in speakers), tuple(speakers)),
                options=opts,
                detector_factory=detector_factory,
            )
        ]
        self._acts = ActTracker()
        self._received = [0] * len(speakers)
        self._last_push = time.monotonic()
        self._finished = False
        self._drained = asyncio.Event()
        for rec in self._recognizers:
            service.register(rec.stream, self.clock, self._on_result(rec))

    @property
    def channels(self) -> int:
        return len(self._recognizers)

    @property
    def received_s(self) -> float:
        """Seconds of audio received (the longest channel)."""
        return max(self._received, default=0) / SAMPLE_RATE

    def clock(self) -> float:
        """Now, in seconds of call audio."""
        if self._finished:
            return self.received_s
        return self.received_s + (time.monotonic() - self._last_push) * self._speed

    def push(self, channel: int, samples: FloatArray) -> None:
        """Append 16 kHz audio to ``channel``; decodes are queued, ready events published."""
        if self._finished or not 0 <= channel < len(self._recognizers):
            return
        rec = self._recognizers[channel]
        self._received[channel] += len(samples)
        self._last_push = time.monotonic()
        rec.pace = self._service.pace()
        self._service.submit(rec.feed(samples))
        self._emit(rec.take_events())

    async def finish(self) -> None:
        """End of audio: flush every channel and wait until the last finals are published."""
        if not self._finished:
            self._finished = True
            for rec in self._recognizers:
                self._service.submit(rec.finish())
                self._emit(rec.take_events())
        while any(rec.awaiting_finals for rec in self._recognizers):
            self._drained.clear()
            await self._drained.wait()
        for rec in self._recognizers:
            self._service.unregister(rec.stream, self.session)
        if self._kqueue is not None and self._kworker is not None:
            self._kqueue.put_nowait(None)
            await self._kworker

    async def _knowledge_worker(self) -> None:
        assert self._kqueue is not None and self._knowledge is not None
        while (event := await self._kqueue.get()) is not None:
            try:
                derived = await asyncio.to_thread(self._knowledge.feed, event)
            except Exception:
                log.exception("[%s] knowledge failed on %s", self.session, event.type)
                continue
            for item in derived:
                self._publish(item)

    def _on_result(self, rec: StreamingRecognizer) -> Callable[[DecodeResult], None]:
        def deliver(result: DecodeResult) -> None:
            self._emit(rec.receive(result, now=self.clock()))
            self._drained.set()

        return deliver

    def _emit(self, events: list[Event]) -> None:
        for event in events:
            event = _annotated(event, self._acts)
            self._publish(event)
            if self._kqueue is not None:
                self._kqueue.put_nowait(event)
            elif self._knowledge is not None:
                for derived in self._knowledge.feed(event):
                    self._publish(derived)


_EMPTY: FloatArray = np.zeros(0, dtype=np.float32)


async def live_call(
    session: str,
    audio: CallAudio,
    service: AsrService,
    *,
    options: RecognizerOptions | None = None,
    knowledge: Knowledge | None = None,
    frame_s: float = 0.02,
    speed: float = 1.0,
    detector_factory: Callable[[], SpeechDetector] = SileroVad,
) -> AsyncIterator[Event]:
    """All events of a call replayed in real time (``speed`` × real time) through ``service``."""
    seq = Sequencer()
    out: asyncio.Queue[Event | None] = asyncio.Queue()
    call = LiveCall(
        session,
        service,
        lambda e: out.put_nowait(seq.stamp(e)),
        speakers=audio.speakers,
        options=options,
        knowledge=knowledge,
        speed=speed,
        detector_factory=detector_factory,
    )

    async def feed() -> None:
        async for channel, samples in paced_frames(audio, speed=speed, frame_s=frame_s):
            call.push(channel, samples)
        await call.finish()
        out.put_nowait(None)

    yield seq.stamp(SessionStarted(session=session, at=0.0, meta=dict(audio.meta)))
    feeder = asyncio.create_task(feed())
    try:
        while (event := await out.get()) is not None:
            yield event
        await feeder
    finally:
        feeder.cancel()
    ended = SessionEnded(session=session, at=call.received_s)
    if knowledge is not None:
        knowledge.feed(ended)  # releases the call's state
    yield seq.stamp(ended)
