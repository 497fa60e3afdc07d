"""The supervisor's feed of attention words across all calls."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from consult_assist.events import Alert
from consult_assist.labels import level_label
from consult_assist.tui.widgets.richtext import LEVEL_STYLE, fit, speaker_name

__all__ = ["AlertFeed"]


class AlertFeed(OptionList):
    """Attention words across all calls: critical ones on top, then newest first."""

    DEFAULT_CSS = """
    AlertFeed { border: round $primary; }
    AlertFeed:focus { border: round $accent; }
    """

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
        out = Text(f" {level_label(alert.level)} ", style=LEVEL_STYLE[alert.level])
        who = speaker_name(alert.speaker)
        rest = f" {handler}「{alert.word}」 {who}「{alert.segment}」"
        out.append(fit(rest, max(8, width - 6)))
        return out
