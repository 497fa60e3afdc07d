"""Similar past calls in the risk sheet: ranked by content and risk profile, and named only
where every reader of the current call may see them (docs/risk.md §11)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from consult_assist.events import Event, Note, SessionEnded, SessionStarted, TranscriptFinal
from consult_assist.hub.access import SessionAccess, may_list_similar
from consult_assist.hub.similar_calls import SimilarCalls
from consult_assist.hub.sqlite_store import SqliteStore
from consult_assist.risk.feed import RiskFeed
from consult_assist.risk.model import RiskModel

ROOT = Path(__file__).resolve().parents[2]
MODEL = RiskModel.load(ROOT / "manuals")


def _store_call(
    store: SqliteStore, session: str, handler: str, said: list[str], *, training: bool = False
) -> None:
    """A whole call through the risk feed into the store, as the hub would keep it."""
    feed = RiskFeed(MODEL)
    meta = {
        "handler": handler,
        "started_by": handler,
        "training": training,
        "source": "mic",
        "started_at": "2026-04-30T21:00:00+09:00",
    }
    events: list[Event] = [SessionStarted(session=session, at=0.0, meta=meta)]
    feed.feed(events[0])
    for number, text in enumerate(said):
        final = TranscriptFinal(
            session=session,
            at=5.0 * number,
            utterance=number,
            start=5.0 * number,
            end=5.0 * number + 3,
            text=text,
            speaker="caller",
        )
        events += [final, *feed.feed(final)]
    events.append(
        Note(session=session, at=60.0, text=f"{handler}のメモ: 翌朝に安全確認", by=handler)
    )
    events.append(SessionEnded(session=session, at=61.0, reason="hangup"))
    for seq, event in enumerate(events, start=1):
        store.append_now(dataclasses.replace(event, seq=seq))


def _sheet_and_words(*said: str):  # type: ignore[no-untyped-def]
    assessor = MODEL.assessor()
    for number, text in enumerate(said):
        assessor.observe(
            TranscriptFinal(
                session="now",
                at=number,
                utterance=number,
                start=number,
                end=number,
                text=text,
                speaker="caller",
            )
        )
    return assessor.assessment(), " ".join(said)


def _fill(store: SqliteStore) -> None:
    _store_call(
        store, "old-sato-1", "佐藤", ["隣の子がベランダに出されて、夜中にずっと泣いてるんです。"]
    )
    _store_call(store, "old-sato-2", "佐藤", ["お金がなくて、家賃が払えないんです。"])
    _store_call(store, "old-suzuki", "鈴木", ["ベランダに出されて泣いてる子がいるんです。"])
    _store_call(
        store, "old-training", "佐藤", ["ベランダに出されて泣いてるんです。"], training=True
    )


def test_a_handler_is_shown_only_their_own_earlier_real_calls_closest_first(
    tmp_path: Path,
) -> None:
    with SqliteStore(tmp_path / "s.db") as store:
        _fill(store)
        similar = SimilarCalls(store, MODEL.label)
        similar.load()
        assert len(similar.index) == 3  # the training call is never indexed
        sheet, words = _sheet_and_words("マンションの隣の子が、ベランダに出されて泣いています。")
        meta = {"handler": "佐藤", "started_by": "佐藤", "training": False}
        found = similar(meta, "now", sheet, words)
    assert found and found[0].session == "old-sato-1"
    assert {c.session for c in found} <= {"old-sato-1", "old-sato-2"}
    first = found[0]
    assert first.tier == "集中的援助" and first.date == "2026-04-30"
    assert "佐藤のメモ" in first.notes[0]


def test_a_training_call_gets_no_similar_calls(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "t.db") as store:
        _fill(store)
        similar = SimilarCalls(store, MODEL.label)
        similar.load()
        sheet, words = _sheet_and_words("ベランダに出されて泣いています。")
        meta = {"handler": "佐藤", "started_by": "trainer1", "training": True}
        assert similar(meta, "now", sheet, words) == ()


def test_the_access_rule() -> None:
    now = SessionAccess("now", "佐藤", "佐藤", False)
    assert may_list_similar(now, SessionAccess("a", "佐藤", "佐藤", False))
    assert not may_list_similar(now, SessionAccess("b", "鈴木", "鈴木", False))
    assert not may_list_similar(now, SessionAccess("c", "佐藤", "佐藤", True))
    assert not may_list_similar(now, SessionAccess("now", "佐藤", "佐藤", False))
    # A call a trainer started for a handler is read by both: neither's other calls are named.
    replay = SessionAccess("r", "佐藤", "trainer1", True)
    assert not may_list_similar(replay, SessionAccess("a", "佐藤", "佐藤", False))
    assert not may_list_similar(
        SessionAccess("x", "", "", False), SessionAccess("a", "佐藤", "佐藤", False)
    )


async def test_a_call_that_ends_joins_the_index(tmp_path: Path, unit: float) -> None:
    with SqliteStore(tmp_path / "d.db") as store:
        similar = SimilarCalls(store, MODEL.label)
        similar.load()
        assert len(similar.index) == 0
        _store_call(store, "new-1", "佐藤", ["夫が酒を飲むと暴れるんです。"])
        feed = RiskFeed(MODEL, similar, similar.call_ended)
        feed.feed(Note(session="new-1", text="x"))
        assert similar.rebuilding is None  # only the end of a call rebuilds
        feed.feed(SessionEnded(session="new-1", at=61.0))
        assert similar.rebuilding is not None
        await asyncio.wait_for(similar.rebuilding, 5 * unit)
        await asyncio.sleep(0)  # the swap runs as the future's callback
        assert [c.session for c in similar.index.calls.values()] == ["new-1"]
