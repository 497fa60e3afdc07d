"""Inverted lists in compressed-sparse-row form: term -> (document ids, weights).

Built with numpy from flat (term, document, weight) triples; scoring a query is one gather
over the query's terms and one ``numpy.bincount``, so its cost grows with the postings
touched, not with the size of the manual.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

__all__ = ["FloatArray", "IntArray", "Postings"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class Postings:
    """Weighted inverted lists over ``size`` documents, read-only once built.

    ``terms``, ``docs`` and ``weights`` are parallel arrays, one entry per posting, sorted by
    term id (ids below ``vocabulary``).
    """

    def __init__(
        self, *, terms: IntArray, docs: IntArray, weights: FloatArray, vocabulary: int, size: int
    ) -> None:
        if len(terms) > 1 and bool((np.diff(terms) < 0).any()):
            raise ValueError("postings must be sorted by term id")
        counts = np.bincount(terms, minlength=vocabulary)
        self.size = size
        self._offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self._docs = docs.astype(np.int64)
        self._weights = weights.astype(np.float64)

    def scores(self, query: Iterable[tuple[int, float]]) -> FloatArray:
        """Per document, the sum over (term id, factor) of factor times posting weight."""
        pairs = list(query)
        if not pairs:
            return np.zeros(self.size)
        ids = np.fromiter((t for t, _ in pairs), dtype=np.int64, count=len(pairs))
        factors = np.fromiter((f for _, f in pairs), dtype=np.float64, count=len(pairs))
        starts = self._offsets[ids]
        lengths = self._offsets[ids + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(self.size)
        # Positions of every touched posting, built without a Python loop over postings.
        base = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        positions = base + np.arange(total, dtype=np.int64)
        weights = self._weights[positions] * np.repeat(factors, lengths)
        summed = np.bincount(self._docs[positions], weights=weights, minlength=self.size)
        return summed.astype(np.float64, copy=False)
