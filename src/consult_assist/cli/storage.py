"""The store and its tokens: ``store migrate|copy``, ``tokens add|list|revoke``.

``--store`` names a SQLite file or a ``postgresql://`` URL everywhere (``--db`` is the older
name of a SQLite file). With PostgreSQL the tokens live in the store; with SQLite they stay in
the 0600 tokens file (``--tokens``), as before.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from consult_assist.errors import ConsultAssistError
from consult_assist.hub.auth import FileTokens, TokenSource, default_tokens_path
from consult_assist.hub.store import Store, default_db_path, is_postgres_url, redact_url
from consult_assist.hub.store_copy import CopyReport, copy_store
from consult_assist.hub.store_open import open_store

__all__ = [
    "opened_store",
    "store_copy",
    "store_migrate",
    "token_source",
    "tokens_add",
    "tokens_list",
    "tokens_revoke",
]


def _location(store: str | None, db: Path | None = None) -> str | Path:
    if store and db:
        raise ConsultAssistError("give --store or --db, not both")
    return store or db or default_db_path()


@contextmanager
def opened_store(
    store: str | None,
    db: Path | None = None,
    *,
    must_exist: bool = True,
    key_file: Path | None = None,
) -> Iterator[Store]:
    """The store ``--store``/``--db`` names (default: the data folder's SQLite file).

    ``key_file``: the key of an encrypted (SQLCipher) SQLite store."""
    opened = open_store(_location(store, db), must_exist=must_exist, key_file=key_file)
    try:
        yield opened
    finally:
        opened.close()


@contextmanager
def token_source(store: str | None, tokens: Path | None) -> Iterator[TokenSource]:
    """The tokens: the PostgreSQL store's table with ``--store postgresql://…``, else the file."""
    if store and is_postgres_url(store):
        from consult_assist.hub.postgres_store import (
            PostgresStore,
        )  # lazy: psycopg
        from consult_assist.hub.postgres_tokens import (
            PostgresTokens,
        )  # lazy: psycopg

        with PostgresStore(store) as opened:
            yield PostgresTokens(opened)
        return
    yield FileTokens(tokens or default_tokens_path())


# -- tokens ------------------------------------------------------------------------------------


def tokens_add(
    source: TokenSource, name: str, role: str, out: TextIO, *, replace: bool = False
) -> int:
    """Create a token for ``name``; print it once (only its hash is stored)."""
    token = source.add(name, role, replace=replace)
    out.write(token + "\n")
    print(
        f"consult-assist: token for {name} ({role}) stored as a hash in {source.where}; "
        "it is shown only this once"
        + ("; the old one stops working within 2 s" if replace else ""),
        file=sys.stderr,
    )
    return 0


def tokens_list(source: TokenSource, out: TextIO) -> int:
    """Names, roles and creation times, under a header; never the tokens."""
    book = source.load()
    if not book.entries:
        out.write(f"no tokens in {source.where}\n")
        return 0
    out.write(f"{'NAME':<20} {'ROLE':<11} CREATED\n")
    for entry in book.entries:
        out.write(f"{entry.name:<20} {entry.role:<11} {entry.created}\n")
    return 0


def tokens_revoke(source: TokenSource, name: str, out: TextIO) -> int:
    """Remove ``name``'s token; running servers close its connections within 2 s."""
    source.revoke(name)
    out.write(
        f"consult-assist: token of {name} revoked in {source.where}; running servers close "
        "its connections within 2 s\n"
    )
    return 0


# -- store -------------------------------------------------------------------------------------


def store_migrate(store: str | None, db: Path | None, out: TextIO) -> int:
    """Bring the store's schema up to date (opening it does); say what was done."""
    location = _location(store, db)
    with opened_store(store, db, must_exist=False) as opened:
        applied: list[str] = getattr(opened, "applied", [])
        version = opened.schema_version()
    where = redact_url(location)
    if applied:
        for name in applied:
            out.write(f"{where}: applied migration {name}\n")
    out.write(f"{where}: schema version {version} (up to date)\n")
    return 0


def store_copy(src: str, dst: str, out: TextIO, *, quiet: bool = False) -> int:
    """Copy every session and event of ``src`` into ``dst``; verify; exit 1 on a difference."""
    if Path(src).expanduser() == Path(dst).expanduser() or src == dst:
        raise ConsultAssistError("SRC and DST are the same store")
    with opened_store(src) as source, opened_store(dst, must_exist=False) as target:

        def progress(done: int, total: int, copied: int) -> None:
            if not quiet:
                print(
                    f"\rconsult-assist: {done}/{total} sessions, {copied} events copied",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )

        async def run() -> CopyReport:
            try:
                return await copy_store(source, target, progress=progress)
            finally:
                await target.aclose()

        report = asyncio.run(run())
    if not quiet:
        print(file=sys.stderr)
    out.write(
        f"{report.sessions} sessions, {report.events} events in {redact_url(src)}; "
        f"{report.copied} copied now into {redact_url(dst)}\n"
    )
    if not report.ok:
        out.write(
            f"DIFFERENT after the copy: {len(report.mismatched)} sessions "
            f"({', '.join(report.mismatched[:5])}…): nothing was deleted; see the log\n"
        )
        return 1
    out.write("verified: every session has the same events (count and checksum) in both\n")
    return 0
