"""The live transcript of a call, one row per utterance, following the newest line."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from consult_assist.tui.callview import CallView, Line
from consult_assist.tui.widgets.richtext import line_text, speaker_name

__all__ = ["LineRow", "TranscriptView"]


class LineRow(Horizontal):
    """One utterance: a speaker label column and the wrapped text beside it."""

    DEFAULT_CSS = """
    LineRow { height: auto; }
    LineRow > .speaker { width: 7; color: $text-muted; }
    LineRow > .speaker.-caller { color: $secondary; text-style: bold; }
    LineRow > .speaker.-handler { color: $primary; }
    LineRow > .body { width: 1fr; }
    """

    def __init__(self, line: Line) -> None:
        super().__init__(classes="line")
        self._label = Static(self.label(line), classes="speaker")
        self._body = Static(line_text(line), classes="body")
        self._label.add_class(f"-{line.speaker or 'unknown'}")

    @staticmethod
    def label(line: Line) -> str:
        """The speaker column: 相談者 / 対応者, or ・ when the source cannot tell."""
        return speaker_name(line.speaker) or "・"

    def compose(self) -> ComposeResult:
        yield self._label
        yield self._body

    def show(self, line: Line) -> None:
        self._label.update(self.label(line))
        self._body.update(line_text(line))


class TranscriptView(VerticalScroll):
    """The live transcript; follows the newest line until the user scrolls back (End resumes)."""

    DEFAULT_CSS = """
    TranscriptView { border: round $primary; padding: 0 1; }
    TranscriptView:focus-within { border: round $accent; }
    TranscriptView > .empty { color: $text-muted; }
    """

    BORDER_TITLE = "文字起こし"
    PAUSED = "自動スクロール停止中 — End / F7 で最新へ"
    EMPTY = "通話が始まると、ここに文字起こしが表示されます。"

    def __init__(self, *, empty: str = EMPTY, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: dict[int, LineRow] = {}
        self._drawn: dict[int, tuple[object, ...]] = {}
        self._empty = empty
        self._following = True

    def compose(self) -> ComposeResult:
        yield Static(self._empty, classes="empty")

    @property
    def following(self) -> bool:
        """True while the view stays on the newest line."""
        return self._following

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

    def show_lines(self, view: CallView | None) -> None:
        """Draw new lines and redraw changed ones; unchanged lines are left alone."""
        if view is None or not view.lines:
            if self._rows:
                self.remove_children(".line")
                self._rows.clear()
                self._drawn.clear()
            self.query_one(".empty").display = True
            return
        self.query_one(".empty").display = False
        new: list[LineRow] = []
        for utt, line in view.lines.items():
            key = (
                line.text,
                line.final,
                line.stable,
                line.speaker,
                tuple(line.marks),
                tuple(line.dim_marks),
            )
            if self._drawn.get(utt) == key:
                continue
            self._drawn[utt] = key
            if utt in self._rows:
                self._rows[utt].show(line)
            else:
                self._rows[utt] = row = LineRow(line)
                new.append(row)
        if new:
            self.mount_all(new)
        if self._following:
            self.scroll_end(animate=False)
