from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from consult_assist.audio import g711


def test_ulaw_known_values() -> None:
    assert g711.ulaw_encode(np.array([0], dtype=np.int16)) == b"\xff"
    assert g711.ulaw_decode(b"\xff")[0] == 0
    assert g711.ulaw_decode(b"\x00")[0] == -32124
    assert g711.ulaw_decode(b"\x80")[0] == 32124


def test_alaw_known_values() -> None:
    assert g711.alaw_decode(b"\xd5")[0] == 8
    assert g711.alaw_decode(b"\x55")[0] == -8
    assert g711.alaw_decode(b"\xaa")[0] == 32256


@given(st.binary(min_size=1, max_size=512))
def test_decode_encode_roundtrip_of_codes(data: bytes) -> None:
    # Every code except mu-law's negative zero (0x7f) maps back to itself.
    expected_u = data.replace(b"\x7f", b"\xff")
    assert g711.ulaw_encode(g711.ulaw_decode(data)) == expected_u
    assert g711.alaw_encode(g711.alaw_decode(data)) == data


def test_quantisation_error_is_small_relative_to_signal() -> None:
    t = np.arange(8000) / 8000
    x = (np.sin(2 * np.pi * 440 * t) * 16000).astype(np.int16)
    for enc, dec in ((g711.ulaw_encode, g711.ulaw_decode), (g711.alaw_encode, g711.alaw_decode)):
        y = dec(enc(x)).astype(np.float64)
        snr = 10 * np.log10(np.sum(x.astype(np.float64) ** 2) / np.sum((y - x) ** 2))
        assert snr > 30
