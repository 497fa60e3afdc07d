"""Manual suggestions for a call: recent utterances ranked together, smoothed, with hysteresis.

The streaming recognizer cuts speech at every short pause, so an utterance is often a
fragment (「お父さんが」, 「頭とか背中を殴られた」) that says little on its own; on telephone
audio, with more recognition errors, still less. So each event is ranked together with the
last few finals (:attr:`SuggestOptions.context`, older ones weighing less; the engine builds
that query). A section's *activation* is the decayed sum, over the rankings of the last few
finals and the current partial, of how far its score stood above a noise ``floor``. The list
shown to the handler changes only when it must:

* a section enters when its activation reaches ``enter`` and leaves only when it falls below
  ``leave`` (lower) *and* it has been shown for ``min_dwell_s`` seconds of call audio;
* a shown section is displaced by a better one only past the same dwell and by a margin;
* shown sections keep their order unless one overtakes another by ``swap_margin``;
* a section of the call's *opening* (``phase = "opening"`` in the manual: the greeting) leaves
  once the call has moved on: another section has been shown, or ``opening_s`` have passed.

A :class:`Suggestion` is emitted only when the ids or their order change, or a shown section
gains a matched term.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from consult_assist.events import Speaker, Suggestion, SuggestionItem
from consult_assist.knowledge.index import Ranked
from consult_assist.knowledge.manual import Section

__all__ = ["SuggestOptions", "Suggester"]


@dataclass(frozen=True, kw_only=True)
class SuggestOptions:
    """Tuning of the suggestion list; scores are in the units of :meth:`ManualIndex.scores`."""

    shown: int = 3
    """How many sections the handler sees."""
    context: int = 1
    """Earlier finals ranked together with each utterance (the query's context)."""
    context_decay: float = 0.7
    """Weight of a context final in the query per final of age: 0.7, 0.49…"""
    window: int = 3
    """Finals whose rankings accumulate."""
    decay: float = 0.7
    """Weight of a final's ranking per final of age: 1, 0.7, 0.49…"""
    partial_weight: float = 0.8
    """Weight of the utterance still in progress (its partial)."""
    speaker_weights: tuple[tuple[str, float], ...] = (("handler", 0.5),)
    """Weight per speaker label (others 1.0): the handler's questions say less than the
    caller's account. An unknown speaker counts in full."""
    floor: float = 0.02
    """Score of a ranking that counts as noise; only the part above it accumulates."""
    enter: float = 0.04
    """Activation from which a section is shown."""
    leave: float = 0.01
    """Activation below which a shown section may leave (after its dwell)."""
    min_dwell_s: float = 4.0
    """Seconds of call audio a section stays shown at least."""
    swap_margin: float = 0.02
    """Activation by which a section must beat the one above it (or the weakest shown one)
    to overtake (or displace) it."""
    opening_s: float = 30.0
    """Seconds after which sections of the call's opening are no longer suggested."""
    related_weight: float = 0.5
    """Share of a section's activation passed to the sections it lists as ``related`` (the
    manual's "see also": after physical abuse, taking the report and the 48-hour check),
    the first related one in full share, each next one ``related_decay`` of the one before."""
    related_decay: float = 0.8
    seen_s: float = 10.0
    """Seconds shown after which a section counts as seen: it then competes for its place
    at ``seen_weight`` of its activation, so newly raised topics get their turn."""
    seen_weight: float = 0.5


@dataclass
class _Heard:
    utterance: int
    weight: float
    ranked: dict[str, Ranked] = field(default_factory=dict)


@dataclass
class _Shown:
    id: str
    since: float


class Suggester:
    """Per call: folds the ranking of each event into a stable suggestion list."""

    def __init__(self, options: SuggestOptions | None = None) -> None:
        self.options = options or SuggestOptions()
        self._finals: deque[_Heard] = deque(maxlen=self.options.window)
        self._partial: _Heard | None = None
        self._shown: list[_Shown] = []
        self._sections: dict[str, Section] = {}
        self._emitted: tuple[tuple[str, tuple[str, ...]], ...] = ()
        self._opened = True
        self._catalog: Mapping[str, Section] = {}

    def update(
        self,
        ranked: Sequence[Ranked],
        *,
        session: str,
        utterance: int,
        final: bool,
        at: float,
        speaker: Speaker = "",
        catalog: Mapping[str, Section] | None = None,
        urgent: Sequence[str] = (),
    ) -> Suggestion | None:
        """Take the ranking of one partial or final; the new list if it changed, else None.

        ``catalog`` (section id -> section, the manual) lets related sections be suggested
        without having been ranked themselves. ``urgent`` sections are shown at once, past
        any dwell: those of attention words of level high or critical just said as a fact
        (the banner shows 怒鳴る; its section must be there too).
        """
        weight = dict(self.options.speaker_weights).get(speaker, 1.0)
        if ranked and ranked[0].section.phase == "opening":
            # The greeting (「はい、子ども家庭支援センターです」): it names the centre, which
            # half the manual mentions, but it says nothing about the call's topics.
            ranked = ranked[:1]
        heard = _Heard(utterance, weight, {r.section.id: r for r in ranked})
        for result in ranked:
            self._sections[result.section.id] = result.section
        if catalog is not None:
            self._catalog = catalog
        if final:
            self._partial = None
            if self._finals and self._finals[-1].utterance == utterance:
                self._finals.pop()
            self._finals.append(heard)
        else:
            self._partial = heard
        activation, matched = self._activation(at)
        self._rearrange(activation, at, [u for u in urgent if u in self._sections])
        items = tuple(
            SuggestionItem(
                id=shown.id,
                title=self._sections[shown.id].title,
                score=round(activation.get(shown.id, 0.0), 3),
                matched=matched.get(shown.id, ()),
                excerpt=self._sections[shown.id].excerpt,
            )
            for shown in self._shown
        )
        if not self._changed(items):
            return None
        self._emitted = tuple((item.id, item.matched) for item in items)
        return Suggestion(session=session, at=at, items=items, utterance=utterance)

    def _changed(self, items: tuple[SuggestionItem, ...]) -> bool:
        """Whether the handler should see ``items``: other sections or order, or new terms.

        Terms that merely age out of the context do not warrant a new event.
        """
        if tuple(item.id for item in items) != tuple(i for i, _ in self._emitted):
            return True
        before = dict(self._emitted)
        return any(set(item.matched) - set(before[item.id]) for item in items)

    def forget(self, section_ids: set[str]) -> None:
        """Drop sections that no longer exist (after a manual reload)."""
        self._shown = [s for s in self._shown if s.id not in section_ids]
        for heard in (*self._finals, *([self._partial] if self._partial else [])):
            for section_id in section_ids:
                heard.ranked.pop(section_id, None)

    def _opening(self, section_id: str) -> bool:
        return self._sections[section_id].phase == "opening"

    def _activation(self, at: float) -> tuple[dict[str, float], dict[str, tuple[str, ...]]]:
        opts = self.options
        context: list[tuple[float, _Heard]] = []
        if self._partial is not None:
            context.append((opts.partial_weight, self._partial))
        for age, heard in enumerate(reversed(self._finals)):
            context.append((opts.decay**age, heard))
        if self._opened and at >= opts.opening_s:
            self._opened = False  # the call has moved on
        activation: dict[str, float] = {}
        matched: dict[str, dict[str, None]] = {}
        for weight, heard in context:
            for section_id, result in heard.ranked.items():
                if not self._opened and self._opening(section_id):
                    continue
                score = max(result.score - opts.floor, 0.0) * weight * heard.weight
                if score <= 0.0:
                    continue
                activation[section_id] = activation.get(section_id, 0.0) + score
                terms = matched.setdefault(section_id, {})
                terms.update(dict.fromkeys(result.matched))
        if opts.related_weight > 0:
            direct = dict(activation)
            for section_id, level in direct.items():
                share = opts.related_weight
                for related in self._sections[section_id].related:
                    target = self._sections.get(related) or self._catalog.get(related)
                    if target is not None and (self._opened or target.phase != "opening"):
                        self._sections[related] = target
                        activation[related] = activation.get(related, 0.0) + level * share
                    share *= opts.related_decay
        return activation, {k: tuple(v)[:6] for k, v in matched.items()}

    def _rearrange(self, activation: dict[str, float], at: float, urgent: Sequence[str]) -> None:
        opts = self.options

        def level(section_id: str) -> float:
            return activation.get(section_id, 0.0)

        def settled(shown: _Shown) -> bool:
            return at - shown.since >= opts.min_dwell_s

        def holding(shown: _Shown) -> float:
            seen = at - shown.since >= opts.seen_s
            return level(shown.id) * (opts.seen_weight if seen else 1.0)

        self._shown = [
            s
            for s in self._shown
            if (level(s.id) >= opts.leave or not settled(s))
            and (self._opened or not self._opening(s.id))
        ]
        for section_id in urgent:
            if any(s.id == section_id for s in self._shown):
                continue
            if len(self._shown) >= opts.shown:
                others = [s for s in self._shown if s.id not in urgent]
                if not others:
                    continue
                self._shown.remove(min(others, key=holding))
            self._shown.append(_Shown(section_id, at))
        showing = {s.id for s in self._shown}
        waiting = sorted(
            (i for i in activation if i not in showing and level(i) >= opts.enter),
            key=lambda i: -level(i),
        )
        for section_id in waiting:
            if len(self._shown) < opts.shown:
                self._shown.append(_Shown(section_id, at))
                continue
            weakest = min(self._shown, key=holding)
            if settled(weakest) and level(section_id) > holding(weakest) + opts.swap_margin:
                self._shown[self._shown.index(weakest)] = _Shown(section_id, at)
        if self._opened and any(not self._opening(s.id) for s in self._shown):
            # Another topic is up: the greeting has done its job.
            self._opened = False
            self._shown = [s for s in self._shown if not self._opening(s.id)]
        # Neighbour swaps until none is due: an item passes another only when clearly ahead,
        # so the list does not shuffle on every small change, yet settles in one update.
        swapped = True
        while swapped:
            swapped = False
            for i in range(1, len(self._shown)):
                above, below = self._shown[i - 1], self._shown[i]
                if level(below.id) > level(above.id) + opts.swap_margin:
                    self._shown[i - 1], self._shown[i] = below, above
                    swapped = True
