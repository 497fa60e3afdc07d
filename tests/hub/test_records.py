from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consult_assist.errors import ConsultAssistError
from consult_assist.events import (
    Ack,
    Advice,
    Alert,
    CheckItem,
    Checklist,
    ErrorEvent,
    Event,
    HelpRequest,
    Note,
    Sequencer,
    SessionEnded,
    SessionStarted,
    Suggestion,
    SuggestionItem,
    TranscriptFinal,
    TranscriptPartial,
)
from consult_assist.hub.records import (
    AckEntry,
    AdviceEntry,
    AlertEntry,
    CallRecord,
    ErrorEntry,
    HelpEntry,
    NoteEntry,
    RecordError,
    SectionEntry,
    TranscriptLine,
    build_record,
    record_to_json,
    render_markdown,
)
from consult_assist.wire import event_from_dict

S = "s-0314-01"
INTAKE = SuggestionItem(id="intake", title="初回の聞き取り", score=0.8)
BULLYING = SuggestionItem(id="bullying", title="学校でのいじめ", score=0.4)
SUICIDE = SuggestionItem(id="suicidal", title="希死念慮への対応", score=0.95)
NAME = CheckItem(id="name", label="名前・学年")
SAFE = CheckItem(id="safety", label="今いる場所の安全")
CONTACT = CheckItem(id="contact", label="連絡先・保護者")
SAYS_NAME = "ゆうきです。小学5年生です"
SAYS_SAFE = "話してくれてありがとう。今いる場所は安全かな？"
PARTIAL_TEXT = "学校でいじめられてて、もう死にたい"
FINAL_TEXT = "学校でいじめられてて、もう死にたいって思う"


def _final(utterance: int, start: float, end: float, text: str, speaker: str) -> TranscriptFinal:
    return TranscriptFinal(
        session=S,
        at=end + 0.4,
        utterance=utterance,
        start=start,
        end=end,
        text=text,
        speaker=speaker,
        latency_s=0.4,
    )


def _alert(at: float, segment: str) -> Alert:
    return Alert(
        session=S,
        at=at,
        level="critical",
        word="死にたい",
        segment=segment,
        matched="死にたい",
        utterance=3,
        start=11.0,
        end=14.0,
        speaker="caller",
        section="suicidal",
    )


def stamp(events: list[Event]) -> list[Event]:
    sequencer = Sequencer()
    return [sequencer.stamp(e) for e in events]


def call(*, training: bool = False, ended: bool = True) -> list[Event]:
    """A short live call: intake, a suicidal remark, help from a supervisor, a note."""
    meta = {
        "handler": "佐藤",
        "started_by": "佐藤",
        "training": training,
        "source": "sip",
        "caller": "09012345678",
        "call_id": "c-7f3a",
        "started_at": "2025-03-14T15:02:07+09:00",
    }
    events: list[Event] = [
        SessionStarted(session=S, meta=meta),  # 1
        TranscriptPartial(
            session=S, at=2.6, utterance=1, start=1.2, end=2.5, text="もしもし", speaker="caller"
        ),  # 2
        _final(1, 1.2, 3.0, "もしもし、あの、相談したいことがあって", "caller"),  # 3
        _final(2, 7.0, 9.5, SAYS_NAME, "caller"),  # 4
        # The handler's greeting started earlier but its final came late.
        _final(
            1_000_001, 3.8, 6.0, "はい、子ども相談ダイヤルです。お名前と学年を教えてね", "handler"
        ),  # 5
        Checklist(
            session=S,
            at=9.9,
            covered=(dataclasses.replace(NAME, evidence=SAYS_NAME),),
            missing=(SAFE, CONTACT),
        ),  # 6
        Suggestion(session=S, at=10.0, items=(INTAKE, BULLYING)),  # 7
        TranscriptPartial(
            session=S,
            at=13.2,
            utterance=3,
            start=11.0,
            end=13.0,
            text=PARTIAL_TEXT,
            stable=4,
            speaker="caller",
        ),  # 8
        _alert(13.2, PARTIAL_TEXT),  # 9
        _final(3, 11.0, 14.0, FINAL_TEXT, "caller"),  # 10
        _alert(14.4, FINAL_TEXT),  # 11: the same occurrence again, from the final
        Suggestion(session=S, at=14.5, items=(SUICIDE, BULLYING, INTAKE)),  # 12
        HelpRequest(session=S, at=15.0, reason="希死念慮の訴え", by="佐藤"),  # 13
        Ack(session=S, at=18.0, ref=13, kind="help.request", by="田中"),  # 14
        Advice(
            session=S,
            at=25.0,
            text="まず今の安全を確認して、ひとりで抱えなくていいと伝えて",
            by="田中",
        ),  # 15
        Ack(session=S, at=26.0, ref=15, kind="advice", by="佐藤"),  # 16
        _final(1_000_002, 27.0, 31.0, SAYS_SAFE, "handler"),  # 17
        Checklist(
            session=S,
            at=31.4,
            covered=(
                dataclasses.replace(NAME, evidence=SAYS_NAME),
                dataclasses.replace(SAFE, evidence=SAYS_SAFE),
            ),
            missing=(CONTACT,),
        ),  # 18
        _final(4, 32.0, 34.0, "うん、家にいる", "caller"),  # 19
        Note(
            session=S, at=40.0, text="担任には話していない。\n明日また電話すると約束。", by="佐藤"
        ),
        # 20
    ]
    if ended:
        events.append(SessionEnded(session=S, at=252.4, reason="hangup"))  # 21
    return stamp(events)


EXPECTED_MARKDOWN = """\
# 通話記録（下書き）

> 自動で作成した下書きです。内容を確認し、必要に応じて修正してください。

- 日時: 2025年3月14日（金） 15:02〜15:06
- 通話時間: 4分12秒
- 対応者: 佐藤
- 区分: 本番
- 経路: 電話（SIP）
- 発信番号: 09012345678
- 通話 ID: c-7f3a
- セッション: s-0314-01
- 終了: 終話（電話が切れた）

## 確認項目

### 聞き取り済み

- 名前・学年: 「ゆうきです。小学5年生です」
- 今いる場所の安全: 「話してくれてありがとう。今いる場所は安全かな？」

### 未確認

- 連絡先・保護者

## 注意ワード

- [00:11] 【重大】死にたい（相談者）「学校でいじめられてて、もう死にたいって思う」 → マニュアル: 希死念慮への対応

## 参照したマニュアル

- [00:10] 初回の聞き取り（intake、最高1位）
- [00:10] 学校でのいじめ（bullying、最高2位）
- [00:14] 希死念慮への対応（suicidal、最高1位）

## 応援要請と助言

- [00:15] 応援要請（佐藤）: 「希死念慮の訴え」 → 田中（00:18）が対応
- [00:25] 助言（田中）: 「まず今の安全を確認して、ひとりで抱えなくていいと伝えて」 → 佐藤（00:26）が確認

## 対応メモ

- [00:40] 佐藤: 担任には話していない。
  明日また電話すると約束。

## 通話の文字起こし

- [00:01] 相談者: もしもし、あの、相談したいことがあって
- [00:03] 対応者: はい、子ども相談ダイヤルです。お名前と学年を教えてね
- [00:07] 相談者: ゆうきです。小学5年生です
- [00:11] 相談者: 学校でいじめられてて、もう死にたいって思う
- [00:27] 対応者: 話してくれてありがとう。今いる場所は安全かな？
- [00:32] 相談者: うん、家にいる
"""  # noqa: E501


def test_record_of_a_call() -> None:
    record = build_record(call())
    assert record == CallRecord(
        session=S,
        started_at="2025-03-14T15:02:07+09:00",
        ended_at="2025-03-14T15:06:19+09:00",
        duration_s=252.4,
        end_reason="hangup",
        handler="佐藤",
        started_by="佐藤",
        training=False,
        source="sip",
        caller="09012345678",
        call_id="c-7f3a",
        file="",
        covered=(
            CheckItem(id="name", label="名前・学年", evidence=SAYS_NAME),
            CheckItem(id="safety", label="今いる場所の安全", evidence=SAYS_SAFE),
        ),
        missing=(CONTACT,),
        alerts=(
            AlertEntry(
                level="critical",
                word="死にたい",
                segment=FINAL_TEXT,
                matched="死にたい",
                utterance=3,
                start=11.0,
                at=13.2,
                speaker="caller",
                section="suicidal",
            ),
        ),
        sections=(
            SectionEntry(id="intake", title="初回の聞き取り", first_at=10.0, best_rank=1),
            SectionEntry(id="bullying", title="学校でのいじめ", first_at=10.0, best_rank=2),
            SectionEntry(id="suicidal", title="希死念慮への対応", first_at=14.5, best_rank=1),
        ),
        help_requests=(
            HelpEntry(
                seq=13,
                at=15.0,
                reason="希死念慮の訴え",
                by="佐藤",
                acks=(AckEntry(by="田中", at=18.0),),
            ),
        ),
        advice=(
            AdviceEntry(
                seq=15,
                at=25.0,
                text="まず今の安全を確認して、ひとりで抱えなくていいと伝えて",
                by="田中",
                acks=(AckEntry(by="佐藤", at=26.0),),
            ),
        ),
        notes=(
            NoteEntry(at=40.0, text="担任には話していない。\n明日また電話すると約束。", by="佐藤"),
        ),
        transcript=(
            TranscriptLine(
                utterance=1,
                start=1.2,
                end=3.0,
                speaker="caller",
                text="もしもし、あの、相談したいことがあって",
            ),
            TranscriptLine(
                utterance=1_000_001,
                start=3.8,
                end=6.0,
                speaker="handler",
                text="はい、子ども相談ダイヤルです。お名前と学年を教えてね",
            ),
            TranscriptLine(utterance=2, start=7.0, end=9.5, speaker="caller", text=SAYS_NAME),
            TranscriptLine(utterance=3, start=11.0, end=14.0, speaker="caller", text=FINAL_TEXT),
            TranscriptLine(
                utterance=1_000_002, start=27.0, end=31.0, speaker="handler", text=SAYS_SAFE
            ),
            TranscriptLine(
                utterance=4, start=32.0, end=34.0, speaker="caller", text="うん、家にいる"
            ),
        ),
        errors=(),
    )
    assert record.ended


def test_markdown_of_a_call() -> None:
    assert render_markdown(build_record(call())) == EXPECTED_MARKDOWN


def test_json_holds_the_record_and_every_event() -> None:
    events = call()
    data = record_to_json(build_record(events), events)
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert [event_from_dict(e) for e in data.pop("events")] == events
    assert data == {
        "session": S,
        "started_at": "2025-03-14T15:02:07+09:00",
        "ended_at": "2025-03-14T15:06:19+09:00",
        "duration_s": 252.4,
        "end_reason": "hangup",
        "ended": True,
        "handler": "佐藤",
        "started_by": "佐藤",
        "training": False,
        "source": "sip",
        "caller": "09012345678",
        "call_id": "c-7f3a",
        "file": "",
        "covered": [
            {"id": "name", "label": "名前・学年", "evidence": SAYS_NAME},
            {"id": "safety", "label": "今いる場所の安全", "evidence": SAYS_SAFE},
        ],
        "missing": [{"id": "contact", "label": "連絡先・保護者", "evidence": ""}],
        "alerts": [
            {
                "level": "critical",
                "word": "死にたい",
                "segment": FINAL_TEXT,
                "matched": "死にたい",
                "utterance": 3,
                "start": 11.0,
                "at": 13.2,
                "speaker": "caller",
                "section": "suicidal",
            }
        ],
        "sections": [
            {"id": "intake", "title": "初回の聞き取り", "first_at": 10.0, "best_rank": 1},
            {"id": "bullying", "title": "学校でのいじめ", "first_at": 10.0, "best_rank": 2},
            {"id": "suicidal", "title": "希死念慮への対応", "first_at": 14.5, "best_rank": 1},
        ],
        "help_requests": [
            {
                "seq": 13,
                "at": 15.0,
                "reason": "希死念慮の訴え",
                "by": "佐藤",
                "acks": [{"by": "田中", "at": 18.0}],
            }
        ],
        "advice": [
            {
                "seq": 15,
                "at": 25.0,
                "text": "まず今の安全を確認して、ひとりで抱えなくていいと伝えて",
                "by": "田中",
                "acks": [{"by": "佐藤", "at": 26.0}],
            }
        ],
        "notes": [
            {"at": 40.0, "text": "担任には話していない。\n明日また電話すると約束。", "by": "佐藤"}
        ],
        "transcript": [
            {
                "utterance": 1,
                "start": 1.2,
                "end": 3.0,
                "speaker": "caller",
                "text": "もしもし、あの、相談したいことがあって",
            },
            {
                "utterance": 1_000_001,
                "start": 3.8,
                "end": 6.0,
                "speaker": "handler",
                "text": "はい、子ども相談ダイヤルです。お名前と学年を教えてね",
            },
            {"utterance": 2, "start": 7.0, "end": 9.5, "speaker": "caller", "text": SAYS_NAME},
            {"utterance": 3, "start": 11.0, "end": 14.0, "speaker": "caller", "text": FINAL_TEXT},
            {
                "utterance": 1_000_002,
                "start": 27.0,
                "end": 31.0,
                "speaker": "handler",
                "text": SAYS_SAFE,
            },
            {
                "utterance": 4,
                "start": 32.0,
                "end": 34.0,
                "speaker": "caller",
                "text": "うん、家にいる",
            },
        ],
        "errors": [],
    }


def test_json_events_include_partials_and_duplicate_alerts() -> None:
    events = call()
    data = record_to_json(build_record(events), events)
    types = [e["type"] for e in data["events"]]
    assert types.count("transcript.partial") == 2
    assert types.count("alert") == 2
    assert [e["seq"] for e in data["events"]] == list(range(1, 22))


def test_a_training_replay_is_marked() -> None:
    events = call(training=True)
    record = build_record(events)
    assert record.training
    text = render_markdown(record)
    head = text.splitlines()[:5]
    assert head[0] == "# 通話記録（下書き）【研修（再生）通話】"
    assert head[4] == "**研修（再生）通話です。実際の相談の記録ではありません。**"
    assert "- 区分: 研修（再生）\n" in text
    assert "- 区分: 本番" not in text
    assert record_to_json(record, events)["training"] is True


def test_a_replay_from_a_file_names_the_trainer_and_the_file() -> None:
    events = stamp(
        [
            SessionStarted(
                session="r1",
                meta={
                    "handler": "研修生A",
                    "started_by": "講師B",
                    "training": "true",
                    "source": "file",
                    "caller": "",
                    "file": "samples/bullying.wav",
                    "started_at": "2025-03-14T06:00:00Z",
                },
            ),
            TranscriptFinal(session="r1", at=3.0, utterance=0, start=0.5, end=2.6, text="あのね"),
            SessionEnded(session="r1", at=5.0, reason="end"),
        ]
    )
    text = render_markdown(build_record(events))
    assert "- 日時: 2025年3月14日（金） 06:00〜06:00（UTC+00:00）\n" in text
    assert "- 通話時間: 5秒\n" in text
    assert "- 対応者: 研修生A\n- 開始操作: 講師B\n- 区分: 研修（再生）\n" in text
    assert "- 経路: 音声ファイル\n- 再生ファイル: samples/bullying.wav\n" in text
    assert "発信番号" not in text
    assert "- 終了: 終了\n" in text
    # No speaker label when the source cannot tell who spoke.
    assert text.endswith("## 通話の文字起こし\n\n- [00:00] あのね\n")


def test_a_live_call_renders_without_an_end() -> None:
    events = call(ended=False)
    record = build_record(events)
    assert record.end_reason is None
    assert not record.ended
    assert record.ended_at is None
    assert record.duration_s == 40.0  # the last event: the note
    text = render_markdown(record)
    assert "- 日時: 2025年3月14日（金） 15:02〜\n" in text
    assert "- 通話時間: 40秒（終了の記録なし: 通話中または中断）\n" in text
    assert "- 終了: 記録なし\n" in text
    data = record_to_json(record, events)
    assert (data["ended"], data["ended_at"], data["end_reason"]) == (False, None, None)


def test_missing_meta_and_sections_say_so() -> None:
    events = stamp(
        [
            TranscriptPartial(session="x", at=1.0, utterance=0, start=0.0, end=0.9, text="え"),
            ErrorEvent(session="x", at=61.5, code="asr", message="音声認識が停止しました"),
        ]
    )
    record = build_record(events)
    assert record.errors == (ErrorEntry(at=61.5, code="asr", message="音声認識が停止しました"),)
    text = render_markdown(record)
    assert (
        "**※ [01:01] システムエラー: 音声認識が停止しました"
        "（文字起こしが欠けている可能性があります）**"
    ) in text
    assert "- 日時: （記録なし）\n- 通話時間: 1分1秒（終了の記録なし: 通話中または中断）\n" in text
    assert "- 対応者: （記録なし）\n" in text
    assert "- 区分: 本番\n" in text
    for heading in (
        "### 聞き取り済み",
        "### 未確認",
        "## 注意ワード",
        "## 参照したマニュアル",
        "## 応援要請と助言",
        "## 対応メモ",
        "## 通話の文字起こし",
    ):
        assert f"{heading}\n\n（なし）\n" in text


def test_acks_are_matched_by_seq_and_counted_once_per_person() -> None:
    events = stamp(
        [
            HelpRequest(session="h", at=5.0, reason="", by="佐藤"),  # 1
            HelpRequest(session="h", at=65.0, reason="無言が続く", by="佐藤"),  # 2
            Ack(session="h", at=70.0, ref=2, kind="help.request", by="田中"),
            Ack(session="h", at=71.0, ref=2, kind="help.request", by="田中"),
            Ack(session="h", at=72.0, ref=2, kind="help.request", by="鈴木"),
            Ack(session="h", at=73.0, ref=99, kind="help.request", by="鈴木"),
            Advice(session="h", at=80.0, text="しばらく待ってみて", by="鈴木"),  # 7
        ]
    )
    text = render_markdown(build_record(events))
    assert (
        "## 応援要請と助言\n\n"
        "- [00:05] 応援要請（佐藤） → 対応の記録なし\n"
        "- [01:05] 応援要請（佐藤）: 「無言が続く」 → 田中（01:10）、鈴木（01:12）が対応\n"
        "- [01:20] 助言（鈴木）: 「しばらく待ってみて」 → 確認の記録なし\n"
    ) in text


def test_alerts_on_different_utterances_or_words_are_kept_apart() -> None:
    base = _alert(13.2, PARTIAL_TEXT)
    events = stamp(
        [
            base,
            dataclasses.replace(base, at=14.4, level="high", segment=FINAL_TEXT),
            dataclasses.replace(base, at=20.0, utterance=5, start=18.0, segment="やっぱり死にたい"),
            dataclasses.replace(base, at=20.0, utterance=5, start=18.0, word="消えたい"),
        ]
    )
    alerts = build_record(events).alerts
    assert [(a.word, a.utterance, a.at, a.level) for a in alerts] == [
        ("死にたい", 3, 13.2, "critical"),
        ("死にたい", 5, 20.0, "critical"),
        ("消えたい", 5, 20.0, "critical"),
    ]
    # Without a final for utterance 3, the later alert's (longer) segment is quoted.
    assert alerts[0].segment == FINAL_TEXT


def test_empty_input_is_the_projects_error() -> None:
    with pytest.raises(RecordError, match="no events") as caught:
        build_record([])
    assert isinstance(caught.value, ConsultAssistError)


def test_events_of_two_sessions_are_refused() -> None:
    events = [*call()[:2], Note(session="other", seq=1, text="x")]
    with pytest.raises(RecordError, match="one session"):
        build_record(events)


FULL = call()


@given(st.lists(st.booleans(), min_size=len(FULL), max_size=len(FULL)))
def test_any_ordered_subset_builds(keep: list[bool]) -> None:
    events = [e for e, k in zip(FULL, keep, strict=True) if k] or FULL[-1:]
    record = build_record(events)
    assert render_markdown(record).startswith("# 通話記録（下書き）\n")
    data = record_to_json(record, events)
    assert json.loads(json.dumps(data, ensure_ascii=False))["events"] == data["events"]
    assert len(record.transcript) <= 6
    assert len(record.alerts) <= 1
