"""One short call's events, shared by the record tests (building and Markdown)."""

from __future__ import annotations

import dataclasses

from consult_assist.events import (
    Ack,
    Advice,
    Alert,
    CheckItem,
    Checklist,
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


def final(utterance: int, start: float, end: float, text: str, speaker: str) -> TranscriptFinal:
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


def alert(at: float, segment: str) -> Alert:
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
        final(1, 1.2, 3.0, "もしもし、あの、相談したいことがあって", "caller"),  # 3
        final(2, 7.0, 9.5, SAYS_NAME, "caller"),  # 4
        # The handler's greeting started earlier but its final came late.
        final(
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
        alert(13.2, PARTIAL_TEXT),  # 9
        final(3, 11.0, 14.0, FINAL_TEXT, "caller"),  # 10
        alert(14.4, FINAL_TEXT),  # 11: the same occurrence again, from the final
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
        final(1_000_002, 27.0, 31.0, SAYS_SAFE, "handler"),  # 17
        Checklist(
            session=S,
            at=31.4,
            covered=(
                dataclasses.replace(NAME, evidence=SAYS_NAME),
                dataclasses.replace(SAFE, evidence=SAYS_SAFE),
            ),
            missing=(CONTACT,),
        ),  # 18
        final(4, 32.0, 34.0, "うん、家にいる", "caller"),  # 19
        Note(
            session=S, at=40.0, text="担任には話していない。\n明日また電話すると約束。", by="佐藤"
        ),
        # 20
    ]
    if ended:
        events.append(SessionEnded(session=S, at=252.4, reason="hangup"))  # 21
    return stamp(events)
