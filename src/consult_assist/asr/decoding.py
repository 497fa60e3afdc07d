"""The seam between the streaming core and a speech model: requests, results, the port."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from consult_assist.audio.pcm import FloatArray

__all__ = ["DecodeKind", "DecodeRequest", "DecodeResult", "Transcriber"]

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


@dataclass(frozen=True)
class DecodeResult:
    """A model's answer to one request; ``text`` continues the request's prefix.

    ``skipped`` marks a partial the scheduler dropped under load (no text); ``error`` says
    why a decode failed (no text).
    """

    request: DecodeRequest
    text: str = ""
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compute_s: float = 0.0
    skipped: bool = False
    error: str = ""


class Transcriber(Protocol):
    """A loaded speech model; ``decode`` blocks and must be safe to call from worker threads."""

    def decode(self, request: DecodeRequest) -> DecodeResult:
        """Transcribe one request."""
        ...
