"""Test helpers for the store: an adapter whose writes fail on demand (named as such)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from consult_assist.errors import StoreError, StoreUnavailable
from consult_assist.events import Event, SessionEnded
from consult_assist.hub.store import EventRow, SessionRow, Store


class WritesFailOnDemand:
    """A real store whose writes fail while ``down`` is set (StoreUnavailable, as a full disk
    or a lost server would), or for good for the event types in ``refuse`` (StoreError).

    For the hub's unit tests, where stopping a real store at one exact event is not possible;
    the full-disk (tmpfs) and PostgreSQL-restart tests use real failures.
    """

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.location = inner.location
        self.node = inner.node
        self.down = False
        self.refuse: set[str] = set()
        self.attempts = 0

    def _check(self, event: Event | None = None) -> None:
        self.attempts += 1
        if self.down:
            raise StoreUnavailable("database or disk is full (simulated)")
        if event is not None and event.type in self.refuse:
            raise StoreError(f"cannot store event {event.session}#{event.seq}: refused (simulated)")

    async def append(self, event: Event) -> str:
        self._check(event)
        return await self.inner.append(event)

    async def append_after_end(self, event: Event) -> str:
        self._check(event)
        return await self.inner.append_after_end(event)

    async def probe(self) -> None:
        self._check()
        await self.inner.probe()

    async def recover(self, reason: str = "interrupted") -> list[SessionEnded]:
        return await self.inner.recover(reason)

    async def import_session(self, row: SessionRow, events: Sequence[EventRow]) -> None:
        await self.inner.import_session(row, events)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def close(self) -> None:
        self.inner.close()

    def session(self, session: str) -> SessionRow | None:
        return self.inner.session(session)

    def sessions(self, *, live_only: bool = False, limit: int | None = None) -> list[SessionRow]:
        return self.inner.sessions(live_only=live_only, limit=limit)

    def bodies(self, session: str, after: int = 0, limit: int = -1) -> list[tuple[int, str]]:
        return self.inner.bodies(session, after, limit)

    def events(self, session: str, after: int = 0) -> list[Event]:
        return self.inner.events(session, after)

    def event_rows(self, session: str, after: int = 0, limit: int = -1) -> list[EventRow]:
        return self.inner.event_rows(session, after, limit)

    def stored_at(self, session: str) -> Iterator[tuple[int, float]]:
        return self.inner.stored_at(session)

    def find(self, prefix: str) -> SessionRow:
        return self.inner.find(prefix)

    def schema_version(self) -> int:
        return self.inner.schema_version()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
