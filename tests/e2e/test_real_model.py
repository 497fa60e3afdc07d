"""End-to-end on the real model (faster-whisper base int8, CPU): marked ``model``, runs in CI."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from consult_assist.asr.cer import cer
from consult_assist.asr.models import install_default_model
from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.asr.whisper import WhisperOptions, WhisperTranscriber
from consult_assist.audio.calls import CallAudio
from consult_assist.audio.file import read_audio
from consult_assist.events import SessionEnded, SessionStarted, TranscriptFinal, TranscriptPartial
from consult_assist.pipeline import simulated_call

pytestmark = pytest.mark.model

SAMPLE = "anonymous-reporter"
CLIP_S = 33.0


@pytest.fixture(scope="module")
def transcriber(root: Path) -> WhisperTranscriber:
    model = install_default_model(root / "models")
    return WhisperTranscriber(WhisperOptions(model=str(model), device="cpu"))


@pytest.fixture(scope="module")
def clip(root: Path) -> tuple[np.ndarray, str]:
    """The first turns of a sample call and their reference text."""
    audio = read_audio(root / "samples" / f"{SAMPLE}.flac").mono()
    sidecar = json.loads((root / "samples" / f"{SAMPLE}.json").read_text(encoding="utf-8"))
    turns = [t for t in sidecar["turns"] if t["end"] <= CLIP_S]
    assert len(turns) >= 3
    end = turns[-1]["end"] + 0.8
    return audio[: int(end * 16000)], "".join(t["text"] for t in turns)


def test_streaming_finals_match_the_reference(
    transcriber: WhisperTranscriber, clip: tuple[np.ndarray, str]
) -> None:
    audio, reference = clip
    events = list(simulated_call("e2e", CallAudio((audio,)), transcriber))
    assert isinstance(events[0], SessionStarted) and isinstance(events[-1], SessionEnded)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    finals = [e for e in events if isinstance(e, TranscriptFinal)]
    partials = [e for e in events if isinstance(e, TranscriptPartial)]
    assert len(finals) >= 3 and partials
    text = "".join(f.text for f in finals)
    rate, _, _ = cer(reference, text)
    assert rate <= 0.20, f"CER {rate:.1%}: {text}"
    # One final per utterance, in order of the call.
    assert len({f.utterance for f in finals}) == len(finals)
    assert [f.start for f in finals] == sorted(f.start for f in finals)
    assert all(f.latency_s > 0.3 for f in finals)  # at least the endpoint silence


def test_silence_and_noise_produce_no_final(transcriber: WhisperTranscriber) -> None:
    rng = np.random.default_rng(7)
    for audio in (np.zeros(16000 * 30, np.float32), rng.normal(0, 0.05, 16000 * 30)):
        events = list(
            simulated_call(
                "quiet",
                CallAudio((audio.astype(np.float32),)),
                transcriber,
                options=RecognizerOptions(),
            )
        )
        assert not [e for e in events if isinstance(e, TranscriptFinal)]


def test_cli_transcribe_jsonl(tmp_path: Path, clip: tuple[np.ndarray, str], root: Path) -> None:
    audio, _ = clip
    path = tmp_path / "clip.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((audio[: 16000 * 12] * 32767).astype(np.int16).tobytes())
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "consult_assist.cli",
            "transcribe",
            str(path),
            "--jsonl",
            "--device",
            "cpu",
            "--models-dir",
            str(root / "models"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    types = [e["type"] for e in events]
    assert types[0] == "session.started" and types[-1] == "session.ended"
    finals = [e for e in events if e["type"] == "transcript.final"]
    assert finals and all({"start", "end", "text", "latency_s"} <= set(f) for f in finals)
    assert all(e["v"] == 1 for e in events)
