"""The most urgent recent attention word of a call, in a bar coloured by its level.

Only words said as a fact reach the banner (:func:`~consult_assist.tui.callview.prominence`):
a handler's question, a denial or a hypothetical stays out of it. A word still being
recognised (a tentative alert from a partial) shows at once, marked 認識中, and leaves if
the final withdraws it.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from consult_assist.events import Alert
from consult_assist.labels import level_label
from consult_assist.tui.callview import LEVEL_RANK, prominence
from consult_assist.tui.widgets.richtext import clean, speaker_name

__all__ = ["AlertBanner"]


class AlertBanner(Static):
    """The most urgent recent attention word, coloured by its level; hidden when none."""

    DEFAULT_CSS = """
    AlertBanner { height: auto; padding: 0 1; }
    AlertBanner.-critical { background: #c00000; color: #ffffff; text-style: bold; }
    AlertBanner.-high { background: #ff8c00; color: #000000; text-style: bold; }
    AlertBanner.-notice { background: #ffd700; color: #000000; }
    """

    RECENT = 5

    def show_alerts(self, alerts: Sequence[Alert]) -> None:
        alerts = [a for a in alerts if prominence(a) == "banner"]
        recent = list(alerts[-self.RECENT :])
        self.remove_class("-critical", "-high", "-notice")
        if not recent:
            self.display = False
            return
        top = max(recent, key=lambda a: (LEVEL_RANK[a.level], recent.index(a)))
        self.add_class(f"-{top.level}")
        self.display = True
        who = speaker_name(top.speaker)
        segment = f"{who}「{clean(top.segment)}」" if top.segment else ""
        count = f"（計 {len(alerts)} 件）" if len(alerts) > 1 else ""
        word = clean(top.word)
        pending = "（認識中）" if top.tentative else ""
        self.update(
            Text(f"⚠ {level_label(top.level)} 注意ワード「{word}」{pending} {segment}{count}")
        )
