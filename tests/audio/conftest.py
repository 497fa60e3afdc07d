"""Audio test helpers: a fake ``sounddevice`` module and short encoded recordings."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

# -- a fake sounddevice module ----------------------------------------------------------------


class FakePortAudioError(Exception):
    pass


class Flags:
    """What PortAudio passes as ``status`` (only the flag we read)."""

    def __init__(self, input_overflow: bool = False) -> None:
        self.input_overflow = input_overflow


class FakeStream:
    """A ``sounddevice.InputStream`` whose callback the test calls from its own thread."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.callback = kwargs["callback"]
        self.finished_callback = kwargs["finished_callback"]
        self.started = self.stopped = self.closed = False

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.stopped = True

    def close(self) -> None:
        self.closed = True

    def feed_from_thread(
        self, blocks: Sequence[np.ndarray], overflow: Collection[int] = (), finish: bool = False
    ) -> None:
        """Call the callback from another thread, as PortAudio does, and wait for it."""

        def run() -> None:
            for i, block in enumerate(blocks):
                self.callback(block, len(block), None, Flags(i in overflow))
            if finish:
                self.finished_callback()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()


DeviceSpec = tuple[int, str, int, float]  # index, name, input channels, default rate

LAPTOP: list[DeviceSpec] = [
    (0, "HDA Intel PCH: ALC3246 Analog (hw:0,0)", 2, 48000.0),
    (1, "HDMI 0 (hw:0,3)", 0, 48000.0),
    (2, "USB Headset: Audio (hw:1,0)", 1, 44100.0),
    (3, "pulse", 32, 44100.0),
    (4, "default", 32, 48000.0),
]


class FakeSoundDevice:
    """The parts of the ``sounddevice`` module the microphone code uses."""

    PortAudioError = FakePortAudioError

    def __init__(
        self,
        devices: Sequence[DeviceSpec] = LAPTOP,
        default: int = 4,
        fail_open: str | None = None,
    ) -> None:
        self.devices = [
            {
                "index": index,
                "name": name,
                "hostapi": 0,
                "max_input_channels": inputs,
                "max_output_channels": 2,
                "default_samplerate": rate,
            }
            for index, name, inputs, rate in devices
        ]
        self.default = default
        self.fail_open = fail_open
        self.streams: list[FakeStream] = []

    def query_devices(self, device: Any = None, kind: str | None = None) -> Any:
        if kind == "input":
            if self.default < 0:
                raise FakePortAudioError("Error querying device -1")
            return next(d for d in self.devices if d["index"] == self.default)
        return list(self.devices)

    def query_hostapis(self) -> tuple[dict[str, Any], ...]:
        return ({"name": "ALSA"},)

    def InputStream(self, **kwargs: Any) -> FakeStream:
        if self.fail_open:
            raise FakePortAudioError(self.fail_open)
        stream = FakeStream(**kwargs)
        self.streams.append(stream)
        return stream


@pytest.fixture
def fake_sd() -> FakeSoundDevice:
    """A laptop: two real inputs, an HDMI output, ALSA's pulse and default; default is 4."""
    return FakeSoundDevice()


@pytest.fixture
def make_sd() -> type[FakeSoundDevice]:
    return FakeSoundDevice


# -- encoded recordings -----------------------------------------------------------------------

TONES = (440.0, 1000.0)
"""The tone of each channel in :func:`encode`'s recordings (left, right)."""


def encode(path: Path, codec: str, rate: int, channels: int, seconds: float = 1.0) -> Path:
    """Write ``seconds`` of one sine per channel (:data:`TONES`) with PyAV."""
    import av

    n = round(rate * seconds)
    t = np.arange(n) / rate
    data = np.stack([0.4 * np.sin(2 * np.pi * f * t) for f in TONES[:channels]]).astype(np.float32)
    layout = "mono" if channels == 1 else "stereo"
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        if codec == "vorbis":  # FFmpeg's own Vorbis encoder is marked experimental
            stream.codec_context.options = {"strict": "experimental"}
        fmt = stream.codec_context.format.name
        pts = 0
        for i in range(0, n, 1024):
            chunk = data[:, i : i + 1024]
            arr = chunk if fmt.endswith("p") else chunk.T.reshape(1, -1)
            if fmt.startswith("s16"):
                arr = (arr * 32767).astype(np.int16)
            elif fmt.startswith("s32"):
                arr = (arr * 2147483647).astype(np.int32)
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(arr), format=fmt, layout=layout)
            frame.sample_rate = rate
            frame.pts = pts
            frame.time_base = Fraction(1, rate)
            pts += chunk.shape[1]
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


@pytest.fixture
def write_audio(tmp_path: Path) -> Callable[..., Path]:
    """``write_audio(name, codec, rate, channels, seconds=1.0)`` -> a file in tmp_path."""

    def write(name: str, codec: str, rate: int, channels: int, seconds: float = 1.0) -> Path:
        return encode(tmp_path / name, codec, rate, channels, seconds)

    return write
