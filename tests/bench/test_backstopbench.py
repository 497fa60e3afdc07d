"""``bench backstop`` and ``manuals backstop`` on tiny labelled sets: each set held out in
turn, the counts say what happened; the trained reader lands beside risk.toml and loads."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from consult_assist.bench.backstopbench import labelled_sets, run_backstop_bench
from consult_assist.cli import main
from consult_assist.cli.offline import manuals_check
from consult_assist.errors import ConfigError
from consult_assist.risk.backstop import load

ROOT = Path(__file__).resolve().parents[2]


def _record(rid: str, text: str, severe: str = "", kind: str = "establishes") -> dict[str, object]:
    return {
        "id": rid,
        "turns": [{"speaker": "handler" if kind == "handler_question" else "caller", "text": text}],
        "items": ["likely_serious_harm"] if severe else [],
        "subitems": [severe] if severe else [],
        "severe": bool(severe),
        "variant": "clean",
        "kind": kind,
        "note": "",
    }


_SETS = {
    # Invented words for a squeezed neck, so that the rules miss them and only the reader,
    # trained on the other sets, can know them.
    "one": [
        _record("a1", "パパにぎゅむぎゅむされた", "strangling"),
        _record("a2", "きょうはサッカーをした"),
        _record("a3", "ぎゅむぎゅむされたことある？", kind="handler_question"),
    ],
    "two": [
        _record("b1", "またぎゅむぎゅむされて苦しかった", "strangling"),
        _record("b2", "ごはんがおいしかった"),
    ],
    "three": [
        _record("c1", "ぎゅむぎゅむってされるの", "strangling"),
        _record("c2", "せんせいにほめられた"),
    ],
}


def _data(tmp_path: Path) -> Path:
    for name, records in _SETS.items():
        folder = tmp_path / f"risk_{name}"
        folder.mkdir()
        (folder / "risk_turns.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
        )
    return tmp_path


def test_a_folder_of_sets_is_read_set_by_set(tmp_path: Path) -> None:
    sets = labelled_sets([_data(tmp_path)])
    assert sorted(sets) == ["one", "three", "two"] and len(sets["one"].lines) == 3
    assert sorted(labelled_sets([tmp_path / "risk_two"])) == ["risk_two"]
    with pytest.raises(ConfigError, match="no labelled set"):
        labelled_sets([tmp_path / "nowhere"])


def test_each_set_held_out_is_read_by_a_reader_trained_on_the_others(tmp_path: Path) -> None:
    blind = tmp_path / "blind"
    blind.mkdir()
    miss = {"id": "a1", "severe": [True, []]}
    (blind / "bench-risk-one-blind.json").write_text(
        json.dumps({"turns": {"clean": {"misses": [miss]}, "asr": {"misses": []}}}),
        encoding="utf-8",
    )
    summary = run_backstop_bench(
        ROOT / "manuals", [_data(tmp_path)], blind=blind, iterations=120, only=["one"]
    )
    assert summary["sets"] == 1
    held = summary["per_set"]["one"]["clean"]
    assert held["severe_records"] == 1 and held["rules_found"] == 0
    assert held["rules_missed_suspected"] == 1
    assert (held["first_sight_missed"], held["first_sight_missed_suspected"]) == (1, 1)
    assert held["not_severe_records"] == 2 and held["suspected_on_handler_questions"] == 0
    assert held["suspected_not_severe"] == len(held["suspected_not_severe_ids"])
    assert summary["total"]["clean"]["rules_missed_suspected"] == 1


def test_manuals_backstop_writes_the_reader_that_manuals_check_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manuals = Path(shutil.copytree(ROOT / "manuals", tmp_path / "manuals"))
    (manuals / "risk_backstop.npz").unlink()
    (tmp_path / "data").mkdir()
    data = _data(tmp_path / "data")
    assert (
        main(["manuals", "backstop", str(data), "--manuals", str(manuals), "--iterations", "20"])
        == 0
    )
    assert "trained on 7 labelled records and 0 ordinary call turns of 3 sets" in (
        capsys.readouterr().out
    )
    assert load(manuals / "risk_backstop.npz").trained_on == ("one", "three", "two")
    out = io.StringIO()
    assert manuals_check(manuals, out) == 0
    (manuals / "risk_backstop.npz").write_bytes(b"broken")
    out = io.StringIO()
    assert manuals_check(manuals, out) == 1
    assert "risk_backstop.npz:0: not a backstop model" in out.getvalue()
