from __future__ import annotations

import numpy as np

from consult_assist.asr.decoding import DecodeRequest, DecodeResult
from consult_assist.asr.recognizer import RecognizerOptions, StreamingRecognizer
from consult_assist.asr.segmenter import SegmenterOptions
from consult_assist.events import Event, TranscriptFinal, TranscriptPartial
from consult_assist.testing import EnergyDetector, FakeTranscriber, tone_call

FRAME = 320


def drive(
    rec: StreamingRecognizer, audio: np.ndarray, model: FakeTranscriber
) -> tuple[list[Event], list[DecodeRequest]]:
    """Feed audio frame by frame, answering every request at once (zero latency)."""
    events: list[Event] = []
    requests: list[DecodeRequest] = []

    def answer(reqs: list[DecodeRequest]) -> None:
        for r in reqs:
            requests.append(r)
            events.extend(rec.receive(model.decode(r)))

    for i in range(0, len(audio), FRAME):
        answer(rec.feed(audio[i : i + FRAME]))
        events.extend(rec.take_events())
    answer(rec.finish())
    events.extend(rec.take_events())
    return events, requests


def make(**kw: object) -> StreamingRecognizer:
    return StreamingRecognizer("s1", EnergyDetector(), options=RecognizerOptions(**kw))  # type: ignore[arg-type]


def test_exactly_one_final_per_utterance() -> None:
    audio = tone_call([(0.5, 2.5), (3.5, 5.0), (6.0, 8.0)], total_s=9.0)
    events, _ = drive(make(), audio, FakeTranscriber(["いち", "に", "さん"]))
    finals = [e for e in events if isinstance(e, TranscriptFinal)]
    assert [f.text for f in finals] == ["いち", "に", "さん"]
    assert len({f.utterance for f in finals}) == 3
    assert abs(finals[0].start - 0.5) < 0.05 and abs(finals[0].end - 2.5) < 0.05


def test_partials_come_at_the_configured_cadence() -> None:
    audio = tone_call([(0.5, 6.5)], total_s=8.0)
    events, requests = drive(make(partial_interval_s=0.6), audio, FakeTranscriber())
    partial_reqs = [r for r in requests if r.kind == "partial"]
    # 6 s of speech, first after 0.6 s then one per 0.6 s: about 9.
    assert 8 <= len(partial_reqs) <= 10
    gaps = np.diff([r.issued_at for r in partial_reqs])
    assert gaps.max() <= 0.7
    partials = [e for e in events if isinstance(e, TranscriptPartial)]
    assert partials, "partials are emitted"


def test_partials_never_rewrite_the_stable_prefix() -> None:
    audio = tone_call([(0.5, 6.5)], total_s=8.0)
    events, requests = drive(make(), audio, FakeTranscriber(chars_per_s=4.0))
    partials = [e for e in events if isinstance(e, TranscriptPartial)]
    stable = ""
    for p in partials:
        assert p.text.startswith(stable)
        stable = p.text[: p.stable]
    assert stable, "something became stable"
    assert all(not r.prefix for r in requests), "no forced prefix by default"


def test_force_prefix_sends_the_stable_text_to_the_decoder() -> None:
    audio = tone_call([(0.5, 6.5)], total_s=8.0)
    events, requests = drive(make(force_prefix=True), audio, FakeTranscriber(chars_per_s=4.0))
    assert any(r.prefix for r in requests[1:])
    final = next(e for e in events if isinstance(e, TranscriptFinal))
    last_partial = [e for e in events if isinstance(e, TranscriptPartial)][-1]
    assert final.text.startswith(last_partial.text[: last_partial.stable])


def test_no_partials_option() -> None:
    audio = tone_call([(0.5, 3.0)], total_s=4.0)
    events, requests = drive(make(partials=False), audio, FakeTranscriber())
    assert all(r.kind == "final" for r in requests)
    assert not any(isinstance(e, TranscriptPartial) for e in events)


def test_silence_gives_nothing() -> None:
    events, requests = drive(make(), np.zeros(16000 * 30, dtype=np.float32), FakeTranscriber())
    assert events == [] and requests == []


def test_rejected_final_retracts_the_partials() -> None:
    audio = tone_call([(0.5, 3.0)], total_s=4.0)
    model = FakeTranscriber(["ご視聴ありがとうございました"])
    events, _ = drive(make(), audio, model)
    assert not any(isinstance(e, TranscriptFinal) for e in events)
    partials = [e for e in events if isinstance(e, TranscriptPartial)]
    assert partials[0].text  # something was on screen…
    assert partials[-1].text == ""  # …and the retraction clears it


def test_late_partial_after_final_is_ignored() -> None:
    rec = make(speculative_finals=False)
    model = FakeTranscriber()
    audio = tone_call([(0.5, 2.0)], total_s=3.5)
    held: list[DecodeRequest] = []
    events: list[Event] = []
    for i in range(0, len(audio), FRAME):
        for r in rec.feed(audio[i : i + FRAME]):
            if r.kind == "partial":
                held.append(r)  # never answered in time
            else:
                events += rec.receive(model.decode(r))
    assert any(isinstance(e, TranscriptFinal) for e in events)
    late = rec.receive(model.decode(held[0]))
    assert late == []


def test_skipped_partial_lets_the_stream_ask_again() -> None:
    rec = make()
    audio = tone_call([(0.5, 5.0)], total_s=6.0)
    asked = 0
    for i in range(0, len(audio), FRAME):
        for r in rec.feed(audio[i : i + FRAME]):
            if r.kind == "partial":
                asked += 1
                rec.receive(DecodeResult(request=r, skipped=True))
    assert asked >= 5
    assert rec.stats.partials_skipped == asked


def test_latency_counts_from_speech_end() -> None:
    rec = make(segmenter=SegmenterOptions(min_silence_s=0.5), speculative_finals=False)
    model = FakeTranscriber()
    audio = tone_call([(0.5, 2.0)], total_s=4.0)
    finals: list[TranscriptFinal] = []
    for i in range(0, len(audio), FRAME):
        for r in rec.feed(audio[i : i + FRAME]):
            if r.kind == "final":
                out = rec.receive(model.decode(r), now=rec.now + 0.25)
                finals += [e for e in out if isinstance(e, TranscriptFinal)]
    assert len(finals) == 1
    # min_silence (0.5 s) + the 0.25 s the decode took, within one VAD chunk.
    assert abs(finals[0].latency_s - 0.75) < 0.05


def test_audio_buffer_stays_bounded_over_a_long_call() -> None:
    rec = make()
    model = FakeTranscriber()
    bursts = [(t + 0.5, t + 3.0) for t in range(0, 600, 4)]
    audio = tone_call(bursts, total_s=600.0)
    drive(rec, audio, model)
    assert len(rec._audio) < 16000 * 20  # bounded, not the whole call


def test_speculative_final_ready_at_the_endpoint() -> None:
    rec = make(segmenter=SegmenterOptions(min_silence_s=0.5))
    model = FakeTranscriber()
    audio = tone_call([(0.5, 2.0)], total_s=4.0)
    finals: list[TranscriptFinal] = []
    kinds: list[tuple[str, bool]] = []
    for i in range(0, len(audio), FRAME):
        for r in rec.feed(audio[i : i + FRAME]):
            kinds.append((r.kind, r.speculative))
            finals += [e for e in rec.receive(model.decode(r)) if isinstance(e, TranscriptFinal)]
        finals += [e for e in rec.take_events() if isinstance(e, TranscriptFinal)]
    # One final decode, asked for 0.2 s into the pause, released at the endpoint (0.5 s).
    assert [k for k in kinds if k[0] == "final"] == [("final", True)]
    assert len(finals) == 1
    assert abs(finals[0].latency_s - 0.5) < 0.05


def test_speculation_abandoned_when_speech_resumes() -> None:
    # A 0.3 s pause: long enough to speculate, too short to end the utterance.
    rec = make(segmenter=SegmenterOptions(min_silence_s=0.5))
    model = FakeTranscriber(["ひとつめ"])
    audio = tone_call([(0.5, 2.0), (2.3, 3.5)], total_s=5.0)
    events, requests = drive(rec, audio, model)
    speculative = [r for r in requests if r.speculative]
    assert len(speculative) == 2
    finals = [e for e in events if isinstance(e, TranscriptFinal)]
    assert len(finals) == 1
    assert abs(finals[0].end - 3.5) < 0.05  # the final covers the whole utterance
