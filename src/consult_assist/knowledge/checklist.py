"""Intake checklist: items asked (質問済み) and items covered (聴取済み) by what was told.

A question never covers an item: 「お子さんは何歳くらいですか」 only marks 子どもの年齢
*asked*. An item is *covered* when it is told:

* in the answer to a question that asked about it (the next turn, see :mod:`.acts`): when the
  question asked one item, any answer that is not a refusal covers it (an item with a slot
  needs its value: 「ゆうとです」 gives the name, 「山田です」, a surname, is the caller
  introducing themselves and does not); when it asked several, each needs its own evidence;
* in any sentence that states the fact (the item's ``cues``, ``patterns`` or slot value, said
  as a statement, an answer or a report; not asked, imagined or requested). A denial still
  tells: 「けがはないと思います」 covers けがの有無.

The evidence of a covered item is the answer or statement, with the slot value taken from it
(:mod:`.slots`); the evidence of an asked item is the question. Only finals count.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from consult_assist.events import CheckItem, Checklist, TranscriptFinal
from consult_assist.knowledge.acts import Sentence, Turn, UtteranceActs, acts_of
from consult_assist.knowledge.alerts import Occurrence
from consult_assist.knowledge.manual import ChecklistItem
from consult_assist.knowledge.phrase import PhraseOptions, PhraseSet, Target
from consult_assist.knowledge.slots import Slot, extract

__all__ = ["ChecklistMatcher", "ChecklistTracker", "Told"]

_REFUSAL = re.compile(
    r"言いたくない|言えない|言えません|教えられない|教えたくない|勘弁|控えさせ|ちょっと[。、.…]*$"
    r"|ちょっと[。、.…]*すみません|お答えできない"
)
_DONT_KNOW = re.compile(r"分から|わから|知らない|知りません|存じません")


@dataclass(frozen=True, kw_only=True)
class Told:
    """An item told in an utterance: the words that told it and the slot value, if any."""

    matched: str
    value: str = ""


def _sentence_text(acts: UtteranceActs, sentence: Sentence) -> str:
    return _sentence_pieces(acts, sentence)[0]


def _sentence_pieces(acts: UtteranceActs, sentence: Sentence) -> tuple[str, list[int]]:
    """A sentence as text (punctuation kept, NFKC) and where each of its tokens starts."""
    text = ""
    starts: list[int] = []
    for token in acts.analysis.tokens[sentence.first : sentence.last + 1]:
        starts.append(len(text))
        text += unicodedata.normalize("NFKC", token.surface + token.after)
    return text, starts


class ChecklistMatcher:
    """Finds what an utterance asks and tells about each item; immutable, shared."""

    def __init__(
        self, items: Sequence[ChecklistItem], options: PhraseOptions | None = None
    ) -> None:
        self.items = tuple(items)
        self._index = {item.id: number for number, item in enumerate(self.items)}
        asks = [(n, a) for n, item in enumerate(self.items) for a in item.asks]
        cues = [(n, c) for n, item in enumerate(self.items) for c in item.cues]
        self._ask_item = [n for n, _ in asks]
        self._cue_item = [n for n, _ in cues]
        # No near-sound matches: a short cue is too close to everyday words (いただけ and
        # 痛がって, 赤ちゃんは今 and 赤ちゃんがいる) for the checklist to trust them.
        strict = dataclasses.replace(options or PhraseOptions(), fuzzy_min_key=10**6)
        self._asks = PhraseSet([a for _, a in asks], strict)
        self._cues = PhraseSet([c for _, c in cues], strict)
        self._patterns = [[re.compile(p) for p in item.patterns] for item in self.items]

    def number(self, item_id: str) -> int | None:
        """The position of an item id in this checklist."""
        return self._index.get(item_id)

    def asked(self, acts: UtteranceActs) -> dict[int, str]:
        """Item number -> the words, for every item a question of the utterance asks about."""
        found: dict[int, str] = {}
        target = Target(acts.analysis)
        for phrases, owner in ((self._asks, self._ask_item), (self._cues, self._cue_item)):
            for number, span in phrases.find(target):
                if acts.at(span.start, span.end).act == "question":
                    found.setdefault(owner[number], acts.analysis.text[span.start : span.end])
        for sentence in acts.sentences:
            if sentence.kind != "question":
                continue
            text = _sentence_text(acts, sentence)
            for number, patterns in enumerate(self._patterns):
                match = next((m for p in patterns if (m := p.search(text))), None)
                if match:
                    found.setdefault(number, match.group(0))
        return found

    def told(self, acts: UtteranceActs, occurrences: Sequence[Occurrence] = ()) -> dict[int, Told]:
        """Item number -> how it was told, for every item a statement of the utterance tells."""
        found: dict[int, Told] = {}
        target = Target(acts.analysis)
        for number, span in self._cues.find(target):
            if _tells(acts, span.start, span.end):
                found.setdefault(
                    self._cue_item[number], Told(matched=acts.analysis.text[span.start : span.end])
                )
        for sentence in acts.sentences:
            if sentence.kind != "statement":
                continue
            text, starts = _sentence_pieces(acts, sentence)
            for number, patterns in enumerate(self._patterns):
                match = next((m for p in patterns if (m := p.search(text))), None)
                if match is None:
                    continue
                index = sentence.first + max(
                    i for i, start in enumerate(starts) if start <= match.start()
                )
                if not any(a <= index <= b for a, b in sentence.hypothetical):
                    found.setdefault(number, Told(matched=match.group(0)))
        for occurrence in occurrences:
            if occurrence.word.level == "notice" or not _tells(
                acts, occurrence.start, occurrence.end
            ):
                continue
            for number, item in enumerate(self.items):
                if item.attention:
                    found.setdefault(number, Told(matched=occurrence.matched))
        for number, item in enumerate(self.items):
            if not item.slot:
                continue
            value = _value(item.slot, acts, strict=True)
            if value is not None and (number in found or value.value):
                old = found.get(number)
                found[number] = Told(matched=old.matched if old else value.value, value=value.text)
        return found


@dataclass(frozen=True)
class _Value:
    value: str
    text: str


def _value(slot: str, acts: UtteranceActs, *, strict: bool) -> _Value | None:
    """The slot value told in the utterance's statements (``strict``) or anywhere in an answer."""
    for sentence in acts.sentences:
        if strict and sentence.kind != "statement" and slot != "relation":
            continue
        found = extract(_slot(slot), _sentence_text(acts, sentence), answering=not strict)
        if found is None:
            continue
        if strict and sentence.kind != "statement" and found.value != "本人":
            # Only a child saying who they are (「子どもでも電話していいですか」) tells
            # something while asking.
            continue
        shown = found.value
        if found.sex:
            shown = f"{found.value}・{found.sex}" if found.value else found.sex
        return _Value(value=found.value or found.sex, text=shown)
    return None


def _slot(name: str) -> Slot:
    for slot in ("age", "name", "place", "contact", "relation"):
        if slot == name:
            return slot
    return "relation"


def _tells_something(acts: UtteranceActs) -> bool:
    """Whether the reply states anything (a request or a conditional is not an answer)."""
    return acts.main().act in ("statement", "reported")


def _tells(acts: UtteranceActs, start: int, end: int) -> bool:
    return acts.at(start, end).act in ("statement", "answer", "reported")


_SEXES = ("男", "女")


def _merge(old: str, new: str) -> str:
    """The value after a later answer: a value where there was none, an age added to a sex
    told alone; otherwise the first value stays."""
    if not new or old == new:
        return old
    if not old:
        return new
    if old in _SEXES and new not in _SEXES:
        return new if new.endswith(_SEXES) else f"{new}・{old}"
    return old


class ChecklistTracker:
    """Per call: which items were asked and which were told, emitting a :class:`Checklist`.

    The matcher is passed on each call, so a reloaded manual applies from the next utterance
    while what was gathered so far is kept (by item id).
    """

    def __init__(self) -> None:
        self._covered: dict[str, CheckItem] = {}
        self._asked: dict[str, str] = {}
        self._questions: dict[int, list[str]] = {}
        self._held: tuple[str, str, dict[str, str], int] | None = None

    def feed(
        self,
        event: TranscriptFinal,
        base: ChecklistMatcher,
        turn: Turn,
        occurrences: Sequence[Occurrence] = (),
    ) -> Checklist | None:
        """The new checklist if ``event`` asked or told something new, else ``None``."""
        acts = acts_of(event.text)
        if self._held is not None and self._held[3] == event.utterance:
            self._held = None  # the same utterance, finalised again: this text replaces it
        changed = self._release(acts, base)
        told = self._hold(event, acts, base.told(acts, occurrences), base, turn)
        act = turn.act if turn.act in ("answer", "reported") else "statement"
        if turn.answers is not None:
            for item_id, value in self._answered(event.text, acts, base, turn.answers, told):
                changed |= self._cover(item_id, base, event.text, value, "answer")
        for number, how in told.items():
            changed |= self._cover(base.items[number].id, base, event.text, how.value, act)
        asked = base.asked(acts)
        if asked:
            self._questions[event.utterance] = [base.items[n].id for n in asked]
            for number in asked:
                item_id = base.items[number].id
                if item_id not in self._covered and item_id not in self._asked:
                    self._asked[item_id] = event.text
                    changed = True
        return self.snapshot(base=base, session=event.session, at=event.at) if changed else None

    def _hold(
        self,
        event: TranscriptFinal,
        acts: UtteranceActs,
        told: dict[int, Told],
        base: ChecklistMatcher,
        turn: Turn,
    ) -> dict[int, Told]:
        """What ``text`` tells now; what only its unfinished last sentence tells waits.

        「…どうしていますか。けがや」: the recognizer cut the speech at a pause, and the
        next utterance shows whether 「けがや」 began a question (「…ありませんか」) or a
        statement. Until then it tells nothing.
        """
        text, utterance = event.text, event.utterance
        if not acts.open_ended or not acts.sentences or acts.sentences[-1].kind == "question":
            return told
        before = acts.sentences[:-1]
        prefix = "".join(_sentence_text(acts, s) for s in before)
        said = base.told(acts_of(prefix)) if prefix else {}
        waiting = {n: t for n, t in told.items() if n not in said}
        if waiting:
            act = turn.act if turn.act in ("answer", "reported") else "statement"
            items = {base.items[n].id: t.value for n, t in waiting.items()}
            self._held = (text, act, items, utterance)
        return {n: t for n, t in told.items() if n in said}

    def _release(self, acts: UtteranceActs, base: ChecklistMatcher) -> bool:
        """Cover what the previous, unfinished utterance told, unless this one turns it into
        a question."""
        held, self._held = self._held, None
        if held is None or (acts.sentences and acts.sentences[0].kind == "question"):
            return False
        text, act, items, _ = held
        changed = False
        for item_id, value in items.items():
            changed |= self._cover(item_id, base, text, value, act)
        return changed

    def _answered(
        self,
        text: str,
        acts: UtteranceActs,
        base: ChecklistMatcher,
        question: int,
        told: dict[int, Told],
    ) -> list[tuple[str, str]]:
        """(item, value) for the items of ``question`` this answer tells."""
        # An answer cut at a pause goes on in the next utterance: keep the question for it.
        pending = (
            self._questions.get(question, [])
            if acts.open_ended
            else self._questions.pop(question, [])
        )
        plain = unicodedata.normalize("NFKC", text)
        if not pending or _REFUSAL.search(plain):
            return []
        out: list[tuple[str, str]] = []
        single = len(pending) == 1
        for item_id in pending:
            number = base.number(item_id)
            if number is None:
                continue
            item = base.items[number]
            if item.slot:
                value = _value(item.slot, acts, strict=not single)
                if value is not None and value.value:
                    out.append((item_id, value.text))
                continue
            if number in told:
                out.append((item_id, told[number].value))
            elif single and _tells_something(acts) and not _DONT_KNOW.search(plain):
                out.append((item_id, ""))
        return out

    def _cover(
        self, item_id: str, base: ChecklistMatcher, evidence: str, value: str, act: str
    ) -> bool:
        before = self._covered.get(item_id)
        if before is not None:
            merged = _merge(before.value, value)
            if merged == before.value:
                return False
            # A later answer gives the value an earlier statement lacked (男 -> 8歳・男).
            self._covered[item_id] = CheckItem(
                id=before.id, label=before.label, evidence=evidence, value=merged, act=act
            )
            return True
        number = base.number(item_id)
        label = base.items[number].label if number is not None else item_id
        self._covered[item_id] = CheckItem(
            id=item_id, label=label, evidence=evidence, value=value, act=act
        )
        self._asked.pop(item_id, None)
        return True

    def snapshot(self, *, base: ChecklistMatcher, session: str, at: float) -> Checklist:
        """The checklist now: covered, asked (not yet covered) and missing items."""
        covered: list[CheckItem] = []
        asked: list[CheckItem] = []
        missing: list[CheckItem] = []
        for item in base.items:
            done = self._covered.get(item.id)
            if done is not None:
                covered.append(done)
            elif item.id in self._asked:
                asked.append(
                    CheckItem(
                        id=item.id, label=item.label, evidence=self._asked[item.id], act="question"
                    )
                )
            else:
                missing.append(CheckItem(id=item.id, label=item.label))
        return Checklist(
            session=session,
            at=at,
            covered=tuple(covered),
            missing=tuple(missing),
            asked=tuple(asked),
        )
