"""The supervisor app against a FakeHubClient: the live-call table, the feed, watching a call."""

from __future__ import annotations

import dataclasses

from rich.text import Text
from sample_call import call_events
from textual.widgets import Input
from tuitools import QUIET, clock, settle, until

from consult_assist.events import (
    Advice,
    Alert,
    HelpRequest,
    SessionEnded,
    TranscriptFinal,
)
from consult_assist.testing import FakeHubClient
from consult_assist.tui.screens.line_input_screen import LineInputScreen
from consult_assist.tui.screens.watch_screen import WatchScreen
from consult_assist.tui.supervisor import SupervisorApp, make_supervisor_app
from consult_assist.tui.widgets.advice_panel import AdvicePanel
from consult_assist.tui.widgets.alert_feed import AlertFeed
from consult_assist.tui.widgets.calls_table import CallsTable
from consult_assist.tui.widgets.suggestion_list import SuggestionList
from consult_assist.tui.widgets.transcript_view import TranscriptView


def supervisor() -> tuple[FakeHubClient, SupervisorApp]:
    client = FakeHubClient(name="田中", role="supervisor")
    return client, make_supervisor_app(QUIET, client, clock=clock)


def row(app: SupervisorApp, session: str) -> list[str]:
    table = app.query_one(CallsTable)
    return [c.plain if isinstance(c, Text) else str(c) for c in table.get_row(session)]


def two_calls(client: FakeHubClient) -> None:
    client.push(*call_events("call-1", handler="佐藤"))
    client.push(*call_events("call-2", handler="鈴木", training=True)[:7])


async def test_follows_every_session() -> None:
    client, app = supervisor()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert client.subscriptions == ["*"]


async def test_table_of_live_calls() -> None:
    client, app = supervisor()
    async with app.run_test(size=(120, 40)) as pilot:
        two_calls(client)
        await settle(pilot, client)
        assert app.query_one(CallsTable).row_count == 2
        r1 = row(app, "call-1")
        assert r1[:5] == ["佐藤", "09:00", "03:25", "本番", " 緊急 "]  # started 00:00 UTC
        assert r1[5:7] == ["", ""]  # no risk sheet yet, no help request
        assert r1[7].startswith("相談者: 昨日は夜中の二時ごろに")
        r2 = row(app, "call-2")
        assert r2[:5] == ["鈴木", "09:00", "03:25", "研修", " 重要 "]
        assert "殴られている" in r2[7] or r2[7].endswith("…")


async def test_events_delivered_twice_show_once() -> None:
    client, app = supervisor()
    async with app.run_test(size=(120, 40)) as pilot:
        two_calls(client)
        two_calls(client)
        await settle(pilot, client)
        assert app.query_one(CallsTable).row_count == 2
        assert app.query_one(AlertFeed).option_count == 3


async def test_help_request_flashes_until_acknowledged() -> None:
    client, app = supervisor()
    async with app.run_test(size=(120, 40)) as pilot:
        two_calls(client)
        help_event = client.emit(HelpRequest(session="call-1", reason="相談したい", by="佐藤"))
        await settle(pilot, client)
        table = app.query_one(CallsTable)
        cell = table.get_row("call-1")[6]
        assert isinstance(cell, Text) and cell.plain.strip() == "応援要請"
        assert row(app, "call-1")[7] == "理由「相談したい」"  # the reason, on the list
        on_style = str(cell.style)
        app._flash()
        await pilot.pause()
        off = table.get_row("call-1")[6]
        assert isinstance(off, Text) and str(off.style) != on_style
        table.move_cursor(row=table.get_row_index("call-1"))
        await pilot.press("f3")
        await settle(pilot, client)
        await settle(pilot, client)
        assert client.called("ack") == [("call-1", help_event.seq)]
        assert row(app, "call-1")[6] == "田中 対応"
        assert row(app, "call-1")[7].startswith("相談者: ")  # the reason went with the request
        app._flash()
        assert row(app, "call-1")[6] == "田中 対応"


async def test_alert_feed_has_critical_on_top_then_newest_first() -> None:
    client, app = supervisor()
    async with app.run_test(size=(120, 40)) as pilot:
        two_calls(client)
        client.emit(
            Alert(
                session="call-2",
                level="notice",
                word="血",
                segment="血が出ていて",
                speaker="caller",
            )
        )
        await settle(pilot, client)
        feed = app.query_one(AlertFeed)
        prompts = [str(o.prompt) for o in feed.options]
        assert [p.split()[0] for p in prompts] == ["緊急", "注意", "重要", "重要"]
        # Each names its call (handler and start) and when it was heard, in local time.
        assert prompts[0].startswith(" 緊急 09:00 佐藤 09:00〜「死にたい」 相談者「")
        assert "鈴木 09:00〜「血」" in prompts[1]  # the newest after the critical ones
        assert prompts[2].startswith(" 重要 09:00 鈴木 09:00〜「殴られる」")


async def test_watch_a_call_live_and_send_advice() -> None:
    client, app = supervisor()
    async with app.run_test(size=(120, 40)) as pilot:
        two_calls(client)
        await settle(pilot, client)
        table = app.query_one(CallsTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("call-2"))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, WatchScreen))
        screen = app.screen
        assert isinstance(screen, WatchScreen) and screen.session == "call-2"
        await pilot.pause()
        assert len(screen.query_one(TranscriptView).entries()) == 3
        client.emit(
            TranscriptFinal(
                session="call-2",
                utterance=3,
                start=12,
                end=14,
                text="わかりました。",
                speaker="handler",
            )
        )
        client.emit(
            TranscriptFinal(
                session="call-1", utterance=9, start=40, end=41, text="別の通話", speaker="caller"
            )
        )
        await settle(pilot, client)
        assert len(screen.query_one(TranscriptView).entries()) == 4  # only this call's lines
        assert [o.id for o in screen.query_one(SuggestionList).options][:1] == [
            "abuse/physical-report"
        ]
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, LineInputScreen))
        app.screen.query_one(Input).value = "年齢を確認してください"
        await pilot.press("enter")
        await until(pilot, lambda: client.called("advice"))
        await settle(pilot, client)
        assert client.called("advice") == [("call-2", "年齢を確認してください")]
        assert "年齢を確認してください" in str(screen.query_one(AdvicePanel).render())
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, WatchScreen)


async def test_selecting_an_alert_watches_its_call() -> None:
    client, app = supervisor()
    async with app.run_test(size=(120, 40)) as pilot:
        two_calls(client)
        await settle(pilot, client)
        feed = app.query_one(AlertFeed)
        feed.focus()
        await pilot.pause()
        feed.highlighted = 0
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, WatchScreen))
        assert app.screen.session == "call-1"  # type: ignore[attr-defined]


async def test_an_ended_call_stays_greyed_below_the_live_ones() -> None:
    client, app = supervisor()
    async with app.run_test(size=(120, 40)) as pilot:
        two_calls(client)
        client.emit(SessionEnded(session="call-2", at=95.0, reason="hangup"))
        await settle(pilot, client)
        table = app.query_one(CallsTable)
        assert [k.value for k in table.rows] == ["call-1", "call-2"]
        assert [table.get_row_index(s) for s in ("call-1", "call-2")] == [0, 1]
        ended = table.get_row("call-2")
        assert [c.plain for c in ended[:5]] == ["鈴木", "09:00", "01:35", "研修", " 重要 "]
        # Greyed: every written cell is dim (the empty help cell has nothing to grey).
        assert all(any("dim" in str(s.style) for s in c.spans) for c in ended if c.plain)
        assert "通話中 1 件・本日終了 1 件" in str(app.query_one("#call-status").render())


async def test_sorting_by_key_and_by_header() -> None:
    client, app = supervisor()
    async with app.run_test(size=(120, 40)) as pilot:
        client.push(*call_events("call-1", handler="佐藤", started_at="2025-01-01T00:00:00+00:00"))
        client.push(
            *call_events("call-2", handler="青木", started_at="2025-01-01T00:01:00+00:00")[:5]
        )
        client.emit(SessionEnded(session="call-1", at=200.0, reason="hangup"))
        await settle(pilot, client)
        table = app.query_one(CallsTable)

        def order() -> list[str]:
            return sorted(table.rows, key=lambda k: table.get_row_index(k))  # type: ignore[arg-type, return-value]

        assert [k.value for k in order()] == ["call-2", "call-1"]  # live first
        assert "通話中を上" in str(table.border_subtitle)
        table.focus()
        await pilot.press("s")  # newest start first
        await pilot.press("s")  # highest level first: call-1 had 緊急, call-2 only 重要
        await pilot.pause()
        assert "注意レベル" in str(table.border_subtitle)
        assert [k.value for k in order()] == ["call-1", "call-2"]
        await pilot.click(CallsTable, offset=(3, 1))  # the 対応者 header
        await pilot.pause()
        assert "対応者順" in str(table.border_subtitle)
        assert [k.value for k in order()] == ["call-1", "call-2"]  # 佐藤 < 青木 in code points


async def test_calls_that_ended_before_the_app_started_are_listed_for_the_day() -> None:
    client, app = supervisor()
    client.remember(
        *call_events("call-9", handler="高橋", started_at="2024-12-31T23:30:00+00:00")[:3],
        SessionEnded(session="call-9", seq=4, at=300.0, reason="hangup"),
    )
    client.remember(  # yesterday in Japan time: not listed
        *call_events("call-8", handler="高橋", started_at="2024-12-31T14:00:00+00:00")[:2],
        SessionEnded(session="call-8", seq=3, at=60.0, reason="hangup"),
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: "call-9" in app.views)
        await pilot.pause()
        assert list(app.query_one(CallsTable).rows) == ["call-9"]
        assert row(app, "call-9")[:4] == ["高橋", "08:30", "05:00", "本番"]
        since = client.called("sessions")[-1]
        assert since[:2] == (False, "2025-01-01T00:00:00+09:00")
        app.query_one(CallsTable).focus()
        await pilot.press("enter")  # its transcript is fetched when opened
        await until(pilot, lambda: isinstance(app.screen, WatchScreen))
        await until(pilot, lambda: len(app.screen.query_one(TranscriptView).entries()) == 2)
        assert client.subscriptions[-1] == "call-9"


async def test_advice_needs_a_call() -> None:
    client, app = supervisor()
    async with app.run_test() as pilot:
        await pilot.press("f2")
        await pilot.pause()
        assert not isinstance(app.screen, LineInputScreen)
        client.push(Advice(session="x", seq=1, text="t"))  # a call it never saw start
        await settle(pilot, client)
        assert app.query_one(CallsTable).row_count == 1


async def test_resize_down_to_80x24_keeps_the_table_inside() -> None:
    client, app = supervisor()
    async with app.run_test(size=(120, 40)) as pilot:
        two_calls(client)
        await settle(pilot, client)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        table = app.query_one(CallsTable)
        assert table.max_scroll_x == 0
        assert row(app, "call-1")[7].endswith("…")


def test_config_is_frozen() -> None:
    assert dataclasses.is_dataclass(QUIET)


async def test_the_feed_drops_withdrawn_alerts_and_marks_asked_words() -> None:
    client, app = supervisor()
    async with app.run_test(size=(120, 40)) as pilot:
        two_calls(client)
        await settle(pilot, client)
        feed = app.query_one(AlertFeed)
        before = len(feed.options)

        def alert(word: str, utterance: int, **flags: object) -> Alert:
            return Alert(
                session="call-2",
                level="critical",
                word=word,
                segment=f"…{word}…",
                utterance=utterance,
                **flags,  # type: ignore[arg-type]
            )

        client.emit(alert("意識がない", 70, tentative=True, act="statement"))
        await settle(pilot, client)
        assert len(feed.options) == before + 1
        assert "認識中" in str(feed.options[0].prompt)
        # 「…わけじゃない」: the final withdrew it.
        client.emit(alert("意識がない", 70, withdrawn=True))
        await settle(pilot, client)
        assert len(feed.options) == before
        # A handler's question with a critical word: listed, tagged, no banner-level row.
        client.emit(alert("飛び降り", 71, act="question"))
        await settle(pilot, client)
        prompts = [str(o.prompt) for o in feed.options]
        asked = next(p for p in prompts if "飛び降り" in p)
        assert "［質問］" in asked
        # Said as a fact, critical rows stay on top; the asked one comes after them.
        assert prompts.index(asked) > 0
