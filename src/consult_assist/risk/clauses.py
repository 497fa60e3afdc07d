"""How the words of one utterance stand: in a clause closed before a question goes on, under
an opening denial, said of a parent as subject, or in a text the recognizer left unpunctuated.

Pure functions over :class:`~consult_assist.risk.cues.Found`, used by the assessor
(:mod:`consult_assist.risk.assess`) to decide what act a cue was said in and of whom.
"""

from __future__ import annotations

import itertools
import re

from consult_assist.knowledge.acts import UtteranceActs
from consult_assist.knowledge.text import Token
from consult_assist.risk.cues import Found, Hit

__all__ = [
    "adult_quoted",
    "adult_said",
    "adult_subject",
    "closed_clause",
    "cut_at_condition",
    "not_let",
    "opening_affirmation",
    "opening_denial",
    "something_there",
    "to_sentence_end",
    "unpunctuated",
]

_SENTENCE_MARKS = frozenset("。？?！!")
_PAUSES = frozenset("、,，… 　")
_BEING = frozenset({"有る", "居る", "ある", "いる"})
"""Being there: 居る / 有る, as Sudachi gives their lemmas."""
_CLAUSE_CONJUNCTIONS = frozenset(
    {"ので", "から", "けど", "けれど", "けれども", "が", "し", "のに", "ど", "ども"}
)


def opening_denial(acts: UtteranceActs, found: Found) -> bool:
    """Whether an answer of several sentences opens with a denial of its own, with no cue in
    it: in 「そういうのは考えてないです。私と娘で、どうしたらいいか知りたくて。」 the first
    sentence is the answer and the rest goes on to something else."""
    if len(acts.sentences) < 2:
        return False
    opening = acts.sentences[0]
    if opening.kind != "statement" or not opening.negated:
        return False
    tokens = found.analysis.tokens
    end = tokens[opening.last].end
    return not any(hit.start < end for hit in found.hits)


def adult_subject(found: Found, hit: Hit) -> bool:
    """Whether ``hit`` is said of a parent named as its subject, with no other predicate in
    between: 「お母さんが、最近、死にたいって言ってて」 from a child is the mother in crisis;
    「お母さんは知らないけど、死にたい」 is still the child."""
    subject, topic = _adult_named(found, hit.start)
    return subject or (topic and _said_quote(found, hit) is not None)


def adult_said(found: Found, hit: Hit) -> bool:
    """Whether ``hit`` stands in a quote said by a parent named as the subject before the quote
    opens (「お母さんが、『夜も全然眠れない』と泣いておられました」); a parent named inside the
    quote (「『お父さんがこわい』って泣く」) is what the child fears, not who speaks."""
    opening = _said_quote(found, hit)
    return opening is not None and any(_adult_named(found, opening.end))


def _adult_named(found: Found, end: int) -> tuple[bool, bool]:
    """Whether, where ``end`` begins, a parent stands named as the subject (が, は, も) or as the
    sentence's topic with a comma (「お母さん、朝からずっとベッドで、」), with no predicate or
    child named since."""
    subject = topic = False
    previous = ""
    opening = True
    for token in found.analysis.tokens:
        if token.begin >= end:
            break
        if token.pos0 in _PREDICATES or token.surface in _CHILD_WORDS:
            subject = topic = False
        elif token.pos0 == "助詞" and token.surface in ("が", "は", "も") and previous in _ADULTS:
            subject = True
        elif opening and token.surface in _ADULTS and "、" in token.after:
            topic = True  # 「お母さん、朝からずっとベッドで、『もう死にたい』って言ってる」
        previous = token.surface
        opening = any(c in _SENTENCE_MARKS for c in token.after)
        if opening:
            subject = topic = False
    return subject, topic


def _said_quote(found: Found, hit: Hit) -> Token | None:
    """The word whose quote mark opens the quote ``hit`` stands in, where the quote is closed
    after it by a verb of saying (「『もう死にたい』ってぶつぶつ言ってる」); None otherwise."""
    tokens = found.analysis.tokens
    before = [t for t in tokens if t.end <= hit.start]
    opened = next(
        (
            t
            for t in reversed(before)
            if _OPEN_QUOTES & set(t.after) or _CLOSE_QUOTES & set(t.after)
        ),
        None,
    )
    if opened is None or not _OPEN_QUOTES & set(opened.after):
        return None
    rest = [t for t in tokens if t.end >= hit.end]
    closed = next((i for i, t in enumerate(rest) if _CLOSE_QUOTES & set(t.after)), None)
    if closed is None or not any(t.lemma in _SAYING for t in rest[closed + 1 : closed + 5]):
        return None
    return opened


def adult_quoted(found: Found, hit: Hit) -> bool:
    """Whether ``hit`` is in words a parent named in the sentence before said to the speaker:
    「お母さんが、最近すごくやつれてて。先週、『もう…消えたい』って玄関で泣かれて」 from a
    nursery head is the mother in crisis. The quote must be followed by a verb of saying or
    crying in the passive (泣かれ, 言われ: said to the speaker by someone else), and its own
    sentence must name nobody before it."""
    sentences = _sentences(found.analysis.tokens)
    at = next(
        (i for i, s in enumerate(sentences) if s and s[0].begin <= hit.start < s[-1].end), None
    )
    if not at:  # not found, or the first sentence: no sentence before it names anyone
        return False
    sentence = sentences[at]
    before = [t for t in sentence if t.end <= hit.start]
    # The quote may open on the sentence's first word (「…てて。『死にたい』って」: 。『 follows
    # the last word of the sentence before).
    opening = _OPEN_QUOTES & set(sentences[at - 1][-1].after)
    opened = (
        -1
        if opening
        else next((i for i, t in enumerate(before) if _OPEN_QUOTES & set(t.after)), None)
    )
    if opened is None or any(t.surface in _ADULTS | _CHILD_WORDS for t in before[: opened + 1]):
        return False
    rest = [t for t in sentence if t.end >= hit.end]  # the quote may close on the hit's end
    closed = next((i for i, t in enumerate(rest) if _CLOSE_QUOTES & set(t.after)), None)
    if closed is None:
        return False
    rest = rest[closed + 1 :]
    said_to = any(t.lemma in _SAYING and n.lemma == "れる" for t, n in itertools.pairwise(rest))
    previous = sentences[at - 1]
    named = next(
        (
            t.surface
            for t, n in itertools.pairwise(previous)
            if t.pos0 in ("名詞", "代名詞") and n.pos0 == "助詞" and n.surface in ("が", "は")
        ),
        None,
    )
    return said_to and named in _ADULTS


def to_sentence_end(found: Found, start: int, marks: frozenset[str] = _SENTENCE_MARKS) -> str:
    """The words of ``found.analysis.text`` from ``start`` to the end of their sentence: up to
    the first token followed by one of ``marks``, then those marks (``""`` at the end of the
    text). The normalised text has no punctuation, so what ends a sentence is read from the
    tokens: 「しんだほうがいいのかな。わかんない」 from しんだ gives
    「しんだほうがいいのかな。」."""
    for token in found.analysis.tokens:
        if token.end < start:
            continue
        ending = "".join(c for c in token.after if c in marks)
        if ending:
            return found.analysis.text[start : token.end] + ending
    return found.analysis.text[start:]


def _sentences(tokens: tuple[Token, ...]) -> list[list[Token]]:
    sentences: list[list[Token]] = [[]]
    for token in tokens:
        sentences[-1].append(token)
        if any(c in _SENTENCE_MARKS for c in token.after):
            sentences.append([])
    return sentences


_OPEN_QUOTES = frozenset("『「")
_CLOSE_QUOTES = frozenset("』」")
_SAYING = frozenset({"言う", "泣く", "叫ぶ", "怒鳴る", "呟く", "漏らす"})


def beside_carer_words(found: Found, hit: Hit, adult_box: str) -> bool:
    """Whether the same utterance says ``adult_box`` of the carer (「私もう死にたいんです」)
    with no child made the subject between it and ``hit``: then 「子ども置いて、消えたい」 and
    「生きてる意味がわからない」 are the carer's too."""
    text = found.analysis.text
    if _CHILD_SUBJECT.search(text, max(0, hit.start - 12), hit.start):
        return False  # 「娘が消えたいって」: said of the child
    for other in found.hits:
        # Only where the carer's box is the same words said of the carer (「私もう死にたい」
        # holds both 死にたい and the carer's crisis): 「リストカットの跡」 or a child's
        # 「私が消えたら」 name nobody.
        if other.subitem != adult_box or not any(
            h.subitem == hit.subitem and h.start < other.end and other.start < h.end
            for h in found.hits
        ):
            continue
        between = text[min(other.end, hit.end) : max(other.start, hit.start)]
        if not _CHILD_SUBJECT.search(between):
            return True
    return False


_CHILD_SUBJECT = re.compile(
    r"(子ども|子供|こども|娘|息子|あの子|この子|ちゃん|くん|君|弟|妹|兄|姉)(が|は|も)"
)
_ADULTS = frozenset(
    {"お母さん", "おかあさん", "お父さん", "おとうさん", "母親", "父親", "ママ", "パパ", "妻",
     "夫", "旦那", "主人", "彼氏", "継父", "義父", "母", "父", "奥さん", "奥様"}
)  # fmt: skip
_CHILD_WORDS = frozenset(
    {"子", "子ども", "子供", "娘", "息子", "弟", "妹", "兄", "姉", "僕", "私", "わたし",
     "あたし", "俺"}
)  # fmt: skip
_PREDICATES = frozenset({"動詞", "形容詞", "助動詞"})


_SO_LITTLE = frozenset({"くらい", "ぐらい"})


def closed_clause(found: Found, hit: Hit) -> bool:
    """Whether ``hit`` sits in a clause closed before the sentence goes on (a conjunction
    such as ので, けど, から, or a て-form followed by a pause)."""
    tokens = found.analysis.tokens
    for index, token in enumerate(tokens):
        if token.end < hit.end:
            continue
        if token.begin < hit.end:
            # The hit's own last word: only a pause before a new question of what to do
            # closes there.
            if _closes_before_what_to_do(tokens, index):
                return True
            continue
        if any(c in _SENTENCE_MARKS for c in token.after):
            return False
        paused = any(c in _PAUSES for c in token.after)
        if token.pos1 == "接続助詞" and (token.surface in _CLAUSE_CONJUNCTIONS or paused):
            return True
        # 「もう無理なんで、…」: the copula's て-form closes the clause when a pause follows,
        # and after ん/の (a reason: 「私じゃ無理なんでしばらく…」, as a recogniser writes it with
        # no comma) without one.
        reason = index > 0 and tokens[index - 1].surface in ("ん", "の")
        if token.pos0 == "助動詞" and token.surface == "で" and (paused or reason):
            return True
        # 「正直もう限界で、しばらく預かって…」: a で right after the words, with a pause, closes
        # their clause even where it reads as a particle.
        if token.surface == "で" and paused and token.begin == hit.end:
            return True
        # 「『死にたい』ってノートに書いたくらいで一時保護って、…じゃねえのか」: what the
        # question takes as given, said with くらいで, is told.
        if token.surface == "で" and index > 0 and tokens[index - 1].surface in _SO_LITTLE:
            return True
        # 「呼んでも返事せえへん、どないしたらええ」: a sentence ended by its auxiliary, then a
        # pause and a new question of what to do.
        if _closes_before_what_to_do(tokens, index):
            return True
    return False


def _closes_before_what_to_do(tokens: tuple[Token, ...], index: int) -> bool:
    token = tokens[index]
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if following is None or following.lemma not in _WHAT_TO_DO:
        return False
    if token.pos1 == "接続助詞" and token.surface in ("て", "で"):
        # 「…って送ってきてどうしたらいいか」, as a recogniser writes it with no comma: what
        # was told before the question of what to do about it (not 「どうして」, why).
        return _asks_what_to_do(tokens, index + 1)
    return (
        any(c in _PAUSES for c in token.after)
        and token.pos0 == "助動詞"
        and token.surface in _ENDINGS  # not a condition: 「死にたいって思ったら、どう…」
    )


def _asks_what_to_do(tokens: tuple[Token, ...], index: int) -> bool:
    """Whether the tokens from ``index`` ask what to do: どう／どない + する in a form that is
    not 〜して (「どうしたら」「どうすれば」「どないしよう」)."""
    rest = tokens[index + 1 : index + 3]
    return (
        len(rest) == 2
        and rest[0].lemma == "為る"
        and rest[1].surface in ("たら", "ば", "う", "よう", "た")
    )


_WHAT_TO_DO = frozenset({"どない", "どう", "如何"})
_ENDINGS = frozenset({"へん", "ない", "ん", "た", "だ", "です", "ます", "や"})


def unpunctuated(text: str) -> bool:
    """Whether the recognizer left ``text`` without sentence punctuation: then a question
    cannot be told by its mark, and a yes or a no after it shows it was one."""
    return not any(c in _SENTENCE_MARKS for c in text)


def cut_at_condition(acts: UtteranceActs, start: int, end: int) -> bool:
    """Whether the words at ``text[start:end]`` stand in a condition the utterance stops on
    (「もしこんや気持ちが抑えられなくなったら」): the recognizer cut the sentence at a pause, and
    what the condition leads to (「…電話してね」) comes in the next utterance, so no thought is
    told yet."""
    tokens = acts.analysis.tokens
    for sentence in acts.sentences:
        for first, last in sentence.hypothetical:
            if tokens[first].begin <= start and end <= tokens[last].end:
                rest = tokens[last + 1 : sentence.last + 1]
                return sentence is acts.sentences[-1] and all(
                    t.pos0 in ("助詞", "助動詞", "補助記号") for t in rest
                )
    return False


def opening_affirmation(acts: UtteranceActs) -> bool:
    """Whether an answer of several sentences opens by saying it is so (「写真を送って、というのは
    ありました。性的な写真なのかは、怖くて見ていません。」): the first sentence answers, a denial
    after it is about something else."""
    if len(acts.sentences) < 2:
        return False
    opening = acts.sentences[0]
    if opening.kind != "statement" or opening.negated:
        return False
    predicates = [
        t for t in acts.analysis.tokens[opening.first : opening.last + 1] if t.pos0 == "動詞"
    ]
    return bool(predicates) and predicates[-1].lemma in _BEING


_LET = frozenset({"貰う", "貰える", "もらう", "もらえる", "呉れる", "くれる"})
"""Verbs of being let or given (〜てもらえない, 〜てくれない), as Sudachi gives their lemmas."""


def not_let(acts: UtteranceActs) -> bool:
    """Whether the negation closing the answer is of something the child was not let do
    (「何秒も、上げてもらえなかったって」「出してくれなかった」): it tells what was done, and
    denies nothing that was asked."""
    where = acts.closing_negation()
    if where is None:
        return False
    tokens = acts.analysis.tokens
    at = next(i for i, t in enumerate(tokens) if t.begin == where[0])
    return at >= 2 and tokens[at - 1].lemma in _LET and tokens[at - 2].surface in ("て", "で")


def something_there(acts: UtteranceActs, found: Found) -> bool:
    """Whether the answer says someone or something is there after all (「いえ、母が近くに
    いるので」): a 居る / 有る said and not denied."""
    return any(
        t.lemma in _BEING and not acts.at(t.begin, t.end).negated for t in found.analysis.tokens
    )
