"""Similar past calls: the closest earlier calls by what was said and by risk profile.

Each past call becomes a pseudo-section of the knowledge engine's BM25F index
(:class:`~consult_assist.knowledge.index.ManualIndex`): its sub-items established (as the
section's keywords, so the risk profile weighs like a manual keyword) and its transcript and
notes (as the body). The query is the current call's words and the labels of what its sheet
holds. Who may see which past call is the hub's rule (:func:`consult_assist.hub.access.
may_list_similar`); this module only ranks. A hint, not the case record (docs/risk.md §8).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from consult_assist.events import SimilarCall
from consult_assist.knowledge.index import ManualIndex
from consult_assist.knowledge.manual import Manual, Section
from consult_assist.risk.sheet import Assessment

__all__ = ["PastCall", "SimilarIndex"]

_BODY_CHARS = 4000
"""Enough of a long call's words to find it by; the index stays small."""


@dataclass(frozen=True, kw_only=True)
class PastCall:
    """An earlier call as the similar-calls search knows it."""

    session: str
    date: str
    tier: str
    subitems: tuple[str, ...]
    text: str
    notes: tuple[str, ...] = ()
    owner: str = ""
    """The handler the call belonged to."""
    started_by: str = ""
    training: bool = False


class SimilarIndex:
    """Past calls ranked for the current one; immutable (rebuild to add calls)."""

    def __init__(self, calls: Sequence[PastCall], labels: Callable[[str], str]) -> None:
        self.calls = {c.session: c for c in calls if not c.training}
        self.labels = labels
        sections = tuple(
            Section(
                id=c.session,
                title=c.tier,
                category="past-call",
                keywords=tuple(labels(s) for s in c.subitems),
                paraphrases=(),
                body=(c.text + "\n" + "\n".join(c.notes))[:_BODY_CHARS],
            )
            for c in self.calls.values()
        )
        self._index = ManualIndex(Manual(sections=sections)) if sections else None

    def __len__(self) -> int:
        return len(self.calls)

    def search(
        self,
        words: str,
        assessment: Assessment,
        *,
        allowed: Callable[[PastCall], bool],
        top_k: int = 3,
    ) -> tuple[SimilarCall, ...]:
        """The ``top_k`` closest past calls that ``allowed`` lets through."""
        if self._index is None:
            return ()
        profile = [self.labels(s) for i in assessment.items for s in i.subitems]
        query = " ".join([*profile, words[-_BODY_CHARS:]])
        found: list[SimilarCall] = []
        for ranked in self._index.search(query, top_k=max(10, 3 * top_k)):
            call = self.calls.get(ranked.section.id)
            if call is None or not allowed(call):
                continue
            found.append(
                SimilarCall(
                    session=call.session,
                    date=call.date,
                    tier=call.tier,
                    notes=call.notes,
                    summary=call.text[:80],
                )
            )
            if len(found) == top_k:
                break
        return tuple(found)
