from __future__ import annotations

import numpy as np

from consult_assist.asr.vad import CHUNK, SileroVad, default_threshold


def test_streaming_equals_whole_array() -> None:
    """State carried between calls: piecewise probabilities equal whole-array ones."""
    rng = np.random.default_rng(3)
    t = np.arange(16000 * 3) / 16000
    audio = (0.3 * np.sin(2 * np.pi * 200 * t) * (t % 1.0 < 0.5)).astype(np.float32)
    audio += rng.normal(0, 0.01, len(audio)).astype(np.float32)
    whole = SileroVad().process(audio)
    vad = SileroVad()
    pieces = []
    i = 0
    while i < len(audio):
        n = int(rng.integers(100, 3000))
        pieces.append(vad.process(audio[i : i + n]))
        i += n
    piecewise = np.concatenate(pieces)
    assert len(whole) == len(audio) // CHUNK == len(piecewise)
    np.testing.assert_allclose(piecewise, whole, atol=1e-6)


def test_silence_scores_low() -> None:
    probs = SileroVad().process(np.zeros(16000, dtype=np.float32))
    assert float(probs.max()) < 0.1


def test_reset_forgets_the_stream() -> None:
    vad = SileroVad()
    vad.process(np.ones(700, dtype=np.float32) * 0.1)
    vad.reset()
    assert len(vad.process(np.zeros(CHUNK, dtype=np.float32))) == 1


def test_telephone_sources_get_the_lower_threshold() -> None:
    assert default_threshold(8000) == 0.3
    assert default_threshold(16000) == 0.5
    assert default_threshold(44100) == 0.5
