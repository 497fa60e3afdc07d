"""Call audio arriving on a connection: frame checks, the real-time budget, resampling to 16 kHz.

Pure apart from what the :class:`~consult_assist.audio.calls.CallHandle` does with the audio;
time is passed in.
"""

from __future__ import annotations

import numpy as np

from consult_assist.audio.calls import CallHandle
from consult_assist.audio.pcm import Resampler, int16_to_float
from consult_assist.hub.protocol import MAX_AUDIO_FRAME_S

__all__ = ["AudioIngest"]

_SLACK_S = 5.0
"""Seconds of audio allowed above the budget: network jitter, a client's send buffer."""


class AudioIngest:
    """The call one connection streams: interleaved int16 frames in, 16 kHz channels pushed on.

    A frame must hold whole samples of every channel and at most ``MAX_AUDIO_FRAME_S`` of audio;
    all frames together may not run ahead of ``max_speed`` × the time since the start (plus a
    few seconds of slack). A refused frame is dropped, not queued.
    """

    def __init__(
        self, handle: CallHandle, *, channels: int, rate: int, started: float, max_speed: float
    ) -> None:
        self.handle = handle
        self.channels = channels
        self.rate = rate
        self.started = started
        self.max_speed = max_speed
        self.samples = 0
        """Samples per channel accepted so far."""
        self._resamplers = [Resampler(rate) for _ in range(channels)]

    @property
    def session(self) -> str:
        return self.handle.session

    def push(self, frame: bytes, now: float) -> tuple[str, str] | None:
        """Take one frame; returns the error ``(code, message)`` when it is refused."""
        width = 2 * self.channels
        max_bytes = int(self.rate * MAX_AUDIO_FRAME_S) * width
        if len(frame) % width or len(frame) > max_bytes:
            return (
                "bad_audio",
                f"an audio frame must hold whole {self.channels}-channel int16 samples"
                f" and at most {MAX_AUDIO_FRAME_S:g} s; frame dropped",
            )
        n = len(frame) // width
        allowed = ((now - self.started) * self.max_speed + _SLACK_S) * self.rate
        if self.samples + n > allowed:
            return (
                "rate_limited",
                f"audio faster than {self.max_speed:g}× real time; frame dropped",
            )
        self.samples += n
        pcm = np.frombuffer(frame, dtype="<i2").reshape(n, self.channels)
        for channel, resampler in enumerate(self._resamplers):
            self.handle.push(channel, resampler.process(int16_to_float(pcm[:, channel].copy())))
        return None
