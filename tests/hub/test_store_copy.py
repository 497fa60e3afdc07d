"""``store copy``: a SQLite history with real calls moved into PostgreSQL, every record the same."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hubtools import Collector, call_frames, connect, ended, live_server, stream

from consult_assist.cli import main
from consult_assist.hub.sqlite_store import SqliteStore
from consult_assist.hub.store_copy import copy_store
from consult_assist.hub.store_open import open_store


async def _calls(tmp_path: Path, root: Path) -> tuple[Path, list[str]]:
    """A SQLite store with two real calls: transcript, alerts, a note, help and advice, acks."""
    db = tmp_path / "calls.db"
    async with live_server(tmp_path, root, store=str(db)) as server:
        sato = await connect(server.url, server.tokens["sato"])
        tanaka = await connect(server.url, server.tokens["tanaka"])
        boss = Collector(tanaka)
        await tanaka.subscribe("*")
        sessions = []
        for bursts in (3, 2):
            session = await sato.start_session(meta={"caller": "0312345678"})
            sessions.append(session)
            await stream(sato, call_frames(bursts), 0.01)
            await sato.note(session, "折り返しの電話番号を確認")
            await sato.help(session, "死にたいと言っています")
            await tanaka.advice(session, "安全の確認を先に")
            await sato.end_session(session)
            await boss.wait_for(ended(session))
        await asyncio.gather(sato.close(), tanaka.close(), boss.stop())
    return db, sessions


def _exports(store: str, sessions: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    out = []
    for session in sessions:
        for fmt in ("md", "json"):
            assert main(["records", "export", session, "--store", store, "--format", fmt]) == 0
            out.append(capsys.readouterr().out)
    return out


async def test_a_sqlite_history_copied_into_postgresql_exports_identically(
    tmp_path: Path, root: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db, sessions = await _calls(tmp_path, root)
    assert await asyncio.to_thread(main, ["store", "copy", str(db), pg_url]) == 0
    out = capsys.readouterr()
    assert "verified" in out.out and "2 sessions" in out.out and "sessions," in out.err
    assert _exports(pg_url, sessions, capsys) == _exports(str(db), sessions, capsys)
    # Run again: nothing to do, nothing doubled.
    assert await asyncio.to_thread(main, ["store", "copy", "-q", str(db), pg_url]) == 0
    assert "0 copied now" in capsys.readouterr().out
    with SqliteStore(db) as src:
        dst = open_store(pg_url)
        assert [r.to_dict() for r in dst.sessions()] == [r.to_dict() for r in src.sessions()]
        for session in sessions:
            assert dst.event_rows(session) == src.event_rows(session)  # commit times kept
        dst.close()


async def test_a_copy_stopped_half_way_resumes_without_writing_an_event_twice(
    tmp_path: Path, root: Path, pg_url: str
) -> None:
    db, sessions = await _calls(tmp_path, root)
    calls = 0

    def stop_after_two_batches(done: int, total: int, copied: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt  # the operator pressed Ctrl-C

    with SqliteStore(db) as src:
        dst = open_store(pg_url)
        with pytest.raises(KeyboardInterrupt):
            await copy_store(src, dst, progress=stop_after_two_batches, batch=5)
        half = dst.session(sorted(sessions)[0])
        assert half is not None and half.live and half.last_seq == 10  # two batches of five
        report = await copy_store(src, dst, batch=5)
        assert report.ok and report.events == report.copied + 10
        for session in sessions:
            assert dst.bodies(session) == src.bodies(session)
        await dst.aclose()


async def test_a_difference_after_the_copy_is_reported_not_hidden(
    tmp_path: Path, root: Path, pg_url: str
) -> None:
    db, sessions = await _calls(tmp_path, root)
    with SqliteStore(db) as src:
        dst = open_store(pg_url)
        await copy_store(src, dst)
        dst.connection().execute(  # type: ignore[attr-defined]
            "UPDATE events SET body = body || ' ' WHERE session = %s AND seq = 2", (sessions[1],)
        )
        report = await copy_store(src, dst)
        assert report.mismatched == [sessions[1]]
        await dst.aclose()
