"""The supervisor's table of live calls, one row each."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

from consult_assist.labels import ROLES, kind_label
from consult_assist.tui.callview import CallView
from consult_assist.tui.widgets.richtext import duration, fit, level_text, speaker_name
from consult_assist.tui.widgets.risk_panel import TIER_RANK, TIER_SHORT, tier_text

__all__ = ["COLUMNS", "CallsTable"]

COLUMNS = (("handler", ROLES["handler"], 10), ("time", "通話時間", 8), ("kind", "種別", 4),
           ("level", "注意", 6), ("tier", "緊急度", 8), ("help", "応援", 14))  # fmt: skip
"""Fixed columns (key, label, width in cells); the last line of transcript takes the rest."""


class CallsTable(DataTable[str | Text]):
    """The live calls, one row each; an open help request flashes until someone picks it up."""

    DEFAULT_CSS = """
    CallsTable { border: round $primary; }
    CallsTable:focus { border: round $accent; }
    """

    BORDER_TITLE = "通話一覧"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.flash_on = True
        self._views: dict[str, CallView] = {}
        self._now: datetime | None = None
        self._width = 0
        self.by_tier = False
        """Rows sorted by the risk tier, highest first (kept as rows change)."""

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
        speaker = speaker_name(view.lines[next(reversed(view.lines))].speaker) if view.lines else ""
        last = f"{speaker}: {view.last_text}" if speaker else view.last_text
        return [
            fit(view.handler or "?", 10),
            duration(view.started_at, now),
            kind_label(view.training),
            level_text(view.highest),
            tier_text(view.risk.tier if view.risk else None, short=True),
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
        if self.by_tier and view.risk is not None:
            self.sort_by_tier()

    def sort_by_tier(self) -> None:
        """Order the rows by tier, highest first (calls with no sheet last)."""
        self.by_tier = True
        rank = {short: TIER_RANK[tier] for tier, short in TIER_SHORT.items()}

        def key(cell: str | Text) -> int:
            plain = cell.plain if isinstance(cell, Text) else cell
            return rank.get(plain, len(rank))

        self.sort("tier", key=key)

    @property
    def selected(self) -> str | None:
        """The session of the row under the cursor."""
        if not self.rows:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value
