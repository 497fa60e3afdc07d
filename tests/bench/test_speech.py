"""``bench asr``'s pieces that need no model: percentiles, added noise, the file list."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from consult_assist.bench.speech import AsrBenchOptions, add_noise, percentile, run_asr_bench
from consult_assist.errors import ConfigError


def test_percentiles_interpolate_and_none_has_none() -> None:
    assert percentile([], 50) is None
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 100) == 4.0


def test_noise_has_the_asked_snr_against_the_speech_parts() -> None:
    t = np.arange(16000 * 4) / 16000
    speech = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    speech[16000 * 2 :] = 0.0  # half of it silence: the SNR is against the loud part
    noisy = add_noise(speech, 10.0, seed=1)
    noise = noisy - speech
    loud = speech[np.abs(speech) > 0.01]
    snr = 10 * np.log10(np.mean(loud**2) / np.mean(noise**2))
    assert snr == pytest.approx(10.0, abs=0.2)
    assert noisy.dtype == np.float32 and np.max(np.abs(noisy)) <= 1.0
    assert np.array_equal(noisy, add_noise(speech, 10.0, seed=1))
    assert not np.array_equal(noisy, add_noise(speech, 10.0, seed=2))


def test_a_file_without_its_sidecar_stops_before_the_model_loads(tmp_path: Path) -> None:
    call = tmp_path / "call.wav"
    with wave.open(str(call), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x00\x00" * 1600)
    options = AsrBenchOptions(files=(call,))
    with pytest.raises(ConfigError, match=r"call\.wav has no sidecar call\.json"):
        run_asr_bench(options)
