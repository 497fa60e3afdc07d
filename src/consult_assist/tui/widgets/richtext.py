"""Rich text for the widgets: text as text, cutting to terminal cells, highlighting, colours.

Text is text: every string that comes from a person or the network (names, caller numbers,
notes, the transcript, reasons, section titles, advice) reaches Textual as a Rich
:class:`~rich.text.Text` built by :func:`plain`, never as a ``str`` (which Textual reads as
markup: ``[/x]`` in a caller's name would crash the app, ``[@click=app.quit]`` would be a
button). :func:`clean` also takes out what a terminal would act on: control characters
(escape sequences, ``\r``, NUL) and the bidirectional overrides that reorder what is shown.

Japanese text is measured in terminal cells by Rich, so double-width characters wrap and
truncate cleanly. The words themselves (levels, speakers…) come from
:mod:`consult_assist.labels`, the one vocabulary the apps, the CLI and the records share.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from consult_assist.events import AlertLevel
from consult_assist.labels import level_label, speaker_label
from consult_assist.tui.callview import Line

__all__ = [
    "DIM_STYLE",
    "LEVEL_STYLE",
    "clean",
    "duration",
    "fit",
    "highlight",
    "level_text",
    "line_text",
    "plain",
    "speaker_name",
]

LEVEL_STYLE: dict[str, str] = {
    "critical": "bold #ffffff on #c00000",
    "high": "bold #000000 on #ff8c00",
    "notice": "#000000 on #ffd700",
}
DIM_STYLE: dict[str, str] = {
    "critical": "underline #ff5050",
    "high": "underline #ff8c00",
    "notice": "underline #b8a000",
}
"""An attention word asked, denied, imagined or requested: its colour, no background."""
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 and C1 controls but \t and \n (ESC is \x1b)
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"  # bidi marks, embeddings, isolates
)
_BLANKS = re.compile("[\t\n\u2028\u2029]")

UNTOLD = ("", "unknown")
"""Speaker ids of a line whose source cannot tell who spoke (a mixed mono channel)."""


def speaker_name(speaker: str) -> str:
    """相談者 / 対応者 beside a line or an alert; "" when the source cannot tell (never a guess).

    Left empty rather than 話者不明: on a mono microphone every line would say so, and the
    absence of a name already reads as "not known" beside the ones that have it.
    """
    return "" if speaker in UNTOLD else speaker_label(speaker)


def clean(text: str, *, lines: bool = False) -> str:
    """``text`` without what a terminal would act on (controls, bidi overrides: each becomes
    ``�``); line breaks kept when ``lines``, else spaces."""
    text = _UNSAFE.sub("\ufffd", text.replace("\r\n", "\n"))
    return text if lines else _BLANKS.sub(" ", text)


def plain(text: str, style: str = "", *, lines: bool = False) -> Text:
    """A person's or the network's ``text`` as Rich text: never markup, never a control."""
    return Text(clean(text, lines=lines), style=style)


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal cells, with … when cut (double-width aware, cleaned)."""
    text = " ".join(clean(text).split())
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    return set_cell_size(text, width - 1).rstrip() + "…"


def highlight(text: str, words: Sequence[tuple[str, str]], base: str = "") -> Text:
    """``text`` (cleaned, as :func:`plain`) with every occurrence of each (word, style) styled."""
    out = plain(text, base)
    for word, style in words:
        if word:
            out.highlight_words([word], style=style)
    return out


def line_text(line: Line) -> Text:
    """A transcript line: final text plain, a partial dim, attention words in their colour."""
    marks = [
        (w, DIM_STYLE[level] if w in line.dim_marks else LEVEL_STYLE[level])
        for w, level in line.marks
    ]
    if line.final:
        return highlight(line.text, marks)
    out = Text()
    out.append(clean(line.text[: line.stable]), style="dim")
    out.append(clean(line.text[line.stable :]), style="dim italic")
    for word, style in marks:
        out.highlight_words([word], style=style)
    return out


def level_text(level: AlertLevel | None) -> Text:
    """An alert level as a coloured cell ("" when none)."""
    if level is None:
        return Text("")
    return Text(f" {level_label(level)} ", style=LEVEL_STYLE[level])


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
