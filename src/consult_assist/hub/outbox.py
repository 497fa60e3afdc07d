"""What the hub holds while the store cannot take it: per-session outboxes and the store's health.

Every event of a live session waits in that session's :class:`Outbox` until the store has
committed it; only then is it stamped for good and sent. While the store is unavailable,
transcript and knowledge events stay in the outbox, in order, up to ``limit`` per session;
commands (notes, help requests, advice, acks) are refused at once instead, so their sender gets
an ``error``, never an ``ok`` for something that was not stored. :class:`StoreHealth` is the one
flag saying whether the store takes writes, with the backoff writers wait between tries.

Sans-I/O apart from :meth:`StoreHealth.wait_retry`, which sleeps until the next try (or until
another writer saw the store come back).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from consult_assist.events import Event

__all__ = ["DEFAULT_LIMIT", "Outbox", "Pending", "StoreHealth", "Stored"]

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 2_000
"""Events one call may hold while the store is unavailable (about ten minutes of a call)."""

Stored = Callable[[Event | None], None]
"""Told the outcome of a command's event: stamped and stored, or None (not stored)."""


@dataclass
class Pending:
    """An event waiting for the store: not stamped until it is written (no seq gap)."""

    event: Event
    on_stored: Stored | None = None
    """Set for a client's command: it is told the outcome instead of the event being held."""


class Outbox:
    """One live session's events on their way to the store, in order."""

    def __init__(self, *, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self.queue: deque[Pending] = deque()
        self.committed = 0
        """The last seq committed (and so sent)."""
        self.dropped = 0
        """Events never stored because the outbox was full (the call was ended)."""
        self.cut = False
        """Full while the store was unavailable: the call is ending, further events dropped."""

    def __len__(self) -> int:
        return len(self.queue)

    def offer(self, pending: Pending, *, must_keep: bool = False) -> bool:
        """Queue ``pending``; False (and counted) when the outbox is full or cut.

        ``must_keep``: the one event that goes in past the limit (the call's ``session.ended``).
        """
        if not must_keep and (self.cut or len(self.queue) >= self.limit):
            self.dropped += 1
            return False
        self.queue.append(pending)
        return True

    def next_seq(self) -> int:
        return self.committed + 1


class StoreHealth:
    """Whether the store takes writes; writers and the prober report here, clients are told."""

    def __init__(
        self,
        on_change: Callable[[bool], None],
        *,
        first_retry_s: float = 0.2,
        max_retry_s: float = 2.0,
    ) -> None:
        self.available = True
        self.first_retry_s = first_retry_s
        self.max_retry_s = max_retry_s
        self.failures = 0
        """Writes that failed because the store was unavailable."""
        self.outages = 0
        self._on_change = on_change
        self._back = asyncio.Event()
        self._back.set()

    def failed(self, why: str) -> None:
        """A write failed because the store is unavailable."""
        self.failures += 1
        if self.available:
            self.available = False
            self.outages += 1
            self._back.clear()
            log.error("the store is unavailable (%s): holding call events and retrying", why)
            self._on_change(False)

    def worked(self) -> None:
        """A write went through."""
        if not self.available:
            self.available = True
            self._back.set()
            log.warning("the store is available again")
            self._on_change(True)

    def delay(self, attempt: int) -> float:
        """Seconds before try number ``attempt`` (1, 2, …): doubling up to ``max_retry_s``."""
        return float(min(self.max_retry_s, self.first_retry_s * 2.0 ** max(0, attempt - 1)))

    async def wait_retry(self, attempt: int) -> None:
        """Sleep before the next try; wake early when another writer sees the store back."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._back.wait(), self.delay(attempt))
