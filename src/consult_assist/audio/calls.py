"""A call's audio, and the port through which a source (SIP, mic, websocket, file) opens a call.

A source calls :meth:`CallSink.open_call` when a call starts, pushes 16 kHz float32 audio per
channel as it arrives, and ends the call once. Everything after that (ASR, knowledge, store,
fan-out) is the hub's business. All methods are called on the event loop; none blocks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from consult_assist.audio.pcm import SAMPLE_RATE, FloatArray, mix

__all__ = ["CallAudio", "CallHandle", "CallSink", "channels_for"]


@dataclass(frozen=True)
class CallAudio:
    """The audio of one call: one 16 kHz array per speaker-labelled channel."""

    channels: tuple[FloatArray, ...]
    speakers: tuple[str, ...] = ("",)
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return max((len(c) for c in self.channels), default=0) / SAMPLE_RATE


def channels_for(
    channels: Sequence[FloatArray], *, split: bool, speakers: Sequence[str] = ("caller", "handler")
) -> CallAudio:
    """A call's audio from decoded channels: split stereo into speakers, or mix to mono."""
    if split and len(channels) == 2:
        return CallAudio(tuple(channels), tuple(speakers[:2]))
    return CallAudio((mix(channels),), ("",))


class CallHandle(Protocol):
    """One open call, as its audio source sees it."""

    @property
    def session(self) -> str:
        """The hub's session id for this call."""
        ...

    def push(self, channel: int, samples: FloatArray) -> None:
        """Append audio to ``channel`` (16 kHz float32 mono, in call order, any length)."""
        ...

    def end(self, reason: str = "hangup") -> None:
        """The call is over (``hangup``, ``cancel``, ``timeout``, ``error``…); idempotent."""
        ...


class CallSink(Protocol):
    """Where sources open calls: the hub in the server, a recorder in tests."""

    def open_call(
        self,
        *,
        source: str,
        speakers: Sequence[str],
        source_rate: int,
        meta: Mapping[str, Any],
    ) -> CallHandle:
        """Start a live session with one channel per speaker label ("caller", "handler", "").

        ``source`` names the kind of source ("sip", "siprec", "mic", "websocket", "file");
        ``source_rate`` is the rate the audio had before resampling (telephone audio is 8000),
        which tunes the VAD; ``meta`` goes into ``session.started`` (caller number, call id…).
        """
        ...
