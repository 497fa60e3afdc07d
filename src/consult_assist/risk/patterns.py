"""Many regular expressions run over one text, skipping those that cannot match it.

The risk sheet has some five hundred patterns and one utterance of a call meets a handful.
Each pattern is read once for a *key*: pieces of one or two characters of which at least
one must occur in any text the pattern matches (for 「(借金|失業|困窮)」 the key is 借金,
失業 and 困窮). An index from piece to pattern gives the few patterns worth running on a
text; a pattern with no key runs on every text. The key is a necessary condition, never a
heuristic: :meth:`PatternSet.finditer` finds exactly what running every pattern finds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

__all__ = ["PatternSet", "pattern_key"]

try:  # The parser of the re module is private; without it every pattern simply runs.
    from re import _constants as _sre  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Python versions
    _sre = _sre_parse = None

_REPEATS = (
    ()
    if _sre is None
    else tuple(
        getattr(_sre, n)
        for n in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
        if hasattr(_sre, n)
    )
)
_Key = frozenset[str] | None


def pattern_key(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Strings (one or two characters each) of which one at least occurs in every match of
    ``pattern``; None when no such set was found (「.+」, or a pattern that can match the
    empty string)."""
    if _sre_parse is None:
        return None
    try:
        parsed = _sre_parse.parse(pattern, flags)
    except (re.error, TypeError, ValueError):
        return None
    ignore_case = bool(parsed.state.flags & re.IGNORECASE)
    return _sequence_key(list(parsed), ignore_case)


def _sequence_key(items: list[tuple[Any, Any]], ignore_case: bool) -> _Key:
    """The best key among the elements every match passes through; a run of literal
    characters offers each of its two-character pieces."""
    keys: list[frozenset[str]] = []
    run = ""
    for op, av in [*items, (None, None)]:
        if op is _sre.LITERAL and _uncased(chr(av), ignore_case):
            run += chr(av)
            continue
        if run:
            keys += [frozenset([run[i : i + 2]]) for i in range(max(1, len(run) - 1))]
            run = ""
        key = _item_key(op, av, ignore_case) if op is not None else None
        if key is not None:
            keys.append(key)
    return min(keys, key=_cost) if keys else None


def _item_key(op: Any, av: Any, ignore_case: bool) -> _Key:
    if op is _sre.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        case = (ignore_case or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
        return _sequence_key(list(sub), case)
    if op is _sre.BRANCH:
        union: set[str] = set()
        for branch in av[1]:
            key = _sequence_key(list(branch), ignore_case)
            if key is None:
                return None
            union |= key
        return frozenset(union)
    if op in _REPEATS:
        low, _high, sub = av
        return _sequence_key(list(sub), ignore_case) if low >= 1 else None
    if op is _sre.IN and all(kind is _sre.LITERAL for kind, _ in av):
        chars = [chr(value) for _, value in av]
        return frozenset(chars) if all(_uncased(c, ignore_case) for c in chars) else None
    return None  # anything else (., ^, $, look-arounds, classes) gives no key


def _uncased(char: str, ignore_case: bool) -> bool:
    """Whether ``char`` matches only itself (a cased letter under IGNORECASE does not)."""
    return not ignore_case or (char.lower() == char.upper() and char.casefold() == char)


def _cost(key: frozenset[str]) -> int:
    """How often a key is expected to let its pattern run: a lone kana occurs in nearly
    every utterance, a kanji, a katakana or two characters together in few."""
    return sum(1 if len(unit) > 1 or _rare(unit) else 20 for unit in key)


def _rare(char: str) -> bool:
    return "\u30a0" <= char <= "\u30ff" or "\u4e00" <= char <= "\u9fff"


class PatternSet:
    """Tagged patterns compiled once; :meth:`finditer` runs those a text can match."""

    def __init__(self, tagged: list[tuple[str, str]], flags: int = 0) -> None:
        self.compiled = [(tag, re.compile(p, flags)) for tag, p in tagged]
        """``(tag, compiled pattern)`` in the given order."""
        self._always: list[int] = []
        self._by_piece: dict[str, list[int]] = {}
        for index, (_, source) in enumerate(tagged):
            key = pattern_key(source, flags)
            if key is None:
                self._always.append(index)
            else:
                for piece in key:
                    self._by_piece.setdefault(piece, []).append(index)

    def __len__(self) -> int:
        return len(self.compiled)

    @property
    def unkeyed(self) -> int:
        """How many patterns run on every text."""
        return len(self._always)

    def finditer(self, text: str) -> Iterator[tuple[str, re.Match[str]]]:
        """Every match of every pattern in ``text``, pattern by pattern in the given order."""
        chosen = set(self._always)
        by_piece = self._by_piece
        for piece in {*text, *(text[i : i + 2] for i in range(len(text) - 1))}:
            found = by_piece.get(piece)
            if found is not None:
                chosen.update(found)
        for index in sorted(chosen):
            tag, pattern = self.compiled[index]
            for match in pattern.finditer(text):
                yield tag, match
