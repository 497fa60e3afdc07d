"""Dialogs and full screens of the apps: one-line input, start a call, a manual section, a record.

Screens draw what the app hands them; the app does the hub requests in its workers and calls
``show_…`` when the answer comes, so a screen never waits on the network itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from consult_assist.errors import ConsultAssistError
from consult_assist.hub.client import ManualSection
from consult_assist.tui.config import DeviceInfo

__all__ = ["LineInputScreen", "SectionScreen", "StartChoice", "StartScreen", "SummaryScreen"]


class LineInputScreen(ModalScreen[str | None]):
    """Ask for one line of text: Enter gives it (empty is allowed), Esc gives None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消")]
    DEFAULT_CSS = """
    LineInputScreen { align: center middle; }
    LineInputScreen > Vertical {
        width: 70; max-width: 100%; height: auto; border: thick $accent; padding: 0 1;
        background: $surface;
    }
    LineInputScreen .hint { color: $text-muted; }
    """

    def __init__(self, title: str, hint: str, *, placeholder: str = "") -> None:
        super().__init__()
        self._title, self._hint, self._placeholder = title, hint, placeholder

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            yield Static(self._hint, classes="hint")
            yield Input(placeholder=self._placeholder, id="line")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class StartChoice:
    """How to start a call: a microphone (``device`` index, None = default) or a file."""

    kind: Literal["mic", "file"]
    device: int | None = None
    path: Path | None = None


class StartScreen(ModalScreen[StartChoice | None]):
    """Choose the call's audio: an input device, or a recorded file (training)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消")]
    DEFAULT_CSS = """
    StartScreen { align: center middle; }
    StartScreen > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; padding: 0 1; background: $surface;
    }
    StartScreen #devices { height: auto; max-height: 8; }
    StartScreen #mic-error { color: $error; }
    StartScreen .hint { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, devices: Callable[[], Sequence[DeviceInfo]]) -> None:
        super().__init__()
        self._devices = devices

    def on_mount(self) -> None:
        self.query_one("#devices", OptionList).display = False
        self.run_worker(self._load_devices(), exclusive=True)

    async def _load_devices(self) -> None:
        # PortAudio's device query blocks: it runs in a thread, like every blocking call.
        try:
            devices = await asyncio.to_thread(self._devices)
        except ConsultAssistError as exc:
            self.show_devices(None, str(exc))
            return
        self.show_devices(devices)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "通話を開始"
            yield Static("マイク — 入力デバイスを選んで Enter", classes="hint")
            yield Static("入力デバイスを確認しています…", id="mic-error")
            yield OptionList(id="devices")
            yield Static("ファイル（研修）— 録音ファイルのパスを入力して Enter", classes="hint")
            yield Input(placeholder="samples/….flac", id="path")
            yield Static("Tab で切替 ・ Esc で取消", classes="hint")

    def show_devices(self, devices: Sequence[DeviceInfo] | None, error: str = "") -> None:
        """Offer ``devices``, or say why there are none (``error`` is one sentence)."""
        note = self.query_one("#mic-error", Static)
        options = self.query_one("#devices", OptionList)
        if error or not devices:
            note.update(
                f"マイクを使えません: {error}"
                if error
                else "マイクが見つかりません（音声入力デバイスがありません）。ファイルは使えます。"
            )
            options.display = False
            self.query_one("#path", Input).focus()
            return
        note.display = False
        options.display = True
        options.set_options(
            Option(
                f"{d.index}: {d.name}（{d.channels}ch, {d.default_rate} Hz）"
                + (" ・既定" if d.is_default else ""),
                id=str(d.index),
            )
            for d in devices
        )
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        device = int(event.option.id) if event.option.id is not None else None
        self.dismiss(StartChoice("mic", device=device))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.dismiss(StartChoice("file", path=Path(event.value.strip())))

    def action_cancel(self) -> None:
        self.dismiss(None)


class SectionScreen(ModalScreen[None]):
    """A whole manual section, opened from the suggestions."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "閉じる"),
        Binding("q", "close", "閉じる", show=False),
    ]
    DEFAULT_CSS = """
    SectionScreen { align: center middle; }
    SectionScreen > VerticalScroll {
        width: 90%; height: 90%; border: thick $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, section_id: str, title: str) -> None:
        super().__init__()
        self.section_id = section_id
        self._title = title
        self._body = ""

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = self._title
            box.border_subtitle = "Esc で閉じる"
            yield Markdown("読み込み中…", id="body")

    def show_section(self, section: ManualSection | None, error: str = "") -> None:
        """Show the section (or why it cannot be shown); before mount, it waits for mount."""
        self._body = f"# {section.title}\n\n{section.body}" if section else f"**{error}**"
        self._draw()

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        for body in self.query("#body").results(Markdown):
            if self._body:
                body.update(self._body)
            self.query_one(VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)


class SummaryScreen(Screen[None]):
    """After the call: the server's record draft, to review before writing the record."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "閉じる")]
    DEFAULT_CSS = """
    SummaryScreen > #status { height: 1; background: $boost; padding: 0 1; }
    SummaryScreen > VerticalScroll { border: round $accent; padding: 0 1; }
    """

    def __init__(self, session: str, status: str) -> None:
        super().__init__()
        self.session = session
        self._status = status
        self._record = ""

    def compose(self) -> ComposeResult:
        yield Static(self._status, id="status")
        with VerticalScroll() as box:
            box.border_title = "通話記録（下書き）"
            box.border_subtitle = "内容を確認してください"
            yield Markdown("記録を取得しています…", id="record")
        yield Footer()

    def show_record(self, text: str) -> None:
        """Show the record draft; before mount, it waits for mount."""
        self._record = text
        self._draw()

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        for record in self.query("#record").results(Markdown):
            if self._record:
                record.update(self._record)

    def action_close(self) -> None:
        self.dismiss(None)
