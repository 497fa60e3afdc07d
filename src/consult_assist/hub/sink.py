"""The port through which an audio source (SIP, microphone, websocket, file) opens a live call.

A source calls :meth:`CallSink.open_call` when a call starts, pushes 16 kHz float32 audio per
channel as it arrives, and ends the call once. Everything after that (ASR, knowledge, store,
fan-out) is the hub's business. All methods are called on the event loop; none blocks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from consult_assist.audio.pcm import FloatArray

__all__ = ["CallHandle", "CallSink"]


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
