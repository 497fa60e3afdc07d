"""Open the store that ``--store`` (or ``--db``) names: a SQLite file or a PostgreSQL URL."""

from __future__ import annotations

from pathlib import Path

from consult_assist.errors import StoreError
from consult_assist.hub.sqlite_store import SqliteStore
from consult_assist.hub.store import Store, is_postgres_url

__all__ = ["open_store"]


def open_store(
    location: str | Path,
    *,
    node: str = "",
    synchronous: str = "NORMAL",
    must_exist: bool = False,
) -> Store:
    """The store at ``location``: a ``postgresql://`` URL, else a SQLite file path.

    The schema is brought up to date on opening. ``must_exist``: refuse to create a new SQLite
    file (the commands that only read). ``synchronous`` is SQLite's durability mode.
    """
    if is_postgres_url(location):
        from consult_assist.hub.postgres_store import (
            PostgresStore,
        )  # lazy: psycopg

        return PostgresStore(str(location), node=node)
    path = Path(location).expanduser()
    if must_exist and not path.exists():
        raise StoreError(f"no store at {path}: run `consult-assist serve` first")
    return SqliteStore(path, node=node, synchronous=synchronous)
