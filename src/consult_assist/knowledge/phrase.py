"""Finding a short phrase in recognised speech despite spelling, conjugation and mishearing.

Used for attention words, checklist cues and keyword explanations. A phrase is found by any
of four views:

* surface: its normalised form is a substring of the normalised text;
* lemma: Sudachi lemmas match (殴られた -> 殴る); a multi-word phrase matches through its
  core lemmas in order, a few tokens apart at most (息してない meets 息をしていない through
  息, する, ない);
* reading: its sound key is spelt by consecutive tokens of the text, each read by Sudachi's
  reading or, for a one-kanji token, by any dictionary reading (逆体 -> 虐待 although Sudachi
  reads 体 as カラダ). A match starts at a token; it may end inside a token only where that
  token inflects (とびおりよう for 飛び降り). Phrases of three kana or fewer compare exact
  readings, not the loose key, since a short loose key (アサ for あざ) fires on everyday words;
* fuzzy: for long phrases, a near match of the sound key (rapidfuzz ``partial_ratio``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz

from consult_assist.knowledge.text import (
    Analysis,
    Token,
    analyse,
    hira_to_kata,
    normalise,
    sound_key,
)

__all__ = ["Phrase", "PhraseOptions", "PhraseSet", "Reading", "Span", "Target"]

# Lemmas that say the same thing: negation forms, and the contractions of casual speech
# (してる = している, しちゃう = してしまう), so 息してない meets 息をしていない.
_SAME_LEMMA = {
    "無い": "ない",
    "ぬ": "ない",
    "ず": "ない",
    "てる": "居る",
    "ちゃう": "仕舞う",
    "じゃう": "仕舞う",
    "とく": "置く",
}
_FUNCTION_POS = frozenset({"助詞", "助動詞"})
_INFLECTING_POS = frozenset({"動詞", "形容詞", "助動詞"})
# Auxiliaries that change what is said: negation, wanting, making someone do.
# 帰りたくない is not 帰ってこない; ご飯を食べさせない is not 食べられない.
_MEANINGFUL_AUXILIARIES = frozenset({"ない", "たい", "せる", "させる"})
# Endings tried when a phrase is a bare stem (揺さぶ, 薬を飲): Sudachi reads a stem as a
# fragment (揺さぶ -> ウゴカサブ) but reads the whole word right.
_COMPLETIONS = ("る", "む", "う", "く", "す", "つ", "ぶ", "ぬ", "い")
_DROPPABLE = frozenset({"を", "が", "は", "に"})
# A particle-less form shorter than this many kana is too unspecific to try.
_SHORT_CASUAL = 3


@dataclass(frozen=True, kw_only=True)
class PhraseOptions:
    """Tuning of phrase matching."""

    short_key: int = 3
    """Phrases whose sound key has at most this many kana compare exact readings."""
    core_gap: int = 2
    """Tokens allowed between two core lemmas of a multi-word phrase."""
    fuzzy_min_key: int = 5
    """Sound-key length from which a near match counts."""
    fuzzy_score: float = 85.0
    """rapidfuzz ``partial_ratio`` (0-100) from which a near match counts."""


class Span(NamedTuple):
    """Where a phrase was found: ``start:end`` of ``Analysis.text`` and by which view."""

    start: int
    end: int
    how: str


def _core(analysis: Analysis) -> tuple[str, ...]:
    core: list[str] = []
    for token in analysis.tokens:
        lemma = _SAME_LEMMA.get(token.lemma, token.lemma)
        if lemma in _MEANINGFUL_AUXILIARIES or token.content or lemma in _SAME_LEMMA.values():
            core.append(lemma)
    return tuple(core)


def _completions(text: str, analysis: Analysis) -> list[tuple[Analysis, str]]:
    """Analyses of ``text`` completed to a whole verb or adjective, with each ending's kana.

    A stem is ambiguous (飲 + む or + る), so every completion Sudachi reads as one word
    is kept; a wrong one only adds an unlikely reading.
    """
    last = analysis.tokens[-1] if analysis.tokens else None
    if last is None or len(last.surface) != 1 or last.pos0 in _INFLECTING_POS | _FUNCTION_POS:
        return []
    found: list[tuple[Analysis, str]] = []
    for ending in _COMPLETIONS:
        completed = analyse(text + ending)
        tail = completed.tokens[-1] if completed.tokens else None
        kana = hira_to_kata(ending)
        if (
            tail is not None
            and tail.pos0 in ("動詞", "形容詞")
            and len(tail.surface) > 1
            and tail.surface.endswith(ending)
            and completed.reading.endswith(kana)
        ):
            found.append((completed, kana))
    return found


class Reading(NamedTuple):
    """One way a phrase may sound and be lemmatised."""

    surface: str
    kana: str
    key: str
    lemmas: tuple[str, ...]
    core: tuple[str, ...]
    ends_in_function_word: bool
    nominal: bool = False
    """The phrase is nouns only (姉妹, 刃物): a verb that sounds the same (しまい, from
    仕舞う) is another word."""
    head: str = ""
    """The kana of a one-kana noun the phrase starts with (手 in 手をあげる): a near match
    must have that noun, since a particle sounds the same (作ってあげる)."""


def _reading(analysis: Analysis, ending: str, drop: frozenset[str]) -> Reading:
    tokens = [t for t in analysis.tokens if not (t.pos0 == "助詞" and t.surface in drop)]
    kana = "".join(t.reading for t in tokens)
    surface = "".join(t.surface for t in tokens)
    if ending:
        kana = kana[: -len(ending)]
        surface = surface[: -len(ending)]
    kept = Analysis(text=surface, tokens=tuple(tokens), reading=kana, key="", key_token=())
    last = tokens[-1] if tokens else None
    return Reading(
        surface=surface,
        kana=hira_to_kata(kana),
        key=sound_key(kana),
        lemmas=kept.lemmas,
        core=_core(kept),
        ends_in_function_word=last is not None and last.pos0 in _FUNCTION_POS,
        nominal=bool(tokens) and all(t.pos0 in ("名詞", "接尾辞", "接頭辞") for t in tokens),
        head=_one_kana_noun(tokens[0]) if tokens else "",
    )


def _one_kana_noun(token: Token) -> str:
    reading = hira_to_kata(token.reading)
    return reading if token.pos0 == "名詞" and len(reading) == 1 else ""


@dataclass(frozen=True)
class Phrase:
    """A phrase prepared for matching: its text and the ways it may sound."""

    text: str
    norm: str
    readings: tuple[Reading, ...]

    @classmethod
    def of(cls, text: str) -> Phrase:
        """Analyse ``text`` once, with its stem completions and its casual, particle-less form.

        Speech drops case particles (薬飲んだ, 首しめられた, 学校こない), so a phrase
        with を, が, は or に is also tried without them.
        """
        analysis = analyse(text)
        variants = [(analysis, ""), *_completions(text, analysis)]
        readings: dict[Reading, None] = {}
        for variant, ending in variants:
            readings[_reading(variant, ending, frozenset())] = None
            casual = _reading(variant, ending, _DROPPABLE)
            if len(casual.key) > _SHORT_CASUAL:
                readings[casual] = None
        return cls(text=text, norm=normalise(text), readings=tuple(readings))


@lru_cache(maxsize=65536)
def _token_readings(reading: str, alternatives: tuple[str, ...], loose: bool) -> tuple[str, ...]:
    every = dict.fromkeys(
        sound_key(r) if loose else hira_to_kata(r) for r in (reading, *alternatives)
    )
    return tuple(every)


class Target:
    """A text prepared once for finding many phrases in it."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        tokens = analysis.tokens
        self.readings = {
            loose: [_token_readings(t.reading, t.alternatives, loose) for t in tokens]
            for loose in (False, True)
        }
        self.lemmas = [_SAME_LEMMA.get(t.lemma, t.lemma) for t in tokens]
        self.lemma_at: dict[str, list[int]] = {}
        for index, lemma in enumerate(self.lemmas):
            self.lemma_at.setdefault(lemma, []).append(index)
        key = analysis.key
        self.bigrams = {key[i : i + 2] for i in range(len(key) - 1)}

    @classmethod
    def of(cls, text: str) -> Target:
        """Analyse ``text`` and prepare it."""
        return cls(analyse(text))


class _Node:
    __slots__ = ("children", "ends")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.ends: list[int] = []


class _Trie:
    """Readings of many phrases, walked once over the token lattice of a text."""

    def __init__(self) -> None:
        self.root = _Node()

    def add(self, word: str, payload: int) -> None:
        node = self.root
        for char in word:
            node = node.children.setdefault(char, _Node())
        node.ends.append(payload)

    def walk(self, target: Target, loose: bool) -> Iterator[tuple[int, int, int]]:
        """``(payload, first token, last token)`` for every reading spelt by the tokens."""
        readings = target.readings[loose]
        tokens = target.analysis.tokens
        for first in range(len(tokens)):
            if tokens[first].pos0 == "接尾辞":
                # A suffix ends the word before it (子ども家 + 停止 is not 家出し).
                continue
            # (token index, trie node, whether an alternative reading was used on the way)
            stack: list[tuple[int, _Node, bool]] = [(first, self.root, False)]
            while stack:
                index, node, used_alt = stack.pop()
                if index >= len(tokens):
                    continue
                inflects = tokens[index].pos0 in _INFLECTING_POS
                for rank, reading in enumerate(readings[index]):
                    if not reading:
                        if index > first:
                            stack.append((index + 1, node, used_alt))
                        continue
                    alt = used_alt or rank > 0
                    at: _Node | None = node
                    for position, char in enumerate(reading):
                        at = at.children.get(char) if at is not None else None
                        if at is None:
                            break
                        # An alternative reading serves compounds the recogniser spelt with
                        # wrong kanji (逆体); alone, one kanji read the other way is a false
                        # alarm (字 read アザ fired あざ).
                        complete = position == len(reading) - 1 or inflects
                        if at.ends and complete and not (alt and index == first):
                            for payload in at.ends:
                                yield payload, first, index
                    if at is not None and at.children:
                        stack.append((index + 1, at, alt))


class PhraseSet:
    """Many phrases compiled for one pass over a text (attention words, checklist cues)."""

    def __init__(self, phrases: Sequence[str], options: PhraseOptions | None = None) -> None:
        self.options = options or PhraseOptions()
        self.phrases = tuple(Phrase.of(p) for p in phrases)
        self._readings: list[tuple[int, Reading]] = [
            (number, reading)
            for number, phrase in enumerate(self.phrases)
            for reading in phrase.readings
        ]
        self._surfaces = sorted(
            {(r.surface, n) for n, r in self._readings}
            | {(p.norm, n) for n, p in enumerate(self.phrases)}
        )
        # Where each surface may start: its first two characters (one, for a one-character
        # surface), so a text is only searched for the surfaces whose opening it holds.
        self._surface_at: dict[str, list[int]] = {}
        for index, (surface, _) in enumerate(self._surfaces):
            self._surface_at.setdefault(surface[:2], []).append(index)
        self._by_lemma: dict[str, list[int]] = {}
        self._tries = {False: _Trie(), True: _Trie()}
        self._by_bigram: dict[str, list[int]] = {}
        self._bigrams_needed: dict[int, int] = {}
        short = self.options.short_key
        for rid, (_, reading) in enumerate(self._readings):
            if len(reading.lemmas) == 1:
                self._by_lemma.setdefault(reading.lemmas[0], []).append(rid)
            elif len(reading.core) >= 2:
                self._by_lemma.setdefault(reading.core[0], []).append(rid)
            loose = len(reading.key) > short
            if reading.key:
                self._tries[loose].add(reading.key if loose else reading.kana, rid)
            if loose and len(reading.key) >= self.options.fuzzy_min_key:
                grams = {reading.key[i : i + 2] for i in range(len(reading.key) - 1)}
                for gram in grams:
                    self._by_bigram.setdefault(gram, []).append(rid)
                # One slip breaks at most two bigrams; allow about one slip per six kana.
                slips = max(1, len(reading.key) // 6)
                self._bigrams_needed[rid] = max(1, len(grams) - 2 * slips)

    def find_literal(self, target: Target) -> list[tuple[int, Span]]:
        """:meth:`find`, keeping only what is found as written or as read aloud.

        For exception phrases: they are about the function words a lemma match skips
        (「死ぬかと思った」 is no wish to die, yet its lemmas 死ぬ…思う are those of
        「死にたいと思う」, which such a match silenced), and a near match would drop a real cue.
        """
        if not target.analysis.text:
            return []
        return self._surface_hits(target) + self._reading_hits(target)

    def find(self, target: Target) -> list[tuple[int, Span]]:
        """``(phrase number, span)`` for every occurrence of every phrase (spans may overlap)."""
        if not target.analysis.text:
            return []
        found = self._surface_hits(target)
        found.extend(self._lemma_hits(target))
        found.extend(self._reading_hits(target))
        found.extend(self._fuzzy_hits(target))
        return found

    def _surface_hits(self, target: Target) -> list[tuple[int, Span]]:
        haystack = target.analysis.text
        found: list[tuple[int, Span]] = []
        openings = {"", *haystack, *(haystack[i : i + 2] for i in range(len(haystack) - 1))}
        chosen: list[int] = []
        for opening in openings:
            chosen.extend(self._surface_at.get(opening, ()))
        for index in sorted(chosen):
            surface, number = self._surfaces[index]
            if surface in haystack:
                found.extend(
                    (number, Span(s, s + len(surface), "surface"))
                    for s in _find_all(surface, haystack)
                )
        return found

    def _reading_hits(self, target: Target) -> list[tuple[int, Span]]:
        found: list[tuple[int, Span]] = []
        for loose, trie in self._tries.items():
            for rid, first, last in trie.walk(target, loose):
                span = self._reading_span(rid, target, first, last)
                if span is not None:
                    found.append((self._readings[rid][0], span))
        return found

    def _lemma_hits(self, target: Target) -> Iterator[tuple[int, Span]]:
        tokens = target.analysis.tokens
        gap = self.options.core_gap
        for lemma, positions in target.lemma_at.items():
            for rid in self._by_lemma.get(lemma, ()):
                number, reading = self._readings[rid]
                for first in positions:
                    last = _core_end(reading, target.lemmas, first, gap, tokens)
                    if last is None:
                        continue
                    if first == last and _bare_kana(tokens, first, reading.surface):
                        continue
                    yield number, Span(tokens[first].begin, tokens[last].end, "lemma")

    def _reading_span(self, rid: int, target: Target, first: int, last: int) -> Span | None:
        reading = self._readings[rid][1]
        tokens = target.analysis.tokens
        if _only_function_words(tokens[first : last + 1]) or _opens_on_a_particle(tokens, first):
            # ける (an auxiliary) reads like 蹴る: a word is never spelt by grammar alone.
            return None
        if first == last and _bare_kana(tokens, first, reading.surface):
            return None
        if reading.nominal and first == last and tokens[first].pos0 in _INFLECTING_POS:
            # One verb that sounds like the noun (しまい from 仕舞う, not 姉妹); a spelling
            # Sudachi cut into pieces (いえ+でし for いえで) is still tried.
            return None
        surface = target.analysis.text[tokens[first].begin : tokens[last].end]
        # 家で (at home) reads like 家出: a kanji word plus a particle is another word,
        # while the same sound in kana (いえで) is what a recogniser writes for either.
        if (
            tokens[last].pos0 in _FUNCTION_POS
            and not reading.ends_in_function_word
            and not _is_kana(surface)
        ):
            return None
        return Span(tokens[first].begin, tokens[last].end, "reading")

    def _fuzzy_hits(self, target: Target) -> Iterator[tuple[int, Span]]:
        text = target.analysis
        shared: dict[int, int] = {}
        for gram in target.bigrams:
            for rid in self._by_bigram.get(gram, ()):
                shared[rid] = shared.get(rid, 0) + 1
        for rid, count in shared.items():
            if count < self._bigrams_needed[rid]:
                continue
            number, reading = self._readings[rid]
            alignment = fuzz.partial_ratio_alignment(
                reading.key, text.key, score_cutoff=self.options.fuzzy_score
            )
            # A text shorter than the phrase only resembles a piece of it (泣いてて is not
            # ずっと泣いて): the near match must cover most of the phrase.
            if alignment is None or (alignment.src_end - alignment.src_start) < 0.8 * len(
                reading.key
            ):
                continue
            if text.token_starts_key(alignment.dest_start):
                span = text.key_span(alignment.dest_start, alignment.dest_end)
                first = next(i for i, t in enumerate(text.tokens) if t.begin >= span[0])
                inside = [t for t in text.tokens if span[0] <= t.begin < span[1]]
                if (
                    not _only_function_words(inside)
                    and not _opens_on_a_particle(text.tokens, first)
                    and _has_head(inside, reading.head)
                ):
                    yield number, Span(*span, "fuzzy")


def _core_end(
    reading: Reading, lemmas: Sequence[str], first: int, gap: int, tokens: Sequence[Token]
) -> int | None:
    """The last token of ``reading``'s lemmas found from ``first`` on, or ``None``.

    Only grammar may come between two core lemmas: 帰ってきたら、責めずに is not
    帰ってきてない, although 帰る, 来る and ず→ない follow each other within the gap.
    """
    if len(reading.lemmas) == 1:
        return first
    at = first
    for wanted in reading.core[1:]:
        found = None
        for index in range(at + 1, min(at + gap + 2, len(lemmas))):
            if lemmas[index] == wanted:
                found = index
                break
            if tokens[index].content and tokens[index].pos1 != "非自立可能":
                break
        if found is None:
            return None
        at = found
    return at


def _bare_kana(tokens: Sequence[Token], index: int, phrase: str) -> bool:
    """Whether a token of two kana or fewer, standing for a phrase written otherwise, is a
    stray piece of something else: 「気づつける」 (a misheard 傷つける) is not 蹴る, while
    「子供をけってる」 and 「足でける」, after a case particle, are."""
    token = tokens[index]
    if len(token.surface) > 2 or not _is_kana(token.surface) or _is_kana(phrase):
        return False
    before = tokens[index - 1] if index else None
    return before is not None and before.pos1 not in ("格助詞", "係助詞")


def _opens_on_a_particle(tokens: Sequence[Token], first: int) -> bool:
    """Whether the words start on a particle that belongs to the word before them: 「作って
    あげちゃった」 sounds like 手をあげちゃった from its て on, and 「野菜とか送って」 like
    動画を送って (トカ) from its と on; both particles are grammar of the word before."""
    if first == 0 or tokens[first].pos0 != "助詞":
        return False
    # After another particle it cannot be grammar (「人がはものを」 is 刃物 in kana).
    before = tokens[first - 1]
    return before.pos0 != "助詞" and not before.after.strip()


def _has_head(tokens: Sequence[Token], head: str) -> bool:
    return not head or any(t.pos0 == "名詞" and hira_to_kata(t.reading) == head for t in tokens)


def _only_function_words(tokens: Sequence[Token]) -> bool:
    return all(t.pos0 in _FUNCTION_POS for t in tokens)


def _find_all(needle: str, haystack: str) -> Iterator[int]:
    start = haystack.find(needle) if needle else -1
    while start >= 0:
        yield start
        start = haystack.find(needle, start + 1)


def _is_kana(text: str) -> bool:
    return all("\u3041" <= c <= "\u30ff" for c in text)
