"""Values of checklist slots taken from an answer: age and sex, name, place, contact, relation.

Pure functions over recognised text. Numbers are normalised first, whatever the recogniser
wrote: arabic (3歳), full-width (３歳), kanji (三歳, 十一歳, 二百二号室) or kana (さんさい,
じゅういっさい), so 「3歳くらいの男の子です」 and 「さんさいくらいの男の子です」 both give
``3歳`` and ``男``. Names come from Sudachi's person-name tags: a given name (ゆうと,
はるとくん) is a child's name, a bare surname (「山田です」) is the caller introducing
themselves and is not.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from consult_assist.knowledge.text import Analysis, Token, analyse

__all__ = [
    "SLOTS",
    "Slot",
    "SlotValue",
    "digits",
    "extract",
    "kanji_number",
]

Slot = Literal["age", "name", "place", "contact", "relation"]
SLOTS: tuple[Slot, ...] = ("age", "name", "place", "contact", "relation")


@dataclass(frozen=True, kw_only=True)
class SlotValue:
    """A value found in an utterance, normalised for the record (3歳, 小学4年, この携帯…)."""

    value: str
    sex: str = ""
    """男/女 when the words say it (age slot only)."""


_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_KANJI_DIGITS |= {"七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_RUN = re.compile(r"[〇零一二三四五六七八九十百千]+")

# Kana numbers before a counter: the sound changes (いっさい, はっさい, じゅっさい) included.
_KANA_ONES = {
    1: ("いち", "いっ"),
    2: ("に",),
    3: ("さん",),
    4: ("よん", "よ"),
    5: ("ご",),
    6: ("ろく", "ろっ"),
    7: ("なな", "しち"),
    8: ("はち", "はっ"),
    9: ("きゅう", "く"),
}
# さい in kana must end the phrase (いっさいです, さんさいくらい): 「いっさい飲まない」 is 一切.
_KANA_COUNTERS = (
    r"(?=(?:さい(?=$|[のでにくぐだか半とじや、。，,！？!?\s…]|な[んの])"
    r"|歳|才|かげつ|か月|カ月|ヶ月|ねんせい|年生|ねん|年))"
)


def _kana_numbers() -> list[tuple[str, int]]:
    words: list[tuple[str, int]] = []
    for tens, tens_words in ((0, ("",)), (10, ("じゅう", "じゅっ", "じっ"))):
        for one, spellings in (((0, ("",)),) if tens else ()) + tuple(_KANA_ONES.items()):
            for ten_word in tens_words:
                for spelling in spellings:
                    word = ten_word + spelling
                    if word and not (ten_word in ("じゅっ", "じっ") and spelling):
                        words.append((word, tens + one))
    # Longest first, so じゅういっ is read before いっ.
    return sorted(set(words), key=lambda w: -len(w[0]))


_KANA_NUMBER = re.compile("(" + "|".join(w for w, _ in _kana_numbers()) + ")" + _KANA_COUNTERS)
_KANA_VALUE = dict(_kana_numbers())


def kanji_number(text: str) -> int | None:
    """The value of a kanji numeral (三, 十一, 二百二, 一二三 read digit by digit); None if
    ``text`` is not one."""
    if not text or any(c not in _KANJI_DIGITS and c not in _KANJI_UNITS for c in text):
        return None
    if not any(c in _KANJI_UNITS for c in text):
        return int("".join(str(_KANJI_DIGITS[c]) for c in text))
    total = current = 0
    for char in text:
        if char in _KANJI_DIGITS:
            current = _KANJI_DIGITS[char]
        else:
            total += (current or 1) * _KANJI_UNITS[char]
            current = 0
    return total + current


def digits(text: str) -> str:
    """``text`` NFKC-normalised with kanji numerals, and kana numbers before a counter, as
    arabic digits (十一歳 -> 11歳, さんさい -> 3さい, 〇九〇 -> 090)."""
    folded = unicodedata.normalize("NFKC", text)
    folded = _KANA_NUMBER.sub(lambda m: str(_KANA_VALUE[m.group(1)]), folded)

    def kanji(match: re.Match[str]) -> str:
        run = match.group(0)
        if not any(c in _KANJI_UNITS for c in run):
            # Read digit by digit (a phone number keeps its leading zero).
            return "".join(str(_KANJI_DIGITS[c]) for c in run)
        value = kanji_number(run)
        return run if value is None else str(value)

    return _KANJI_RUN.sub(kanji, folded)


_AGE = re.compile(r"(\d{1,2})\s*(?:歳|才|さい)")
# 「ここ1か月くらい」「3か月前から」 tell how long, not how old.
_MONTHS = re.compile(
    r"(?<!ここ)(?<!この)(\d{1,2})\s*(?:か月|カ月|ヶ月|ケ月|箇月|かげつ)"
    r"(?!(?:くらい|ぐらい|ほど)?(?:前|間|ぶり|後|以上|経))"
)
_SCHOOL_YEAR = re.compile(r"(小学|中学|高校)(?:校)?\s*(\d)\s*(?:年|ねん)")
_SCHOOL = re.compile(r"(小学|中学|高校)生")
_GRADE = re.compile(r"(?<![小中高学])(\d)\s*(?:年生|ねんせい)")
# Each pattern and how its value is written in the record, most specific first.
_AGE_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (_SCHOOL_YEAR, "{0}{1}年"),
    (_MONTHS, "{0}か月"),
    (_AGE, "{0}歳"),
    (_GRADE, "小学{0}年"),
    (_SCHOOL, "{0}生"),
)
_STAGES = (
    ("幼稚園", "幼稚園児"),
    ("保育園", "保育園児"),
    ("赤ちゃん", "乳児"),
    ("乳児", "乳児"),
    ("未就学", "未就学児"),
)
_BOY = ("男の子", "息子", "男児", "長男", "次男", "男子", "お兄ちゃん", "弟")
_GIRL = ("女の子", "娘", "女児", "長女", "次女", "女子", "お姉ちゃん", "妹")
# Words that tell a child's sex with no age: 「男の子なんですけど」; a sibling word alone
# (兄弟, 妹) or someone else's child (息子さん) does not.
_CHILD_SEX = re.compile(r"(男の子|女の子|男児|女児|(?:息子|娘)(?!さん))")


def _sex(plain: str) -> str:
    boy = min((plain.find(w) for w in _BOY if w in plain), default=-1)
    girl = min((plain.find(w) for w in _GIRL if w in plain), default=-1)
    if boy < 0 or (0 <= girl < boy):
        return "女" if girl >= 0 else ""
    return "男"


def _age(text: str) -> SlotValue | None:
    plain = digits(text)
    sex = _sex(plain)
    for pattern, shape in _AGE_SHAPES:
        match = pattern.search(plain)
        if match:
            return SlotValue(value=shape.format(*match.groups()), sex=sex)
    for word, value in _STAGES:
        if word in plain:
            return SlotValue(value=value, sex=sex)
    if sex and _CHILD_SEX.search(plain):
        return SlotValue(value="", sex=sex)
    return None


_HONORIFICS = ("くん", "君", "ちゃん", "さん")
_COPULA = re.compile(r"(です|だ|と申します|といいます|って言います|っていいます|と言います)$")
_UNKNOWN_NAME = (
    "わからない",
    "分からない",
    "わかりません",
    "分かりません",
    "知らない",
    "知りません",
)


_CALLED = re.compile(r"([ぁ-んァ-ヶー]{2,6})(くん|君|ちゃん)")
_NOT_NAMES = frozenset({"お子", "おこ", "あかちゃん", "お兄", "お姉", "おにい", "おねえ"})


def _called(analysis: Analysis) -> SlotValue | None:
    """ゆうとくん, はるとくん: a name the dictionary does not know, written in kana before
    くん/ちゃん (with the surname before it when there is one: 鈴木はるとくん)."""
    match = _CALLED.search(analysis.text)
    if match is None or match.group(1) in _NOT_NAMES:
        return None
    begin = match.start(1)
    before = [t for t in analysis.tokens if t.end == begin and t.pos3 == "姓"]
    if before:
        begin = before[0].begin
    return SlotValue(value=analysis.text[begin : match.end(1)])


def _name(analysis: Analysis, text: str, *, answering: bool) -> SlotValue | None:
    tokens = analysis.tokens
    if answering and any(w in text for w in _UNKNOWN_NAME):
        return SlotValue(value="不明")
    called = _called(analysis)
    given = [i for i, t in enumerate(tokens) if t.pos2 == "人名" and t.pos3 == "名"]
    if not given:
        return called
    if not answering and called is None and "名前は" not in analysis.text:
        # Unasked, a given name counts only as a name: はるとくん, 名前はみさき.
        return None
    start = given[0]
    if start > 0 and tokens[start - 1].pos3 == "姓":
        start -= 1
    end = start
    while end + 1 < len(tokens) and not tokens[end].after and tokens[end + 1].pos0 != "助動詞":
        if tokens[end + 1].surface in _HONORIFICS:
            break
        end += 1
    value = _COPULA.sub("", analysis.text[tokens[start].begin : tokens[end].end])
    for honorific in _HONORIFICS:
        value = value.removesuffix(honorific)
    if not value or all(tokens[i].pos3 == "姓" for i in range(start, end + 1)):
        return called  # 山田です: the caller's own surname
    return SlotValue(value=value)


# An address: enough on its own, even in a statement nobody asked for.
_ADDRESS = re.compile(
    r"[0-9〇一二三四五六七八九十百]+(?:丁目|番地|号室|号棟|階)"
    r"|[一-龥]{1,4}(?:市|区|町|村)(?![民役長内])"
)
# Where someone is: a value only when it answers a question about the place.
_WHERE = re.compile(r"マンション|アパート|ハイツ|コーポ|団地|住宅|荘|公園|駅前|駅|部屋|家")


def _place(analysis: Analysis, *, answering: bool) -> SlotValue | None:
    tokens = analysis.tokens
    evidence = [i for i, t in enumerate(tokens) if t.pos2 == "地名"]
    for pattern in (_ADDRESS, _WHERE) if answering else (_ADDRESS,):
        for match in pattern.finditer(analysis.text):
            evidence.append(next(i for i, t in enumerate(tokens) if t.end > match.start()))
    if not evidence and not answering:
        return None
    start, end = _noun_phrase(tokens, min(evidence) if evidence else 0)
    # 「北川市の、佐藤です」: the caller's name after the place is not part of it.
    while end > start and (tokens[end].pos2 == "人名" or tokens[end].surface == "の"):
        end -= 1
    value = analysis.text[tokens[start].begin : tokens[end].end]
    return SlotValue(value=value) if value and tokens[start].pos0 != "助詞" else None


_NOUNISH = frozenset({"名詞", "接頭辞", "接尾辞", "代名詞", "連体詞"})


def _noun_phrase(tokens: tuple[Token, ...], index: int) -> tuple[int, int]:
    """The noun phrase (nouns joined by の) around token ``index``."""

    def joins(i: int) -> bool:
        token = tokens[i]
        if token.pos0 in _NOUNISH:
            return True
        # の between two nouns (公園の公衆電話), not at the phrase's edge.
        return token.surface == "の" and 0 < i < len(tokens) - 1 and tokens[i + 1].pos0 in _NOUNISH

    def closes(i: int) -> bool:
        return any(c in "。.!?" for c in tokens[i].after)

    start = end = index
    while start > 0 and joins(start - 1) and not closes(start - 1):
        start -= 1
    while end + 1 < len(tokens) and joins(end + 1) and not closes(end):
        end += 1
    return start, end


_PHONE = re.compile(r"(?<!\d)0\d{1,4}[- ]?\d{1,4}[- ]?\d{3,4}(?!\d)")
# この携帯で大丈夫, この番号にお願いします; not the handler's 「この番号に電話してね」.
_THIS_PHONE = re.compile(r"(この|今の|こちらの)(携帯|番号|電話)(?!に電話|にかけ|か[^ら])")


def _contact(text: str) -> SlotValue | None:
    plain = digits(text).replace("、", "").replace(",", "")
    phone = _PHONE.search(plain)
    if phone:
        return SlotValue(value=re.sub(r"\D", "", phone.group(0)))
    this = _THIS_PHONE.search(plain)
    if this:
        return SlotValue(value=this.group(0))
    if "メール" in plain or "携帯" in plain:
        return SlotValue(value="携帯" if "携帯" in plain else "メール")
    return None


_RELATIONS = (
    ("隣", "隣の住民"),
    ("となり", "隣の住民"),
    ("上の階", "上の階の住民"),
    ("下の階", "下の階の住民"),
    ("同じマンション", "同じマンションの住民"),
    ("同じアパート", "同じアパートの住民"),
    ("近所", "近所の住民"),
    ("担任", "担任"),
    ("保育士", "保育士"),
    ("看護師", "看護師"),
    ("祖母", "祖母"),
    ("おばあちゃん", "祖母"),
    ("祖父", "祖父"),
    ("おじいちゃん", "祖父"),
    ("親戚", "親戚"),
    ("孫", "祖父母"),  # 「孫娘が」: a grandparent, not the girl's mother
    ("うちの子", "保護者"),
)
# 娘さん, 息子さん: someone else's child (the handler speaking); 娘, 息子: the caller's own.
_OWN_CHILD = re.compile(r"(?<!孫)(娘|息子)(?!さん)")
_SELF = re.compile(
    r"(子ども|子供|こども)(でも|だけど|ですけど).{0,6}(電話|相談)"
    r"|(私|僕|ぼく|あたし)(は|が)?.{0,4}(中学|小学|高校)"
    r"|^(中学|小学|高校)[0-9一二三四五六]年?生?(なん|です|だけど)"
)


def _relation(text: str) -> SlotValue | None:
    plain = unicodedata.normalize("NFKC", text)
    if _SELF.search(plain):
        return SlotValue(value="本人")
    for word, value in _RELATIONS:
        if word in plain:
            return SlotValue(value=value)
    if _OWN_CHILD.search(plain):
        return SlotValue(value="保護者")
    return None


def extract(slot: Slot, text: str, *, answering: bool = False) -> SlotValue | None:
    """The value of ``slot`` in ``text``; ``answering``: the text answers a question about
    this slot, which lets a bare answer (「自分の部屋です」) count as the value."""
    if slot == "age":
        return _age(text)
    if slot == "contact":
        return _contact(text)
    if slot == "relation":
        return _relation(text)
    analysis = analyse(text)
    if not analysis.tokens:
        return None
    if slot == "name":
        return _name(analysis, text, answering=answering)
    return _place(analysis, answering=answering)
