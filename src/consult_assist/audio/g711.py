"""G.711 mu-law and A-law codecs as 256-entry tables (no ``audioop``: gone in 3.13)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["alaw_decode", "alaw_encode", "ulaw_decode", "ulaw_encode"]

_BIAS = 0x84
_CLIP = 32635


def _ulaw_to_linear(code: int) -> int:
    code = ~code & 0xFF
    sign = code & 0x80
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    magnitude = ((mantissa << 3) + _BIAS) << exponent
    magnitude -= _BIAS
    return -magnitude if sign else magnitude


def _alaw_to_linear(code: int) -> int:
    code ^= 0x55
    sign = code & 0x80
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    if exponent == 0:  # noqa: SIM108 - the two segments read clearer apart
        magnitude = (mantissa << 4) + 8
    else:
        magnitude = ((mantissa << 4) + 0x108) << (exponent - 1)
    return magnitude if sign else -magnitude


def _linear_to_ulaw(sample: int) -> int:
    # Negative samples are truncated towards minus infinity at 14 bits, as in the
    # ITU-T G.191 reference coder, so our bytes match other implementations exactly.
    sign = 0x80 if sample < 0 else 0
    magnitude = -((sample >> 2) << 2) if sample < 0 else sample
    magnitude = min(magnitude, _CLIP) + _BIAS
    exponent = 7
    mask = 0x4000
    while exponent > 0 and not magnitude & mask:
        exponent -= 1
        mask >>= 1
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def _linear_to_alaw(sample: int) -> int:
    sign = 0x80 if sample >= 0 else 0
    magnitude = sample >> 3 if sample >= 0 else -(sample >> 3) - 1
    if magnitude < 32:
        code = magnitude >> 1
    else:
        exponent = 1
        while magnitude >= 64 and exponent < 7:
            magnitude >>= 1
            exponent += 1
        code = (exponent << 4) | ((magnitude >> 1) & 0x0F)
    return (sign | code) ^ 0x55


_ULAW_DECODE = np.array([_ulaw_to_linear(c) for c in range(256)], dtype=np.int16)
_ALAW_DECODE = np.array([_alaw_to_linear(c) for c in range(256)], dtype=np.int16)
# Encoding tables indexed by the 16-bit sample reinterpreted as uint16.
_ULAW_ENCODE = np.array(
    [_linear_to_ulaw(s if s < 32768 else s - 65536) for s in range(65536)], dtype=np.uint8
)
_ALAW_ENCODE = np.array(
    [_linear_to_alaw(s if s < 32768 else s - 65536) for s in range(65536)], dtype=np.uint8
)


def ulaw_decode(data: bytes) -> npt.NDArray[np.int16]:
    """Decode mu-law bytes to 16-bit linear PCM."""
    return _ULAW_DECODE[np.frombuffer(data, dtype=np.uint8)]


def alaw_decode(data: bytes) -> npt.NDArray[np.int16]:
    """Decode A-law bytes to 16-bit linear PCM."""
    return _ALAW_DECODE[np.frombuffer(data, dtype=np.uint8)]


def ulaw_encode(pcm: npt.NDArray[np.int16]) -> bytes:
    """Encode 16-bit linear PCM to mu-law bytes."""
    return bytes(_ULAW_ENCODE[np.asarray(pcm, dtype=np.int16).view(np.uint16)].tobytes())


def alaw_encode(pcm: npt.NDArray[np.int16]) -> bytes:
    """Encode 16-bit linear PCM to A-law bytes."""
    return bytes(_ALAW_ENCODE[np.asarray(pcm, dtype=np.int16).view(np.uint16)].tobytes())
