"""A two-hour call in the handler app (issue 12, "Long calls"): updates and scrolling stay fast.

The app is fed a 2-hour transcript (an utterance every 5 s: 1,440 lines, each two partials and
a final). The time to apply and draw one event, and to scroll from one end to the other, is
measured near the start and at the end of the call, and compared with itself: it must not grow
with the length of the transcript. This is a ratio of the app against itself, not a wall-clock
threshold; when every line was its own widget the ratio was about 15 (seconds per event at the
end of the call; docs/benchmarks.md, "bench soak").
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from textual.pilot import Pilot
from tuitools import QUIET, settle

from consult_assist.events import Event, SessionStarted, TranscriptFinal, TranscriptPartial
from consult_assist.testing import FakeHubClient
from consult_assist.tui.handler import make_handler_app
from consult_assist.tui.widgets.transcript_view import TranscriptView

TEXT = "となりの部屋から毎晩すごい泣き声がするんです、昨日も夜中に大きな音がしていました"
LINES = 2 * 3600 // 5
"""An utterance every five seconds for two hours."""
PROBE = 8
"""Utterances (three events each) timed at each end."""


def utterance(u: int) -> list[Event]:
    speaker = "caller" if u % 2 else "handler"
    start = 5.0 * u
    return [
        TranscriptPartial(session="c", utterance=u, start=start, end=start + 2, text=TEXT[:12],
                          speaker=speaker),
        TranscriptPartial(session="c", utterance=u, start=start, end=start + 3, text=TEXT[:24],
                          speaker=speaker),
        TranscriptFinal(session="c", utterance=u, start=start, end=start + 4, text=f"{u}: {TEXT}",
                        speaker=speaker),
    ]  # fmt: skip


async def _per_event(pilot: Pilot[Any], client: FakeHubClient, first: int) -> float:
    """Median seconds to apply and draw one event, over PROBE utterances from ``first``."""
    took = []
    for u in range(first, first + PROBE):
        for event in utterance(u):
            t0 = time.perf_counter()
            client.emit(event)
            await settle(pilot, client)
            took.append(time.perf_counter() - t0)
    return statistics.median(took)


async def _scroll(pilot: Pilot[Any]) -> float:
    """Seconds to go to the first line and back to the newest."""
    t0 = time.perf_counter()
    await pilot.press("home")
    await pilot.pause()
    await pilot.press("end")
    await pilot.pause()
    return time.perf_counter() - t0


async def test_a_two_hour_transcript_updates_and_scrolls_as_fast_as_a_short_one() -> None:
    client = FakeHubClient()
    app = make_handler_app(QUIET, client)
    async with app.run_test(size=(120, 40)) as pilot:
        client.emit(SessionStarted(session="c", meta={"handler": "sato"}))
        for u in range(20):
            for event in utterance(u):
                client.emit(event)
        await settle(pilot, client)
        view = app.query_one(TranscriptView)
        view.focus()
        early = await _per_event(pilot, client, 20)
        early_scroll = await _scroll(pilot)
        for u in range(20 + PROBE, LINES - PROBE):
            for event in utterance(u):
                client.emit(event)
            if u % 200 == 0:
                await settle(pilot, client)
        await settle(pilot, client)
        late = await _per_event(pilot, client, LINES - PROBE)
        late_scroll = await _scroll(pilot)
        entries = view.entries()
        assert len(entries) == LINES and str(entries[-1][1]).startswith(f"{LINES - 1}: ")
        assert view.following and view.scroll_y == view.max_scroll_y > 0
        await pilot.press("home")
        await pilot.pause()
        assert view.scroll_y == 0 and not view.following
    print(f"per event: {early * 1000:.1f} ms at 20 lines, {late * 1000:.1f} ms at {LINES}")
    print(f"home+end: {early_scroll * 1000:.1f} ms, then {late_scroll * 1000:.1f} ms")
    assert late < 3 * early, (early, late)
    assert late_scroll < 3 * early_scroll, (early_scroll, late_scroll)
