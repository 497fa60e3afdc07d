"""Access tokens: only SHA-256 hashes of tokens are kept, in a file or in the store.

A token is ``ca_`` followed by 32 random bytes (URL-safe base64): with that much entropy a plain
SHA-256 is enough to make a stolen file useless, and it keeps checks fast. Where the tokens are
kept is a :class:`TokenSource`: :class:`FileTokens` (a JSON file the operator controls, written
atomically with mode 0600: the single-node default) or, with a PostgreSQL store, its ``tokens``
table (``postgres_tokens.py``). The server watches its source (``tokenwatch.py``) and closes the
live connections of a revoked or replaced token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol, cast, get_args

from consult_assist.errors import AuthError, ConfigError
from consult_assist.paths import check_private, data_dir, private_dir

__all__ = [
    "ROLES",
    "FileTokens",
    "Role",
    "TokenBook",
    "TokenEntry",
    "TokenSource",
    "add_token",
    "check_name",
    "default_tokens_path",
    "hash_token",
    "new_token",
    "revoke_token",
]

log = logging.getLogger(__name__)

Role = Literal["handler", "supervisor", "trainer"]
ROLES: tuple[str, ...] = get_args(Role)


@dataclass(frozen=True)
class TokenEntry:
    """One named identity: its role and the hash of its token."""

    name: str
    role: Role
    sha256: str
    created: str = ""


def default_tokens_path() -> Path:
    """<data dir>/tokens.json."""
    return data_dir() / "tokens.json"


def hash_token(token: str) -> str:
    """What is kept of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_hash = hash_token


def new_token() -> str:
    """A fresh token: ``ca_`` and 32 random bytes."""
    return "ca_" + secrets.token_urlsafe(32)


def check_name(name: str) -> None:
    """Refuse a name that cannot be a token's (AuthError)."""
    if not name or len(name) > 80 or any(c.isspace() for c in name):
        raise AuthError("a token name must be 1-80 characters without spaces")


class TokenBook:
    """The identities allowed in; :meth:`check` maps a presented token to one, or None."""

    def __init__(self, entries: list[TokenEntry]) -> None:
        self.entries = list(entries)

    @classmethod
    def load(cls, path: Path) -> TokenBook:
        """Read a tokens file (a missing file is an empty book; one others can read is refused)."""
        if not path.exists():
            return cls([])
        check_private(path, "the tokens file")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = [
                TokenEntry(
                    name=str(e["name"]),
                    role=_role(str(e["role"])),
                    sha256=str(e["sha256"]),
                    created=str(e.get("created", "")),
                )
                for e in data["tokens"]
            ]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: not a usable tokens file ({exc})") from None
        return cls(entries)

    def check(self, token: str) -> TokenEntry | None:
        """The entry whose hash matches ``token`` (constant-time comparison), or None."""
        digest = _hash(token)
        found = None
        for entry in self.entries:
            if hmac.compare_digest(entry.sha256, digest):
                found = entry
        return found

    def save(self, path: Path) -> None:
        """Write the book atomically, readable by the owner only."""
        private_dir(path.parent)
        data = {
            "tokens": [
                {"name": e.name, "role": e.role, "sha256": e.sha256, "created": e.created}
                for e in self.entries
            ]
        }
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tokens-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, indent=2)
                fh.write("\n")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _role(value: str) -> Role:
    if value not in ROLES:
        raise AuthError(f"unknown role {value!r}: choose one of {', '.join(ROLES)}")
    return cast(Role, value)


def add_token(path: Path, name: str, role: str, *, replace: bool = False) -> str:
    """Create a token for ``name`` with ``role``, store its hash in ``path``; return the token."""
    check_name(name)
    book = TokenBook.load(path)
    if any(e.name == name for e in book.entries):
        if not replace:
            raise AuthError(
                f"{name!r} already has a token in {path}; use --replace to issue a new one"
            )
        book.entries = [e for e in book.entries if e.name != name]
    token = new_token()
    created = datetime.now(UTC).isoformat(timespec="seconds")
    book.entries.append(TokenEntry(name, _role(role), _hash(token), created))
    book.save(path)
    log.info("token added for %s (%s) in %s", name, role, path)
    return token


def revoke_token(path: Path, name: str) -> None:
    """Remove ``name``'s token from the file (AuthError if it has none)."""
    book = TokenBook.load(path)
    if not any(e.name == name for e in book.entries):
        raise AuthError(f"{name!r} has no token in {path}")
    book.entries = [e for e in book.entries if e.name != name]
    book.save(path)
    log.info("token of %s revoked in %s", name, path)


class TokenSource(Protocol):
    """Where the tokens are kept: the server reads and watches it, ``tokens …`` changes it."""

    where: str
    """Fit for a message: the file's path, or the store's location."""

    def load(self) -> TokenBook:
        """Every token entry now."""
        ...

    def fingerprint(self) -> object:
        """Something cheap that changes whenever the tokens may have changed."""
        ...

    def add(self, name: str, role: str, *, replace: bool = False) -> str:
        """Create a token for ``name``; returns it (only its hash is kept)."""
        ...

    def revoke(self, name: str) -> None:
        """Remove ``name``'s token (AuthError if it has none)."""
        ...


class FileTokens:
    """Tokens in the operator's JSON file (mode 0600), watched by inode, mtime and size."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)

    def load(self) -> TokenBook:
        return TokenBook.load(self.path)

    def fingerprint(self) -> object:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        # The file is replaced atomically (a new inode); an editor may rewrite it in place.
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def add(self, name: str, role: str, *, replace: bool = False) -> str:
        return add_token(self.path, name, role, replace=replace)

    def revoke(self, name: str) -> None:
        revoke_token(self.path, name)
