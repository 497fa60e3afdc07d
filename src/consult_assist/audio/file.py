"""Recorded calls from files (wav, flac, mp3, m4a, ogg… anything PyAV/FFmpeg decodes)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soxr

from consult_assist.audio.pcm import SAMPLE_RATE, FloatArray, float_to_int16, mix, to_float32
from consult_assist.errors import UnsupportedAudioError

__all__ = ["FileAudio", "FilePcm", "read_audio", "read_pcm16"]

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


@dataclass(frozen=True)
class FilePcm:
    """A recording as 16-bit PCM at its own sample rate: what a replay sends to a server.

    ``exact`` is True when the file's samples are 16-bit (or 8-bit, or G.711) already, so the
    server, resampling them to 16 kHz itself, hears exactly what ``transcribe`` hears.
    """

    path: Path
    channels: npt.NDArray[np.int16]
    """Shape (channels, samples)."""
    rate: int
    codec: str
    exact: bool

    @property
    def duration_s(self) -> float:
        return self.channels.shape[1] / self.rate if self.rate else 0.0


def read_audio(path: Path, *, rate: int = SAMPLE_RATE) -> FileAudio:
    """Decode a whole file to float32 channels at ``rate`` (soxr HQ resampling)."""
    frames, source_rate, codec = _decode(path)
    pcm = np.concatenate([_to_float_channels(d, fmt, n) for d, fmt, n in frames], axis=1)
    if source_rate != rate:
        pcm = soxr.resample(pcm.T, source_rate, rate, quality="HQ").T
        pcm = np.atleast_2d(pcm)
    channels = tuple(np.ascontiguousarray(c, dtype=np.float32) for c in pcm)
    return FileAudio(path=path, channels=channels, source_rate=source_rate, codec=codec)


def read_pcm16(path: Path) -> FilePcm:
    """Decode a whole file to 16-bit PCM channels at the file's own rate (no resampling).

    16-bit, 8-bit and G.711 sources come out exactly; anything finer is rounded to 16 bits.
    """
    frames, source_rate, codec = _decode(path)
    exact = all(fmt.rstrip("p") in ("s16", "u8") for _, fmt, _ in frames)
    blocks = []
    for data, fmt, n in frames:
        if fmt.rstrip("p") == "s16":
            planar = fmt.endswith("p")
            blocks.append(np.atleast_2d(data if planar else data.reshape(-1, n).T))
        else:
            blocks.append(float_to_int16(_to_float_channels(data, fmt, n)))
    pcm = np.ascontiguousarray(np.concatenate(blocks, axis=1), dtype=np.int16)
    return FilePcm(path=path, channels=pcm, rate=source_rate, codec=codec, exact=exact)


def _decode(path: Path) -> tuple[list[tuple[np.ndarray, str, int]], int, str]:
    """Every audio frame of the first audio stream: (array, format name, channels), the rate
    and the codec."""
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
        frames: list[tuple[np.ndarray, str, int]] = []
        source_rate = 0
        try:
            for frame in container.decode(stream):
                if not isinstance(frame, av.AudioFrame):
                    continue
                source_rate = frame.sample_rate
                frames.append((frame.to_ndarray(), frame.format.name, len(frame.layout.channels)))
        except av.error.FFmpegError as exc:
            if not frames:
                raise UnsupportedAudioError(
                    f"{path}: cannot decode audio ({_reason(exc)})"
                ) from None
            log.warning("%s: decoding stopped early: %s", path, _reason(exc))
    if not frames or source_rate <= 0:
        raise UnsupportedAudioError(f"{path}: the audio stream is empty")
    return frames, source_rate, codec


def _to_float_channels(data: np.ndarray, fmt: str, n_channels: int) -> np.ndarray:
    """PyAV frame array -> (channels, samples) float32."""
    planar = fmt.endswith("p")
    if not planar:
        data = data.reshape(-1, n_channels).T
    return np.atleast_2d(to_float32(data))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.split(":")[-1].strip() or type(exc).__name__ if text else type(exc).__name__
