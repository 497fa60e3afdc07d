"""The streaming recognizer core (sans-I/O): audio in, decode requests out, results in, events out.

Time is the call-audio clock: samples fed so far. The core never calls the model; it asks for
decodes (:class:`DecodeRequest`) and is handed their results, so the same core runs under the
asyncio adapter (live), under the simulated clock (offline, honest latency) and in unit tests
with a fake transcriber.

Per utterance: a partial every ``partial_interval_s`` of new speech while it goes on (at most
one in flight), then exactly one final when the segmenter ends it. The driver sets
:attr:`StreamingRecognizer.pace` from the shared scheduler's load: under load partials come
less often and finals are not decoded speculatively. Partials are stabilised by
LocalAgreement (:mod:`consult_assist.asr.commit`): the agreed prefix of a partial never changes
in later partials; the final, decoded afresh on the whole utterance with a wider beam,
replaces the partials.
An utterance whose final the guards reject is retracted with an empty partial and has no final.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from consult_assist.asr.commit import Agreement
from consult_assist.asr.decoding import DecodeKind, DecodeRequest, DecodeResult, Pace
from consult_assist.asr.guards import GuardOptions, check
from consult_assist.asr.segmenter import Segmenter, SegmenterOptions, SpeechEnd, SpeechStart
from consult_assist.asr.vad import CHUNK, SpeechDetector
from consult_assist.audio.pcm import SAMPLE_RATE, FloatArray
from consult_assist.events import ErrorEvent, Event, TranscriptFinal, TranscriptPartial

__all__ = ["RecognizerOptions", "RecognizerStats", "StreamingRecognizer"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class RecognizerOptions:
    """Streaming options. Times in seconds of call audio."""

    partials: bool = True
    """Ask for partial hypotheses while speech goes on."""
    partial_interval_s: float = 0.6
    """New speech between two partial requests (the issue asks for at least every ~0.7 s)."""
    first_partial_s: float = 0.6
    """Speech needed before the first partial of an utterance."""
    speech_pad_s: float = 0.2
    """Audio kept before and after the detected speech when decoding."""
    speculative_finals: bool = True
    """Decode the final as soon as a pause has lasted ``speech_pad_s``, while the segmenter is
    still waiting for ``min_silence_s``: when the pause does end the utterance, the final is
    ready (or nearly) at the endpoint instead of only starting there."""
    force_prefix: bool = False
    """Force the agreed text as the decoder prefix of later partials and of the final. Off by
    default: ``bench asr`` measured it duplicating sentences (Whisper restarts after a forced
    "。"), 27% CER against 8% offline on the same call."""
    segmenter: SegmenterOptions = field(default_factory=SegmenterOptions)
    guards: GuardOptions = field(default_factory=GuardOptions)


@dataclass
class RecognizerStats:
    """Counters of one stream."""

    partial_requests: int = 0
    speculative_requests: int = 0
    partials_emitted: int = 0
    partials_skipped: int = 0
    finals: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    discarded_short: int = 0


@dataclass
class _Utt:
    id: int
    start: int  # sample of speech start
    end: int | None = None  # sample of speech end, once the segmenter closed it
    agreement: Agreement = field(default_factory=Agreement)
    last_partial_at: int = 0  # sample position of the last partial request
    partial_in_flight: bool = False
    final_issued: bool = False
    last_text: str = ""
    emitted_partial: bool = False
    spec_end: int | None = None  # speech end assumed by the speculative final in flight/held
    spec_request: int | None = None  # id of that request
    spec_result: DecodeResult | None = None
    partial_failed: bool = False  # an error event was already sent for a failed partial


class StreamingRecognizer:
    """One audio stream (one call, or one side of it) through VAD, segmenter and commit policy."""

    def __init__(
        self,
        session: str,
        detector: SpeechDetector,
        *,
        options: RecognizerOptions | None = None,
        speaker: str = "unknown",
        stream: str | None = None,
        utterance_base: int = 0,
    ) -> None:
        self.session = session
        self.stream = stream or session
        # A source that cannot tell who speaks (a mixed mono channel, labelled "") says so.
        self.speaker = speaker or "unknown"
        self.options = options or RecognizerOptions()
        self.stats = RecognizerStats()
        self._detector = detector
        self._segmenter = Segmenter(self.options.segmenter)
        self._pad = int(self.options.speech_pad_s * SAMPLE_RATE)
        self._audio = np.zeros(0, dtype=np.float32)
        self._audio_start = 0  # sample index of self._audio[0]
        self._fed = 0  # samples fed
        self._probs: list[float] = []  # one per VAD chunk, from chunk self._probs_start on
        self._probs_start = 0
        self._utts: dict[int, _Utt] = {}
        self._open: _Utt | None = None
        self._next_utt = utterance_base
        self._next_request = 0
        self._ended = False
        self._outbox: list[Event] = []
        self.pace = Pace()
        """What the shared model can take now; the driver sets it before each :meth:`feed`."""

    # -- clock -------------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """Seconds of call audio fed so far."""
        return self._fed / SAMPLE_RATE

    @property
    def awaiting_finals(self) -> int:
        """Finals requested whose results have not come back yet."""
        return sum(1 for u in self._utts.values() if u.final_issued)

    # -- audio in ----------------------------------------------------------------------------

    def feed(self, samples: FloatArray) -> list[DecodeRequest]:
        """Feed 16 kHz mono audio; return the decodes it calls for.

        Events that become due while feeding (a final whose speculative decode was ready when
        the endpoint came) wait in :meth:`take_events`.
        """
        if self._ended:
            raise RuntimeError("feed() after finish()")
        samples = np.asarray(samples, dtype=np.float32)
        self._audio = np.concatenate([self._audio, samples])
        self._fed += len(samples)
        probs = self._detector.process(samples)
        self._probs.extend(float(p) for p in probs)
        requests: list[DecodeRequest] = []
        for event in self._segmenter.process(probs):
            if isinstance(event, SpeechStart):
                self._start(event.start)
            else:
                requests.extend(self._end(event))
        requests.extend(self._maybe_partial())
        requests.extend(self._maybe_speculate())
        self._trim()
        return requests

    def take_events(self) -> list[Event]:
        """Events produced by :meth:`feed` or :meth:`finish` (not by :meth:`receive`)."""
        out, self._outbox = self._outbox, []
        return out

    def finish(self) -> list[DecodeRequest]:
        """End of stream: close the utterance in progress (its final is still to come)."""
        requests: list[DecodeRequest] = []
        for event in self._segmenter.flush():
            if isinstance(event, SpeechEnd):
                requests.extend(self._end(event))
        self._ended = True
        return requests

    # -- results in --------------------------------------------------------------------------

    def receive(self, result: DecodeResult, *, now: float | None = None) -> list[Event]:
        """Take a decode result available at call-audio time ``now``; return transcript events."""
        at = self.now if now is None else now
        req = result.request
        utt = self._utts.get(req.utterance)
        if req.speculative:
            if utt is None or utt.spec_request != req.id:
                return []  # superseded: speech went on, or the final already came out
            if not utt.final_issued:
                # The pause has not (yet) ended the utterance: hold the result for the
                # endpoint, and show it meanwhile as the latest partial.
                if result.skipped or result.error:
                    utt.spec_end = utt.spec_request = None  # ask again while the pause lasts
                    return []
                utt.spec_result = result
                return self._partial(utt, req, result, at) if self.options.partials else []
            # The endpoint came while this was in flight: it is the final.
            return self._final(utt, req, result, at)
        if req.kind == "partial":
            if utt is not None:
                utt.partial_in_flight = False
            if result.error:
                return self._partial_failed(utt, req, result, at)
            if result.skipped:
                self.stats.partials_skipped += 1
                return []
            if utt is None or utt.final_issued:
                return []  # the final is on its way; a late partial would only flicker
            return self._partial(utt, req, result, at)
        return self._final(utt, req, result, at)

    # -- internals ---------------------------------------------------------------------------

    def _start(self, start: int) -> None:
        utt = _Utt(id=self._next_utt, start=start, last_partial_at=start)
        self._next_utt += 1
        self._utts[utt.id] = utt
        self._open = utt

    def _end(self, event: SpeechEnd) -> list[DecodeRequest]:
        utt = self._open
        self._open = None
        if utt is None:
            return []
        utt.end = event.end
        if event.discarded:
            self.stats.discarded_short += 1
            del self._utts[utt.id]
            return []
        utt.final_issued = True
        if utt.spec_end is not None and utt.spec_end == event.end:
            held = utt.spec_result
            if held is not None:  # the final is ready now
                self._outbox.extend(self._final(utt, held.request, held, self.now))
            return []  # or still in flight: its result is the final
        prefix = utt.agreement.stable if self.options.force_prefix else ""
        return [self._request("final", utt, event.start, event.end, prefix)]

    def _maybe_speculate(self) -> list[DecodeRequest]:
        utt = self._open
        since = self._segmenter.pause_start
        if utt is None or since is None or not self.options.speculative_finals:
            return []
        if not self.pace.speculative_finals:
            return []  # no spare capacity: the final is decoded at the endpoint
        if utt.spec_end == since or self._fed - since < self._pad:
            return []
        if since - utt.start < int(self.options.segmenter.min_speech_s * SAMPLE_RATE):
            return []
        utt.spec_end = since
        utt.spec_result = None
        prefix = utt.agreement.stable if self.options.force_prefix else ""
        request = self._request("final", utt, utt.start, since, prefix, speculative=True)
        utt.spec_request = request.id
        self.stats.speculative_requests += 1
        return [request]

    def _maybe_partial(self) -> list[DecodeRequest]:
        utt = self._open
        opts = self.options
        if utt is None or not opts.partials or utt.partial_in_flight:
            return []
        if self._segmenter.in_pause:
            # The utterance may be ending: keep the model free for its final.
            return []
        pos = self._segmenter.position
        # Under load the first partial waits a little too (never past 1.5 × its delay: a
        # short utterance still shows something before its final).
        first = opts.first_partial_s * min(1.5, max(1.0, self.pace.partial_scale))
        if pos - utt.start < int(first * SAMPLE_RATE):
            return []
        interval = opts.partial_interval_s * max(1.0, self.pace.partial_scale)
        if utt.last_partial_at > utt.start and pos - utt.last_partial_at < int(
            interval * SAMPLE_RATE
        ):
            return []
        utt.last_partial_at = pos
        utt.partial_in_flight = True
        self.stats.partial_requests += 1
        prefix = utt.agreement.stable if self.options.force_prefix else ""
        return [self._request("partial", utt, utt.start, pos, prefix)]

    def _request(
        self,
        kind: DecodeKind,
        utt: _Utt,
        start: int,
        end: int,
        prefix: str,
        *,
        speculative: bool = False,
    ) -> DecodeRequest:
        lo = max(start - self._pad, self._audio_start)
        hi = min(end + (self._pad if kind == "final" else 0), self._fed)
        audio = self._audio[lo - self._audio_start : hi - self._audio_start].copy()
        self._next_request += 1
        return DecodeRequest(
            stream=self.stream,
            id=self._next_request,
            kind=kind,
            utterance=utt.id,
            audio=audio,
            start=start / SAMPLE_RATE,
            end=end / SAMPLE_RATE,
            prefix=prefix,
            issued_at=self.now,
            speech_ratio=self._speech_ratio(start, end),
            speculative=speculative,
            session=self.session,
        )

    def _speech_ratio(self, start: int, end: int) -> float:
        a, b = start // CHUNK, max(start // CHUNK + 1, end // CHUNK)
        window = self._probs[max(0, a - self._probs_start) : max(0, b - self._probs_start)]
        if not window:
            return 0.0
        thr = self.options.segmenter.threshold
        return sum(1 for p in window if p >= thr) / len(window)

    def _verdict(self, req: DecodeRequest, result: DecodeResult) -> tuple[str, str]:
        text = req.prefix + result.text if req.prefix else result.text
        verdict = check(
            text,
            avg_logprob=result.avg_logprob,
            no_speech_prob=result.no_speech_prob,
            speech_ratio=req.speech_ratio,
            options=self.options.guards,
        )
        if verdict.reason:
            self.stats.dropped[verdict.reason] = self.stats.dropped.get(verdict.reason, 0) + 1
            log.debug("[%s] guard %s on %s %d", self.session, verdict.reason, req.kind, req.id)
        return verdict.text, verdict.reason

    def _partial(
        self, utt: _Utt, req: DecodeRequest, result: DecodeResult, at: float
    ) -> list[Event]:
        text, _ = self._verdict(req, result)
        if not text:
            return []
        text = utt.agreement.update(text)
        stable = utt.agreement.stable
        if text == utt.last_text:
            return []
        utt.last_text = text
        utt.emitted_partial = True
        self.stats.partials_emitted += 1
        return [
            TranscriptPartial(
                session=self.session,
                at=at,
                utterance=utt.id,
                start=req.start,
                end=req.end,
                text=text,
                stable=len(stable),
                speaker=self.speaker,
            )
        ]

    def _final(
        self, utt: _Utt | None, req: DecodeRequest, result: DecodeResult, at: float
    ) -> list[Event]:
        self._utts.pop(req.utterance, None)
        if result.error:
            self.stats.dropped["error"] = self.stats.dropped.get("error", 0) + 1
            return [
                ErrorEvent(
                    session=self.session,
                    at=at,
                    code="asr.decode_failed",
                    message=f"音声認識に失敗しました（{req.start:.1f}〜{req.end:.1f}秒）",
                ),
                *self._retraction(utt, req, at),
            ]
        text, _ = self._verdict(req, result)
        if not text:
            return self._retraction(utt, req, at)
        self.stats.finals += 1
        return [
            TranscriptFinal(
                session=self.session,
                at=at,
                utterance=req.utterance,
                start=req.start,
                end=req.end,
                text=text,
                speaker=self.speaker,
                latency_s=max(0.0, at - req.end),
                avg_logprob=result.avg_logprob,
            )
        ]

    def _partial_failed(
        self, utt: _Utt | None, req: DecodeRequest, result: DecodeResult, at: float
    ) -> list[Event]:
        """A partial whose decode failed: said once per utterance (the next one is asked for)."""
        self.stats.dropped["error"] = self.stats.dropped.get("error", 0) + 1
        if utt is None or utt.partial_failed:
            return []
        utt.partial_failed = True
        log.warning("[%s] partial %d failed: %s", self.session, req.id, result.error)
        return [
            ErrorEvent(
                session=self.session,
                at=at,
                code="asr.partial_failed",
                message=f"途中経過の音声認識に失敗しました（{req.start:.1f}秒〜）",
            )
        ]

    def _retraction(self, utt: _Utt | None, req: DecodeRequest, at: float) -> list[Event]:
        """An empty partial clearing what the screen shows of an utterance with no final."""
        if utt is None or not utt.emitted_partial:
            return []
        return [
            TranscriptPartial(
                session=self.session,
                at=at,
                utterance=req.utterance,
                start=req.start,
                end=req.end,
                text="",
                speaker=self.speaker,
            )
        ]

    def _trim(self) -> None:
        """Drop audio no future request can need (before the open utterance's padded start)."""
        keep_from = self._fed - self._pad - CHUNK
        if self._open is not None:
            keep_from = min(keep_from, self._open.start - self._pad)
        keep_from = max(keep_from, self._audio_start)
        cut = keep_from - self._audio_start
        if cut > SAMPLE_RATE:  # trim in blocks, not on every frame
            self._audio = self._audio[cut:]
            self._audio_start = keep_from
            drop = keep_from // CHUNK - self._probs_start
            if drop > 0:
                del self._probs[:drop]
                self._probs_start += drop
