"""Call audio arriving on a connection: frame checks, the real-time budget, resampling to 16 kHz.

Pure apart from what the :class:`~consult_assist.audio.calls.CallHandle` does with the audio;
time is passed in.

The budget keeps one call from taking the shared model's time from the others: audio may
arrive at ``max_speed`` × real time on average (a little above 1, for jitter), plus a burst of
``burst_s`` seconds at once (a client sending what it held while it reconnected). Audio beyond
it is dropped, counted and logged, and the sender is told with an ``error`` (once, then at most
every few seconds while it goes on).
"""

from __future__ import annotations

import logging

import numpy as np

from consult_assist.audio.calls import CallHandle
from consult_assist.audio.pcm import Resampler, int16_to_float
from consult_assist.hub.protocol import MAX_AUDIO_FRAME_S

__all__ = ["AudioIngest"]

log = logging.getLogger(__name__)

_TELL_EVERY_S = 5.0
"""While audio keeps arriving too fast, the sender is told again at most this often."""


class AudioIngest:
    """The call one connection streams: interleaved int16 frames in, 16 kHz channels pushed on.

    A frame must hold whole samples of every channel and at most ``MAX_AUDIO_FRAME_S`` of audio,
    and fit the budget (see the module docstring). A refused frame is dropped, not queued.
    """

    def __init__(
        self,
        handle: CallHandle,
        *,
        channels: int,
        rate: int,
        started: float,
        max_speed: float,
        burst_s: float = 10.0,
    ) -> None:
        self.handle = handle
        self.channels = channels
        self.rate = rate
        self.max_speed = max_speed
        self.burst_s = burst_s
        self.samples = 0
        """Samples per channel accepted so far."""
        self.dropped_s = 0.0
        """Seconds of audio dropped for arriving too fast."""
        self._allowance = burst_s  # seconds of audio that may arrive now
        self._stamp = started
        self._told_at: float | None = None
        self._resamplers = [Resampler(rate) for _ in range(channels)]
        self._finished = False

    @property
    def session(self) -> str:
        return self.handle.session

    def push(self, frame: bytes, now: float) -> tuple[str, str] | None:
        """Take one frame; returns ``(code, message)`` when the sender must be told of a drop."""
        if self._finished:
            return None
        width = 2 * self.channels
        max_bytes = int(self.rate * MAX_AUDIO_FRAME_S) * width
        if len(frame) % width or len(frame) > max_bytes:
            return (
                "bad_audio",
                f"an audio frame must hold whole {self.channels}-channel int16 samples"
                f" and at most {MAX_AUDIO_FRAME_S:g} s; frame dropped",
            )
        n = len(frame) // width
        seconds = n / self.rate
        self._allowance = min(
            self.burst_s, self._allowance + max(0.0, now - self._stamp) * self.max_speed
        )
        self._stamp = now
        if seconds > self._allowance + 1e-9:
            return self._drop(seconds, now)
        self._allowance -= seconds
        self.samples += n
        pcm = np.frombuffer(frame, dtype="<i2").reshape(n, self.channels)
        for channel, resampler in enumerate(self._resamplers):
            self.handle.push(channel, resampler.process(int16_to_float(pcm[:, channel].copy())))
        return None

    def finish(self) -> None:
        """End of the audio: push what the resamplers still hold (the call's last samples)."""
        if self._finished:
            return
        self._finished = True
        for channel, resampler in enumerate(self._resamplers):
            tail = resampler.flush()
            if len(tail):
                self.handle.push(channel, tail)
        if self.dropped_s:
            log.warning(
                "[%s] %.1f s of audio were dropped in all: they arrived faster than %g× real time",
                self.session,
                self.dropped_s,
                self.max_speed,
            )

    def _drop(self, seconds: float, now: float) -> tuple[str, str] | None:
        first = self.dropped_s == 0.0
        self.dropped_s += seconds
        if first:
            log.warning(
                "[%s] audio arrives faster than %g× real time: dropping what exceeds it",
                self.session,
                self.max_speed,
            )
        if self._told_at is not None and now - self._told_at < _TELL_EVERY_S:
            return None
        self._told_at = now
        return (
            "rate_limited",
            f"audio faster than {self.max_speed:g}× real time (with {self.burst_s:g} s of burst)"
            f" is dropped: {self.dropped_s:.1f} s dropped so far",
        )
