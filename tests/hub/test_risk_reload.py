"""serve follows an edited manuals/risk.toml, as it follows the manual's own files."""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

import pytest
from hubtools import live_server


async def test_an_edited_risk_sheet_is_taken_in_while_serving(
    tmp_path: Path, root: Path, unit: float, caplog: pytest.LogCaptureFixture
) -> None:
    site = tmp_path / "site"
    shutil.copytree(root / "manuals", site / "manuals")
    caplog.set_level(logging.INFO, logger="consult_assist.risk.sheet_reload")
    async with live_server(tmp_path, site):
        sheet = site / "manuals" / "risk.toml"
        text = sheet.read_text(encoding="utf-8")
        sheet.write_text(
            text.replace('cues = ["頭を叩"', 'cues = ["デコピン", "頭を叩"', 1), "utf-8"
        )
        for _ in range(int(200 * unit)):
            if "risk sheet reloaded" in caplog.text:
                break
            await asyncio.sleep(0.05)
        assert "risk sheet reloaded" in caplog.text
        sheet.write_text("[[subitem]\nid = ", "utf-8")  # a broken edit: refused, logged
        for _ in range(int(200 * unit)):
            if "not reloaded" in caplog.text:
                break
            await asyncio.sleep(0.05)
        assert "keeping the last good one" in caplog.text
