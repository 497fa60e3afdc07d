"""Reloading the manual while calls go on: a pure watcher and the thin polling loop around it.

:class:`ManualWatcher` decides from snapshots of the files' sizes and modification times; it
reloads only once a change has *settled* (two polls in a row see the same files), so a file an
editor is still writing is not read half-way. A broken edit keeps the last good manual in
use and reports its problems once; the next good edit replaces it.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from consult_assist.knowledge.engine import KnowledgeBase, KnowledgeEngine
from consult_assist.knowledge.manual import (
    ATTENTION_FILE,
    CHECKLIST_FILE,
    SECTIONS_DIR,
    Manual,
    Problem,
    check_manual,
)

__all__ = ["ManualWatcher", "ReloadResult", "Snapshot", "snapshot", "watch_manuals"]

logger = logging.getLogger(__name__)

Snapshot = frozenset[tuple[str, int, int]]
"""(path, size in bytes, modification time in ns) of every manual file."""


def snapshot(root: Path, also: Sequence[str] = ()) -> Snapshot:
    """The size and modification time of every file the manual is made of, and of the files
    named in ``also`` (other readers of the folder, such as the risk sheet)."""
    paths = [root / ATTENTION_FILE, root / CHECKLIST_FILE, *(root / name for name in also)]
    sections = root / SECTIONS_DIR
    if sections.is_dir():
        paths.extend(sections.glob("*.md"))
    found: set[tuple[str, int, int]] = set()
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            continue
        found.add((str(path), stat.st_size, stat.st_mtime_ns))
    return frozenset(found)


@dataclass(frozen=True, kw_only=True)
class ReloadResult:
    """What one reload attempt gave: the manual now in use and whether it is new."""

    manual: Manual
    reloaded: bool
    problems: tuple[Problem, ...] = ()


class ManualWatcher:
    """Decides when to reload and keeps the last good manual; no I/O of its own."""

    def __init__(self, manual: Manual, loaded: Snapshot) -> None:
        self.manual = manual
        self._loaded = loaded
        self._seen = loaded
        self._reported: Snapshot | None = None

    def due(self, current: Snapshot) -> bool:
        """Whether to load now: the files differ from the loaded ones and stood still."""
        settled = current == self._seen
        self._seen = current
        return settled and current != self._loaded and current != self._reported

    def loaded(
        self, current: Snapshot, manual: Manual, problems: tuple[Problem, ...]
    ) -> ReloadResult:
        """Take the result of loading ``current``: use it if it has no errors."""
        errors = tuple(p for p in problems if p.severity == "error")
        if errors:
            # Remember the broken state so it is reported once, not at every poll.
            self._reported = current
            return ReloadResult(manual=self.manual, reloaded=False, problems=errors)
        self.manual = manual
        self._loaded = current
        self._reported = None
        return ReloadResult(manual=manual, reloaded=True, problems=problems)


async def watch_manuals(
    root: Path,
    engine: KnowledgeEngine,
    *,
    interval_s: float = 1.0,
    on_result: Callable[[ReloadResult], None] | None = None,
    also: Sequence[str] = (),
    loaded: Snapshot | None = None,
) -> None:
    """Poll ``root`` every ``interval_s``; on a settled change, reload ``engine``'s manual.

    ``loaded`` is the :func:`snapshot` taken *before* the engine's manual was read: an edit
    made between that read and this task's first poll is then a change like any other. Without
    it the watcher's baseline is whatever the files are when it starts.

    A change to a file named in ``also`` counts as a change of the manual: it is reloaded,
    and ``on_result`` lets the file's own reader load it too.

    Runs until cancelled. Stat, load and index build run in a worker thread, so the event
    loop (and the calls it serves) never waits on the disk or on indexing; the new knowledge
    base is swapped in on the loop, between two events. A broken edit is logged (once) and
    the engine keeps its manual. ``on_result`` hears every load attempt.
    """
    if loaded is None:
        loaded = await asyncio.to_thread(snapshot, root, also)
    watcher = ManualWatcher(engine.base.manual, loaded)
    while True:
        await asyncio.sleep(interval_s)
        current = await asyncio.to_thread(snapshot, root, also)
        if not watcher.due(current):
            continue
        manual, problems = await asyncio.to_thread(check_manual, root)
        result = watcher.loaded(current, manual, problems)
        if result.reloaded:
            options = engine.base.options
            engine.replace(await asyncio.to_thread(KnowledgeBase, result.manual, options))
            logger.info("manual reloaded from %s: %d sections", root, len(manual.sections))
        else:
            logger.error(
                "manual in %s has %d error(s); keeping the last good one. First: %s",
                root,
                len(result.problems),
                result.problems[0],
            )
        if on_result is not None:
            on_result(result)
