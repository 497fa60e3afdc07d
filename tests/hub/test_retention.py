"""Retention: ended calls past the limit are deleted (training ones too), never a live one.

The rule is tested pure; the deletion on both stores; the server's daily run on a real one;
and on SQLite, that a purged call's words are gone from the file and its WAL, not only from
the tables.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from hubtools import TIMEOUT, UNIT, live_server

from consult_assist.events import Sequencer, SessionEnded, SessionStarted, TranscriptFinal
from consult_assist.hub.retention import cutoff, expired, purge_expired
from consult_assist.hub.sqlite_files import SIDE_FILES
from consult_assist.hub.store import SessionRow, Store
from consult_assist.hub.store_open import open_store

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=datetime.now().astimezone().tzinfo)
WORDS = "ずっと前の相談の言葉"


def _row(session: str, ended: datetime | None, training: bool = False) -> SessionRow:
    return SessionRow(
        id=session, owner="sato", started_by="sato", training=training, source="sip",
        started_at="", ended_at=None if ended is None else ended.isoformat(timespec="seconds"),
        end_reason=None if ended is None else "hangup", duration_s=None, last_seq=2,
    )  # fmt: skip


def test_only_calls_that_ended_before_the_cutoff_are_expired_oldest_first() -> None:
    before = cutoff(NOW, 30)
    rows = [
        _row("live-since-long", None),
        _row("recent", NOW - timedelta(days=29, hours=23)),
        _row("old", NOW - timedelta(days=31)),
        _row("older-training", NOW - timedelta(days=90), training=True),
        _row("unreadable", None),
    ]
    assert [r.id for r in expired(rows, before)] == ["older-training", "old"]


async def _call(store: Store, session: str, *, ended: bool, text: str = WORDS) -> None:
    seq = Sequencer()
    await store.append(seq.stamp(SessionStarted(session=session, meta={"handler": "sato"})))
    await store.append(
        seq.stamp(
            TranscriptFinal(
                session=session, at=1.0, utterance=1, start=0.0, end=1.0, text=text,
                speaker="caller",
            )
        )
    )  # fmt: skip
    if ended:
        await store.append(seq.stamp(SessionEnded(session=session, at=2.0, reason="hangup")))


def _age(location: str, session: str, days: float) -> None:
    """Make ``session`` look as if it ended ``days`` ago (the store writes "now")."""
    when = (datetime.now().astimezone() - timedelta(days=days)).isoformat(timespec="seconds")
    if location.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(location, autocommit=True) as conn:
            conn.execute("UPDATE sessions SET ended_at = %s WHERE id = %s", (when, session))
        return
    with sqlite3.connect(location) as conn:
        conn.execute("UPDATE sessions SET ended_at = ? WHERE id = ?", (when, session))


async def test_a_purge_deletes_old_ended_calls_and_logs_each_never_a_live_one(
    store_location: str,
) -> None:
    store = open_store(store_location)
    try:
        await _call(store, "old-call", ended=True)
        await _call(store, "old-training", ended=True)
        await _call(store, "new-call", ended=True)
        await _call(store, "live-call", ended=False)
        _age(store_location, "old-call", 40)
        _age(store_location, "old-training", 400)
        now = datetime.now().astimezone()
        listed = await purge_expired(
            store, 30, now=now, by="cli:ops", role="operator", dry_run=True
        )
        assert {r.id for r in listed} == {"old-call", "old-training"}
        assert store.session("old-call") is not None  # a dry run deletes nothing
        # Even a caller that asks for a live call by name cannot delete it.
        assert await store.purge(["live-call"]) == 0
        gone = await purge_expired(store, 30, now=now, by="cli:ops", role="operator")
        assert [r.id for r in gone] == ["old-training", "old-call"]
        assert store.session("old-call") is None and store.events("old-call") == []
        assert store.session("new-call") is not None and store.session("live-call") is not None
        purges = [(e.who, e.action, e.session) for e in store.accesses()]
        assert purges == [("cli:ops", "purge", "old-training"), ("cli:ops", "purge", "old-call")]
    finally:
        await store.aclose()


async def test_purged_words_are_gone_from_the_sqlite_file_and_its_wal(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = open_store(path)
    try:
        for i in range(20):
            await _call(store, f"old-{i}", ended=True, text=f"{WORDS}{i}" + "い" * 300)
            _age(str(path), f"old-{i}", 40)
        await _call(store, "kept", ended=True, text="残す言葉")
        gone = await purge_expired(store, 30, now=datetime.now().astimezone(), by="t", role="t")
        assert len(gone) == 20
        disk = b"".join(
            p.read_bytes() for p in [path, *(Path(f"{path}{s}") for s in SIDE_FILES)] if p.exists()
        )
        assert WORDS.encode() not in disk
        assert "残す言葉".encode() in disk  # what is kept is still there to be found
    finally:
        await store.aclose()


async def test_the_server_applies_retention_days_at_start_and_daily_after(
    tmp_path: Path, root: Path
) -> None:
    path = tmp_path / "store.db"
    store = open_store(path)
    await _call(store, "ended-long-ago", ended=True)
    await _call(store, "training-long-ago", ended=True)
    await _call(store, "ended-yesterday", ended=True)
    _age(str(path), "ended-long-ago", 10)
    _age(str(path), "training-long-ago", 8)
    _age(str(path), "ended-yesterday", 1)
    await store.aclose()
    async with live_server(
        tmp_path, root, store=str(path), retention_days=7, retention_interval_s=0.2 * UNIT
    ) as server:
        hub = server.running.hub

        async def until_gone(session: str) -> None:
            while hub.store.session(session) is not None:
                await asyncio.sleep(0.05)

        await asyncio.wait_for(until_gone("ended-long-ago"), TIMEOUT)
        await asyncio.wait_for(until_gone("training-long-ago"), TIMEOUT)
        assert hub.store.session("ended-yesterday") is not None
        _age(str(path), "ended-yesterday", 7.5)  # a day later, it is past the limit
        await asyncio.wait_for(until_gone("ended-yesterday"), TIMEOUT)
        purged = [e for e in hub.store.accesses() if e.action == "purge"]
        assert {e.session for e in purged} == {
            "ended-long-ago", "training-long-ago", "ended-yesterday"
        }  # fmt: skip
        assert {(e.who, e.role) for e in purged} == {("server", "server")}
        assert json.dumps([e.detail for e in purged]).count("older than 7 days") == 3
