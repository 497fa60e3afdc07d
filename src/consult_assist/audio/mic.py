"""Microphone input through PortAudio (``sounddevice``): device listing, selection and capture.

``sounddevice`` is imported only inside these functions: importing it raises ``OSError`` on a
machine without ``libportaudio2``, and a headless machine has no input device at all; both
become one :class:`~consult_assist.errors.AudioError` sentence, never a traceback. Every
function takes ``backend=`` (the ``sounddevice`` module or a fake of it), the seam tests use to
drive the PortAudio callback without a sound card.

PortAudio calls our callback on its own thread; the block crosses into asyncio in exactly one
place (:meth:`MicSource._post`, ``loop.call_soon_threadsafe``) onto a bounded queue. When the
consumer falls behind, the oldest block is dropped, counted and logged; PortAudio's own
``input_overflow`` flags (samples lost before they reached us) are counted too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import numpy as np

from consult_assist.audio.pcm import SAMPLE_RATE, FloatArray, Resampler
from consult_assist.errors import AudioError

__all__ = [
    "InputDevice",
    "MicSource",
    "MicStats",
    "list_devices",
    "open_microphone",
    "select_device",
]

log = logging.getLogger(__name__)

NO_PORTAUDIO = (
    "the PortAudio library is missing, so microphones cannot be used "
    "(install it: apt-get install libportaudio2)"
)
NO_MICROPHONE = (
    "no microphone found: this machine has no audio input device "
    "(consult-assist devices lists them)"
)


@dataclass(frozen=True)
class InputDevice:
    """One audio input device as PortAudio reports it."""

    index: int
    """PortAudio device index (what ``--mic 3`` selects)."""
    name: str
    channels: int
    """Maximum number of input channels."""
    default_rate: int
    """The device's default sample rate in Hz (we capture at it and resample to 16 kHz)."""
    is_default: bool
    """PortAudio's default input device."""
    hostapi: str = ""
    """Host API (ALSA, PulseAudio, WASAPI…); the same microphone may appear once per API."""


@dataclass
class MicStats:
    """Counters of one capture, updated on the event loop."""

    blocks: int = 0
    """Blocks received from PortAudio."""
    dropped_blocks: int = 0
    """Blocks dropped (oldest first) because the consumer fell behind and the queue was full."""
    input_overflows: int = 0
    """Blocks PortAudio flagged ``input_overflow``: samples lost before they reached us."""

    @property
    def overflows(self) -> int:
        """All losses together."""
        return self.dropped_blocks + self.input_overflows


def _load_sounddevice() -> Any:
    """Import ``sounddevice``, turning a missing PortAudio library into one sentence."""
    try:
        import sounddevice  # lazy: optional (the [mic] extra); raises OSError without PortAudio
    except OSError:
        raise AudioError(NO_PORTAUDIO, "no_portaudio") from None
    except ImportError:
        raise AudioError(
            "the sounddevice package is not installed, so microphones cannot be used "
            "(install it: pip install 'consult-assist[mic]')",
            "no_sounddevice",
        ) from None
    return sounddevice


def list_devices(*, backend: Any = None) -> list[InputDevice]:
    """The audio input devices of this machine (empty on a headless machine)."""
    sd = backend if backend is not None else _load_sounddevice()
    try:
        raw = list(sd.query_devices())
    except sd.PortAudioError as exc:
        raise AudioError(f"cannot list audio devices: {exc}", "microphone") from None
    default = _default_input(sd)
    apis = _hostapi_names(sd)
    out = []
    for info in raw:
        channels = int(info.get("max_input_channels", 0))
        if channels <= 0:
            continue
        index = int(info["index"])
        hostapi = info.get("hostapi")
        out.append(
            InputDevice(
                index=index,
                name=str(info["name"]),
                channels=channels,
                default_rate=round(float(info.get("default_samplerate") or SAMPLE_RATE)),
                is_default=index == default,
                hostapi=apis.get(hostapi, "") if isinstance(hostapi, int) else "",
            )
        )
    return out


def _default_input(sd: Any) -> int:
    try:
        return int(sd.query_devices(kind="input")["index"])
    except (sd.PortAudioError, KeyError, TypeError, ValueError):
        return -1  # no default input device


def _hostapi_names(sd: Any) -> dict[int, str]:
    query = getattr(sd, "query_hostapis", None)
    if query is None:
        return {}
    try:
        return {i: str(api.get("name", "")) for i, api in enumerate(query())}
    except sd.PortAudioError:
        return {}


def select_device(devices: Sequence[InputDevice], device: str | int | None) -> InputDevice:
    """Pick an input device by index, by case-insensitive name (substring), or the default.

    An exact name wins over substrings; several substring matches are an error listing them.
    """
    if not devices:
        raise AudioError(NO_MICROPHONE, "no_microphone")
    if device is None or device == "":
        for d in devices:
            if d.is_default:
                return d
        return devices[0]
    if isinstance(device, int) or device.strip().isdigit():
        index = int(device)
        for d in devices:
            if d.index == index:
                return d
        raise AudioError(
            f"no microphone with index {index}: the input devices are {_describe(devices)}"
        )
    query = device.strip().casefold()
    exact = [d for d in devices if d.name.casefold() == query]
    if len(exact) == 1:
        return exact[0]
    matches = exact or [d for d in devices if query in d.name.casefold()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise AudioError(
            f"no microphone matches {device!r}: the input devices are {_describe(devices)}"
        )
    raise AudioError(
        f"{device!r} matches {len(matches)} microphones ({_describe(matches)}): "
        "give its index or a longer part of its name"
    )


def _describe(devices: Sequence[InputDevice]) -> str:
    return ", ".join(
        f"{d.index} {d.name!r}" + (f" ({d.hostapi})" if d.hostapi else "") for d in devices
    )


def open_microphone(
    device: str | int | None = None,
    *,
    channels: int = 1,
    block_s: float = 0.02,
    max_queue_s: float = 2.0,
    backend: Any = None,
) -> MicSource:
    """A microphone ready to capture (start it with ``async with``).

    ``device`` is an index, a case-insensitive part of the name, or None for the default
    input. ``block_s`` is the PortAudio block length in seconds; ``max_queue_s`` how much
    audio may wait for a slow consumer before the oldest block is dropped.
    """
    sd = backend if backend is not None else _load_sounddevice()
    chosen = select_device(list_devices(backend=sd), device)
    if not 1 <= channels <= chosen.channels:
        raise AudioError(
            f"microphone {chosen.name!r} has {chosen.channels} input channel(s), not {channels}"
        )
    if block_s <= 0 or max_queue_s < block_s:
        raise AudioError(f"invalid microphone buffering: block {block_s} s, queue {max_queue_s} s")
    return MicSource(chosen, sd, channels=channels, block_s=block_s, max_queue_s=max_queue_s)


_Block = tuple[np.ndarray, bool] | None  # (frames × channels, PortAudio overflow) | end


class MicSource:
    """Live microphone audio: an async context manager and an async iterator of chunks.

    Each item is a tuple with one float32 16 kHz array per channel (equal lengths, possibly
    empty while the resampler fills). Iteration ends when the context exits or PortAudio
    stops the stream (device unplugged).
    """

    def __init__(
        self,
        device: InputDevice,
        backend: Any,
        *,
        channels: int = 1,
        block_s: float = 0.02,
        max_queue_s: float = 2.0,
    ) -> None:
        self.device = device
        self.channels = channels
        self.source_rate = device.default_rate
        """The rate PortAudio captures at, in Hz, before resampling to 16 kHz."""
        self.block_s = block_s
        self.stats = MicStats()
        self._sd = backend
        self.max_blocks = max(1, math.ceil(max_queue_s / block_s))
        # One slot more than audio may take, so the end-of-stream marker never evicts audio.
        self._queue: asyncio.Queue[_Block] = asyncio.Queue(maxsize=self.max_blocks + 1)
        self._resamplers = [Resampler(self.source_rate) for _ in range(channels)]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stream: Any = None
        self._finished = False  # no more blocks will be queued
        self._exhausted = False  # the iterator has returned everything

    @property
    def speakers(self) -> tuple[str, ...]:
        """Speaker labels for :meth:`CallSink.open_call`: one unnamed, or caller + handler."""
        if self.channels == 2:
            return ("caller", "handler")
        return ("",) * self.channels

    # -- lifecycle (event loop) ---------------------------------------------------------------

    async def start(self) -> None:
        """Open and start the PortAudio stream (idempotent)."""
        if self._stream is not None:
            return
        if self._finished:
            raise RuntimeError("a closed microphone cannot restart: call open_microphone() again")
        self._loop = asyncio.get_running_loop()
        sd = self._sd
        stream = None
        try:
            stream = sd.InputStream(
                samplerate=self.source_rate,
                blocksize=max(1, round(self.block_s * self.source_rate)),
                device=self.device.index,
                channels=self.channels,
                dtype="float32",
                callback=self._callback,
                finished_callback=self._finished_callback,
            )
            stream.start()
        except sd.PortAudioError as exc:
            if stream is not None:
                stream.close()
            raise AudioError(
                f"cannot open microphone {self.device.index} {self.device.name!r}: {exc}",
                "microphone",
            ) from None
        self._stream = stream
        log.info(
            "microphone %d %r: %d channel(s) at %d Hz",
            self.device.index,
            self.device.name,
            self.channels,
            self.source_rate,
        )

    async def close(self) -> None:
        """Stop capturing; blocks already queued are still delivered."""
        stream, self._stream = self._stream, None
        if stream is not None:
            # Pa_StopStream may wait for PortAudio's buffers: keep it off the event loop.
            await asyncio.to_thread(_stop_and_close, stream)
            # After the blocks PortAudio posted before it stopped (the loop runs them in order).
            asyncio.get_running_loop().call_soon(self._finish)
            if self.stats.overflows:
                log.warning(
                    "microphone %r: %d block(s) dropped (consumer too slow), "
                    "%d PortAudio input overflow(s) of %d block(s)",
                    self.device.name,
                    self.stats.dropped_blocks,
                    self.stats.input_overflows,
                    self.stats.blocks,
                )

    async def __aenter__(self) -> MicSource:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- the one crossing from PortAudio's thread -------------------------------------------

    def _callback(self, indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        """PortAudio thread: copy the block (PortAudio reuses its buffer) and hand it over."""
        self._post((np.array(indata, dtype=np.float32), bool(status.input_overflow)))

    def _finished_callback(self) -> None:
        self._post(None)

    def _post(self, block: _Block) -> None:
        loop = self._loop
        if loop is None:
            return
        # RuntimeError: the event loop is closed, nobody is listening any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._receive, block)

    # -- event loop side --------------------------------------------------------------------

    def _receive(self, block: _Block) -> None:
        if block is None:
            self._finish()
            return
        if self._finished:
            return
        overflowed = block[1]
        self.stats.blocks += 1
        if overflowed:
            self.stats.input_overflows += 1
            if self.stats.input_overflows == 1 or self.stats.input_overflows % 100 == 0:
                log.warning(
                    "microphone %r: PortAudio input overflow (%d so far): audio was lost",
                    self.device.name,
                    self.stats.input_overflows,
                )
        self._put(block)

    def _put(self, block: _Block) -> None:
        if block is not None and self._queue.qsize() >= self.max_blocks:
            self._queue.get_nowait()
            self.stats.dropped_blocks += 1
            if self.stats.dropped_blocks == 1 or self.stats.dropped_blocks % 100 == 0:
                log.warning(
                    "microphone %r: consumer too slow, dropped the oldest block (%d so far)",
                    self.device.name,
                    self.stats.dropped_blocks,
                )
        self._queue.put_nowait(block)

    def _finish(self) -> None:
        if not self._finished:
            self._finished = True
            self._put(None)

    def __aiter__(self) -> MicSource:
        return self

    async def __anext__(self) -> tuple[FloatArray, ...]:
        if self._exhausted:
            raise StopAsyncIteration
        if self._loop is None:
            raise RuntimeError("the microphone is not started: use `async with open_microphone()`")
        block = await self._queue.get()
        if block is None:
            self._exhausted = True
            tail = tuple(r.flush() for r in self._resamplers)
            if any(len(t) for t in tail):
                return _equal_lengths(tail)
            raise StopAsyncIteration
        data = block[0].reshape(len(block[0]), -1)
        return _equal_lengths(
            tuple(
                r.process(np.ascontiguousarray(data[:, i])) for i, r in enumerate(self._resamplers)
            )
        )


def _equal_lengths(chunks: tuple[FloatArray, ...]) -> tuple[FloatArray, ...]:
    """Identical resamplers fed equal blocks give equal lengths; guard anyway."""
    n = min(len(c) for c in chunks)
    return tuple(c[:n] for c in chunks)


def _stop_and_close(stream: Any) -> None:
    try:
        stream.stop()
    finally:
        stream.close()
