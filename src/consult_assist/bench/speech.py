"""``consult-assist bench asr``: streaming vs offline quality and speed, one JSON summary.

Per file: streaming CER (simulated clock, real model), final latency p50/p95, partial cadence,
streaming compute as a fraction of real time; in the same run the plain offline
``WhisperModel.transcribe`` of the same model on the same file (CER, real-time factor) and the
ratios. Extras: 30 s of silence and 30 s of noise (finals must be zero), the 8 kHz μ-law
telephone rendition (CER), and the wideband call with seeded white noise at ``--snr`` dB.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from consult_assist import paths
from consult_assist.asr.cer import cer
from consult_assist.asr.decoding import Transcriber
from consult_assist.asr.options import (
    InstallProgress,
    ModelOptions,
    StreamOptions,
    load_transcriber,
)
from consult_assist.asr.simulate import SimulationStats
from consult_assist.asr.whisper import WhisperTranscriber
from consult_assist.audio.calls import CallAudio
from consult_assist.audio.file import read_audio
from consult_assist.audio.pcm import SAMPLE_RATE, FloatArray
from consult_assist.errors import ConfigError
from consult_assist.events import TranscriptFinal, TranscriptPartial
from consult_assist.pipeline import simulated_call

__all__ = ["AsrBenchOptions", "add_noise", "percentile", "run_asr_bench", "stream_once"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class AsrBenchOptions:
    """What ``bench asr`` runs over, and with which model and streaming options."""

    files: tuple[Path, ...] = ()
    """Audio files with ``.json`` sidecars (default: every sample call)."""
    offline: bool = True
    """Also run the plain offline transcription of each file (the baseline)."""
    extra: bool = True
    """Also run silence, noise, the telephone renditions and the noisy (``snr_db``) calls."""
    snr_db: float = 10.0
    """Signal-to-noise ratio of the noisy run, in dB."""
    seed: int = 1234
    """Seed of the added noise."""
    limit: int = 0
    """Use only the first ``limit`` files (0: all)."""
    model: ModelOptions = field(default_factory=ModelOptions)
    stream: StreamOptions = field(default_factory=StreamOptions)


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100, linear interpolation); None for no values."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def add_noise(audio: FloatArray, snr_db: float, seed: int) -> FloatArray:
    """White Gaussian noise at ``snr_db`` relative to the power of the speech parts."""
    rng = np.random.default_rng(seed)
    loud = audio[np.abs(audio) > 0.01]
    power = float(np.mean(loud**2)) if len(loud) else float(np.mean(audio**2)) or 1e-6
    noise = rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), len(audio))
    return np.clip(audio + noise, -1.0, 1.0).astype(np.float32)


def stream_once(
    audio: FloatArray,
    transcriber: Transcriber,
    stream: StreamOptions,
    name: str,
    *,
    source_rate: int = 16000,
) -> dict[str, Any]:
    """One simulated streaming run: finals, latencies, cadence, compute."""
    stats = SimulationStats()
    finals: list[TranscriptFinal] = []
    partial_at: dict[int, list[float]] = {}
    first_partial: list[float] = []
    for event in simulated_call(
        f"bench-{name}",
        CallAudio((audio,)),
        transcriber,
        options=stream.recognizer_options(source_rate),
        stats=stats,
    ):
        if isinstance(event, TranscriptFinal):
            finals.append(event)
        elif isinstance(event, TranscriptPartial) and event.text:
            times = partial_at.setdefault(event.utterance, [])
            if not times:
                first_partial.append(event.at - event.start)
            times.append(event.at)
    gaps = [b - a for times in partial_at.values() for a, b in itertools.pairwise(times)]
    latencies = [f.latency_s for f in finals]
    return {
        "text": "".join(f.text for f in finals),
        "finals": len(finals),
        "latencies": latencies,
        "partial_gaps": gaps,
        "first_partial": first_partial,
        "partials": sum(len(t) for t in partial_at.values()),
        "compute_s": stats.compute_s,
        "audio_s": stats.audio_s,
        "decodes": stats.decodes,
    }


def _files(options: AsrBenchOptions) -> list[Path]:
    files: list[Path] = list(options.files)
    if not files:
        folder = paths.samples_dir()
        files = sorted(p for p in folder.glob("*.flac"))
        if not files:
            raise ConfigError(f"no sample calls in {folder}; pass audio files with .json sidecars")
    if options.limit:
        files = files[: options.limit]
    for f in files:
        if not _sidecar(f).is_file():
            raise ConfigError(f"{f} has no sidecar {_sidecar(f).name} with the reference turns")
    return files


def _sidecar(audio: Path) -> Path:
    name = audio.name.split(".")[0]
    return audio.with_name(f"{name}.json")


def _reference(audio: Path) -> str:
    data = json.loads(_sidecar(audio).read_text(encoding="utf-8"))
    return "".join(turn["text"] for turn in data["turns"])


def _progress(message: str) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"\r\x1b[2K{message}")
        sys.stderr.flush()
    else:
        sys.stderr.write(message + "\n")


def run_asr_bench(
    options: AsrBenchOptions, *, install_progress: InstallProgress | None = None
) -> dict[str, Any]:
    """Run the benchmark described in the module docstring; return the JSON-able summary."""
    files = _files(options)
    transcriber = load_transcriber(options.model, progress=install_progress)
    stream = options.stream
    per_file: list[dict[str, Any]] = []
    all_lat: list[float] = []
    all_gaps: list[float] = []
    all_first: list[float] = []
    totals = {"audio_s": 0.0, "stream_compute_s": 0.0, "offline_compute_s": 0.0}
    edits = {
        "stream": [0, 0],
        "offline": [0, 0],
        "telephone": [0, 0],
        "noisy": [0, 0],
        "wide_tel": [0, 0],
    }
    started = time.perf_counter()
    for i, path in enumerate(files, 1):
        _progress(f"bench asr: {i}/{len(files)} {path.name}: streaming")
        ref = _reference(path)
        decoded = read_audio(path)
        audio = decoded.mono()
        run = stream_once(audio, transcriber, stream, path.stem, source_rate=decoded.source_rate)
        s_cer, s_edits, n = cer(ref, run["text"])
        edits["stream"][0] += s_edits
        edits["stream"][1] += n
        all_lat += run["latencies"]
        all_gaps += run["partial_gaps"]
        all_first += run["first_partial"]
        totals["audio_s"] += run["audio_s"]
        totals["stream_compute_s"] += run["compute_s"]
        entry: dict[str, Any] = {
            "file": path.name,
            "duration_s": round(run["audio_s"], 2),
            "finals": run["finals"],
            "streaming_cer": _r(s_cer, 4),
            "final_latency_p50_s": _r(percentile(run["latencies"], 50)),
            "final_latency_p95_s": _r(percentile(run["latencies"], 95)),
            "partial_interval_p50_s": _r(percentile(run["partial_gaps"], 50)),
            "partial_interval_p95_s": _r(percentile(run["partial_gaps"], 95)),
            "streaming_rtf": _r(run["compute_s"] / run["audio_s"]),
            "decodes": run["decodes"],
            "streaming_text": run["text"],
        }
        if options.offline:
            _progress(f"bench asr: {i}/{len(files)} {path.name}: offline")
            text, compute = transcriber.transcribe_file_offline(audio)
            o_cer, o_edits, _ = cer(ref, text)
            edits["offline"][0] += o_edits
            edits["offline"][1] += n
            totals["offline_compute_s"] += compute
            entry.update(
                offline_cer=_r(o_cer, 4),
                offline_rtf=_r(compute / run["audio_s"]),
                cer_minus_offline_points=_r(100 * (s_cer - o_cer), 2),
                offline_text=text,
            )
        if options.extra:
            tel = path.with_name(path.name.split(".")[0] + ".tel.wav")
            if tel.is_file():
                _progress(f"bench asr: {i}/{len(files)} {path.name}: telephone")
                tel_audio = read_audio(tel)
                t_run = stream_once(
                    tel_audio.mono(),
                    transcriber,
                    stream,
                    path.stem + "-tel",
                    source_rate=tel_audio.source_rate,
                )
                t_cer, t_edits, _ = cer(ref, t_run["text"])
                edits["telephone"][0] += t_edits
                edits["telephone"][1] += n
                edits["wide_tel"][0] += s_edits
                edits["wide_tel"][1] += n
                entry.update(telephone_cer=_r(t_cer, 4))
            _progress(f"bench asr: {i}/{len(files)} {path.name}: {options.snr_db:g} dB SNR")
            n_run = stream_once(
                add_noise(audio, options.snr_db, options.seed + i), transcriber, stream, path.stem
            )
            n_cer, n_edits, _ = cer(ref, n_run["text"])
            edits["noisy"][0] += n_edits
            edits["noisy"][1] += n
            entry.update(noisy_cer=_r(n_cer, 4))
        per_file.append(entry)
    overall: dict[str, Any] = {
        "files": len(files),
        "audio_s": round(totals["audio_s"], 1),
        "streaming_cer": _r(_ratio(edits["stream"]), 4),
        "final_latency_p50_s": _r(percentile(all_lat, 50)),
        "final_latency_p95_s": _r(percentile(all_lat, 95)),
        "finals": len(all_lat),
        "partial_interval_p50_s": _r(percentile(all_gaps, 50)),
        "partial_interval_p95_s": _r(percentile(all_gaps, 95)),
        "first_partial_after_speech_start_p50_s": _r(percentile(all_first, 50)),
        "streaming_rtf": _r(totals["stream_compute_s"] / max(totals["audio_s"], 1e-9)),
    }
    if options.offline:
        offline = _ratio(edits["offline"])
        overall.update(
            offline_cer=_r(offline, 4),
            offline_rtf=_r(totals["offline_compute_s"] / max(totals["audio_s"], 1e-9)),
            cer_minus_offline_points=_r(100 * (_ratio(edits["stream"]) - offline), 2),
            cer_ratio_streaming_over_offline=_r(
                _ratio(edits["stream"]) / offline if offline else None
            ),
            rtf_ratio_streaming_over_offline=_r(
                totals["stream_compute_s"] / totals["offline_compute_s"]
                if totals["offline_compute_s"]
                else None
            ),
        )
    extras: dict[str, Any] = {}
    if options.extra:
        _progress("bench asr: silence and noise")
        extras = _silence_and_noise(transcriber, stream, options.seed)
        if edits["telephone"][1]:
            extras["telephone_cer"] = _r(_ratio(edits["telephone"]), 4)
            extras["telephone_minus_wideband_points"] = _r(
                100 * (_ratio(edits["telephone"]) - _ratio(edits["wide_tel"])), 2
            )
        extras[f"snr_{options.snr_db:g}db_cer"] = _r(_ratio(edits["noisy"]), 4)
    _progress("")
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    return {
        "bench": "asr",
        "model": transcriber.options.model,
        "device": transcriber.device,
        "compute_type": transcriber.compute_type,
        "beam_size": transcriber.options.beam_size,
        "hotwords": bool(transcriber.options.hotwords),
        "machine": {"cpus": _cpus(), "python": platform.python_version()},
        "clock": "simulated (decisions use only audio available at that moment; compute measured)",
        "wall_s": round(time.perf_counter() - started, 1),
        "overall": overall,
        "extras": extras,
        "files": per_file,
    }


def _ratio(pair: list[int]) -> float:
    return pair[0] / pair[1] if pair[1] else 0.0


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def _silence_and_noise(
    transcriber: WhisperTranscriber, stream: StreamOptions, seed: int
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    n = 30 * SAMPLE_RATE
    white = rng.normal(0.0, 0.05, n).astype(np.float32)
    # Pink-ish noise (1/f) by filtering white noise in the frequency domain: closer to room hum.
    spectrum = np.fft.rfft(rng.normal(0.0, 1.0, n))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    pink = np.fft.irfft(spectrum, n).astype(np.float32)
    pink *= 0.05 / float(np.sqrt(np.mean(pink**2)))
    out: dict[str, Any] = {}
    for name, audio in (
        ("silence_30s", np.zeros(n, dtype=np.float32)),
        ("white_noise_30s", white),
        ("pink_noise_30s", pink),
    ):
        # Wideband threshold, and the lower one used for 8 kHz telephone sources.
        for rate, suffix in ((16000, ""), (8000, "_telephone_threshold")):
            run = stream_once(audio, transcriber, stream, name, source_rate=rate)
            out[f"{name}{suffix}_finals"] = run["finals"]
            if run["finals"]:
                out[f"{name}{suffix}_text"] = run["text"]
    return out
