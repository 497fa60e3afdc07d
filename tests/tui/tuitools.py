"""Helpers of the app tests: settle the app after pushing updates, a quiet config."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from textual.pilot import Pilot

from consult_assist.testing import FakeHubClient
from consult_assist.tui.settings import TuiConfig

__all__ = ["NOW", "QUIET", "UNIT", "clock", "screen_text", "settle", "until"]

UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))

QUIET = TuiConfig(server="ws://test/", bell=False, flash_s=0, tick_s=0)
"""No bell, no flashing, no clock ticks: what a test or a snapshot sees does not move."""

NOW = datetime(2025, 1, 1, 0, 3, 25, tzinfo=UTC)
"""The fixed "now" of the supervisor tests: calls started at midnight are 03:25 long."""


def clock() -> datetime:
    return NOW


async def settle(pilot: Pilot[Any], client: FakeHubClient) -> None:
    """Wait until the app has applied every pushed update and redrawn."""
    await asyncio.wait_for(client.drained(), 5 * UNIT)
    await pilot.pause()
    await pilot.pause()


async def until(pilot: Pilot[Any], ready: Callable[[], object]) -> None:
    """Let the app run until ``ready()`` is true (a bounded wait, not a timed assertion)."""

    async def poll() -> None:
        while not ready():
            await pilot.pause()

    await asyncio.wait_for(poll(), 5 * UNIT)


def screen_text(app: Any) -> str:
    """What the terminal shows now, line by line (every layer composed, toasts included)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
