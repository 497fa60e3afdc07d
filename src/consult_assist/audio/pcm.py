"""PCM helpers: sample formats, channel mixing and a streaming resampler to 16 kHz."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import soxr

__all__ = [
    "SAMPLE_RATE",
    "FloatArray",
    "Resampler",
    "float_to_int16",
    "int16_to_float",
    "mix",
    "to_float32",
]

SAMPLE_RATE = 16_000
"""The rate everything inside the recognizer runs at, in Hz."""

FloatArray = npt.NDArray[np.float32]


def int16_to_float(pcm: npt.NDArray[np.int16]) -> FloatArray:
    """16-bit PCM to float32 in [-1, 1)."""
    return (np.asarray(pcm, dtype=np.float32) / 32768.0).astype(np.float32, copy=False)


def float_to_int16(samples: npt.ArrayLike) -> npt.NDArray[np.int16]:
    """Float PCM in [-1, 1] to 16-bit, rounded and clipped: the inverse of :func:`int16_to_float`
    (16-bit audio survives the round trip unchanged)."""
    scaled = np.rint(np.asarray(samples, dtype=np.float64) * 32768.0)
    return np.clip(scaled, -32768, 32767).astype(np.int16)


def to_float32(samples: npt.ArrayLike) -> FloatArray:
    """Any integer or float PCM array to float32 in [-1, 1]."""
    arr = np.asarray(samples)
    if arr.dtype == np.int16:
        return int16_to_float(arr)
    if arr.dtype == np.int32:
        return (arr.astype(np.float64) / 2147483648.0).astype(np.float32)
    if arr.dtype == np.uint8:
        return ((arr.astype(np.float32) - 128.0) / 128.0).astype(np.float32)
    return arr.astype(np.float32, copy=False)


def mix(channels: Sequence[FloatArray]) -> FloatArray:
    """Average equally long channels into one (a single channel is returned unchanged)."""
    if len(channels) == 1:
        return channels[0]
    mixed: FloatArray = np.mean(np.stack(channels), axis=0).astype(np.float32)
    return mixed


class Resampler:
    """Streaming resampler from ``rate_in`` to 16 kHz (soxr, high quality, stateful).

    Feed chunks of any size in order; call :meth:`flush` at the end of the stream for the
    samples held in the filter's delay line.
    """

    def __init__(self, rate_in: int, rate_out: int = SAMPLE_RATE) -> None:
        self.rate_in = rate_in
        self.rate_out = rate_out
        self._stream = None
        if rate_in != rate_out:
            self._stream = soxr.ResampleStream(rate_in, rate_out, 1, dtype="float32", quality="HQ")

    def process(self, samples: FloatArray) -> FloatArray:
        """Resample one chunk (float32 mono)."""
        if self._stream is None:
            return samples
        out: FloatArray = self._stream.resample_chunk(samples, last=False)
        return out

    def flush(self) -> FloatArray:
        """Return the samples still in the filter at the end of the stream."""
        if self._stream is None:
            return np.zeros(0, dtype=np.float32)
        out: FloatArray = self._stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
        return out
