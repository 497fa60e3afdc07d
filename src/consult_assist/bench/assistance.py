"""``consult-assist bench assist``: live assistance on every sample call, scored, one JSON.

Each sample call runs twice, wideband (``.flac``) and telephone (``.tel.wav``, 8 kHz μ-law, as
a plain SIP call brings it), through the streaming recognizer on the simulated clock (the real
model, :mod:`consult_assist.bench.transcripts`) and the knowledge engine, with the speech act
of every final filled in as the pipeline does. What the engine shows is scored against the
sidecar labels (:mod:`consult_assist.bench.scorecard`): checklist precision and recall,
items covered by a question, confirmed alerts against the words the caller said (critical
recall, false confirmed alerts per call, withdrawn tentatives), and suggestion hit@3 with the
time from a topic being raised to its first top-3 appearance. The risk sheet of each
rendition is set against the sheet of the labelled words (:mod:`consult_assist.bench.assistrisk`).

Every sample is mono (caller and handler mixed), so every utterance's speaker is "unknown":
whatever the engine gets right, it gets from the words and the speech acts.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consult_assist import paths
from consult_assist.asr.decoding import Transcriber
from consult_assist.asr.options import (
    InstallProgress,
    ModelOptions,
    StreamOptions,
    load_transcriber,
)
from consult_assist.bench.assistrisk import RiskCall, risk_summary, sheet_of
from consult_assist.bench.scorecard import (
    ANSWER_TOLERANCE_S,
    TURN_SLACK_S,
    CallScore,
    Heard,
    score_call,
)
from consult_assist.bench.transcripts import (
    CallTranscript,
    TranscriptCache,
    recognise_call,
    reference_transcript,
)
from consult_assist.errors import ConfigError
from consult_assist.events import SessionEnded, SessionStarted, TranscriptFinal
from consult_assist.knowledge.acts import ActTracker
from consult_assist.knowledge.engine import KnowledgeEngine
from consult_assist.knowledge.manual import load_manual
from consult_assist.risk.model import RiskModel

__all__ = ["RENDITIONS", "TARGETS", "AssistBenchOptions", "run_assist_bench", "summarise"]

log = logging.getLogger(__name__)

RENDITIONS = {"wideband": ".flac", "telephone": ".tel.wav"}
"""Each rendition of a sample call and its file suffix (``reference``: the labelled text)."""
TARGETS = {
    "checklist_precision": 0.90,
    "checklist_recall": 0.80,
    "covered_by_question": 0,
    "critical_recall": 1.0,
    "false_confirmed_alerts_per_call": 1.0,
    "telephone_topic_hit_at_3": 0.85,
    "telephone_time_to_first_median_s": 20.0,
}


@dataclass(frozen=True, kw_only=True)
class AssistBenchOptions:
    """What ``bench assist`` runs over."""

    names: tuple[str, ...] = ()
    """Sample call names (default: every ``samples/*.flac`` with a sidecar)."""
    renditions: tuple[str, ...] = ("wideband", "telephone")
    manuals: Path | None = None
    """Manuals folder (default: ./manuals)."""
    cache: bool = False
    """Read recognizer output kept from earlier runs instead of running the model for calls
    already heard with the same model, options and audio (every run keeps what it heard)."""
    cache_dir: Path | None = None
    """Where the cache lives (default: .cache/assist in the checkout)."""
    reference: bool = False
    """Use the labelled turns as the transcript instead of the recognizer (no model): the
    knowledge engine on perfect text, to tell its errors from recognition's."""
    model: ModelOptions = field(default_factory=ModelOptions)
    stream: StreamOptions = field(default_factory=StreamOptions)


def _samples(options: AssistBenchOptions) -> list[Path]:
    folder = paths.samples_dir()
    names = options.names or tuple(sorted(p.stem for p in folder.glob("*.flac")))
    if not names:
        raise ConfigError(f"no sample calls in {folder}")
    found = []
    for name in names:
        sidecar = folder / f"{name}.json"
        if not sidecar.is_file():
            raise ConfigError(f"{sidecar} is missing: bench assist needs the labelled sidecar")
        found.append(sidecar)
    return found


def _cache_dir(options: AssistBenchOptions) -> Path:
    if options.cache_dir is not None:
        return options.cache_dir
    root = paths.checkout_root() or Path.cwd()
    return root / ".cache" / "assist"


def run_assist_bench(
    options: AssistBenchOptions,
    *,
    install_progress: InstallProgress | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the benchmark; return the JSON-able summary."""
    say = progress or (lambda text: None)
    sidecars = _samples(options)
    manuals = options.manuals or paths.default_manuals_dir()
    manual = load_manual(manuals)
    risk = RiskModel.load(manuals, manual) if RiskModel.available(manuals) else None
    risk_calls: dict[str, list[RiskCall]] = {}
    levels = {w.word: w.level for w in manual.attention_words}
    engine = KnowledgeEngine(manual)
    cache = TranscriptCache(_cache_dir(options))
    transcriber: Transcriber | None = None
    model_name = options.model.model
    started = time.perf_counter()
    runs: dict[str, list[tuple[str, CallScore, CallTranscript]]] = {}
    from_cache: list[str] = []
    renditions = ("reference",) if options.reference else options.renditions
    for sidecar_path in sidecars:
        sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
        words = reference_transcript(sidecar, session=f"bench-{sidecar_path.stem}/words")
        words_sheet = sheet_of(risk, words) if risk is not None else None
        for rendition in renditions:
            name = f"{sidecar_path.stem}/{rendition}"
            if rendition == "reference":
                transcript = reference_transcript(sidecar, session=f"bench-{name}")
            else:
                audio = sidecar_path.with_name(sidecar_path.stem + RENDITIONS[rendition])
                if not audio.is_file():
                    raise ConfigError(f"{audio} is missing")
                key = TranscriptCache.key(
                    audio, model_name, options.stream, _model_key(options.model)
                )
                cached = cache.load(key) if options.cache else None
                if cached is None:
                    if transcriber is None:
                        transcriber = load_transcriber(options.model, progress=install_progress)
                    say(f"{name}: recognising")
                    transcript = recognise_call(
                        audio, transcriber, options.stream, session=f"bench-{name}"
                    )
                    # Always kept: the next run with ``cache`` re-scores it without the model.
                    cache.store(key, transcript)
                else:
                    transcript = cached
                    from_cache.append(name)
            say(f"{name}: scoring")
            heard = _assist(engine, f"bench-{name}", transcript)
            runs.setdefault(rendition, []).append(
                (sidecar_path.stem, score_call(sidecar, heard, levels), transcript)
            )
            if risk is not None and words_sheet is not None:
                sheet = sheet_of(risk, transcript)
                risk_calls.setdefault(rendition, []).append((sidecar_path.stem, sheet, words_sheet))
    summary = {rendition: summarise(calls) for rendition, calls in runs.items()}
    for rendition, risk_runs in risk_calls.items():
        summary[rendition]["risk"] = risk_summary(risk_runs)
    return {
        "bench": "assist",
        "model": "none: the labelled reference turns" if options.reference else model_name,
        "device": getattr(transcriber, "device", "not loaded"),
        "cache_used": bool(from_cache),
        "calls_from_cache": from_cache,
        "speakers": "unknown (every sample is mono: caller and handler mixed)",
        "clock": "simulated (decisions use only audio available at that moment; compute "
        "measured on the real model)",
        "machine": {"python": platform.python_version()},
        "tolerances": {
            "answer_tolerance_s": ANSWER_TOLERANCE_S,
            "turn_slack_s": TURN_SLACK_S,
            "checklist": "covered correctly when the covering utterance starts no earlier "
            f"than {ANSWER_TOLERANCE_S} s before the labelled answer turn",
            "alerts": f"an utterance matches a labelled turn it overlaps (±{TURN_SLACK_S} s)",
        },
        "targets": TARGETS,
        "wall_s": round(time.perf_counter() - started, 1),
        **summary,
    }


def _assist(engine: KnowledgeEngine, session: str, transcript: CallTranscript) -> list[Heard]:
    """Feed one call's transcript events through the engine, acts filled in as the pipeline
    does; return each event with what it caused."""
    acts = ActTracker()
    engine.feed(SessionStarted(session=session))
    heard: list[Heard] = []
    for event in transcript.events:
        event = acts.annotate(event) if isinstance(event, TranscriptFinal) else event
        event = dataclasses.replace(event, session=session)
        heard.append((event, engine.feed(event)))
    engine.feed(SessionEnded(session=session))
    return heard


def _model_key(model: ModelOptions) -> str:
    """What, besides the model's name, changes the recognizer's output or its timing."""
    return f"{model.device}/{model.compute_type}/{model.beam_size}/{model.threads}/{model.hotwords}"


def _rate(hit: int, total: int) -> float | None:
    return round(hit / total, 4) if total else None


def summarise(calls: list[tuple[str, CallScore, CallTranscript]]) -> dict[str, Any]:
    """The scores of one rendition over its calls, and per call."""
    total = CallScore()
    delays: list[float] = []
    critical: list[float] = []
    audio = compute = 0.0
    per_call: list[dict[str, Any]] = []
    for name, score, transcript in calls:
        for attr in vars(total):
            value = getattr(score, attr)
            if isinstance(value, int):
                setattr(total, attr, getattr(total, attr) + value)
        delays += score.topic_delays
        critical += score.critical_delays
        audio += transcript.audio_s
        compute += transcript.compute_s
        per_call.append(
            {
                "call": name,
                "checklist_precision": _rate(score.checklist_correct, score.checklist_covered),
                "checklist_recall": _rate(score.checklist_correct, score.checklist_labelled),
                "false_confirmed_alerts": score.alerts_false,
                "topic_hit_at_3": _rate(score.topic_hits, score.topics),
                "transcript": " / ".join(
                    e.text for e in transcript.events if isinstance(e, TranscriptFinal)
                ),
                **score.details,
            }
        )
    n = max(len(calls), 1)
    return {
        "calls": len(calls),
        "audio_s": round(audio, 1),
        "recognizer_compute_x_real_time": round(compute / audio, 3) if audio else None,
        "checklist": {
            "labelled_answers": total.checklist_labelled,
            "covered": total.checklist_covered,
            "correct": total.checklist_correct,
            "precision": _rate(total.checklist_correct, total.checklist_covered),
            "recall": _rate(total.checklist_correct, total.checklist_labelled),
            "covered_by_question": total.covered_by_question,
            "slot_values_matched": total.values_matched,
            "slot_values_labelled": total.values_labelled,
        },
        "alerts": {
            "confirmed": total.alerts_confirmed,
            "correct": total.alerts_correct,
            "of_which_handler_echoes": total.alerts_echo,
            "precision": _rate(total.alerts_correct, total.alerts_confirmed),
            "recall": _rate(total.caller_words_found, total.caller_words),
            "caller_words": total.caller_words,
            "critical_recall": _rate(total.critical_found, total.critical_words),
            "critical_words": total.critical_words,
            "false_confirmed": total.alerts_false,
            "false_confirmed_per_call": round(total.alerts_false / n, 2),
            "tentative_raised": total.alerts_tentative,
            "tentative_withdrawn": total.alerts_withdrawn,
            "denials_labelled": total.denials,
            "denials_shown_negated": total.denials_shown_negated,
            "critical_first_shown_minus_utterance_end_s": {
                "median": round(statistics.median(critical), 2) if critical else None,
                "max": round(max(critical), 2) if critical else None,
                "n": len(critical),
            },
        },
        "suggestions": {
            "topics": total.topics,
            "hit_at_3": _rate(total.topic_hits, total.topics),
            "time_to_first_median_s": round(statistics.median(delays), 2) if delays else None,
            "time_to_first_max_s": round(max(delays), 2) if delays else None,
            "opening_still_shown_at_end": sum(bool(c["opening_shown_at_end"]) for c in per_call),
        },
        "per_call": per_call,
    }
