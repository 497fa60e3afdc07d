"""``records purge``, ``records audit`` and the mode and access-log line of ``records export``."""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from consult_assist.cli import main
from consult_assist.cli.recordkeeping import parse_since
from consult_assist.errors import ConfigError
from consult_assist.events import Sequencer, SessionEnded, SessionStarted, TranscriptFinal
from consult_assist.hub.sqlite_store import SqliteStore


def _call(db: Path, session: str, *, ended_days_ago: float | None, training: bool = False) -> None:
    seq = Sequencer()
    with SqliteStore(db) as store:
        meta = {"handler": "sato", "training": training}
        store.append_now(seq.stamp(SessionStarted(session=session, meta=meta)))
        store.append_now(
            seq.stamp(
                TranscriptFinal(
                    session=session, at=1.0, utterance=1, start=0.0, end=1.0,
                    text="もう死にたいって思うんです", speaker="caller",
                )
            )
        )  # fmt: skip
        if ended_days_ago is None:
            return
        store.append_now(seq.stamp(SessionEnded(session=session, at=2.0, reason="hangup")))
    when = datetime.now().astimezone() - timedelta(days=ended_days_ago)
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE sessions SET ended_at = ? WHERE id = ?",
            (when.isoformat(timespec="seconds"), session),
        )


def test_purge_dry_run_lists_then_purge_deletes_old_calls_only(tmp_path: Path, capsys) -> None:
    db = tmp_path / "s.db"
    _call(db, "20260101-100000-aaaa", ended_days_ago=100)
    _call(db, "20260102-100000-bbbb", ended_days_ago=95, training=True)
    _call(db, "20261120-100000-cccc", ended_days_ago=3)
    _call(db, "20260101-090000-dddd", ended_days_ago=None)  # live (or left open) since long
    assert main(["records", "purge", "--older-than", "90", "--dry-run", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("would delete 2 calls that ended before ")
    assert "aaaa" in out and "bbbb" in out and "研修" in out and "cccc" not in out
    assert "dddd" not in out and "nothing was deleted" in out
    with SqliteStore(db) as store:
        assert len(store.sessions()) == 4
    assert main(["records", "purge", "--older-than", "90", "--db", str(db)]) == 0
    assert capsys.readouterr().out.startswith("deleted 2 calls")
    with SqliteStore(db) as store:
        assert sorted(r.id[-4:] for r in store.sessions()) == ["cccc", "dddd"]
    assert main(["records", "audit", "--db", str(db)]) == 0
    audit = capsys.readouterr().out.splitlines()
    assert audit[0].split() == ["WHEN", "WHO", "ROLE", "ACTION", "SESSION", "DETAIL"]
    who = f"cli:{getpass.getuser()}"
    assert [line.split()[1:4] for line in audit[1:]] == [[who, "operator", "purge"]] * 2


def test_export_writes_a_0600_file_and_the_audit_shows_who_exported_it(
    tmp_path: Path, capsys
) -> None:
    db = tmp_path / "s.db"
    _call(db, "20261123-143000-abcd", ended_days_ago=0)
    out = tmp_path / "record.md"
    out.write_text("old")
    out.chmod(0o644)
    old = os.umask(0)
    try:
        for target in (out, tmp_path / "new.json"):
            fmt = "json" if target.suffix == ".json" else "md"
            argv = ["records", "export", "20261123", "--db", str(db), "-o", str(target)]
            assert main([*argv, "--format", fmt]) == 0
            assert stat.S_IMODE(target.stat().st_mode) == 0o600
    finally:
        os.umask(old)
    assert "死にたい" in out.read_text(encoding="utf-8")
    capsys.readouterr()
    argv = ["records", "audit", "--session", "20261123", "--json", "--db", str(db)]
    assert main(argv) == 0
    lines = json.loads(capsys.readouterr().out)
    assert [(e["action"], e["session"], e["role"]) for e in lines] == [
        ("export", "20261123-143000-abcd", "operator")
    ] * 2
    assert lines[0]["detail"] == f"md to {out}"
    assert main(["records", "audit", "--since", "2099-01-01", "--db", str(db)]) == 0
    assert capsys.readouterr().out == "no access recorded\n"


def test_since_takes_a_date_a_time_or_days_and_refuses_the_rest() -> None:
    now = datetime(2026, 11, 30, 12, 0).astimezone()
    assert parse_since("7d", now=now) == datetime(2026, 11, 23).astimezone()  # from midnight
    assert parse_since("today", now=now) == datetime(2026, 11, 30).astimezone()
    assert parse_since("2026-11-23", now=now) == datetime(2026, 11, 23).astimezone()
    assert parse_since("2026-11-23T14:30+09:00") == datetime.fromisoformat("2026-11-23T14:30+09:00")
    with pytest.raises(ConfigError, match="--since wants"):
        parse_since("last week")


def test_an_encrypted_store_needs_its_key_for_every_records_command(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "store.key"
    key.write_text("a long enough passphrase for tests\n")
    key.chmod(0o600)
    db = tmp_path / "s.db"
    with SqliteStore(db, key_file=key) as store:
        seq = Sequencer()
        store.append_now(seq.stamp(SessionStarted(session="20261123-143000-abcd", meta={})))
    assert main(["records", "list", "--db", str(db)]) == 1
    assert "give --store-key-file" in capsys.readouterr().err
    assert main(["records", "list", "--db", str(db), "--store-key-file", str(key)]) == 0
    assert "20261123-143000-abcd" in capsys.readouterr().out
    monkeypatch.setenv("CONSULT_ASSIST_STORE_KEY_FILE", str(key))
    assert main(["records", "audit", "--db", str(db)]) == 0
