"""Fakes for unit tests of the pure core, shipped with the package (never used by default).

* :class:`EnergyDetector` — a speech detector that calls loud chunks speech;
* :class:`FakeTranscriber` — "transcribes" by reading a script at a fixed rate of characters
  per second of audio, so partials grow like real ones and finals are predictable;
* :func:`tone_call` — synthetic audio: tone bursts (speech) separated by silence.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from consult_assist.asr.decoding import DecodeRequest, DecodeResult
from consult_assist.asr.vad import CHUNK
from consult_assist.audio.pcm import SAMPLE_RATE, FloatArray

__all__ = ["EnergyDetector", "FakeTranscriber", "tone_call"]


class EnergyDetector:
    """Speech probability 0.95 for chunks with RMS above ``level``, else 0.02."""

    def __init__(self, level: float = 0.02) -> None:
        self.level = level
        self._pending = np.zeros(0, dtype=np.float32)

    def process(self, samples: FloatArray) -> FloatArray:
        buf = np.concatenate([self._pending, samples.astype(np.float32)])
        n = len(buf) // CHUNK
        self._pending = buf[n * CHUNK :]
        chunks = buf[: n * CHUNK].reshape(n, CHUNK)
        rms = np.sqrt(np.mean(chunks**2, axis=1)) if n else np.zeros(0)
        return np.where(rms > self.level, 0.95, 0.02).astype(np.float32)

    def reset(self) -> None:
        self._pending = np.zeros(0, dtype=np.float32)


class FakeTranscriber:
    """Reads ``script`` at ``chars_per_s`` characters per second of request audio.

    Utterance ``u`` of a stream reads ``scripts[u % len(scripts)]``. The text returned
    continues the request's prefix, as the real model does. ``compute_s`` is reported as the
    compute time of every decode (no real waiting), so simulated latency is predictable.
    """

    def __init__(
        self,
        scripts: Sequence[str] = ("となりの部屋から毎晩すごい泣き声がするんです",),
        *,
        chars_per_s: float = 6.0,
        compute_s: float = 0.1,
        final_compute_s: float | None = None,
        avg_logprob: float = -0.3,
        no_speech_prob: float = 0.05,
    ) -> None:
        self.scripts = tuple(scripts)
        self.chars_per_s = chars_per_s
        self.compute_s = compute_s
        self.final_compute_s = compute_s if final_compute_s is None else final_compute_s
        self.avg_logprob = avg_logprob
        self.no_speech_prob = no_speech_prob
        self.requests: list[DecodeRequest] = []
        self._lock = threading.Lock()

    def decode(self, request: DecodeRequest) -> DecodeResult:
        with self._lock:
            self.requests.append(request)
        script = self.scripts[(request.utterance % 1_000_000) % len(self.scripts)]
        seconds = len(request.audio) / SAMPLE_RATE
        text = script[: max(1, int(seconds * self.chars_per_s))]
        if request.kind == "final":
            text = script
        if request.prefix and text.startswith(request.prefix):
            text = text[len(request.prefix) :]
        compute = self.final_compute_s if request.kind == "final" else self.compute_s
        return DecodeResult(
            request=request,
            text=text,
            avg_logprob=self.avg_logprob,
            no_speech_prob=self.no_speech_prob,
            compute_s=compute,
        )


def tone_call(
    bursts: Sequence[tuple[float, float]], *, total_s: float, amplitude: float = 0.3
) -> FloatArray:
    """Audio of ``total_s`` seconds with a 220 Hz tone during each (start, end) burst."""
    n = int(total_s * SAMPLE_RATE)
    out = np.zeros(n, dtype=np.float32)
    t = np.arange(n, dtype=np.float32) / SAMPLE_RATE
    for start, end in bursts:
        a, b = int(start * SAMPLE_RATE), min(n, int(end * SAMPLE_RATE))
        out[a:b] = amplitude * np.sin(2 * np.pi * 220.0 * t[a:b])
    return out
