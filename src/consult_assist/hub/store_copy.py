"""Copy every session and event from one store into another (``consult-assist store copy``).

Made to move a centre's SQLite history into PostgreSQL without losing an event: rows are copied
unchanged (bodies byte for byte, commit times kept), a session at a time in batches, each batch
one transaction. It is idempotent and resumable: a session's row in the destination says how
far it got (``last_seq``), so a copy that was stopped, or run again after more calls, goes on
from there and never writes an event twice. At the end every session is verified: the same
number of events and the same digest of seq and body (``store.events_digest``) on both sides.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from consult_assist.hub.store import Store, events_digest

__all__ = ["BATCH", "CopyReport", "copy_store", "verify_copy"]

log = logging.getLogger(__name__)

BATCH = 1_000
"""Events per transaction."""


@dataclass
class CopyReport:
    """What a copy did and what the verification found."""

    sessions: int = 0
    events: int = 0
    """Events in the source."""
    copied: int = 0
    """Events written this time (0 when everything was already there)."""
    mismatched: list[str] = field(default_factory=list)
    """Sessions whose events differ between the two stores after the copy."""

    @property
    def ok(self) -> bool:
        return not self.mismatched


Progress = Callable[[int, int, int], None]
"""Told ``(sessions done, sessions in all, events copied so far)``."""


async def copy_store(
    src: Store, dst: Store, *, progress: Progress | None = None, batch: int = BATCH
) -> CopyReport:
    """Copy what ``dst`` lacks of ``src``, then verify every session; see the module doc."""
    rows = sorted(src.sessions(), key=lambda r: r.id)
    report = CopyReport(sessions=len(rows))
    for done, row in enumerate(rows, 1):
        there = dst.session(row.id)
        after = there.last_seq if there is not None else 0
        while page := src.event_rows(row.id, after, batch):
            # Until its last page is in, the session is marked as copied up to this page
            # and not ended: a copy stopped here resumes from it.
            partial = dataclasses.replace(
                row, last_seq=page[-1].seq, ended_at=None, end_reason=None, duration_s=None
            )
            await dst.import_session(partial, page)
            after = page[-1].seq
            report.copied += len(page)
            if progress is not None:
                progress(done - 1, len(rows), report.copied)
        await dst.import_session(row, [])
        if progress is not None:
            progress(done, len(rows), report.copied)
    verify_copy(src, dst, report, [r.id for r in rows])
    return report


def verify_copy(src: Store, dst: Store, report: CopyReport, sessions: list[str]) -> None:
    """Compare count and digest of each session's events in both stores; fills ``report``."""
    for session in sessions:
        mine, theirs = src.bodies(session), dst.bodies(session)
        report.events += len(mine)
        if len(mine) != len(theirs) or events_digest(mine) != events_digest(theirs):
            log.error(
                "[%s] differs after the copy: %d events in %s, %d in %s",
                session,
                len(mine),
                src.location,
                len(theirs),
                dst.location,
            )
            report.mismatched.append(session)
