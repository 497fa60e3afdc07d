"""The supervisor's table of the day's calls: live ones first, ended ones greyed, sortable."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from consult_assist.labels import ROLES, heard_label, kind_label, local_time, time_label
from consult_assist.tui.callview import LEVEL_RANK, CallView
from consult_assist.tui.widgets.richtext import (
    clean,
    duration,
    fit,
    level_text,
    plain,
    speaker_name,
)
from consult_assist.tui.widgets.risk_panel import TIER_RANK, tier_text

__all__ = ["COLUMNS", "SORTS", "CallsTable", "Sort"]

COLUMNS = (("handler", ROLES["handler"], 10), ("start", "開始", 5), ("time", "通話時間", 8),
           ("kind", "種別", 4), ("level", "注意", 6), ("tier", "緊急度", 9),
           ("help", "応援", 10))  # fmt: skip
"""Fixed columns (key, label, width in cells); the last (latest words, the reason of an open
help request, or what the second reader suspects) takes the rest."""

SUSPECTED = "?"
"""After the tier of a live call where a severe cue is suspected but not yet confirmed
(要確認, docs/risk.md §13): the tier may rise once the handler asks. Half-width, so that the
table still fits 80 columns."""

ENDED = "dim"
"""How an ended call's row looks: still there for the day, greyed."""


@dataclass(frozen=True)
class Sort:
    """One way to order the calls (``s`` cycles through them, a column header picks one)."""

    name: str
    """What the table's subtitle says."""
    column: str
    """The column whose header chooses it."""
    key: Callable[[CallView], Any]


def _tier_rank(view: CallView) -> int:
    """0 for 緊急一時保護を検討 … 3 for 在宅支援; a call with no risk sheet yet last."""
    risk = view.risk
    return TIER_RANK.get(risk.tier, len(TIER_RANK)) if risk is not None else len(TIER_RANK)


def _suspected(view: CallView) -> bool:
    """A live call with a severe cue suspected and not yet confirmed."""
    return not view.ended and view.risk is not None and bool(view.risk.suspected)


def _newest_first(view: CallView) -> float:
    moment = local_time(view.started_at)
    return -moment.timestamp() if moment else 0.0


SORTS = (
    Sort("通話中を上・新しい順", "time", lambda v: (v.ended, _newest_first(v))),
    Sort("開始の新しい順", "start", _newest_first),
    Sort("注意レベルの高い順", "level", lambda v: (-LEVEL_RANK.get(v.highest or "", 0), v.ended)),
    Sort(
        "緊急度の高い順",
        "tier",
        lambda v: (_tier_rank(v), not _suspected(v), v.ended, _newest_first(v)),
    ),
    Sort("対応者順", "handler", lambda v: (v.handler, _newest_first(v))),
    Sort("応援要請を上", "help", lambda v: (not v.open_help, v.ended, _newest_first(v))),
)


class CallsTable(DataTable[Text]):
    """The day's calls, one row each; an open help request flashes until someone picks it up.

    Every cell is a Rich :class:`~rich.text.Text` (a ``str`` cell would be read as markup).
    """

    DEFAULT_CSS = """
    CallsTable { border: round $primary; }
    CallsTable:focus { border: round $accent; }
    """

    BORDER_TITLE = "通話一覧（本日）— Enter で表示"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.flash_on = True
        self.sort_index = 0
        self._views: dict[str, CallView] = {}
        self._order: list[str] = []
        self._now: datetime | None = None
        self._width = 0

    @property
    def sorting(self) -> Sort:
        """The order the rows are in."""
        return SORTS[self.sort_index]

    def on_mount(self) -> None:
        self.setup()

    def setup(self) -> None:
        """(Re)build the columns for the current width and redraw every row, in order."""
        selected = self.selected
        self._width = self.size.width
        self.clear(columns=True)
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)
        self.add_column("発言・応援の理由", key="last", width=self._last_width())
        self._order = []
        if self._now is not None:
            self._rebuild(self._now)
        self._select(selected)
        self.border_subtitle = f"並び: {self.sorting.name}（s で切替）"

    def on_resize(self) -> None:
        if self.size.width != self._width:
            self.setup()

    def _last_width(self) -> int:
        fixed = sum(width + 2 for _, _, width in COLUMNS)
        return max(10, self.size.width - fixed - 4)

    def cells(self, view: CallView, now: datetime) -> list[Text]:
        """The row of one call (greyed once it has ended)."""
        help_cell = Text("")
        if view.open_help and not view.ended:
            style = "bold white on red" if self.flash_on else "bold red"
            help_cell = Text(" 応援要請 ", style=style)
        elif view.help:
            help_cell = plain(fit(f"{view.help[-1].acked_by} 対応", 10), "green")
        start = local_time(view.started_at)
        if view.ended:
            span = Text(_span(view.duration_s) if view.duration_s is not None else "終了")
        else:
            span = Text(duration(view.started_at, now))
        cells = [
            plain(fit(view.handler or "?", 10)),
            Text(time_label(start) if start else "—"),
            span,
            Text(kind_label(view.training)),
            level_text(view.highest),
            self._tier(view),
            help_cell,
            self._last(view),
        ]
        if view.ended:
            for cell in cells:
                cell.stylize(ENDED)
        return cells

    @staticmethod
    def _tier(view: CallView) -> Text:
        cell = tier_text(view.risk.tier if view.risk is not None else None, short=True)
        if _suspected(view):
            cell.append(SUSPECTED, style="bold yellow")
        return cell

    def _last(self, view: CallView) -> Text:
        width = self._last_width()
        pending = [h for h in view.open_help if h.reason] if not view.ended else []
        if pending:
            return plain(fit(f"理由「{clean(pending[-1].reason)}」", width), "bold yellow")
        if _suspected(view) and view.risk is not None:
            s = view.risk.suspected[-1]
            said = f"要確認: {s.label or s.subitem}の疑い「{clean(heard_label(s.words, s.text))}」"
            return plain(fit(said, width), "bold yellow")
        speaker = speaker_name(view.lines[next(reversed(view.lines))].speaker) if view.lines else ""
        last = f"{speaker}: {view.last_text}" if speaker else view.last_text
        return plain(fit(last, width))

    def show_call(self, view: CallView, now: datetime) -> None:
        """Add or redraw the row of ``view``; rows move when the order they are sorted by
        changes (an ended call goes down among the greyed ones)."""
        self._now = now
        self._views[view.session] = view
        if self._wanted_order() != self._order:
            selected = self.selected
            self._rebuild(now)
            self._select(selected)
            return
        for (key, *_), value in zip(
            (*COLUMNS, ("last", "", 0)), self.cells(view, now), strict=True
        ):
            self.update_cell(view.session, key, value)

    def sort_by(self, index: int) -> None:
        """Order the rows by :data:`SORTS` [``index``]."""
        self.sort_index = index % len(SORTS)
        self.border_subtitle = f"並び: {self.sorting.name}（s で切替）"
        if self._now is not None:
            selected = self.selected
            self._rebuild(self._now)
            self._select(selected)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        for index, sort in enumerate(SORTS):
            if sort.column == event.column_key.value:
                self.sort_by(index)
                return

    def _wanted_order(self) -> list[str]:
        key = self.sorting.key
        return [v.session for v in sorted(self._views.values(), key=key)]

    def _rebuild(self, now: datetime) -> None:
        self.clear()
        self._order = self._wanted_order()
        for session in self._order:
            self.add_row(*self.cells(self._views[session], now), key=session)

    def _select(self, session: str | None) -> None:
        if session is not None and session in self.rows:
            self.move_cursor(row=self.get_row_index(session))

    @property
    def selected(self) -> str | None:
        """The session of the row under the cursor."""
        if not self.rows:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value


def _span(seconds: float) -> str:
    total = int(max(0.0, seconds))
    h, rest = divmod(total, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60:02d}:{rest % 60:02d}"
