"""Reloading: settle before loading, keep the last good manual on a broken edit."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from consult_assist.knowledge.engine import KnowledgeEngine
from consult_assist.knowledge.manual import check_manual, load_manual
from consult_assist.knowledge.reload import ManualWatcher, ReloadResult, snapshot, watch_manuals


def copy(manual_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(manual_dir, tmp_path / "manual"))


def touch(path: Path, text: str, tick: int) -> None:
    path.write_text(text, encoding="utf-8")
    # Distinct modification times even on coarse file systems.
    stamp = 1_700_000_000 + tick
    os.utime(path, (stamp, stamp))


def test_snapshot_lists_every_manual_file(manual_dir: Path) -> None:
    names = {Path(p).name for p, _, _ in snapshot(manual_dir)}
    assert {"attention_words.toml", "checklist.toml", "neglect.md"} <= names


def test_reload_waits_for_the_change_to_settle(manual_dir: Path, tmp_path: Path) -> None:
    root = copy(manual_dir, tmp_path)
    watcher = ManualWatcher(load_manual(root), snapshot(root))
    assert not watcher.due(snapshot(root))  # nothing changed
    section = root / "sections" / "neglect.md"
    touch(section, section.read_text(encoding="utf-8").replace("ネグレクト（", "ネグレクト・("), 1)
    changed = snapshot(root)
    assert not watcher.due(changed)  # first sight: maybe still being written
    assert watcher.due(changed)  # unchanged since: load it
    result = watcher.loaded(changed, *check_manual(root))
    assert result.reloaded and result.manual.section("neglect").title.startswith("ネグレクト・")
    assert not watcher.due(snapshot(root))


def test_broken_edit_keeps_last_good_and_reports_once(manual_dir: Path, tmp_path: Path) -> None:
    root = copy(manual_dir, tmp_path)
    good = load_manual(root)
    watcher = ManualWatcher(good, snapshot(root))
    section = root / "sections" / "neglect.md"
    original = section.read_text(encoding="utf-8")
    touch(section, original.replace('title = "', "title = "), 1)
    broken = snapshot(root)
    watcher.due(broken)
    assert watcher.due(broken)
    result = watcher.loaded(broken, *check_manual(root))
    assert not result.reloaded and result.manual is good
    assert result.problems and result.problems[0].path == section
    assert not watcher.due(broken) and not watcher.due(broken)  # reported once
    touch(section, original, 2)  # fixed
    fixed = snapshot(root)
    watcher.due(fixed)
    assert watcher.due(fixed)
    assert watcher.loaded(fixed, *check_manual(root)).reloaded


def test_polling_loop_reloads_the_engine(manual_dir: Path, tmp_path: Path) -> None:
    root = copy(manual_dir, tmp_path)
    engine = KnowledgeEngine(load_manual(root))
    results: list[ReloadResult] = []

    async def scenario() -> None:
        task = asyncio.create_task(
            watch_manuals(root, engine, interval_s=0.01, on_result=results.append)
        )
        await asyncio.sleep(0.05)
        section = root / "sections" / "line-189.md"
        original = section.read_text(encoding="utf-8")
        touch(section, original.replace('title = "', "title = "), 5)  # broken
        await until(lambda: len(results) == 1)
        touch(section, original.replace("「189」", "（189）"), 6)  # fixed
        await until(lambda: len(results) == 2)
        task.cancel()

    async def until(condition: Callable[[], bool]) -> None:
        for _ in range(500):
            if condition():
                return
            await asyncio.sleep(0.01)

    asyncio.run(scenario())
    assert [r.reloaded for r in results] == [False, True]
    assert "（189）" in engine.section("line-189").title


def test_a_file_named_beside_the_manual_is_watched_too(manual_dir: Path, tmp_path: Path) -> None:
    root = copy(manual_dir, tmp_path)
    (root / "risk.toml").write_text("# sheet\n", encoding="utf-8")
    watcher = ManualWatcher(load_manual(root), snapshot(root, ("risk.toml",)))
    touch(root / "risk.toml", "# sheet, edited\n", 1)
    changed = snapshot(root, ("risk.toml",))
    assert not watcher.due(changed)
    assert watcher.due(changed)  # settled: reload, so the file's own reader can follow
    assert "risk.toml" not in {Path(p).name for p, _, _ in snapshot(root)}  # only when named


def test_an_edit_made_before_the_loop_starts_is_not_its_baseline(
    manual_dir: Path, tmp_path: Path
) -> None:
    # serve snapshots the files before it reads them; an edit made while it starts (before
    # the watcher's first poll) must still be reloaded, not silently taken as the baseline.
    root = copy(manual_dir, tmp_path)
    before = snapshot(root)
    engine = KnowledgeEngine(load_manual(root))
    section = root / "sections" / "line-189.md"
    touch(section, section.read_text(encoding="utf-8").replace("「189」", "（189）"), 5)
    results: list[ReloadResult] = []

    async def scenario() -> None:
        task = asyncio.create_task(
            watch_manuals(root, engine, interval_s=0.01, on_result=results.append, loaded=before)
        )
        for _ in range(500):
            if results:
                break
            await asyncio.sleep(0.01)
        task.cancel()

    asyncio.run(scenario())
    assert [r.reloaded for r in results] == [True]
    assert "（189）" in engine.section("line-189").title
