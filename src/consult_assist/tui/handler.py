"""The handler's app: the handler's calls on screen, manual suggestions, help and advice, notes.

Thin by design: one worker reads :meth:`HubClient.updates` and applies each event to the
session's :class:`CallView`; the widgets redraw the parts that changed. Every live call of the
handler is followed: one is on screen, the others are counted in the top bar (a new call or a
critical word in another call is announced) and F8 switches. Notes are listed as sent and can
be edited, during the call and after it, until the record is closed (F9 → F12). Requests to
the hub run in workers and report failures as one Japanese sentence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Input

from consult_assist.errors import ConsultAssistError
from consult_assist.events import Alert, Event, SessionEnded, SessionStarted
from consult_assist.hub.client import ConnectionState, HubClient, Update
from consult_assist.labels import ROLES, end_reason_label, level_label
from consult_assist.tui.call_lines import live_row, past_row, status_line
from consult_assist.tui.callview import CallView
from consult_assist.tui.hub_app import HubApp
from consult_assist.tui.screens.calls_screen import CallRow, CallsScreen
from consult_assist.tui.screens.confirm_screen import ConfirmScreen
from consult_assist.tui.screens.help_screen import HelpScreen
from consult_assist.tui.screens.line_input_screen import LineInputScreen
from consult_assist.tui.screens.risk_screen import RiskScreen
from consult_assist.tui.screens.start_screen import StartChoice, StartScreen
from consult_assist.tui.screens.summary_screen import SummaryScreen
from consult_assist.tui.settings import TuiConfig
from consult_assist.tui.starter import ReplayStarter, SessionStarter
from consult_assist.tui.widgets.call_panel import CallPanel
from consult_assist.tui.widgets.connection_bar import ConnectionBar
from consult_assist.tui.widgets.notes_panel import NotesPanel
from consult_assist.tui.widgets.richtext import clean
from consult_assist.tui.widgets.suggestion_list import SuggestionList
from consult_assist.tui.widgets.top_bar import TopBar
from consult_assist.tui.widgets.transcript_view import TranscriptView
from consult_assist.tui.wording import call_name, problem

__all__ = ["HandlerApp", "make_handler_app"]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

PHONE = ("sip", "siprec")
"""Sources whose phone call goes on when the transcription is stopped (docs/protocol.md)."""


class HandlerApp(HubApp):
    """One handler at one phone: the handler's calls, one on screen at a time."""

    TITLE = f"consult-assist {ROLES['handler']}"
    CSS_PATH = "handler.tcss"
    FOLLOW = "mine"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "ヘルプ"),
        Binding("question_mark", "help", "ヘルプ", show=False),
        Binding("f2", "help_request", "応援要請"),
        Binding("f3", "ack_advice", "助言"),
        Binding("f4", "focus_note", "メモ"),
        Binding("f5", "start", "開始"),
        Binding("f6", "end_call", "終話"),
        Binding("f7", "follow", "最新へ", show=False),
        Binding("f8", "calls", "一覧"),
        Binding("f9", "record", "記録"),
        Binding("f10", "risk", "リスク"),
        Binding("ctrl+q", "quit", "終了", show=False),
    ]
    HELP_TITLE = "対応者画面のキー操作（F1 / ?）"
    HELP_KEYS = (
        ("F1 / ?", "このヘルプ（入力欄にいるときは F1）"),
        ("F2", "スーパーバイザーに応援を求める（理由を1行添えられます）"),
        ("F3", "届いた助言を確認済みにする"),
        ("F4", "メモを書く（通話後も、記録を確定するまで書けます）"),
        ("F4 のあと ↑", "送ったメモを選ぶ（Enter で修正、空にすると取り消し）"),
        ("F5", "通話を開始（マイク、または研修用の録音ファイル）"),
        ("F6", "通話を終了（確認あり。電話では文字起こしだけ止めます）"),
        ("F7 / End", "文字起こしの最新の行へ（自動スクロールを再開）"),
        ("F8", "通話一覧: 通話の切替、本日の通話の検索と記録"),
        ("F9", "記録（下書き）を開く。記録画面の F12 で記録を確定"),
        ("F10", "リスクアセスメント: 緊急度、各項目と根拠の発言、次に聞くこと"),
        ("Tab", "欄の移動。参考マニュアルで Enter: 全文、r: 候補を更新"),
        ("Esc", "ダイアログや画面を閉じる"),
        ("Ctrl+Q", "アプリを終了（この端末から流している通話は確認あり）"),
    )

    def __init__(
        self,
        config: TuiConfig,
        client: HubClient,
        *,
        starter: SessionStarter | None = None,
        clock: Clock | None = None,
        supervisor_command: str = "",
    ) -> None:
        super().__init__(config, client)
        self.starter: SessionStarter = starter or ReplayStarter()
        self.clock: Clock = clock or (lambda: datetime.now().astimezone())
        self.supervisor_command = supervisor_command
        """The demo's command that opens the supervisor app (shown at start and in F1)."""
        self.current: str | None = None
        self.alerted: set[str] = set()
        """Other calls with a critical word the handler has not looked at yet."""
        self.streaming: set[str] = set()
        """Calls whose audio this app sends (microphone or file): they end with the app."""
        self._calls: CallsScreen | None = None

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TopBar("待機中 — F5 で通話を開始", "接続しています…", id="topbar")
        yield CallPanel(limit=self.config.max_suggestions, id="call")
        yield NotesPanel(id="notes")
        note = Input(placeholder="メモを入力して Enter（通話記録に残ります）", id="note")
        note.border_title = "新しいメモ（F4）"
        yield note
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.listen()
        if self.supervisor_command:
            self.say(
                f"スーパーバイザー画面は別の端末で: {self.supervisor_command}（F1 で再表示）",
                title="デモ",
                timeout=30,
            )

    def help_screen(self) -> HelpScreen:
        if not self.supervisor_command:
            return super().help_screen()
        extra = (
            "スーパーバイザー画面を開くには、別の端末でこのコマンドを実行します"
            f"（c でコピー）:\n\n  {self.supervisor_command}"
        )
        return HelpScreen(
            self.HELP_TITLE, self.HELP_KEYS, extra=extra, copy=self.supervisor_command
        )

    @property
    def view(self) -> CallView | None:
        """The call on screen."""
        return self.views.get(self.current) if self.current else None

    @property
    def live(self) -> CallView | None:
        """The call on screen if it is still going on."""
        view = self.view
        return view if view is not None and not view.ended else None

    def live_calls(self) -> list[CallView]:
        """Every call of this handler going on now, oldest first."""
        return [v for v in self.views.values() if v.started and not v.ended]

    # -- the update stream ---------------------------------------------------------------

    def apply_update(self, update: Update) -> None:
        """Apply one event or connection change; an event already applied changes nothing."""
        if isinstance(update, ConnectionState):
            self.connection = update
            self.query_one(ConnectionBar).show_state(update, self.client.identity)
            return
        view = self.views.setdefault(update.session, CallView(update.session))
        parts = view.apply(update)
        if not parts:
            return
        news = self.is_news(update.session, update.seq)
        if isinstance(update, SessionStarted) and update.session != self.current:
            if self._may_switch():
                self._show(view.session)
            elif news:
                name = clean(call_name(view.handler, view.started_at, now=self.clock()))
                self.say(
                    f"新しい通話が始まりました: {name} — F8 で切替",
                    title="新しい通話",
                    timeout=15,
                )
        elif update.session == self.current:
            self.query_one(CallPanel).show_view(view, parts)
            self._on_event(view, update, parts, news)
        else:
            self._elsewhere(view, update, news)
        self._count()
        if self._calls is not None:
            self._calls.show_live(self._live_rows())

    def _may_switch(self) -> bool:
        """Whether a new call may take the screen: nothing live is shown, nothing is typed."""
        return self.live is None and not self.query_one("#note", Input).value.strip()

    def _on_event(self, view: CallView, event: Event, parts: frozenset[str], news: bool) -> None:
        # view.ring: a critical word said as a fact, newly shown (not asked, not tentative twice)
        if isinstance(event, Alert) and view.ring and news and self.config.bell:
            self.bell()
        if "help" in parts and view.help and view.help[-1].acked_by and event.type == "ack":
            self.say(
                f"{clean(view.help[-1].acked_by)} さんが応援要請を受けました", title="応援要請"
            )
        if "advice" in parts and event.type == "advice":
            self.say("スーパーバイザーから助言が届きました（F3 で確認）", title="助言")
        if "notes" in parts:
            self._show_notes(view)
        if "risk" in parts:
            self._status(view)
            for screen in self.screen_stack:
                if isinstance(screen, RiskScreen) and screen.session == view.session:
                    screen.show_risk(view.risk)
        if "session" in parts:
            self._status(view)
        if isinstance(event, SessionEnded) and news:
            self.open_summary(view)

    def _elsewhere(self, view: CallView, event: Event, news: bool) -> None:
        """An event of a call that is not on screen: only what must not wait is announced."""
        if not news or view.ended:
            return
        if isinstance(event, Alert) and view.ring:
            self.alerted.add(view.session)
            if self.config.bell:
                self.bell()
            name = clean(call_name(view.handler, view.started_at, now=self.clock()))
            self.say(
                f"別の通話（{name}）で{level_label('critical')}の注意ワード"
                f"「{clean(event.word)}」— F8 で切替",
                title="別の通話",
                severity="error",
                timeout=20,
            )
        elif event.type == "advice":
            self.say("別の通話に助言が届きました — F8 で切替", title="助言")

    def _show(self, session: str) -> None:
        self.current = session
        self.alerted.discard(session)
        view = self.views.setdefault(session, CallView(session))
        self.query_one(CallPanel).show_view(view)
        self._status(view)
        self._show_notes(view)
        self._count()

    def _status(self, view: CallView) -> None:
        self.query_one(TopBar).show_status(status_line(view))
        self._show_notes(view)

    def _count(self) -> None:
        others = [v for v in self.live_calls() if v.session != self.current]
        alert = any(v.session in self.alerted for v in others)
        text = f"他 {len(others)} 件" + (" ⚠緊急" if alert else "") + "（F8）"
        self.query_one(TopBar).show_count(text if others else "", alert=alert)

    def _show_notes(self, view: CallView) -> None:
        self.query_one(NotesPanel).show_view(view)
        note = self.query_one("#note", Input)
        note.disabled = view.closed
        if view.closed:
            note.placeholder = "この通話の記録は確定済みです（メモは追加できません）"
        elif view.ended:
            note.placeholder = (
                "通話後のメモを入力して Enter（記録を確定するまで追加・修正できます）"
            )
        else:
            note.placeholder = "メモを入力して Enter（通話記録に残ります）"

    # -- actions ---------------------------------------------------------------------------

    def _need_live(self) -> CallView | None:
        view = self.live
        if view is None:
            self.say("通話中ではありません（F5 で通話を開始）", severity="warning")
        return view

    def action_help_request(self) -> None:
        view = self._need_live()
        if view is None:
            return
        session = view.session

        def send(reason: str | None) -> None:
            if reason is not None:
                self._request(lambda: self.client.help(session, reason), "応援要請を送りました")

        self.push_screen(
            LineInputScreen(
                "応援要請",
                "スーパーバイザーに応援を求めます。理由（任意・1行）を入力して Enter、Esc で取消。",
                placeholder="例: 虐待の疑い、対応を相談したい",
            ),
            send,
        )

    def action_ack_advice(self) -> None:
        view = self.view
        unread = view.unread_advice if view else []
        if view is None or not unread:
            self.say("未確認の助言はありません")
            return
        for advice in unread:
            self._request(partial(self.client.ack, view.session, advice.seq))

    def action_risk(self) -> None:
        view = self.view
        if view is None:
            self.say("表示中の通話がありません")
            return
        if not any(isinstance(s, RiskScreen) for s in self.screen_stack):
            self.push_screen(RiskScreen(view.session, view.risk))

    def action_focus_note(self) -> None:
        note = self.query_one("#note", Input)
        if note.disabled:
            self.say("この通話の記録は確定済みです（メモは追加できません）", severity="warning")
            return
        note.focus()

    def action_follow(self) -> None:
        self.query_one(TranscriptView).follow()

    def action_end_call(self) -> None:
        view = self._need_live()
        if view is None:
            return
        session = view.session
        source = str(view.meta.get("source", ""))
        if source in PHONE:
            title = "文字起こしを終了しますか"
            message = (
                "この通話は電話です。ここで終了するのは文字起こしだけで、電話そのものは切れません"
                "（電話は受話器で切ってください）。記録には「"
                f"{end_reason_label('stopped')}」と残り、終了後は文字起こしされません。"
            )
            yes = "文字起こしを終了する（電話は続きます）"
        else:
            title = "通話を終了しますか"
            message = "音声の送信と文字起こしを終了します。終了すると再開はできません。"
            yes = "通話を終了する"

        def chosen(answer: str | None) -> None:
            if answer == "end":
                self._request(lambda: self.client.end_session(session))

        self.push_screen(ConfirmScreen(title, message, [("keep", "続ける"), ("end", yes)]), chosen)

    def action_start(self) -> None:
        if self.live is not None:
            self.say("通話中です。先に F6 で終了してください", severity="warning")
            return
        self.push_screen(StartScreen(self.starter.devices), self._start_chosen)

    def _start_chosen(self, choice: StartChoice | None) -> None:
        if choice is not None:
            self.start_call(choice)

    @work(group="start")
    async def start_call(self, choice: StartChoice) -> None:
        """Start the chosen source; its audio keeps streaming in the starter's own task."""
        try:
            if choice.kind == "mic":
                session = await self.starter.microphone(self.client, choice.device)
            else:
                assert choice.path is not None
                session = await self.starter.file(
                    self.client, choice.path, speed=self.config.replay_speed
                )
        except ConsultAssistError as exc:
            log.warning("cannot start a call: %s", exc)
            self.say(problem(exc), title="通話を開始できません", severity="error", timeout=10)
            return
        self.streaming.add(session)
        self._show(session)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "note":
            return
        text = event.value.strip()
        view = self.view
        if not text:
            return
        if view is None:
            self.say("通話がないのでメモを残せません", severity="warning")
            return
        event.input.value = ""
        session = view.session
        self._request(lambda: self.client.note(session, text), "メモを記録しました")

    def on_key(self, event: object) -> None:
        # ↑ from the note input goes to the notes sent, to edit one.
        key = getattr(event, "key", "")
        notes = self.query_one(NotesPanel)
        if key == "up" and self.focused is self.query_one("#note", Input) and notes.display:
            notes.focus()
            notes.highlighted = notes.option_count - 1

    def on_notes_panel_edit(self, message: NotesPanel.Edit) -> None:
        view = self.view
        item = view.note_items.get(message.seq) if view else None
        if view is None or item is None:
            return
        me = self.client.identity.name if self.client.identity else ""
        if item.by != me:
            self.say("自分のメモだけを修正できます", severity="warning")
            return
        session, latest, before = view.session, item.latest, item.text

        def send(text: str | None) -> None:
            if text is None or text == before:
                return
            done = "メモを修正しました" if text else "メモを取り消しました"
            self._request(lambda: self.client.note(session, text, replaces=latest), done)

        self.push_screen(
            LineInputScreen(
                "メモを修正",
                "直して Enter。空にして Enter でこのメモを取り消します。Esc で中止。",
                value=before,
            ),
            send,
        )

    def on_suggestion_list_open(self, message: SuggestionList.Open) -> None:
        view = self.view
        title = next(
            (i.title for i in (view.suggestions if view else ()) if i.id == message.section_id),
            "マニュアル",
        )
        self.open_section(message.section_id, title)

    # -- the call list (F8) ------------------------------------------------------------------

    def _live_rows(self) -> list[CallRow]:
        return [
            CallRow(
                v.session,
                live_row(v, current=v.session == self.current, alerted=v.session in self.alerted),
            )
            for v in reversed(self.live_calls())
        ]

    def action_calls(self) -> None:
        if self._calls is not None:
            return
        screen = CallsScreen(self._live_rows(), self.current)
        self._calls = screen

        def chosen(session: str | None) -> None:
            self._calls = None
            if session is not None and session != self.current:
                self.open_call(session)

        self.push_screen(screen, chosen)
        self.load_past("")

    def on_calls_screen_search(self, message: CallsScreen.Search) -> None:
        self.load_past(message.text)

    @work(exclusive=True, group="past")
    async def load_past(self, search: str) -> None:
        """Today's ended calls of this handler (with ``search`` in their words) into the list."""
        today = self.clock().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        try:
            found = await self.client.sessions(
                live_only=False, since=today.isoformat(), search=search
            )
        except ConsultAssistError as exc:
            log.info("past calls: %s", exc)
            if self._calls is not None:
                self._calls.show_past(None, problem(exc))
            return
        rows = [CallRow(i.id, past_row(i)) for i in found if not i.live]
        self._history.update({i.id: i.last_seq for i in found if not i.live})
        if self._calls is not None:
            none = f"「{search}」を含む通話はありません" if search else "（ありません）"
            self._calls.show_past(rows, "" if rows else none)

    def open_call(self, session: str) -> None:
        """Show a call: a live one at once; a past one once its events have come."""
        known = session in self.views and self.views[session].started
        self._show(session)
        if not known:
            self.follow_past(session)

    @work(group="past-call")
    async def follow_past(self, session: str) -> None:
        try:
            await self.client.subscribe(session)
        except ConsultAssistError as exc:
            self.say(problem(exc), title="通話を開けません", severity="error")

    # -- the record (F9) -----------------------------------------------------------------

    def action_record(self) -> None:
        view = self.view
        if view is None:
            self.say("表示中の通話がありません（F8 で本日の通話を選べます）", severity="warning")
            return
        self.open_summary(view)

    def open_summary(self, view: CallView) -> None:
        if isinstance(self.screen, SummaryScreen):
            self.screen.dismiss(None)
        if view.ended:
            ended = view.end_reason
            reason = f"（{end_reason_label(ended)}）" if ended not in ("", "end") else ""
            status = f"通話が終了しました{reason} — Esc で通話画面へ"
        else:
            status = "通話中の記録（途中経過）— Esc で通話画面へ"
        screen = SummaryScreen(view.session, status, closed=view.closed)
        self.push_screen(screen)
        self.load_record(screen)

    @work(group="record")
    async def load_record(self, screen: SummaryScreen) -> None:
        try:
            text = await self.client.record(screen.session, "md")
        except ConsultAssistError as exc:
            log.info("record %s: %s", screen.session, exc)
            text = f"**記録を取得できません: {problem(exc)}**"
        view = self.views.get(screen.session)
        screen.show_record(text, closed=view.closed if view else None)

    def on_summary_screen_close_record(self, message: SummaryScreen.CloseRecord) -> None:
        session = message.session

        def chosen(answer: str | None) -> None:
            if answer != "close":
                return
            screen = self.screen

            def reload() -> None:
                if isinstance(screen, SummaryScreen) and screen.session == session:
                    self.load_record(screen)

            self._request(
                lambda: self.client.close_record(session), "記録を確定しました", then=reload
            )

        self.push_screen(
            ConfirmScreen(
                "記録を確定しますか",
                "確定すると、この通話のメモは追加も修正もできなくなります。",
                [("keep", "まだ確定しない"), ("close", "記録を確定する")],
            ),
            chosen,
        )

    # -- quitting --------------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Ctrl+Q: a call this app streams (microphone, file) ends with it: ask first."""
        streamed = [v for v in self.live_calls() if v.session in self.streaming]
        if not streamed:
            self.exit()
            return

        def chosen(answer: str | None) -> None:
            if answer == "quit":
                self.exit()

        self.push_screen(
            ConfirmScreen(
                "アプリを終了しますか",
                "このアプリで音声を送っている通話があります。終了すると、その通話も終わります。",
                [("keep", "続ける"), ("quit", "終了する")],
            ),
            chosen,
        )


def make_handler_app(
    config: TuiConfig,
    client: HubClient,
    *,
    starter: SessionStarter | None = None,
    clock: Clock | None = None,
    supervisor_command: str = "",
) -> HandlerApp:
    """The handler app over ``client`` (tests pass a FakeHubClient, a fake starter, a clock)."""
    return HandlerApp(
        config, client, starter=starter, clock=clock, supervisor_command=supervisor_command
    )
