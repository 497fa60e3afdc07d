"""Wires one call: audio -> streaming recognizer(s) -> knowledge -> sequenced events.

Two drivers share the same wiring: :func:`simulated_call` (offline, simulated clock, as fast as
the machine allows) and :func:`live_call` (asyncio, paced by the wall clock, decodes through
the shared :class:`~consult_assist.asr.service.AsrService`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from consult_assist.asr.decoding import DecodeResult, Transcriber
from consult_assist.asr.recognizer import RecognizerOptions, StreamingRecognizer
from consult_assist.asr.service import AsrService
from consult_assist.asr.simulate import SimulationStats, simulate
from consult_assist.asr.vad import SileroVad, SpeechDetector
from consult_assist.audio.pcm import SAMPLE_RATE, FloatArray, mix
from consult_assist.frames import Event, Sequencer, SessionEnded, SessionStarted

__all__ = ["CallAudio", "Knowledge", "live_call", "make_recognizers", "simulated_call"]

log = logging.getLogger(__name__)


class Knowledge(Protocol):
    """What the pipeline needs of the knowledge engine: transcript event in, events out."""

    def feed(self, event: Event) -> list[Event]: ...


@dataclass(frozen=True)
class CallAudio:
    """The audio of one call: one 16 kHz array per speaker-labelled channel."""

    channels: tuple[FloatArray, ...]
    speakers: tuple[str, ...] = ("",)
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return max((len(c) for c in self.channels), default=0) / SAMPLE_RATE


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


def _with_knowledge(event: Event, knowledge: Knowledge | None, seq: Sequencer) -> Iterator[Event]:
    yield seq.stamp(event)
    if knowledge is not None:
        for derived in knowledge.feed(event):
            yield seq.stamp(derived)


def simulated_call(
    session: str,
    audio: CallAudio,
    transcriber: Transcriber,
    *,
    options: RecognizerOptions | None = None,
    knowledge: Knowledge | None = None,
    stats: SimulationStats | None = None,
    detector_factory: Callable[[], SpeechDetector] = SileroVad,
    on_progress: Callable[[float], None] | None = None,
) -> Iterator[Event]:
    """All events of a call run on the simulated clock, sequenced, in order of ``at``."""
    seq = Sequencer()
    opts = options or RecognizerOptions()
    recognizers = make_recognizers(session, audio, options=opts, detector_factory=detector_factory)
    yield seq.stamp(SessionStarted(session=session, at=0.0, meta=dict(audio.meta)))
    last_at = 0.0
    for event in simulate(recognizers, transcriber, stats=stats, on_progress=on_progress):
        last_at = max(last_at, event.at)
        yield from _with_knowledge(event, knowledge, seq)
    yield seq.stamp(SessionEnded(session=session, at=max(last_at, audio.duration_s)))


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
    opts = options or RecognizerOptions()
    recognizers = make_recognizers(session, audio, options=opts, detector_factory=detector_factory)
    out: asyncio.Queue[Event | None] = asyncio.Queue()
    started = time.monotonic()

    def audio_clock() -> float:
        return (time.monotonic() - started) * speed

    def on_result(rec: StreamingRecognizer) -> Callable[[DecodeResult], None]:
        def deliver(result: DecodeResult) -> None:
            for event in rec.receive(result, now=audio_clock()):
                out.put_nowait(event)

        return deliver

    for rec, _ in recognizers:
        service.register(rec.stream, audio_clock, on_result(rec))

    async def feed() -> None:
        frame = int(frame_s * SAMPLE_RATE)
        total = max(len(a) for _, a in recognizers)
        pos = 0
        while pos < total:
            due = started + pos / SAMPLE_RATE / speed
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            for rec, channel in recognizers:
                if pos < len(channel):
                    service.submit(rec.feed(channel[pos : pos + frame]))
                    for event in rec.take_events():
                        out.put_nowait(event)
            pos += frame
        for rec, _ in recognizers:
            service.submit(rec.finish())
            for event in rec.take_events():
                out.put_nowait(event)
        while any(rec.awaiting_finals for rec, _ in recognizers):
            await asyncio.sleep(0.01)
        out.put_nowait(None)

    yield seq.stamp(SessionStarted(session=session, at=0.0, meta=dict(audio.meta)))
    feeder = asyncio.create_task(feed())
    try:
        while (event := await out.get()) is not None:
            for stamped in _with_knowledge(event, knowledge, seq):
                yield stamped
        await feeder
    finally:
        feeder.cancel()
        for rec, _ in recognizers:
            service.unregister(rec.stream)
    yield seq.stamp(SessionEnded(session=session, at=audio_clock()))


def channels_for(
    channels: Sequence[FloatArray], *, split: bool, speakers: Sequence[str] = ("caller", "handler")
) -> CallAudio:
    """A call's audio from decoded channels: split stereo into speakers, or mix to mono."""
    if split and len(channels) == 2:
        return CallAudio(tuple(channels), tuple(speakers[:2]))
    return CallAudio((mix(channels),), ("",))
