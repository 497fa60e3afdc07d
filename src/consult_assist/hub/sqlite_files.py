"""The SQLite store's files at rest: who may read them, their key, and whether they are whole.

* **Permissions.** The database is created 0600 before SQLite opens it (SQLite itself would
  create it 0644 less the umask), in a folder created 0700. SQLite gives its ``-wal``,
  ``-shm`` and ``-journal`` files the database's own mode, so they are 0600 too. At every
  opening, a database or side file that others may read (left by an older release, or by a
  copy) is tightened to 0600 with a WARNING line.
* **Encryption (optional).** With a key file the store is opened through SQLCipher
  (``sqlcipher3``, AES-256 with an HMAC per page, the WAL included); the key file must be
  0600. A wrong key, or a key for a plain store, is one sentence, not a crash later.
* **Integrity.** ``PRAGMA quick_check`` when the server starts: a damaged page anywhere in the
  file is found then, with one sentence and a non-zero exit, instead of a crash mid-call.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from consult_assist.errors import ConfigError, StoreError
from consult_assist.paths import check_private, private_dir, private_file, tighten

__all__ = ["SIDE_FILES", "Database", "open_database", "quick_check", "read_key"]

log = logging.getLogger(__name__)

SIDE_FILES = ("-wal", "-shm", "-journal")
"""The files SQLite keeps beside the database (same name plus one of these)."""

MIN_KEY_CHARS = 16
_HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class Database:
    """An open SQLite (or SQLCipher) connection and the driver's exception classes."""

    connection: Any
    """A DB-API connection of :mod:`sqlite3` or of ``sqlcipher3.dbapi2`` (the same API)."""
    errors: tuple[type[BaseException], ...]
    """Every error the driver raises (``Error`` of both modules)."""
    unavailable: tuple[type[BaseException], ...]
    """Errors that mean "not now" (disk full, locked): ``OperationalError``."""
    encrypted: bool


def read_key(path: Path) -> str:
    """The ``PRAGMA key`` value in the key file ``path`` (0600, at least 16 characters).

    A file of 64 hex digits is a raw 256-bit key (no key derivation at opening); anything else
    is a passphrase that SQLCipher stretches with PBKDF2.
    """
    check_private(path, "the store key file")
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeError) as exc:
        raise ConfigError(f"cannot read the store key file {path}: {exc}") from None
    if len(text) < MIN_KEY_CHARS or "\n" in text:
        raise ConfigError(
            f"the store key file {path} must hold one line of at least {MIN_KEY_CHARS} "
            f"characters: make one with `head -c 32 /dev/urandom | base64 > {path}; "
            f"chmod 600 {path}`"
        )
    if _HEX_KEY.fullmatch(text):
        return f"\"x'{text}'\""
    return "'" + text.replace("'", "''") + "'"


def _cipher_module() -> ModuleType:
    try:
        # lazy: SQLCipher is optional (the `encryption` extra); a plain store never loads it.
        from sqlcipher3 import dbapi2
    except ImportError:
        raise ConfigError(
            "an encrypted store needs SQLCipher: pip install 'consult-assist[encryption]' "
            "(the sqlcipher3 package)"
        ) from None
    module: ModuleType = dbapi2
    return module


def open_database(path: Path, *, key_file: Path | None = None) -> Database:
    """Open (or create) the store's file at ``path`` as the owner's alone; keyed if asked."""
    private_dir(path.parent)
    private_file(path, "the store")
    for suffix in SIDE_FILES:
        tighten(Path(f"{path}{suffix}"), "the store's file", 0o600)
    module: ModuleType = sqlite3
    key = None
    if key_file is not None:
        key = read_key(key_file)
        module = _cipher_module()
    errors: tuple[type[BaseException], ...] = (sqlite3.Error, module.Error)
    unavailable: tuple[type[BaseException], ...] = (
        sqlite3.OperationalError,
        module.OperationalError,
    )
    try:
        connection = module.connect(str(path), isolation_level=None, check_same_thread=False)
    except module.Error as exc:
        raise StoreError(f"cannot open the store {path}: {exc}") from None
    try:
        if key is not None:
            connection.execute("PRAGMA cipher_log_level = NONE")  # no key errors on stderr
            connection.execute(f"PRAGMA key = {key}")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except module.DatabaseError as exc:
        connection.close()
        raise StoreError(_unreadable(path, key_file, exc)) from None
    return Database(connection, errors, unavailable, encrypted=key is not None)


def _unreadable(path: Path, key_file: Path | None, exc: BaseException) -> str:
    if "not a database" not in str(exc):
        return f"the store {path} is damaged ({exc}): restore it from a backup"
    if key_file is not None:
        return (
            f"cannot open the store {path} with the key in {key_file}: the key is wrong, or "
            "the store is not encrypted"
        )
    return (
        f"cannot open the store {path}: it is not a SQLite database, or it is encrypted "
        "(give --store-key-file)"
    )


def quick_check(db: Database, location: str) -> None:
    """Read every page once (``PRAGMA quick_check``); StoreError naming the first problem."""
    try:
        rows = [str(r[0]) for r in db.connection.execute("PRAGMA quick_check").fetchall()]
    except db.errors as exc:
        rows = [str(exc)]
    if rows == ["ok"]:
        return
    more = f" and {len(rows) - 1} more" if len(rows) > 1 else ""
    raise StoreError(
        f"the store {location} is damaged ({rows[0]}{more}): stop here and restore it from a "
        "backup; the file was left as it is"
    )
