"""The handler app against a FakeHubClient: Pilot tests of what the issue asks for."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from rich.text import Text
from sample_call import SUGGESTIONS, call_events
from textual.binding import Binding
from textual.widgets import Input, Markdown, OptionList, Static
from tuitools import QUIET, screen_text, settle, until

from consult_assist.errors import AudioError, AuthError
from consult_assist.events import (
    Ack,
    Advice,
    Alert,
    CheckItem,
    Checklist,
    SessionEnded,
    SessionStarted,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
)
from consult_assist.hub.client import ClientError, ConnectionState, HubClient, ManualSection
from consult_assist.testing import FakeHubClient
from consult_assist.tui.handler import HandlerApp, make_handler_app
from consult_assist.tui.screens.confirm_screen import ConfirmScreen
from consult_assist.tui.screens.line_input_screen import LineInputScreen
from consult_assist.tui.screens.section_screen import SectionScreen
from consult_assist.tui.screens.start_screen import StartScreen
from consult_assist.tui.screens.summary_screen import SummaryScreen
from consult_assist.tui.widgets.advice_panel import AdvicePanel
from consult_assist.tui.widgets.alert_banner import AlertBanner
from consult_assist.tui.widgets.checklist_panel import ChecklistPanel
from consult_assist.tui.widgets.connection_bar import ConnectionBar
from consult_assist.tui.widgets.notes_panel import NotesPanel
from consult_assist.tui.widgets.suggestion_list import SuggestionList
from consult_assist.tui.widgets.transcript_view import TranscriptView


@dataclasses.dataclass
class Device:
    index: int
    name: str
    channels: int = 1
    default_rate: int = 48_000
    is_default: bool = False


class FakeStarter:
    """Records what the app asked to start; starts the session on the fake hub."""

    def __init__(self, devices: list[Device] | None = None) -> None:
        self._devices = devices
        self.started: list[tuple[str, object]] = []

    def devices(self) -> list[Device]:
        if self._devices is None:
            raise AudioError(
                "no microphone found: this machine has no audio input device", "no_microphone"
            )
        return self._devices

    async def microphone(self, client: HubClient, device: str | int | None) -> str:
        self.started.append(("mic", device))
        return await client.start_session(meta={"source": "mic"})

    async def file(self, client: HubClient, path: Path, *, speed: float) -> str:
        self.started.append(("file", path))
        return await client.start_session(training=True, meta={"source": "file"})


def app_with(client: FakeHubClient, **kw: object) -> HandlerApp:
    return make_handler_app(QUIET, client, **kw)  # type: ignore[arg-type]


def entries(app: HandlerApp) -> list[tuple[str, Text]]:
    return app.query_one(TranscriptView).entries()


def body_texts(app: HandlerApp) -> list[str]:
    return [str(text) for _, text in entries(app)]


async def test_connects_and_follows_its_own_sessions() -> None:
    client = FakeHubClient()
    async with app_with(client).run_test() as pilot:
        await pilot.pause()
        assert client.called("connect") == [()]
        assert client.subscriptions == ["mine"]


async def test_transcript_labels_speakers_and_replaces_partials_in_place() -> None:
    client = FakeHubClient()
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events())
        await settle(pilot, client)
        rows = entries(app)
        assert len(rows) == 6  # five finals and the partial in progress
        labels = [label for label, _ in rows]
        assert labels == ["対応者", "相談者", "相談者", "対応者", "相談者", "相談者"]
        assert body_texts(app)[1] == "となりの部屋から毎晩すごい泣き声がするんです。"
        partial = rows[-1][1]
        assert "dim" in str(partial.spans[0].style)
        client.emit(
            TranscriptFinal(
                session="call-1",
                utterance=5,
                start=20,
                end=23,
                text="昨日は夜中の二時ごろに大きな音がして",
                speaker="caller",
            )
        )
        await settle(pilot, client)
        assert len(entries(app)) == 6
        assert body_texts(app)[-1] == "昨日は夜中の二時ごろに大きな音がして"


async def test_an_event_delivered_twice_shows_once() -> None:
    client = FakeHubClient()
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        events = call_events()
        client.push(*events[:8])
        client.push(ConnectionState("disconnected", "closed (1006)", 0.5))
        client.push(ConnectionState("connected", "ws://test/"))
        client.push(*events[5:])  # a resume that overlaps
        await settle(pilot, client)
        assert len(entries(app)) == 6
        assert app.view is not None and len(app.view.alerts) == 2


async def test_auto_scroll_stops_when_scrolled_back_and_resumes_on_end() -> None:
    client = FakeHubClient()
    app = app_with(client)
    async with app.run_test(size=(80, 24)) as pilot:
        client.push(*call_events())
        for u in range(10, 40):
            client.emit(
                TranscriptFinal(
                    session="call-1",
                    utterance=u,
                    start=u,
                    end=u + 1,
                    text=f"{u} 行目の発言です。",
                    speaker="caller",
                )
            )
        await settle(pilot, client)
        transcript = app.query_one(TranscriptView)
        assert transcript.following and transcript.max_scroll_y > 0
        assert transcript.scroll_y == transcript.max_scroll_y
        transcript.focus()
        await pilot.pause()
        await pilot.press("pageup")
        await pilot.pause()
        assert not transcript.following
        assert "自動スクロール停止中" in str(transcript.border_subtitle)
        held = transcript.scroll_y
        client.emit(
            TranscriptFinal(
                session="call-1",
                utterance=50,
                start=50,
                end=51,
                text="新しい発言",
                speaker="caller",
            )
        )
        await settle(pilot, client)
        assert transcript.scroll_y == held < transcript.max_scroll_y
        await pilot.press("end")
        await settle(pilot, client)
        assert transcript.following and transcript.border_subtitle == ""
        assert transcript.scroll_y == transcript.max_scroll_y
        await pilot.press("up")
        await pilot.pause()
        assert not transcript.following
        await pilot.press("f7")
        await settle(pilot, client)
        assert transcript.following


async def test_suggestions_show_ranked_titles_and_enter_opens_the_section() -> None:
    section = ManualSection(
        "abuse/physical-report", "身体的虐待が疑われる通告", "まず安全を確認する。"
    )
    client = FakeHubClient(sections={section.id: section})
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events())
        await settle(pilot, client)
        suggestions = app.query_one(SuggestionList)
        assert [o.id for o in suggestions.options] == [i.id for i in SUGGESTIONS]
        first = suggestions.options[0].prompt
        assert "身体的虐待が疑われる通告" in str(first)
        assert any("underline" in str(s.style) for s in first.spans)  # type: ignore[union-attr]
        suggestions.focus()
        suggestions.highlighted = 0
        await pilot.press("enter")
        await settle(pilot, client)
        assert isinstance(app.screen, SectionScreen)
        assert client.called("section") == [("abuse/physical-report",)]
        assert "まず安全を確認する" in app.screen.query_one(Markdown).source
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SectionScreen)


async def test_suggestion_list_holds_still_while_the_user_reads_it() -> None:
    client = FakeHubClient()
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events())
        await settle(pilot, client)
        suggestions = app.query_one(SuggestionList)
        suggestions.focus()
        await pilot.pause()
        suggestions.highlighted = 1
        a, b, c = SUGGESTIONS
        client.emit(Suggestion(session="call-1", items=(c, b)))
        await settle(pilot, client)
        assert [o.id for o in suggestions.options] == [a.id, b.id, c.id]  # held
        assert "新しい候補あり" in str(suggestions.border_subtitle)
        await pilot.press("r")
        await pilot.pause()
        # a left the list; b and c keep their order; the highlight stays on b.
        assert [o.id for o in suggestions.options] == [b.id, c.id]
        assert suggestions.highlighted_option is not None
        assert suggestions.highlighted_option.id == b.id
        assert suggestions.border_subtitle == ""


async def test_alert_banner_follows_the_level_and_critical_rings_the_bell() -> None:
    client = FakeHubClient()
    app = make_handler_app(dataclasses.replace(QUIET, bell=True), client)
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events()[:6])  # up to the "high" alert
        await settle(pilot, client)
        banner = app.query_one(AlertBanner)
        assert banner.display and banner.has_class("-high") and rings == []
        assert "殴られる" in str(banner.render())
        client.push(*call_events()[6:])
        await settle(pilot, client)
        assert banner.has_class("-critical") and not banner.has_class("-high")
        assert "死にたい" in str(banner.render())
        assert rings == [1]
        row = entries(app)[4][1]
        assert any("on #c00000" in str(s.style) for s in row.spans)


async def test_checklist_shows_covered_and_missing() -> None:
    client = FakeHubClient()
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events())
        await settle(pilot, client)
        panel = app.query_one(ChecklistPanel)
        assert panel.border_title == "確認項目 2/5"
        text = str(panel.render())
        assert "✓ 住所・地域" in text and "□ 子どもの年齢" in text


async def test_help_request_with_a_reason_then_who_picked_it_up() -> None:
    client = FakeHubClient()
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events())
        await settle(pilot, client)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, LineInputScreen)
        app.screen.query_one(Input).value = "虐待の疑い"
        await pilot.press("enter")
        await settle(pilot, client)
        await settle(pilot, client)
        assert client.called("help") == [("call-1", "虐待の疑い")]
        panel = app.query_one(AdvicePanel)
        assert "送信済み・対応待ち" in str(panel.render())
        help_seq = client.events[-1].seq
        client.emit(Ack(session="call-1", ref=help_seq, kind="help.request", by="田中"))
        await settle(pilot, client)
        assert "田中 さんが対応" in str(panel.render())


async def test_help_key_without_a_call_says_so() -> None:
    client = FakeHubClient()
    app = app_with(client)
    async with app.run_test() as pilot:
        await pilot.press("f2")
        await pilot.pause()
        assert not isinstance(app.screen, LineInputScreen)
        assert client.called("help") == []


async def test_advice_appears_and_is_acknowledged_with_f3() -> None:
    client = FakeHubClient()
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events())
        advice = client.emit(Advice(session="call-1", text="住所を先に確認してください", by="田中"))
        await settle(pilot, client)
        panel = app.query_one(AdvicePanel)
        assert "住所を先に確認してください" in str(panel.render())
        assert panel.has_class("-unread") and "F3" in str(panel.border_subtitle)
        await pilot.press("f3")
        await settle(pilot, client)
        await settle(pilot, client)
        assert client.called("ack") == [("call-1", advice.seq)]
        assert not panel.has_class("-unread")


async def test_notes_go_to_the_record() -> None:
    client = FakeHubClient()
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events())
        await settle(pilot, client)
        await pilot.press("f4")
        note = app.query_one("#note", Input)
        assert note.has_focus
        note.value = "泣き声は毎晩22時ごろ"
        await pilot.press("enter")
        await settle(pilot, client)
        await settle(pilot, client)
        assert client.called("note") == [("call-1", "泣き声は毎晩22時ごろ", 0)]
        assert note.value == ""
        notes = app.query_one(NotesPanel)
        assert notes.display and "泣き声は毎晩22時ごろ" in str(notes.options[0].prompt)


async def test_end_of_call_shows_the_record_draft() -> None:
    client = FakeHubClient(records={"call-1": "# 通話記録\n\n相談者: 近隣の泣き声"})
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events())
        await settle(pilot, client)
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("down", "enter")  # the second answer: end
        await until(pilot, lambda: client.called("end_session"))
        await settle(pilot, client)
        await settle(pilot, client)
        assert client.called("end_session") == [("call-1",)]
        assert isinstance(app.screen, SummaryScreen)
        await settle(pilot, client)
        assert client.called("record") == [("call-1", "md")]
        assert "近隣の泣き声" in app.screen.query_one(Markdown).source
        await pilot.press("escape")
        await pilot.pause()
        assert "通話終了" in str(app.query_one("#call-status", Static).render())


async def test_a_call_that_ends_on_its_own_says_why_in_japanese() -> None:
    client = FakeHubClient()
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events())
        client.push(SessionEnded(session="call-1", seq=50, reason="disconnected"))
        await settle(pilot, client)
        await until(pilot, lambda: isinstance(app.screen, SummaryScreen))
        status = str(app.screen.query_one("#status", Static).render())
        assert status == "通話が終了しました（接続が切れたため終了） — Esc で通話画面へ"


async def test_start_from_a_file_when_there_is_no_microphone() -> None:
    client = FakeHubClient()
    starter = FakeStarter(devices=None)
    app = app_with(client, starter=starter)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        await until(pilot, lambda: app.screen.query_one("#path", Input).has_focus)
        message = str(app.screen.query_one("#mic-error", Static).render())
        assert message == (
            "マイクを使えません: マイク（音声入力デバイス）が見つかりません。"
            "録音ファイルは使えます。"
        )
        path_input = app.screen.query_one("#path", Input)
        assert path_input.has_focus
        path_input.value = "samples/neighbour-night.flac"
        await pilot.press("enter")
        await until(pilot, lambda: app.current is not None)
        await settle(pilot, client)
        assert starter.started == [("file", Path("samples/neighbour-night.flac"))]
        assert app.current == "call-1" and app.live is not None and app.live.training
        assert "● 研修通話中・音声ファイル" in str(app.query_one("#call-status", Static).render())


async def test_start_from_a_chosen_microphone() -> None:
    client = FakeHubClient()
    starter = FakeStarter(
        devices=[Device(0, "内蔵マイク", is_default=True), Device(3, "USB ヘッドセット")]
    )
    app = app_with(client, starter=starter)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f5")
        await until(pilot, lambda: app.screen.query_one("#devices", OptionList).option_count)
        devices = app.screen.query_one("#devices", OptionList)
        assert devices.option_count == 2 and devices.has_focus
        devices.highlighted = 1
        await pilot.press("enter")
        await until(pilot, lambda: app.current is not None)
        await settle(pilot, client)
        assert starter.started == [("mic", 3)]
        assert app.current == "call-1"


async def test_connection_state_is_shown() -> None:
    client = FakeHubClient()
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        bar = app.query_one(ConnectionBar)
        assert "接続中" in str(bar.render())
        client.push(ConnectionState("disconnected", "closed (1006)", 2.0))
        await settle(pilot, client)
        assert bar.has_class("-down") and "2 秒後に再接続" in str(bar.render())
        client.push(ConnectionState("connected", "ws://test/"))
        await settle(pilot, client)
        assert not bar.has_class("-down") and "接続中" in str(bar.render())


async def test_a_refused_token_is_shown() -> None:
    client = FakeHubClient(connect_error=AuthError("the server refused the token"))
    app = app_with(client)
    async with app.run_test() as pilot:
        bar = app.query_one(ConnectionBar)
        await until(pilot, lambda: bar.has_class("-failed"))
        assert (
            str(bar.render())
            == "✖ このトークンは受け付けられませんでした。管理者に確認してください"
        )


async def test_a_failed_request_is_one_sentence_not_a_crash() -> None:
    client = FakeHubClient()
    client.errors["note"] = ClientError("connection lost: closed (1006)", "lost")
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events())
        await settle(pilot, client)
        app.query_one("#note", Input).value = "メモ"
        app.query_one("#note", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: len(app._notifications))
        assert [n.message for n in app._notifications] == ["サーバーとの接続が切れました"]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_japanese_text_never_overflows_its_panel(size: tuple[int, int]) -> None:
    client = FakeHubClient()
    app = app_with(client)
    async with app.run_test(size=size) as pilot:
        client.push(*call_events())
        client.emit(
            TranscriptPartial(
                session="call-1", utterance=6, start=30, end=31, text="あ" * 200, speaker="caller"
            )
        )
        await settle(pilot, client)
        transcript = app.query_one(TranscriptView)
        assert transcript.max_scroll_x == 0
        assert transcript.virtual_size.width <= transcript.scrollable_content_region.width
        assert app.query_one("#side").region.right <= size[0]


async def test_critical_alerts_already_in_the_history_do_not_ring() -> None:
    client = FakeHubClient()
    client.push(*call_events())  # the call so far, before the app starts
    app = make_handler_app(dataclasses.replace(QUIET, bell=True), client)
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, client)
        assert app.query_one(AlertBanner).has_class("-critical")
        assert rings == []


def _alert(word: str, level: str = "critical", utterance: int = 50, **flags: object) -> Alert:
    return Alert(
        session="call-1",
        level=level,  # type: ignore[arg-type]
        word=word,
        segment=f"…{word}…",
        matched=word,
        utterance=utterance,
        **flags,  # type: ignore[arg-type]
    )


async def test_a_withdrawn_alert_leaves_the_banner_and_the_transcript() -> None:
    client = FakeHubClient()
    app = make_handler_app(dataclasses.replace(QUIET, bell=True), client)
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events()[:2])
        client.emit(
            TranscriptPartial(
                session="call-1", utterance=50, start=9, end=10, text="あの音のことなんですける"
            )
        )
        client.emit(_alert("蹴る", level="high", tentative=True))
        await settle(pilot, client)
        banner = app.query_one(AlertBanner)
        assert banner.display and "蹴る" in str(banner.render())
        assert "認識中" in str(banner.render())
        client.emit(_alert("蹴る", level="high", withdrawn=True))
        client.emit(
            TranscriptFinal(
                session="call-1", utterance=50, start=9, end=11, text="あの音のことなんですけど"
            )
        )
        await settle(pilot, client)
        assert not banner.display
        assert app.view is not None and app.view.alerts == []
        _, row = app.query_one(TranscriptView).entries()[-1]
        assert row.plain == "あの音のことなんですけど"
        assert not any("on rgb" in str(s.style) for s in row.spans)
        assert rings == []


async def test_a_confirmed_alert_replaces_its_tentative_one_and_rings_once() -> None:
    client = FakeHubClient()
    app = make_handler_app(dataclasses.replace(QUIET, bell=True), client)
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events()[:2])
        client.emit(_alert("死にたい", tentative=True, act="statement"))
        client.emit(_alert("死にたい", act="statement"))
        await settle(pilot, client)
        banner = app.query_one(AlertBanner)
        assert banner.has_class("-critical") and "認識中" not in str(banner.render())
        assert app.view is not None and len(app.view.alerts) == 1
        assert rings == [1]  # the tentative alert rang; its confirmation does not again


async def test_a_handlers_question_stays_out_of_the_banner_and_does_not_ring() -> None:
    client = FakeHubClient()
    app = make_handler_app(dataclasses.replace(QUIET, bell=True), client)
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events()[:2])
        client.emit(_alert("飛び降り", act="question"))
        client.emit(_alert("死にたい", utterance=51, act="statement", negated=True))
        await settle(pilot, client)
        assert not app.query_one(AlertBanner).display
        assert rings == []


async def test_the_next_call_never_shows_the_previous_calls_suggestions() -> None:
    client = FakeHubClient()
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events())
        client.emit(SessionEnded(session="call-1"))
        await settle(pilot, client)
        await pilot.press("escape")  # the record draft
        suggestions = app.query_one(SuggestionList)
        suggestions.focus()  # the user is reading the list: it would hold a new one
        await pilot.pause()
        assert [o.id for o in suggestions.options] == [s.id for s in SUGGESTIONS]
        client.emit(SessionStarted(session="call-2", meta={"handler": "sato"}))
        await settle(pilot, client)
        assert app.current == "call-2"
        assert [o.id for o in suggestions.options] == [None]  # 「まだありません」
        assert suggestions.border_subtitle == ""


async def test_asked_items_show_apart_from_covered_ones_with_values() -> None:
    client = FakeHubClient()
    app = app_with(client)
    async with app.run_test(size=(100, 30)) as pilot:
        client.push(*call_events()[:2])
        client.emit(
            Checklist(
                session="call-1",
                covered=(CheckItem(id="age", label="子どもの年齢", value="3歳・男"),),
                asked=(CheckItem(id="contact", label="連絡先", evidence="連絡先は"),),
                missing=(CheckItem(id="name", label="子どもの氏名"),),
            )
        )
        await settle(pilot, client)
        text = str(app.query_one(ChecklistPanel).render())
        assert "✓ 子どもの年齢：3歳・男" in text
        assert "？ 連絡先（質問済み・未回答）" in text
        assert "□ 子どもの氏名" in text


async def test_every_key_shown_in_the_footer_fits_an_80_column_terminal() -> None:
    """Japanese labels are double width: at 80 columns F8-F10 used to fall off the edge."""
    app = app_with(FakeHubClient())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
    shown = [b for b in app.BINDINGS if isinstance(b, Binding) and b.show]
    assert len(shown) >= 9
    for binding in shown:
        assert f"{binding.key} {binding.description}" in footer, (binding.key, footer)
