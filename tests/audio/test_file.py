from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from consult_assist.audio.file import read_audio
from consult_assist.errors import UnsupportedAudioError

TONES = (440.0, 1000.0)  # conftest.encode's tone per channel


def write_wav(path: Path, data: np.ndarray, rate: int) -> None:
    pcm = (np.clip(data, -1, 1) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1 if pcm.ndim == 1 else pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def test_mono_44k_is_resampled_to_16k(tmp_path: Path) -> None:
    t = np.arange(44100) / 44100
    write_wav(tmp_path / "a.wav", 0.5 * np.sin(2 * np.pi * 440 * t), 44100)
    audio = read_audio(tmp_path / "a.wav")
    assert audio.source_rate == 44100
    assert len(audio.channels) == 1
    assert abs(len(audio.channels[0]) - 16000) <= 2
    spectrum = np.abs(np.fft.rfft(audio.channels[0]))
    assert abs(np.argmax(spectrum) - 440) <= 2


def test_stereo_keeps_channels(tmp_path: Path) -> None:
    n = 8000
    left = 0.5 * np.sin(2 * np.pi * 300 * np.arange(n) / 8000)
    stereo = np.stack([left, np.zeros(n)], axis=1)
    write_wav(tmp_path / "s.wav", stereo, 8000)
    audio = read_audio(tmp_path / "s.wav")
    assert len(audio.channels) == 2
    assert np.abs(audio.channels[0]).max() > 0.3
    assert np.abs(audio.channels[1]).max() < 1e-3
    assert abs(audio.duration_s - 1.0) < 0.01


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.wav", b"this is not audio at all", "not a readable audio file"),
        ("empty.flac", b"", "not a readable audio file|empty"),
    ],
)
def test_bad_files_give_one_sentence(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnsupportedAudioError, match=message) as err:
        read_audio(path)
    assert "\n" not in str(err.value)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedAudioError, match="no such file"):
        read_audio(tmp_path / "nope.wav")
    with pytest.raises(UnsupportedAudioError, match="folder"):
        read_audio(tmp_path)


# -- every container the issue names, mono and stereo, at the usual rates ---------------------

LOSSLESS = {"pcm_s16le", "flac"}
RATES = (8000, 22050, 44100, 48000)
FORMATS = [
    *(("wav", "pcm_s16le", r, c) for r in RATES for c in (1, 2)),
    *(("flac", "flac", r, c) for r in RATES for c in (1, 2)),
    *(("mp3", "libmp3lame", r, c) for r in RATES for c in (1, 2)),
    *(("m4a", "aac", r, c) for r in RATES for c in (1, 2)),
    # FFmpeg's own Vorbis encoder writes stereo only; Opus runs at 8/12/16/24/48 kHz.
    *(("ogg", "vorbis", r, 2) for r in RATES),
    *(("ogg", "libopus", r, c) for r in (8000, 48000) for c in (1, 2)),
]


def band_energy(samples: np.ndarray, hz: float, width: float = 25.0) -> float:
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / 16000)
    return float(spectrum[np.abs(freqs - hz) <= width].sum())


@pytest.mark.parametrize(
    ("ext", "codec", "rate", "channels"),
    FORMATS,
    ids=[f"{e}-{c}-{r}-{'stereo' if n == 2 else 'mono'}" for e, c, r, n in FORMATS],
)
def test_decodes_every_format(
    write_audio: Callable[..., Path], ext: str, codec: str, rate: int, channels: int
) -> None:
    import av

    if codec not in av.codecs_available:
        pytest.skip(f"this FFmpeg build has no {codec} encoder")
    path = write_audio(f"call.{ext}", codec, rate, channels)
    audio = read_audio(path)
    # Opus always decodes at 48 kHz whatever rate it was fed.
    assert audio.source_rate == (48000 if codec == "libopus" else rate)
    assert len(audio.channels) == channels
    assert all(c.dtype == np.float32 for c in audio.channels)
    assert len({len(c) for c in audio.channels}) == 1
    # Lossless is exact; lossy codecs pad a frame or so (AAC at 8 kHz: 24 ms).
    tolerance = 2 / 16000 if codec in LOSSLESS else 0.03
    assert abs(audio.duration_s - 1.0) <= tolerance
    # Each channel carries its own tone (left 440 Hz, right 1 kHz), not a mix of both.
    for channel, tone in zip(audio.channels, TONES, strict=False):
        other = TONES[1] if tone == TONES[0] else TONES[0]
        assert band_energy(channel, tone) > 100 * band_energy(channel, other)
        assert 0.26 < float(np.sqrt(np.mean(channel**2))) < 0.30  # 0.4 / sqrt(2) = 0.283
