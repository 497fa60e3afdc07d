"""Versioned migrations: an empty store, and a file made before migrations existed, come up to
date; a store from a newer release is refused."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from consult_assist.errors import StoreError
from consult_assist.hub.migrations import MIGRATIONS, pending
from consult_assist.hub.record_markdown import render_markdown
from consult_assist.hub.records import build_record
from consult_assist.hub.sqlite_store import SqliteStore
from consult_assist.hub.store_open import open_store

LATEST = MIGRATIONS[-1].version
BEFORE_MIGRATIONS = Path(__file__).parents[1] / "data" / "store-6ec5afc.db"
"""A store written by the code of commit 6ec5afc (the last before migrations): two calls, one
ended, one left open as by a crash."""


def test_an_empty_store_gets_every_migration(store_location: str) -> None:
    store = open_store(store_location)
    try:
        assert store.schema_version() == LATEST
        assert store.applied == [f"{m.version}: {m.name}" for m in MIGRATIONS]  # type: ignore[attr-defined]
        assert store.sessions() == []
    finally:
        store.close()
    again = open_store(store_location)
    try:
        assert again.applied == []  # type: ignore[attr-defined]
    finally:
        again.close()


async def test_a_file_made_before_migrations_is_carried_on_with_its_calls(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    shutil.copy(BEFORE_MIGRATIONS, path)
    with SqliteStore(path) as store:
        assert store.applied == [f"{m.version}: {m.name}" for m in MIGRATIONS]
        ended, open_ = store.find("20261123-1430"), store.find("20261123-1500")
        assert (ended.end_reason, ended.last_seq, ended.node) == ("hangup", 4, "")
        assert open_.live
        markdown = render_markdown(build_record(store.events(ended.id)))
        assert "もう死にたいって思うんです" in markdown and "折り返し連絡" in markdown
        [interrupted] = await store.recover()
        assert (interrupted.session, interrupted.seq) == (open_.id, 3)
    db = sqlite3.connect(path)
    versions = [v for (v,) in db.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    assert versions == [m.version for m in MIGRATIONS]
    assert db.execute("SELECT author, text FROM notes").fetchall() == [("sato", "折り返し連絡")]
    db.close()


def test_a_store_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    SqliteStore(path).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO schema_migrations VALUES (?, 'future', '')", (LATEST + 1,))
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer than this consult-assist"):
        SqliteStore(path)


def test_pending_lists_what_a_store_lacks_in_order() -> None:
    assert [m.version for m in pending([1], "x")] == [m.version for m in MIGRATIONS[1:]]
    assert pending([m.version for m in MIGRATIONS], "x") == []
