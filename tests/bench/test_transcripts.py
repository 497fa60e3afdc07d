"""The recognizer-output cache of ``bench assist`` and the reference transcript."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from consult_assist.asr.options import StreamOptions
from consult_assist.bench.transcripts import CallTranscript, TranscriptCache, reference_transcript
from consult_assist.events import TranscriptFinal, TranscriptPartial


def test_a_transcript_round_trips_through_the_cache(tmp_path: Path) -> None:
    cache = TranscriptCache(tmp_path / "cache")
    events = (
        TranscriptPartial(session="b", at=1.0, utterance=0, start=0.2, end=0.9, text="もし"),
        TranscriptFinal(session="b", at=2.0, utterance=0, start=0.2, end=1.5, text="もしもし"),
    )
    transcript = CallTranscript(events=events, audio_s=3.0, compute_s=1.2)
    assert cache.load("x.jsonl") is None
    cache.store("x.jsonl", transcript)
    back = cache.load("x.jsonl")
    assert back is not None and back.cached
    assert back.events == events and (back.audio_s, back.compute_s) == (3.0, 1.2)
    (tmp_path / "cache" / "bad.jsonl").write_text("not json\n", encoding="utf-8")
    assert cache.load("bad.jsonl") is None


def test_the_key_changes_with_audio_model_and_options(tmp_path: Path) -> None:
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"RIFF....")
    key = TranscriptCache.key(audio, "whisper-base", StreamOptions())
    assert key.startswith("a.wav.") and key.endswith(".jsonl")
    assert key == TranscriptCache.key(audio, "whisper-base", StreamOptions())
    assert key != TranscriptCache.key(audio, "whisper-small", StreamOptions())
    other = dataclasses.replace(StreamOptions(), min_silence_s=0.6)
    assert key != TranscriptCache.key(audio, "whisper-base", other)
    assert key != TranscriptCache.key(audio, "whisper-base", StreamOptions(), "cuda")
    audio.write_bytes(b"RIFF!!!!")
    assert key != TranscriptCache.key(audio, "whisper-base", StreamOptions())


def test_the_reference_transcript_is_the_labelled_turns() -> None:
    sidecar = {
        "duration_s": 9.0,
        "turns": [
            {"speaker": "handler", "text": "はい", "start": 0.5, "end": 1.0},
            {"speaker": "caller", "text": "もしもし", "start": 2.0, "end": 3.0},
        ],
    }
    transcript = reference_transcript(sidecar, session="r")
    assert [(e.text, e.at, e.speaker) for e in transcript.events] == [
        ("はい", 1.5, "unknown"),
        ("もしもし", 3.5, "unknown"),
    ]
    assert transcript.audio_s == 9.0
