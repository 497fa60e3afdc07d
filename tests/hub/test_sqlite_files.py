"""The SQLite store at rest (issue 12, row 7 and row 15): file modes, encryption, quick_check.

Every test works on a real file; modes are checked under a umask that would let anyone read.
"""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from consult_assist.errors import ConfigError, StoreError
from consult_assist.events import Sequencer, SessionEnded, SessionStarted, TranscriptFinal
from consult_assist.hub.sqlite_files import SIDE_FILES
from consult_assist.hub.sqlite_store import SqliteStore
from consult_assist.hub.store import default_db_path

WORDS = "もう死にたいって思うんです"


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask of 000: whatever is created is 0777/0666 unless the code says otherwise."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _call(store: SqliteStore, session: str = "20261123-143000-abcd", finals: int = 3) -> None:
    seq = Sequencer()
    store.append_now(seq.stamp(SessionStarted(session=session, meta={"handler": "sato"})))
    for i in range(finals):
        store.append_now(
            seq.stamp(
                TranscriptFinal(
                    session=session, at=float(i), utterance=i + 1, start=i, end=i + 0.5,
                    text=f"{WORDS} {i} " + "あ" * 200, speaker="caller",
                )
            )
        )  # fmt: skip
    store.append_now(seq.stamp(SessionEnded(session=session, at=float(finals), reason="hangup")))


def _key(path: Path, text: str = "correct horse battery staple 42") -> Path:
    path.write_text(text + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def test_a_new_store_is_the_owners_alone_whatever_the_umask(tmp_path: Path, open_umask) -> None:
    folder = tmp_path / "data" / "consult-assist"
    with SqliteStore(folder / "store.db") as store:
        _call(store)
        present = [Path(f"{folder / 'store.db'}{s}") for s in SIDE_FILES]
        present = [p for p in present if p.exists()]
        assert any(p.name.endswith("-wal") for p in present)  # the side files exist now
        assert _mode(folder / "store.db") == 0o600
        assert all(_mode(p) == 0o600 for p in present), {p.name: oct(_mode(p)) for p in present}
    assert _mode(folder) == 0o700
    assert _mode(folder.parent) == 0o700  # created by us too


def test_a_store_left_readable_by_others_is_tightened_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "store.db"
    with SqliteStore(path) as store:
        _call(store)
    os.chmod(path, 0o644)
    wal = Path(f"{path}-wal")
    wal.write_bytes(b"")
    os.chmod(wal, 0o644)
    with caplog.at_level(logging.WARNING), SqliteStore(path) as store:
        assert len(store.events("20261123-143000-abcd")) == 5
        assert _mode(path) == 0o600 and _mode(wal) == 0o600
    said = [r.getMessage() for r in caplog.records]
    assert any(str(path) in m and "0644" in m and "0600" in m for m in said), said


def test_an_encrypted_store_keeps_no_word_in_clear_on_disk(tmp_path: Path) -> None:
    key = _key(tmp_path / "store.key")
    plain, secret = tmp_path / "plain.db", tmp_path / "secret.db"
    for path, key_file in ((plain, None), (secret, key)):
        store = SqliteStore(path, key_file=key_file)
        _call(store)
        on_disk = b"".join(
            p.read_bytes() for p in [path, *(Path(f"{path}{s}") for s in SIDE_FILES)] if p.exists()
        )
        store.close()
        # The same check on the plain store shows the words are there to be found.
        assert (WORDS.encode() in on_disk) is (key_file is None)
    with SqliteStore(secret, key_file=key) as again:
        assert again.encrypted
        assert WORDS in again.events("20261123-143000-abcd")[1].text  # type: ignore[attr-defined]


def test_a_wrong_key_a_missing_key_and_a_loose_key_file_are_one_sentence_each(
    tmp_path: Path,
) -> None:
    key = _key(tmp_path / "store.key")
    with SqliteStore(tmp_path / "s.db", key_file=key) as store:
        _call(store)
    wrong = _key(tmp_path / "wrong.key", "not the key that was used here")
    with pytest.raises(StoreError, match="key is wrong, or the store is not encrypted"):
        SqliteStore(tmp_path / "s.db", key_file=wrong)
    with pytest.raises(StoreError, match=r"or it is encrypted .give --store-key-file"):
        SqliteStore(tmp_path / "s.db")
    key.chmod(0o640)
    with pytest.raises(ConfigError, match=r"chmod 600 .*store.key"):
        SqliteStore(tmp_path / "s.db", key_file=key)
    short = _key(tmp_path / "short.key", "tooshort")
    with pytest.raises(ConfigError, match="at least 16 characters"):
        SqliteStore(tmp_path / "new.db", key_file=short)


def test_a_raw_hex_key_opens_what_it_encrypted(tmp_path: Path) -> None:
    key = _key(tmp_path / "raw.key", "0123456789abcdef" * 4)
    with SqliteStore(tmp_path / "s.db", key_file=key) as store:
        _call(store)
    with SqliteStore(tmp_path / "s.db", key_file=key) as again:
        assert again.session("20261123-143000-abcd") is not None


def _corrupt_a_middle_page(path: Path) -> None:
    """Overwrite one page in the middle of the file (not the header page) with garbage."""
    size = path.stat().st_size
    page = 4096
    pages = size // page
    assert pages >= 8, pages
    with path.open("r+b") as fh:
        fh.seek((pages // 2) * page)
        fh.write(bytes([0xFF]) * 64 + os.urandom(page - 64))


def test_mid_file_corruption_is_found_at_start_not_by_a_crash_later(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with SqliteStore(path) as store:
        for i in range(12):
            _call(store, f"20261123-1430{i:02d}-abcd", finals=10)
    _corrupt_a_middle_page(path)
    # Without the check the store opens, and the damage is only met when a page is read.
    with SqliteStore(path) as unchecked, pytest.raises(Exception, match=r"malformed|corrupt"):
        for i in range(12):
            unchecked.events(f"20261123-1430{i:02d}-abcd")
        unchecked.search(text="の")  # the damaged page may be the words' index
    with pytest.raises(StoreError, match=r"is damaged .*restore it from a backup"):
        SqliteStore(path, verify=True)


def test_serve_on_a_damaged_store_exits_non_zero_with_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with SqliteStore(path) as store:
        for i in range(12):
            _call(store, f"20261123-1430{i:02d}-abcd", finals=10)
    _corrupt_a_middle_page(path)
    done = subprocess.run(
        [sys.executable, "-m", "consult_assist.cli", "serve", "--db", str(path), "--port", "0",
         "--tokens", str(tmp_path / "tokens.json")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("consult-assist: error: the store") and "damaged" in lines[-1]
    assert "Traceback" not in done.stderr


def test_the_data_folder_is_tightened_to_0700_and_a_chosen_folder_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    monkeypatch.setenv("CONSULT_ASSIST_DATA", str(data))
    with SqliteStore(default_db_path()):
        pass
    assert _mode(data) == 0o700
    chosen = tmp_path / "var-lib"
    chosen.mkdir()
    chosen.chmod(0o750)
    with SqliteStore(chosen / "store.db"):
        pass
    assert _mode(chosen) == 0o750 and _mode(chosen / "store.db") == 0o600
