"""A short call in Japanese as the hub would send it: the canned events of the app tests."""

from __future__ import annotations

from consult_assist.events import (
    Alert,
    CheckItem,
    Checklist,
    Event,
    SessionStarted,
    Suggestion,
    SuggestionItem,
    TranscriptFinal,
    TranscriptPartial,
)

__all__ = ["SUGGESTIONS", "call_events", "stamp"]

SUGGESTIONS = (
    SuggestionItem(
        id="abuse/physical-report",
        title="身体的虐待が疑われる通告",
        score=0.82,
        matched=("泣き声", "殴られ"),
        excerpt="近隣からの泣き声通告では、いつ・どのくらいの頻度で・どんな声や音かを具体的に聴き取る。",
    ),
    SuggestionItem(
        id="neighbour/crying",
        title="近隣住民からの泣き声通告",
        score=0.64,
        matched=("泣き声",),
        excerpt="泣き声が聞こえる時間帯と、子どもの年齢の見当を確認する。",
    ),
    SuggestionItem(
        id="caller/suicidal",
        title="相談者自身の希死念慮",
        score=0.58,
        matched=("死にたい",),
        excerpt="相談者が「死にたい」と話したら、まず気持ちを受け止め、安全を確認する。",
    ),
)


def stamp(events: list[Event], start: int = 1) -> list[Event]:
    """The events with seq start, start+1, … (the hub stamps them so)."""
    import dataclasses

    return [dataclasses.replace(e, seq=start + i) for i, e in enumerate(events)]


def call_events(
    session: str = "call-1",
    *,
    handler: str = "佐藤",
    training: bool = False,
    started_at: str = "2025-01-01T00:00:00+00:00",
) -> list[Event]:
    """A call three minutes in: finals, a partial, suggestions, two alerts, a checklist."""
    s = session

    def final(u: int, speaker: str, text: str) -> TranscriptFinal:
        return TranscriptFinal(
            session=s, utterance=u, start=u * 4.0, end=u * 4.0 + 3, text=text, speaker=speaker
        )

    events: list[Event] = [
        SessionStarted(
            session=s,
            meta={
                "handler": handler,
                "training": training,
                "source": "mic",
                "started_at": started_at,
                "caller": "03-1234-5678",
            },
        ),
        final(0, "handler", "はい、江戸川区児童相談所です。どうされましたか。"),
        TranscriptPartial(
            session=s, utterance=1, start=4.0, end=5.0, text="となりの部屋から", speaker="caller"
        ),
        final(1, "caller", "となりの部屋から毎晩すごい泣き声がするんです。"),
        final(
            2, "caller", "子どもが「痛い、やめて」って叫んでいて、殴られているような音もします。"
        ),
        Alert(
            session=s,
            level="high",
            word="殴られる",
            segment="殴られているような音もします",
            matched="殴られ",
            utterance=2,
            speaker="caller",
        ),
        Suggestion(session=s, items=SUGGESTIONS[:2], utterance=2),
        final(3, "handler", "それは心配ですね。お住まいの地域を教えていただけますか。"),
        final(4, "caller", "江戸川区の西葛西です。私ももう死にたいくらい眠れなくて。"),
        Alert(
            session=s,
            level="critical",
            word="死にたい",
            segment="私ももう死にたいくらい",
            matched="死にたい",
            utterance=4,
            speaker="caller",
        ),
        Suggestion(session=s, items=SUGGESTIONS, utterance=4),
        Checklist(
            session=s,
            covered=(
                CheckItem(id="area", label="住所・地域", evidence="西葛西"),
                CheckItem(id="child", label="子どもの様子", evidence="痛い、やめて"),
            ),
            missing=(
                CheckItem(id="age", label="子どもの年齢"),
                CheckItem(id="contact", label="通告者の連絡先"),
                CheckItem(id="when", label="頻度・時間帯"),
            ),
        ),
        TranscriptPartial(
            session=s,
            utterance=5,
            start=20.0,
            end=22.0,
            text="昨日は夜中の二時ごろに",
            stable=5,
            speaker="caller",
        ),
    ]
    return stamp(events)
