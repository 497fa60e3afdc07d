"""Finding the sub-items' cues in one utterance: phrases, patterns and the child's age.

Phrases go through the knowledge engine's :class:`~consult_assist.knowledge.phrase.PhraseSet`
(surface, lemma, reading and near reading, so ASR spellings such as 首を閉められた still
meet 首を絞め); patterns are regular expressions over the same normalised text, so every hit
is a span of :attr:`Analysis.text` whose speech act :mod:`~consult_assist.knowledge.acts` can
tell. The child's age comes from the checklist's slot extraction (3歳, 生後5か月).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from consult_assist.knowledge.acts import acts_of, rather_at
from consult_assist.knowledge.phrase import PhraseOptions, PhraseSet, Target
from consult_assist.knowledge.slots import extract
from consult_assist.knowledge.text import Analysis, Token
from consult_assist.risk.patterns import PatternSet
from consult_assist.risk.riskfile import RiskSheet, RiskSubitem

__all__ = ["INFANT", "INFANT_MAX_AGE", "CueMatcher", "Found", "Hit", "takes_back"]

INFANT = "infant_or_vulnerable_child"
INFANT_MAX_AGE = 5
"""乳幼児: a child not yet at primary school (up to 5 years old)."""
_YEARS = re.compile(r"^(\d{1,2})歳$")
_CORRECTED_AGE = re.compile(
    r"(歳|才|さい)[^。]{0,12}?(ごめんなさい|すみません|すいません|間違い|まちがい|"
    r"じゃなくて|ではなくて|って言いましたけど|と言いましたが|って言ったけど)"
)
_AGE_WORD = re.compile(r"(歳|才|さい|か月|カ月|ヶ月)")
_AGE_NUMBER = re.compile(r"(\d{1,2}|[一二三四五]|[いにさよご][っんょ]?さい)")
# The number with its unit first (「この子三歳になった」), so 一緒 is not taken for 一.
_AGE_WITH_UNIT = re.compile(
    r"(\d{1,2}|[一二三四五]|[いにさよご][っんょ]?)(歳|才|さい|か月|カ月|ヶ月)"
)
# Stricter near matching than attention words: a cue ticks a box on the sheet, and a loose
# near match fired on unrelated words (仕事クビ for 自業自得).
_OPTIONS = PhraseOptions(fuzzy_score=90.0, fuzzy_min_key=6)
# Rumour words silence a whole sentence: they match exactly (surface, lemma, reading), never
# near (鼻血出た was heard as って話してた and a child's own report of a blow was dropped).
_EXACT = PhraseOptions(fuzzy_min_key=10_000)
# 「噂じゃなくて、実際に見たんです」: a rumour word denied at once makes no rumour.
_NOT_SO = ("じゃなく", "ではなく", "じゃない", "ではない")
# What sets a 違う apart as the speaker's own correction.
_PAUSE = frozenset("、，,。．.…！!？? \u3000")
_RETRACTING = ("いうか", "言うか", "いや")
_SAID_BUT = re.compile(
    r"[^。]{0,3}?(って|と)?(言い|いい|言っちゃい|いっちゃい)ました(けど|が)|"
    r"[^。]{0,6}?(と|って)(先ほど|さきほど|さっき)?(申し|もうし)ました(けど|が)|"
    r"[^。]{0,3}?(って|と)?(言う|ゆう|いう)た(けど|けれど|が)|"
    r"[^。]{0,3}?(って|と)(さっき|さきほど|先ほど|今|いま)?(言っ|いっ|言っちゃっ|いっちゃっ)た"
    r"(んです|んだ|んですが)?(けど|けれど|けんど|けども|が)|"
    r"[^。]{0,3}?(って|と)(言っ|いっ)たの(は)?|"
    r"[^。]{0,4}?(って|と)(思っ|おもっ)た(んです|んだ|とです)?(けど|けれど|が)|"
    # 「ぐったりしてるように見えたんですけど」「首を絞めてるって思ったら、」: what it looked like.
    r"[^。]{0,4}?(よう|ふう)に(見え|みえ)た(んです|んだ)?(けど|けれど|が)|"
    r"[^。]{0,4}?(って|と)(思っ|おもっ)たら"
)
_WHO_SAID_IT = re.compile(
    r"[』」]?(って|と)(言っ|いっ)たのは[^。]{1,16}?(じゃなく|ではなく)て[^。]{0,12}?"
    r"(子|弟|妹|娘|息子|兄|姉|赤ちゃん|孫|ちゃん|くん|本人)(の方|のほう|です|だ|や|で)"
    r"|[^。]{0,6}?(いや|いえ)?(やった|した)(ん)?のは[^。]{1,8}?(じゃなく|ではなく)て[^。]{0,6}?"
    r"(嫁|妻|夫|旦那|母親|父親|彼氏|母|父|ママ|パパ|お母さん|お父さん|祖母|祖父)"
    r"(の方|のほう|です|だ|や)"
)
"""「『死にたい』って言ったのは娘じゃなくて、孫本人です」「首絞められたのは。……いや、やったのは
俺じゃなくて嫁だ」: who said the words, or who did it, is put right; the words stand."""
_PUT_RIGHT = re.compile(
    r"すみません|すいません|ごめん|間違い|まちがい|違いました|ちがいました|実は|じつは|"
    r"今見たら|いま見たら|よく見たら|だけでした|だけです|だけだった|だけ$|じゃなくて|ではなくて|訂正|"
    r"言い方が悪|いいかたがわる|言い過ぎ|いいすぎ|大げさ|おおげさ|"
    r"だけみたい|だけやわ|だけやった|だけっぽ|だけらしい|見間違い|みまちがい|違うた|ちごうた|"
    r"ただの(お昼寝|昼寝|居眠り|いねむり)|"
    r"聞き直したら|ききなおしたら|見てもらったら|診てもらったら|(打撲|捻挫|打ち身|すり傷)だけ|"
    # 「骨折って言いましたけど、レントゲン撮ったら折れてなくて」: what was found after.
    r"たら[^。]{0,6}?て(なく|なかっ|ません)|"
    r"違うんです|ちがうんです|違います|ちがいます|よくよく聞いたら|よく聞いたら|聞いてみたら|"
    # 「…って言ったけど、ちがうさ、寝てただけ」「…言いましたけど、ちゃいます」: dialect.
    r"ちゃいます|ちゃうんです|ちゃうねん|ちゃうよ|(ちがう|違う)(さ|よ|わ|ちゃ|けん)|(寝て|ねて)ただけ|"
    r"(寝で|ねで)ただ(げ|け)"
)
# 「プールで友達にふざけて沈められた」: done by another child (the agent just before the
# words, nothing else named in between), or by a stranger online (「知らない人に、死ねとか首しめる
# ぞとか」), not by a carer; the sheet is about carers.
_MET_THERE = (
    "知り合",
    "しりあ",
    "出会",
    "であっ",
    "見つけ",
    "みつけ",
    "負け",
    "まけ",
    "勝っ",
    "勝て",
)
"""「ネットで知り合った人の家で」「娘の自撮りをネットで見つけて」「ゲームで負けたとき」: where the
caller met someone or found something, or when it happened, not a story heard there."""
_FROM_THE_CHILD = re.compile(
    r"(生徒|本人|児童|子ども|子供|こども|孫|娘|息子|ちゃん|くん|先生|担任|保育士)(さん)?から(直接)?$"
)
"""「中一の女子生徒から聞いた話です」「娘が保育園の先生から聞いた話」: told by the child, or by
who looks after the child, not a story going round."""
_CANDOUR = re.compile(
    r"^(正直に言うと|正直言うと|正直に言えば|正直|実は|じつは|まあ|まぁ|うーん|んー|えっと|えーと)"
)
"""Words of candour or hesitation before a yes or a no (「……正直、あります」「……まあ、ある」),
which stay the answer."""
_PEER_AGENT = re.compile(
    r"(友達|友だち|ともだち|同級生|クラスメート|クラスメイト|クラスの子|先輩|後輩|知らない人|"
    r"見知らぬ人|ネットの人)(たち|ら)?に[^に。]{0,6}$"
)
# 「…叩いてて…いや、あれ叩いてたんじゃなくて、肩たたきしてただけ」: a no at once, then what
# it was not.
_ONLY_ASLEEP = re.compile(
    r"[^。]{0,8}?(ごめんなさい|ごめん|すみません|すいません|いや|いえ|ちゃう|ちがう|違う)[^。]{0,20}?"
    r"(寝て|ねて|寝と|ねと|眠って|ねむって|遊んで|あそんで|ふざけて)(た|いた|る|い|った)?だけ"
    r"|[^。]{0,8}?(ごめんなさい|ごめん|すみません|すいません|いや|いえ)[^。]{0,20}?のは[^。]{0,4}?"
    r"(犬|猫|いぬ|ねこ|イヌ|ネコ|ペット|人形|ぬいぐるみ)"
    r"|[^。]{0,6}?のは[^。]{0,4}?(犬|猫|いぬ|ねこ|イヌ|ネコ|ペット|人形|ぬいぐるみ)(で|です|だ|や|のこと)"
)
"""「ぐったりしてて、あ、ごめんなさい、寝てただけでした」「あ、いや、寝とっただけやわ」: an alarm
the speaker puts right at once with what the child was only doing, or with who it really was
(「…あ、すみません、ぐったりしてたのはうちの犬で」)."""
_NOT_THAT = re.compile(
    r"[^。]{0,4}?(いや|いえ)(あれ|それ)?(は)?[^。]{0,10}?(ってほど|ほど)?(じゃなく|ではなく|じゃな|ではな)"
    # 「上の子が施設に…あ、いえ、施設じゃなくて」「ぐったり…いや、ぐったりってほどじゃない」: the
    # word itself denied at once.
    r"|(ってほど|ほど)?(じゃなく|ではなく)"
    # 「赤ちゃんが泣きやまないって言いましたけど、よく聞いたら、…テレビの音でした」: a whole
    # clause said, then heard again.
    r"|[^。]{0,12}?(って|と)(言い|いい)ました(けど|が)[^。]{0,3}?(よく聞いたら|よく見たら|よくよく聞いたら|"
    r"今見たら|いま見たら|勘違い|かんちがい|聞き間違い|見間違い)"
    # 「『お風呂に沈められた』っていうのは私の聞き間違いで」
    r"|[ぁ-ん]{0,3}?[』」]?(って|と)(いう|言う|ゆう)の(は)[^。]{0,6}?(聞き間違い|ききまちがい|見間違い|勘違い|かんちがい)"
    # 「骨折して…いや、骨折ちゃうかったわ、捻挫やった」「置いてかれて…あ、いや、…一緒に
    # おったんです、私の勘違いで」「酒飲んで…いや、あれノンアルやった」: put right at once, in
    # Kansai words or by calling it a mistake.
    r"|[^。]{0,8}?(いや|いえ)[^。]{0,12}?(ちゃうかった|ちゃいました|ちごた|ちごうた|ちゃうくて)"
    r"|[^。]{0,8}?(いや|いえ)[^。]{0,30}?(勘違い|かんちがい|記憶違い|聞き間違い|見間違い)"
    r"|[^。]{0,8}?(いや|いえ)(あれ|それ)?(は)?[^。]{0,4}?(ノンアル)"
    # 「骨折ちゃうかった」: the word itself denied in Kansai words (not しちゃう: no past).
    r"|(ちゃうかった|ちゃうくて)"
    # 「ぐったり……じゃないです、すみません、言い間違い」: the word denied and called a slip.
    r"|(じゃない|ではない|じゃありません|ではありません)(です)?[^。]{0,8}?"
    r"(言い間違|いいまちが|言いまちが|間違え|まちがえ)"
)


@dataclass(frozen=True)
class Hit:
    """One sub-item found at ``text[start:end]`` of the analysed (normalised) text."""

    subitem: str
    start: int
    end: int
    matched: str


@dataclass(frozen=True)
class Found:
    """What one utterance holds: the hits and the context around them."""

    analysis: Analysis
    hits: tuple[Hit, ...]
    required: frozenset[str]
    """Sub-items whose ``requires`` words occur in the utterance."""
    rumour: bool
    """A rumour or another person's story: nothing in it counts."""
    child_words: bool
    carer_words: bool
    affirms: bool
    denies: bool
    unknown: bool
    """The utterance starts as a yes / a no / an "I don't know"."""
    absent: tuple[Hit, ...] = ()
    """Where the utterance asks whether something is there that a no makes a box
    (:attr:`RiskSubitem.absent`)."""


class _Group:
    """Phrases (each tagged with a name) compiled into one :class:`PhraseSet`."""

    def __init__(
        self,
        tagged: list[tuple[tuple[str, str], str]],
        options: PhraseOptions = _OPTIONS,
        *,
        literal: bool = False,
    ) -> None:
        self.tags = [tag for tag, _ in tagged]
        phrases = [phrase for _, phrase in tagged]
        self.phrases = PhraseSet(phrases, options) if tagged else None
        self.literal = literal
        """Only as written or read (:meth:`PhraseSet.find_literal`): for exceptions."""

    def find(self, target: Target) -> list[tuple[tuple[str, str], int, int]]:
        if self.phrases is None:
            return []
        found = self.phrases.find_literal(target) if self.literal else self.phrases.find(target)
        return [(self.tags[n], s.start, s.end) for n, s in found]


class CueMatcher:
    """The cues of a whole risk sheet, compiled once and shared by every call."""

    def __init__(self, sheet: RiskSheet) -> None:
        self.sheet = sheet
        # An item's own cues act as one more box of it, named by the item's id.
        boxes = [
            *sheet.subitems,
            *(
                RiskSubitem(id=i.id, label=i.label, items=(i.id,), cues=i.cues, patterns=i.patterns)
                for i in sheet.items
                if i.cues or i.patterns
            ),
        ]
        self.subitems: dict[str, RiskSubitem] = {s.id: s for s in boxes}
        context = sheet.context
        # One phrase set for the sheet's cues and required words, one (exact, and literal)
        # for the exceptions, one (exact) for the context words.
        self._phrases = _Group(
            [(("cue", s.id), c) for s in boxes for c in s.cues]
            + [(("requires", s.id), r) for s in boxes for r in s.requires]
        )
        self._exceptions = _Group(
            [(("except", s.id), e) for s in boxes for e in s.exceptions], _EXACT, literal=True
        )
        self._absent = _Group([(("absent", s.id), a) for s in boxes for a in s.absent], _EXACT)
        self._context = _Group(
            [(("context", "rumour"), w) for w in context.rumour]
            + [(("context", "child"), w) for w in context.child_words],
            _EXACT,
            # As written or read: by lemma 「人たちが話して」 met 「ほかの人と話してた」 and
            # silenced a neighbour's own report of the child's age.
            literal=True,
        )
        # As written only: read aloud, the recognizer's 「子供家（庭支援センター）」 in a mono
        # call's greeting sounds like 子供が and made the caller a carer.
        # Not after 孫: a grandparent's 「孫娘が」 names a grandchild, not the caller's own child.
        self._rumour_words = frozenset(_norm(w) for w in context.rumour)
        self._carer_words = re.compile(
            "|".join(f"(?<!孫){re.escape(_norm(w))}" for w in context.carer_words) or "(?!)"
        )
        self.patterns = PatternSet([(s.id, p) for s in boxes for p in s.patterns], re.IGNORECASE)
        self._yields = [(s.id, s.yields_to) for s in boxes if s.yields_to]
        """Boxes whose words are part of others' (:attr:`RiskSubitem.yields_to`)."""
        self._except_patterns = PatternSet(
            [(s.id, p) for s in boxes for p in s.except_patterns], re.IGNORECASE
        )
        self._starts = {
            "affirm": tuple(_norm(w) for w in context.affirm),
            "deny": tuple(_norm(w) for w in context.deny),
            "unknown": tuple(_norm(w) for w in context.unknown),
        }

    def _misread_rumour(self, words: str) -> bool:
        """A rumour word found only by how two characters read (「机の上さ」 read うわさ, 噂):
        too short to trust as read, so only as written."""
        return len(words) < 3 and words not in self._rumour_words

    def find(self, text: str) -> Found:
        """The sub-items ``text`` names, with its context (nothing about speakers or acts)."""
        analysis = acts_of(text).analysis  # the analysis the speech acts are read from
        target = Target(analysis)
        plain = analysis.text
        spans: dict[str, list[tuple[int, int]]] = {}
        found = (
            self._phrases.find(target) + self._context.find(target) + self._exceptions.find(target)
        )
        for (kind, sub), start, end in found:
            if kind == "cue":
                spans.setdefault(sub, []).append((start, end))
        for sub, match in self.patterns.finditer(plain):
            # A pattern may name the words that are the evidence (?P<hit>…): what comes
            # before them is context that must be there, often in an earlier sentence
            # (「お風呂でね、ママに頭を…入れられた」), whose act must not become theirs.
            start, end = match.span("hit") if "hit" in match.re.groupindex else match.span()
            if end > start:
                spans.setdefault(sub, []).append((start, end))
        age = _age_hit(text, plain)
        if age is not None:
            spans.setdefault(INFANT, []).append(age)
        unsaid = [(sub, start, end) for (kind, sub), start, end in found if kind == "except"]
        unsaid += [(sub, *m.span()) for sub, m in self._except_patterns.finditer(plain)]
        for sub, start, end in unsaid:
            spans[sub] = [s for s in spans.get(sub, []) if not (start <= s[0] < end)]
        for sub, others in self._yields:
            for other in others:
                # 「浴槽に顔をつけられて」: the face in the water is drowning only.
                spans[sub] = [
                    s
                    for s in spans.get(sub, [])
                    if not any(o[0] < s[1] and s[0] < o[1] for o in spans.get(other, []))
                ]
        hits = [
            Hit(sub, start, end, plain[start:end])
            for sub, found in spans.items()
            for start, end in _merge(found)
            if not _taken_back(analysis, end)
            # a thought is no one's act: 「友だちにLINEで『消えたい』って送ってた」
            and (self.subitems[sub].thoughts or not _PEER_AGENT.search(plain[:start]))
        ]
        context = {
            sub
            for (kind, sub), start, end in found
            if kind == "context"
            and not (
                sub == "rumour"
                and (
                    plain.startswith(_NOT_SO, end)
                    or plain.startswith(_MET_THERE, end)
                    or (
                        plain[start:end].startswith("聞いた話")
                        and _FROM_THE_CHILD.search(plain, 0, start) is not None
                    )
                    or self._misread_rumour(plain[start:end])
                )
            )
        }
        opening = _CANDOUR.sub("", plain, count=1)
        starts = {name: opening.startswith(words) for name, words in self._starts.items()}
        return Found(
            analysis=analysis,
            hits=tuple(sorted(hits, key=lambda h: (h.start, h.subitem))),
            required=frozenset(sub for (kind, sub), _, _ in found if kind == "requires"),
            rumour="rumour" in context,
            child_words="child" in context,
            carer_words=self._carer_words.search(plain) is not None,
            affirms=starts["affirm"],
            denies=starts["deny"],
            unknown=starts["unknown"] or any(w in plain for w in self._starts["unknown"]),
            absent=tuple(
                Hit(sub, start, end, plain[start:end])
                for (_, sub), start, end in self._absent.find(target)
            ),
        )


def _taken_back(analysis: Analysis, end: int) -> bool:
    """Whether the speaker takes back the words ending at ``end`` at once: 「首しめられた…
    っていうか、ちがう、服をつかまれただけ」. A 違う that only describes (「違う日に」) does not."""
    rest = [t for t in analysis.tokens if t.begin >= end]
    after = rest[:8]
    if (_rather(after) and not _only_says_how(rest)) or _said_then_corrected(analysis, end):
        return True
    for index, token in enumerate(after):
        next_word = after[index + 1].surface if index + 1 < len(after) else ""
        then = rest[index + 2].surface if index + 2 < len(rest) else ""
        # 「うそじゃない」 is no lie; Hiroshima 「うそじゃ」 is one.
        not_a_lie = next_word in ("じゃ", "では") and then.startswith(("ない", "なく", "あり"))
        if token.lemma in ("嘘", "うそ") and not not_a_lie:
            # 「首しめられたって言ったの、あれ、うそ」: what the speaker said was a lie.
            return any(t.lemma == "言う" for t in after[:index])
        if token.lemma != "違う" or token.pos0 != "動詞" or index >= 6:
            continue
        if _names_a_word_again(after[:index]):
            return False
        set_apart = index + 1 == len(after) or any(c in _PAUSE for c in token.after)
        before = "".join(t.surface for t in after[:index])
        # 「沈められたって、あ、違います」: the って of the words themselves comes first.
        # 「裸で外に出されてて…あ、違った」: so may the て of a verb going on.
        bare = re.sub(r"^(た|だ|てて|てた|てる|て)?(って|と)?", "", before)
        hedged = bare in ("あ", "いや") or any(w in before for w in _RETRACTING)
        return set_apart or hedged
    return False


def _names_a_word_again(before: list[Token]) -> bool:
    """Whether the 違う after ``before`` puts right a bare noun said on its own after a pause,
    not the words before it: 「起きんのや、じいちゃん…ちゃう、お姉ちゃんやけど」 corrects who
    is speaking; the child still does not wake."""
    pauses = [i for i, t in enumerate(before[:-1]) if t.after[:1] and t.after[0] in _PAUSE]
    if not pauses:
        return False
    named = before[pauses[-1] + 1 :]
    return all(t.pos0 in _NOUNISH for t in named)


_NOUNISH = frozenset({"名詞", "代名詞", "接尾辞", "接頭辞"})


def _said_then_corrected(analysis: Analysis, end: int) -> bool:
    """「ぐったりしてるって言いましたけど、今見たら、泣きだしました」「骨折って言いましたけど、
    すみません、打撲だけでした」: the speaker's own earlier words, put right at once."""
    rest = analysis.text[end:]
    if _WHO_SAID_IT.match(rest):
        return False
    if _NOT_THAT.match(rest) or _ONLY_ASLEEP.match(rest):
        return True
    return _put_right(rest, _SAID_BUT.match(rest))


def takes_back(text: str) -> bool:
    """Whether a turn takes back what its speaker said before (「あ、いや、寝とっただけやわ」,
    「すみません、ぐっすり寝てるだけでした」, 「さっき叩いたって言いましたけど、違うんです」): the
    same words that put an alarm right within its own turn, heard in a later one."""
    return _ONLY_ASLEEP.search(text) is not None or _put_right(text, _SAID_BUT.search(text))


def _put_right(text: str, said: re.Match[str] | None) -> bool:
    """Whether what the speaker said they said (``said``) is put right just after it."""
    return said is not None and _PUT_RIGHT.search(text, said.end(), said.end() + 24) is not None


def _only_says_how(rest: list[Token]) -> bool:
    """Whether what follows 「っていうか」 up to the end of its sentence names no act of its own
    (no verb, no adjective): 「首絞められたっていうか、タオルで、後ろから。」 says how it was
    done; 「…っていうか、ちがう、服をつかまれただけ」 replaces it."""
    start = _rather_at(rest)
    if start is None:
        return False
    for token in rest[start + 3 :]:
        if token.pos0 in ("動詞", "形容詞"):
            return False
        if any(c in _SENTENCE_END for c in token.after):
            break
    return True


_SENTENCE_END = frozenset("。．.！!？?")


def _rather(after: list[Token]) -> bool:
    """「手を上げるっていうか、殺しちゃうかもって」: what comes before っていうか / というか is
    replaced by what follows it (a trailing 「…残ってないっていうか……」 still stands)."""
    index = _rather_at(after)
    return index is not None and index + 3 < len(after)


def _rather_at(tokens: list[Token]) -> int | None:
    """Where 「っていうか」 starts among the first three tokens; None if it does not."""
    return next((i for i in range(3) if rather_at(tokens, i)), None)


def _norm(word: str) -> str:
    return Target.of(word).analysis.text or word


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _age_hit(text: str, plain: str) -> tuple[int, int] | None:
    """The whole utterance, when it gives a child's age of at most five years (3歳, 二歳)."""
    value = extract("age", text)
    if value is None:
        return None
    corrected = _CORRECTED_AGE.search(text)
    if corrected is not None:
        # 「妹は3歳、あ、ごめんなさい、13歳です」「4歳って言ったの、小4の間違い」: the age
        # said before the correction is not the child's; only one said after it counts.
        after = text[corrected.end() :]
        value = extract("age", after) if _AGE_WORD.search(after) else None
        if value is None:
            return None
    years = _YEARS.match(value.value)
    if years is None or int(years.group(1)) > INFANT_MAX_AGE:
        return None
    # The span of the age itself is not kept by the slot extractor; the number is found
    # again where it can be, else the whole text stands for it.
    marker = _CORRECTED_AGE.search(plain) if corrected is not None else None
    start = marker.end() if marker is not None else 0
    with_unit = _AGE_WITH_UNIT.search(plain, start)
    if with_unit is not None:
        return with_unit.span()
    found = _AGE_NUMBER.search(plain, start)
    if found is None:
        return (start, len(plain))
    end = min(len(plain), found.end() + 2)
    return (found.start(), end)
