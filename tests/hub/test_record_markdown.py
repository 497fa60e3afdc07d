"""The call record as a Japanese Markdown draft: labels from the one vocabulary (labels.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from recordcalls import call, stamp

from consult_assist.events import (
    Ack,
    Advice,
    Alert,
    CheckItem,
    Checklist,
    ErrorEvent,
    HelpRequest,
    Note,
    RecordClosed,
    SessionEnded,
    SessionStarted,
    TranscriptFinal,
    TranscriptPartial,
)
from consult_assist.hub.record_markdown import render_markdown
from consult_assist.hub.records import build_record
from consult_assist.labels import level_label

pytestmark = pytest.mark.usefixtures("jst")

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
- 記録: 未確定（メモの追加・修正ができます）

## 確認項目

### 聴取済み

- 名前・学年: 「ゆうきです。小学5年生です」
- 今いる場所の安全: 「話してくれてありがとう。今いる場所は安全かな？」

### 未確認

- 連絡先・保護者

## 注意ワード

- [00:11] 【緊急】死にたい（相談者）「学校でいじめられてて、もう死にたいって思う」 → マニュアル: 希死念慮への対応

## 参照したマニュアル

- [00:10] 初回の聞き取り（候補の最高 1 位）
- [00:10] 学校でのいじめ（候補の最高 2 位）
- [00:14] 希死念慮への対応（候補の最高 1 位）

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


def test_markdown_of_a_call() -> None:
    assert render_markdown(build_record(call())) == EXPECTED_MARKDOWN


def test_a_training_replay_is_marked() -> None:
    text = render_markdown(build_record(call(training=True)))
    head = text.splitlines()[:5]
    assert head[0] == "# 通話記録（下書き）【研修（再生）通話】"
    assert head[4] == "**研修（再生）通話です。実際の相談の記録ではありません。**"
    assert "- 区分: 研修（再生）\n" in text
    assert "- 区分: 本番" not in text


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
    assert "- 日時: 2025年3月14日（金） 15:00〜15:00\n" in text  # UTC read in JST (TZ)
    assert "- 通話時間: 5秒\n" in text
    assert "- 対応者: 研修生A\n- 開始操作: 講師B\n- 区分: 研修（再生）\n" in text
    assert "- 経路: 音声ファイル\n- 再生ファイル: samples/bullying.wav\n" in text
    assert "発信番号" not in text
    assert "- 終了: 終了\n" in text
    # No speaker label when the source cannot tell who spoke.
    assert text.endswith("## 通話の文字起こし\n\n- [00:00] あのね\n")


def test_a_live_call_renders_without_an_end() -> None:
    text = render_markdown(build_record(call(ended=False)))
    assert "- 日時: 2025年3月14日（金） 15:02〜\n" in text
    assert "- 通話時間: 40秒（終了の記録なし: 通話中または中断）\n" in text
    assert "- 終了: 記録なし\n" in text


def test_missing_meta_and_sections_say_so() -> None:
    events = stamp(
        [
            TranscriptPartial(session="x", at=1.0, utterance=0, start=0.0, end=0.9, text="え"),
            ErrorEvent(session="x", at=61.5, code="asr", message="音声認識が停止しました"),
        ]
    )
    text = render_markdown(build_record(events))
    assert (
        "**※ [01:01] システムエラー: 音声認識が停止しました"
        "（文字起こしが欠けている可能性があります）**"
    ) in text
    assert "- 日時: （記録なし）\n- 通話時間: 1分1秒（終了の記録なし: 通話中または中断）\n" in text
    assert "- 対応者: （記録なし）\n" in text
    assert "- 区分: 本番\n" in text
    for heading in (
        "### 聴取済み",
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


@pytest.mark.parametrize(
    ("level", "reason", "source", "words"),
    [
        ("critical", "hangup", "sip", ("【緊急】", "- 終了: 終話（電話が切れた）", "電話（SIP）")),
        (
            "high",
            "disconnected",
            "websocket",
            ("【重要】", "接続が切れたため終了", "WebSocket 接続"),
        ),
        ("notice", "interrupted", "mic", ("【注意】", "サーバー停止により中断", "- 経路: マイク")),
        ("critical", "brand-new", "pigeon", ("【緊急】", "- 終了: 不明", "- 経路: 不明")),
    ],
)
def test_levels_end_reasons_and_sources_read_as_the_apps_say_them(
    level: str, reason: str, source: str, words: tuple[str, ...]
) -> None:
    said = TranscriptFinal(
        session="v", at=2.0, utterance=1, start=0.5, end=1.8, text="死にたい", speaker="caller"
    )
    events = stamp(
        [
            SessionStarted(session="v", meta={"source": source}),
            said,
            Alert(
                session="v",
                at=2.0,
                level=level,  # type: ignore[arg-type]
                word="死にたい",
                segment="死にたい",
                matched="死にたい",
                utterance=1,
                start=0.5,
                end=1.8,
                speaker="caller",
            ),
            SessionEnded(session="v", at=3.0, reason=reason),
        ]
    )
    text = render_markdown(build_record(events))
    for word in words:
        assert word in text
    assert "重大" not in text and "【高】" not in text  # the old words are gone
    assert level_label(level) in text and "相談者" in text


FULL = call()


@given(st.lists(st.booleans(), min_size=len(FULL), max_size=len(FULL)))
def test_any_ordered_subset_renders(keep: list[bool]) -> None:
    events = [e for e, k in zip(FULL, keep, strict=True) if k] or FULL[-1:]
    text = render_markdown(build_record(events))
    assert text.startswith("# 通話記録（下書き）\n") and text.endswith("\n")


def test_the_record_shows_the_answer_and_value_not_the_question() -> None:
    age = CheckItem(
        id="age",
        label="子どもの年齢・性別",
        evidence="3歳くらいの男の子です",
        value="3歳・男",
        act="answer",
    )
    asked = CheckItem(id="contact", label="通告者の連絡先", evidence="連絡先を教えていただけますか")
    events = stamp(
        [
            SessionStarted(session="s"),
            Checklist(session="s", covered=(age,), asked=(asked,), missing=()),
            Alert(
                session="s",
                at=5.0,
                level="critical",
                word="飛び降り",
                segment="飛び降りようと考えているかな",
                utterance=7,
                start=4.0,
                act="question",
            ),
        ]
    )
    text = render_markdown(build_record(events))
    assert "- 子どもの年齢・性別: 3歳・男 「3歳くらいの男の子です」" in text
    assert "### 質問済み・回答なし" in text
    assert "- 通告者の連絡先（質問: 「連絡先を教えていただけますか」）" in text
    assert "【緊急】飛び降り（質問）「飛び降りようと考えているかな」" in text


def test_times_read_in_the_local_zone_whatever_offset_the_server_wrote() -> None:
    events = stamp(
        [
            SessionStarted(session="u", meta={"started_at": "2025-03-14T23:50:00+00:00"}),
            SessionEnded(session="u", at=900.0, reason="hangup"),
        ]
    )
    text = render_markdown(build_record(events))
    assert "- 日時: 2025年3月15日（土） 08:50〜09:05\n" in text  # JST (TZ), not UTC
    assert "UTC" not in text


def test_notes_read_as_edited_and_written_after_the_call_and_the_record_says_if_closed() -> None:
    events = stamp(
        [
            SessionStarted(
                session="n", meta={"source": "sip", "started_at": "2025-03-14T15:02:00+09:00"}
            ),
            Note(session="n", at=30.0, text="泣き声は毎晩", by="佐藤"),  # 2
            Note(session="n", at=40.0, text="消すメモ", by="佐藤"),  # 3
            SessionEnded(session="n", at=62.0, reason="stopped"),  # 4
            Note(session="n", at=62.0, text="泣き声は毎晩22時ごろ", by="佐藤", replaces=2),  # 5
            Note(session="n", at=62.0, text="", by="佐藤", replaces=3),  # 6
            Note(session="n", at=62.0, text="翌日に再確認", by="田中"),  # 7
        ]
    )
    text = render_markdown(build_record(events))
    assert (
        "## 対応メモ\n\n"
        "- [00:30] 佐藤: 泣き声は毎晩22時ごろ（修正あり）\n"
        "- [通話後] 田中: 翌日に再確認\n\n"
    ) in text
    assert "消すメモ" not in text
    assert "- 通話時間: 1分2秒（文字起こしを停止するまで。電話はその後も続きました）\n" in text
    assert "- 終了: 文字起こしを停止（電話は継続）\n" in text
    assert "- 記録: 未確定（メモの追加・修正ができます）\n" in text
    closed = render_markdown(build_record([*events, RecordClosed(session="n", seq=8, by="佐藤")]))
    assert "- 記録: 確定済み（佐藤）\n" in closed
