"""Retention: calls that ended more than N days ago are deleted, training calls too.

:func:`expired` is the pure rule (which stored sessions are past the limit: ended, and ended
before the cutoff; a live call never is); :func:`purge_expired` applies it to a store and
writes a ``purge`` line per call into the access log; :func:`run_retention` applies it once at
start and then every ``interval_s`` while the server runs (``retention_days``). ``records purge
--older-than DAYS`` applies it by hand, ``--dry-run`` only lists.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from consult_assist.errors import StoreError
from consult_assist.hub.store import AccessEntry, SessionRow, Store

__all__ = ["DAY_S", "cutoff", "expired", "purge_expired", "run_retention"]

log = logging.getLogger(__name__)

DAY_S = 86_400.0


def cutoff(now: datetime, days: float) -> datetime:
    """The moment before which a call must have ended to be deleted."""
    return now - timedelta(days=days)


def _ended(row: SessionRow) -> datetime | None:
    if row.ended_at is None:
        return None
    try:
        when = datetime.fromisoformat(row.ended_at)
    except ValueError:
        return None  # unreadable: kept (and listed by nobody) rather than guessed at
    return when if when.tzinfo is not None else when.astimezone()


def expired(rows: Iterable[SessionRow], before: datetime) -> list[SessionRow]:
    """The ended sessions among ``rows`` that ended before ``before`` (oldest first)."""
    due = [(when, row) for row in rows if (when := _ended(row)) is not None and when < before]
    return [row for _, row in sorted(due, key=lambda pair: pair[0])]


async def purge_expired(
    store: Store,
    days: float,
    *,
    now: datetime,
    by: str,
    role: str,
    dry_run: bool = False,
    live: Callable[[str], bool] = lambda session: False,
) -> list[SessionRow]:
    """Delete the calls that ended more than ``days`` before ``now``; returns them.

    ``live``: whether this server is carrying a session now (never deleted, whatever the
    store says). ``dry_run``: only return what would be deleted.
    """
    due = [r for r in expired(store.sessions(), cutoff(now, days)) if not live(r.id)]
    if dry_run or not due:
        return due
    deleted = await store.purge([r.id for r in due])
    at = time.time()
    for row in due:
        await store.log_access(
            AccessEntry(at, by, role, "purge", row.id, f"older than {days:g} days")
        )
    if deleted != len(due):
        log.warning("retention: %d of %d expired calls were deleted", deleted, len(due))
    return due


async def run_retention(
    store: Store,
    days: float,
    *,
    live: Callable[[str], bool],
    interval_s: float = DAY_S,
    now: Callable[[], datetime] = lambda: datetime.now().astimezone(),
) -> None:
    """Apply retention at once and then every ``interval_s`` until cancelled."""
    while True:
        try:
            gone = await purge_expired(
                store, days, now=now(), by="server", role="server", live=live
            )
        except StoreError as exc:
            log.error("retention: cannot delete the calls older than %g days: %s", days, exc)
        else:
            if gone:
                log.info(
                    "retention: deleted %d calls that ended more than %g days ago",
                    len(gone),
                    days,
                )
        await asyncio.sleep(interval_s)
