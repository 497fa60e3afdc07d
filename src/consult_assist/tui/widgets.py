"""The pieces of a call's screen, shared by both apps: each draws a part of a :class:`CallView`.

Widgets never talk to the hub: they draw state and post :class:`~textual.message.Message`
dataclasses (``SuggestionList.Open``) that the apps turn into requests. Japanese text is
measured in terminal cells by Rich, so double-width characters wrap and truncate cleanly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from consult_assist.events import Alert, AlertLevel, CheckItem, SuggestionItem
from consult_assist.hub.client import ConnectionState, Identity
from consult_assist.tui.callview import LEVEL_RANK, CallView, Line, Part, calm_order

__all__ = [
    "LEVEL_LABEL",
    "LEVEL_STYLE",
    "SPEAKER_LABEL",
    "AdvicePanel",
    "AlertBanner",
    "CallPanel",
    "ChecklistPanel",
    "ConnectionBar",
    "SuggestionList",
    "TranscriptView",
    "fit",
    "highlight",
    "level_text",
    "line_text",
]

SPEAKER_LABEL = {"caller": "相談者", "handler": "対応者"}
LEVEL_LABEL: dict[str, str] = {"critical": "緊急", "high": "重要", "notice": "注意"}
LEVEL_STYLE: dict[str, str] = {
    "critical": "bold #ffffff on #c00000",
    "high": "bold #000000 on #ff8c00",
    "notice": "#000000 on #ffd700",
}
ROLE_LABEL = {"handler": "対応者", "supervisor": "スーパーバイザー", "trainer": "研修担当"}


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal cells, with … when cut (double-width aware)."""
    text = " ".join(text.split())
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    return set_cell_size(text, width - 1).rstrip() + "…"


def highlight(text: str, words: Sequence[tuple[str, str]], base: str = "") -> Text:
    """``text`` with every occurrence of each (word, style) styled."""
    out = Text(text, style=base)
    for word, style in words:
        if word:
            out.highlight_words([word], style=style)
    return out


def line_text(line: Line) -> Text:
    """A transcript line: final text plain, a partial dim, attention words in their colour."""
    marks = [(w, LEVEL_STYLE[level]) for w, level in line.marks]
    if line.final:
        return highlight(line.text, marks)
    out = Text()
    out.append(line.text[: line.stable], style="dim")
    out.append(line.text[line.stable :], style="dim italic")
    for word, style in marks:
        out.highlight_words([word], style=style)
    return out


class ConnectionBar(Static):
    """One line: who we are and whether the server connection is up."""

    def show_state(self, state: ConnectionState | None, identity: Identity | None) -> None:
        who = (
            f"{identity.name}（{ROLE_LABEL.get(identity.role, identity.role)}）" if identity else ""
        )
        self.remove_class("-down", "-failed")
        if state is None or state.state == "connected":
            self.update(Text.assemble(("● 接続中 ", "green"), who))
        elif state.state == "disconnected":
            self.add_class("-down")
            retry = f"{state.retry_in_s:g} 秒後に再接続します" if state.retry_in_s else "再接続中"
            self.update(f"⚠ サーバーとの接続が切れました — {retry}（{state.detail}）")
        else:
            self.add_class("-failed")
            self.update(f"✖ 接続できません: {state.detail}")


class AlertBanner(Static):
    """The most urgent recent attention word, coloured by its level; hidden when none."""

    RECENT = 5

    def show_alerts(self, alerts: Sequence[Alert]) -> None:
        recent = list(alerts[-self.RECENT :])
        self.remove_class("-critical", "-high", "-notice")
        if not recent:
            self.display = False
            return
        top = max(recent, key=lambda a: (LEVEL_RANK[a.level], recent.index(a)))
        self.add_class(f"-{top.level}")
        self.display = True
        who = SPEAKER_LABEL.get(top.speaker, "")
        segment = f"{who}「{top.segment}」" if top.segment else ""
        count = f"（計 {len(alerts)} 件）" if len(alerts) > 1 else ""
        self.update(f"⚠ {LEVEL_LABEL[top.level]} 注意ワード「{top.word}」 {segment}{count}")


class LineRow(Horizontal):
    """One utterance: a speaker label column and the wrapped text beside it."""

    def __init__(self, line: Line) -> None:
        super().__init__(classes="line")
        self._label = Static(SPEAKER_LABEL.get(line.speaker, "・"), classes="speaker")
        self._body = Static(line_text(line), classes="body")
        self._label.add_class(f"-{line.speaker or 'unknown'}")

    def compose(self) -> ComposeResult:
        yield self._label
        yield self._body

    def show(self, line: Line) -> None:
        self._label.update(SPEAKER_LABEL.get(line.speaker, "・"))
        self._body.update(line_text(line))


class TranscriptView(VerticalScroll):
    """The live transcript; follows the newest line until the user scrolls back (End resumes)."""

    BORDER_TITLE = "文字起こし"
    PAUSED = "自動スクロール停止中 — End / F7 で最新へ"
    EMPTY = "通話が始まると、ここに文字起こしが表示されます。"

    def __init__(self, *, empty: str = EMPTY, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: dict[int, LineRow] = {}
        self._drawn: dict[int, tuple[object, ...]] = {}
        self._empty = empty
        self._following = True

    def compose(self) -> ComposeResult:
        yield Static(self._empty, classes="empty")

    @property
    def following(self) -> bool:
        """True while the view stays on the newest line."""
        return self._following

    def follow(self) -> None:
        """Go to the newest line and follow again."""
        self._set_following(True)
        self.scroll_end(animate=False)

    def action_scroll_end(self) -> None:
        self.follow()

    def release_anchor(self) -> None:
        # Every scroll the user makes (keys, wheel, scrollbar) comes through here.
        super().release_anchor()
        if self.max_scroll_y > 0:
            self._set_following(False)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if not self._following and new_value >= self.max_scroll_y > 0:
            self._set_following(True)  # the user scrolled back down to the newest line

    def _set_following(self, on: bool) -> None:
        self._following = on
        self.border_subtitle = "" if on else self.PAUSED

    def show_lines(self, view: CallView | None) -> None:
        """Draw new lines and redraw changed ones; unchanged lines are left alone."""
        if view is None or not view.lines:
            if self._rows:
                self.remove_children(".line")
                self._rows.clear()
                self._drawn.clear()
            self.query_one(".empty").display = True
            return
        self.query_one(".empty").display = False
        new: list[LineRow] = []
        for utt, line in view.lines.items():
            key = (line.text, line.final, line.stable, line.speaker, tuple(line.marks))
            if self._drawn.get(utt) == key:
                continue
            self._drawn[utt] = key
            if utt in self._rows:
                self._rows[utt].show(line)
            else:
                self._rows[utt] = row = LineRow(line)
                new.append(row)
        if new:
            self.mount_all(new)
        if self._following:
            self.scroll_end(animate=False)


class SuggestionList(OptionList):
    """Ranked manual sections; rows keep their place, and nothing moves while it has focus."""

    BORDER_TITLE = "参考マニュアル"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "apply_pending", "候補を更新", show=False)
    ]

    @dataclass
    class Open(Message):
        """The user asked to read a whole section."""

        section_id: str

    def __init__(self, *, limit: int = 5, id: str | None = None) -> None:
        super().__init__(id=id)
        self.limit = limit
        self._shown: list[str] = []
        self._pending: tuple[SuggestionItem, ...] | None = None

    def show_items(self, items: Sequence[SuggestionItem]) -> None:
        """Show a new list, or hold it while the user is reading this one."""
        if self.has_focus and self._shown:
            self._pending = tuple(items)
            self.border_subtitle = "新しい候補あり — r で更新"
            return
        self._apply(items)

    def action_apply_pending(self) -> None:
        if self._pending is not None:
            self._apply(self._pending)

    def on_blur(self) -> None:
        self.action_apply_pending()

    def _apply(self, items: Sequence[SuggestionItem]) -> None:
        self._pending = None
        self.border_subtitle = ""
        ordered = calm_order(self._shown, items, self.limit)
        keep = self.highlighted_option.id if self.highlighted_option else None
        self._shown = [item.id for item in ordered]
        self.set_options([Option(self._prompt(item), id=item.id) for item in ordered])
        if keep in self._shown:
            self.highlighted = self._shown.index(keep)
        if not ordered:
            self.set_options([Option("（該当するマニュアルはまだありません）", disabled=True)])

    def _prompt(self, item: SuggestionItem) -> Text:
        marks = [(w, "bold underline yellow") for w in item.matched]
        out = highlight(item.title, marks, base="bold")
        if item.excerpt:
            out.append("\n")
            # Two lines of the list's width at most: the title stays the thing one scans.
            room = max(20, 2 * (self.scrollable_content_region.width or 30) - 8)
            out.append_text(highlight(fit(item.excerpt, room), marks, base="dim"))
        return out

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Open(event.option.id))


class ChecklistPanel(Static):
    """Intake items: covered ones ticked, missing ones still to ask."""

    BORDER_TITLE = "確認項目"

    def show_items(self, covered: Sequence[CheckItem], missing: Sequence[CheckItem]) -> None:
        total = len(covered) + len(missing)
        self.border_title = f"確認項目 {len(covered)}/{total}" if total else "確認項目"
        out = Text()
        for item in covered:
            out.append("✓ ", style="green")
            out.append(item.label + "\n", style="green")
        for item in missing:
            out.append("□ ", style="yellow")
            out.append(item.label + "\n")
        out.rstrip()
        self.update(out if total else Text("（まだありません）", style="dim"))


class AdvicePanel(Static):
    """The handler's help request state and the supervisors' advice."""

    BORDER_TITLE = "応援・助言"

    def show_view(self, view: CallView | None) -> None:
        out = Text()
        unread = 0
        if view is not None:
            for h in view.help:
                reason = f"（{h.reason}）" if h.reason else ""
                if h.acked:
                    out.append(f"応援要請{reason}: {h.acked_by} さんが対応\n", style="green")
                else:
                    out.append(f"応援要請{reason}: 送信済み・対応待ち\n", style="bold yellow")
            for a in view.advice:
                if a.acked:
                    out.append(f"{a.by}: {a.text}\n", style="dim")
                else:
                    unread += 1
                    out.append(f"▶ {a.by}: ", style="bold magenta")
                    out.append(f"{a.text}\n", style="bold")
        self.border_subtitle = f"未確認 {unread} — F3 で確認" if unread else ""
        self.set_class(unread > 0, "-unread")
        out.rstrip()
        self.update(out if out.plain else Text("（助言はまだありません）", style="dim"))


class CallPanel(Widget):
    """A whole call as the handler sees it: banner, transcript, manuals, checklist, advice."""

    def __init__(self, *, limit: int = 5, id: str | None = None) -> None:
        super().__init__(id=id)
        self._limit = limit

    def compose(self) -> ComposeResult:
        yield AlertBanner(id="banner")
        with Horizontal(id="call-body"):
            yield TranscriptView(id="transcript")
            with Vertical(id="side"):
                yield SuggestionList(limit=self._limit, id="suggestions")
                yield ChecklistPanel(id="checklist")
                yield AdvicePanel(id="advice")

    def on_mount(self) -> None:
        self.show_view(None)

    def show_view(self, view: CallView | None, parts: frozenset[Part] | None = None) -> None:
        """Redraw ``parts`` of the screen from ``view`` (all of them when ``parts`` is None)."""

        def wants(*names: str) -> bool:
            return parts is None or any(n in parts for n in names)

        if wants("transcript"):
            self.query_one(TranscriptView).show_lines(view)
        if wants("alerts"):
            self.query_one(AlertBanner).show_alerts(view.alerts if view else [])
        if wants("suggestions"):
            self.query_one(SuggestionList).show_items(view.suggestions if view else ())
        if wants("checklist"):
            self.query_one(ChecklistPanel).show_items(
                view.covered if view else (), view.missing if view else ()
            )
        if wants("help", "advice"):
            self.query_one(AdvicePanel).show_view(view)


def level_text(level: AlertLevel | None) -> Text:
    """An alert level as a coloured cell ("" when none)."""
    if level is None:
        return Text("")
    return Text(f" {LEVEL_LABEL[level]} ", style=LEVEL_STYLE[level])
