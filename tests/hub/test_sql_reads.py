"""The reads both store adapters share answer alike on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from consult_assist.events import Note, Sequencer, SessionEnded, SessionStarted
from consult_assist.hub.postgres_store import PostgresStore
from consult_assist.hub.sqlite_store import SqliteStore
from consult_assist.hub.store import AccessEntry

CALLS = {
    "a1": {"handler": "sato", "started_at": "2026-11-30T09:00:00+09:00"},
    "b2": {"handler": "kato", "started_at": "2026-11-30T01:00:00+00:00"},  # later, as an instant
}


async def _fill(store: Any) -> None:
    for session, meta in CALLS.items():
        seq = Sequencer()
        await store.append(seq.stamp(SessionStarted(session=session, meta=meta)))
        for n in range(3):
            await store.append(seq.stamp(Note(session=session, at=float(n), text=f"メモ{n}")))
        if session == "a1":
            await store.append(seq.stamp(SessionEnded(session=session, at=9.0, reason="hangup")))
    await store.log_access(
        AccessEntry(at=1.0, who="sato", role="handler", action="view", session="a1")
    )


def _answers(store: Any) -> dict[str, Any]:
    return {
        "session": store.session("a1"),
        "missing": store.session("zz"),
        "sessions": [r.id for r in store.sessions()],
        "live": [r.id for r in store.sessions(live_only=True)],
        "first": [r.id for r in store.sessions(limit=1)],
        "by_owner": [r.id for r in store.search(owner="kato")],
        "newest_first": [r.id for r in store.search()],
        "all_bodies": [s for s, _ in store.bodies("a1")],
        "some_bodies": [s for s, _ in store.bodies("a1", after=1, limit=2)],
        "rows": [(r.seq, r.type) for r in store.event_rows("b2", after=2)],
        "events": [e.type for e in store.events("b2")],
        "stored": [s for s, _ in store.stored_at("a1")],
        "found": store.find("b").id,
        "accesses": [(a.who, a.session) for a in store.accesses(session="a1")],
        "version": store.schema_version(),
    }


async def test_sqlite_and_postgresql_answer_the_same_reads_alike(
    tmp_path: Path, pg_url: str
) -> None:
    sqlite = SqliteStore(tmp_path / "s.db")
    postgres = PostgresStore(pg_url)
    try:
        for store in (sqlite, postgres):
            await _fill(store)
        answers = _answers(sqlite)
        assert answers["sessions"] == ["a1", "b2"]  # started_at as text, newest first
        assert answers["newest_first"] == ["b2", "a1"]  # as instants: 01:00Z is after 00:00Z
        assert answers["live"] == ["b2"] and answers["by_owner"] == ["b2"]
        assert answers["all_bodies"] == [1, 2, 3, 4, 5] and answers["some_bodies"] == [2, 3]
        assert answers["rows"] == [(3, "note"), (4, "note")]
        assert answers["found"] == "b2" and answers["missing"] is None
        assert answers["accesses"] == [("sato", "a1")]
        pg_answers = _answers(postgres)
        for key in ("session",):  # the row's node differs: SQLite has none
            assert answers.pop(key).id == pg_answers.pop(key).id
        assert pg_answers == answers
    finally:
        sqlite.close()
        await postgres.aclose()


def test_the_two_adapters_say_their_dialect() -> None:
    assert (SqliteStore.MARK, SqliteStore.ALL) == ("?", -1)
    assert (PostgresStore.MARK, PostgresStore.ALL) == ("%s", None)
