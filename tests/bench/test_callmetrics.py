"""``bench capacity``'s numbers of a step and its knee, from traces (no model, no server)."""

from __future__ import annotations

from consult_assist.bench.callmetrics import (
    CallTrace,
    find_knee,
    length_class,
    pct,
    summarize_step,
)
from consult_assist.events import ErrorEvent, TranscriptFinal, TranscriptPartial


def final(utt: int, start: float, end: float, text: str, latency: float) -> TranscriptFinal:
    return TranscriptFinal(
        session="s", utterance=utt, start=start, end=end, text=text, latency_s=latency
    )


def partial(utt: int, start: float, text: str) -> TranscriptPartial:
    return TranscriptPartial(session="s", utterance=utt, start=start, end=start + 1, text=text)


def trace() -> CallTrace:
    t = CallTrace("call", reference="もしもしこんにちは", audio_s=10.0, started=100.0)
    t.events = [
        (101.0, partial(0, 0.5, "もし")),
        (101.8, partial(0, 0.5, "もしも")),
        (103.0, final(0, 0.5, 2.0, "もしもし", 0.9)),
        (104.5, partial(1, 4.0, "こん")),
        (106.1, final(1, 4.0, 5.5, "こんにちわ", 0.5)),  # one character wrong
        (106.2, ErrorEvent(session="s", code="asr.partial_failed", message="x")),
    ]
    return t


def test_a_step_reports_latency_cadence_screen_gaps_and_cer() -> None:
    step = summarize_step(
        2, [trace()], wall_s=12.0, compute_s=2.5, batch_sizes={1: 3, 2: 1}, cpu_s=4.0
    )
    assert step["final_latency_s"] == {"p50": 0.7, "p95": 0.88, "max": 0.9}
    # As the client saw them: arrival − (audio start + speech end).
    assert step["final_latency_observed_s"]["p50"] == 0.8  # 1.0 and 0.6
    assert step["partial_interval_s"]["p50"] == 0.8
    # Utterance 0: speech start 100.5 → 101.0 → 101.8 → 103.0; utterance 1: 104.0 → 104.5 →
    # 106.1. The longest the handler looked at unchanged text: 1.6 s.
    assert step["screen_gap_s"]["max"] == 1.6
    assert step["cer"] == round(1 / 9, 4)
    assert step["error_events"] == 1
    assert step["batch_sizes"] == {"1": 3, "2": 1} and step["mean_batch"] == 1.25
    assert step["compute_per_audio_s"] == 0.25 and step["server_cpu_per_audio_s"] == 0.4
    # Both utterances last 1.5 s: the short class holds both finals, the others none.
    by_length = step["final_latency_by_length_s"]
    assert by_length["under_4s"] == {"finals": 2, "p50": 0.7, "p95": 0.88}
    assert by_length["over_8s"] == {"finals": 0, "p50": None, "p95": None}


def test_utterance_lengths_fall_in_one_class_each() -> None:
    assert [length_class(s) for s in (0.5, 3.99, 4.0, 7.9, 8.0, 14.0)] == [
        "under_4s",
        "under_4s",
        "4_to_8s",
        "4_to_8s",
        "over_8s",
        "over_8s",
    ]


def test_the_knee_is_the_largest_n_within_latency_and_cer() -> None:
    def step(n: int, p95: float, cer: float) -> dict[str, object]:
        return {"calls": n, "final_latency_s": {"p95": p95}, "cer": cer}

    steps = [
        step(1, 0.8, 0.100),
        step(2, 0.9, 0.105),
        step(4, 1.2, 0.108),
        step(6, 1.4, 0.115),  # CER 1.5 points above N=1: not within
        step(8, 2.0, 0.100),
    ]
    assert find_knee(steps, p95_limit_s=1.5, cer_margin_points=1.0) == 4
    assert find_knee(steps, p95_limit_s=1.5, cer_margin_points=2.0) == 6
    assert find_knee(steps[:1], p95_limit_s=0.5, cer_margin_points=1.0) is None
    assert find_knee([], p95_limit_s=1.5, cer_margin_points=1.0) is None


def test_percentiles_of_nothing_are_none() -> None:
    assert pct([], 95) is None
    assert pct([1.0, 2.0], 50) == 1.5
