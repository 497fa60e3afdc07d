"""Intake checklist coverage: which items a call has taken up so far, with the evidence.

An item is covered when either speaker says one of its cues (found like attention words, so
おいくつ and 何歳 survive recognition errors) or when one of its regexes matches the
NFKC-normalised text. Only finals count: a partial may still change, and a covered item never
becomes uncovered.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from consult_assist.events import CheckItem, Checklist, TranscriptFinal
from consult_assist.knowledge.manual import ChecklistItem
from consult_assist.knowledge.phrase import PhraseOptions, PhraseSet, Target

__all__ = ["ChecklistMatcher", "ChecklistTracker"]


class ChecklistMatcher:
    """Finds the checklist items an utterance covers; immutable and shared by every call."""

    def __init__(
        self, items: Sequence[ChecklistItem], options: PhraseOptions | None = None
    ) -> None:
        self.items = tuple(items)
        cues = [(number, cue) for number, item in enumerate(self.items) for cue in item.cues]
        self._item_of = [number for number, _ in cues]
        self._cues = PhraseSet([cue for _, cue in cues], options)
        self._patterns = [[re.compile(pattern) for pattern in item.patterns] for item in self.items]

    def covered(self, text: str) -> dict[int, str]:
        """Item number -> the matched words, for every item ``text`` covers."""
        found: dict[int, str] = {}
        folded = unicodedata.normalize("NFKC", text)
        for number, patterns in enumerate(self._patterns):
            for pattern in patterns:
                match = pattern.search(folded)
                if match:
                    found.setdefault(number, match.group(0))
                    break
        target = Target.of(text)
        for cue, span in self._cues.find(target):
            matched = target.analysis.text[span.start : span.end]
            found.setdefault(self._item_of[cue], matched)
        return found


class ChecklistTracker:
    """Per call: which items are covered, emitting a :class:`Checklist` when that changes.

    The matcher is passed on each call, so a reloaded manual applies from the next
    utterance while the evidence gathered so far is kept (by item id).
    """

    def __init__(self) -> None:
        self._evidence: dict[str, str] = {}

    def feed(self, event: TranscriptFinal, base: ChecklistMatcher) -> Checklist | None:
        """The new checklist if ``event`` covered an item not covered before, else ``None``."""
        changed = False
        for number in base.covered(event.text):
            item = base.items[number]
            if item.id not in self._evidence:
                self._evidence[item.id] = event.text
                changed = True
        return self.snapshot(base=base, session=event.session, at=event.at) if changed else None

    def snapshot(self, *, base: ChecklistMatcher, session: str, at: float) -> Checklist:
        """The checklist now: covered items (with the utterance as evidence) and missing ones."""
        covered: list[CheckItem] = []
        missing: list[CheckItem] = []
        for item in base.items:
            evidence = self._evidence.get(item.id)
            if evidence is None:
                missing.append(CheckItem(id=item.id, label=item.label))
            else:
                covered.append(CheckItem(id=item.id, label=item.label, evidence=evidence))
        return Checklist(session=session, at=at, covered=tuple(covered), missing=tuple(missing))
