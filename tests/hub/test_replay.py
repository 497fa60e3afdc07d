"""Replaying a recording into a server: frames on the wire, and what session.start declares."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path
from typing import Any

import numpy as np
from hubtools import TIMEOUT, Collector, LiveServer, connect, ended

from consult_assist.audio.file import read_audio
from consult_assist.events import SessionStarted, TranscriptFinal
from consult_assist.hub.ingest import AudioIngest
from consult_assist.hub.replay import pcm_frames, replay_file
from consult_assist.testing import FakeHubClient, RecordingSink, tone_call


def _wav(path: Path, rate: int, channels: list[np.ndarray]) -> Path:
    pcm = (np.clip(np.stack(channels, axis=1), -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(len(channels))
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return path


def _at(rate: int, audio: np.ndarray) -> np.ndarray:
    """A 16 kHz test signal as if recorded at ``rate`` (every n-th sample)."""
    return audio[:: 16_000 // rate]


def test_pcm_frames_interleave_channels_as_little_endian_int16() -> None:
    left = np.array([0.0, 0.5, -0.5, 1.0, -1.0], dtype=np.float32)
    right = -left
    frames = pcm_frames((left, right), 2 / 16_000)
    assert [len(f) for f in frames] == [8, 8, 4]  # two samples × two channels × 2 bytes
    pcm = np.frombuffer(b"".join(frames), dtype="<i2").reshape(-1, 2)
    # Rounded, scaled by 32768 like int16_to_float: 16-bit audio survives the round trip.
    assert pcm[:, 0].tolist() == [0, 16384, -16384, 32767, -32768]
    assert pcm[:, 1].tolist() == [0, -16384, 16384, -32768, 32767]


def test_pcm_frames_clip_instead_of_wrapping_around() -> None:
    [frame] = pcm_frames((np.array([1.7, -3.0], dtype=np.float32),), 0.1)
    assert np.frombuffer(frame, dtype="<i2").tolist() == [32767, -32768]


async def test_replay_of_an_8_khz_file_declares_its_source_rate(
    server: LiveServer, tmp_path: Path
) -> None:
    path = _wav(tmp_path / "tel.wav", 8_000, [_at(8_000, tone_call([(0.3, 1.5)], total_s=2.0))])
    kato = await connect(server.url, server.tokens["kato"])
    done = asyncio.Event()
    session = await replay_file(kato, path, speed=0, on_done=lambda s: done.set())
    await asyncio.wait_for(done.wait(), TIMEOUT)
    [started] = [e for e in server.stored(session) if isinstance(e, SessionStarted)]
    assert started.meta["source_rate"] == 8_000  # the telephone VAD threshold follows from it
    assert started.meta["source"] == "file" and started.meta["file"] == "tel.wav"
    assert started.meta["training"] is True
    assert started.meta["duration_s"] == 2.0
    await kato.close()


async def test_a_stereo_replay_reaches_the_named_handler_as_two_speakers(
    server: LiveServer, tmp_path: Path
) -> None:
    caller = tone_call([(0.3, 1.5)], total_s=4.0)
    handler = tone_call([(2.2, 3.4)], total_s=4.0)
    path = _wav(tmp_path / "call.wav", 16_000, [caller, handler])
    kato = await connect(server.url, server.tokens["kato"])
    sato = await connect(server.url, server.tokens["sato"])
    watch = Collector(sato)
    await sato.subscribe("mine")
    session = await replay_file(kato, path, speed=0, for_handler="sato")
    events = await watch.wait_for(ended(session))
    started = events[0]
    assert isinstance(started, SessionStarted)
    assert started.meta["source_rate"] == 16_000 and started.meta["handler"] == "sato"
    assert started.meta["speakers"] == ["caller", "handler"]
    finals = sorted((e for e in events if isinstance(e, TranscriptFinal)), key=lambda e: e.start)
    assert [f.speaker for f in finals] == ["caller", "handler"]
    await asyncio.gather(kato.close(), sato.close(), watch.stop())


class _WireClient(FakeHubClient):
    """A hub client that keeps what a replay declares and every audio frame it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.declared: dict[str, Any] = {}
        self.frames: list[bytes] = []

    async def start_session(self, **kwargs: Any) -> str:
        self.declared = kwargs
        return await super().start_session(**kwargs)

    async def send_audio(self, pcm: bytes) -> None:
        self.frames.append(pcm)
        await super().send_audio(pcm)


async def test_a_replayed_16_bit_file_reaches_the_recognizer_as_transcribe_reads_it(
    tmp_path: Path,
) -> None:
    # A 24 kHz recording: the replay sends its own samples; the server resamples them once.
    rng = np.random.default_rng(3)
    signal = tone_call([(0.2, 1.4)], total_s=2.0)
    at_24k = np.interp(np.arange(48_000) / 1.5, np.arange(len(signal)), signal)
    path = _wav(tmp_path / "call.wav", 24_000, [at_24k + rng.normal(0, 0.01, 48_000)])
    client = _WireClient()
    done = asyncio.Event()
    await replay_file(client, path, speed=0, on_done=lambda s: done.set())
    await asyncio.wait_for(done.wait(), TIMEOUT)
    assert client.declared["rate"] == 24_000 and client.declared["source_rate"] == 24_000
    sink = RecordingSink()
    ingest = AudioIngest(
        sink.open_call(source="file", speakers=("",), source_rate=24_000, meta={}),
        channels=1,
        rate=24_000,
        started=0.0,
        max_speed=1.2,
        burst_s=10.0,
    )
    for frame in client.frames:
        assert ingest.push(frame, 0.0) is None
    ingest.finish()
    heard = sink.calls[0].audio(0)
    assert np.array_equal(heard, read_audio(path).channels[0])  # bit for bit


async def test_a_replay_told_to_stop_ends_its_session_early(
    server: LiveServer, tmp_path: Path
) -> None:
    path = _wav(tmp_path / "long.wav", 16_000, [tone_call([(0.3, 1.5)], total_s=30.0)])
    kato = await connect(server.url, server.tokens["kato"])
    done, stop = asyncio.Event(), asyncio.Event()
    session = await replay_file(kato, path, on_done=lambda s: done.set(), stop=stop)
    await asyncio.sleep(0.3)
    stop.set()
    await asyncio.wait_for(done.wait(), TIMEOUT)
    [ended_event] = [e for e in server.stored(session) if e.type == "session.ended"]
    assert ended_event.reason == "end" and ended_event.at < 5.0  # type: ignore[attr-defined]
    await kato.close()
