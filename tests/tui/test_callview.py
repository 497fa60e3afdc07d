"""The call view model: events in, screen state out; idempotent by seq."""

from __future__ import annotations

from sample_call import SUGGESTIONS, call_events, stamp

from consult_assist.events import (
    Ack,
    Advice,
    Alert,
    CheckItem,
    Checklist,
    HelpRequest,
    SessionEnded,
    SessionStarted,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
)
from consult_assist.tui.callview import (
    CallView,
    asserted,
    calm_order,
    fold_feed,
    higher_level,
    prominence,
)


def applied(events: list) -> CallView:  # type: ignore[type-arg]
    view = CallView(events[0].session)
    for e in events:
        view.apply(e)
    return view


def test_partial_is_replaced_in_place_by_its_final() -> None:
    view = CallView("s")
    p = TranscriptPartial(session="s", seq=1, utterance=7, start=1, end=2, text="となり",
                          stable=2, speaker="caller")  # fmt: skip
    assert view.apply(p) == {"transcript"}
    assert view.lines[7].text == "となり" and not view.lines[7].final
    f = TranscriptFinal(session="s", seq=2, utterance=7, start=1, end=3, text="となりの部屋",
                        speaker="caller")  # fmt: skip
    view.apply(f)
    assert list(view.lines) == [7]
    assert view.lines[7].text == "となりの部屋" and view.lines[7].final
    assert view.lines[7].speaker == "caller"


def test_a_late_partial_never_undoes_a_final() -> None:
    view = CallView("s")
    view.apply(TranscriptFinal(session="s", seq=1, utterance=1, start=0, end=1, text="はい"))
    parts = view.apply(
        TranscriptPartial(session="s", seq=2, utterance=1, start=0, end=1, text="は")
    )
    assert parts == frozenset() and view.lines[1].text == "はい"


def test_an_event_applied_twice_changes_nothing() -> None:
    events = call_events()
    view = applied(events)
    before = (dict(view.lines), list(view.alerts), view.suggestions, view.last_seq)
    for e in events:
        assert view.apply(e) == frozenset()
    assert (dict(view.lines), list(view.alerts), view.suggestions, view.last_seq) == before
    assert len(view.alerts) == 2


def test_events_of_other_sessions_are_ignored() -> None:
    view = CallView("a")
    assert view.apply(SessionStarted(session="b", seq=1)) == frozenset()
    assert not view.started


def test_sample_call_state() -> None:
    view = applied(call_events(handler="佐藤", training=True))
    assert view.handler == "佐藤" and view.training and view.started
    assert view.highest == "critical"
    assert [i.id for i in view.suggestions] == [i.id for i in SUGGESTIONS]
    assert [c.label for c in view.covered] == ["住所・地域", "子どもの様子"]
    assert len(view.missing) == 3
    assert view.last_text == "昨日は夜中の二時ごろに"
    assert view.lines[2].marks == [("殴られ", "high")]
    assert view.lines[4].marks == [("死にたい", "critical")]


def test_alert_before_the_text_of_its_utterance_still_marks_it() -> None:
    view = CallView("s")
    view.apply(Alert(session="s", seq=1, level="notice", word="血", segment="血が", utterance=3))
    view.apply(TranscriptFinal(session="s", seq=2, utterance=3, start=0, end=1, text="血が出てた"))
    assert view.lines[3].marks == [("血", "notice")] and view.lines[3].text == "血が出てた"


def test_help_and_advice_are_acknowledged_by_seq() -> None:
    view = applied(
        stamp(
            [
                SessionStarted(session="s"),
                HelpRequest(session="s", reason="相談したい", by="佐藤"),
                Advice(session="s", text="住所を確認", by="田中"),
                Ack(session="s", ref=2, kind="help.request", by="田中"),
            ]
        )
    )
    assert view.open_help == [] and view.help[0].acked_by == "田中"
    assert [a.text for a in view.unread_advice] == ["住所を確認"]
    assert view.apply(Ack(session="s", seq=5, ref=3, kind="advice", by="佐藤")) == {"advice"}
    assert view.unread_advice == []


def test_session_end() -> None:
    view = applied(stamp([SessionStarted(session="s"), SessionEnded(session="s", reason="hangup")]))
    assert view.ended and view.end_reason == "hangup"


def test_suggestions_replace_the_previous_list() -> None:
    view = CallView("s")
    view.apply(Suggestion(session="s", seq=1, items=SUGGESTIONS))
    view.apply(Suggestion(session="s", seq=2, items=SUGGESTIONS[2:]))
    assert [i.id for i in view.suggestions] == ["caller/suicidal"]


def test_calm_order_keeps_rows_where_they_were() -> None:
    a, b, c = SUGGESTIONS
    # c now ranks first, b dropped out: a keeps row 0, c takes b's row.
    assert calm_order(["abuse/physical-report", "neighbour/crying"], [c, a], 5) == [a, c]
    assert calm_order([], [c, a, b], 2) == [c, a]
    assert calm_order(["x"], [b], 5) == [b]


def test_higher_level() -> None:
    assert higher_level(None, "notice") == "notice"
    assert higher_level("critical", "high") == "critical"
    assert higher_level("notice", "high") == "high"
    assert higher_level(None, None) is None


def test_touched_names_each_line_that_changed_in_order_and_nothing_else() -> None:
    WHO = "caller"
    view = CallView("s")
    events = stamp(
        [
            TranscriptPartial(session="s", utterance=1, start=0, end=1, text="と", speaker=WHO),
            Suggestion(session="s", items=SUGGESTIONS[:1]),
            TranscriptFinal(session="s", utterance=1, start=0, end=2, text="となり", speaker=WHO),
            TranscriptPartial(session="s", utterance=2, start=3, end=4, text="死に", speaker=WHO),
            Alert(session="s", level="critical", word="死にたい", segment="死に", matched="死に",
                  utterance=2, speaker="caller", start=3.0),
            Alert(session="s", level="critical", word="死にたい", segment="死に", matched="死に",
                  utterance=2, speaker="caller", start=3.0),
            Alert(session="s", level="high", word="殴る", segment="殴", matched="殴", utterance=9,
                  speaker="caller", start=9.0),
        ]
    )  # fmt: skip
    for event in events:
        view.apply(event)
    view.apply(events[2])  # a duplicate changes nothing
    assert view.touched == [1, 1, 2, 2, 9]


def _alert(
    word: str, level: str = "critical", utterance: int = 9, seq: int = 0, **flags: object
) -> Alert:
    return Alert(
        session="s",
        seq=seq,
        level=level,  # type: ignore[arg-type]
        word=word,
        segment=word,
        matched=word,
        utterance=utterance,
        **flags,  # type: ignore[arg-type]
    )


def test_a_tentative_alert_is_confirmed_in_place_or_withdrawn() -> None:
    view = CallView("s")
    view.apply(TranscriptPartial(session="s", seq=1, utterance=9, start=0, end=1, text="死にたい"))
    view.apply(_alert("死にたい", seq=2, tentative=True))
    assert [a.tentative for a in view.alerts] == [True] and view.ring
    assert view.lines[9].marks == [("死にたい", "critical")]
    view.apply(_alert("死にたい", seq=3))
    assert [a.tentative for a in view.alerts] == [False] and not view.ring
    view.apply(_alert("殴る", level="high", seq=4, tentative=True))
    assert view.highest == "critical"
    view.apply(_alert("殴る", level="high", seq=5, withdrawn=True))
    assert [a.word for a in view.alerts] == ["死にたい"]
    assert view.lines[9].marks == [("死にたい", "critical")]
    # A withdrawal of something never shown changes nothing.
    assert view.apply(_alert("蹴る", level="high", seq=6, withdrawn=True)) == frozenset()


def test_prominence_per_level() -> None:
    said = _alert("死にたい", act="statement")
    assert prominence(said) == "banner"
    assert prominence(_alert("死にたい", act="reported")) == "banner"
    assert prominence(_alert("死にたい", act="")) == "banner"  # from before acts existed
    assert prominence(_alert("飛び降り", act="question")) == "feed"
    assert prominence(_alert("死にたい", act="statement", negated=True)) == "feed"
    assert prominence(_alert("殴る", level="high", act="hypothetical")) == "dim"
    assert prominence(_alert("悲鳴", level="notice", act="request")) == "hidden"
    assert asserted(said) and not asserted(_alert("x", act="question"))


def test_asked_words_are_marked_dim_and_do_not_raise_the_level() -> None:
    view = CallView("s")
    view.apply(_alert("飛び降り", seq=1, act="question"))
    assert view.highest is None and not view.ring
    assert view.lines[9].dim_marks == ["飛び降り"]


def test_fold_feed_replaces_removes_and_appends() -> None:
    call = {"call": "佐藤 14:30〜", "when": "14:33"}
    tentative = _alert("死にたい", tentative=True)
    feed = fold_feed([], tentative, **call)
    other = _alert("殴る", level="high", utterance=10)
    feed = fold_feed(feed, other, **call)
    confirmed = _alert("死にたい")
    feed = fold_feed(feed, confirmed, **call)
    assert [(e.number, e.alert.word, e.alert.tentative) for e in feed] == [
        (0, "死にたい", False),
        (1, "殴る", False),
    ]
    assert {(e.call, e.when) for e in feed} == {("佐藤 14:30〜", "14:33")}
    feed = fold_feed(feed, _alert("殴る", level="high", utterance=10, withdrawn=True), **call)
    assert [e.alert.word for e in feed] == ["死にたい"]
    assert fold_feed(feed, _alert("蹴る", withdrawn=True), **call) == feed


def test_checklist_keeps_what_was_asked() -> None:
    view = CallView("s")
    asked = CheckItem(id="contact", label="連絡先", evidence="連絡先は")
    view.apply(Checklist(session="s", seq=1, asked=(asked,)))
    assert view.asked == (asked,)
