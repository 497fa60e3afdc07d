"""SVG snapshots of the risk sheet in the apps at 80x24 (update with --snapshot-update and
look at the SVGs before committing)."""

from __future__ import annotations

import dataclasses
from typing import Any

from sample_call import call_events
from test_risk_apps import sheet
from textual.pilot import Pilot
from tuitools import QUIET, clock, settle

from consult_assist.events import RiskSuspicion
from consult_assist.testing import FakeHubClient
from consult_assist.tui.handler import make_handler_app
from consult_assist.tui.supervisor import make_supervisor_app

SAID = (
    "隣の3歳の子が、夜中にベランダに出されて泣いてるんです。",
    "前にも児童相談所に保護されたことがあるんです。",
    "いや、ベランダに出されてはいないです。",
)


def test_handler_risk_screen(snap_compare: Any) -> None:
    client = FakeHubClient(name="佐藤")

    async def run_before(pilot: Pilot[Any]) -> None:
        client.push(*call_events())
        client.emit(sheet("call-1", *SAID))
        await settle(pilot, client)
        await pilot.press("f10")
        await pilot.pause()

    app = make_handler_app(QUIET, client)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_supervisor_tiers_and_banner(snap_compare: Any, suspicion: RiskSuspicion) -> None:
    """Tiers highest first; the call with a suspicion to confirm is marked (集中援助?)."""
    client = FakeHubClient(name="田中", role="supervisor")

    async def run_before(pilot: Pilot[Any]) -> None:
        client.push(*call_events("call-1", handler="佐藤"))
        client.push(*call_events("call-2", handler="鈴木"))
        client.emit(sheet("call-1", *SAID[:2]))
        client.emit(sheet("call-2", "首を絞められたって言うんです。"))
        client.push(*call_events("call-3", handler="山田"))
        client.emit(dataclasses.replace(sheet("call-3", SAID[0]), suspected=(suspicion,)))
        await settle(pilot, client)
        await pilot.press("f4")
        await pilot.pause()

    app = make_supervisor_app(QUIET, client, clock=clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
