"""The supervisor's feed of attention words across all calls, each naming its call and time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from consult_assist.events import Alert
from consult_assist.labels import level_label
from consult_assist.tui.widgets.richtext import LEVEL_STYLE, fit, speaker_name

__all__ = ["AlertFeed", "FeedEntry"]


@dataclass(frozen=True)
class FeedEntry:
    """One attention word in the feed: the call it was heard in and when."""

    number: int
    """Arrival order (newest is highest)."""
    call: str
    """The call as a person names it: ``佐藤 14:30〜``."""
    when: str
    """The local time it was heard: ``14:33``."""
    alert: Alert


class AlertFeed(OptionList):
    """Attention words across all calls: critical ones on top, then newest first.

    Each line names its call and time; choosing one (Enter) opens that call.
    """

    DEFAULT_CSS = """
    AlertFeed { border: round $primary; }
    AlertFeed:focus { border: round $accent; }
    """

    BORDER_TITLE = "注意ワード（全通話）— Enter でその通話を表示"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._feed: Sequence[FeedEntry] = []

    def on_resize(self) -> None:
        self.show_alerts(self._feed)

    def show_alerts(self, feed: Sequence[FeedEntry]) -> None:
        """Show ``feed``, cut to one line each."""
        self._feed = feed
        width = self.scrollable_content_region.width or 80
        ranked = sorted(feed, key=lambda e: (e.alert.level != "critical", -e.number))
        self.set_options(
            Option(self._prompt(entry, width), id=f"{entry.alert.session}#{entry.alert.seq}")
            for entry in ranked[:200]
        )
        self.border_title = (
            f"注意ワード（全通話）{len(feed)} 件 — Enter でその通話を表示"
            if feed
            else self.BORDER_TITLE
        )

    @staticmethod
    def _prompt(entry: FeedEntry, width: int) -> Text:
        alert = entry.alert
        out = Text(f" {level_label(alert.level)} ", style=LEVEL_STYLE[alert.level])
        who = speaker_name(alert.speaker)
        rest = f" {entry.when} {entry.call}「{alert.word}」 {who}「{alert.segment}」"
        out.append(fit(rest, max(8, width - 6)))
        return out
