"""Paced file replay and microphone capture into a call, with the schedule checked, not timed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from consult_assist.audio.calls import CallAudio
from consult_assist.audio.mic import open_microphone
from consult_assist.audio.pcm import SAMPLE_RATE
from consult_assist.audio.sources import (
    load_call,
    microphone_chunks,
    paced_frames,
    stream_file,
    stream_microphone,
)
from consult_assist.errors import ConfigError, UnsupportedAudioError
from consult_assist.hub import replay
from consult_assist.testing import FakeHubClient

if TYPE_CHECKING:
    from conftest import FakeSoundDevice


class FakeClock:
    """A clock that only moves when the code under test sleeps (or the test says so)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Handle:
    def __init__(self, session: str, fail_on_push: bool = False) -> None:
        self.session = session
        self.pushed: list[tuple[int, np.ndarray]] = []
        self.ended: list[str] = []
        self.fail_on_push = fail_on_push

    def push(self, channel: int, samples: np.ndarray) -> None:
        if self.fail_on_push:
            raise RuntimeError("hub is gone")
        self.pushed.append((channel, samples))

    def end(self, reason: str = "hangup") -> None:
        self.ended.append(reason)

    def channel(self, i: int) -> np.ndarray:
        return np.concatenate([s for c, s in self.pushed if c == i])


class Sink:
    def __init__(self, **handle_options: Any) -> None:
        self.calls: list[dict[str, Any]] = []
        self.handles: list[Handle] = []
        self.handle_options = handle_options

    def open_call(
        self, *, source: str, speakers: Sequence[str], source_rate: int, meta: Mapping[str, Any]
    ) -> Handle:
        self.calls.append(
            {"source": source, "speakers": tuple(speakers), "source_rate": source_rate, **meta}
        )
        self.handles.append(Handle(f"s{len(self.handles) + 1}", **self.handle_options))
        return self.handles[-1]


def ramp_call(seconds: float, channels: int = 1) -> CallAudio:
    n = round(seconds * SAMPLE_RATE)
    chans = tuple(np.arange(n, dtype=np.float32) / n * (c + 1) for c in range(channels))
    return CallAudio(chans, ("caller", "handler")[:channels] if channels == 2 else ("",))


# -- loading ----------------------------------------------------------------------------------


def test_stereo_file_is_caller_and_handler(write_audio: Callable[..., Path]) -> None:
    call = load_call(write_audio("call.flac", "flac", 44100, 2))
    assert call.speakers == ("caller", "handler")
    assert call.source_rate == 44100 and call.codec == "flac"
    left, right = call.audio.channels
    assert not np.allclose(left, right, atol=0.05)
    assert call.audio.meta == {"file": "call.flac", "codec": "flac", "source_rate": 44100}


def test_stereo_mixed_when_not_split(write_audio: Callable[..., Path]) -> None:
    call = load_call(write_audio("call.wav", "pcm_s16le", 8000, 2), split_stereo=False)
    assert call.speakers == ("",) and len(call.audio.channels) == 1
    assert abs(call.audio.duration_s - 1.0) < 1e-3


def test_mono_file_is_one_unnamed_speaker(write_audio: Callable[..., Path]) -> None:
    call = load_call(write_audio("call.mp3", "libmp3lame", 22050, 1))
    assert call.speakers == ("",) and call.source_rate == 22050


# -- pacing -----------------------------------------------------------------------------------


async def test_schedule_at_four_times_real_time() -> None:
    clock = FakeClock()
    released: list[tuple[float, int, int]] = []
    async for channel, frame in paced_frames(
        ramp_call(1.0), speed=4, frame_s=0.02, clock=clock, sleep=clock.sleep
    ):
        released.append((clock.now - 100.0, channel, len(frame)))
    assert len(released) == 50
    # Frame k is released k * 20 ms / 4 after the start, never before.
    for k, (at, channel, n) in enumerate(released):
        assert at == pytest.approx(k * 0.005)
        assert (channel, n) == (0, 320)
    assert sum(clock.sleeps) == pytest.approx(0.245)


async def test_stereo_frames_alternate_and_rebuild_the_channels() -> None:
    audio = ramp_call(0.05, channels=2)  # 800 samples: 2 full frames and a 160-sample tail
    clock = FakeClock()
    frames = [f async for f in paced_frames(audio, clock=clock, sleep=clock.sleep)]
    assert [c for c, _ in frames] == [0, 1, 0, 1, 0, 1]
    assert [len(f) for _, f in frames] == [320, 320, 320, 320, 160, 160]
    for i in (0, 1):
        rebuilt = np.concatenate([f for c, f in frames if c == i])
        np.testing.assert_array_equal(rebuilt, audio.channels[i])
    assert clock.sleeps == pytest.approx([0.02, 0.02])


@pytest.mark.parametrize("speed", [0, float("inf")])
async def test_unpaced_never_waits_but_yields_to_the_loop(speed: float) -> None:
    clock = FakeClock()
    frames = [f async for f in paced_frames(ramp_call(3.0), speed=speed, sleep=clock.sleep)]
    assert len(frames) == 150
    assert clock.sleeps == [0, 0, 0]  # one pause per second of audio, no waiting


async def test_a_slow_consumer_catches_up_without_dropping() -> None:
    clock = FakeClock()
    got = 0
    async for _ in paced_frames(ramp_call(0.2), speed=1, clock=clock, sleep=clock.sleep):
        got += 1
        if got == 2:
            clock.now += 0.1  # the consumer stalled for 5 frames' worth
    assert got == 10
    # Frames 2-6 were already due: no sleep for them, then back on the schedule.
    assert sum(clock.sleeps) == pytest.approx(0.18 - 0.1)


@pytest.mark.parametrize("speed", [-1.0, float("nan")])
async def test_bad_speed_is_a_config_error(speed: float) -> None:
    with pytest.raises(ConfigError, match="speed"):
        await anext(paced_frames(ramp_call(0.1), speed=speed))


# -- into a call ------------------------------------------------------------------------------


async def test_stream_file_opens_pushes_and_ends_the_call(
    write_audio: Callable[..., Path],
) -> None:
    path = write_audio("call.m4a", "aac", 44100, 2)
    sink = Sink()
    clock = FakeClock()
    session = await stream_file(
        path, sink, speed=2, meta={"training": True}, clock=clock, sleep=clock.sleep
    )
    assert session == "s1"
    assert sink.calls == [
        {
            "source": "file",
            "speakers": ("caller", "handler"),
            "source_rate": 44100,
            "file": "call.m4a",
            "codec": "aac",
            "training": True,
        }
    ]
    handle = sink.handles[0]
    call = load_call(path)
    for i in (0, 1):
        np.testing.assert_array_equal(handle.channel(i), call.audio.channels[i])
    assert handle.ended == ["hangup"]
    assert clock.now - 100.0 == pytest.approx(call.audio.duration_s / 2, abs=0.02)


async def test_stream_file_cancelled_ends_with_cancel(write_audio: Callable[..., Path]) -> None:
    sink = Sink()
    never = asyncio.Event()

    async def sleep_forever(seconds: float) -> None:
        await never.wait()

    task = asyncio.create_task(
        stream_file(write_audio("a.wav", "pcm_s16le", 16000, 1), sink, sleep=sleep_forever)
    )
    while not (sink.handles and sink.handles[0].pushed):
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sink.handles[0].ended == ["cancel"]
    assert len(sink.handles[0].pushed) == 1


async def test_stream_file_error_ends_with_error(write_audio: Callable[..., Path]) -> None:
    sink = Sink(fail_on_push=True)
    with pytest.raises(RuntimeError, match="hub is gone"):
        await stream_file(write_audio("a.flac", "flac", 8000, 1), sink, speed=0)
    assert sink.handles[0].ended == ["error"]


async def test_unreadable_file_opens_no_call(tmp_path: Path) -> None:
    (tmp_path / "notes.wav").write_text("not audio")
    sink = Sink()
    with pytest.raises(UnsupportedAudioError, match="not a readable audio file"):
        await stream_file(tmp_path / "notes.wav", sink)
    assert sink.calls == []


# -- microphone: one streamer (microphone_chunks) under both paths ---------------------------


def tones(rate: int, seconds: float, channels: int) -> list[np.ndarray]:
    """20 ms PortAudio blocks of a 300 Hz (left) and 700 Hz (right) tone at ``rate``."""
    t = np.arange(round(rate * seconds)) / rate
    audio = np.stack([np.sin(2 * np.pi * f * t) for f in (300, 700)[:channels]], axis=1)
    block = rate // 50
    return [audio[i : i + block].astype(np.float32) for i in range(0, len(audio), block)]


async def started(fake_sd: FakeSoundDevice, unit: float) -> None:
    """Wait until the code under test has opened the PortAudio stream."""

    async def opened() -> None:
        while not fake_sd.streams:
            await asyncio.sleep(0)

    await asyncio.wait_for(opened(), 5 * unit)


async def test_microphone_chunks_join_to_the_frame_length(
    fake_sd: FakeSoundDevice, unit: float
) -> None:
    mic = open_microphone("alc", channels=2, backend=fake_sd)
    chunks: list[tuple[np.ndarray, ...]] = []

    async def read() -> None:
        async for chunk in microphone_chunks(mic, frame_s=0.1):
            chunks.append(chunk)

    task = asyncio.create_task(read())
    await started(fake_sd, unit)
    fake_sd.streams[0].feed_from_thread(tones(48000, 0.5, 2), finish=True)
    await asyncio.wait_for(task, 5 * unit)
    assert fake_sd.streams[0].closed
    assert all(len(left) == len(right) for left, right in chunks)
    assert all(len(left) >= 1600 for left, _ in chunks[:-1])  # 0.1 s at 16 kHz
    assert abs(sum(len(left) for left, _ in chunks) - 8000) <= 2


async def test_stream_microphone_until_the_device_stops(
    fake_sd: FakeSoundDevice, unit: float
) -> None:
    mic = open_microphone("alc", channels=2, backend=fake_sd)
    sink = Sink()
    task = asyncio.create_task(stream_microphone(mic, sink, meta={"training": False}))
    await started(fake_sd, unit)
    fake_sd.streams[0].feed_from_thread(tones(48000, 0.5, 2), finish=True)
    assert await asyncio.wait_for(task, 5 * unit) == "s1"
    declared = {"source": "mic", "speakers": ("caller", "handler"), "source_rate": 48000}
    assert sink.calls == [{**declared, "training": False}]
    handle = sink.handles[0]
    assert handle.ended == ["hangup"]
    assert fake_sd.streams[0].closed
    left, right = handle.channel(0), handle.channel(1)
    assert abs(len(left) - 8000) <= 2 and len(right) == len(left)
    assert not np.allclose(left, right, atol=0.1)
    assert mic.stats.blocks == 25


async def test_stream_microphone_cancelled_closes_the_device(
    fake_sd: FakeSoundDevice, unit: float
) -> None:
    mic = open_microphone(backend=fake_sd)
    sink = Sink()
    task = asyncio.create_task(stream_microphone(mic, sink))
    await started(fake_sd, unit)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sink.handles[0].ended == ["cancel"]
    assert fake_sd.streams[0].stopped and fake_sd.streams[0].closed


HEADSET_8K = [(0, "USB Headset 8k (hw:1,0)", 2, 8000.0)]
"""A telephone-band headset: two input channels captured at 8 kHz."""


@pytest.mark.parametrize("channels, speakers", [(1, ("",)), (2, ("caller", "handler"))])
async def test_an_8khz_microphone_into_a_call_declares_8000_and_its_speakers(
    make_sd: type[FakeSoundDevice], unit: float, channels: int, speakers: tuple[str, ...]
) -> None:
    sd = make_sd(HEADSET_8K, default=0)
    sink = Sink()
    task = asyncio.create_task(
        stream_microphone(open_microphone(channels=channels, backend=sd), sink)
    )
    await started(sd, unit)
    assert sd.streams[0].kwargs["samplerate"] == 8000
    sd.streams[0].feed_from_thread(tones(8000, 0.5, channels), finish=True)
    await asyncio.wait_for(task, 5 * unit)
    assert sink.calls == [{"source": "mic", "speakers": speakers, "source_rate": 8000}]
    for channel in range(channels):  # resampled to 16 kHz for the recognizer
        assert abs(len(sink.handles[0].channel(channel)) - 8000) <= 2


class DeclaringClient(FakeHubClient):
    """A fake hub client that also keeps what each ``session.start`` declared."""

    def __init__(self) -> None:
        super().__init__()
        self.declared: list[dict[str, Any]] = []

    async def start_session(self, **options: Any) -> str:
        self.declared.append(options)
        return await super().start_session(**options)


# The websocket path (hub/replay.py) is tested here, beside the fake PortAudio it needs.
@pytest.mark.parametrize("channels, speakers", [(1, ("",)), (2, ("caller", "handler"))])
async def test_an_8khz_microphone_to_the_server_declares_8000_and_its_speakers(
    make_sd: type[FakeSoundDevice], unit: float, channels: int, speakers: tuple[str, ...]
) -> None:
    sd = make_sd(HEADSET_8K, default=0)
    client = DeclaringClient()
    session = await replay.stream_microphone(client, None, channels=channels, backend=sd)
    assert session == "call-1"
    assert client.declared == [
        {
            "rate": SAMPLE_RATE,
            "channels": channels,
            "speakers": speakers,
            "source_rate": 8000,
            "meta": {"source": "mic"},
        }
    ]
    await started(sd, unit)
    sd.streams[0].feed_from_thread(tones(8000, 0.5, channels), finish=True)

    async def closed() -> None:
        while not (sd.streams[0].closed and replay_idle()):
            await asyncio.sleep(0)

    await asyncio.wait_for(closed(), 5 * unit)
    pcm = np.frombuffer(b"".join(client.audio), dtype="<i2").reshape(-1, channels)
    assert abs(len(pcm) - 8000) <= 2  # 0.5 s at 16 kHz, every frame carrying all channels
    assert all(len(frame) >= 1600 * channels * 2 for frame in client.audio[:-1])  # ≥ 0.1 s
    if channels == 2:
        left, right = pcm[:, 0].astype(float), pcm[:, 1].astype(float)
        assert int(np.argmax(np.abs(np.fft.rfft(left)))) == pytest.approx(150, abs=2)
        assert int(np.argmax(np.abs(np.fft.rfft(right)))) == pytest.approx(350, abs=2)


def replay_idle() -> bool:
    """No background streaming task of hub/replay.py is left."""
    return not any(not task.done() for task in replay._tasks)
