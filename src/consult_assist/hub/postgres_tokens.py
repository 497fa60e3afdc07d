"""Tokens in a PostgreSQL store's ``tokens`` table: shared by every node that uses the store.

Each change also sends ``NOTIFY consult_assist_tokens`` so a node that listens can look at once;
every node also polls :meth:`PostgresTokens.fingerprint` (``tokenwatch.py``), so a revocation
reaches all of them within a few seconds either way.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import psycopg

from consult_assist.errors import AuthError, StoreError
from consult_assist.hub.auth import (
    ROLES,
    TokenBook,
    TokenEntry,
    check_name,
    hash_token,
    new_token,
)
from consult_assist.hub.postgres_store import PostgresStore

__all__ = ["TOKENS_CHANNEL", "PostgresTokens"]

log = logging.getLogger(__name__)

TOKENS_CHANNEL = "consult_assist_tokens"
"""The NOTIFY channel told of every change of the tokens."""


class PostgresTokens:
    """The :class:`~consult_assist.hub.auth.TokenSource` of a PostgreSQL store."""

    def __init__(self, store: PostgresStore) -> None:
        self._store = store
        self.where = store.location

    def load(self) -> TokenBook:
        try:
            rows = (
                self._store.connection()
                .execute("SELECT name, role, sha256, created FROM tokens ORDER BY name")
                .fetchall()
            )
        except psycopg.Error as exc:
            raise StoreError(f"cannot read the tokens in {self.where}: {exc}") from None
        return TokenBook([TokenEntry(n, r, h, c) for n, r, h, c in rows])

    def fingerprint(self) -> object:
        try:
            row = (
                self._store.connection()
                .execute(
                    "SELECT count(*), md5(string_agg(name || ':' || role || ':' || sha256, ','"
                    " ORDER BY name)) FROM tokens"
                )
                .fetchone()
            )
        except psycopg.Error as exc:
            raise StoreError(f"cannot read the tokens in {self.where}: {exc}") from None
        return tuple(row) if row else None

    def add(self, name: str, role: str, *, replace: bool = False) -> str:
        check_name(name)
        if role not in ROLES:
            raise AuthError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
        token = new_token()
        created = datetime.now(UTC).isoformat(timespec="seconds")
        conn = self._store.connection()
        try:
            with conn.transaction():
                if replace:
                    conn.execute("DELETE FROM tokens WHERE name = %s", (name,))
                conn.execute(
                    "INSERT INTO tokens (name, role, sha256, created) VALUES (%s, %s, %s, %s)",
                    (name, role, hash_token(token), created),
                )
                conn.execute(f"NOTIFY {TOKENS_CHANNEL}")
        except psycopg.errors.UniqueViolation:
            raise AuthError(
                f"{name!r} already has a token in {self.where}; use --replace to issue a new one"
            ) from None
        except psycopg.Error as exc:
            raise StoreError(f"cannot add a token in {self.where}: {exc}") from None
        log.info("token added for %s (%s) in %s", name, role, self.where)
        return token

    def revoke(self, name: str) -> None:
        conn = self._store.connection()
        try:
            with conn.transaction():
                cur = conn.execute("DELETE FROM tokens WHERE name = %s", (name,))
                conn.execute(f"NOTIFY {TOKENS_CHANNEL}")
        except psycopg.Error as exc:
            raise StoreError(f"cannot revoke a token in {self.where}: {exc}") from None
        if cur.rowcount == 0:
            raise AuthError(f"{name!r} has no token in {self.where}")
        log.info("token of %s revoked in %s", name, self.where)
