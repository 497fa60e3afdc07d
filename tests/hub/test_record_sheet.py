"""The record lays the draft out as the 受付票 and carries the risk assessment."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from consult_assist.events import (
    CheckItem,
    Checklist,
    Event,
    Risk,
    RiskSuspicion,
    SessionEnded,
    SessionStarted,
    TranscriptFinal,
)
from consult_assist.hub.record_markdown import render_markdown
from consult_assist.hub.records import build_record, record_to_json
from consult_assist.risk.feed import RiskFeed
from consult_assist.risk.model import RiskModel

ROOT = Path(__file__).resolve().parents[2]
S = "call-1"


def _call() -> list[Event]:
    model = RiskModel.load(ROOT / "manuals")
    feed = RiskFeed(model)
    events: list[Event] = [
        SessionStarted(session=S, seq=1, at=0.0, meta={"started_at": "2026-05-01T21:10:00+09:00"})
    ]
    feed.feed(events[0])
    turns = [
        ("caller", "隣に住んでいる者です。", 2.0),
        ("caller", "隣の3歳の男の子が、夜中にベランダに出されて泣いてるんです。", 65.0),
        ("handler", "前にもそういうことはありましたか。", 80.0),
        ("caller", "はい、何回もあります。", 83.0),
    ]
    for number, (speaker, text, at) in enumerate(turns, start=1):
        final = TranscriptFinal(
            session=S,
            seq=len(events) + 1,
            at=at,
            utterance=number,
            start=at,
            end=at,
            text=text,
            speaker=speaker,
        )
        events.append(final)
        events.extend(feed.feed(final))
    events.append(
        Checklist(
            session=S,
            seq=len(events) + 1,
            at=84.0,
            covered=(
                CheckItem(id="child-age", label="子どもの年齢・性別", value="3歳・男"),
                CheckItem(id="reporter-relation", label="通告者と子ども", value="隣の住民"),
            ),
            missing=(CheckItem(id="reporter-contact", label="通告者の連絡先"),),
        )
    )
    events.append(SessionEnded(session=S, seq=len(events) + 1, at=90.0, reason="hangup"))
    return events


def test_the_draft_is_laid_out_as_the_intake_form_with_unheard_where_nothing_was_said() -> None:
    text = render_markdown(build_record(_call()))
    form = text[text.index("## 虐待相談・通告受付票") : text.index("## リスクアセスメント")]
    when = next(line for line in text.splitlines() if line.startswith("- 日時: "))
    assert f"- 受付日時: {when.removeprefix('- 日時: ')}" in form  # the call's date and time
    assert "2026年5月1日" in when
    assert "- 通告者と続柄: 隣の住民" in form
    assert "- 子どもの年齢・性別: 3歳・男" in form
    assert "- 子どもの氏名: 未聴取" in form
    assert "④重大な結果が生じる可能性が高い: [01:05]「隣の3歳の男の子が" in form
    assert "- 緊急度: 一時保護を検討（R4, R6）" in form
    assert "  - 通告者の連絡先（未確認）" in form


def test_the_assessment_lists_each_item_with_its_evidence_and_time() -> None:
    text = render_markdown(build_record(_call()))
    sheet = text[text.index("## リスクアセスメント") : text.index("## 確認項目")]
    assert "- 緊急度: 一時保護を検討（発生前の一時保護を検討）" in sheet
    assert "- 根拠となったルール: R4, R6" in sheet
    assert "- ④ 重大な結果が生じる可能性が高い: 該当" in sheet
    assert "  - [01:05]（相談者、戸外放置（締め出し、ベランダに出す））「隣の3歳の男の子が" in sheet
    assert "- ① 子どもや保護者が保護を求めている: 未確認" in sheet
    assert "%" not in sheet


def test_the_json_record_carries_the_last_sheet() -> None:
    events = _call()
    data = record_to_json(build_record(events), events)
    assert data["risk"]["tier"] == "一時保護を検討"
    assert {i["id"]: i["state"] for i in data["risk"]["items"]}["recurrence"] == "該当"


def test_a_suspicion_of_the_second_reader_is_in_the_record_as_to_confirm(
    suspicion: RiskSuspicion,
) -> None:
    events = _call()
    last = next(e for e in reversed(events) if isinstance(e, Risk))
    events.insert(-1, dataclasses.replace(last, seq=len(events), suspected=(suspicion,)))
    text = render_markdown(build_record(events))
    sheet = text[text.index("## リスクアセスメント") : text.index("## 確認項目")]
    assert (
        "- 要確認（規則では未該当）: [01:10] 首絞め・口と鼻をふさぐの疑い「ぎゅむ」…"
        "「パパにぎゅむってされて」" in sheet
    )
    assert "- 緊急度: 一時保護を検討" in sheet and "%" not in sheet
