"""Recorded calls from files (wav, flac, mp3, m4a, ogg… anything PyAV/FFmpeg decodes)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from consult_assist.audio.pcm import SAMPLE_RATE, FloatArray, mix, to_float32
from consult_assist.errors import UnsupportedAudioError

__all__ = ["FileAudio", "read_audio"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileAudio:
    """A decoded recording: one 16 kHz float32 array per channel."""

    path: Path
    channels: tuple[FloatArray, ...]
    source_rate: int
    codec: str

    @property
    def duration_s(self) -> float:
        return len(self.channels[0]) / SAMPLE_RATE if self.channels else 0.0

    def mono(self) -> FloatArray:
        """The channels mixed down to one."""
        return mix(self.channels)


def read_audio(path: Path, *, rate: int = SAMPLE_RATE) -> FileAudio:
    """Decode a whole file to float32 channels at ``rate`` (soxr HQ resampling)."""
    import av  # lazy: ~0.3 s to import (FFmpeg); the pipeline and hub import this module

    if not path.exists():
        raise UnsupportedAudioError(f"{path}: no such file")
    if path.is_dir():
        raise UnsupportedAudioError(f"{path} is a folder, not an audio file")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise UnsupportedAudioError(f"{path}: not a readable audio file ({_reason(exc)})") from None
    with container:
        streams = [s for s in container.streams if s.type == "audio"]
        if not streams:
            raise UnsupportedAudioError(f"{path}: the file has no audio stream")
        stream = streams[0]
        codec = stream.codec_context.name
        blocks: list[np.ndarray] = []
        source_rate = 0
        try:
            for frame in container.decode(stream):
                if not isinstance(frame, av.AudioFrame):
                    continue
                source_rate = frame.sample_rate
                data = frame.to_ndarray()
                blocks.append(
                    _to_float_channels(data, frame.format.name, len(frame.layout.channels))
                )
        except av.error.FFmpegError as exc:
            if not blocks:
                raise UnsupportedAudioError(
                    f"{path}: cannot decode audio ({_reason(exc)})"
                ) from None
            log.warning("%s: decoding stopped early: %s", path, _reason(exc))
    if not blocks or source_rate <= 0:
        raise UnsupportedAudioError(f"{path}: the audio stream is empty")
    pcm = np.concatenate(blocks, axis=1)
    if source_rate != rate:
        pcm = soxr.resample(pcm.T, source_rate, rate, quality="HQ").T
        pcm = np.atleast_2d(pcm)
    channels = tuple(np.ascontiguousarray(c, dtype=np.float32) for c in pcm)
    return FileAudio(path=path, channels=channels, source_rate=source_rate, codec=codec)


def _to_float_channels(data: np.ndarray, fmt: str, n_channels: int) -> np.ndarray:
    """PyAV frame array -> (channels, samples) float32."""
    planar = fmt.endswith("p")
    if not planar:
        data = data.reshape(-1, n_channels).T
    return np.atleast_2d(to_float32(data))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.split(":")[-1].strip() or type(exc).__name__ if text else type(exc).__name__
