"""The supervisor's feed of attention words across all calls, each naming its call and time.

Rows follow :func:`~consult_assist.tui.callview.prominence`: a word asked, denied, imagined
or requested carries its tag (質問, 否定, 仮定, 依頼・助言) and is dimmed unless critical; a
notice word in such a sentence is not listed. A withdrawn alert has already left the feed
(:func:`~consult_assist.tui.callview.fold_feed`).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from consult_assist.labels import act_label, level_label
from consult_assist.tui.callview import FeedEntry, asserted, prominence
from consult_assist.tui.widgets.richtext import LEVEL_STYLE, fit, speaker_name

__all__ = ["AlertFeed"]


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
        listed = [e for e in feed if prominence(e.alert) != "hidden"]
        ranked = sorted(
            listed,
            key=lambda e: (prominence(e.alert) != "banner", e.alert.level != "critical", -e.number),
        )
        self.set_options(
            Option(self._prompt(entry, width), id=f"{entry.alert.session}#{entry.alert.seq}")
            for entry in ranked[:200]
        )
        self.border_title = (
            f"注意ワード（全通話）{len(listed)} 件 — Enter でその通話を表示"
            if listed
            else self.BORDER_TITLE
        )

    @staticmethod
    def _prompt(entry: FeedEntry, width: int) -> Text:
        alert = entry.alert
        out = Text(f" {level_label(alert.level)} ", style=LEVEL_STYLE[alert.level])
        who = speaker_name(alert.speaker)
        tag = "" if asserted(alert) else f"［{act_label(alert.act, negated=alert.negated)}］"
        pending = "（認識中）" if alert.tentative else ""
        rest = f" {entry.when} {entry.call}「{alert.word}」{tag}{pending} {who}「{alert.segment}」"
        out.append(fit(rest, max(8, width - 6)), style="dim" if prominence(alert) == "dim" else "")
        return out
