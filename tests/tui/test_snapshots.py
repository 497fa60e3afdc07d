"""SVG snapshots of both apps with a Japanese call, at 80x24 and 120x40.

Update after a deliberate change of the screens with ``pytest tests/tui --snapshot-update``
and look at the new SVGs before committing them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from sample_call import call_events
from textual.pilot import Pilot
from tuitools import QUIET, clock, settle, until

from consult_assist.events import Advice, HelpRequest, Note, SessionEnded, SessionStarted
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


def test_handler_with_two_calls_and_notes(snap_compare: Any) -> None:
    """The other call counted in the top bar; notes listed as sent, one edited."""
    client = FakeHubClient(name="佐藤")

    async def run_before(pilot: Pilot[Any]) -> None:
        client.push(*call_events("call-1", handler="佐藤"))
        first = client.emit(Note(session="call-1", text="泣き声は毎晩", by="佐藤"))
        client.emit(
            Note(session="call-1", text="泣き声は毎晩22時ごろ", by="佐藤", replaces=first.seq)
        )
        client.emit(Note(session="call-1", text="住所は西葛西", by="佐藤"))
        client.push(
            *call_events("call-2", handler="佐藤", started_at="2025-01-01T00:02:00+00:00")[:3]
        )
        await settle(pilot, client)
        app.clear_notifications()
        await pilot.pause()

    app = make_handler_app(QUIET, client, clock=clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_handler_call_list(snap_compare: Any) -> None:
    """F8: the calls going on now, and today's ended calls with their record state."""
    client = FakeHubClient(name="佐藤")
    past = call_events("call-7", handler="佐藤", started_at="2024-12-31T23:10:00+00:00")
    client.remember(
        *past, SessionEnded(session="call-7", seq=len(past) + 1, at=312.0, reason="hangup")
    )

    async def run_before(pilot: Pilot[Any]) -> None:
        client.push(*call_events("call-1", handler="佐藤"))
        await settle(pilot, client)
        await pilot.press("f8")
        await until(pilot, lambda: client.called("sessions")[-1][0] is False)
        await until(
            pilot, lambda: "call-7" in [o.id for o in app.screen.query_one("OptionList").options]
        )

    app = make_handler_app(QUIET, client, clock=clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_handler_asks_before_ending_a_phone_call(snap_compare: Any) -> None:
    """F6 on a SIP call: the phone call itself goes on."""
    client = FakeHubClient(name="佐藤")
    events = call_events("call-1", handler="佐藤")
    started = events[0]
    assert isinstance(started, SessionStarted)
    events[0] = dataclasses.replace(started, meta={**started.meta, "source": "sip"})

    async def run_before(pilot: Pilot[Any]) -> None:
        client.push(*events)
        await settle(pilot, client)
        await pilot.press("f6")
        await pilot.pause()

    app = make_handler_app(QUIET, client, clock=clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_handler_help_screen(snap_compare: Any) -> None:
    client = FakeHubClient(name="佐藤")
    app = make_handler_app(QUIET, client, clock=clock)
    assert snap_compare(app, terminal_size=(80, 24), press=["f1"])


def test_supervisor_with_an_ended_call(snap_compare: Any) -> None:
    """Ended calls stay for the day, greyed, below the live ones."""
    app, fill, client = supervisor_with_calls()

    async def run_before(pilot: Pilot[Any]) -> None:
        await fill(pilot)
        client.emit(SessionEnded(session="call-2", at=95.0, reason="hangup"))
        await settle(pilot, client)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
