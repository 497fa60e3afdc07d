"""What the commands print: the live transcript, event lines, JSON summaries, progress meters.

Japanese labels (speakers, alert levels) come from :mod:`consult_assist.labels`, so the
terminal says what the apps and the call records say.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from consult_assist.events import (
    Alert,
    Checklist,
    Event,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
)
from consult_assist.labels import level_label, speaker_label
from consult_assist.wire import encode_event

__all__ = ["JsonlPrinter", "LivePrinter", "Progress", "install_progress", "write_json"]


class Progress:
    """A one-line progress meter on stderr for long work (only when stderr is a terminal).

    Called as ``progress(name, done, total)``; off a terminal only 0 % and 100 % are written.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self._last = -1

    def __call__(self, name: str, done: int, total: int) -> None:
        pct = int(100 * done / total) if total else 100
        if pct == self._last:
            return
        self._last = pct
        if self.tty:
            sys.stderr.write(f"\r{self.label}: {name} {pct:3d}%")
            if pct >= 100:
                sys.stderr.write("\n")
            sys.stderr.flush()
        elif pct in (0, 100):
            sys.stderr.write(f"{self.label}: {name} {pct}%\n")


def install_progress() -> Progress:
    """The meter shown while the default model is assembled (first run only)."""
    return Progress("installing whisper-base")


class JsonlPrinter:
    """Every event as one line of versioned JSON (``transcribe --jsonl``)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def print(self, event: Event) -> None:
        self.out.write(encode_event(event) + "\n")
        self.out.flush()

    def print_all(self, events: Iterable[Event]) -> None:
        for event in events:
            self.print(event)


def _clock(seconds: float) -> str:
    m, s = divmod(seconds, 60)
    return f"{int(m):02d}:{s:04.1f}"


def _who(speaker: str) -> str:
    """``相談者: `` before a line; nothing for a mono source that cannot tell speakers apart."""
    return f"{speaker_label(speaker)}: " if speaker else ""


class LivePrinter:
    """A readable live transcript; partials rewrite the current line on a terminal."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self._partial = False

    def _clear(self) -> None:
        if self._partial:
            self.out.write("\r\x1b[2K")
            self._partial = False

    def print(self, event: Event) -> None:
        if isinstance(event, TranscriptPartial):
            if not self.tty:
                return
            self._clear()
            if event.text:
                head = f"[{_clock(event.start)}] {_who(event.speaker)}"
                stable, rest = event.text[: event.stable], event.text[event.stable :]
                self.out.write(f"{head}{stable}\x1b[2m{rest}\x1b[0m")
                self._partial = True
        elif isinstance(event, TranscriptFinal):
            self._clear()
            self.out.write(
                f"[{_clock(event.start)}] {_who(event.speaker)}{event.text}"
                f"  ({event.latency_s:.2f} s)\n"
            )
        elif isinstance(event, Alert):
            self._clear()
            bell = "\a" if self.tty and event.level == "critical" else ""
            self.out.write(f"{bell}  !! 注意ワード[{level_label(event.level)}] {event.word}\n")
        elif isinstance(event, Suggestion) and event.items:
            self._clear()
            titles = " / ".join(item.title for item in event.items[:3])
            self.out.write(f"  → マニュアル: {titles}\n")
        elif isinstance(event, Checklist):
            return
        self.out.flush()

    def print_all(self, events: Iterable[Event]) -> None:
        for event in events:
            self.print(event)
        self._clear()


def write_json(summary: Any, out: TextIO, *, also_to: Path | None = None) -> int:
    """Print ``summary`` as indented JSON (and write it to ``also_to`` too); exit status 0."""
    text = json.dumps(summary, ensure_ascii=False, indent=2)
    out.write(text + "\n")
    if also_to is not None:
        also_to.parent.mkdir(parents=True, exist_ok=True)
        also_to.write_text(text + "\n", encoding="utf-8")
    return 0
