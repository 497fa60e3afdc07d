"""The dialog that starts a call: a microphone, or a recorded file for training.

The app hands it a function listing the input devices; it runs that in a thread (PortAudio's
device query blocks) and reports a missing microphone as one sentence.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from consult_assist.errors import ConsultAssistError
from consult_assist.labels import kind_label
from consult_assist.tui.starter import DeviceInfo
from consult_assist.tui.widgets.richtext import plain
from consult_assist.tui.wording import problem

log = logging.getLogger(__name__)

__all__ = ["StartChoice", "StartScreen"]


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
            log.info("no microphone: %s", exc)
            self.show_devices(None, problem(exc))
            return
        self.show_devices(devices)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "通話を開始"
            yield Static("マイク — 入力デバイスを選んで Enter", classes="hint")
            yield Static("入力デバイスを確認しています…", id="mic-error")
            yield OptionList(id="devices")
            file_hint = f"ファイル（{kind_label(True)}）— 録音ファイルのパスを入力して Enter"
            yield Static(file_hint, classes="hint")
            yield Input(placeholder="samples/….flac", id="path")
            yield Static("Tab で切替 ・ Esc で取消", classes="hint")

    def show_devices(self, devices: Sequence[DeviceInfo] | None, error: str = "") -> None:
        """Offer ``devices``, or say why there are none (``error`` is one sentence)."""
        note = self.query_one("#mic-error", Static)
        options = self.query_one("#devices", OptionList)
        if error or not devices:
            note.update(
                Text(
                    f"マイクを使えません: {error}。録音ファイルは使えます。"
                    if error
                    else "マイクが見つかりません（音声入力デバイスがありません）。"
                    "録音ファイルは使えます。"
                )
            )
            options.display = False
            self.query_one("#path", Input).focus()
            return
        note.display = False
        options.display = True
        options.set_options(
            Option(
                # A device's name comes from the system: text, never markup.
                plain(
                    f"{d.index}: {d.name}（{d.channels}ch, {d.default_rate} Hz）"
                    + (" ・既定" if d.is_default else "")
                ),
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
