"""The transcript events of a sample call from the streaming recognizer, with an optional cache.

``bench assist`` scores the knowledge engine on live recognition output: every partial and
final the streaming recognizer produced for a call on the simulated clock (real model,
:func:`~consult_assist.pipeline.simulated_call`). The recognizer does not depend on the
knowledge engine, so its events can be kept and replayed while the knowledge side is
changed: :class:`TranscriptCache` stores them per (call, rendition, model and streaming
options, audio content) as JSON lines under a git-ignored folder. The benchmark's reported run
uses no cache unless asked, and says in its JSON whether one was used.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from consult_assist.asr.decoding import Transcriber
from consult_assist.asr.options import StreamOptions
from consult_assist.asr.simulate import SimulationStats
from consult_assist.audio.calls import CallAudio
from consult_assist.audio.file import read_audio
from consult_assist.events import TranscriptFinal, TranscriptPartial
from consult_assist.pipeline import simulated_call
from consult_assist.wire import encode_event, event_from_dict

__all__ = ["CallTranscript", "TranscriptCache", "recognise_call", "reference_transcript"]

log = logging.getLogger(__name__)

Heard = TranscriptPartial | TranscriptFinal


@dataclass(frozen=True, kw_only=True)
class CallTranscript:
    """What the streaming recognizer heard in one recording, and what it cost."""

    events: tuple[Heard, ...]
    audio_s: float
    compute_s: float
    cached: bool = False


def recognise_call(
    path: Path,
    transcriber: Transcriber,
    stream: StreamOptions,
    *,
    session: str,
    on_progress: Callable[[float], None] | None = None,
) -> CallTranscript:
    """Every transcript event of ``path`` (mono, as a plain call), on the simulated clock."""
    decoded = read_audio(path)
    stats = SimulationStats()
    events: list[Heard] = []
    for event in simulated_call(
        session,
        CallAudio((decoded.mono(),), ("unknown",)),
        transcriber,
        options=stream.recognizer_options(decoded.source_rate),
        stats=stats,
        on_progress=on_progress,
    ):
        if isinstance(event, TranscriptPartial | TranscriptFinal):
            events.append(event)
    return CallTranscript(events=tuple(events), audio_s=stats.audio_s, compute_s=stats.compute_s)


def reference_transcript(
    sidecar: Mapping[str, Any], *, session: str, delay_s: float = 0.5
) -> CallTranscript:
    """The labelled turns as finals (no partials, speaker unknown), each ``delay_s`` after its
    end: what a perfect recognizer would give, to tell the knowledge engine's own errors
    from those it inherits from recognition."""
    events: list[Heard] = []
    for number, turn in enumerate(sidecar.get("turns", [])):
        end = float(turn["end"])
        events.append(
            TranscriptFinal(
                session=session,
                at=end + delay_s,
                utterance=number,
                start=float(turn["start"]),
                end=end,
                text=str(turn["text"]),
                speaker="unknown",
                latency_s=delay_s,
            )
        )
    duration = float(sidecar.get("duration_s", 0.0))
    return CallTranscript(events=tuple(events), audio_s=duration, compute_s=0.0)


class TranscriptCache:
    """Recognizer output kept per call, rendition, model, streaming options and audio bytes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @staticmethod
    def key(path: Path, model: str, stream: StreamOptions, extra: str = "") -> str:
        """A file name that changes whenever the audio, the model or the options change."""
        digest = hashlib.sha256()
        digest.update(path.read_bytes())
        digest.update(json.dumps([model, asdict(stream), extra], sort_keys=True).encode())
        return f"{path.name}.{digest.hexdigest()[:16]}.jsonl"

    def load(self, key: str) -> CallTranscript | None:
        """The cached transcript, or None when there is none (or it cannot be read)."""
        file = self.folder / key
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except OSError:
            return None
        try:
            head = json.loads(lines[0])
            events = [event_from_dict(json.loads(line)) for line in lines[1:]]
        except (ValueError, IndexError) as exc:
            log.warning("ignoring unreadable transcript cache %s: %s", file, exc)
            return None
        heard = tuple(e for e in events if isinstance(e, TranscriptPartial | TranscriptFinal))
        return CallTranscript(
            events=heard,
            audio_s=float(head.get("audio_s", 0.0)),
            compute_s=float(head.get("compute_s", 0.0)),
            cached=True,
        )

    def store(self, key: str, transcript: CallTranscript) -> None:
        """Keep ``transcript`` under ``key`` (written whole, then renamed into place)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        head = json.dumps({"audio_s": transcript.audio_s, "compute_s": transcript.compute_s})
        body = "\n".join([head, *(encode_event(e) for e in transcript.events)]) + "\n"
        partial = self.folder / (key + ".part")
        partial.write_text(body, encoding="utf-8")
        partial.replace(self.folder / key)
