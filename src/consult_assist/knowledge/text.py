"""Japanese text for matching: normalised surface, lemmas and kana readings of one string.

Speech recognition gets the *sound* of a word right far more often than its spelling
(児童相談所 -> 口道相談書, 怒鳴り -> どなり), so everything that matches text looks at three
views of it: the normalised surface, Sudachi's lemmas (so 殴られた meets 殴る) and the katakana
reading folded into a loose *sound key* (voicing, long vowels and small kana folded, so that
ジドウソウダンジョ and コウドウソウダンショ share most of their n-grams).

The Sudachi dictionary ships inside the ``sudachidict-core`` wheel; it is loaded once per
process and each thread gets its own tokenizer (Sudachi tokenizers are not shareable).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, NamedTuple

from sudachipy import Dictionary, SplitMode

__all__ = [
    "Analysis",
    "Morpheme",
    "Token",
    "analyse",
    "char_ngrams",
    "clear_caches",
    "hira_to_kata",
    "morphemes",
    "normalise",
    "reading",
    "sound_key",
]

_NOT_WORD = re.compile(r"[\W_]+")
# Hiragana U+3041..U+3096 map onto katakana by a fixed offset.
_HIRA_START, _HIRA_END, _KATA_OFFSET = 0x3041, 0x3096, 0x60

_SMALL = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")
_VOICED = str.maketrans(
    "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴヲ",
    "カキクケコサシスセソタチツテトハヒフヘホハヒフヘホウオ",
)
_VOWEL_OF: dict[str, str] = {}
for _row, _vowel in (
    ("アカサタナハマヤラワ", "ア"),
    ("イキシチニヒミリ", "イ"),
    ("ウクスツヌフムユル", "ウ"),
    ("エケセテネヘメレ", "エ"),
    ("オコソトノホモヨロ", "オ"),
):
    for _kana in _row:
        _VOWEL_OF[_kana] = _vowel
# A vowel that only lengthens the one before it: おとうさん/おとーさん, せんせい/せんせー.
_LENGTHENS = {("ア", "ア"), ("イ", "イ"), ("ウ", "ウ"), ("エ", "エ"), ("エ", "イ"), ("オ", "オ")}
_LENGTHENS |= {("オ", "ウ"), ("ウ", "ウ")}

# Interjections that carry no content; Sudachi tags most of them 感動詞/フィラー already.
_FILLERS = frozenset(
    {
        "えー",
        "えーと",
        "えーっと",
        "えっと",
        "ええと",
        "あのー",
        "あのう",
        "そのー",
        "うーん",
        "んー",
    }
)
_FILLER_POS = ("感動詞", "フィラー")
# Elongated fillers that Sudachi splits into ordinary words (えー + と).
_FILLER_RE = re.compile(r"え[ーっ]+と|ええっ?と|あのー+|そのー+|うーん|んー+")
# わ where only the topic particle は fits: after て/で and before いる/ない/ある.
_WA_TOPIC = re.compile(r"(?<=[てで])わ(?=[いなあ])")
# Parts of speech whose lemmas carry meaning; particles and auxiliaries are left to n-grams.
_CONTENT_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞", "副詞", "代名詞"})


def hira_to_kata(text: str) -> str:
    """Return ``text`` with hiragana replaced by katakana."""
    return "".join(
        chr(ord(c) + _KATA_OFFSET) if _HIRA_START <= ord(c) <= _HIRA_END else c for c in text
    )


def normalise(text: str) -> str:
    """NFKC, lower case, punctuation, symbols and whitespace removed."""
    # ``\W`` is exactly "not a letter or digit" (str.isalnum), which keeps 々 and ー.
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def sound_key(kana: str) -> str:
    """Fold a katakana (or hiragana) reading into a loose key that survives mishearing.

    Voiced and plain kana become one, small kana become large, the geminate ッ and the long
    vowel mark are dropped, and a vowel that only lengthens the previous kana is dropped
    (ソウダン and ソーダン both give ソタン). Characters that are not kana pass through.
    """
    out: list[str] = []
    prev_vowel = ""
    for char in hira_to_kata(kana):
        if char in "ッー":
            continue
        small = char in "ァィゥェォャュョヮ"
        folded = char.translate(_SMALL).translate(_VOICED)
        if small and folded in "ヤユヨ" and out:
            # キャ -> キヤ keeps the syllable count but the vowel is the glide's.
            out.append(folded)
            prev_vowel = _VOWEL_OF.get(folded, "")
            continue
        if folded in "アイウエオ" and (prev_vowel, folded) in _LENGTHENS:
            continue
        out.append(folded)
        prev_vowel = _VOWEL_OF.get(folded, folded if folded in "アイウエオ" else "")
    return "".join(out)


def char_ngrams(text: str, sizes: tuple[int, ...] = (2, 3), prefix: str = "") -> list[str]:
    """All character n-grams of ``text`` for each size (the whole text when it is shorter),
    each with ``prefix`` in front."""
    grams: list[str] = []
    for size in sizes:
        grams.extend([prefix + text[i : i + size] for i in range(len(text) - size + 1)])
    if not grams and text:
        grams.append(prefix + text)
    return grams


class Token(NamedTuple):
    """One morpheme of a normalised text; ``begin``/``end`` index into ``Analysis.text``."""

    surface: str
    reading: str
    lemma: str
    pos0: str
    pos1: str
    content: bool
    begin: int
    end: int
    alternatives: tuple[str, ...] = ()
    """Other dictionary readings of a one-kanji token: a recogniser's wrong kanji (逆体 for
    虐待) is split into single kanji that Sudachi may read the other way (体: カラダ, not タイ)."""
    after: str = ""
    """Punctuation and spaces that followed the token in the original text (。、？ …): the
    normalised text drops them, but sentence and clause boundaries are read from them."""
    pos2: str = ""
    pos3: str = ""
    """Sudachi's finer part of speech (人名/地名 and 姓/名 for proper nouns)."""


@dataclass(frozen=True, slots=True)
class Analysis:
    """The matching views of one text, fillers removed.

    ``key`` is the concatenated sound key; ``key_token[i]`` is the index of the token that
    produced ``key[i]``, so a match in the key maps back to a span of ``text``.
    """

    text: str
    tokens: tuple[Token, ...]
    reading: str
    key: str
    key_token: tuple[int, ...]

    @property
    def lemmas(self) -> tuple[str, ...]:
        """The lemma of every token, in order."""
        return tuple(t.lemma for t in self.tokens)

    def key_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of ``text`` covered by the tokens behind ``key[start:end]``."""
        first = self.tokens[self.key_token[start]]
        last = self.tokens[self.key_token[max(start, end - 1)]]
        return first.begin, last.end

    def token_starts_key(self, position: int) -> bool:
        """Whether ``key[position]`` is the first key character of its token."""
        return position == 0 or self.key_token[position - 1] != self.key_token[position]

    def token_ends_key(self, position: int) -> bool:
        """Whether ``key[position - 1]`` is the last key character of its token."""
        size = len(self.key)
        return position == size or self.key_token[position] != self.key_token[position - 1]


@cache
def _dictionary() -> Any:
    # Loaded on first use, not at import: loading the dictionary takes ~0.2 s.
    return Dictionary()


_local = threading.local()
_load_lock = threading.Lock()


def _tokenizer() -> Any:
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        with _load_lock:
            dictionary = _dictionary()
        tokenizer = dictionary.tokenizer(mode=SplitMode.C)
        _local.tokenizer = tokenizer
    return tokenizer


def _is_kana(text: str) -> bool:
    return all("\u3041" <= c <= "\u30ff" for c in text)


class _View(NamedTuple):
    surface: str
    reading: str
    key: str
    pos0: str
    pos1: str
    filler: bool
    pos2: str
    pos3: str


@lru_cache(maxsize=65536)
def _morpheme_view(raw: str, reading_form: str, pos_id: int) -> _View:
    """Surface, reading, sound key, part of speech and is-filler of one morpheme, cached.

    Morphemes repeat endlessly (が, 子ども, です), so this turns most of the Python work of
    :func:`analyse` into one dictionary look-up.
    """
    surface = _NOT_WORD.sub("", raw)
    pos = _dictionary().pos_of(pos_id)
    filler = tuple(pos[:2]) == _FILLER_POS or surface in _FILLERS
    if reading_form and (_is_kana(reading_form) or not _is_kana(surface)):
        token_reading = reading_form
    else:
        token_reading = hira_to_kata(surface)
    return _View(
        surface,
        token_reading,
        sound_key(token_reading),
        str(pos[0]),
        str(pos[1]),
        filler,
        str(pos[2]),
        str(pos[3]),
    )


@lru_cache(maxsize=4096)
def _other_readings(char: str, main: str) -> tuple[str, ...]:
    if not "\u4e00" <= char <= "\u9fff":
        return ()
    found = {str(m.reading_form()) for m in _dictionary().lookup(char)}
    return tuple(sorted(r for r in found if r and r != main and _is_kana(r)))


def _glued(surface: str, tokens: list[Token], morphemes: list[Any], number: int) -> bool:
    """Whether a one-kana interjection is part of the words around it, not a filler: glued to
    a particle before it and to kana after it, with no pause (「顔にあざあって。」, which Sudachi
    reads as 顔 に あ ざあ って)."""
    if len(surface) != 1 or not tokens or tokens[-1].after or tokens[-1].pos0 != "助詞":
        return False
    following = morphemes[number + 1].surface() if number + 1 < len(morphemes) else ""
    return bool(following) and "\u3041" <= following[0] <= "\u3096"


@lru_cache(maxsize=16384)
def analyse(text: str) -> Analysis:
    """Tokenise ``text`` once and return its normalised surface, lemmas, reading and sound key.

    Cached per input string: the same utterance is analysed again and again as partials
    grow and as the context slides.
    """
    folded = _FILLER_RE.sub(" ", unicodedata.normalize("NFKC", text).lower())
    # Recognisers spell the topic particle は as it sounds: 「揺さぶってわいない」.
    folded = _WA_TOPIC.sub("は", folded)
    tokens: list[Token] = []
    keys: list[str] = []
    key_token: list[int] = []
    readings: list[str] = []
    position = 0
    morphemes = list(_tokenizer().tokenize(folded)) if folded.strip() else []
    for number, morpheme in enumerate(morphemes):
        view = _morpheme_view(
            morpheme.surface(), morpheme.reading_form(), morpheme.part_of_speech_id()
        )
        if view.filler and _glued(view.surface, tokens, morphemes, number):
            view = view._replace(filler=False)
        if not view.surface or view.filler:
            if tokens and not view.surface:
                # Punctuation leaves the text but is remembered on the token before it.
                tokens[-1] = tokens[-1]._replace(after=tokens[-1].after + morpheme.surface())
            continue
        index = len(tokens)
        end = position + len(view.surface)
        content = view.pos0 in _CONTENT_POS
        lemma = morpheme.normalized_form()
        single_kanji = len(view.surface) == 1 and "\u4e00" <= view.surface <= "\u9fff"
        others = _other_readings(view.surface, view.reading) if single_kanji else ()
        tokens.append(
            Token(
                view.surface,
                view.reading,
                lemma,
                view.pos0,
                view.pos1,
                content,
                position,
                end,
                others,
                "",
                view.pos2,
                view.pos3,
            )
        )
        position = end
        readings.append(view.reading)
        keys.append(view.key)
        key_token.extend([index] * len(view.key))
    return Analysis(
        text="".join(t.surface for t in tokens),
        tokens=tuple(tokens),
        reading="".join(readings),
        key="".join(keys),
        key_token=tuple(key_token),
    )


class Morpheme(NamedTuple):
    """One morpheme of a text as written: ``text[begin:end]`` and its part of speech."""

    begin: int
    end: int
    pos0: str


@lru_cache(maxsize=1024)
def morphemes(text: str) -> tuple[Morpheme, ...]:
    """The morphemes of ``text`` as written (nothing normalised or dropped), with where each
    is in it: for showing a stretch of the text as whole words."""
    if not text.strip():
        return ()
    return tuple(
        Morpheme(m.begin(), m.end(), str(_dictionary().pos_of(m.part_of_speech_id())[0]))
        for m in _tokenizer().tokenize(text)
    )


def clear_caches() -> None:
    """Forget every cached analysis (benchmarks measure cold index builds with it)."""
    analyse.cache_clear()
    morphemes.cache_clear()
    _morpheme_view.cache_clear()
    _other_readings.cache_clear()


def reading(text: str) -> str:
    """The katakana reading of ``text`` (fillers and punctuation dropped)."""
    return analyse(text).reading
