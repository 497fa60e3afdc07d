"""Speech acts of an utterance: question, answer, statement, reported, hypothetical, request.

Pure functions over Sudachi's analysis (:func:`~consult_assist.knowledge.text.analyse`), so
what is *said* can be told from what is *asked*, *denied*, *quoted* or *imagined* even when
the speaker is unknown (a mixed mono call). An utterance is cut into sentences at 。？！ or,
where the recogniser left no punctuation, after a sentence-final particle or a polite ending
that a new phrase follows, or after a predicate that a space and a new phrase follow.
Each sentence is a ``question`` (か/かな at the end, の or a bare question word with a
question word in it, a ？, or a request for information: 教えてください),
a ``request`` (〜てください, 〜てね, 〜ていい, 〜ないで, 〜ましょう) or a ``statement``.
Inside a sentence, some stretches are:

* ``hypothetical``: a conditional clause (〜たら, 〜ば, 〜なら, 〜場合) opened by もし/仮に, or
  whose main clause is a request, advice or a worry (「もし今日、怖いことがあったら、電話してね」);
  a past main clause makes it plain narrative (「帰ってきたら殴られた」);
* ``reported``: words quoted with って/と before a verb of saying or writing, or a sentence
  ending in って/と (「殺すぞって言ってた」, 「叩かれた、と。」).

Negation is a flag that combines with any act: the words' own predicate chain (auxiliaries,
いる/ある/する, こと/わけ, particles) carries an odd number of ない/ず/ぬ before the clause ends
(「叩くことはないです」, 「意識がないわけじゃない」, 「警察には、まだ言っていません」), unless
しか makes it "only" (「一回しか叩いてない」).

An *answer* depends on the call, not on the words: the utterance after a question from the
other side (or, speaker unknown, the next utterance after a question). :class:`ActTracker`
keeps that per call.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from consult_assist.events import TranscriptFinal
from consult_assist.knowledge.text import Analysis, Token, analyse

__all__ = [
    "ACTS",
    "UNKNOWN_SPEAKERS",
    "Act",
    "ActTracker",
    "Sentence",
    "SpanAct",
    "UtteranceActs",
    "acts_of",
    "rather_at",
]

Act = Literal["question", "answer", "statement", "reported", "hypothetical", "request"]
ACTS: tuple[Act, ...] = ("question", "answer", "statement", "reported", "hypothetical", "request")
UNKNOWN_SPEAKERS = frozenset({"", "unknown"})
"""Speaker labels of a source that cannot tell who spoke."""

_SENTENCE_END = frozenset("。.!！?？\n")
_QUESTION_MARK = frozenset("?？")
_REQUEST_END = frozenset("。.!！?？\n")
_CLAUSE_MARK = frozenset("、,，")
_HEDGES = frozenset({"ね", "ねえ", "ねぇ", "な", "なあ", "なぁ"})
"""What closes a hedge after か (「ですかね」「かなあ」)."""
_CLOSING_QUOTE = frozenset('」』"”')
# Verbs of knowing that take a question as their object (「どうしたらいいか、わからない」).
_KNOW = frozenset({"分かる", "知る", "覚える"})
# Verbs of checking that take one too (「屋上の鍵が開いてるか、見に行った」).
_CHECK = frozenset({"見る", "確かめる", "調べる", "確認"})
# Sentence-final particles that close a sentence when a new phrase follows (not わ: a
# recogniser writes the topic particle は as わ, 「けがわありませんか」).
_FINAL_PARTICLES = frozenset({"か", "かな", "かしら", "ね", "よ", "な", "の", "ねえ"})
_WH_LEMMAS = frozenset(
    {
        "何",
        "誰",
        "どこ",
        "いつ",
        "どう",
        "何故",
        "どの",
        "どちら",
        "どれ",
        "幾つ",
        "どんな",
        "どういう",
        "どなた",
        "何歳",
        "何年生",
        "何時",
        "幾ら",
        "どのよう",
        "如何",
    }
)
# Verbs asking the other side to tell something: a request for information is a question.
_TELL = frozenset({"教える", "聞かせる", "聞く", "伺う", "話す", "言う", "知らせる"})
_BENEFACTIVE = frozenset(
    {"貰える", "もらえる", "貰う", "もらう", "頂ける", "いただける", "頂く", "いただく",
     "呉れる", "くれる"}
)  # fmt: skip
_GIVE = frozenset({"下さる", "呉れる", "貰う", "頂く", "欲しい", "いただく", "くださる"})
_SAYING = frozenset({"言う", "話す", "聞く", "叫ぶ", "書く", "怒鳴る", "言える", "云う", "送る"})
_NEGATION = frozenset({"ない", "無い", "ぬ", "ず", "ん"})
_THINK_SAY = frozenset({"思う", "言う", "考える", "感じる", "見る", "聞く"})
_DEMONSTRATIVES = frozenset({"そう", "こう", "ああ", "どう"})
# Nouns that serve as adverbs of denial (「一切飲まない」), unlike 毎日 or 今, which may start
# the next clause (「もう限界で毎日寝れてない」).
_NEVER = frozenset({"一切", "絶対", "全然", "全く", "決して"})
_SUCH = frozenset({"そんな", "そういう", "こんな", "ああいう", "あんな"})
_SUCH_DENIED_BY = frozenset({"有る", "ある", "為る", "する", "出る"}) | _THINK_SAY
"""The verbs whose denial denies the そんなこと they govern."""
_BEYOND = frozenset({"以上", "以外", "詳しい", "他"})
_CHAIN_VERBS = frozenset(
    {"居る", "有る", "為る", "仕舞う", "来る", "行く", "置く", "見る", "ちゃう", "てる", "出来る"}
)
_FORMAL_NOUNS = frozenset({"こと", "事", "訳", "わけ", "筈", "はず", "物", "もの", "様"})
_CLAUSE_ENDING = frozenset(
    {"が", "けど", "けれど", "けれども", "から", "ので", "のに", "し", "ば", "たら", "ながら"}
)
_IF_WORDS = frozenset({"若し", "もし", "もしも", "仮に", "万一", "万が一"})
_ADVICE = frozenset({"ましょう", "べき", "方", "ほう", "ように", "様"})
_WORRY = frozenset({"どう", "心配", "怖い", "不安"})


@dataclass(frozen=True, kw_only=True)
class Sentence:
    """One sentence of an utterance: token range ``first..last`` and what kind it is."""

    first: int
    last: int
    kind: Literal["question", "request", "statement"]
    negated: bool
    hypothetical: tuple[tuple[int, int], ...] = ()
    """Token ranges (inclusive) of hypothetical conditional clauses."""
    reported: tuple[tuple[int, int], ...] = ()
    """Token ranges (inclusive) of quoted words."""


@dataclass(frozen=True, kw_only=True)
class SpanAct:
    """The act behind some words of an utterance, and whether they are denied."""

    act: Act
    negated: bool = False
    sentence: Literal["question", "request", "statement"] = "statement"
    """The kind of the sentence the words stand in (a hypothetical clause's main clause may
    ask or advise: 「もし死にたくなったら、電話してね」)."""

    @property
    def asserted(self) -> bool:
        """Said as a fact (statement, answer or report), not asked, denied or imagined."""
        return self.act in ("statement", "answer", "reported") and not self.negated


@dataclass(frozen=True)
class UtteranceActs:
    """The sentences of one analysed text and the act of any stretch of it."""

    analysis: Analysis
    sentences: tuple[Sentence, ...]

    @property
    def question(self) -> bool:
        """Whether any sentence asks something (so the next utterance is an answer)."""
        return any(s.kind == "question" for s in self.sentences)

    def hedged(self, sentence: Sentence) -> bool:
        """Whether a question ``sentence`` closes on か plus ね or な with no question mark
        (「ほぼ毎日ですかね」「三回くらいかなあ」): from the one who answers, a hedge said to
        oneself, not a question back."""
        tokens = self.analysis.tokens
        last = tokens[sentence.last]
        return (
            sentence.kind == "question"
            and sentence.last > sentence.first
            and last.surface in _HEDGES
            and tokens[sentence.last - 1].surface == "か"
            and not any(mark in _QUESTION_MARK for mark in last.after)
        )

    def sentence_at(self, position: int) -> Sentence | None:
        """The sentence holding ``position`` of ``Analysis.text``."""
        tokens = self.analysis.tokens
        return next(
            (s for s in self.sentences if tokens[s.first].begin <= position < tokens[s.last].end),
            None,
        )

    @property
    def open_ended(self) -> bool:
        """Whether the text stops mid-sentence (on a particle, or a 、): the recognizer cut
        the speech at a pause and the next utterance carries on (「えきまえの」…)."""
        tokens = self.analysis.tokens
        if not tokens:
            return False
        last = tokens[-1]
        if any(c in _SENTENCE_END for c in last.after):
            return False
        if any(c in _CLAUSE_MARK for c in last.after):
            return True
        # A case or adverbial particle (が, を, の, や, まで) leaves its phrase waiting; a
        # conjunction (けど, から, て) closes a clause that can stand as said.
        return last.pos0 == "助詞" and last.pos1 in ("格助詞", "副助詞", "係助詞")

    def closing_negation(self) -> tuple[int, int] | None:
        """Where, in ``Analysis.text``, the negation that denies the last sentence's closing
        predicate stands (「帰りたくない」: its ない), or None when that predicate is not denied."""
        if not self.sentences or not self.sentences[-1].negated:
            return None
        tokens, last = self.analysis.tokens, self.sentences[-1]
        denying = [i for i in range(last.first, last.last + 1) if _denies(tokens, i, last.last)]
        return (tokens[denying[-1]].begin, tokens[denying[-1]].end) if denying else None

    def main(self) -> SpanAct:
        """The utterance's own act (answers aside): any question makes it a question,
        otherwise the act of its last sentence."""
        if not self.sentences:
            return SpanAct(act="statement")
        if self.question:
            return SpanAct(act="question", negated=self.sentences[-1].negated)
        last = self.sentences[-1]
        tokens = self.analysis.tokens
        return self.at(tokens[last.first].begin, tokens[last.last].end, whole=True)

    def at(self, start: int, end: int, *, whole: bool = False) -> SpanAct:
        """The act of the words at ``text[start:end]`` (a span of ``Analysis.text``)."""
        tokens = self.analysis.tokens
        first = _token_at(tokens, start)
        last = max(first, _token_at(tokens, max(start, end - 1)))
        sentence = next((s for s in self.sentences if s.first <= first <= s.last), None)
        if sentence is None:
            return SpanAct(act="statement")
        negated = sentence.negated if whole else _negated_after(tokens, first, last, sentence)
        # 「仮に、施設に預けるってなったら、どういう手続きに…？」: what a question supposes with
        # もし/仮に is not said to be so.
        supposed = any(
            a <= first and last <= b and _opened_by_if(tokens, a, b)
            for a, b in sentence.hypothetical
        )
        if sentence.kind == "question" and not supposed:
            return SpanAct(act="question", negated=negated)
        if any(a <= first and last <= b for a, b in sentence.hypothetical) or (
            whole and _mostly(sentence.hypothetical, sentence)
        ):
            return SpanAct(act="hypothetical", negated=negated, sentence=sentence.kind)
        if any(a <= first and last <= b for a, b in sentence.reported) or (
            whole and _mostly(sentence.reported, sentence)
        ):
            return SpanAct(act="reported", negated=negated)
        if sentence.kind == "request":
            return SpanAct(act="request", negated=negated)
        return SpanAct(act="statement", negated=negated)


def _mostly(ranges: tuple[tuple[int, int], ...], sentence: Sentence) -> bool:
    covered = sum(b - a + 1 for a, b in ranges)
    return covered * 2 > sentence.last - sentence.first + 1


def _token_at(tokens: tuple[Token, ...], position: int) -> int:
    for index, token in enumerate(tokens):
        if token.end > position:
            return index
    return max(0, len(tokens) - 1)


@lru_cache(maxsize=8192)
def acts_of(text: str) -> UtteranceActs:
    """The sentences of ``text`` with their acts (cached: partials repeat themselves)."""
    analysis = analyse(text)
    tokens = analysis.tokens
    sentences: list[Sentence] = []
    first = 0
    for index in range(len(tokens)):
        if index == len(tokens) - 1 or (
            _ends_sentence(tokens, index) and not _if_hedge(tokens, first, index)
        ):
            sentences.append(_sentence(tokens, first, index))
            first = index + 1
    return UtteranceActs(analysis, tuple(sentences))


def _if_hedge(tokens: tuple[Token, ...], first: int, last: int) -> bool:
    """「仮に、仮にですよ、」「もしもですね、」: an if-word set apart, which opens the sentence
    that follows rather than ending one."""
    return _opened_by_if(tokens, first, last) and all(
        t.lemma in _IF_WORDS or t.surface in ("仮", "に", "です", "よ", "ね", "さ", "ねえ")
        for t in tokens[first : last + 1]
    )


_UNSURE = ("みたい", "っぽ", "的", "とか", "なんか")
"""What follows a word said with a question mark but not asked (「ひも？みたいなの」)."""


def _ends_sentence(tokens: tuple[Token, ...], index: int) -> bool:
    token = tokens[index]
    after = tokens[index + 1]
    # 「『わたし死んだほうがいい？』って聞いてきて」: a quote closed and taken up by って goes on.
    if any(c in _CLOSING_QUOTE for c in token.after) and after.surface in ("って", "と"):
        return False
    # 「くびに、ひも？みたいなの、まいてきて」: a word said unsure of itself goes on.
    if (
        any(c in _QUESTION_MARK for c in token.after)
        and not any(c in _SENTENCE_END - _QUESTION_MARK for c in token.after)
        and after.surface.startswith(_UNSURE)
    ):
        return False
    if any(c in _SENTENCE_END for c in token.after):
        return True
    if token.surface == "か" and _embedded_question(tokens, index):
        return False
    # 「もう生きてても意味ないって私どうしたらいいか」 (no punctuation): the caller's own
    # what-to-do question starts after the quote; it does not ask what was quoted.
    if token.surface in ("って", "と") and _what_to_do_follows(tokens, index + 1):
        return True
    # No punctuation (recognisers often leave none): a final particle or a polite ending that
    # is followed by the start of a new phrase closes the sentence.
    if after.pos0 in ("助詞", "助動詞"):
        return False
    final_particle = token.pos1 == "終助詞" and token.surface in _FINAL_PARTICLES
    polite_end = token.lemma in ("です", "ます") and token.surface in ("です", "ます")
    # A recogniser's space after a predicate, before a new phrase, is a pause between two
    # sentences: 「いなくなりたい ベランダから飛び降りたら楽になるかなって」.
    spaced_end = any(c in " \u3000" for c in token.after) and (
        token.pos0 in ("動詞", "形容詞", "助動詞") or token.pos1 == "終助詞"
    )
    return final_particle or polite_end or spaced_end


def _what_to_do_follows(tokens: tuple[Token, ...], index: int) -> bool:
    """Whether ``tokens[index:]`` opens with 「(私)どうしたら／どうすれば」 or 「(俺)何て言って
    やれば」."""
    if index < len(tokens) and tokens[index].pos0 == "代名詞" and tokens[index].lemma != "何":
        index += 1
    return _how_to_do_at(tokens, index, len(tokens) - 1) or _what_to_say_at(tokens, index)


def _what_to_say_at(tokens: tuple[Token, ...], index: int) -> bool:
    """Whether 「何て言ってやれば」「なんて言えば」「なんて声かけたら」 starts at ``index``."""
    if index < len(tokens) and tokens[index].surface == "なんて":
        index += 1
    elif (
        index + 1 < len(tokens)
        and tokens[index].lemma == "何"
        and tokens[index + 1].lemma == "って"
    ):
        index += 2
    else:
        return False
    window = tokens[index : index + 4]
    return (
        bool(window)
        and window[0].lemma in ("言う", "声掛け", "伝える", "話す")
        and any(t.surface in ("ば", "たら") for t in window[1:])
    )


def _how_to_do_at(tokens: tuple[Token, ...], index: int, last: int) -> bool:
    """Whether 「どうしたら／どうすれば／どう言えば」 starts at ``index`` and ends by ``last``."""
    if index + 2 > last or tokens[index + 2].surface not in ("たら", "れ", "ば"):
        return False
    first, second = tokens[index], tokens[index + 1]
    # どないしたら, どうしたら in Kansai; unpunctuated after のです it is read ど + ないし + たら.
    # Any verb asks it: 「どう返せばいいんでしょう」「どう言えばいい」.
    return (first.lemma in ("どう", "どない") and second.pos0 == "動詞") or (
        first.surface == "ど" and second.surface == "ないし"
    )


def rather_at(tokens: Sequence[Token], index: int) -> bool:
    """Whether 「っていうか／というか」 ("or rather") starts at ``index``; not where it only
    hedges what it points back to (「沈めるっていうか、そういうのを夫が」)."""
    return _says_or_rather(tokens, index) and not _points_back(tokens, index + 3)


def _says_or_rather(tokens: Sequence[Token], index: int) -> bool:
    """Whether the words 「っていうか／というか」 start at ``index``."""
    return (
        index + 2 < len(tokens)
        and tokens[index].surface in ("って", "と")
        and tokens[index + 1].lemma == "言う"
        and tokens[index + 2].surface == "か"
    )


def _points_back(tokens: Sequence[Token], index: int) -> bool:
    """Whether そんな / そういう (as one word or as そう + いう) starts at ``index``."""
    if index >= len(tokens):
        return False
    if tokens[index].surface in _SUCH:
        return True
    return (
        index + 1 < len(tokens)
        and tokens[index].lemma in _DEMONSTRATIVES
        and tokens[index + 1].lemma == "言う"
    )


def _embedded_question(tokens: tuple[Token, ...], index: int) -> bool:
    """Whether the か at ``index`` closes a question that the words after it say is (not)
    known or checked: 「何しちゃうか、自分でもわからなくて」「開いてるか、見に行った」 ask
    nothing."""
    for token in tokens[index + 1 : index + 5]:
        if token.lemma in _KNOW or token.lemma in _CHECK:
            return True
        if any(c in _SENTENCE_END for c in token.after):
            return False
    return False


def _sentence(tokens: tuple[Token, ...], first: int, last: int) -> Sentence:
    kind: Literal["question", "request", "statement"] = "statement"
    if _is_question(tokens, first, last):
        kind = "question"
    elif _is_request(tokens, first, last):
        kind = "request"
    negated = _predicate_negated(tokens, first, last)
    hypothetical = _hypothetical(tokens, first, last, kind)
    reported = _reported(tokens, first, last)
    return Sentence(
        first=first,
        last=last,
        kind=kind,
        negated=negated,
        hypothetical=hypothetical,
        reported=reported,
    )


def _tail(tokens: tuple[Token, ...], first: int, last: int) -> list[Token]:
    """The sentence-final particles at the end of ``first..last``."""
    tail: list[Token] = []
    index = last
    while index >= first and tokens[index].pos1 == "終助詞":
        tail.append(tokens[index])
        index -= 1
    return tail


def _is_question(tokens: tuple[Token, ...], first: int, last: int) -> bool:
    if any(c in _QUESTION_MARK for c in tokens[last].after):
        return True
    if _indefinite_end(tokens, first, last) or _hedge_end(tokens, first, last):
        return False
    if _what_to_do(tokens, first, last):
        return True
    tail = [t.surface for t in _tail(tokens, first, last)]
    if last >= first + 2 and _says_or_rather(tokens, last - 2):
        return False  # 「沈めるっていうか、そういうのを」: "or rather", not a question
    if "か" in tail or "かしら" in tail:
        return True
    # 「誰かに見張られてる」「何かされた」「どこかしらに」: a question word + か (or かしら) is
    # someone, something, somewhere; 「なんとか」「どうにか」 (と or に between) is somehow.
    wh = [
        i
        for i in range(first, last + 1)
        if tokens[i].lemma in _WH_LEMMAS
        and not _indefinite_at(tokens, i, last)
        and not _nanyo(tokens, i, last)
        and not _none_at(tokens, i, last)
    ]
    # 「どこにいるの」: の asks only with a question word; 「お母さんがいないの」 tells.
    if wh and "の" in tail:
        return True
    # A bare question word at the end: 「お名前は何」「おいくつ」「何歳くらい」; with も it is a
    # quantity (「あざが、いくつも」「何回も」), not a question.
    if (
        wh
        and all(
            tokens[i].pos0 in ("助詞", "助動詞", "接尾辞") or tokens[i].lemma in _WH_LEMMAS
            for i in range(wh[-1], last + 1)
        )
        and not any(tokens[i].surface == "も" for i in range(wh[-1] + 1, last + 1))
    ):
        return True
    return _asks_to_tell(tokens, first, last)


def _none_at(tokens: tuple[Token, ...], index: int, last: int) -> bool:
    """「なんも反応ねぇの」「誰もいないの」「だれとも、しゃべらないの」: a question word + も
    (a particle between or not) before a denial is nothing or nobody; the の after it tells
    (with a question mark it still asks)."""
    after = index + 1
    if after < last and tokens[after].surface in ("と", "に", "から", "で"):
        after += 1
    if after >= last or tokens[after].surface != "も":
        return False
    return any(_is_negation(tokens, i) for i in range(after + 1, last + 1))


def _nanyo(tokens: tuple[Token, ...], index: int, last: int) -> bool:
    """「彼氏が来てからなんよ」「それだけなんや」: なん after a particle (not a topic or subject
    one) or a noun, closing the sentence with よ, や or です, is the western なのよ, not 何."""
    if tokens[index].surface != "なん" or index == 0 or index >= last:
        return False
    before = tokens[index - 1]
    if before.surface in ("は", "が", "って", "も"):
        return False  # 「原因はなんや」 asks what
    return before.pos0 in ("助詞", "名詞") and tokens[index + 1].surface in (
        "よ",
        "や",
        "です",
        "やけど",
        "よね",
    )


def _indefinite_at(tokens: tuple[Token, ...], index: int, last: int) -> bool:
    """Whether the question word at ``index`` is made indefinite by the か after it: 「誰か」
    「どこかしら」, or with と / に between, 「なんとか」「どうにか」 (Sudachi splits them)."""
    after = [t.surface for t in tokens[index + 1 : last + 1]]
    if after[:1] in (["か"], ["かしら"]):
        return index + 1 < last
    return after[:2] in (["と", "か"], ["に", "か"])


def _indefinite_end(tokens: tuple[Token, ...], first: int, last: int) -> bool:
    """「はい、何度か。」「いくつか」: a question word's quantity + か is "a few", not a question
    (without a question mark: 「何回か？」 asks)."""
    if last - first < 1 or tokens[last].surface != "か":
        return False
    before = tokens[last - 1]
    counted = before.surface.startswith("何") and len(before.surface) >= 2 and before.pos0 == "名詞"
    # 「何秒か」: Sudachi gives 何 and the counter apart.
    counter = last - first >= 2 and tokens[last - 2].surface == "何" and before.pos2 == "助数詞可能"
    return counted or counter or before.lemma == "幾つ"


def _hedge_end(tokens: tuple[Token, ...], first: int, last: int) -> bool:
    """「もう気力が残ってないっていうか……」: っていうか / というか trails off a statement; it
    asks nothing."""
    return last - first >= 2 and rather_at(tokens, last - 2)


def _what_to_do(tokens: tuple[Token, ...], first: int, last: int) -> bool:
    """「どうしたら…」「どうすればいいですか」: asking what to do, not a condition."""
    for index in range(first, last):
        if _how_to_do_at(tokens, index, last) and all(
            t.pos0 in ("助詞", "助動詞", "形容詞") or t.lemma in ("良い", "ば")
            for t in tokens[index + 2 : last + 1]
        ):
            return True
    return False


def _asks_to_tell(tokens: tuple[Token, ...], first: int, last: int) -> bool:
    """教えてください, 聞かせてくれる, 伺ってもいい: asking to be told is asking."""
    for index in range(first, last + 1):
        if tokens[index].lemma not in _TELL:
            continue
        rest = tokens[index + 1 : min(last, index + 6) + 1]
        while rest and rest[0].surface in ("せ", "させ"):  # 聞かせて: the causative
            rest = rest[1:]
        if not rest or rest[0].surface not in ("て", "で"):
            continue  # 「先生から聞いたんですけど、…ほうがいい」 asks nothing
        for at, token in enumerate(rest):
            if token.lemma not in _GIVE and token.lemma != "良い":
                continue
            after = rest[at + 1].surface if at + 1 < len(rest) else ""
            # 「話してくれて」「教えてくれた」「話してくれまして」 tell what happened; they ask
            # nothing (まし is the polite past or て-form; 「くれますか」「くれませんか」 ask).
            if after not in ("て", "で", "た", "だ", "まし"):
                return True
    return False


def _is_request(tokens: tuple[Token, ...], first: int, last: int) -> bool:
    lemmas = [t.lemma for t in tokens[first : last + 1]]
    surfaces = [t.surface for t in tokens[first : last + 1]]
    for index, lemma in enumerate(lemmas):
        before = surfaces[index - 1] if index else ""
        # 「反省しなさいって」: a request quoted is someone else's, told (no punctuation needed).
        if surfaces[index + 1 : index + 2] in (["って"], ["と"]):
            continue
        if lemma in ("下さる", "くださる") and before in ("て", "で"):
            return True
        earlier = surfaces[index - 2] if index > 1 else ""
        # 電話していい, 電話してもいい: permission (closing the sentence: 「生きてていいこと
        # ない」 asks nothing); 「もう家に帰らなくていい」 says what one need not do.
        if (
            lemma == "良い"
            and (before in ("て", "で") or (before == "も" and earlier in ("て", "で")))
            and "なく" not in surfaces[max(0, index - 3) : index - 1]
            and all(t.pos0 in ("助詞", "助動詞") for t in tokens[first + index + 1 : last + 1])
        ):
            return True
        # 「ごめんなさい」 is an apology, not a request of the listener.
        if surfaces[index] in ("ましょう", "なさい") and before != "ごめん":
            return True
    if _is_conditional(tokens[last], True) and _benefactive_before(tokens, last):
        return True  # 「預かってもらえたら」: asking, politely left open
    tail = [t.surface for t in _tail(tokens, first, last)]
    # 〜してね: a て-form closing the sentence with ね asks the other side to do it, where the
    # utterance or its sentence ends there; a child's 「あたまをね、おゆのなかにいれてね、ぶくぶく
    # ってなって」 goes on telling.
    body_end = last - len(tail)
    closes = last == len(tokens) - 1 or any(c in _REQUEST_END for c in tokens[last].after)
    return (
        bool(tail)
        and closes
        and tail[0] in ("ね", "ねえ")
        and body_end >= first
        and (surfaces[body_end - first] in ("て", "で"))
    )


def _is_negation(tokens: tuple[Token, ...], index: int) -> bool:
    """A negating auxiliary; Kansai へん too: 「行かへん」 (an auxiliary) and 「叩かれてへん」
    (after て, where the dictionary reads a noun)."""
    token = tokens[index]
    if token.surface == "ず" and index > 0 and tokens[index - 1].surface == "だ":
        return False  # Yamagata 「あるんだず」 asserts; it denies nothing
    if token.lemma in _NEGATION and token.pos0 in ("助動詞", "形容詞"):
        return True
    if token.lemma != "へん":
        return False
    if token.pos0 == "助動詞":
        return True
    before = tokens[index - 1] if index > 0 else None
    return (
        token.pos0 == "名詞"
        and before is not None
        and before.pos0 == "助詞"
        and before.surface in ("て", "で")
    )


def _denies(tokens: tuple[Token, ...], index: int, end: int) -> bool:
    """A negation at ``index`` that denies: not the ない of a conjecture closed by か
    (「殺しちゃうんじゃないかって怖い」「叩いたのではないかと思う」 fear or suppose it), nor
    that of かもしれない."""
    if not _is_negation(tokens, index):
        return False
    if index > 0 and tokens[index - 1].lemma == "知れる":
        return False  # かもしれない: "may", not "not"
    if tokens[index].surface == "無き" and index < end and tokens[index + 1].surface == "ながら":
        return False  # 「無きながら」: the recognizer's 泣きながら, crying, not "not"
    if index < end and tokens[index + 1].lemma in ("成る", "なる"):
        # 「いなくなりたい」「叩かれなくなった」: なくなる is a change (to be gone, to stop),
        # not a denial of what came before it.
        return False
    closed_by_ka = index < end and tokens[index + 1].surface in ("か", "かな", "かしら")
    maybe = index + 2 <= end and tokens[index + 2].surface == "も"  # 叩かないかも: "may not"
    return not closed_by_ka or maybe


def _negated_after(tokens: tuple[Token, ...], first: int, last: int, sentence: Sentence) -> bool:
    """Whether the words at tokens ``first..last`` are denied by the chain that follows them."""
    if any(t.surface == "しか" for t in tokens[sentence.first : last + 1]):
        return False
    nominal = tokens[last].pos0 in ("名詞", "代名詞", "接尾辞")
    count = 0
    predicate_seen = not nominal
    index = last + 1
    if any(c in _SENTENCE_END for c in tokens[last].after):
        return False
    if (
        tokens[last].pos1 == "接続助詞"
        and any(c in _CLAUSE_MARK for c in tokens[last].after)
        and last < sentence.last
        and tokens[last + 1].pos0 not in ("助詞", "助動詞")
        and tokens[last + 1].lemma not in _CHAIN_VERBS
        and not _is_negation(tokens, last + 1)
    ):
        # 「首を絞めて、息ができなかった」: the て-form closed the words' clause (not 「叩いて、
        # ないです」 or 「叩いて、いません」).
        return False
    if _quoted_topic_denied(tokens, last, sentence):
        return True
    while index <= sentence.last:
        token = tokens[index]
        lemma = token.lemma
        if token.surface == "しか":
            return False
        if _denies(tokens, index, sentence.last):
            count += 1
        elif _is_negation(tokens, index):
            pass
        elif token.pos0 == "助詞":
            if token.pos1 == "接続助詞" and lemma in _CLAUSE_ENDING:
                break
            if token.pos1 == "終助詞":
                break
        elif token.pos0 == "助動詞":
            if token.surface in ("たら", "なら", "だら"):
                break
        elif not predicate_seen and nominal and lemma in _STOPPING:
            # 「お酒はやめました」 denies the noun, 「お酒がやめられない」 affirms it.
            count += 1
            predicate_seen = True
        elif _breath(tokens, index, sentence.last):
            break  # 「…牛ってしていきできなかった」: 息 (read as 行き) ができない starts anew
        elif lemma in _CHAIN_VERBS or lemma in _FORMAL_NOUNS or token.pos1 == "非自立可能":
            pass
        elif not predicate_seen and token.pos0 in ("動詞", "形容詞", "副詞", "形状詞"):
            # A noun (警察, 刃物) is denied through the one predicate that governs it:
            # 「警察には、まだ言っていません」.
            if token.pos0 != "副詞":
                predicate_seen = True
        elif token.pos1 == "数詞" or token.pos2 == "助数詞":
            pass  # 「お酒は一滴も飲まない」: a count (一滴も, 一度も) leads to the predicate
        elif token.lemma in _NEVER:
            pass  # 「お酒は一切飲まない」「絶対しない」: a noun used as an adverb of denial
        elif (
            not predicate_seen
            and token.pos0 == "名詞"
            and nominal
            and tokens[index - 1].surface in _LISTING
            and index - 1 > last
        ):
            pass  # 「酒もたばこもやらない」: the nouns listed with も / や are denied together
        elif not predicate_seen and token.pos0 in ("名詞",) and token.pos1 == "普通名詞":
            # サ変 nouns (電話, 相談) take する next; other nouns start a new phrase, and so
            # does a noun the words modify (「赤ちゃんのお世話もできない」 denies the care, not
            # the baby).
            if token.pos2 != "サ変可能" or tokens[index - 1].surface == "の":
                break
            predicate_seen = True
        else:
            break
        if any(c in _SENTENCE_END for c in token.after):
            break
        if predicate_seen and nominal is False and any(c in _CLAUSE_MARK for c in token.after):
            break
        index += 1
    return count % 2 == 1


def _breath(tokens: tuple[Token, ...], index: int, last: int) -> bool:
    """Whether the token at ``index`` is 息 written in kana and read as 行き, before できる."""
    return (
        tokens[index].surface in ("いき", "行き")
        and index < last
        and tokens[index + 1].lemma == "出来る"
    )


_STOPPING = frozenset({"やめる", "止める", "辞める", "控える", "断つ", "絶つ"})
"""Verbs of giving something up: the noun they govern is denied, unless they are."""
_LISTING = frozenset({"も", "や", "とか"})
"""Particles that list nouns under one predicate (「酒もたばこも」「酒やたばこは」)."""


def _quoted_topic_denied(tokens: tuple[Token, ...], last: int, sentence: Sentence) -> bool:
    """「死にたいとかは、思ってないよ」「殴られたなんて言ってない」: words made the topic of a
    denied verb of thinking or saying are denied with it."""
    following = [t.surface for t in tokens[last + 1 : min(sentence.last, last + 3) + 1]]
    quoted = following[:1] in (["とか"], ["なんて"], ["って"]) or following[:2] in (
        ["と", "か"],
        ["と", "は"],
    )
    index = last + 1
    while index <= sentence.last and tokens[index].surface in (
        "た",
        "だ",
        "て",
        "てる",
        "ちゃっ",
        "たり",
        "だり",
    ):
        index += 1
    # 「外に出されてるとか、そういうのは見たことない」: a topic word may follow an ending (a
    # plain って there is a report: 「…閉めてたって、上の子は何も言わない」).
    after = [t.surface for t in tokens[index : min(sentence.last, index + 1) + 1]]
    quoted = quoted or after[:1] in (["とか"], ["なんて"]) or after == ["と", "か"]
    if after in (
        ["こと", "は"],
        ["こと", "も"],
        ["事", "は"],
        ["の", "は"],
        ["とこ", "は"],
        ["ところ", "は"],
    ):
        # 「手をあげたことは、一度もないです」: what is said to have never happened; the
        # clause ends at a conjunction (「叩いたことはあるけど、…ない」 denies nothing here).
        count = 0
        for at in range(index + 2, sentence.last + 1):
            if tokens[at].pos0 == "助詞" and tokens[at].pos1 == "接続助詞":
                break
            count += _is_negation(tokens, at)
        return count % 2 == 1
    if not quoted:
        return False
    start = index + 1 if index > last + 1 else last + 1  # past a skipped ending (てる is a verb)
    if any(t.lemma in _BEYOND for t in tokens[start : sentence.last + 1]):
        # 「部屋に入ってくるって、それ以上は言わないんです」: what was said stands; only more is
        # not said.
        return False
    # 「叩かれたりとか首を絞められたりとか、そういうのは一切ないって、はっきり言ってました」:
    # what そういうの points back to is denied even where the sentence ends on another verb.
    if _such_things_denied(tokens, start, sentence):
        return True
    if not sentence.negated:
        return False
    if _none_of_it(tokens, start, sentence.last):
        return True
    verb = next(
        (
            i
            for i in range(start, sentence.last + 1)
            if tokens[i].pos0 == "動詞"
            # the いう of そういう/こういう points back; it is not a verb of saying
            and not (tokens[i].lemma == "言う" and tokens[i - 1].surface in _DEMONSTRATIVES)
        ),
        None,
    )
    # The verb of thinking or saying must itself be denied: in 「死にたいって毎日思ってて、
    # 子どもがいなかったら」 the ない belongs to another clause.
    return (
        verb is not None
        and tokens[verb].lemma in _THINK_SAY
        and _negated_after(tokens, verb, verb, sentence)
    )


def _none_of_it(tokens: tuple[Token, ...], first: int, last: int) -> bool:
    """「死にたいとかは、ないっす」: the quoted topic is followed at once by ない (there is none
    of it)."""
    for token in tokens[first : last + 1]:
        if token.pos0 == "助詞" or token.surface in ("とか", "か", "は", "も"):
            continue
        return token.lemma in ("無い", "ない") and token.pos0 == "形容詞"
    return False


def _such_things_denied(tokens: tuple[Token, ...], first: int, sentence: Sentence) -> bool:
    """「首を絞めたとか、そういうのは絶対ないです」: the quoted words are what 「そういうの」
    points back to, and that is said not to exist."""
    last = sentence.last
    for index in range(first, last):
        such = (tokens[index].lemma in _DEMONSTRATIVES and tokens[index + 1].lemma == "言う") or (
            # 「首を絞めたとか、そんなことは絶対にしてません」
            tokens[index].surface in _SUCH
            and tokens[index + 1].surface in ("こと", "事", "の", "話")
        )
        if such:
            predicate = next(
                (i for i in range(index + 2, last + 1) if tokens[i].pos0 in ("動詞", "形容詞")),
                None,
            )
            if predicate is None:
                return False
            if tokens[predicate].lemma in ("無い", "ない"):
                return True
            # 「死にたいとか、そういうことは言うてません」「そんな話は一回も出てへんかった」:
            # being, doing, saying or coming up, denied.
            return tokens[predicate].lemma in _SUCH_DENIED_BY and _negated_after(
                tokens, predicate, predicate, sentence
            )
    return False


def _predicate_negated(tokens: tuple[Token, ...], first: int, last: int) -> bool:
    """Whether the sentence's closing predicate is denied: an odd number of negations in the
    auxiliaries after its last content word (「揺さぶってはいないです」)."""
    index = last
    while index > first and (
        tokens[index].pos0 in ("助詞", "助動詞")
        or tokens[index].lemma in _CHAIN_VERBS
        or _is_negation(tokens, index)
    ):
        index -= 1
    if any(t.surface == "しか" for t in tokens[first : last + 1]):
        return False
    return sum(_denies(tokens, i, last) for i in range(index, last + 1)) % 2 == 1


def _is_conditional(token: Token, last: bool) -> bool:
    """たら, ば, なら, or 場合 (「帰ってこない場合は」) closing a conditional clause."""
    if token.pos0 == "助動詞" and token.surface in ("たら", "だら", "なら"):
        return True
    if token.surface == "ば" and token.pos1 == "接続助詞":
        return True
    return token.lemma == "場合" and not last


def _conditionals(tokens: tuple[Token, ...], first: int, last: int) -> list[int]:
    # 「…って泣いてて、どうしたらいいかと思って」: the たら of どうしたら asks what to do; it makes
    # nothing before it a supposition.
    return [
        i
        for i in range(first, last + 1)
        if _is_conditional(tokens[i], i == last)
        and not (i >= 2 and _how_to_do_at(tokens, i - 2, i))
    ]


def _hypothetical(
    tokens: tuple[Token, ...], first: int, last: int, kind: str
) -> tuple[tuple[int, int], ...]:
    marks = _conditionals(tokens, first, last)
    if not marks:
        return ()
    ranges: list[tuple[int, int]] = []
    start = first
    main = tokens[marks[-1] + 1 : last + 1]
    main_lemmas = {t.lemma for t in main} | {t.surface for t in main}
    advice = kind in ("request", "question") or bool(main_lemmas & (_ADVICE | _WORRY))
    past_main = any(t.surface == "た" and t.pos0 == "助動詞" for t in main[-3:])
    # 「今夜また危ないと思ったら。」: a condition whose main clause never came (or went to
    # the next utterance) tells no fact.
    advice = advice or not main
    # 「口をふさいだら静かになるかなって、思っちゃって」: a condition mused on, not done.
    musing = any(t.surface in ("かな", "かしら") for t in main) or (
        any(t.surface == "か" and t.pos0 == "助詞" for t in main)
        and any(t.lemma in ("思う", "考える") for t in main)
    )
    advice = advice or musing
    for mark in marks:
        if mark == marks[-1] and not main and _benefactive_before(tokens, mark):
            # 「二人をどこかで預かってもらえたら」: a wish left open is a polite request.
            continue
        opened = _opened_by_if(tokens, start, mark)
        scene = tokens[mark].lemma == "場合"
        if opened or scene or (advice and not past_main):
            ranges.append((start, mark))
        start = mark + 1
    return tuple(ranges)


def _guessing(acts: UtteranceActs) -> bool:
    """「週に…四回？五回？もうほとんど毎晩です」: a reply whose questions are only short
    guesses, said on the way to a statement, answers rather than asks."""
    questions = [s for s in acts.sentences if s.kind == "question"]
    return (
        len(questions) < len(acts.sentences)
        and all(s.last - s.first < 3 for s in questions)
        and acts.sentences[-1].kind != "question"
    )


def _benefactive_before(tokens: tuple[Token, ...], mark: int) -> bool:
    """Whether the conditional at ``mark`` follows もらえる, いただける or くれる
    (〜てもらえたら)."""
    return mark > 0 and tokens[mark - 1].lemma in _BENEFACTIVE


def _opened_by_if(tokens: tuple[Token, ...], first: int, last: int) -> bool:
    """Whether もし, 仮に, 万一… stand in ``tokens[first..last]`` (仮に comes as 仮 + に)."""
    for index in range(first, last + 1):
        token = tokens[index]
        if token.lemma in _IF_WORDS:
            return True
        if token.surface == "仮" and index < last and tokens[index + 1].surface == "に":
            return True
    return False


def _reported(tokens: tuple[Token, ...], first: int, last: int) -> tuple[tuple[int, int], ...]:
    ranges: list[tuple[int, int]] = []
    start = first
    for index in range(first, last + 1):
        token = tokens[index]
        if token.surface not in ("って", "と", "て") or token.pos0 != "助詞":
            continue
        if token.surface in ("と", "て") and token.pos1 != "格助詞":
            continue
        if index == first:
            continue
        closing = index == last or all(t.pos1 == "終助詞" for t in tokens[index + 1 : last + 1])
        following = [t for t in tokens[index + 1 : min(last, index + 3) + 1] if t.pos0 != "助詞"]
        saying = (bool(following) and following[0].lemma in _SAYING) or _cried_out(
            tokens[index + 1 : min(last, index + 6) + 1]
        )
        # と申します introduces oneself; と思う is one's own thought, said as a fact.
        if closing and token.surface == "と" and tokens[index - 1].pos0 == "名詞":
            continue
        if saying or closing:
            ranges.append((start, index - 1))
            start = index + 1
    return tuple(ranges)


def _cried_out(after: Sequence[Token]) -> bool:
    """Whether the words after a quoting って are a cry with nothing done before it:
    「死にたいって布団の中で泣いて」 reports what was cried."""
    for token in after:
        if token.lemma in _CRYING:
            return True
        if token.pos0 in ("動詞", "形容詞", "助動詞"):
            return False
    return False


_CRYING = frozenset({"泣く", "叫ぶ", "喚く", "泣き叫ぶ"})


@dataclass(frozen=True, kw_only=True)
class Turn:
    """What one final utterance does in the conversation."""

    act: Act
    negated: bool
    answers: int | None = None
    """The utterance number of the question this one answers, if it is an answer."""


class ActTracker:
    """Per call: the act of each final, answers included (the turn after a question).

    An answer that stops mid-sentence (the recognizer cut it at a pause) is carried on by
    the next utterance, which answers the same question. A second final of the utterance
    just observed (a recognizer that revised it) is read again in its place.
    """

    def __init__(self) -> None:
        self._question: tuple[int, str] | None = None
        self._last: tuple[int, tuple[int, str] | None] | None = None

    def observe(self, final: TranscriptFinal) -> Turn:
        """The act of ``final`` in this call; call once per final, in order."""
        if self._last is not None and self._last[0] == final.utterance:
            self._question = self._last[1]  # the same utterance again: as before it
        self._last = (final.utterance, self._question)
        acts = acts_of(final.text)
        main = acts.main()
        if not acts.analysis.tokens:
            return Turn(act=main.act, negated=main.negated)
        speaker = final.speaker
        pending = self._question
        answering = pending is not None and pending[1] != speaker
        hedging = all(acts.hedged(s) for s in acts.sentences if s.kind == "question")
        if acts.question and not (answering and (_guessing(acts) or hedging)):
            self._question = (final.utterance, speaker)
            return Turn(act="question", negated=main.negated)
        if pending is None:
            return Turn(act=main.act, negated=main.negated)
        asked_by = pending[1]
        known = speaker not in UNKNOWN_SPEAKERS and asked_by not in UNKNOWN_SPEAKERS
        if known and speaker == asked_by:
            # The one who asked goes on talking; the question still waits for the other side.
            return Turn(act=main.act, negated=main.negated)
        if not acts.open_ended:
            self._question = None
        return Turn(act="answer", negated=main.negated, answers=pending[0])

    def annotate(self, final: TranscriptFinal) -> TranscriptFinal:
        """``final`` with its act and negation filled in."""
        turn = self.observe(final)
        return dataclasses.replace(final, act=turn.act, negated=turn.negated)
