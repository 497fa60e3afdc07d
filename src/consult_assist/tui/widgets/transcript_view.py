"""The live transcript of a call, one entry per utterance, following the newest line.

A call can last two hours: a widget per line made every update re-lay-out every line (seconds
per event at 1,500 lines, see ``bench soak`` and tests/tui/test_long_call.py). The view is
drawn with Textual's line API instead: each utterance is wrapped once into strips (again only
when its text, marks or the width change, as :attr:`CallView.touched` says), and only the rows
on screen are rendered. The cost of an update does not grow with the length of the call.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from consult_assist.tui.callview import CallView, Line
from consult_assist.tui.widgets.richtext import line_text, speaker_name

__all__ = ["LABEL_CELLS", "TranscriptView"]

LABEL_CELLS = 7
"""Width of the speaker column (相談者 is six cells)."""


class TranscriptView(ScrollView, can_focus=True):
    """The live transcript; follows the newest line until the user scrolls back (End resumes)."""

    DEFAULT_CSS = """
    TranscriptView { border: round $primary; padding: 0 1; }
    TranscriptView:focus-within { border: round $accent; }
    TranscriptView > .transcript--speaker { color: $text-muted; }
    TranscriptView > .transcript--caller { color: $secondary; text-style: bold; }
    TranscriptView > .transcript--handler { color: $primary; }
    TranscriptView > .transcript--empty { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "transcript--speaker",
        "transcript--caller",
        "transcript--handler",
        "transcript--empty",
    }

    BORDER_TITLE = "文字起こし"
    PAUSED = "自動スクロール停止中 — End / F7 で最新へ"
    EMPTY = "通話が始まると、ここに文字起こしが表示されます。"

    def __init__(self, *, empty: str = EMPTY, id: str | None = None) -> None:
        super().__init__(id=id)
        self._empty = empty
        self._following = True
        self._session: str | None = None
        self._read = 0
        """How far into the shown call's ``touched`` this view has drawn."""
        self._lines: dict[int, Line] = {}
        self._order: list[int] = []
        self._pos: dict[int, int] = {}
        """Index of each utterance in ``_order``."""
        self._start: dict[int, int] = {}
        """First row of each utterance in ``_rows``."""
        self._rows: list[Strip] = []
        self._width = 0

    # -- what the app and the tests read -------------------------------------------------

    @property
    def following(self) -> bool:
        """True while the view stays on the newest line."""
        return self._following

    def entries(self) -> list[tuple[str, Text]]:
        """(speaker label, text) of every utterance shown, in order."""
        return [(self.label(self._lines[u]), line_text(self._lines[u])) for u in self._order]

    @staticmethod
    def label(line: Line) -> str:
        """The speaker column: 相談者 / 対応者, or ・ when the source cannot tell."""
        return speaker_name(line.speaker) or "・"

    # -- following -----------------------------------------------------------------------

    def follow(self) -> None:
        """Go to the newest line and follow again."""
        self._set_following(True)
        self.scroll_end(animate=False)

    def action_scroll_end(self) -> None:
        self.follow()

    def release_anchor(self) -> None:
        # Every scroll the user makes (keys, wheel, scrollbar) comes through here.
        super().release_anchor()
        if self.max_scroll_y > 0:
            self._set_following(False)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if not self._following and new_value >= self.max_scroll_y > 0:
            self._set_following(True)  # the user scrolled back down to the newest line

    def _set_following(self, on: bool) -> None:
        self._following = on
        self.border_subtitle = "" if on else self.PAUSED

    # -- drawing -------------------------------------------------------------------------

    def show_lines(self, view: CallView | None) -> None:
        """Draw the lines that changed since the last call (all of them for another call)."""
        if view is None or view.session != self._session:
            self._clear(None if view is None else view.session)
        if self.scrollable_content_region.width != self._width:
            self._rewrap()
        if view is not None:
            for utt in view.touched[self._read :]:
                line = view.lines.get(utt)
                if line is not None:
                    self._draw(line)
            self._read = len(view.touched)
        self._update_size()

    def _clear(self, session: str | None) -> None:
        self._session, self._read = session, 0
        self._lines.clear()
        self._order.clear()
        self._pos.clear()
        self._start.clear()
        self._rows.clear()

    def _draw(self, line: Line) -> None:
        utt = line.utterance
        new = self._wrap(line)
        if utt not in self._start:
            self._lines[utt] = line
            self._start[utt] = len(self._rows)
            self._pos[utt] = len(self._order)
            self._order.append(utt)
            self._rows.extend(new)
            return
        start = self._start[utt]
        end = self._end(utt)
        self._rows[start:end] = new
        shift = len(new) - (end - start)
        if shift:
            # Only the utterances after this one move: the newest lines are the ones that change.
            for later in reversed(self._order):
                if later == utt:
                    break
                self._start[later] += shift

    def _end(self, utt: int) -> int:
        index = self._order.index(utt) if self._order[-1] != utt else len(self._order) - 1
        return (
            self._start[self._order[index + 1]] if index + 1 < len(self._order) else len(self._rows)
        )

    def _wrap(self, line: Line) -> list[Strip]:
        """The rows of one utterance at the current width: label column, then wrapped text."""
        width = self._text_width()
        console = self.app.console
        body = console.render_lines(
            line_text(line), console.options.update_width(width), pad=False
        ) or [[]]
        kind = {"caller": "transcript--caller", "handler": "transcript--handler"}.get(
            line.speaker, "transcript--speaker"
        )
        label = self.label(line)
        label_style = self.get_component_rich_style(kind)
        rows = []
        for i, segments in enumerate(body):
            head = label if i == 0 else ""
            pad = " " * (LABEL_CELLS - cell_len(head))
            rows.append(Strip([Segment(head + pad, label_style if i == 0 else Style()), *segments]))
        return rows

    def _text_width(self) -> int:
        return max(8, self.scrollable_content_region.width - LABEL_CELLS)

    def _update_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._rows))
        self.refresh()
        if self._following:
            self.scroll_end(animate=False)

    def on_resize(self) -> None:
        self._rewrap()

    def _rewrap(self) -> None:
        """Wrap every utterance again (the width changed)."""
        self._width = self.scrollable_content_region.width
        lines = [self._lines[u] for u in self._order]
        self._order.clear()
        self._pos.clear()
        self._start.clear()
        self._rows.clear()
        for line in lines:
            self._draw(line)
        self._update_size()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if width != self._width and self._order:
            self.call_after_refresh(self._rewrap)  # a scrollbar came or went
            self._width = width
        if not self._order:
            if y == 0:
                style = self.get_component_rich_style("transcript--empty")
                return Strip([Segment(self._empty, style)]).crop_extend(0, width, self.rich_style)
            return Strip.blank(width, self.rich_style)
        row = int(self.scroll_offset.y) + y
        if row >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        return self._rows[row].crop_extend(0, width, self.rich_style)
