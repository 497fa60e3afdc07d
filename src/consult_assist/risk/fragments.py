"""A disclosure told in pieces across an exchange, put back together.

On the telephone a child often tells it in fragments, with the handler's echo in between:
「お父さんに、なにをされたのかな」「……くび」「くび？」「うん。りょうてで、ぎゅって」.
Neither of the caller's turns names the act alone; together they do. :class:`Fragments`
keeps the caller's last turns while only short words from the handler (an echo, a prompt, a
short question) come between, and gives the caller's next turn joined to them when it or the
one before is itself a fragment. Only on a call whose speakers are known: on a mono call the
handler's words cannot be told from the caller's. The assessor looks for cues in the joined
words, and keeps only what no turn found alone (so nothing is counted twice).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from consult_assist.events import TranscriptFinal

__all__ = ["Fragments", "Joined"]

_FRAGMENT_CHARS = 16
"""A turn this short (in characters, punctuation included) is a fragment of a telling."""
_PROMPT_CHARS = 24
"""The handler's words between two fragments are no more than an echo or a prompt."""
_BARE = re.compile(
    r"[…、。.！？!?\s]*(うん|はい|ええ|ううん|いいえ|いえ|いや|そう|えっと|あの|うーん|わかんない|"
    r"わからない|知らない)[…、。.！？!?\sです]*"
)
"""A bare yes, no, filler or "I don't know": answered as such elsewhere."""
_UNFINISHED = ("を", "が", "に", "で", "の", "は", "と", "、", "…")
"""How a turn cut off in mid-sentence ends."""
_ECHO_CHARS = 12
"""A handler's turn may be longer than a prompt when it opens by echoing the caller's words:
its first sentence this short, every character of it in the caller's last turn
(「首を、両手で。話してくれてありがとう。そのとき、苦しかった？」)."""
_PUNCTUATION = re.compile(r"[、，,…\s]")
"""What an echo may carry besides the caller's characters."""
_MAX_GAP_S = 30.0
"""Seconds between two caller turns of one telling."""
_RUN = 3
"""Caller fragments kept, the current turn aside."""


@dataclass(frozen=True)
class Joined:
    """The caller's turns of one telling said as one: ``text`` is each turn in order, joined
    with commas; ``named`` what the turns before this one named by themselves."""

    text: str
    named: frozenset[str]


class Fragments:
    """Per call: feed every final in order with :meth:`observe`."""

    def __init__(self) -> None:
        self._run: list[tuple[TranscriptFinal, frozenset[str]]] = []
        """The caller's fragments told so far, with only prompts between them, each with what
        it named by itself."""
        self._between = 0
        self._prompts_only = True

    def observe(self, final: TranscriptFinal, named: frozenset[str] = frozenset()) -> Joined | None:
        """The caller's turn joined to the fragments just before it, when they tell one thing
        in pieces; None otherwise (and for the handler's turns). ``named``: the sub-items the
        turn names by itself."""
        if final.speaker == "handler":
            self._between += 1
            self._prompts_only = self._prompts_only and (
                len(final.text) <= _PROMPT_CHARS or self._echoes(final.text)
            )
            return None
        if final.speaker != "caller":
            # A mono call (speaker unknown): the handler's words cannot be told from the
            # caller's, and a question joined to its answer would be read as told.
            self._run = []
            return None
        run = self._run if self._between <= 1 and self._prompts_only else []
        if run and final.start - run[-1][0].end > _MAX_GAP_S:
            run = []
        self._between, self._prompts_only = 0, True
        joined = None
        # Every turn on the run is a fragment, so any turn after one may finish the telling.
        if run and final.text.strip():
            text = "、".join(t.text.rstrip("。、") for t in (*(t for t, _ in run), final))
            joined = Joined(text=text, named=frozenset().union(*(n for _, n in run)))
        # A fragment goes on the run (at most three turns kept); a full turn ends it.
        self._run = [*run, (final, named)][-_RUN:] if _fragment(final) else []
        return joined

    def _echoes(self, text: str) -> bool:
        """Whether the handler's turn opens with an echo of the caller's last fragment."""
        if not self._run:
            return False
        first = _PUNCTUATION.sub("", re.split(r"[。？?！!]", text, maxsplit=1)[0])
        said = self._run[-1][0].text
        return 0 < len(first) <= _ECHO_CHARS and all(ch in said for ch in first)


def _fragment(final: TranscriptFinal) -> bool:
    """A short turn, or one cut off in mid-sentence (「ぼくの、くびを」), however long; not a
    bare yes, no or filler (「うん」「はい」「えっと」), which tells nothing to join."""
    text = final.text.rstrip()
    if _BARE.fullmatch(text):
        return False
    # 「…こうやって、両手で。」: the recognizer's (or the writer's) full stop after a particle
    # does not finish the sentence.
    return len(text) <= _FRAGMENT_CHARS or text.rstrip("。").endswith(_UNFINISHED)
