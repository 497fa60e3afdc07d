"""Microphone capture driven through a fake ``sounddevice`` (no sound card exists here)."""

from __future__ import annotations

import asyncio
import importlib.abc
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from consult_assist.audio import mic
from consult_assist.audio.mic import (
    list_devices,
    open_microphone,
    select_device,
)
from consult_assist.errors import AudioError

if TYPE_CHECKING:
    from conftest import FakeSoundDevice


def sine(freq: float, seconds: float, rate: int, channels: int = 1) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    cols = [0.5 * np.sin(2 * np.pi * freq * (c + 1) * t) for c in range(channels)]
    return np.stack(cols, axis=1).astype(np.float32)


def blocks_of(signal: np.ndarray, size: int) -> list[np.ndarray]:
    return [signal[i : i + size] for i in range(0, len(signal), size)]


async def collect(source: mic.MicSource) -> list[tuple[np.ndarray, ...]]:
    return [chunk async for chunk in source]


# -- listing and selection --------------------------------------------------------------------


def test_list_devices_keeps_inputs_and_marks_the_default(fake_sd: FakeSoundDevice) -> None:
    devices = list_devices(backend=fake_sd)
    assert [d.index for d in devices] == [0, 2, 3, 4]
    assert [d.is_default for d in devices] == [False, False, False, True]
    usb = devices[1]
    assert (usb.name, usb.channels, usb.default_rate, usb.hostapi) == (
        "USB Headset: Audio (hw:1,0)",
        1,
        44100,
        "ALSA",
    )


def test_no_default_input_marks_none(make_sd: type[FakeSoundDevice]) -> None:
    devices = list_devices(backend=make_sd(default=-1))
    assert not any(d.is_default for d in devices)


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (None, 4),
        (2, 2),
        ("2", 2),
        ("usb", 2),
        ("USB HEADSET", 2),
        ("Default", 4),  # an exact name wins over names containing it
        ("alc3246", 0),
    ],
)
def test_select_device_by_index_name_or_default(
    fake_sd: FakeSoundDevice, query: str | int | None, index: int
) -> None:
    assert select_device(list_devices(backend=fake_sd), query).index == index


def test_without_a_default_the_first_input_is_used(make_sd: type[FakeSoundDevice]) -> None:
    devices = list_devices(backend=make_sd(default=-1))
    assert select_device(devices, None).index == 0


def test_ambiguous_name_lists_the_candidates(fake_sd: FakeSoundDevice) -> None:
    with pytest.raises(AudioError, match="matches 2 microphones") as err:
        select_device(list_devices(backend=fake_sd), "hw:")
    message = str(err.value)
    assert "0 'HDA Intel PCH" in message and "2 'USB Headset" in message
    assert "index" in message and "\n" not in message


@pytest.mark.parametrize(
    ("query", "match"),
    [
        ("webcam", "no microphone matches 'webcam'"),
        (1, "no microphone with index 1"),
        (9, "index 9"),
    ],
)
def test_unknown_device_lists_the_inputs(
    fake_sd: FakeSoundDevice, query: str | int, match: str
) -> None:
    with pytest.raises(AudioError, match=match) as err:
        select_device(list_devices(backend=fake_sd), query)
    assert "4 'default'" in str(err.value)


def test_no_input_device_is_one_sentence(make_sd: type[FakeSoundDevice]) -> None:
    headless = make_sd([(0, "HDMI", 0, 48000.0)], default=-1)
    with pytest.raises(AudioError, match="no microphone found") as err:
        open_microphone(backend=headless)
    assert "consult-assist devices" in str(err.value)


def test_too_many_channels_is_refused(fake_sd: FakeSoundDevice) -> None:
    with pytest.raises(AudioError, match="has 1 input channel"):
        open_microphone("usb", channels=2, backend=fake_sd)


class _RaiseOnImport(importlib.abc.MetaPathFinder):
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def find_spec(self, name: str, path: Any, target: Any = None) -> None:
        if name == "sounddevice":
            raise self.exc
        return None


@pytest.fixture
def no_portaudio(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``import sounddevice`` fails the way it does without libportaudio2."""
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    finder = _RaiseOnImport(OSError("PortAudio library not found"))
    sys.meta_path.insert(0, finder)
    yield
    sys.meta_path.remove(finder)


@pytest.mark.usefixtures("no_portaudio")
def test_missing_portaudio_is_one_sentence() -> None:
    for call in (list_devices, open_microphone):
        with pytest.raises(AudioError, match="libportaudio2") as err:
            call()
        assert "\n" not in str(err.value)


def test_missing_sounddevice_package_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    with pytest.raises(AudioError, match=r"consult-assist\[mic\]"):
        list_devices()


# -- capture ----------------------------------------------------------------------------------


async def test_frames_are_resampled_to_16k(fake_sd: FakeSoundDevice) -> None:
    source = open_microphone(None, block_s=0.02, backend=fake_sd)
    assert source.source_rate == 48000 and source.speakers == ("",)
    async with source:
        stream = fake_sd.streams[0]
        assert stream.started
        assert stream.kwargs["samplerate"] == 48000 and stream.kwargs["blocksize"] == 960
        assert stream.kwargs["device"] == 4 and stream.kwargs["channels"] == 1
        stream.feed_from_thread(blocks_of(sine(1000, 1.0, 48000), 960))
        chunks: list[tuple[np.ndarray, ...]] = []
        while sum(len(c[0]) for c in chunks) < 15000:
            chunks.append(await anext(source))
    assert stream.stopped and stream.closed
    chunks += await collect(source)  # the rest, and the resampler's tail
    audio = np.concatenate([c[0] for c in chunks])
    assert audio.dtype == np.float32
    assert abs(len(audio) - 16000) <= 2
    spectrum = np.abs(np.fft.rfft(audio))
    assert abs(int(np.argmax(spectrum)) - 1000) <= 2
    assert source.stats.blocks == 50 and source.stats.overflows == 0


async def test_stereo_gives_two_distinct_channels(fake_sd: FakeSoundDevice) -> None:
    async with open_microphone(0, channels=2, backend=fake_sd) as source:
        assert source.speakers == ("caller", "handler")
        fake_sd.streams[0].feed_from_thread(blocks_of(sine(500, 0.5, 48000, channels=2), 960))
    chunks = await collect(source)
    left = np.concatenate([c[0] for c in chunks])
    right = np.concatenate([c[1] for c in chunks])
    assert len(left) == len(right) and abs(len(left) - 8000) <= 2
    assert abs(int(np.argmax(np.abs(np.fft.rfft(left)))) - 250) <= 2
    assert abs(int(np.argmax(np.abs(np.fft.rfft(right)))) - 500) <= 2


async def test_slow_consumer_drops_oldest_blocks_and_counts(
    fake_sd: FakeSoundDevice, caplog: pytest.LogCaptureFixture
) -> None:
    source = open_microphone("usb", block_s=0.02, max_queue_s=0.1, backend=fake_sd)
    assert source.max_blocks == 5
    # Number each block by its value so we can see which ones survived.
    blocks = [np.full((882, 1), i / 100, dtype=np.float32) for i in range(12)]
    async with source:
        fake_sd.streams[0].feed_from_thread(blocks, overflow={3, 4})
        await asyncio.sleep(0)  # let the loop run the posted blocks
    assert source.stats.blocks == 12
    assert source.stats.dropped_blocks == 7
    assert source.stats.input_overflows == 2
    assert source.stats.overflows == 9
    chunks = await collect(source)
    audio = np.concatenate([c[0] for c in chunks])
    # Only the newest five blocks (0.07…0.11) are left; soxr settles on their level.
    assert abs(float(np.median(audio)) - 0.09) < 0.02
    assert any("dropped the oldest block" in r.message for r in caplog.records)
    assert any("input overflow" in r.message for r in caplog.records)


async def test_portaudio_finishing_ends_iteration(fake_sd: FakeSoundDevice) -> None:
    async with open_microphone(backend=fake_sd) as source:
        stream = fake_sd.streams[0]
        stream.feed_from_thread(blocks_of(sine(300, 0.2, 48000), 960))
        stream.feed_from_thread([], finish=True)
        chunks = await asyncio.wait_for(collect(source), timeout=5)
        assert abs(sum(len(c[0]) for c in chunks) - 3200) <= 2
        assert not stream.closed  # still inside the context


async def test_open_failure_is_one_sentence(make_sd: type[FakeSoundDevice]) -> None:
    broken = make_sd(fail_open="Invalid sample rate")
    with pytest.raises(AudioError, match=r"cannot open microphone 4 'default': Invalid sample"):
        async with open_microphone(backend=broken):
            pass


async def test_iterating_before_start_is_a_programming_error(fake_sd: FakeSoundDevice) -> None:
    with pytest.raises(RuntimeError, match="not started"):
        await anext(open_microphone(backend=fake_sd))
