from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from consult_assist.audio.file import read_audio
from consult_assist.errors import UnsupportedAudioError


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
