"""What the commands print: the live transcript's labels, event lines, JSON summaries."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from consult_assist.cli.output import JsonlPrinter, LivePrinter, Progress, write_json
from consult_assist.events import (
    Alert,
    Checklist,
    Suggestion,
    SuggestionItem,
    TranscriptFinal,
    TranscriptPartial,
)
from consult_assist.labels import LEVELS, SPEAKERS


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def final(text: str, speaker: str = "") -> TranscriptFinal:
    return TranscriptFinal(
        session="s",
        at=4.0,
        utterance=1,
        start=61.5,
        end=63.0,
        text=text,
        latency_s=0.84,
        speaker=speaker,  # type: ignore[arg-type]
    )


def test_finals_carry_the_shared_speaker_labels() -> None:
    out = io.StringIO()
    LivePrinter(out).print_all([final("毎晩泣き声が", "caller"), final("はい", "handler")])
    assert out.getvalue().splitlines() == [
        f"[01:01.5] {SPEAKERS['caller']}: 毎晩泣き声が  (0.84 s)",
        f"[01:01.5] {SPEAKERS['handler']}: はい  (0.84 s)",
    ]


def test_a_mono_source_prints_no_speaker() -> None:
    out = io.StringIO()
    LivePrinter(out).print(final("もしもし"))
    assert out.getvalue() == "[01:01.5] もしもし  (0.84 s)\n"


@pytest.mark.parametrize("level", ["critical", "high", "notice"])
def test_alert_levels_read_as_in_the_apps(level: str) -> None:
    out = io.StringIO()
    alert = Alert(session="s", at=1.0, level=level, word="死にたい", segment="")  # type: ignore[arg-type]
    LivePrinter(out).print(alert)
    assert out.getvalue() == f"  !! 注意ワード[{LEVELS[level]}] 死にたい\n"


def test_only_a_terminal_hears_the_bell_and_sees_partials() -> None:
    alert = Alert(session="s", at=1.0, level="critical", word="血", segment="")
    partial = TranscriptPartial(
        session="s", at=1.0, utterance=1, start=0.0, end=1.0, text="となりの", stable=2
    )
    plain, tty = io.StringIO(), Terminal()
    for out in (plain, tty):
        LivePrinter(out).print_all([partial, alert])
    assert "\a" not in plain.getvalue() and "となり" not in plain.getvalue()
    assert tty.getvalue().startswith("[00:00.0] とな\x1b[2mりの\x1b[0m\r\x1b[2K")
    assert "\a  !! 注意ワード[緊急] 血" in tty.getvalue()


def test_suggestions_show_three_titles_and_checklists_nothing() -> None:
    out = io.StringIO()
    items = tuple(SuggestionItem(id=f"s{i}", title=f"項目{i}", score=1.0) for i in range(4))
    LivePrinter(out).print_all(
        [Suggestion(session="s", at=1.0, items=items), Checklist(session="s", at=1.0)]
    )
    assert out.getvalue() == "  → マニュアル: 項目0 / 項目1 / 項目2\n"


def test_jsonl_is_one_versioned_event_per_line() -> None:
    out = io.StringIO()
    JsonlPrinter(out).print_all([final("はい", "caller")])
    (line,) = out.getvalue().splitlines()
    event = json.loads(line)
    assert event["v"] == 1 and event["type"] == "transcript.final" and event["text"] == "はい"


def test_write_json_prints_and_also_writes(tmp_path: Path) -> None:
    out = io.StringIO()
    target = tmp_path / "deep" / "summary.json"
    assert write_json({"bench": "x", "値": 1}, out, also_to=target) == 0
    assert json.loads(out.getvalue()) == {"bench": "x", "値": 1}
    assert target.read_text(encoding="utf-8") == out.getvalue()


def test_progress_off_a_terminal_writes_only_start_and_end(
    capsys: pytest.CaptureFixture[str],
) -> None:
    progress = Progress("installing whisper-base")
    for done in (0, 10, 50, 100):
        progress("model.bin", done, 100)
    assert capsys.readouterr().err.splitlines() == [
        "installing whisper-base: model.bin 0%",
        "installing whisper-base: model.bin 100%",
    ]
