from __future__ import annotations

import itertools

import numpy as np

from consult_assist.asr.decoding import DecodeKind, DecodeRequest
from consult_assist.asr.scheduler import DecodeScheduler, SchedulerOptions, failed_batch

_ids = itertools.count(1)


def req(
    stream: str,
    kind: DecodeKind,
    utterance: int = 0,
    issued_at: float = 0.0,
    *,
    session: str = "",
    speculative: bool = False,
) -> DecodeRequest:
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
        speculative=speculative,
        session=session,
    )


def clock(t: float):  # type: ignore[no-untyped-def]
    return lambda _stream: t


def test_finals_come_before_partials_and_are_not_batched_with_them() -> None:
    q = DecodeScheduler()
    p = req("a", "partial")
    f = req("b", "final")
    q.push(p)
    q.push(f)
    assert q.take(0.0, clock(0.0)) == ([f], [])
    assert q.take(0.0, clock(0.0)) == ([p], [])
    assert q.take(0.0, clock(0.0)) == ([], [])


def test_a_lone_request_is_taken_at_once_as_a_batch_of_one() -> None:
    q = DecodeScheduler(SchedulerOptions(max_batch=8))
    f = req("a", "final")
    q.push(f)
    assert q.take(0.0, clock(0.0))[0] == [f]
    assert q.stats.batch_sizes == {1: 1}


def test_batch_cap_is_respected_and_finals_are_never_dropped() -> None:
    q = DecodeScheduler(SchedulerOptions(max_batch=4, max_partial_wait_s=0.1))
    finals = [req(f"s{i}", "final", session=f"c{i}") for i in range(10)]
    for f in finals:
        assert q.push(f) == []
    batches = []
    while batch := q.take(100.0, clock(100.0))[0]:
        batches.append(batch)
    assert [len(b) for b in batches] == [4, 4, 2]
    assert [f for b in batches for f in b] == finals  # each call's finals in order, none lost
    assert q.stats.batch_sizes == {4: 2, 2: 1}


def test_a_flooding_call_cannot_starve_the_others() -> None:
    q = DecodeScheduler(SchedulerOptions(max_batch=4))
    flood = [req("loud/0", "final", utterance=i, session="loud") for i in range(100)]
    for f in flood:
        q.push(f)
    quiet = [req(f"q{i}/0", "final", session=f"q{i}") for i in range(3)]
    for f in quiet:
        q.push(f)
    first = q.take(0.0, clock(0.0))[0]
    # One place per call and round: the three quiet calls' finals all run in the first batch.
    assert set(quiet) <= set(first)
    assert [r for r in first if r.call == "loud"] == flood[:1]
    rest = []
    while batch := q.take(0.0, clock(0.0))[0]:
        rest.extend(batch)
    assert [r for r in first + rest if r.call == "loud"] == flood  # in order, every one


def test_partials_of_a_flooding_call_do_not_crowd_out_other_calls() -> None:
    q = DecodeScheduler(SchedulerOptions(max_batch=2))
    for i in range(6):
        q.push(req(f"loud/{i}", "partial", session="loud"))
    quiet = req("quiet/0", "partial", session="quiet")
    q.push(quiet)
    first = q.take(0.0, clock(0.0))[0]
    assert quiet in first
    second = q.take(1.0, clock(0.0))[0]
    assert len(second) == 2 and all(r.call == "loud" for r in second)
    # The quiet call asks again: it was served less recently than "loud", so it goes first.
    again = req("quiet/0", "partial", session="quiet")
    q.push(again)
    assert again in q.take(2.0, clock(0.0))[0]


def test_newer_partial_supersedes_older() -> None:
    q = DecodeScheduler()
    old = req("a", "partial")
    new = req("a", "partial")
    q.push(old)
    skipped = q.push(new)
    assert [s.request for s in skipped] == [old] and skipped[0].skipped
    assert q.take(0.0, clock(0.0))[0] == [new]
    assert q.stats.partials_skipped == 1


def test_final_of_same_utterance_skips_queued_partial() -> None:
    q = DecodeScheduler()
    p = req("a", "partial", utterance=3)
    q.push(p)
    skipped = q.push(req("a", "final", utterance=3))
    assert [s.request for s in skipped] == [p]


def test_a_newer_speculative_final_supersedes_a_waiting_older_one() -> None:
    q = DecodeScheduler()
    old = req("a", "final", utterance=1, speculative=True)
    other = req("b", "final", utterance=1, speculative=True)
    q.push(old)
    q.push(other)
    new = req("a", "final", utterance=1, speculative=True)
    skipped = q.push(new)
    assert [s.request for s in skipped] == [old] and skipped[0].skipped
    assert set(q.take(0.0, clock(0.0))[0]) == {other, new}
    # A real (not speculative) final is never superseded.
    real = req("a", "final", utterance=2)
    q.push(real)
    assert q.push(req("a", "final", utterance=2, speculative=True)) == []


def test_stale_partial_skipped_under_overload() -> None:
    q = DecodeScheduler(SchedulerOptions(max_partial_wait_s=1.0))
    stale = req("a", "partial", issued_at=0.0)
    fresh = req("b", "partial", issued_at=4.5)
    q.push(stale)
    q.push(fresh)
    batch, skipped = q.take(5.0, clock(5.0))
    assert batch == [fresh]
    assert [s.request for s in skipped] == [stale]
    assert q.stats.skip_reasons == {"stale": 1}


def test_a_failed_batch_answers_every_request_with_an_error() -> None:
    q = DecodeScheduler()
    finals = [req(f"s{i}", "final", session=f"c{i}") for i in range(3)]
    for f in finals:
        q.push(f)
    batch, _ = q.take(0.0, clock(0.0))
    mark = q.begin(0.0)
    results = failed_batch(batch, "RuntimeError: boom")
    q.end(mark, 0.5, ok=False)
    assert [r.request for r in results] == finals
    assert all(r.error == "RuntimeError: boom" and not r.text for r in results)
    assert q.stats.failed_batches == 1


def test_load_is_the_busy_share_of_recent_worker_time() -> None:
    q = DecodeScheduler(SchedulerOptions(load_window_s=2.0), workers=1)
    assert q.load(10.0) == 0.0
    q.end(q.begin(9.0), 9.5)
    assert q.load(10.0) == 0.25
    mark = q.begin(10.0)  # in flight: counts up to now
    assert q.load(11.0) == 0.75
    q.end(mark, 12.0)
    assert q.load(14.5) == 0.0  # forgotten after the window


def test_pace_relaxed_when_idle_stretched_under_load_and_while_a_final_waits() -> None:
    opts = SchedulerOptions(
        load_window_s=1.0, relaxed_load=0.5, full_load=0.9, max_partial_scale=2.0
    )
    q = DecodeScheduler(opts)
    idle = q.pace(5.0)
    assert idle.partial_scale == 1.0 and idle.speculative_finals
    q.end(q.begin(4.3), 5.0)  # 70 % busy
    half = q.pace(5.0)
    assert 1.0 < half.partial_scale < 2.0 and not half.speculative_finals
    q.end(q.begin(5.0), 6.0)
    assert q.pace(6.0).partial_scale == 2.0
    later = DecodeScheduler(opts)
    later.push(req("a", "final"))
    waiting = later.pace(0.0)
    assert waiting.load >= 1.0 and waiting.partial_scale == 2.0


def test_drain_answers_finals_with_an_error_and_skips_partials() -> None:
    q = DecodeScheduler()
    f, p = req("a", "final"), req("b", "partial")
    q.push(f)
    q.push(p)
    results = {r.request.id: r for r in q.drain("stopping")}
    assert results[f.id].error == "stopping" and results[p.id].skipped
    assert len(q) == 0
