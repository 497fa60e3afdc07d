"""Send call audio to a server as a live session: a recorded file (``replay``) or a microphone.

Both start a session through a :class:`HubClient`, then keep streaming in a background task
and end the session when the audio ends. Audio travels as little-endian int16 frames of
``frame_s`` seconds (both channels interleaved for a stereo call): a file at its own rate, a
microphone at 16 kHz.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from consult_assist.audio.file import FilePcm, read_pcm16
from consult_assist.audio.mic import open_microphone
from consult_assist.audio.pcm import SAMPLE_RATE, FloatArray, float_to_int16
from consult_assist.audio.sources import load_call, microphone_chunks
from consult_assist.errors import ConsultAssistError
from consult_assist.hub.client import HubClient
from consult_assist.hub.protocol import MAX_RATE, MIN_RATE

__all__ = ["pcm_frames", "replay_file", "stream_microphone"]

log = logging.getLogger(__name__)

_tasks: set[asyncio.Task[None]] = set()

_YIELD_EVERY = 10
"""Frames sent between two yields to the event loop when not waiting."""


def pcm_frames(channels: tuple[FloatArray, ...], frame_s: float) -> list[bytes]:
    """Cut equally long 16 kHz channels into interleaved int16 frames of ``frame_s``."""
    frame = max(1, int(frame_s * SAMPLE_RATE))
    pcm = _interleave(channels)
    return [pcm[i : i + frame].tobytes() for i in range(0, len(pcm), frame)]


def _interleave(channels: tuple[FloatArray, ...]) -> npt.NDArray[np.int16]:
    """Equally long float channels as one little-endian int16 array, one row per sample."""
    return float_to_int16(np.stack(channels, axis=1)).astype("<i2")


async def replay_file(
    client: HubClient,
    path: Path,
    *,
    speed: float = 1.0,
    training: bool = True,
    for_handler: str = "",
    split_stereo: bool = True,
    frame_s: float = 0.1,
    on_done: Callable[[str], Awaitable[None] | None] | None = None,
    stop: asyncio.Event | None = None,
) -> str:
    """Start a (training) session and stream ``path`` into it at ``speed`` × real time.

    The file's own samples go on the wire at its own rate (8-48 kHz), so the server resamples
    them once, exactly as ``transcribe`` does: a 16-bit recording is transcribed from the same
    audio live as offline. Other rates are resampled to 16 kHz here.

    Returns the session id at once; streaming goes on in a background task that ends the
    session when the file is done, or early once ``stop`` is set (and then calls
    ``on_done(session)``).
    """
    pcm, speakers = await asyncio.to_thread(_load, path, split_stereo)
    rate = pcm.rate
    session = await client.start_session(
        rate=rate,
        channels=pcm.channels.shape[0],
        speakers=speakers,
        training=training,
        for_handler=for_handler,
        source_rate=pcm.rate,  # an 8 kHz recording is telephone audio: VAD tuning
        meta={"source": "file", "file": path.name, "duration_s": round(pcm.duration_s, 2)},
    )
    _spawn(_stream(client, session, pcm, frame_s, speed, on_done, stop), session)
    return session


def _load(path: Path, split_stereo: bool) -> tuple[FilePcm, tuple[str, ...]]:
    """The file as 16-bit PCM at a rate the protocol takes, and its speakers (blocking)."""
    pcm = read_pcm16(path)
    if not MIN_RATE <= pcm.rate <= MAX_RATE:
        call = load_call(path, split_stereo=split_stereo).audio
        length = max(len(c) for c in call.channels)
        padded = np.stack([np.pad(c, (0, length - len(c))) for c in call.channels])
        return replace(pcm, channels=float_to_int16(padded), rate=SAMPLE_RATE), call.speakers
    channels = pcm.channels
    if split_stereo and channels.shape[0] == 2:
        return pcm, ("caller", "handler")
    if channels.shape[0] > 1:
        mixed = np.rint(channels.astype(np.float64).mean(axis=0, keepdims=True))
        return replace(pcm, channels=mixed.astype(np.int16)), ("",)
    return pcm, ("",)


async def _stream(
    client: HubClient,
    session: str,
    pcm: FilePcm,
    frame_s: float,
    speed: float,
    on_done: Callable[[str], Awaitable[None] | None] | None,
    stop: asyncio.Event | None = None,
) -> None:
    interleaved = np.ascontiguousarray(pcm.channels.T).astype("<i2")
    frame = max(1, round(frame_s * pcm.rate))
    paced = 0 < speed < math.inf
    started = time.monotonic()
    try:
        for k, pos in enumerate(range(0, len(interleaved), frame)):
            delay = started + pos / pcm.rate / speed - time.monotonic() if paced else 0.0
            if delay > 0:
                await asyncio.sleep(delay)
            elif k % _YIELD_EVERY == _YIELD_EVERY - 1:
                await asyncio.sleep(0)  # let the event loop breathe when running late or unpaced
            if stop is not None and stop.is_set():
                break
            await client.send_audio(interleaved[pos : pos + frame].tobytes())
        await client.end_session(session)
    finally:
        # Told even when the stream or its end failed (a lost server): whoever waits for the
        # replay to finish must not wait for ever.
        if on_done is not None:
            result = on_done(session)
            if asyncio.iscoroutine(result):
                await result


async def stream_microphone(
    client: HubClient,
    device: str | int | None,
    *,
    channels: int = 1,
    frame_s: float = 0.1,
    backend: Any = None,
) -> str:
    """Start a live session fed by a microphone; streams until the session is ended.

    The session declares the microphone's speakers and its native rate as ``source_rate``,
    so an 8 kHz headset gets the telephone VAD threshold. ``backend`` is the ``sounddevice``
    module or a fake of it (:func:`~consult_assist.audio.mic.open_microphone`).
    """
    mic = open_microphone(device, channels=channels, backend=backend)
    session = await client.start_session(
        rate=SAMPLE_RATE,
        channels=mic.channels,
        speakers=mic.speakers,
        source_rate=mic.source_rate,
        meta={"source": "mic"},
    )

    async def pump() -> None:
        async for chunks in microphone_chunks(mic, frame_s=frame_s, session=session):
            await client.send_audio(_interleave(chunks).tobytes())

    _spawn(pump(), session)
    return session


def _spawn(coro: Awaitable[None], session: str) -> None:
    async def guarded() -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except ConsultAssistError as exc:
            # A lost server is one line (the caller says it to the user): not a traceback.
            log.info("[%s] streaming audio to the server stopped: %s", session, exc)
        except Exception:
            log.exception("[%s] streaming audio to the server failed", session)

    task = asyncio.get_running_loop().create_task(guarded())
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
