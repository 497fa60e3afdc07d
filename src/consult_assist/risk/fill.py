"""A short answer to a where / with-what question, put back into the question's words.

「どこを叩かれたの？」「顔。ほっぺとか」 says 顔を叩かれた, though neither utterance says it
alone: the question has the act without the place, the answer the place without the act. The
answer's noun is put in place of the question word, and the cues are looked for in what that
makes. Only どこ (where) and 何で (with what) are filled: those are the questions whose answer
turns an act into a sub-item (a blow to the face, a blow with a tool); 「誰に？」「お父さん」
changes no box.

The other way round, 「首のところ、なにかされたことある？」「……うん。手で、ぐって。」: the
question names the part of the body and asks whether something was done to it, the answer says
yes and how (:func:`acted_on`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from consult_assist.knowledge.acts import acts_of
from consult_assist.knowledge.text import Token

__all__ = ["Filled", "acted_on", "filled_answer", "noun_phrase", "picks"]

_MAX_FILLER = 12
"""Characters: an answer longer than a short noun phrase says what it says by itself."""
_OPENERS = frozenset({"感動詞", "接続詞"})
_TRAILING = frozenset({"助詞", "助動詞"})
_NOUNS = frozenset({"名詞", "代名詞"})
# What closes the question after its predicate: 「叩かれたの」「叩かれたのかな」「されたんですか」.
_QUESTION_END = re.compile(
    r"(んですか|のですか|でしたか|ですか|ますか|のかな|かな|んだ|だった|でした|の|か)+$"
)
# 「体のどのあたりでしたか」「どの辺？」: どの with a word for a place asks where.
_PLACE_WORDS = frozenset({"辺り", "あたり", "辺", "へん", "部分", "場所", "所", "ところ", "とこ"})


@dataclass(frozen=True)
class Filled:
    """The question said with the answer in it, and where the answer's words are in it: what
    is found there must reach into them (the question's words alone found nothing)."""

    text: str
    answer: tuple[int, int]

    def answers(self, start: int, end: int) -> bool:
        """Whether the words at ``start:end`` of :attr:`text` reach into the answer's."""
        return start < self.answer[1] and end > self.answer[0]


def filled_answer(question: str, answer: str) -> Filled | None:
    """The question with its どこ / 何で replaced by the answer's noun phrase, or None when the
    question asks neither or the answer is no short noun phrase (「わからない」, a sentence)."""
    asked = acts_of(question)
    tokens = asked.analysis.tokens
    place = next((i for i, t in enumerate(tokens) if _asks_where_or_with_what(tokens, i)), None)
    if place is None:
        return None
    if tokens[place].lemma in ("どの", "何の"):
        place += 1  # the question word is どの + its place word
    sentence = next(s for s in asked.sentences if s.first <= place <= s.last)
    if sentence.kind != "question":
        return None
    end = tokens[sentence.last].end
    rest = asked.analysis.text[tokens[place].end : end]
    if tokens[place].lemma == "何":
        rest = rest[1:] if rest.startswith("で") else rest  # 何で → (tool)で
        rest = "で" + rest
    rest = _QUESTION_END.sub("", re.sub(r"^(らへん|ら辺|ら)", "", rest))  # どこらへん
    if not rest:
        # 「叩かれるのは、体のどこですか」: the act stands before のは, the place after it.
        rest = "を" + _topic_clause(
            asked.analysis.text[tokens[sentence.first].begin : tokens[place].begin]
        )
    filler = noun_phrase(answer)
    if filler is None or rest in ("", "を"):
        return None
    return Filled(text=filler + rest, answer=(0, len(filler)))


_DONE_TO = re.compile(
    r"(?P<part>(首|くび|のど|喉|口|くち|鼻|はな|顔|かお|頭|あたま)(の|ん)?(ところ|とこ|まわり|周り|あたり)?)"
    r"[、,\s]*(に|を|は|って)?[、,\s]*(なにか|何か|なんか)[^。？?]{0,3}(され|やられ)"
)
"""A question whether something was done to a part of the body (「首のところ、なにかされた？」)."""
_WHAT_HAPPENED = re.compile(
    r"(?P<part>(首|くび|のど|喉|口|くち|鼻|はな|顔|かお|頭|あたま)(の|ん)?(ところ|とこ|まわり|周り|あたり)?)"
    r"[^。？?]{0,16}?(どうしたの|どうしたん|どうした|何があった|なにがあった"
    r"|(どんな|どういう)(ふう|風)に(され|やられ)|どうやって(され|やられ)|どう(され|やられ)"
    r"|(なに|何)を?(され|やられ))"
)
"""A question what happened to a part of the body (「首のところ、赤いけど、どうしたの？」), or
how it was done (「首は、どんなふうにされたの？」「首のところ、どうされたのかな」)."""
_PART_DONE = re.compile(
    r"(?P<part>(首|くび|のど|喉|口|くち|鼻|はな|顔|かお|頭|あたま)(の|ん)?(ところ|とこ|まわり|周り|あたり)?)"
    r"[、,\s]*(を|は|に|って)?[、,\s]*[^。？?]{0,6}(され|やられ|られ)[^。？?]{0,6}[？?]"
)
"""A question whether a named act was done to a part of the body (「首、さわられた？」)."""
_DONE_INSTEAD = re.compile(r"[^。？?、]{1,8}(られ|され)(た|て|ました)[。！!…]*$")
"""A short answer that names another act done (「……しめられた。」)."""
_PAUSES = r"[…‥.．、。\s]*"
"""Pauses before a yes (「……うん」)."""
_KINDLY = re.compile(r"くれ|もらっ|もらう|マッサージ|なで|撫で|手当")
"""What was done for the child, not to it (「ぎゅってしてくれる」)."""
_MAX_HOW = 16
"""Characters: how it was done, said in a few words in the sentence after the yes."""


def acted_on(question: str, answer: str, yes_words: Sequence[str]) -> Filled | None:
    """「首のところ、なにかされたことある？」「……うん。手で、ぐって。」 said as one, the question's
    part of the body first: 「首のところを、手で、ぐって。」. None unless the question asks
    whether something was done to a part of the body and the answer opens with one of
    ``yes_words`` (the sheet's ``affirm`` words), or the question asks what happened to it
    (「首のところ、赤くなってるけど、どうしたの？」「ぎゅって、されたの。おとうさんに」), and
    the answer goes on with a sentence of a few words of how (who did it may follow)."""
    asked = _DONE_TO.search(question)
    yes = _yes(tuple(yes_words)).match(answer)
    if asked is not None and yes is not None:
        rest = answer[yes.end() :]
    else:
        asked = _WHAT_HAPPENED.search(question)
        opening = re.match(_PAUSES, answer)
        if asked is None or opening is None:
            return _done_instead(question, answer)
        rest = answer[opening.end() :]
    how = re.split(r"(?<=[。！!？?])", rest.strip(), maxsplit=1)[0]
    if not how or len(how) > _MAX_HOW or _KINDLY.search(how):
        return None
    part = asked.group("part") + "を、"
    return Filled(text=part + how, answer=(len(part), len(part + how)))


def _done_instead(question: str, answer: str) -> Filled | None:
    """「首、さわられた？」「……しめられた。」: the answer names the act done to the part asked
    about, in place of the one the question named; said after the part as one."""
    asked = _PART_DONE.search(question)
    opening = re.match(_PAUSES, answer)
    if asked is None or opening is None:
        return None
    how = answer[opening.end() :].strip()
    if not _DONE_INSTEAD.fullmatch(how) or _KINDLY.search(how):
        return None
    part = asked.group("part") + "を、"
    return Filled(text=part + how, answer=(len(part), len(part + how)))


@functools.cache
def _yes(words: tuple[str, ...]) -> re.Pattern[str]:
    """One of ``words`` opening an answer after pauses, with the pauses that follow it; the
    longest word first (「あるよ」 before 「ある」)."""
    spelled = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True) if w)
    return re.compile(rf"^{_PAUSES}(?:{spelled})[、。…！!\s]*")


def _topic_clause(before: str) -> str:
    """The clause a question puts as its topic with のは or ところは (「叩かれるのは、体の」 →
    叩かれる); "" when there is none."""
    # 「叩かれるのは」「叩かれたところは」「叩かれた場所は」
    for topic in ("ところは", "とこは", "場所は", "のは"):
        at = before.rfind(topic)
        if at > 0:
            return before[:at]
    return ""


def _asks_where_or_with_what(tokens: tuple[Token, ...], index: int) -> bool:
    token = tokens[index]
    if token.lemma in ("どこ", "何処"):
        return True
    following = tokens[index + 1].surface if index + 1 < len(tokens) else ""
    if token.lemma in ("どの", "何の") and index + 1 < len(tokens):
        return tokens[index + 1].lemma in _PLACE_WORDS or following in _PLACE_WORDS
    return token.lemma == "何" and following == "で"


def noun_phrase(answer: str) -> str | None:
    """The answer's first sentence when it is a short noun phrase (fillers and a closing
    particle or copula dropped: 「えっと、顔です」 → 顔, 「ほっぺとか」 → ほっぺ)."""
    acts = acts_of(answer)
    if not acts.sentences:
        return None
    tokens = acts.analysis.tokens
    first = acts.sentences[0]
    start, last = first.first, first.last
    while start <= last and tokens[start].pos0 in _OPENERS:
        start += 1
    while last >= start and tokens[last].pos0 in _TRAILING:
        last -= 1
    if last < start or tokens[last].pos0 not in _NOUNS:
        return None
    if any(t.pos0 in ("動詞", "形容詞") for t in tokens[start : last + 1]):
        return None
    text = acts.analysis.text[tokens[start].begin : tokens[last].end]
    return text if 0 < len(text) <= _MAX_FILLER else None


def picks(noun: str, asked: str) -> bool:
    """Whether the answer's ``noun`` names one of the things in the ``asked`` words, as
    written or as read (「……くち」 picks 口をふさがれ, 「みずのほう」 picks 水に顔をつけられ)."""
    noun = re.sub(r"(のほう|の方|ほう|方)$", "", noun)
    if not noun:
        return False
    if noun in asked:
        return True
    said = acts_of(noun).analysis.reading
    return len(said) >= 2 and said in acts_of(asked).analysis.reading
