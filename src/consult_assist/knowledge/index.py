"""Ranked retrieval of manual sections for a piece of (mis)recognised speech.

Sections are ranked by BM25F over three views of the same text — surface character n-grams,
sound-key n-grams of the reading, and content-word lemmas (see :mod:`.terms`) — with title,
keywords, paraphrases and body as weighted fields. Callers may add *boosts*: evidence found
elsewhere, such as an attention word whose entry names a section.

For the best few sections, each keyword, title and paraphrase is scored by *coverage* (the
share of its idf weight that the query contains); those above a threshold explain the match
(``matched``), and :func:`rapidfuzz.fuzz.partial_ratio_alignment` finds the span of the query
each came from, for highlighting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from consult_assist.events import SuggestionItem
from consult_assist.knowledge.manual import Manual, Section
from consult_assist.knowledge.postings import FloatArray, IntArray, Postings
from consult_assist.knowledge.terms import (
    TermOptions,
    Terms,
    body_terms,
    labelled_terms,
    text_terms,
)
from consult_assist.knowledge.text import Analysis, analyse

__all__ = ["Boost", "Hit", "IndexOptions", "ManualIndex", "Ranked"]

HitKind = Literal["title", "keyword", "paraphrase", "attention"]
_FIELDS = 4  # title, keywords, paraphrases, body


@dataclass(frozen=True, kw_only=True)
class IndexOptions:
    """Weights of the retrieval: coarse values, kept only where they helped both halves of
    the labelled set (odd and even lines), never tuned per item."""

    terms: TermOptions = field(default_factory=TermOptions)
    field_weights: tuple[float, float, float, float] = (3.0, 3.0, 2.0, 0.5)
    """BM25F weight of title, keywords, paraphrases and body."""
    k1: float = 1.2
    b: float = 0.75
    keyword_min: float = 0.6
    """Coverage (0-1) from which a keyword or title explains a match."""
    paraphrase_min: float = 0.45
    """Coverage (0-1) from which a caller paraphrase explains a match."""
    unit_mass: float = 20.0
    """Idf mass from which a term's coverage counts in full; shorter terms count less
    (a two-kana paraphrase like あの… is covered by almost any utterance)."""


@dataclass(frozen=True, kw_only=True)
class Hit:
    """One term of the manual that the query matched, and where (``start:end`` of the text)."""

    term: str
    kind: HitKind
    coverage: float
    start: int
    end: int


@dataclass(frozen=True, kw_only=True)
class Boost:
    """Evidence for a section found outside the index, added to its score."""

    section: str
    score: float
    hit: Hit


_HIT_ORDER = {"attention": 0, "keyword": 1, "title": 2, "paraphrase": 3}


@dataclass(frozen=True, kw_only=True)
class Ranked:
    """One section's score for a query and the hits that explain it."""

    section: Section
    score: float
    hits: tuple[Hit, ...] = ()

    @property
    def matched(self) -> tuple[str, ...]:
        """The manual terms that matched, most certain first, without repeats."""
        ordered = sorted(self.hits, key=lambda h: (_HIT_ORDER[h.kind], -h.coverage))
        return tuple(dict.fromkeys(h.term for h in ordered))

    def item(self) -> SuggestionItem:
        """This result as the event payload shown to the handler."""
        return SuggestionItem(
            id=self.section.id,
            title=self.section.title,
            score=round(self.score, 3),
            matched=self.matched,
            excerpt=self.section.excerpt,
        )


@dataclass(frozen=True)
class _Unit:
    """A title, keyword or paraphrase, kept to explain matches."""

    kind: HitKind
    term: str
    analysis: Analysis


class ManualIndex:
    """Search structure for one :class:`Manual`; immutable, so one index serves every call."""

    def __init__(self, manual: Manual, options: IndexOptions | None = None) -> None:
        self.manual = manual
        self.options = options or IndexOptions()
        self._sections = manual.sections
        self._position = {s.id: n for n, s in enumerate(self._sections)}
        self._units: list[_Unit] = []
        self._first_unit = [0]
        unit_terms: list[tuple[Terms, IntArray]] = []
        fields = [self._fields(section, unit_terms) for section in self._sections]
        self._hashes, self._idf, self._bm25 = self._build(fields)
        self._prepare_units(unit_terms)

    def __len__(self) -> int:
        return len(self._sections)

    def _fields(self, section: Section, unit_terms: list[tuple[Terms, IntArray]]) -> list[Terms]:
        """The terms of the title, keyword, paraphrase and body fields; records the units."""
        opts = self.options.terms
        fields: list[Terms] = []
        for kind, strings in (
            ("title", (section.title,)),
            ("keyword", section.keywords),
            ("paraphrase", section.paraphrases),
        ):
            analyses = [analyse(text) for text in strings]
            terms, labels = labelled_terms(analyses, opts)
            unit_terms.append((terms, labels + len(self._units)))
            self._units.extend(_Unit(kind, t, a) for t, a in zip(strings, analyses, strict=True))  # type: ignore[arg-type]
            fields.append(terms)
        fields.append(body_terms(section.body, opts))
        self._first_unit.append(len(self._units))
        return fields

    def _prepare_units(self, unit_terms: list[tuple[Terms, IntArray]]) -> None:
        """Each unit's distinct terms and normalised weights, sorted by unit, for coverage."""
        hashes = np.concatenate([t.hashes for t, _ in unit_terms] or [np.zeros(0, np.int64)])
        views = np.concatenate([t.views for t, _ in unit_terms] or [np.zeros(0)])
        labels = np.concatenate([u for _, u in unit_terms] or [np.zeros(0, np.int64)])
        order = np.lexsort((hashes, labels))
        hashes, views, labels = hashes[order], views[order], labels[order]
        fresh = np.ones(len(hashes), dtype=bool)
        fresh[1:] = (hashes[1:] != hashes[:-1]) | (labels[1:] != labels[:-1])
        hashes, views, labels = hashes[fresh], views[fresh], labels[fresh]
        values = self._idfs(hashes) * views
        totals = np.bincount(labels, weights=values, minlength=len(self._units))
        # Full coverage of a tiny term (あの…) says less than full coverage of a long one.
        safe = np.maximum(totals, 1e-9)
        scale = np.minimum(1.0, totals / self.options.unit_mass) / safe
        self._unit_hashes = hashes
        self._unit_weights = values * scale[labels]
        self._unit_labels = labels
        self._unit_offsets = np.searchsorted(labels, np.arange(len(self._units) + 1))
        ceilings = [
            totals[n] * (self.options.k1 + 1.0)
            for n, unit in enumerate(self._units)
            if unit.kind == "paraphrase"
        ]
        self._typical_ceiling = float(np.median(ceilings)) if ceilings else 1.0

    def _build(self, fields: list[list[Terms]]) -> tuple[IntArray, FloatArray, Postings]:
        """Term hashes (sorted), idf per term and the BM25F postings, all with numpy."""
        opts = self.options
        size = len(fields)
        parts = [f for row in fields for f in row]
        counts = np.asarray([len(p.hashes) for p in parts], dtype=np.int64)
        lengths = counts.reshape(size, _FIELDS).astype(float)
        average = np.maximum(lengths.mean(axis=0), 1.0) if size else np.ones(_FIELDS)
        scale = np.asarray(opts.field_weights) / (1.0 - opts.b + opts.b * lengths / average)
        every = np.concatenate([p.hashes for p in parts] or [np.zeros(0, np.int64)])
        hashes, term_of = np.unique(every, return_inverse=True)
        row_of = np.repeat(np.arange(size * _FIELDS) // _FIELDS, counts)
        weighted = np.repeat(scale.reshape(-1), counts)
        # One posting per (term, section), sorted by term: fields merged into a pseudo tf.
        pair, where = np.unique(term_of * max(size, 1) + row_of, return_inverse=True)
        tf = np.bincount(where, weights=weighted, minlength=len(pair)).astype(np.float64)
        term_ids, docs = pair // max(size, 1), pair % max(size, 1)
        df = np.bincount(term_ids, minlength=len(hashes))
        idf = np.log(1.0 + (size - df + 0.5) / (df + 0.5))
        weights = idf[term_ids] * tf * (opts.k1 + 1.0) / (tf + opts.k1)
        postings = Postings(
            terms=term_ids, docs=docs, weights=weights, vocabulary=len(hashes), size=size
        )  # term_ids come sorted out of numpy.unique
        return hashes, idf, postings

    def _lookup(self, hashes: IntArray) -> tuple[IntArray, npt.NDArray[np.bool_]]:
        """Term ids of ``hashes`` and which of them the index knows."""
        if not len(self._hashes):
            return np.zeros(len(hashes), np.int64), np.zeros(len(hashes), bool)
        where = np.minimum(np.searchsorted(self._hashes, hashes), len(self._hashes) - 1)
        return where, self._hashes[where] == hashes

    def _idfs(self, hashes: IntArray) -> FloatArray:
        ids, known = self._lookup(hashes)
        return np.where(known, self._idf[ids] if len(self._idf) else 0.0, 0.0)

    def _ceiling(self, terms: Terms) -> float:
        """What a section saturating every one of the (distinct) ``terms`` would score."""
        return float((self._idfs(terms.hashes) * terms.views).sum()) * (self.options.k1 + 1.0)

    def scores(self, text: str) -> FloatArray:
        """How far each section's BM25F score for ``text`` stands above the median section.

        Divided by the query's ceiling (what a section saturating every query term would
        score), but never by less than a typical paraphrase's ceiling, so that neither a long
        utterance nor a back-channel like はい is favoured: a clear match scores about
        0.2-0.5, chit-chat about 0.1.
        """
        return self.context_scores([text], [1.0])

    def context_scores(self, texts: Sequence[str], weights: Sequence[float]) -> FloatArray:
        """Like :meth:`scores` for several texts read as one query (a call's recent
        utterances): each term counts once, with the largest weight of the texts it is in;
        n-grams never cross from one text into the next."""
        query = self._query(texts, weights)
        if not len(query.hashes) or not self._sections:
            return np.zeros(len(self._sections))
        ids, known = self._lookup(query.hashes)
        raw = self._bm25.scores(zip(ids[known].tolist(), query.views[known].tolist(), strict=True))
        ceiling = max(self._ceiling(query), self._typical_ceiling, 1e-9)
        return (raw - float(np.median(raw))) / ceiling

    def _query(self, texts: Sequence[str], weights: Sequence[float]) -> Terms:
        analyses = [analyse(t) for t in texts]
        terms, labels = labelled_terms(analyses, self.options.terms)
        if not len(terms.hashes):
            return terms
        scaled = terms.views * np.asarray(weights, dtype=np.float64)[labels]
        # Each term once, at its largest weight.
        order = np.lexsort((-scaled, terms.hashes))
        hashes, scaled = terms.hashes[order], scaled[order]
        first = np.ones(len(hashes), dtype=bool)
        first[1:] = hashes[1:] != hashes[:-1]
        return Terms(hashes[first], scaled[first])

    def search(self, text: str, top_k: int = 5, boosts: Sequence[Boost] = ()) -> list[Ranked]:
        """The ``top_k`` best sections for ``text`` with the hits that explain them."""
        if not text.strip():
            return []
        return self.search_context([text], [1.0], top_k=top_k, boosts=boosts)

    def search_context(
        self,
        texts: Sequence[str],
        weights: Sequence[float],
        *,
        top_k: int = 5,
        boosts: Sequence[Boost] = (),
        explain: int | None = None,
    ) -> list[Ranked]:
        """The ``top_k`` best sections for several weighted texts read as one query; the
        matched terms of only the first ``explain`` of them (default: all) are worked out."""
        kept = [(t, w) for t, w in zip(texts, weights, strict=True) if t.strip() and w > 0]
        if not self._sections or not kept:
            return []
        texts, weights = [t for t, _ in kept], [w for _, w in kept]
        total = self.context_scores(texts, weights)
        extra: dict[int, list[Hit]] = {}
        for boost in boosts:
            number = self._position.get(boost.section)
            if number is not None:
                total[number] += boost.score
                extra.setdefault(number, []).append(boost.hit)
        count = min(len(self), max(top_k, 1))
        order = np.argsort(-total, kind="stable")[:count]
        query = analyse(texts[-1])
        present = np.unique(text_terms([analyse(t) for t in texts], self.options.terms).hashes)
        results = []
        explained = top_k if explain is None else explain
        for rank, number in enumerate(order.tolist()):
            if total[number] <= 0.0:
                break
            own = self._hits(number, present, query) if rank < explained else ()
            hits = (*extra.get(number, ()), *own)
            section = self._sections[number]
            results.append(Ranked(section=section, score=float(total[number]), hits=hits))
        return results

    def _hits(self, section: int, present: IntArray, query: Analysis) -> tuple[Hit, ...]:
        """Units of ``section`` whose coverage by the query's (sorted) terms explains it."""
        opts = self.options
        first, last = self._first_unit[section], self._first_unit[section + 1]
        start, stop = self._unit_offsets[first], self._unit_offsets[last]
        hashes = self._unit_hashes[start:stop]
        # ``present`` is sorted (np.unique): a binary search is several times faster than
        # np.isin on arrays this small, and this runs for every ranked section of every event.
        where = np.minimum(np.searchsorted(present, hashes), max(len(present) - 1, 0))
        mask = present[where] == hashes if len(present) else np.zeros(len(hashes), dtype=bool)
        coverage = np.bincount(
            self._unit_labels[start:stop] - first,
            weights=self._unit_weights[start:stop] * mask,
            minlength=last - first,
        )
        hits: list[Hit] = []
        for offset, value in enumerate(coverage.tolist()):
            unit = self._units[first + offset]
            least = opts.paraphrase_min if unit.kind == "paraphrase" else opts.keyword_min
            if value < least or not unit.analysis.key or not query.key:
                continue
            begin, end = _align(unit.analysis.key, query)
            hits.append(Hit(term=unit.term, kind=unit.kind, coverage=value, start=begin, end=end))
        return tuple(hits)

    def section_ids(self) -> Iterable[str]:
        """Ids of the indexed sections, in manual order."""
        return (s.id for s in self._sections)


def _align(key: str, query: Analysis) -> tuple[int, int]:
    """The span of ``query.text`` that best matches the sound key ``key``."""
    alignment = fuzz.partial_ratio_alignment(key, query.key)
    if alignment is None or alignment.dest_end <= alignment.dest_start:
        return 0, 0
    return query.key_span(alignment.dest_start, alignment.dest_end)
