"""The handler's help requests and the supervisors' advice on one call."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from consult_assist.tui.callview import CallView
from consult_assist.tui.widgets.richtext import clean

__all__ = ["AdvicePanel"]


class AdvicePanel(Static):
    """The handler's help request state and the supervisors' advice."""

    DEFAULT_CSS = """
    AdvicePanel { height: auto; max-height: 8; border: round $primary; padding: 0 1; }
    AdvicePanel.-unread { border: heavy magenta; }
    """

    BORDER_TITLE = "応援・助言"

    def show_view(self, view: CallView | None) -> None:
        out = Text()
        unread = 0
        if view is not None:
            for h in view.help:
                reason = f"（{clean(h.reason)}）" if h.reason else ""
                if h.acked:
                    by = clean(h.acked_by)
                    out.append(f"応援要請{reason}: {by} さんが対応\n", style="green")
                else:
                    out.append(f"応援要請{reason}: 送信済み・対応待ち\n", style="bold yellow")
            for a in view.advice:
                by, text = clean(a.by), clean(a.text)
                if a.acked:
                    out.append(f"{by}: {text}\n", style="dim")
                else:
                    unread += 1
                    out.append(f"▶ {by}: ", style="bold magenta")
                    out.append(f"{text}\n", style="bold")
        self.border_subtitle = f"未確認 {unread} — F3 で確認" if unread else ""
        self.set_class(unread > 0, "-unread")
        out.rstrip()
        self.update(out if out.plain else Text("（助言はまだありません）", style="dim"))
