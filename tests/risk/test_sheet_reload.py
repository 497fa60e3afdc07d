"""An edited risk.toml taken in while calls go on: new calls use it, a broken edit is refused."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from consult_assist.events import Risk, SessionStarted, TranscriptFinal
from consult_assist.knowledge.manual import load_manual
from consult_assist.risk.feed import RiskFeed
from consult_assist.risk.model import RiskModel
from consult_assist.risk.sheet_reload import reload_risk

ROOT = Path(__file__).resolve().parents[2]
WORDS = "お父さんにデコピンされて、すごく痛かった"
"""A blow the checkout's sheet does not know; the edit below adds it."""


def _state(feed: RiskFeed, session: str) -> str:
    feed.feed(SessionStarted(session=session))
    final = TranscriptFinal(
        session=session, at=1.0, utterance=1, start=0.0, end=1.0, text=WORDS, speaker="caller"
    )
    [event] = feed.feed(final)
    assert isinstance(event, Risk)
    return next(i.state for i in event.items if i.id == "likely_serious_harm")


def _copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(ROOT / "manuals", tmp_path / "manuals"))


def test_a_reloaded_sheet_assesses_the_calls_that_start_after_it(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    manual = load_manual(root)
    feed = RiskFeed(RiskModel.load(root, manual))
    assert _state(feed, "before") == "未確認"
    sheet = root / "risk.toml"
    text = sheet.read_text(encoding="utf-8")
    sheet.write_text(text.replace('cues = ["頭を叩"', 'cues = ["デコピン", "頭を叩"', 1), "utf-8")
    assert asyncio.run(reload_risk(feed, root, manual))
    assert _state(feed, "after") == "該当"


def test_a_broken_edit_keeps_the_last_good_sheet(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    manual = load_manual(root)
    feed = RiskFeed(RiskModel.load(root, manual))
    good = feed.model
    (root / "risk.toml").write_text("[[subitem]\nid = ", "utf-8")
    assert not asyncio.run(reload_risk(feed, root, manual))
    assert feed.model is good


def test_a_running_call_keeps_the_sheet_it_started_with(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    manual = load_manual(root)
    feed = RiskFeed(RiskModel.load(root, manual))
    feed.feed(SessionStarted(session="running"))
    sheet = root / "risk.toml"
    text = sheet.read_text(encoding="utf-8")
    sheet.write_text(text.replace('cues = ["頭を叩"', 'cues = ["デコピン", "頭を叩"', 1), "utf-8")
    assert asyncio.run(reload_risk(feed, root, manual))
    final = TranscriptFinal(
        session="running", at=1.0, utterance=1, start=0.0, end=1.0, text=WORDS, speaker="caller"
    )
    [event] = feed.feed(final)
    assert isinstance(event, Risk)
    assert next(i.state for i in event.items if i.id == "likely_serious_harm") == "未確認"
