"""The SQLite event store: commit before send, read back in order, recover after a crash."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from consult_assist.errors import StoreError
from consult_assist.events import (
    Advice,
    Event,
    HelpRequest,
    Note,
    Sequencer,
    SessionEnded,
    SessionStarted,
    TranscriptFinal,
)
from consult_assist.hub.sqlite_store import SqliteStore
from consult_assist.hub.store import new_session_id
from consult_assist.wire import encode_event

META = {
    "handler": "sato",
    "started_by": "kato",
    "training": True,
    "source": "file",
    "started_at": "2025-03-14T15:02:07+09:00",
}


def _open(store: SqliteStore, session: str, meta: dict[str, object] | None = None) -> Sequencer:
    seq = Sequencer()
    started = seq.stamp(SessionStarted(session=session, meta=meta or META))
    assert isinstance(started, SessionStarted)
    store.append_now(started)
    return seq


def _append(store: SqliteStore, seq: Sequencer, event: Event) -> Event:
    stamped = seq.stamp(event)
    store.append_now(stamped)
    return stamped


def test_a_session_and_its_events_read_back_in_order_as_sent(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "s.db") as store:
        seq = _open(store, "s1")
        final = _append(
            store,
            seq,
            TranscriptFinal(session="s1", at=2.0, utterance=1, start=0.5, end=1.9, text="もしもし"),
        )
        body = store.append_now(seq.stamp(Note(session="s1", at=3.0, text="メモ", by="sato")))
        assert [s for s, _ in store.bodies("s1")] == [1, 2, 3]
        assert store.bodies("s1", after=1, limit=1) == [(2, encode_event(final))]
        assert store.bodies("s1", after=2)[0][1] == body  # what append returned is what is sent
        assert [e.type for e in store.events("s1", after=1)] == ["transcript.final", "note"]
        row = store.session("s1")
        assert row is not None and row.live
        assert (row.owner, row.started_by, row.training, row.source) == (
            "sato",
            "kato",
            True,
            "file",
        )
        assert (row.last_seq, row.meta["started_at"]) == (3, META["started_at"])
        assert store.session("nope") is None


def test_an_ended_session_records_when_why_and_how_long(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "s.db") as store:
        seq = _open(store, "s1")
        _append(store, seq, SessionEnded(session="s1", at=252.4, reason="hangup"))
        row = store.session("s1")
        assert row is not None and not row.live
        assert (row.end_reason, row.duration_s, row.last_seq) == ("hangup", 252.4, 2)
        assert row.ended_at is not None and datetime.fromisoformat(row.ended_at).tzinfo is not None
        assert row.to_dict()["live"] is False
        assert store.sessions(live_only=True) == []


def test_a_reopened_file_still_holds_every_committed_event(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "s.db") as store:
        seq = _open(store, "s1")
        for n in range(20):
            _append(store, seq, Note(session="s1", at=float(n), text=f"{n}"))
    with SqliteStore(tmp_path / "s.db") as again:
        assert [s for s, _ in again.bodies("s1")] == list(range(1, 22))


def test_sessions_left_open_by_a_crash_are_ended_as_interrupted(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "s.db") as store:
        seq = _open(store, "open")
        _append(store, seq, Note(session="open", at=41.5, text="途中"))
        done = _open(store, "done")
        _append(store, done, SessionEnded(session="done", at=9.0, reason="end"))
    with SqliteStore(tmp_path / "s.db") as store:
        [ended] = store.recover_now()
        assert (ended.session, ended.seq, ended.at, ended.reason) == (
            "open",
            3,
            41.5,
            "interrupted",
        )
        assert store.events("open")[-1] == ended
        assert store.recover_now() == []  # nothing left open
        assert all(not row.live for row in store.sessions())


def test_an_event_without_a_seq_or_with_a_used_seq_is_refused(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "s.db") as store:
        _open(store, "s1")
        with pytest.raises(StoreError, match="no seq"):
            store.append_now(Note(session="s1", text="x"))
        with pytest.raises(StoreError, match="s1#1"):
            store.append_now(Note(session="s1", seq=1, text="again"))
        assert [s for s, _ in store.bodies("s1")] == [1]  # the failed transaction left nothing


def test_sessions_are_listed_newest_first_and_found_by_a_prefix(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "s.db") as store:
        for session, started in [
            ("20250314-150207-aaaa", "2025-03-14T15:02:07+09:00"),
            ("20250314-160000-bbbb", "2025-03-14T16:00:00+09:00"),
            ("20250314-160000-bbbc", "2025-03-14T16:00:00+09:00"),
        ]:
            _open(store, session, {**META, "started_at": started})
        assert [r.id for r in store.sessions(limit=2)] == [
            "20250314-160000-bbbc",
            "20250314-160000-bbbb",
        ]
        assert store.find("20250314-15").id == "20250314-150207-aaaa"
        assert store.find("20250314-160000-bbbb").id == "20250314-160000-bbbb"
        with pytest.raises(StoreError, match="several sessions"):
            store.find("20250314-16")
        with pytest.raises(StoreError, match="no session"):
            store.find("2024")


def test_notes_help_requests_and_advice_can_be_read_with_plain_sqlite(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "s.db") as store:
        seq = _open(store, "s1")
        _append(store, seq, HelpRequest(session="s1", at=5.0, reason="無言", by="sato"))
        _append(store, seq, Advice(session="s1", at=6.0, text="待って", by="tanaka"))
        _append(store, seq, Note(session="s1", at=7.0, text="メモ", by="sato"))
    db = sqlite3.connect(tmp_path / "s.db")
    assert db.execute("SELECT author, reason FROM help_requests").fetchall() == [("sato", "無言")]
    assert db.execute("SELECT author, text FROM advice").fetchall() == [("tanaka", "待って")]
    assert db.execute("SELECT seq, text FROM notes").fetchall() == [(4, "メモ")]
    db.close()


def test_a_store_that_cannot_be_opened_says_so_in_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(StoreError, match="cannot open the store"):
        SqliteStore(tmp_path / "taken")


def test_session_ids_are_readable_and_sortable() -> None:
    first = new_session_id(datetime(2026, 11, 23, 14, 30, 12))
    assert first.startswith("20261123-143012-") and len(first) == len("20261123-143012-7f3a09c2")
    assert new_session_id(datetime(2026, 11, 23, 14, 30, 13)) > first


def test_a_session_id_already_taken_is_never_given_again(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter(["7f3a09c2", "7f3a09c2", "00c0ffee"])
    monkeypatch.setattr("consult_assist.hub.store.secrets.token_hex", lambda n: next(draws))
    when = datetime(2026, 11, 23, 14, 30, 12)
    first = new_session_id(when)
    assert first == "20261123-143012-7f3a09c2"
    assert new_session_id(when, taken={first}) == "20261123-143012-00c0ffee"
