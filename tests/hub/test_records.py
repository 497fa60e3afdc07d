"""Building the call record from a session's events, and its JSON form."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from recordcalls import (
    CONTACT,
    FINAL_TEXT,
    PARTIAL_TEXT,
    SAYS_NAME,
    SAYS_SAFE,
    S,
    alert,
    call,
    stamp,
)

from consult_assist.errors import ConsultAssistError
from consult_assist.events import (
    Ack,
    Advice,
    Alert,
    CheckItem,
    Checklist,
    ErrorEvent,
    HelpRequest,
    Note,
    SessionStarted,
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
)
from consult_assist.wire import event_from_dict

NOTE_SEQ = 20
"""The seq of the note in ``recordcalls.call()``."""


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
        asked=(),
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
            NoteEntry(
                at=40.0,
                text="担任には話していない。\n明日また電話すると約束。",
                by="佐藤",
                seq=NOTE_SEQ,
            ),
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
            {"id": "name", "label": "名前・学年", "evidence": SAYS_NAME, "value": "", "act": ""},
            {
                "id": "safety",
                "label": "今いる場所の安全",
                "evidence": SAYS_SAFE,
                "value": "",
                "act": "",
            },
        ],
        "missing": [
            {"id": "contact", "label": "連絡先・保護者", "evidence": "", "value": "", "act": ""}
        ],
        "asked": [],
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
                "act": "",
                "negated": False,
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
            {
                "at": 40.0,
                "text": "担任には話していない。\n明日また電話すると約束。",
                "by": "佐藤",
                "seq": NOTE_SEQ,
                "edited": False,
                "after_call": False,
            }
        ],
        "transcript": [
            {
                "utterance": 1,
                "start": 1.2,
                "end": 3.0,
                "speaker": "caller",
                "text": "もしもし、あの、相談したいことがあって",
                "act": "",
            },
            {
                "utterance": 1_000_001,
                "start": 3.8,
                "end": 6.0,
                "speaker": "handler",
                "text": "はい、子ども相談ダイヤルです。お名前と学年を教えてね",
                "act": "",
            },
            {
                "utterance": 2,
                "start": 7.0,
                "end": 9.5,
                "speaker": "caller",
                "text": SAYS_NAME,
                "act": "",
            },
            {
                "utterance": 3,
                "start": 11.0,
                "end": 14.0,
                "speaker": "caller",
                "text": FINAL_TEXT,
                "act": "",
            },
            {
                "utterance": 1_000_002,
                "start": 27.0,
                "end": 31.0,
                "speaker": "handler",
                "text": SAYS_SAFE,
                "act": "",
            },
            {
                "utterance": 4,
                "start": 32.0,
                "end": 34.0,
                "speaker": "caller",
                "text": "うん、家にいる",
                "act": "",
            },
        ],
        "errors": [],
        "closed_by": None,
        "risk": None,
    }


def test_json_events_include_partials_and_duplicate_alerts() -> None:
    events = call()
    data = record_to_json(build_record(events), events)
    types = [e["type"] for e in data["events"]]
    assert types.count("transcript.partial") == 2
    assert types.count("alert") == 2
    assert [e["seq"] for e in data["events"]] == list(range(1, 22))


def test_alerts_on_different_utterances_or_words_are_kept_apart() -> None:
    base = alert(13.2, PARTIAL_TEXT)
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


def test_a_training_replay_is_marked_in_the_record() -> None:
    events = call(training=True)
    record = build_record(events)
    assert record.training
    assert record_to_json(record, events)["training"] is True


def test_a_live_call_has_no_end() -> None:
    events = call(ended=False)
    record = build_record(events)
    assert record.end_reason is None
    assert not record.ended
    assert record.ended_at is None
    assert record.duration_s == 40.0  # the last event: the note
    data = record_to_json(record, events)
    assert (data["ended"], data["ended_at"], data["end_reason"]) == (False, None, None)


def test_a_system_error_is_kept_and_missing_meta_stays_empty() -> None:
    events = stamp(
        [
            TranscriptPartial(session="x", at=1.0, utterance=0, start=0.0, end=0.9, text="え"),
            ErrorEvent(session="x", at=61.5, code="asr", message="音声認識が停止しました"),
        ]
    )
    record = build_record(events)
    assert record.errors == (ErrorEntry(at=61.5, code="asr", message="音声認識が停止しました"),)
    assert (record.started_at, record.handler, record.source, record.training) == (
        None,
        "",
        "",
        False,
    )
    assert record.duration_s == 61.5


def test_acks_are_matched_to_their_request_by_seq_once_per_person() -> None:
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
    record = build_record(events)
    assert [h.acks for h in record.help_requests] == [
        (),
        (AckEntry(by="田中", at=70.0), AckEntry(by="鈴木", at=72.0)),
    ]
    assert record.advice == (AdviceEntry(seq=7, at=80.0, text="しばらく待ってみて", by="鈴木"),)


def test_events_of_two_sessions_are_refused() -> None:
    events = [*call()[:2], Note(session="other", seq=1, text="x")]
    with pytest.raises(RecordError, match="one session"):
        build_record(events)


FULL = call()


@given(st.lists(st.booleans(), min_size=len(FULL), max_size=len(FULL)))
def test_any_ordered_subset_builds(keep: list[bool]) -> None:
    events = [e for e, k in zip(FULL, keep, strict=True) if k] or FULL[-1:]
    record = build_record(events)
    data = record_to_json(record, events)
    assert json.loads(json.dumps(data, ensure_ascii=False))["events"] == data["events"]
    assert len(record.transcript) <= 6
    assert len(record.alerts) <= 1


def test_the_record_keeps_only_confirmed_alerts() -> None:
    def alert(utterance: int, word: str, **flags: object) -> Alert:
        return Alert(
            session=S,
            at=float(utterance),
            level="critical",
            word=word,
            segment="…",
            matched=word,
            utterance=utterance,
            start=float(utterance),
            **flags,  # type: ignore[arg-type]
        )

    events = stamp(
        [
            SessionStarted(session=S),
            alert(1, "蹴る", tentative=True),  # 「…なんですける」: the final withdrew it
            alert(1, "蹴る", withdrawn=True),
            alert(2, "殴る", tentative=True),  # confirmed by its final
            alert(2, "殴る", act="statement"),
            alert(3, "死にたい", tentative=True),  # never confirmed (no final came)
            alert(4, "飛び降り", act="question"),  # confirmed, though asked
        ]
    )
    record = build_record(events)
    assert [(a.word, a.at, a.act) for a in record.alerts] == [
        ("殴る", 2.0, "statement"),  # at: when it was first shown (the tentative alert)
        ("飛び降り", 4.0, "question"),
    ]


def test_asked_items_and_values_are_kept_apart_from_covered_ones() -> None:
    age = CheckItem(
        id="age", label="年齢", evidence="3歳くらいの男の子です", value="3歳・男", act="answer"
    )
    asked = CheckItem(id="contact", label="連絡先", evidence="連絡先を教えていただけますか")
    events = stamp(
        [
            SessionStarted(session=S),
            Checklist(session=S, covered=(), asked=(asked,), missing=(age,)),
            Checklist(session=S, covered=(age,), asked=(asked,), missing=()),
        ]
    )
    record = build_record(events)
    assert [(i.id, i.value) for i in record.covered] == [("age", "3歳・男")]
    assert [i.id for i in record.asked] == ["contact"]
