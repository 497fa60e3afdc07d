from __future__ import annotations

import numpy as np

from consult_assist.asr.decoding import DecodeKind, DecodeRequest
from consult_assist.asr.scheduler import DecodeQueue

_ids = iter(range(1, 10_000))


def req(stream: str, kind: DecodeKind, utterance: int = 0, issued_at: float = 0.0) -> DecodeRequest:
    return DecodeRequest(
        stream=stream,
        id=next(_ids),
        kind=kind,
        utterance=utterance,
        audio=np.zeros(160, dtype=np.float32),
        start=0.0,
        end=1.0,
        prefix="",
        issued_at=issued_at,
        speech_ratio=1.0,
    )


def clock(t: float):  # type: ignore[no-untyped-def]
    return lambda _stream: t


def test_finals_before_partials() -> None:
    q = DecodeQueue()
    p = req("a", "partial")
    f = req("b", "final")
    q.push(p)
    q.push(f)
    first, _ = q.pop(clock(0.0))
    second, _ = q.pop(clock(0.0))
    assert first is f and second is p


def test_finals_keep_their_order_and_are_never_dropped() -> None:
    q = DecodeQueue(max_partial_wait_s=0.1)
    finals = [req(f"s{i}", "final", issued_at=0.0) for i in range(50)]
    for f in finals:
        assert q.push(f) == []
    popped = [q.pop(clock(100.0))[0] for _ in finals]
    assert popped == finals


def test_newer_partial_supersedes_older() -> None:
    q = DecodeQueue()
    old = req("a", "partial")
    new = req("a", "partial")
    q.push(old)
    skipped = q.push(new)
    assert [s.request for s in skipped] == [old] and skipped[0].skipped
    assert q.pop(clock(0.0))[0] is new
    assert q.stats.partials_skipped == 1


def test_final_of_same_utterance_skips_queued_partial() -> None:
    q = DecodeQueue()
    p = req("a", "partial", utterance=3)
    q.push(p)
    skipped = q.push(req("a", "final", utterance=3))
    assert [s.request for s in skipped] == [p]


def test_stale_partial_skipped_under_overload() -> None:
    q = DecodeQueue(max_partial_wait_s=1.0)
    stale = req("a", "partial", issued_at=0.0)
    fresh = req("b", "partial", issued_at=4.5)
    q.push(stale)
    q.push(fresh)
    got, skipped = q.pop(clock(5.0))
    assert got is fresh
    assert [s.request for s in skipped] == [stale]
    assert q.stats.skip_reasons == {"stale": 1}


def test_partials_of_different_streams_are_served_round_robin() -> None:
    q = DecodeQueue()
    a, b = req("a", "partial"), req("b", "partial")
    q.push(a)
    q.push(b)
    assert q.pop(clock(0.0))[0] is a
    assert q.pop(clock(0.0))[0] is b
    assert q.pop(clock(0.0)) == (None, [])
