"""Endpointing: turns per-chunk speech probabilities into utterances (pure, time in samples).

A state machine in the style of Silero's own ``get_speech_timestamps``, made incremental:

* speech starts at the first chunk whose probability reaches ``threshold``;
* it ends once the probability has stayed below ``threshold - 0.15`` for ``min_silence_s``;
  the utterance ends where that silence began;
* an utterance longer than ``soft_max_s`` is split at the next short pause; one that reaches
  ``max_utterance_s`` with no pause is split at the quietest point of its last seconds;
* an utterance with less than ``min_speech_s`` of speech is dropped as a click or a cough.

Boundaries are reported in samples of 16 kHz audio; padding is added by the caller, which
holds the audio.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from consult_assist.asr.vad import CHUNK
from consult_assist.audio.pcm import SAMPLE_RATE, FloatArray

__all__ = ["SegmentEvent", "Segmenter", "SegmenterOptions", "SpeechEnd", "SpeechStart"]


@dataclass(frozen=True, kw_only=True)
class SegmenterOptions:
    """Endpointing options. Times in seconds of call audio.

    ``min_silence_s`` trades latency for fewer mid-sentence cuts: every final waits at least
    this long after the speech ends; 0.4-0.55 s suits conversational Japanese (Silero's own
    default of 2 s suits batch transcription, not a live call). ``threshold`` is the Silero
    speech probability that starts speech; 0.5 is the model's recommended value, raise it for
    noisy lines.
    """

    threshold: float = 0.5
    """Speech probability at or above which a chunk is speech."""
    neg_threshold: float | None = None
    """Probability below which a chunk counts as silence; default ``threshold - 0.15``."""
    min_silence_s: float = 0.45
    """Silence that ends an utterance."""
    min_speech_s: float = 0.25
    """Speech shorter than this (in chunks above threshold) is dropped."""
    soft_max_s: float = 9.0
    """Past this length, the next pause of ``split_pause_s`` ends the utterance."""
    split_pause_s: float = 0.1
    """Shortest pause that splits an utterance longer than ``soft_max_s``."""
    max_utterance_s: float = 14.0
    """Hard limit; the utterance is split at the quietest point of its last ``split_search_s``."""
    split_search_s: float = 4.0
    """How far back the hard limit looks for the quietest point."""

    @property
    def silence_threshold(self) -> float:
        if self.neg_threshold is not None:
            return self.neg_threshold
        return max(self.threshold - 0.15, 0.01)


@dataclass(frozen=True)
class SpeechStart:
    """Speech began at ``start`` (samples)."""

    start: int


@dataclass(frozen=True)
class SpeechEnd:
    """An utterance ``[start, end)`` (samples) is complete; ``split`` if cut by the length limit.

    ``discarded`` is set when it carried too little speech to transcribe.
    """

    start: int
    end: int
    split: bool = False
    discarded: bool = False


SegmentEvent = SpeechStart | SpeechEnd


@dataclass
class _Utterance:
    start: int
    speech_chunks: int = 0
    silence_since: int | None = None
    # Probabilities of this utterance's chunks, for the hard split.
    probs: list[float] = field(default_factory=list)


class Segmenter:
    """Feed chunk probabilities in order; get speech start/end events."""

    def __init__(self, options: SegmenterOptions | None = None) -> None:
        self.options = options or SegmenterOptions()
        self._pos = 0  # samples consumed so far (a multiple of CHUNK)
        self._utt: _Utterance | None = None

    @property
    def position(self) -> int:
        """Samples of audio the segmenter has decided on."""
        return self._pos

    @property
    def in_speech(self) -> bool:
        return self._utt is not None

    @property
    def in_pause(self) -> bool:
        """True while speech has paused (the utterance may be about to end)."""
        return self._utt is not None and self._utt.silence_since is not None

    @property
    def pause_start(self) -> int | None:
        """Where the current pause began (samples), or None when not paused."""
        return self._utt.silence_since if self._utt is not None else None

    @property
    def utterance_start(self) -> int | None:
        return self._utt.start if self._utt is not None else None

    def process(self, probs: FloatArray) -> list[SegmentEvent]:
        """Consume probabilities, one per CHUNK samples; return the events they cause."""
        out: list[SegmentEvent] = []
        for p in np.asarray(probs, dtype=np.float32).tolist():
            self._step(float(p), out)
        return out

    def flush(self) -> list[SegmentEvent]:
        """End of stream: close the utterance in progress, if any."""
        out: list[SegmentEvent] = []
        utt = self._utt
        if utt is not None:
            end = utt.silence_since if utt.silence_since is not None else self._pos
            out.append(self._close(utt, end))
        return out

    def _samples(self, seconds: float) -> int:
        return round(seconds * SAMPLE_RATE)

    def _step(self, p: float, out: list[SegmentEvent]) -> None:
        opts = self.options
        chunk_start = self._pos
        self._pos += CHUNK
        utt = self._utt
        if utt is None:
            if p >= opts.threshold:
                self._utt = _Utterance(start=chunk_start, speech_chunks=1, probs=[p])
                out.append(SpeechStart(chunk_start))
            return
        utt.probs.append(p)
        if p >= opts.threshold:
            utt.speech_chunks += 1
            utt.silence_since = None
        elif p < opts.silence_threshold and utt.silence_since is None:
            utt.silence_since = chunk_start
        if utt.silence_since is not None:
            silent = self._pos - utt.silence_since
            if silent >= self._samples(opts.min_silence_s):
                out.append(self._close(utt, utt.silence_since))
                return
            length = utt.silence_since - utt.start
            if length >= self._samples(opts.soft_max_s) and silent >= self._samples(
                opts.split_pause_s
            ):
                self._split(utt, utt.silence_since, out)
                return
        if self._pos - utt.start >= self._samples(opts.max_utterance_s):
            self._split(utt, self._quietest(utt), out)

    def _quietest(self, utt: _Utterance) -> int:
        """The start of the lowest-probability chunk in the last ``split_search_s``."""
        n = len(utt.probs)
        window = max(1, min(n - 1, self._samples(self.options.split_search_s) // CHUNK))
        tail = np.asarray(utt.probs[n - window :], dtype=np.float32)
        index = n - window + int(np.argmin(tail))
        return utt.start + (index + 1) * CHUNK

    def _split(self, utt: _Utterance, at: int, out: list[SegmentEvent]) -> None:
        """Close ``utt`` at ``at`` and continue the speech after it as a new utterance."""
        first = (at - utt.start) // CHUNK
        rest = utt.probs[first:]
        out.append(self._close(utt, at, split=True))
        thr = self.options.threshold
        speech = sum(1 for q in rest if q >= thr)
        if speech == 0 and rest and all(q < self.options.silence_threshold for q in rest):
            return  # the split point was followed only by silence: nothing continues
        new = _Utterance(start=at, speech_chunks=speech, probs=list(rest))
        silent_tail = 0
        for q in reversed(rest):
            if q >= self.options.silence_threshold:
                break
            silent_tail += 1
        if silent_tail:
            new.silence_since = self._pos - silent_tail * CHUNK
        self._utt = new
        out.append(SpeechStart(at))

    def _close(self, utt: _Utterance, end: int, *, split: bool = False) -> SpeechEnd:
        self._utt = None
        too_short = utt.speech_chunks * CHUNK < self._samples(self.options.min_speech_s)
        return SpeechEnd(utt.start, max(end, utt.start + CHUNK), split=split, discarded=too_short)
