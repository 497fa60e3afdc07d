"""The handler app at a centre, all day: several calls, past calls, notes after the call, the
record closed, F6 asked first, the help screen, one toast at a time (Pilot, FakeHubClient)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sample_call import call_events
from textual.widgets import Input, Markdown, OptionList, Static
from textual.widgets._toast import Toast
from tuitools import QUIET, clock, screen_text, settle, until

from consult_assist.events import (
    Alert,
    Note,
    SessionEnded,
    SessionStarted,
    TranscriptFinal,
)
from consult_assist.testing import FakeHubClient
from consult_assist.tui.handler import HandlerApp, make_handler_app
from consult_assist.tui.screens.calls_screen import CallsScreen
from consult_assist.tui.screens.confirm_screen import ConfirmScreen
from consult_assist.tui.screens.help_screen import HelpScreen
from consult_assist.tui.screens.line_input_screen import LineInputScreen
from consult_assist.tui.screens.summary_screen import SummaryScreen
from consult_assist.tui.widgets.notes_panel import NotesPanel
from consult_assist.tui.widgets.transcript_view import TranscriptView


def app_with(client: FakeHubClient, **kw: Any) -> HandlerApp:
    return make_handler_app(QUIET, client, clock=clock, **kw)


def second_call(session: str = "call-2", *, started_at: str = "2025-01-01T00:02:00+00:00") -> list:
    """A second call of the same handler, a minute into it."""
    return call_events(session, handler="sato", started_at=started_at)[:4]


def status(app: HandlerApp) -> str:
    return str(app.query_one("#call-status", Static).render())


def count(app: HandlerApp) -> str:
    widget = app.query_one("#call-count", Static)
    return str(widget.render()) if widget.display else ""


def toasts(app: HandlerApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_a_second_call_is_announced_counted_and_switched_to_with_f8() -> None:
    client = FakeHubClient()
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events("call-1", handler="sato"))
        await settle(pilot, client)
        client.push(*second_call())
        await settle(pilot, client)
        assert app.current == "call-1"  # the call being handled stays on screen
        assert count(app) == "他 1 件（F8）"
        assert toasts(app) == ["新しい通話が始まりました: sato 09:02〜 — F8 で切替"]
        await pilot.press("f8")
        await until(pilot, lambda: isinstance(app.screen, CallsScreen))
        calls = app.screen.query_one(OptionList)
        await until(pilot, lambda: calls.option_count >= 4)
        ids = [o.id for o in calls.options]
        assert ids[:3] == [None, "call-2", "call-1"]  # heading, then the newest first
        assert "（表示中）" in str(calls.get_option("call-1").prompt)
        calls.highlighted = ids.index("call-2")
        await pilot.press("enter")
        await until(pilot, lambda: app.current == "call-2")
        assert app.query_one(TranscriptView).entries()[0][1].plain == (
            "はい、江戸川区児童相談所です。どうされましたか。"
        )
        assert count(app) == "他 1 件（F8）"  # call-1 is now the other one


async def test_a_critical_word_in_another_call_is_announced_and_rings() -> None:
    client = FakeHubClient()
    app = make_handler_app(dataclasses.replace(QUIET, bell=True), client, clock=clock)
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events("call-1", handler="sato")[:4])
        client.push(*second_call())
        await settle(pilot, client)
        rings.clear()
        client.emit(
            Alert(
                session="call-2",
                level="critical",
                word="死にたい",
                segment="もう死にたい",
                utterance=1,
                speaker="caller",
            )
        )
        await settle(pilot, client)
        assert rings == [1]
        assert (
            toasts(app)[-1] == "別の通話（sato 09:02〜）で緊急の注意ワード「死にたい」— F8 で切替"
        )
        assert count(app) == "他 1 件 ⚠緊急（F8）"
        assert app.query_one("#call-count").has_class("-alert")
        assert app.current == "call-1"


async def test_f6_asks_first_and_escape_keeps_the_call() -> None:
    client = FakeHubClient()
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events())
        await settle(pilot, client)
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        text = str(app.screen.query_one("#message", Static).render())
        assert text.startswith("音声の送信と文字起こしを終了します")
        await pilot.press("enter")  # the highlighted answer is the harmless one
        await pilot.pause()
        assert client.called("end_session") == [] and app.live is not None
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("escape")
        await pilot.pause()
        assert client.called("end_session") == [] and not isinstance(app.screen, ConfirmScreen)


async def test_f6_on_a_phone_call_says_the_phone_call_goes_on() -> None:
    client = FakeHubClient()
    app = app_with(client)
    events = call_events()
    started = events[0]
    assert isinstance(started, SessionStarted)
    events[0] = dataclasses.replace(started, meta={**started.meta, "source": "sip"})
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*events)
        await settle(pilot, client)
        assert "電話（SIP）" in status(app)
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        text = str(app.screen.query_one("#message", Static).render())
        assert "電話そのものは切れません" in text and "文字起こしを停止（電話は継続）" in text
        answers = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert answers == ["続ける", "文字起こしを終了する（電話は続きます）"]
        await pilot.press("down", "enter")
        await until(pilot, lambda: client.called("end_session"))
        assert client.called("end_session") == [("call-1",)]


async def test_notes_are_listed_edited_and_taken_after_the_call_until_the_record_is_closed() -> (
    None
):
    client = FakeHubClient(name="sato")
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events(handler="sato"))
        await settle(pilot, client)
        note = app.query_one("#note", Input)
        await pilot.press("f4")
        note.value = "泣き声は毎晩"
        await pilot.press("enter")
        await until(pilot, lambda: app.view is not None and app.view.note_items)
        first = client.events[-1].seq
        # The call ends on its own; the record draft opens; Esc goes back to the call.
        client.emit(SessionEnded(session="call-1", at=180.0, reason="hangup"))
        await until(pilot, lambda: isinstance(app.screen, SummaryScreen))
        await pilot.press("escape")
        await pilot.pause()
        assert "記録未確定" in status(app) and not note.disabled
        assert "記録を確定するまで" in note.placeholder
        await pilot.press("f4")
        note.value = "翌日に再確認"
        await pilot.press("enter")
        await until(pilot, lambda: len(client.called("note")) == 2)
        await settle(pilot, client)
        panel = app.query_one(NotesPanel)
        assert [str(o.prompt) for o in panel.options] == [
            "sato: 泣き声は毎晩",
            "sato: 翌日に再確認",
        ]
        # ↑ from the input goes to the notes; Enter on one edits it.
        await pilot.press("f4", "up", "up")
        assert panel.has_focus and panel.highlighted == 0
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LineInputScreen))
        edit = app.screen.query_one(Input)
        assert edit.value == "泣き声は毎晩"
        edit.value = "泣き声は毎晩22時ごろ"
        await pilot.press("enter")
        await until(pilot, lambda: len(client.called("note")) == 3)
        await settle(pilot, client)
        assert client.called("note")[-1] == ("call-1", "泣き声は毎晩22時ごろ", first)
        assert str(panel.options[0].prompt) == "sato: 泣き声は毎晩22時ごろ（修正済み）"
        # The draft reopens (F9) and the record is closed from it (F12, confirmed).
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, SummaryScreen))
        await settle(pilot, client)
        assert client.called("record")[-1] == ("call-1", "md")
        await pilot.press("f12")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("down", "enter")
        await until(pilot, lambda: client.called("close_record"))
        await until(pilot, lambda: app.view is not None and app.view.closed)
        await until(pilot, lambda: len(client.called("record")) == 3)  # reloaded, closed
        await pilot.press("escape")
        await pilot.pause()
        assert note.disabled and "記録確定済み" in status(app)
        assert "確定済み" in str(panel.border_title)
        await pilot.press("f4")
        await pilot.pause()
        assert toasts(app)[-1] == "この通話の記録は確定済みです（メモは追加できません）"


async def test_someone_elses_note_is_not_offered_for_editing() -> None:
    client = FakeHubClient(name="sato")
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events(handler="sato"))
        client.emit(Note(session="call-1", text="要確認", by="田中"))
        await settle(pilot, client)
        panel = app.query_one(NotesPanel)
        panel.focus()
        panel.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, LineInputScreen)
        assert toasts(app)[-1] == "自分のメモだけを修正できます"


async def test_past_calls_of_today_are_searchable_and_open_with_their_record() -> None:
    client = FakeHubClient(name="sato", records={"call-7": "# 通話記録\n\n西葛西の件"})
    past = call_events("call-7", handler="sato", started_at="2024-12-31T23:10:00+00:00")
    client.remember(*past, SessionEnded(session="call-7", seq=len(past) + 1, at=300.0))
    other = call_events("call-6", handler="sato", started_at="2024-12-31T22:00:00+00:00")[:2]
    client.remember(*other, SessionEnded(session="call-6", seq=3, at=60.0, reason="hangup"))
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("f8")
        await until(pilot, lambda: isinstance(app.screen, CallsScreen))
        screen = app.screen
        await until(pilot, lambda: screen.query_one(OptionList).option_count >= 5)
        prompts = {o.id: str(o.prompt) for o in screen.query_one(OptionList).options}
        assert prompts["call-7"] == "  08:10〜08:15 記録未確定・本番・マイク・03-1234-5678・終了"
        assert "call-6" in prompts
        since = client.called("sessions")[-1][1]
        assert since == "2025-01-01T00:00:00+09:00"  # today, in Japan time
        search = screen.query_one("#search", Input)
        search.focus()
        search.value = "西葛西"
        await pilot.press("enter")
        await until(pilot, lambda: client.called("sessions")[-1][2] == "西葛西")
        await until(
            pilot, lambda: "call-6" not in [o.id for o in screen.query_one(OptionList).options]
        )
        calls = screen.query_one(OptionList)
        calls.highlighted = [o.id for o in calls.options].index("call-7")
        await pilot.press("enter")
        await until(
            pilot,
            lambda: app.current == "call-7" and len(app.query_one(TranscriptView).entries()) == 6,
        )
        assert "通話終了" in status(app)
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, SummaryScreen))
        await settle(pilot, client)
        assert "西葛西の件" in app.screen.query_one(Markdown).source


async def test_a_new_call_takes_the_screen_only_when_nothing_is_being_typed() -> None:
    client = FakeHubClient(name="sato")
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events(handler="sato")[:3])
        client.emit(SessionEnded(session="call-1", at=10.0))
        await until(pilot, lambda: isinstance(app.screen, SummaryScreen))
        await pilot.press("escape")
        await pilot.press("f4")
        app.query_one("#note", Input).value = "書きかけ"
        client.push(*second_call())
        await settle(pilot, client)
        assert app.current == "call-1"  # the half-written note stays with its call
        app.query_one("#note", Input).value = ""
        client.push(*second_call("call-3"))
        await settle(pilot, client)
        assert app.current == "call-3"


async def test_f1_and_question_mark_show_the_keys_in_japanese_but_typing_stays_typing() -> None:
    client = FakeHubClient()
    app = app_with(client)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        keys = screen_text(app)
        for words in ("応援を求める", "通話を終了", "通話一覧", "記録を確定", "Ctrl+Q"):
            assert words in keys
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        client.push(*call_events())
        await settle(pilot, client)
        await pilot.press("f4")
        await pilot.press("q", "question_mark")
        await pilot.pause()
        assert app.query_one("#note", Input).value == "q?"
        assert not isinstance(app.screen, HelpScreen) and app.is_running


async def test_the_demo_shows_the_supervisor_command_and_f1_shows_it_again() -> None:
    client = FakeHubClient()
    command = ".venv/bin/consult-assist supervisor --server ws://127.0.0.1:8765/ --token-file x"
    app = app_with(client, supervisor_command=command)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert command in toasts(app)[0]
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert command in str(app.screen.query_one("#extra", Static).render())
        await pilot.press("c")
        assert copied == [command]


async def test_two_toasts_in_a_row_never_overlap() -> None:
    client = FakeHubClient()
    app = app_with(client)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        client.push(*call_events())
        await settle(pilot, client)
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, LineInputScreen))
        await pilot.press("enter")  # 応援要請を送りました
        await until(pilot, lambda: client.called("help"))
        app.say("スーパーバイザーから助言が届きました（F3 で確認）")
        await pilot.pause(0.3)
        await pilot.pause()
        shown = list(app.screen.query(Toast))
        assert len(shown) == 1
        shown_text = screen_text(app).replace(" ", "")
        assert "スーパーバイザーから助言が届きました" in shown_text  # whole, not overlapped
        assert "応援要請を送りました" not in shown_text  # replaced, not stacked


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_notes_list_fits_beside_a_long_note(size: tuple[int, int]) -> None:
    client = FakeHubClient(name="sato")
    app = app_with(client)
    async with app.run_test(size=size) as pilot:
        client.push(*call_events(handler="sato"))
        client.emit(Note(session="call-1", text="あ" * 300, by="sato"))
        client.emit(
            TranscriptFinal(
                session="call-1", utterance=9, start=40, end=41, text="はい", speaker="caller"
            )
        )
        await settle(pilot, client)
        panel = app.query_one(NotesPanel)
        assert panel.display and panel.region.right <= size[0]
        assert str(panel.options[0].prompt).endswith("…")
