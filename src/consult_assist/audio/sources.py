"""Feeding call audio from a file or a microphone into a call, paced like a live call.

The frame shape everything here shares: ``(channel, samples)``, the channel index into the
call's speakers and 16 kHz float32 mono samples (``frame_s`` long, the last one shorter).
:func:`paced_frames` yields them for any consumer (a websocket replay converts each to 16-bit
PCM itself); :func:`stream_file` and :func:`stream_microphone` push them into a
:class:`~consult_assist.audio.calls.CallHandle`.

:func:`microphone_chunks` is the one microphone streamer: :func:`stream_microphone` here and
the websocket client's ``consult_assist.hub.replay.stream_microphone`` both read the device
through it, and both declare the microphone's speakers and its native ``source_rate`` (an
8 kHz headset is telephone audio: the VAD is tuned by it).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from consult_assist.audio.calls import CallAudio, CallHandle, CallSink, channels_for
from consult_assist.audio.file import read_audio
from consult_assist.audio.mic import MicSource
from consult_assist.audio.pcm import SAMPLE_RATE, FloatArray
from consult_assist.errors import ConfigError

__all__ = [
    "FileCall",
    "load_call",
    "microphone_chunks",
    "paced_frames",
    "stream_file",
    "stream_microphone",
]

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[Any]]

_YIELD_EVERY = 50
"""Frames pushed between two yields to the event loop when not waiting (1 s of 20 ms frames)."""


@dataclass(frozen=True)
class FileCall:
    """A recorded call ready to stream: speaker-labelled 16 kHz channels and their origin."""

    path: Path
    audio: CallAudio
    source_rate: int
    """The file's sample rate in Hz before resampling (tunes the VAD: 8000 is telephone)."""
    codec: str

    @property
    def speakers(self) -> tuple[str, ...]:
        return self.audio.speakers


def load_call(path: Path, *, split_stereo: bool = True) -> FileCall:
    """Decode a recording (blocking): stereo → caller (left) + handler (right), else mono ``""``.

    With ``split_stereo=False`` the channels are mixed to one. Call it with
    ``asyncio.to_thread`` from the event loop: a long file takes a while to decode.
    """
    decoded = read_audio(path)
    audio = channels_for(decoded.channels, split=split_stereo)
    meta = {"file": path.name, "codec": decoded.codec, "source_rate": decoded.source_rate}
    return FileCall(
        path=path,
        audio=CallAudio(audio.channels, audio.speakers, meta),
        source_rate=decoded.source_rate,
        codec=decoded.codec,
    )


async def paced_frames(
    audio: CallAudio,
    *,
    speed: float = 1.0,
    frame_s: float = 0.02,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
) -> AsyncGenerator[tuple[int, FloatArray], None]:
    """``(channel, samples)`` frames of a call, released at ``speed`` × real time.

    Frame ``k`` of every channel is due ``k * frame_s / speed`` seconds after the first;
    ``speed`` 0 or infinity means as fast as the consumer takes them. Late frames are not
    dropped: the schedule catches up. ``clock`` and ``sleep`` are injectable for tests.
    """
    if speed < 0 or math.isnan(speed):
        raise ConfigError(f"--speed must be positive (0 = as fast as possible), not {speed}")
    if frame_s <= 0:
        raise ConfigError(f"the frame length must be positive, not {frame_s} s")
    paced = 0 < speed < math.inf
    frame = max(1, round(frame_s * SAMPLE_RATE))
    total = max((len(c) for c in audio.channels), default=0)
    started = clock()
    for k, pos in enumerate(range(0, total, frame)):
        delay = started + pos / SAMPLE_RATE / speed - clock() if paced else 0.0
        if delay > 0:
            await sleep(delay)
        elif k % _YIELD_EVERY == _YIELD_EVERY - 1:
            await sleep(0)  # let the event loop breathe when running late or unpaced
        for channel, samples in enumerate(audio.channels):
            if pos < len(samples):
                yield channel, samples[pos : pos + frame]


async def stream_file(
    path: Path,
    sink: CallSink,
    *,
    speed: float = 1.0,
    split_stereo: bool = True,
    frame_s: float = 0.02,
    meta: Mapping[str, Any] | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
) -> str:
    """Replay a recording into ``sink`` as one live call (source ``"file"``); the session id.

    The call ends ``"hangup"`` at the end of the file, ``"cancel"`` if the task is cancelled
    and ``"error"`` on any other exception (which propagates).
    """
    call = await asyncio.to_thread(load_call, path, split_stereo=split_stereo)
    handle = sink.open_call(
        source="file",
        speakers=call.speakers,
        source_rate=call.source_rate,
        meta={**call.audio.meta, **(meta or {})},
    )
    log.info(
        "[%s] replaying %s: %.1f s, %s, %d Hz, speakers %s, speed %s",
        handle.session,
        path,
        call.audio.duration_s,
        call.codec,
        call.source_rate,
        call.speakers,
        speed,
    )
    frames = paced_frames(call.audio, speed=speed, frame_s=frame_s, clock=clock, sleep=sleep)
    await _pump(frames, handle)
    return handle.session


async def microphone_chunks(
    mic: MicSource, *, frame_s: float = 0.0, session: str = ""
) -> AsyncGenerator[tuple[FloatArray, ...], None]:
    """Capture ``mic``: 16 kHz chunks, one array per channel, until the device stops.

    Starts the microphone and closes it when the generator ends, is closed or is cancelled.
    Every chunk holds at least ``frame_s`` seconds (the last one may be shorter; 0 passes them
    on as PortAudio delivers them), all channels equally long, never empty. ``session`` names
    the call in the closing log line.
    """
    need = max(1, round(frame_s * SAMPLE_RATE))
    pending: list[tuple[FloatArray, ...]] = []
    have = 0
    try:
        async with mic:
            async for chunks in mic:
                if not len(chunks[0]):
                    continue  # the resampler is still filling
                pending.append(chunks)
                have += len(chunks[0])
                if have >= need:
                    yield _joined(pending)
                    pending, have = [], 0
            if pending:
                yield _joined(pending)
    finally:
        log.info(
            "[%s] microphone %r closed: %d block(s), %d dropped, %d PortAudio overflow(s)",
            session,
            mic.device.name,
            mic.stats.blocks,
            mic.stats.dropped_blocks,
            mic.stats.input_overflows,
        )


def _joined(chunks: list[tuple[FloatArray, ...]]) -> tuple[FloatArray, ...]:
    if len(chunks) == 1:
        return chunks[0]
    return tuple(np.concatenate(channel) for channel in zip(*chunks, strict=True))


async def stream_microphone(
    mic: MicSource, sink: CallSink, *, meta: Mapping[str, Any] | None = None
) -> str:
    """Capture ``mic`` into ``sink`` as one live call (source ``"mic"``); the session id.

    The call declares the microphone's speakers (caller + handler on two channels, one
    unnamed on one) and its native rate as ``source_rate``. It streams until the task is
    cancelled (the call ends ``"cancel"``) or the device stops (``"hangup"``).
    """
    handle = sink.open_call(
        source="mic",
        speakers=mic.speakers,
        source_rate=mic.source_rate,
        meta=dict(meta or {}),
    )
    log.info(
        "[%s] microphone %r: %d channel(s) at %d Hz, speakers %s",
        handle.session,
        mic.device.name,
        mic.channels,
        mic.source_rate,
        mic.speakers,
    )
    await _pump(_per_channel(microphone_chunks(mic, session=handle.session)), handle)
    return handle.session


async def _per_channel(
    chunks: AsyncGenerator[tuple[FloatArray, ...], None],
) -> AsyncGenerator[tuple[int, FloatArray], None]:
    """Chunks of all channels as ``(channel, samples)`` frames, channel by channel."""
    try:
        async for chunk in chunks:
            for channel, samples in enumerate(chunk):
                yield channel, samples
    finally:
        await chunks.aclose()


async def _pump(frames: AsyncGenerator[tuple[int, FloatArray], None], handle: CallHandle) -> None:
    """Push every frame into ``handle`` and end the call once, saying why."""
    reason = "hangup"
    try:
        async for channel, samples in frames:
            handle.push(channel, samples)
    except asyncio.CancelledError:
        reason = "cancel"
        raise
    except BaseException:
        reason = "error"  # the caller reports the exception; the call still ends once
        raise
    finally:
        await frames.aclose()
        handle.end(reason)
