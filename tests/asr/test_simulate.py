from __future__ import annotations

import numpy as np

from consult_assist.asr.recognizer import RecognizerOptions, StreamingRecognizer
from consult_assist.asr.simulate import SimulationStats, simulate
from consult_assist.events import ErrorEvent, TranscriptFinal, TranscriptPartial
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


def quiet_recognizer(stream: str, session: str = "") -> StreamingRecognizer:
    """Finals only, none speculative: the request's timing is the endpoint's."""
    options = RecognizerOptions(partials=False, speculative_finals=False)
    return StreamingRecognizer(session or stream, EnergyDetector(), options=options, stream=stream)


def test_a_lone_call_pays_nothing_for_batching() -> None:
    audio = tone_call([(0.5, 2.0), (3.0, 4.5), (5.5, 7.0)], total_s=8.0)
    model = FakeTranscriber(compute_s=0.3, final_compute_s=0.4)
    stats = SimulationStats()
    events = list(simulate([(quiet_recognizer("a"), audio)], model, stats=stats))
    finals = [e for e in events if isinstance(e, TranscriptFinal)]
    assert len(finals) == 3 and stats.batch_sizes == {1: 3}
    # Each final starts the moment the endpoint asks for it: endpoint wait plus its compute.
    for final in finals:
        assert abs(final.latency_s - (0.45 + 0.4)) <= 0.05


def test_several_calls_at_once_share_batches_and_every_final_arrives() -> None:
    bursts = [(t + 0.3, t + 1.8) for t in range(0, 15, 3)]
    audio = tone_call(bursts, total_s=16.0)
    model = FakeTranscriber(compute_s=0.3, final_compute_s=0.6, batch_item_s=0.05)
    stats = SimulationStats()
    streams = [(quiet_recognizer(f"c{i}/0", f"c{i}"), audio) for i in range(6)]
    events = list(simulate(streams, model, stats=stats, starts=[0.05 * i for i in range(6)]))
    finals = [e for e in events if isinstance(e, TranscriptFinal)]
    assert sorted(f.session for f in finals) == sorted(f"c{i}" for i in range(6) for _ in bursts)
    assert max(stats.batch_sizes) > 1  # one final alone would queue them: they were batched
    assert stats.decodes == sum(n * k for k, n in stats.batch_sizes.items())
    # Batched, six calls' finals cost ~0.6 + 5 × 0.05 s: far below six finals one by one.
    assert max(f.latency_s for f in finals) < 0.45 + 6 * 0.6


def test_staggered_calls_keep_their_own_clock() -> None:
    audio = tone_call([(0.5, 2.0)], total_s=3.0)
    model = FakeTranscriber(compute_s=0.1)
    streams = [(quiet_recognizer("early"), audio), (quiet_recognizer("late"), audio)]
    events = list(simulate(streams, model, starts=[0.0, 10.0]))
    finals = {e.session: e for e in events if isinstance(e, TranscriptFinal)}
    assert finals["early"].start == finals["late"].start  # the same audio, each on its clock
    assert abs(finals["early"].latency_s - finals["late"].latency_s) < 1e-9
    assert [e.session for e in events if isinstance(e, TranscriptFinal)] == ["early", "late"]


def test_a_failed_batch_becomes_an_error_event_for_each_of_its_requests() -> None:
    class Broken(FakeTranscriber):
        def decode_batch(self, requests):  # type: ignore[no-untyped-def]
            if any(r.kind == "final" for r in requests):
                raise RuntimeError("out of memory")
            return super().decode_batch(requests)

    audio = tone_call([(0.5, 2.0)], total_s=3.0)
    streams = [(quiet_recognizer(f"c{i}"), audio) for i in range(3)]
    events = list(simulate(streams, Broken(compute_s=0.2)))
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert sorted(e.session for e in errors) == ["c0", "c1", "c2"]
    assert {e.code for e in errors} == {"asr.decode_failed"}
    assert not [e for e in events if isinstance(e, TranscriptFinal)]


def test_under_load_partials_come_less_often_and_finals_are_not_speculated() -> None:
    bursts = [(t + 0.3, t + 4.3) for t in range(0, 30, 5)]
    audio = tone_call(bursts, total_s=31.0)

    def run(streams: int, compute_s: float) -> list[StreamingRecognizer]:
        model = FakeTranscriber(compute_s=compute_s, final_compute_s=compute_s)
        recs = [recognizer(f"s{i}") for i in range(streams)]
        list(simulate([(r, audio) for r in recs], model))
        return recs

    idle = run(1, 0.02)
    busy = run(6, 0.4)
    assert all(r.stats.partial_requests < 0.9 * idle[0].stats.partial_requests for r in busy)
    assert idle[0].stats.speculative_requests >= len(bursts)
    assert sum(r.stats.speculative_requests for r in busy) == 0


def test_a_call_starting_between_two_frames_is_fed_from_its_first_sample() -> None:
    audio = tone_call([(0.31, 1.9), (2.6, 3.3)], total_s=4.0)

    def finals(start: float) -> list[tuple[float, float, int]]:
        model = FakeTranscriber(compute_s=0.1)
        list(simulate([(quiet_recognizer("a"), audio)], model, starts=[start]))
        return [(r.start, r.end, len(r.audio)) for r in model.requests if r.kind == "final"]

    assert finals(0.0133) == finals(0.0) == finals(7.0)
