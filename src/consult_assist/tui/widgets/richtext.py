"""Rich text for the widgets: cutting to terminal cells, highlighting words, level colours.

Japanese text is measured in terminal cells by Rich, so double-width characters wrap and
truncate cleanly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from consult_assist.events import AlertLevel
from consult_assist.tui.callview import Line

__all__ = [
    "LEVEL_LABEL",
    "LEVEL_STYLE",
    "ROLE_LABEL",
    "SPEAKER_LABEL",
    "duration",
    "fit",
    "highlight",
    "level_text",
    "line_text",
]

SPEAKER_LABEL = {"caller": "相談者", "handler": "対応者"}
LEVEL_LABEL: dict[str, str] = {"critical": "緊急", "high": "重要", "notice": "注意"}
LEVEL_STYLE: dict[str, str] = {
    "critical": "bold #ffffff on #c00000",
    "high": "bold #000000 on #ff8c00",
    "notice": "#000000 on #ffd700",
}
ROLE_LABEL = {"handler": "対応者", "supervisor": "スーパーバイザー", "trainer": "研修担当"}


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal cells, with … when cut (double-width aware)."""
    text = " ".join(text.split())
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    return set_cell_size(text, width - 1).rstrip() + "…"


def highlight(text: str, words: Sequence[tuple[str, str]], base: str = "") -> Text:
    """``text`` with every occurrence of each (word, style) styled."""
    out = Text(text, style=base)
    for word, style in words:
        if word:
            out.highlight_words([word], style=style)
    return out


def line_text(line: Line) -> Text:
    """A transcript line: final text plain, a partial dim, attention words in their colour."""
    marks = [(w, LEVEL_STYLE[level]) for w, level in line.marks]
    if line.final:
        return highlight(line.text, marks)
    out = Text()
    out.append(line.text[: line.stable], style="dim")
    out.append(line.text[line.stable :], style="dim italic")
    for word, style in marks:
        out.highlight_words([word], style=style)
    return out


def level_text(level: AlertLevel | None) -> Text:
    """An alert level as a coloured cell ("" when none)."""
    if level is None:
        return Text("")
    return Text(f" {LEVEL_LABEL[level]} ", style=LEVEL_STYLE[level])


def duration(started_at: str, now: datetime) -> str:
    """mm:ss (or h:mm:ss) since an ISO 8601 time; ``—`` when it is unknown."""
    try:
        start = datetime.fromisoformat(started_at)
    except ValueError:
        return "—"
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    seconds = max(0, int((now - start).total_seconds()))
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60:02d}:{rest % 60:02d}"
