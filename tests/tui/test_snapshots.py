"""SVG snapshots of both apps with a Japanese call, at 80x24 and 120x40.

Update after a deliberate change of the screens with ``pytest tests/tui --snapshot-update``
and look at the new SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sample_call import call_events
from textual.pilot import Pilot
from tuitools import QUIET, clock, settle

from consult_assist.events import Advice, HelpRequest
from consult_assist.testing import FakeHubClient
from consult_assist.tui.handler import make_handler_app
from consult_assist.tui.supervisor import make_supervisor_app

SIZES = [(80, 24), (120, 40)]


def handler_with_call() -> tuple[Any, Callable[[Pilot[Any]], Any]]:
    client = FakeHubClient(name="佐藤")

    async def run_before(pilot: Pilot[Any]) -> None:
        client.push(*call_events())
        client.emit(HelpRequest(session="call-1", reason="虐待の疑い", by="佐藤"))
        advice = "安全確認を先に。住所を聞いてください"
        client.emit(Advice(session="call-1", text=advice, by="田中"))
        await settle(pilot, client)

    return make_handler_app(QUIET, client), run_before


def supervisor_with_calls() -> tuple[Any, Callable[[Pilot[Any]], Any], FakeHubClient]:
    client = FakeHubClient(name="田中", role="supervisor")

    async def run_before(pilot: Pilot[Any]) -> None:
        client.push(*call_events("call-1", handler="佐藤"))
        client.push(*call_events("call-2", handler="鈴木", training=True)[:7])
        client.emit(HelpRequest(session="call-1", reason="虐待の疑い", by="佐藤"))
        await settle(pilot, client)

    return make_supervisor_app(QUIET, client, clock=clock), run_before, client


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_handler_during_a_call(snap_compare: Any, size: tuple[int, int]) -> None:
    app, run_before = handler_with_call()
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_supervisor_calls_and_alerts(snap_compare: Any, size: tuple[int, int]) -> None:
    app, run_before, _ = supervisor_with_calls()
    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_supervisor_watching_a_call(snap_compare: Any) -> None:
    app, fill, client = supervisor_with_calls()

    async def run_before(pilot: Pilot[Any]) -> None:
        await fill(pilot)
        await pilot.press("enter")
        await settle(pilot, client)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
