"""The widgets' text helpers: cells, durations, and the words they take from labels.py."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.cells import cell_len

from consult_assist.labels import LEVELS, SPEAKERS
from consult_assist.tui.callview import Line
from consult_assist.tui.widgets.richtext import duration, fit, level_text, speaker_name
from consult_assist.tui.widgets.transcript_view import TranscriptView

NOW = datetime(2025, 1, 1, 0, 3, 25, tzinfo=UTC)


def test_duration() -> None:
    assert duration("2025-01-01T00:00:00+00:00", NOW) == "03:25"
    assert duration("2024-12-31T22:00:00+00:00", NOW) == "2:03:25"
    assert duration("2025-01-01T00:00:00", NOW) == "03:25"
    assert duration("", NOW) == "—"
    assert duration("2025-01-01T01:00:00+00:00", NOW) == "00:00"


def test_fit_cuts_double_width_text_to_cells() -> None:
    assert fit("相談者  は\n話す", 20) == "相談者 は 話す"
    cut = fit("江戸川区の西葛西です", 9)
    assert cut.endswith("…") and cell_len(cut) <= 9
    assert fit("abc", 1) == "…"


def test_levels_read_as_the_shared_vocabulary() -> None:
    for level in ("critical", "high", "notice"):
        assert level_text(level).plain == f" {LEVELS[level]} "  # type: ignore[arg-type]
    assert level_text(None).plain == ""


def test_a_speaker_is_named_only_when_the_source_knows_it() -> None:
    assert speaker_name("caller") == SPEAKERS["caller"] == "相談者"
    assert speaker_name("handler") == SPEAKERS["handler"] == "対応者"
    assert speaker_name("") == speaker_name("unknown") == ""
    mono = Line(utterance=0, speaker="", text="もしもし", start=0.0, final=True)
    assert TranscriptView.label(mono) == "・"
    assert (
        TranscriptView.label(Line(utterance=1, speaker="caller", text="はい", start=1.0))
        == "相談者"
    )
