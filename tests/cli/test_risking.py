"""``consult-assist risk FILE [--json]`` on a JSON Lines transcript and on a recording."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from consult_assist.cli import main
from consult_assist.cli.risking import RiskOptions, render, risk
from consult_assist.errors import ConfigError
from consult_assist.risk.backstop import Suspicion
from consult_assist.risk.model import RiskModel

ROOT = Path(__file__).resolve().parents[2]
MANUALS = ROOT / "manuals"


def _transcript(tmp_path: Path, *turns: tuple[str, str, float]) -> Path:
    path = tmp_path / "call.jsonl"
    lines = [
        json.dumps({"speaker": s, "text": t, "at": at}, ensure_ascii=False) for s, t, at in turns
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_transcript_gives_one_json_object_with_tier_items_evidence_and_next(
    tmp_path: Path,
) -> None:
    path = _transcript(
        tmp_path,
        ("handler", "はい、児童相談所です。", 0.0),
        ("caller", "隣の3歳の子が、夜中にベランダに出されて泣いてるんです。", 4.5),
        ("handler", "首を絞められたりはしていないですか。", 12.0),
        ("caller", "それはわからないです。", 15.0),
    )
    out = io.StringIO()
    assert risk(RiskOptions(file=path, as_json=True, manuals=MANUALS), out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert data["tier"] == "集中的援助"
    items = {i["id"]: i for i in data["items"]}
    assert data["items"][0]["id"] == "protection_request" and len(items) == 8
    assert items["likely_serious_harm"]["state"] == "該当"
    evidence = items["likely_serious_harm"]["evidence"][0]
    assert evidence["speaker"] == "caller" and evidence["at"] == 4.5
    assert "ベランダ" in evidence["text"]
    assert items["serious_harm"]["state"] == "未確認"
    assert data["next"] and all("ask" in q for q in data["next"])


def test_the_readable_sheet_shows_the_tier_and_the_evidence_with_its_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _transcript(tmp_path, ("caller", "娘が、死にたいって言うんです。", 75.0))
    assert main(["risk", str(path), "--manuals", str(MANUALS)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("緊急度: 緊急一時保護を検討")
    assert (
        "[01:15] caller (子どもが死にたい・消えたいと言っている) 娘が、死にたいって言うんです。"
        in text
    )


def test_a_broken_transcript_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"speaker": "caller", "text": "a"}\n{"speaker": "caller"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.jsonl:2"):
        risk(RiskOptions(file=path, manuals=MANUALS), io.StringIO())


@pytest.mark.model
def test_a_recorded_call_is_transcribed_with_the_model_then_assessed() -> None:
    out = io.StringIO()
    options = RiskOptions(
        file=ROOT / "samples" / "child-violence.flac", as_json=True, manuals=MANUALS
    )
    assert risk(options, out) == 0
    data = json.loads(out.getvalue())
    items = {i["id"]: i for i in data["items"]}
    # The boy says his father hits him on the head: a blow to the head, from the recording.
    assert items["likely_serious_harm"]["state"] == "該当"
    assert any("殴" in e["text"] for e in items["likely_serious_harm"]["evidence"])
    assert data["tier"] in ("一時保護を検討", "緊急一時保護を検討", "集中的援助")


@pytest.mark.model
def test_transcribe_jsonl_interleaves_risk_events(capsys: pytest.CaptureFixture[str]) -> None:
    sample = ROOT / "samples" / "child-violence.flac"
    assert main(["transcribe", str(sample), "--jsonl", "--manuals", str(MANUALS)]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    types = [e["type"] for e in events]
    risks = [e for e in events if e["type"] == "risk"]
    assert risks and types.index("risk") > types.index("transcript.final")
    # Each risk event follows the final it came from.
    finals = {e["utterance"]: i for i, e in enumerate(events) if e["type"] == "transcript.final"}
    assert all(finals[r["utterance"]] < events.index(r) for r in risks)
    assert risks[-1]["tier"] in ("一時保護を検討", "緊急一時保護を検討", "集中的援助")


def test_the_readable_sheet_shows_what_the_second_reader_asks_to_confirm() -> None:
    manuals = Path(__file__).resolve().parents[2] / "manuals"
    model = RiskModel.load(manuals)
    sheet = replace(
        model.assessor().assessment(),
        suspected=(Suspicion("strangling", "パパにぎゅむってされて", ("ぎゅむ",), 70.0, "caller"),),
    )
    text = render(sheet, model.label)
    assert (
        "要確認（まだ該当ではありません）: [01:10] 首絞め・口と鼻をふさぐの疑い「ぎゅむ」 … "
        "パパにぎゅむってされて" in text
    )
    assert text.index("要確認") < text.index("① ")
    assert sheet.to_json()["suspected"] == [
        {
            "subitem": "strangling",
            "text": "パパにぎゅむってされて",
            "words": ["ぎゅむ"],
            "at": 70.0,
            "speaker": "caller",
            "asked": "",
        }
    ]
