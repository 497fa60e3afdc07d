"""Keeping records: ``records purge`` (retention by hand) and ``records audit`` (the access log).

Both work on an open :class:`~consult_assist.hub.store.Store` handed in by ``serving.py``; the
command line's own reads of a record (``records export``) are written to the access log too,
in the name of the operating-system user who ran it (``cli:<user>``).
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import TextIO

from consult_assist.errors import ConfigError, StoreError
from consult_assist.hub.retention import cutoff, purge_expired
from consult_assist.hub.store import AccessEntry, Store
from consult_assist.labels import kind_label

__all__ = ["log_cli_access", "operator", "parse_since", "records_audit", "records_purge"]


def operator() -> str:
    """Who runs this command, as the access log names them: ``cli:<user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:?"


def log_cli_access(store: Store, action: str, session: str, detail: str = "") -> None:
    """One access-log line for something the command line read out of the store."""
    entry = AccessEntry(time.time(), operator(), "operator", action, session, detail)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(store.log_access(entry))
        return
    # Called from code that already runs a loop (a test, an embedding program): the command's
    # store is its own, so its write runs to completion on a loop of its own in a thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, store.log_access(entry)).result()


def records_purge(store: Store, days: float, out: TextIO, *, dry_run: bool = False) -> int:
    """Delete (``dry_run``: list) the calls that ended more than ``days`` days ago."""
    if days <= 0:
        raise ConfigError("--older-than wants a number of days above 0")
    now = datetime.now().astimezone()
    rows = asyncio.run(
        purge_expired(store, days, now=now, by=operator(), role="operator", dry_run=dry_run)
    )
    before = cutoff(now, days).isoformat(timespec="minutes")
    verb = "would delete" if dry_run else "deleted"
    out.write(f"{verb} {len(rows)} calls that ended before {before}\n")
    for row in rows:
        out.write(f"  {row.id}  ended {row.ended_at}  {kind_label(row.training)}\n")
    if dry_run and rows:
        out.write("(dry run: nothing was deleted; run again without --dry-run to delete)\n")
    return 0


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """``--since``: ``today``, ``7d`` (days back from this midnight), a date ``2026-11-23`` or a
    time ``2026-11-23T14:30`` (local time unless it carries an offset)."""
    here = (now or datetime.now()).astimezone()
    midnight = here.replace(hour=0, minute=0, second=0, microsecond=0)
    value = text.strip().lower()
    if value == "today":
        return midnight
    if value.endswith("d") and value[:-1].isdigit():
        return midnight - timedelta(days=int(value[:-1]))
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(
            f"--since wants a date (2026-11-23), a time (2026-11-23T14:30), 'today' or days "
            f"(7d), not {text!r}"
        ) from None
    return when if when.tzinfo else when.astimezone()


def records_audit(
    store: Store,
    out: TextIO,
    *,
    session: str | None = None,
    since: str | None = None,
    as_json: bool = False,
) -> int:
    """Who viewed, exported or purged which call, oldest first."""
    if session is not None:
        # A unique prefix is enough; a purged call's id is no longer there: taken as given.
        with contextlib.suppress(StoreError):
            session = store.find(session).id
    entries = store.accesses(
        session=session, since=None if since is None else parse_since(since).timestamp()
    )
    if as_json:
        out.write(json.dumps([asdict(e) for e in entries], ensure_ascii=False, indent=2) + "\n")
        return 0
    if not entries:
        out.write("no access recorded\n")
        return 0
    out.write(f"{'WHEN':<25} {'WHO':<20} {'ROLE':<10} {'ACTION':<7} {'SESSION':<20} DETAIL\n")
    for e in entries:
        when = datetime.fromtimestamp(e.at).astimezone().isoformat(timespec="seconds")
        out.write(f"{when:<25} {e.who:<20} {e.role:<10} {e.action:<7} {e.session:<20} {e.detail}\n")
    return 0
