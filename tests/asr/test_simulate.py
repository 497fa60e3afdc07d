from __future__ import annotations

import numpy as np

from consult_assist.asr.recognizer import RecognizerOptions, StreamingRecognizer
from consult_assist.asr.simulate import SimulationStats, simulate
from consult_assist.events import TranscriptFinal, TranscriptPartial
from consult_assist.testing import EnergyDetector, FakeTranscriber, tone_call


def recognizer(stream: str, *, speculative: bool = True) -> StreamingRecognizer:
    options = RecognizerOptions(speculative_finals=speculative)
    return StreamingRecognizer(stream, EnergyDetector(), options=options)


def test_latency_includes_compute_and_queueing() -> None:
    audio = tone_call([(0.5, 3.0)], total_s=5.0)
    model = FakeTranscriber(compute_s=0.3, final_compute_s=0.4)
    stats = SimulationStats()
    events = list(simulate([(recognizer("a", speculative=False), audio)], model, stats=stats))
    final = next(e for e in events if isinstance(e, TranscriptFinal))
    # Endpoint after 0.45 s of silence, then at most one partial (0.3 s) ahead of the final
    # (0.4 s) on the single worker.
    assert 0.45 + 0.4 - 0.05 <= final.latency_s <= 0.45 + 0.3 + 0.4 + 0.05
    assert stats.decodes == len(model.requests)
    assert (
        abs(stats.compute_s - sum(0.4 if r.kind == "final" else 0.3 for r in model.requests)) < 1e-9
    )


def test_events_come_out_in_order_of_call_time() -> None:
    audio = tone_call([(0.5, 3.0), (4.0, 6.0)], total_s=7.0)
    events = list(simulate([(recognizer("a"), audio)], FakeTranscriber(compute_s=0.2)))
    times = [e.at for e in events]
    assert times == sorted(times)


def test_slow_model_skips_partials_but_never_finals() -> None:
    bursts = [(t + 0.3, t + 2.3) for t in range(0, 30, 3)]
    audio = tone_call(bursts, total_s=31.0)
    model = FakeTranscriber(compute_s=1.5, final_compute_s=0.5)
    recs = [(recognizer(f"s{i}"), audio) for i in range(3)]
    events = list(simulate(recs, model))
    finals = [e for e in events if isinstance(e, TranscriptFinal)]
    assert len(finals) == 3 * len(bursts)
    partial_reqs = [r for r in model.requests if r.kind == "partial"]
    asked = sum(rec.stats.partial_requests for rec, _ in recs)
    assert len(partial_reqs) < asked  # some were skipped under load


def test_each_decision_uses_only_audio_available_then() -> None:
    audio = tone_call([(0.5, 4.0)], total_s=5.0)
    model = FakeTranscriber(compute_s=0.25)
    list(simulate([(recognizer("a"), audio)], model))
    for r in model.requests:
        assert r.start * 16000 + len(r.audio) <= r.issued_at * 16000 + 0.2 * 16000 + 1
    partials = [
        e for e in simulate([(recognizer("b"), audio)], model) if isinstance(e, TranscriptPartial)
    ]
    assert all(p.at >= p.end for p in partials)


def test_empty_input() -> None:
    assert (
        list(simulate([(recognizer("a"), np.zeros(0, dtype=np.float32))], FakeTranscriber())) == []
    )


def test_speculative_final_hides_compute_behind_the_endpoint_wait() -> None:
    audio = tone_call([(0.5, 3.0)], total_s=5.0)
    model = FakeTranscriber(compute_s=0.3, final_compute_s=0.4)
    events = list(simulate([(recognizer("a"), audio)], model))
    final = next(e for e in events if isinstance(e, TranscriptFinal))
    # Asked 0.2 s into the pause, 0.4 s of compute: ready at ~0.6 s instead of 0.85 s.
    assert 0.45 - 0.05 <= final.latency_s <= 0.2 + 0.4 + 0.3 + 0.05
    assert final.latency_s < 0.45 + 0.4
