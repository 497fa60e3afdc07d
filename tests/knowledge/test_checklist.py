"""The checklist: asked by questions, covered only by what is told (answers, statements)."""

from __future__ import annotations

from pathlib import Path

from consult_assist.events import Checklist, TranscriptFinal
from consult_assist.knowledge.acts import ActTracker
from consult_assist.knowledge.alerts import AlertMatcher
from consult_assist.knowledge.checklist import ChecklistMatcher, ChecklistTracker
from consult_assist.knowledge.engine import KnowledgeBase
from consult_assist.knowledge.manual import load_manual

REAL_MANUAL = Path(__file__).resolve().parents[2] / "manuals"


class Call:
    """A call fed utterance by utterance, speakers unknown (a mono line)."""

    def __init__(self, matcher: ChecklistMatcher, alerts: AlertMatcher | None = None) -> None:
        self.matcher = matcher
        self.alerts = alerts
        self.tracker = ChecklistTracker()
        self.acts = ActTracker()
        self.number = 0
        self.last: Checklist | None = None

    def say(self, text: str, speaker: str = "unknown") -> Checklist | None:
        self.number += 1
        event = TranscriptFinal(
            session="s",
            at=float(self.number),
            utterance=self.number,
            start=0,
            end=1,
            text=text,
            speaker=speaker,
        )
        turn = self.acts.observe(event)
        found = self.alerts.find(text) if self.alerts is not None else []
        out = self.tracker.feed(event, self.matcher, turn, found)
        if out is not None:
            self.last = out
        return out

    def covered(self) -> dict[str, str]:
        return {i.id: i.value for i in self.last.covered} if self.last else {}

    def asked(self) -> set[str]:
        return {i.id for i in self.last.asked} if self.last else set()


def test_a_question_marks_asked_and_the_answer_covers_with_its_value(
    base: KnowledgeBase,
) -> None:
    call = Call(base.checklist)
    call.say("お子さんは何歳くらいですか。")
    assert call.asked() == {"child-age"} and call.covered() == {}
    call.say("3歳くらいの男の子です")
    assert call.covered() == {"child-age": "3歳・男"} and call.asked() == set()
    [item] = call.last.covered if call.last else []
    assert item.evidence == "3歳くらいの男の子です"  # the answer, not the question
    assert item.act == "answer"


def test_kana_numbers_in_the_answer(base: KnowledgeBase) -> None:
    call = Call(base.checklist)
    call.say("お子さんはおいくつですか")
    call.say("さんさいです")
    assert call.covered() == {"child-age": "3歳"}


def test_the_callers_surname_is_not_the_childs_name(base: KnowledgeBase) -> None:
    call = Call(base.checklist)
    call.say("お名前を伺ってもいいですか")
    call.say("山田です")
    assert "child-name" not in call.covered()
    call.say("お子さんのお名前は？")
    call.say("ゆうとです")
    assert call.covered()["child-name"] == "ゆうと"


def test_a_refusal_covers_nothing(base: KnowledgeBase) -> None:
    call = Call(base.checklist)
    call.say("よければ、連絡先を教えていただけますか")
    call.say("それは、ちょっと。すみません。")
    assert call.covered() == {} and call.asked() == {"reporter-contact"}


def test_a_question_about_several_items_needs_evidence_for_each(base: KnowledgeBase) -> None:
    call = Call(base.checklist)
    call.say("お住まいと、連絡先を教えていただけますか")
    call.say("緑町三丁目です")
    assert set(call.covered()) == {"child-location"}
    assert call.asked() == {"reporter-contact"}


def test_a_single_question_is_covered_by_any_answer(base: KnowledgeBase) -> None:
    call = Call(base.checklist)
    call.say("けがはありますか")
    call.say("いいえ、大丈夫だと思います")  # no injury: the item is answered
    assert "injury" in call.covered()


def test_a_statement_tells_without_a_question_and_a_denial_still_tells(
    base: KnowledgeBase,
) -> None:
    call = Call(base.checklist)
    call.say("上の子は五歳の男の子で")
    call.say("けがはないと思います")
    assert call.covered() == {"child-age": "5歳・男", "injury": ""}


def test_questions_requests_and_hypotheticals_never_cover(base: KnowledgeBase) -> None:
    call = Call(base.checklist)
    call.say("けがをしているところはありますか")
    call.say("もしけがをしていたら、すぐ病院に行ってください")
    assert call.covered() == {}


def test_attention_words_said_as_facts_tell_what_happened(base: KnowledgeBase) -> None:
    call = Call(base.checklist, base.alerts)
    call.say("お父さんに殴られたことはありますか")
    assert "what-happened" not in call.covered()
    call.say("お父さんにいつも殴られるんです")
    assert "what-happened" in call.covered()


def test_an_answer_fills_the_value_a_statement_lacked(base: KnowledgeBase) -> None:
    call = Call(base.checklist)
    call.say("男の子なんですけど")
    assert call.covered() == {"child-age": "男"}
    call.say("何歳くらいですか")
    call.say("八歳です")
    assert call.covered() == {"child-age": "8歳・男"}


def test_only_changes_are_emitted(base: KnowledgeBase) -> None:
    call = Call(base.checklist)
    assert call.say("こんにちは") is None
    assert call.say("何歳ですか") is not None
    assert call.say("何歳ですか") is None  # asked again: nothing new


def test_snapshot_lists_covered_asked_and_missing(base: KnowledgeBase) -> None:
    call = Call(base.checklist)
    call.say("連絡先を教えてください")
    snapshot = call.tracker.snapshot(base=base.checklist, session="s", at=9.0)
    assert snapshot.at == 9.0
    assert [i.id for i in snapshot.asked] == ["reporter-contact"]
    assert snapshot.asked[0].evidence == "連絡先を教えてください"
    assert len(snapshot.missing) == len(base.checklist.items) - 1


def test_the_issues_call_on_the_real_checklist() -> None:
    """The issue's examples: 「お名前とおすまい」 and 「連絡先を教えていただけますか」 are asked,
    not collected; 「3歳くらいの男の子です」 answers the age; 「山田です」 is the caller."""
    manual = load_manual(REAL_MANUAL)
    call = Call(ChecklistMatcher(manual.checklist), AlertMatcher(manual.attention_words))
    call.say("はい、子ども家庭支援センターです。どうされましたか。")
    call.say("隣の部屋から、子どもの泣き声がずっと聞こえるんです。")
    call.say("お子さんは何歳くらいですか。")
    call.say("3歳くらいの男の子です")
    call.say("お名前とおすまい、連絡先を教えていただけますか。")
    call.say("山田です。電話は、この携帯で大丈夫です。")
    covered = call.covered()
    assert covered["child-age"] == "3歳・男"
    assert covered["reporter-contact"] == "この携帯"
    assert "child-name" not in covered
    assert {"child-location", "child-name"} <= call.asked()
    assert {"what-happened", "info-source", "reporter-relation"} <= set(covered)


def test_an_unfinished_sentence_waits_for_the_next_utterance(base: KnowledgeBase) -> None:
    call = Call(base.checklist)
    # The recognizer cut 「…けがや、いつもと違う様子はありませんか」 at a pause.
    call.say("赤ちゃんは今どうしていますか。けがや")
    assert "injury" not in call.covered()
    call.say("いつもと違う様子はありませんか")
    assert "injury" not in call.covered()
    # The same fragment carried on as a statement tells it.
    call.say("腕に")
    call.say("あざがあるんです")
    assert "injury" in call.covered()


def test_an_answer_cut_at_a_pause_goes_on_in_the_next_utterance(base: KnowledgeBase) -> None:
    call = Call(base.checklist)
    call.say("お住まいを教えていただけますか")
    call.say("駅前の、")
    call.say("緑町三丁目です")
    assert call.covered()["child-location"].startswith("駅前")
