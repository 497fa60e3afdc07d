"""Open the store that ``--store`` (or ``--db``) names: a SQLite file or a PostgreSQL URL."""

from __future__ import annotations

from pathlib import Path

from consult_assist.errors import ConfigError, StoreError
from consult_assist.hub.sqlite_store import SqliteStore
from consult_assist.hub.store import Store, is_postgres_url

__all__ = ["open_store"]


def open_store(
    location: str | Path,
    *,
    node: str = "",
    synchronous: str = "NORMAL",
    must_exist: bool = False,
    key_file: Path | None = None,
    verify: bool = False,
    connections: int | None = None,
) -> Store:
    """The store at ``location``: a ``postgresql://`` URL, else a SQLite file path.

    The schema is brought up to date on opening. ``must_exist``: refuse to create a new SQLite
    file (the commands that only read). ``synchronous`` is SQLite's durability mode.
    ``key_file``: the SQLite store is encrypted with this key (SQLCipher). ``verify``: check
    every page of a SQLite store before using it (the server's start). ``connections``: a
    PostgreSQL store's write connections (default 4); SQLite writes through its one file.
    """
    if is_postgres_url(location):
        if key_file is not None:
            raise ConfigError(
                "--store-key-file encrypts a SQLite store; a PostgreSQL store is protected by "
                "the database server's own disk encryption (docs/security.md)"
            )
        # lazy: psycopg and its libpq load only for a PostgreSQL store.
        from consult_assist.hub.postgres_store import (
            PostgresStore,
        )

        if connections is None:
            return PostgresStore(str(location), node=node)
        return PostgresStore(str(location), node=node, connections=connections)
    path = Path(location).expanduser()
    if must_exist and not path.exists():
        raise StoreError(f"no store at {path}: run `consult-assist serve` first")
    return SqliteStore(path, node=node, synchronous=synchronous, key_file=key_file, verify=verify)
