from __future__ import annotations

import numpy as np

from consult_assist.asr.segmenter import Segmenter, SegmenterOptions, SpeechEnd, SpeechStart
from consult_assist.asr.vad import CHUNK

SEC = 16000 // CHUNK  # chunks per second, rounded down (31)


def probs(*runs: tuple[float, float]) -> np.ndarray:
    """(probability, seconds) runs -> one probability per chunk."""
    out: list[float] = []
    for p, seconds in runs:
        out += [p] * round(seconds * 16000 / CHUNK)
    return np.asarray(out, dtype=np.float32)


def run(p: np.ndarray, **kw: float) -> list[SpeechStart | SpeechEnd]:
    seg = Segmenter(SegmenterOptions(**kw))
    return seg.process(p) + seg.flush()


def test_one_utterance_ends_after_min_silence() -> None:
    events = run(probs((0.0, 1.0), (0.9, 2.0), (0.0, 1.0)), min_silence_s=0.45)
    assert [type(e) for e in events] == [SpeechStart, SpeechEnd]
    start, end = events
    assert abs(start.start / 16000 - 1.0) < 0.04
    assert isinstance(end, SpeechEnd)
    assert abs(end.end / 16000 - 3.0) < 0.04
    assert not end.split and not end.discarded


def test_end_is_reported_only_after_the_silence_has_lasted() -> None:
    seg = Segmenter(SegmenterOptions(min_silence_s=0.5))
    assert [type(e) for e in seg.process(probs((0.9, 1.0)))] == [SpeechStart]
    assert seg.process(probs((0.0, 0.4))) == []
    ends = seg.process(probs((0.0, 0.2)))
    assert len(ends) == 1 and isinstance(ends[0], SpeechEnd)


def test_short_pause_does_not_end_speech() -> None:
    events = run(probs((0.9, 1.0), (0.1, 0.3), (0.9, 1.0), (0.0, 1.0)), min_silence_s=0.45)
    assert [type(e) for e in events] == [SpeechStart, SpeechEnd]


def test_probabilities_between_thresholds_keep_speech_going() -> None:
    # 0.4 is below the start threshold but above the silence threshold (0.35).
    events = run(probs((0.9, 1.0), (0.4, 1.0), (0.0, 1.0)), min_silence_s=0.45)
    end = events[-1]
    assert isinstance(end, SpeechEnd)
    assert abs(end.end / 16000 - 2.0) < 0.04


def test_click_is_discarded() -> None:
    events = run(probs((0.0, 0.5), (0.9, 0.1), (0.0, 1.0)), min_speech_s=0.25)
    end = events[-1]
    assert isinstance(end, SpeechEnd) and end.discarded


def test_long_speech_splits_at_a_pause_after_soft_max() -> None:
    events = run(
        probs((0.9, 5.0), (0.2, 0.2), (0.9, 5.0), (0.2, 0.2), (0.9, 2.0), (0.0, 1.0)),
        soft_max_s=8.0,
        max_utterance_s=20.0,
        min_silence_s=0.45,
    )
    ends = [e for e in events if isinstance(e, SpeechEnd)]
    assert len(ends) == 2
    assert ends[0].split
    # The split lands in the second pause (the first came before the soft limit).
    assert abs(ends[0].end / 16000 - 10.2) < 0.1
    assert ends[0].end <= ends[1].start < ends[0].end + 0.3 * 16000


def test_hard_max_splits_at_the_quietest_point() -> None:
    p = probs((0.9, 6.0), (0.55, 0.1), (0.9, 6.0), (0.0, 1.0))
    events = run(p, soft_max_s=5.0, max_utterance_s=8.0, split_search_s=4.0, min_silence_s=0.45)
    ends = [e for e in events if isinstance(e, SpeechEnd)]
    assert ends[0].split
    assert abs(ends[0].end / 16000 - 6.1) < 0.1
    assert all((e.end - e.start) / 16000 <= 8.0 + 1e-6 for e in ends)


def test_flush_closes_open_utterance() -> None:
    seg = Segmenter()
    seg.process(probs((0.9, 1.0)))
    ends = seg.flush()
    assert len(ends) == 1 and isinstance(ends[0], SpeechEnd)
    assert seg.flush() == []


def test_silence_only_gives_nothing() -> None:
    assert run(probs((0.01, 30.0))) == []
