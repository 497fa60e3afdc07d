"""Send call audio to a server as a live session: a recorded file (``replay``) or a microphone.

Both start a session through a :class:`HubClient`, then keep streaming in a background task
and end the session when the audio ends. Audio travels as 16 kHz little-endian int16 frames
of ``frame_s`` seconds (both channels interleaved for a stereo call).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from consult_assist.audio.calls import CallAudio
from consult_assist.audio.mic import open_microphone
from consult_assist.audio.pcm import SAMPLE_RATE, FloatArray
from consult_assist.audio.sources import load_call, microphone_chunks, paced_frames
from consult_assist.hub.client import HubClient

__all__ = ["pcm_frames", "replay_file", "stream_microphone"]

log = logging.getLogger(__name__)

_tasks: set[asyncio.Task[None]] = set()


def pcm_frames(channels: tuple[FloatArray, ...], frame_s: float) -> list[bytes]:
    """Cut equally long 16 kHz channels into interleaved int16 frames of ``frame_s``."""
    frame = max(1, int(frame_s * SAMPLE_RATE))
    pcm = _interleave(channels)
    return [pcm[i : i + frame].tobytes() for i in range(0, len(pcm), frame)]


def _interleave(channels: tuple[FloatArray, ...]) -> npt.NDArray[np.int16]:
    """Equally long float channels as one little-endian int16 array, one row per sample."""
    stacked = np.stack(channels, axis=1)
    return (np.clip(stacked, -1.0, 1.0) * 32767.0).astype("<i2")


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

    Returns the session id at once; streaming goes on in a background task that ends the
    session when the file is done, or early once ``stop`` is set (and then calls
    ``on_done(session)``).
    """
    loaded = await asyncio.to_thread(load_call, path, split_stereo=split_stereo)
    call = loaded.audio
    length = max(len(c) for c in call.channels)
    # Every wire frame carries all channels, so they must be equally long.
    audio = CallAudio(tuple(np.pad(c, (0, length - len(c))) for c in call.channels), call.speakers)
    session = await client.start_session(
        rate=SAMPLE_RATE,
        channels=len(audio.channels),
        speakers=audio.speakers,
        training=training,
        for_handler=for_handler,
        source_rate=loaded.source_rate,  # an 8 kHz recording is telephone audio: VAD tuning
        meta={"source": "file", "file": path.name, "duration_s": round(length / SAMPLE_RATE, 2)},
    )
    _spawn(_stream(client, session, audio, frame_s, speed, on_done, stop), session)
    return session


async def _stream(
    client: HubClient,
    session: str,
    audio: CallAudio,
    frame_s: float,
    speed: float,
    on_done: Callable[[str], Awaitable[None] | None] | None,
    stop: asyncio.Event | None = None,
) -> None:
    frame: list[FloatArray] = []
    async for channel, samples in paced_frames(audio, speed=speed, frame_s=frame_s):
        if stop is not None and stop.is_set():
            break
        frame.append(samples)
        if channel == len(audio.channels) - 1:
            await client.send_audio(_interleave(tuple(frame)).tobytes())
            frame = []
    await client.end_session(session)
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
        except Exception:
            log.exception("[%s] streaming audio to the server failed", session)

    task = asyncio.get_running_loop().create_task(guarded())
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
