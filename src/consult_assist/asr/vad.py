"""Streaming voice activity: Silero VAD (the model bundled inside faster-whisper), with state.

faster-whisper's own ``get_speech_timestamps`` works on a whole array and keeps nothing between
calls; here the LSTM state and the 64-sample context are carried from one chunk to the next, so
the probabilities of a stream fed piecewise equal those of the whole array fed at once.
"""

from __future__ import annotations

import functools
import os
import threading
from typing import Any, Protocol

import numpy as np

from consult_assist.audio.pcm import FloatArray

__all__ = ["CHUNK", "SileroVad", "SpeechDetector", "default_threshold", "silero_session"]

CHUNK = 512
"""Samples per VAD decision at 16 kHz (32 ms)."""
_CONTEXT = 64


class SpeechDetector(Protocol):
    """Gives one speech probability per :data:`CHUNK` samples of 16 kHz audio, in order."""

    def process(self, samples: FloatArray) -> FloatArray:
        """Feed samples (any length); return the probabilities of the chunks completed."""
        ...

    def reset(self) -> None:
        """Forget the stream (a new call)."""
        ...


WIDEBAND_THRESHOLD = 0.5
NARROWBAND_THRESHOLD = 0.3


def default_threshold(source_rate: int) -> float:
    """The speech threshold for audio that arrived at ``source_rate`` Hz.

    On telephone audio (8 kHz, 300-3400 Hz) Silero scores some voices around 0.4 where the
    wideband recording of the same call scores 0.98, so at 0.5 whole turns were missed
    (`bench asr`: 39.5 % CER on one call's μ-law rendition against 8.0 % wideband); at 0.3 the
    telephone renditions come within a few points of wideband.
    """
    return NARROWBAND_THRESHOLD if 0 < source_rate <= 8000 else WIDEBAND_THRESHOLD


@functools.lru_cache(maxsize=1)
def silero_session() -> Any:
    """Load the Silero VAD ONNX model shipped inside faster-whisper (once per process)."""
    import onnxruntime  # lazy: ~0.2 s to import; the pure segmenter imports this module
    from faster_whisper.utils import get_assets_path  # lazy: ~0.7 s; only loading Silero needs it

    opts = onnxruntime.SessionOptions()
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 4
    path = os.path.join(get_assets_path(), "silero_vad_v6.onnx")
    return onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"], sess_options=opts)


class SileroVad:
    """Stateful Silero VAD over a 16 kHz stream; one instance per audio stream."""

    # ONNX Runtime sessions are thread-safe for run(), but serialising keeps each call on one
    # core; VAD is ~1% of the decode cost, so contention here is not worth a session each.
    _lock = threading.Lock()

    def __init__(self) -> None:
        self._session = silero_session()
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)

    def process(self, samples: FloatArray) -> FloatArray:
        buf = np.concatenate([self._pending, samples.astype(np.float32, copy=False)])
        n = len(buf) // CHUNK
        self._pending = buf[n * CHUNK :]
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        chunks = buf[: n * CHUNK].reshape(n, CHUNK)
        # Each row is the previous 64 samples followed by the new 512, as the model expects.
        previous = np.concatenate([self._context[None, :], chunks[:-1, -_CONTEXT:]], axis=0)
        rows = np.concatenate([previous, chunks], axis=1)
        self._context = chunks[-1, -_CONTEXT:].copy()
        with self._lock:
            probs, self._h, self._c = self._session.run(
                None, {"input": rows, "h": self._h, "c": self._c}
            )
        return np.asarray(probs, dtype=np.float32).reshape(-1)
