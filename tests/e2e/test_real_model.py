"""End-to-end on the real model (faster-whisper base int8, CPU): marked ``model``, runs in CI."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from consult_assist.asr.cer import cer
from consult_assist.asr.decoding import DecodeRequest, DecodeResult
from consult_assist.asr.models import install_default_model
from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.asr.whisper import WhisperOptions, WhisperTranscriber
from consult_assist.audio.calls import CallAudio
from consult_assist.audio.file import read_audio
from consult_assist.errors import ModelError
from consult_assist.events import SessionEnded, SessionStarted, TranscriptFinal, TranscriptPartial
from consult_assist.pipeline import simulated_call
from consult_assist.testing import FakeTranscriber

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


def _final_requests(audio: np.ndarray) -> list[DecodeRequest]:
    """The final requests streaming makes for ``audio`` (segmentation only: a fake model)."""
    fake = FakeTranscriber(["x"])
    options = RecognizerOptions(partials=False, speculative_finals=False)
    list(simulated_call("segments", CallAudio((audio,)), fake, options=options))
    return [r for r in fake.requests if r.kind == "final"]


def test_a_decode_matches_the_library_s_own_transcription(root: Path) -> None:
    # The adapter re-implements faster-whisper 1.2.1's decoding; on a 30-s window (as the
    # library pads) and without the sampling fallback, its text is the library's, exactly.
    model = install_default_model(root / "models")
    ours = WhisperTranscriber(
        WhisperOptions(model=str(model), device="cpu", min_window_s=30.0, fallback_temperatures=())
    )
    audio = read_audio(root / "samples" / f"{SAMPLE}.flac").mono()
    for request in _final_requests(audio[: int(CLIP_S * 16000)])[:4]:
        segments, _ = ours.model.transcribe(
            request.audio,
            language="ja",
            beam_size=5,
            temperature=[0.0],
            without_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,
        )
        assert ours.decode(request).text == "".join(s.text for s in segments).strip()


def test_batched_finals_match_one_by_one_within_half_a_point(
    transcriber: WhisperTranscriber, root: Path
) -> None:
    audio = read_audio(root / "samples" / f"{SAMPLE}.flac").mono()
    sidecar = json.loads((root / "samples" / f"{SAMPLE}.json").read_text(encoding="utf-8"))
    reference = "".join(t["text"] for t in sidecar["turns"])
    requests = _final_requests(audio)
    alone = "".join(transcriber.decode(r).text for r in requests)
    batched = []
    # Calls interleave in a real batch: take every third final together, in batches of up to 8.
    order = requests[0::3] + requests[1::3] + requests[2::3]
    for i in range(0, len(order), 8):
        batched += transcriber.decode_batch(order[i : i + 8])
    by_id = {r.request.id: r.text for r in batched}
    together = "".join(by_id[r.id] for r in requests)
    cer_alone, _, _ = cer(reference, alone)
    cer_together, _, _ = cer(reference, together)
    assert abs(cer_together - cer_alone) <= 0.005, (cer_alone, cer_together)
    assert {r.batch_size for r in batched} - {1}  # they did run in batches


def test_cli_transcribes_several_files_as_calls_at_once(
    tmp_path: Path, clip: tuple[np.ndarray, str], root: Path
) -> None:
    audio, _ = clip
    paths = []
    for i, (a, b) in enumerate(((0, 12), (12, 24))):
        path = tmp_path / f"part{i}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes((audio[16000 * a : 16000 * b] * 32767).astype(np.int16).tobytes())
        paths.append(str(path))
    flags = ["--jsonl", "--device", "cpu", "--models-dir", str(root / "models"), "--no-knowledge"]
    done = subprocess.run(
        [sys.executable, "-m", "consult_assist.cli", "transcribe", *paths, *flags],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    sessions = {e["session"] for e in events}
    assert len(sessions) == 2
    for session in sessions:
        mine = [e for e in events if e["session"] == session]
        assert mine[0]["type"] == "session.started" and mine[-1]["type"] == "session.ended"
        assert [e["seq"] for e in mine] == list(range(1, len(mine) + 1))
        assert any(e["type"] == "transcript.final" for e in mine)


def _counting(
    transcriber: WhisperTranscriber, monkeypatch: pytest.MonkeyPatch, *, fail: bool = False
) -> list[list[str]]:
    """Record the kinds of every batch the transcriber decodes (and make it fail if asked)."""
    batches: list[list[str]] = []
    real = transcriber.decode_batch

    def counting(requests: Sequence[DecodeRequest]) -> list[DecodeResult]:
        batches.append([r.kind for r in requests])
        if fail:
            raise RuntimeError("CUDA failed with error no kernel image is available")
        return real(requests)

    monkeypatch.setattr(transcriber, "decode_batch", counting)
    return batches


def test_a_warm_up_on_a_cpu_decodes_one_final_and_one_partial(
    transcriber: WhisperTranscriber, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches = _counting(transcriber, monkeypatch)
    assert transcriber.warm_up(8) > 0
    assert batches == [["final", "partial"]]


def test_a_warm_up_on_a_gpu_fills_the_largest_batch_of_each_kind(
    transcriber: WhisperTranscriber, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sizing only (the model itself runs on the CPU here): a GPU compiles per batch shape.
    monkeypatch.setattr(transcriber, "device", "cuda")
    batches = _counting(transcriber, monkeypatch)
    transcriber.warm_up(3)
    assert batches == [["final"] * 3 + ["partial"] * 3]


def test_a_model_that_cannot_decode_fails_at_the_warm_up_with_one_sentence(
    transcriber: WhisperTranscriber, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transcriber, "device", "cuda")
    _counting(transcriber, monkeypatch, fail=True)
    with pytest.raises(ModelError, match="use --device cpu"):
        transcriber.warm_up(2)


def test_bench_capacity_deals_calls_over_several_servers(tmp_path: Path, root: Path) -> None:
    # On a GPU node one server process (one event loop) is what stops the knee; `--servers`
    # runs several on the one machine. Here two, each with its own model, on the CPU.
    out = tmp_path / "capacity.json"
    files = [str(root / "samples" / f"{name}.tel.wav") for name in ("neglect", "dv-witness")]
    flags = ["--calls", "2", "--seconds", "8", "--servers", "2", "--no-transcribe"]
    flags += ["--device", "cpu", "--models-dir", str(root / "models"), "--out", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "consult_assist.cli", "bench", "capacity", *flags, *files],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(out.read_text(encoding="utf-8"))
    assert summary["servers"] == 2 and summary["speech"].endswith("2 servers")
    [step] = summary["steps"]
    assert step["sessions"] == 2 and step["finals"] >= 2 and step["error_events"] == 0
    assert sum(step["batch_sizes"].values()) >= step["finals"]
