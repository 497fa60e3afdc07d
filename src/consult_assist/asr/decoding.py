"""The seam between the streaming core and a speech model: requests, results, the port."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from consult_assist.audio.pcm import FloatArray

__all__ = ["DecodeKind", "DecodeRequest", "DecodeResult", "Pace", "Transcriber"]

DecodeKind = Literal["partial", "final"]


@dataclass(frozen=True, eq=False)
class DecodeRequest:
    """Decode ``audio`` (16 kHz mono) continuing the forced ``prefix``.

    ``start``/``end`` are seconds of call audio covered by the utterance (without padding);
    ``issued_at`` is the call-audio clock when the core asked for it.
    """

    stream: str
    id: int
    kind: DecodeKind
    utterance: int
    audio: FloatArray
    start: float
    end: float
    prefix: str
    issued_at: float
    speech_ratio: float
    speculative: bool = False
    """A final asked for early, at the start of a pause that may end the utterance."""
    session: str = ""
    """The call the stream belongs to (the scheduler is fair across calls); "" = the stream."""

    @property
    def call(self) -> str:
        """The call this request is counted against for fairness."""
        return self.session or self.stream


@dataclass(frozen=True)
class DecodeResult:
    """A model's answer to one request; ``text`` continues the request's prefix.

    ``skipped`` marks a partial the scheduler dropped under load (no text); ``error`` says
    why a decode failed (no text). ``compute_s`` is this request's share of the compute of the
    batch it ran in (the shares of one batch add up to its compute time); ``batch_size`` is how
    many requests that batch held.
    """

    request: DecodeRequest
    text: str = ""
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compute_s: float = 0.0
    skipped: bool = False
    error: str = ""
    batch_size: int = 1


@dataclass(frozen=True)
class Pace:
    """How much a stream may ask of the shared model now (set by the scheduler's load)."""

    partial_scale: float = 1.0
    """The partial interval is multiplied by this (1 = the stream's own interval)."""
    speculative_finals: bool = True
    """Whether finals may be decoded speculatively at the start of a pause (spare capacity)."""
    load: float = 0.0
    """The load this pace was set for (busy share of the workers; >= 1 while finals wait)."""


class Transcriber(Protocol):
    """A loaded speech model; decodes block and must be safe to call from worker threads."""

    def decode(self, request: DecodeRequest) -> DecodeResult:
        """Transcribe one request."""
        ...

    def decode_batch(self, requests: Sequence[DecodeRequest]) -> list[DecodeResult]:
        """Transcribe several requests at once (of any streams); one result per request, in order.

        Raises if the batch as a whole failed; the caller answers every request with an error.
        """
        ...
