"""A disclosure told in pieces across an exchange, put back together.

On the telephone a child often tells it in fragments, with the handler's echo in between:
「お父さんに、なにをされたのかな」「……くび」「くび？」「うん。りょうてで、ぎゅって」.
Neither of the caller's turns names the act alone; together they do. :class:`Fragments`
keeps the caller's last turn while only short words from the handler (an echo, a prompt, a
short question) come between, and gives the caller's next turn joined to it when one of the
two is itself a fragment. The assessor looks for cues in the joined words, and keeps only
what neither turn found alone (so nothing is counted twice).
"""

from __future__ import annotations

from dataclasses import dataclass

from consult_assist.events import TranscriptFinal

__all__ = ["Fragments", "Joined"]

_FRAGMENT_CHARS = 16
"""A turn this short (in characters, punctuation included) is a fragment of a telling."""
_PROMPT_CHARS = 24
"""The handler's words between two fragments are no more than an echo or a prompt."""
_UNFINISHED = ("を", "が", "に", "で", "の", "は", "と", "、", "…")
"""How a turn cut off in mid-sentence ends."""
_MAX_GAP_S = 30.0
"""Seconds between the two caller turns."""


@dataclass(frozen=True)
class Joined:
    """The caller's previous turn and this one, said as one: ``text`` is ``before``, a
    comma, then this turn's words."""

    before: TranscriptFinal
    text: str


class Fragments:
    """Per call: feed every final in order with :meth:`observe`."""

    def __init__(self) -> None:
        self._caller: TranscriptFinal | None = None
        self._between = 0
        self._prompts_only = True

    def observe(self, final: TranscriptFinal) -> Joined | None:
        """The caller's turn joined to the one before it, when they tell one thing in
        pieces; None otherwise (and for the handler's turns)."""
        if final.speaker == "handler":
            self._between += 1
            self._prompts_only = self._prompts_only and len(final.text) <= _PROMPT_CHARS
            return None
        before, between, prompts = self._caller, self._between, self._prompts_only
        self._caller, self._between, self._prompts_only = final, 0, True
        if before is None or between > 1 or not prompts or not final.text.strip():
            return None
        if final.start - before.end > _MAX_GAP_S:
            return None
        # 「ゆうがた、おこって、ぼくの、くびを」「うん」「りょうての、てで、ぎゅーって」: a turn
        # that stops on a particle is unfinished, however long.
        unfinished = before.text.rstrip().endswith(_UNFINISHED)
        if min(len(before.text), len(final.text)) > _FRAGMENT_CHARS and not unfinished:
            return None
        return Joined(before=before, text=f"{before.text.rstrip('。、')}、{final.text}")
