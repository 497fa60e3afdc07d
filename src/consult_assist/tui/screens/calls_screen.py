"""The handler's call list: the calls going on now, and today's ended calls, searchable.

The app hands it the rows (:meth:`CallsScreen.show_live`, :meth:`CallsScreen.show_past`) and
does the searching itself (:class:`CallsScreen.Search` asks for it), so the screen never waits
on the network. Enter on a call gives its session id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

__all__ = ["CallRow", "CallsScreen"]


@dataclass(frozen=True)
class CallRow:
    """One call in the list: its session id and how it reads."""

    session: str
    text: Text


class CallsScreen(ModalScreen[str | None]):
    """Calls of this handler: live ones to switch to, today's ended ones with their records."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "閉じる"),
        Binding("f8", "cancel", "閉じる", show=False),
        Binding("down", "to_list", "一覧へ", show=False),
    ]
    DEFAULT_CSS = """
    CallsScreen { align: center middle; }
    CallsScreen > Vertical {
        width: 100; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; padding: 0 1; background: $surface;
    }
    CallsScreen OptionList {
        height: auto; max-height: 30; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    @dataclass
    class Search(Message):
        """The user asked for today's calls whose words contain ``text`` ("" = all)."""

        text: str

    def __init__(self, live: Sequence[CallRow], current: str | None) -> None:
        super().__init__()
        self._live = tuple(live)
        self._past: tuple[CallRow, ...] | None = None
        self._past_note = "読み込んでいます…"
        self._current = current
        self._ready = False

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Text("通話一覧（F8）")
            box.border_subtitle = Text("Enter で表示 ・ Esc で閉じる")
            yield Input(placeholder="本日の通話を検索（発言やメモの言葉）して Enter", id="search")
            yield OptionList(id="calls")

    def on_mount(self) -> None:
        self._ready = True
        self._draw()
        self.query_one(OptionList).focus()

    def show_live(self, live: Sequence[CallRow]) -> None:
        """Replace the calls going on now."""
        self._live = tuple(live)
        self._draw()

    def show_past(self, past: Sequence[CallRow] | None, note: str = "") -> None:
        """Today's ended calls (None: not loaded, ``note`` says why)."""
        self._past = tuple(past) if past is not None else None
        self._past_note = note
        self._draw()

    def _draw(self) -> None:
        if not self._ready:
            return  # on_mount draws what was handed over before
        options: list[Option] = [Option(Text("通話中", style="bold"), disabled=True)]
        options += [Option(row.text, id=row.session) for row in self._live] or [
            Option(Text("  （通話中の通話はありません）", style="dim"), disabled=True)
        ]
        options.append(Option(Text("本日の終了した通話", style="bold"), disabled=True))
        if self._past is None:
            options.append(Option(Text(f"  {self._past_note}", style="dim"), disabled=True))
        else:
            options += [Option(row.text, id=row.session) for row in self._past] or [
                Option(Text(f"  {self._past_note or '（ありません）'}", style="dim"), disabled=True)
            ]
        calls = self.query_one(OptionList)
        calls.set_options(options)
        ids = [o.id for o in options]
        if self._current in ids:
            calls.highlighted = ids.index(self._current)
        elif len(self._live):
            calls.highlighted = 1

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.show_past(None, "検索しています…")
        self.post_message(self.Search(event.value.strip()))
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.dismiss(event.option.id)

    def action_to_list(self) -> None:
        self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
