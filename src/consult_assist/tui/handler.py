"""The handler's app: the live call on screen, manual suggestions, help and advice, notes.

Thin by design: one worker reads :meth:`HubClient.updates` and applies each event to the
session's :class:`CallView`; the widgets redraw the parts that changed. Requests to the hub
(help, ack, note, record, section, start) run in workers and report failures as one sentence.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Input, Static

from consult_assist.errors import ConsultAssistError
from consult_assist.events import Alert, Event, Note, SessionEnded, SessionStarted
from consult_assist.hub.client import ConnectionState, HubClient, Update
from consult_assist.labels import ROLES, end_reason_label, kind_label, source_label
from consult_assist.tui.callview import CallView
from consult_assist.tui.hub_app import HubApp
from consult_assist.tui.screens.line_input_screen import LineInputScreen
from consult_assist.tui.screens.risk_screen import RiskScreen
from consult_assist.tui.screens.start_screen import StartChoice, StartScreen
from consult_assist.tui.screens.summary_screen import SummaryScreen
from consult_assist.tui.settings import TuiConfig
from consult_assist.tui.starter import ReplayStarter, SessionStarter
from consult_assist.tui.widgets.call_panel import CallPanel
from consult_assist.tui.widgets.connection_bar import ConnectionBar
from consult_assist.tui.widgets.suggestion_list import SuggestionList
from consult_assist.tui.widgets.top_bar import TopBar
from consult_assist.tui.widgets.transcript_view import TranscriptView

__all__ = ["HandlerApp", "make_handler_app"]

log = logging.getLogger(__name__)


class HandlerApp(HubApp):
    """One handler at one phone: the newest live call of the handler on screen."""

    TITLE = f"consult-assist {ROLES['handler']}"
    CSS_PATH = "handler.tcss"
    FOLLOW = "mine"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "help_request", "応援要請"),
        Binding("f3", "ack_advice", "助言確認"),
        Binding("f4", "focus_note", "メモ"),
        Binding("f5", "start", "開始"),
        Binding("f6", "end_call", "通話終了"),
        Binding("f7", "follow", "最新へ"),
        Binding("f8", "risk", "リスク"),
        Binding("ctrl+q", "quit", "終了"),
    ]

    def __init__(
        self, config: TuiConfig, client: HubClient, *, starter: SessionStarter | None = None
    ) -> None:
        super().__init__(config, client)
        self.starter: SessionStarter = starter or ReplayStarter()
        self.current: str | None = None

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TopBar("待機中 — F5 で通話を開始", "接続しています…", id="topbar")
        yield CallPanel(limit=self.config.max_suggestions, id="call")
        note = Input(placeholder="メモを入力して Enter（通話記録に残ります）", id="note")
        note.border_title = "メモ"
        yield note
        yield Footer()

    def on_mount(self) -> None:
        self.listen()

    @property
    def view(self) -> CallView | None:
        """The call on screen."""
        return self.views.get(self.current) if self.current else None

    @property
    def live(self) -> CallView | None:
        """The call on screen if it is still going on."""
        view = self.view
        return view if view is not None and not view.ended else None

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
        if isinstance(update, SessionStarted) and (
            self.live is None or self.current == view.session
        ):
            self._show(view.session)
        elif update.session == self.current:
            self.query_one(CallPanel).show_view(view, parts)
        if update.session != self.current:
            return
        self._on_event(view, update, parts)

    def _on_event(self, view: CallView, event: Event, parts: frozenset[str]) -> None:
        if (
            isinstance(event, Alert)
            and view.ring
            and self.config.bell
            and event.seq > self._history.get(event.session, 0)
        ):
            self.bell()
        if "help" in parts and view.help and view.help[-1].acked_by and event.type == "ack":
            self.notify(f"{view.help[-1].acked_by} さんが応援要請を受けました", title="応援要請")
        if "advice" in parts and event.type == "advice":
            self.notify("スーパーバイザーから助言が届きました（F3 で確認）", title="助言")
        if isinstance(event, Note):
            self._show_notes(view)
        if "risk" in parts:
            self._status(view)
            for screen in self.screen_stack:
                if isinstance(screen, RiskScreen) and screen.session == view.session:
                    screen.show_risk(view.risk)
        if isinstance(event, SessionEnded):
            self._status(view)
            self.open_summary(view)

    def _show(self, session: str) -> None:
        self.current = session
        view = self.views[session]
        self.query_one(CallPanel).show_view(view)
        self._status(view)
        self._show_notes(view)

    def _status(self, view: CallView) -> None:
        kind = kind_label(view.training)
        if view.ended:
            text = f"通話終了（{kind}）— F5 で次の通話を開始"
        else:
            source = str(view.meta.get("source", ""))
            source = source_label(source) if source else ""
            caller = str(view.meta.get("caller", ""))
            text = f"● {kind}通話中" + (f" ・ {source}" if source else "")
            text += f" ・ {caller}" if caller else ""
            text += f" ・ 緊急度 {view.risk.tier}（F8）" if view.risk is not None else ""
        self.query_one("#call-status", Static).update(text)

    def _show_notes(self, view: CallView) -> None:
        count = f" {len(view.notes)} 件" if view.notes else ""
        self.query_one("#note", Input).border_title = f"メモ{count}"

    # -- actions ---------------------------------------------------------------------------

    def _need_live(self) -> CallView | None:
        view = self.live
        if view is None:
            self.notify("通話中ではありません（F5 で通話を開始）", severity="warning")
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
            self.notify("未確認の助言はありません")
            return
        for advice in unread:
            self._request(partial(self.client.ack, view.session, advice.seq))

    def action_risk(self) -> None:
        view = self.view
        if view is None:
            self.notify("表示中の通話がありません")
            return
        if not any(isinstance(s, RiskScreen) for s in self.screen_stack):
            self.push_screen(RiskScreen(view.session, view.risk))

    def action_focus_note(self) -> None:
        self.query_one("#note", Input).focus()

    def action_follow(self) -> None:
        self.query_one(TranscriptView).follow()

    def action_end_call(self) -> None:
        view = self._need_live()
        if view is not None:
            session = view.session
            self._request(lambda: self.client.end_session(session), "通話を終了しました")

    def action_start(self) -> None:
        if self.live is not None:
            self.notify("通話中です。先に F6 で終了してください", severity="warning")
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
            self.notify(str(exc), title="通話を開始できません", severity="error", timeout=10)
            return
        self.views.setdefault(session, CallView(session))
        self._show(session)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "note":
            return
        text = event.value.strip()
        view = self.view
        if not text:
            return
        if view is None:
            self.notify("通話がないのでメモを残せません", severity="warning")
            return
        event.input.value = ""
        session = view.session
        self._request(lambda: self.client.note(session, text), "メモを記録しました")

    def on_suggestion_list_open(self, message: SuggestionList.Open) -> None:
        view = self.view
        title = next(
            (i.title for i in (view.suggestions if view else ()) if i.id == message.section_id),
            message.section_id,
        )
        self.open_section(message.section_id, title)

    def open_summary(self, view: CallView) -> None:
        ended = view.end_reason
        reason = f"（{end_reason_label(ended)}）" if ended not in ("", "end") else ""
        screen = SummaryScreen(view.session, f"通話が終了しました{reason} — Esc で戻る")
        self.push_screen(screen)
        self.load_record(screen)

    @work(group="record")
    async def load_record(self, screen: SummaryScreen) -> None:
        try:
            text = await self.client.record(screen.session, "md")
        except ConsultAssistError as exc:
            text = f"**記録を取得できません: {exc}**"
        screen.show_record(text)


def make_handler_app(
    config: TuiConfig, client: HubClient, *, starter: SessionStarter | None = None
) -> HandlerApp:
    """The handler app over ``client`` (tests pass a FakeHubClient and a fake starter)."""
    return HandlerApp(config, client, starter=starter)
