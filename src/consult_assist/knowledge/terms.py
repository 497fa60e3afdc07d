"""Index terms of a text, as 64-bit hashes: surface n-grams, sound-key n-grams and lemmas.

A term is the hash of its string salted by its view, so the same two characters as surface
and as sound key stay different terms. Hashes are computed with the C-level ``map(hash, …)``
and handled as numpy arrays; building an index over 1,000 sections never touches a Python
dictionary per posting. (String hashes differ between processes, which changes nothing but
the order of term ids: a collision of two 64-bit hashes is practically impossible.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from consult_assist.knowledge.postings import FloatArray, IntArray
from consult_assist.knowledge.text import Analysis, char_ngrams, normalise

__all__ = ["TermOptions", "Terms", "body_terms", "labelled_terms", "text_terms"]

# Distinct odd 64-bit constants (as signed int64) mixed into each view's hashes.
_SURFACE, _KEY, _LEMMA = (
    np.int64(0x1F3D5B79 << 31),
    np.int64(0x2E4C6A88 << 31),
    np.int64(0x3B5D7F91 << 31),
)
_HEADING = re.compile(r"^\s*#.*$", re.MULTILINE)


@dataclass(frozen=True, kw_only=True)
class TermOptions:
    """Which terms a text is made of."""

    surface_ngrams: tuple[int, ...] = (2, 3)
    """Character n-gram sizes over the normalised surface."""
    body_ngrams: tuple[int, ...] = (2, 3)
    """Character n-gram sizes over a section body (surface only)."""
    key_ngrams: tuple[int, ...] = (2, 3)
    """N-gram sizes over the sound key of the reading (kana: about one per mora)."""
    view_weights: tuple[float, float, float] = (1.0, 1.0, 1.0)
    """Weight of surface, sound-key and lemma terms."""


class Terms(NamedTuple):
    """Term hashes of a text (with repeats) and each term's view weight."""

    hashes: IntArray
    views: FloatArray

    def distinct(self) -> Terms:
        """Each term once."""
        hashes, first = np.unique(self.hashes, return_index=True)
        return Terms(hashes, self.views[first])


def _hash(strings: list[str], salt: np.int64) -> IntArray:
    return np.fromiter(map(hash, strings), np.int64, count=len(strings)) ^ salt


def text_terms(analyses: Sequence[Analysis], options: TermOptions) -> Terms:
    """The terms of analysed texts (a query; or all keywords of a section, as one field).

    N-grams never cross from one text into the next.
    """
    return labelled_terms(analyses, options)[0]


def labelled_terms(analyses: Sequence[Analysis], options: TermOptions) -> tuple[Terms, IntArray]:
    """Like :func:`text_terms`, with the index of the text each term came from."""
    grams: tuple[list[str], list[str], list[str]] = ([], [], [])
    sizes: tuple[list[int], list[int], list[int]] = ([], [], [])
    for analysis in analyses:
        for view, found in enumerate(
            (
                char_ngrams(analysis.text, options.surface_ngrams),
                char_ngrams(analysis.key, options.key_ngrams),
                [t.lemma for t in analysis.tokens if t.content],
            )
        ):
            grams[view].extend(found)
            sizes[view].append(len(found))
    numbers = np.arange(len(analyses))
    label = np.concatenate([np.repeat(numbers, s) for s in sizes] or [np.zeros(0, np.int64)])
    views = np.repeat(np.asarray(options.view_weights), [len(g) for g in grams])
    hashes = [_hash(g, salt) for g, salt in zip(grams, (_SURFACE, _KEY, _LEMMA), strict=True)]
    return Terms(np.concatenate(hashes), views), label.astype(np.int64)


def body_terms(body: str, options: TermOptions) -> Terms:
    """Surface n-grams of a section body, headings left out.

    Bodies are not analysed: that would dominate the build of a large manual, and callers'
    words meet the manual mostly in keywords and paraphrases.
    """
    surface = _hash(char_ngrams(normalise(_HEADING.sub("", body)), options.body_ngrams), _SURFACE)
    return Terms(surface, np.full(len(surface), options.view_weights[0]))
