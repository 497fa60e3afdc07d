"""The supervisor's app: every live call in a table, an alert feed, and one call watched live.

One :class:`CallView` per session, fed by a ``"*"`` subscription; the table, the feed and the
watch screen are drawn from those views, so an event applied twice (a resume) shows once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, OptionList, Static
from textual.widgets.option_list import Option

from consult_assist.errors import ConsultAssistError
from consult_assist.events import Alert, SessionEnded
from consult_assist.hub.client import ConnectionState, HubClient, Update
from consult_assist.tui.callview import CallView
from consult_assist.tui.config import TuiConfig
from consult_assist.tui.follow import follow
from consult_assist.tui.handler import APP_CSS
from consult_assist.tui.screens import LineInputScreen, SectionScreen
from consult_assist.tui.widgets import (
    LEVEL_LABEL,
    LEVEL_STYLE,
    SPEAKER_LABEL,
    CallPanel,
    ConnectionBar,
    SuggestionList,
    TranscriptView,
    fit,
    level_text,
)

__all__ = ["AlertFeed", "CallsTable", "SupervisorApp", "WatchScreen", "make_supervisor_app"]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

COLUMNS = (("handler", "対応者", 10), ("time", "通話時間", 8), ("kind", "種別", 4),
           ("level", "注意", 6), ("help", "応援", 14))  # fmt: skip
"""Fixed columns (key, label, width in cells); the last line of transcript takes the rest."""


def duration(started_at: str, now: datetime) -> str:
    """mm:ss (or h:mm:ss) since an ISO 8601 time; ``—`` when it is unknown."""
    try:
        start = datetime.fromisoformat(started_at)
    except ValueError:
        return "—"
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    seconds = max(0, int((now - start).total_seconds()))
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60:02d}:{rest % 60:02d}"


class CallsTable(DataTable[str | Text]):
    """The live calls, one row each; an open help request flashes until someone picks it up."""

    BORDER_TITLE = "通話一覧"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.flash_on = True
        self._views: dict[str, CallView] = {}
        self._now: datetime | None = None
        self._width = 0

    def on_mount(self) -> None:
        self.setup()

    def setup(self) -> None:
        """(Re)build the columns for the current width and redraw every row."""
        selected = self.selected
        self._width = self.size.width
        self.clear(columns=True)
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)
        self.add_column("最新の発言", key="last", width=self._last_width())
        if self._now is not None:
            for view in list(self._views.values()):
                self.show_call(view, self._now)
        if selected is not None and selected in self.rows:
            self.move_cursor(row=self.get_row_index(selected))

    def on_resize(self) -> None:
        if self.size.width != self._width:
            self.setup()

    def _last_width(self) -> int:
        fixed = sum(width + 2 for _, _, width in COLUMNS)
        return max(10, self.size.width - fixed - 4)

    def cells(self, view: CallView, now: datetime) -> list[str | Text]:
        """The row of one call."""
        help_cell: str | Text = ""
        if view.open_help:
            style = "bold white on red" if self.flash_on else "bold red"
            help_cell = Text(" 応援要請 ", style=style)
        elif view.help:
            help_cell = Text(fit(f"{view.help[-1].acked_by} 対応", 14), style="green")
        speaker = (
            SPEAKER_LABEL.get(view.lines[next(reversed(view.lines))].speaker, "")
            if (view.lines)
            else ""
        )
        last = f"{speaker}: {view.last_text}" if speaker else view.last_text
        return [
            fit(view.handler or "?", 10),
            duration(view.started_at, now),
            "研修" if view.training else "本番",
            level_text(view.highest),
            help_cell,
            fit(last, self._last_width()),
        ]

    def show_call(self, view: CallView, now: datetime) -> None:
        """Add or redraw the row of ``view``; remove it when the call has ended."""
        self._now = now
        if view.ended:
            self._views.pop(view.session, None)
            if view.session in self.rows:
                self.remove_row(view.session)
            return
        self._views[view.session] = view
        cells = self.cells(view, now)
        if view.session not in self.rows:
            self.add_row(*cells, key=view.session)
            return
        for (key, *_), value in zip((*COLUMNS, ("last", "", 0)), cells, strict=True):
            self.update_cell(view.session, key, value)

    @property
    def selected(self) -> str | None:
        """The session of the row under the cursor."""
        if not self.rows:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value


class AlertFeed(OptionList):
    """Attention words across all calls: critical ones on top, then newest first."""

    BORDER_TITLE = "注意ワード（全通話）"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._feed: list[tuple[int, str, Alert]] = []

    def on_resize(self) -> None:
        self.show_alerts(self._feed)

    def show_alerts(self, feed: list[tuple[int, str, Alert]]) -> None:
        """Show ``feed`` (arrival number, handler, alert), cut to one line each."""
        self._feed = feed
        width = self.scrollable_content_region.width or 80
        ranked = sorted(feed, key=lambda e: (e[2].level != "critical", -e[0]))
        self.set_options(
            Option(self._prompt(handler, alert, width), id=f"{alert.session}#{alert.seq}")
            for _, handler, alert in ranked[:200]
        )
        self.border_title = f"注意ワード（全通話）{len(feed)} 件" if feed else self.BORDER_TITLE

    @staticmethod
    def _prompt(handler: str, alert: Alert, width: int) -> Text:
        out = Text(f" {LEVEL_LABEL[alert.level]} ", style=LEVEL_STYLE[alert.level])
        who = SPEAKER_LABEL.get(alert.speaker, "")
        rest = f" {handler}「{alert.word}」 {who}「{alert.segment}」"
        out.append(fit(rest, max(8, width - 6)))
        return out


class WatchScreen(Screen[None]):
    """One call as its handler sees it, with advice and help acknowledgement at hand."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "一覧へ"),
        Binding("f7", "follow", "最新へ"),
    ]

    def __init__(self, view: CallView, app: SupervisorApp) -> None:
        super().__init__()
        self.view = view
        self.session = view.session
        self._owner = app

    def compose(self) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield Static("", id="call-status")
            yield ConnectionBar("")
        yield CallPanel(limit=self._owner.config.max_suggestions, id="call")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(CallPanel).show_view(self.view)
        self.show_status(self._owner.clock())
        self.query_one(ConnectionBar).show_state(
            self._owner.connection, self._owner.client.identity
        )
        self.query_one(TranscriptView).focus()

    def show_status(self, now: datetime) -> None:
        view = self.view
        kind = "研修" if view.training else "本番"
        state = "通話終了" if view.ended else duration(view.started_at, now)
        text = f"監視中: {view.handler or '?'} ・ {kind} ・ {state}"
        self.query_one("#call-status", Static).update(text)

    def action_follow(self) -> None:
        self.query_one(TranscriptView).follow()


class SupervisorApp(App[int]):
    """All live calls of the centre, for the supervisors on duty."""

    TITLE = "consult-assist スーパーバイザー"
    ENABLE_COMMAND_PALETTE = False
    CSS = (
        APP_CSS
        + """
    #calls { height: 1fr; border: round $primary; }
    #calls:focus { border: round $accent; }
    #feed { height: 2fr; max-height: 12; border: round $primary; }
    #feed:focus { border: round $accent; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "advice", "助言を送る"),
        Binding("f3", "ack_help", "応援受付"),
        Binding("ctrl+q", "quit", "終了"),
    ]

    def __init__(self, config: TuiConfig, client: HubClient, *, clock: Clock | None = None) -> None:
        super().__init__()
        self.config = config
        self.client = client
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.views: dict[str, CallView] = {}
        self._history: dict[str, int] = {}
        self.feed: list[tuple[int, str, Alert]] = []
        self.connection: ConnectionState | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield Static("ライブ通話 0 件 — Enter で通話を表示", id="call-status")
            yield ConnectionBar("接続しています…")
        yield CallsTable(id="calls")
        yield AlertFeed(id="feed")
        yield Footer()

    def on_mount(self) -> None:
        if self.config.flash_s > 0:
            self.set_interval(self.config.flash_s, self._flash)
        if self.config.tick_s > 0:
            self.set_interval(self.config.tick_s, self._tick)
        self.listen()

    # -- the update stream ---------------------------------------------------------------

    @work(exclusive=True, group="hub")
    async def listen(self) -> None:
        """Connect if needed, follow every session and apply every update."""
        await follow(
            self.client,
            "*",
            server=self.config.server,
            apply=self.apply_update,
            history=self._history,
        )

    def apply_update(self, update: Update) -> None:
        """Apply one event or connection change; an event already applied changes nothing."""
        if isinstance(update, ConnectionState):
            self.connection = update
            self.query_one(ConnectionBar).show_state(update, self.client.identity)
            if (watch := self.watching) is not None:
                watch.query_one(ConnectionBar).show_state(update, self.client.identity)
            return
        view = self.views.setdefault(update.session, CallView(update.session))
        parts = view.apply(update)
        if not parts:
            return
        now = self.clock()
        self.query_one(CallsTable).show_call(view, now)
        self._count()
        if isinstance(update, Alert):
            self.feed.append((len(self.feed), view.handler, update))
            self._draw_feed()
            fresh = update.seq > self._history.get(update.session, 0)
            if update.level == "critical" and self.config.bell and fresh:
                self.bell()
        watch = self.watching
        if watch is not None and watch.session == view.session:
            watch.query_one(CallPanel).show_view(view, parts)
            if "session" in parts:
                watch.show_status(now)
            if isinstance(update, SessionEnded):
                self.notify(f"{view.handler} さんの通話が終了しました")

    def _count(self) -> None:
        live = sum(1 for v in self.views.values() if v.started and not v.ended)
        self.query_one("#call-status", Static).update(f"ライブ通話 {live} 件 — Enter で通話を表示")

    def _draw_feed(self) -> None:
        self.query_one(AlertFeed).show_alerts(self.feed)

    def _flash(self) -> None:
        table = self.query_one(CallsTable)
        table.flash_on = not table.flash_on
        now = self.clock()
        for view in self.views.values():
            if view.open_help and not view.ended:
                table.show_call(view, now)

    def _tick(self) -> None:
        now = self.clock()
        table = self.query_one(CallsTable)
        for view in self.views.values():
            if view.started and not view.ended:
                table.show_call(view, now)
        if (watch := self.watching) is not None:
            watch.show_status(now)

    # -- watching a call ---------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open_call(event.row_key.value)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if isinstance(event.option_list, AlertFeed) and event.option.id:
            self.open_call(event.option.id.split("#", 1)[0])

    def open_call(self, session: str) -> None:
        """Watch one call."""
        view = self.views.get(session)
        if view is not None and self.watching is None:
            self.push_screen(WatchScreen(view, self))

    @property
    def watching(self) -> WatchScreen | None:
        """The watch screen, when one is open (maybe under a dialog)."""
        return next((s for s in self.screen_stack if isinstance(s, WatchScreen)), None)

    @property
    def target(self) -> str | None:
        """The call an action applies to: the watched one, else the selected row."""
        if (watch := self.watching) is not None:
            return watch.session
        return self.query_one(CallsTable).selected

    def action_advice(self) -> None:
        session = self.target
        view = self.views.get(session) if session else None
        if view is None or view.ended:
            self.notify("助言を送る通話を選んでください", severity="warning")
            return

        def send(text: str | None) -> None:
            if text:
                self._request(lambda: self.client.advice(view.session, text), "助言を送りました")

        self.push_screen(
            LineInputScreen(
                f"助言 — {view.handler} さんへ",
                "対応者の画面に表示されます。入力して Enter、Esc で取消。",
                placeholder="例: 安全確認を先に。住所を聞いてください",
            ),
            send,
        )

    def action_ack_help(self) -> None:
        session = self.target
        view = self.views.get(session) if session else None
        pending = view.open_help if view else []
        if view is None or not pending:
            self.notify("受け付ける応援要請はありません")
            return
        for h in pending:
            self._request(
                partial(self.client.ack, view.session, h.seq),
                f"{view.handler} さんの応援要請を受けました",
            )

    def on_suggestion_list_open(self, message: SuggestionList.Open) -> None:
        screen = SectionScreen(message.section_id, message.section_id)
        self.push_screen(screen)
        self.load_section(screen)

    @work(group="section")
    async def load_section(self, screen: SectionScreen) -> None:
        try:
            section = await self.client.section(screen.section_id)
        except ConsultAssistError as exc:
            screen.show_section(None, f"マニュアルを開けません: {exc}")
            return
        screen.show_section(section)

    def _request(self, call: Callable[[], Awaitable[None]], done: str = "") -> None:
        self.run_worker(self._send(call, done), group="requests")

    async def _send(self, call: Callable[[], Awaitable[None]], done: str) -> None:
        try:
            await call()
        except ConsultAssistError as exc:
            self.notify(str(exc), title="送信できませんでした", severity="error", timeout=10)
            return
        if done:
            self.notify(done)


def make_supervisor_app(
    config: TuiConfig, client: HubClient, *, clock: Clock | None = None
) -> SupervisorApp:
    """The supervisor app over ``client``; ``clock`` (UTC now) is fixed in snapshot tests."""
    return SupervisorApp(config, client, clock=clock)
