"""One received RTP stream as audio: source check → SRTP → pacing → jitter buffer → 16 kHz.

Pure: datagrams and the time they arrived go in, 16 kHz float32 comes out. Time (``now``,
in seconds of any monotonic clock) is used for pacing, for the activity the server's media
timeout looks at, and for telling a restarted sender from a stray SSRC.

The stream is latched once: the first acceptable packet from an allowed host fixes the
source address and port for the rest of the call (until a re-INVITE moves the media). A
packet from any other port is dropped however long the stream has been quiet, so another
process on the caller's host cannot take the stream over during a pause. The SSRC may change
at the latched address after ``relatch_s`` of silence (a restarted sender, a PBX re-bridging).

Pacing: a real sender sends at real time, with bursts after a network stall. Audio arriving
faster than ``max_speed`` × real time on average (after a ``burst_s`` allowance) is dropped
and counted (``rtp_too_fast``), so one call cannot make the recognizer work for several.

Concealment is *repeat-attenuate*: a lost stretch repeats the last 20 ms received, fading
linearly to zero over ``conceal_ms`` (60 ms), then silence. A short repeat keeps the
spectrum continuous across one or two lost packets, where a hard cut to zero would add a
click the recognizer can read as a consonant; beyond a few packets a repeat turns into a
buzz that the recognizer can hallucinate words from, and silence is the safer failure.
Gaps the sender made on purpose (silence suppression) are filled with silence.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections import Counter, deque
from collections.abc import Iterator, Sequence

import numpy as np

from consult_assist.audio.g711 import alaw_decode, ulaw_decode
from consult_assist.audio.pcm import FloatArray, Resampler, int16_to_float
from consult_assist.errors import RtpError
from consult_assist.sip.rtp import Gap, JitterBuffer, RtpPacket, is_rtcp, parse_rtp
from consult_assist.sip.sdp import Codec
from consult_assist.sip.srtp import SrtpInbound

__all__ = ["MAX_RTP_BYTES", "RtpReceiver", "rtp_port_order", "starved"]

log = logging.getLogger(__name__)

MAX_RTP_BYTES = 1500
"""Larger datagrams are dropped: 20 ms of G.711 is 172 bytes, an Ethernet frame 1500."""

_EMPTY = np.zeros(0, dtype=np.float32)


class RtpReceiver:
    """Turn the datagrams of one negotiated stream into 16 kHz float32 audio.

    ``allowed_hosts`` are the source IPs we take RTP from (the SDP c= address and the SIP
    peer's address). The first acceptable packet from an allowed host latches its address
    and port for good (:meth:`update`, after a re-INVITE, unlatches) and its SSRC (another
    SSRC from there is taken after ``relatch_s`` of silence). ``srtp`` authenticates and
    decrypts before anything else looks at the packet. Drops and concealment are counted in
    ``counters`` (shared with the server).
    """

    def __init__(
        self,
        codec: Codec,
        *,
        allowed_hosts: set[str],
        now: float,
        counters: Counter[str] | None = None,
        depth_ms: float = 60.0,
        conceal_ms: float = 60.0,
        relatch_s: float = 1.0,
        max_bytes: int = MAX_RTP_BYTES,
        max_speed: float = 1.5,
        burst_s: float = 1.0,
        srtp: SrtpInbound | None = None,
        name: str = "",
    ) -> None:
        self.codec = codec
        self.allowed_hosts = set(allowed_hosts)
        self.counters: Counter[str] = Counter() if counters is None else counters
        self.depth = int(depth_ms * codec.clock_rate / 1000)
        self.conceal = int(conceal_ms * codec.clock_rate / 1000)
        self.relatch_s = relatch_s
        self.max_bytes = max_bytes
        self.name = name
        self.last_packet_at = now
        self.started_at = now
        self.samples_out = 0
        self.max_speed = max_speed
        self.srtp = srtp
        self._burst = burst_s * codec.clock_rate
        self._credit = self._burst
        self._credit_at = now
        self._activity: deque[list[int]] = deque()  # [second, samples accepted in it]
        self._skipped_ts = 0  # RTP time and packets dropped for pacing, taken out of the
        self._skipped_seq = 0  # timeline so they leave no gap
        self._decode = ulaw_decode if codec.name == "PCMU" else alaw_decode
        self._jitter = JitterBuffer(depth=self.depth)
        self._resampler = Resampler(codec.clock_rate)
        self._source: tuple[str, int] | None = None
        self._ssrc: int | None = None
        self._last_frame = np.zeros(0, dtype=np.float32)
        self._lost_run = 0
        self._warned: set[str] = set()
        self._seen: dict[str, int] = {}

    def update(self, *, allowed_hosts: set[str]) -> None:
        """New remote media address (re-INVITE): accept a new source and SSRC."""
        self.allowed_hosts = set(allowed_hosts)
        self._source = None

    @property
    def source(self) -> tuple[str, int] | None:
        """The latched source address and port (None before the first accepted packet)."""
        return self._source

    def idle_s(self, now: float) -> float:
        """Seconds since the last accepted packet (or since the stream was set up)."""
        return now - self.last_packet_at

    def audio_s(self, now: float, window_s: float) -> float:
        """Seconds of audio accepted in the last ``window_s`` seconds."""
        horizon = int(now - window_s)
        while self._activity and self._activity[0][0] < horizon:
            self._activity.popleft()
        return sum(samples for _, samples in self._activity) / self.codec.clock_rate

    def receive(self, data: bytes, addr: tuple[str, int], now: float) -> FloatArray:
        """One datagram from ``addr``; returns the audio it releases (often empty)."""
        if len(data) > self.max_bytes:
            return self._drop("oversize", addr)
        if is_rtcp(data):
            self.counters["rtcp_ignored"] += 1
            return _EMPTY
        if addr[0] not in self.allowed_hosts:
            return self._drop("wrong_source", addr)
        if self._source is not None and addr != self._source:
            return self._drop("wrong_source", addr)  # latched: never another port
        if self.srtp is not None:
            try:
                data = self.srtp.unprotect(data)
            except RtpError as exc:
                return self._drop("srtp_refused", addr, str(exc))
        try:
            packet = parse_rtp(data)
        except RtpError as exc:
            return self._drop("malformed", addr, str(exc))
        if packet.payload_type != self.codec.payload_type:
            # telephone-event, comfort noise or a codec we did not answer.
            return self._drop("wrong_payload", addr, f"payload type {packet.payload_type}")
        out = _EMPTY
        if self._source is not None and packet.ssrc != self._ssrc:
            if now - self.last_packet_at < self.relatch_s:
                return self._drop("wrong_ssrc", addr)
            # The same address after a pause with a new SSRC: the sender restarted.
            self.counters["rtp_ssrc_restart"] += 1
            log.info("%s: RTP restarted with ssrc %08x", self.name, packet.ssrc)
            out = self._play(self._jitter.flush())
            self._jitter = JitterBuffer(depth=self.depth)
            self._seen = {}
            self._skipped_ts = self._skipped_seq = 0
        if not self._paced(len(packet.payload), now):
            # The stream's timeline closes over what was dropped: a sender 20 × too fast
            # gives 1.5 × real time of audio, not 20 × of audio with gaps in it.
            self._skipped_ts += len(packet.payload)
            self._skipped_seq += 1
            return self._drop("too_fast", addr)
        if self._skipped_seq:
            packet = dataclasses.replace(
                packet,
                timestamp=(packet.timestamp - self._skipped_ts) & 0xFFFFFFFF,
                sequence=(packet.sequence - self._skipped_seq) & 0xFFFF,
            )
        if self._source is None:
            log.debug("%s: RTP latched to %s:%s", self.name, *addr)
        self._source, self._ssrc = addr, packet.ssrc
        self.last_packet_at = now
        self.counters["rtp_packets"] += 1
        self._note_activity(len(packet.payload), now)
        released = self._play(self._jitter.push(packet))
        return np.concatenate([out, released]) if len(out) else released

    def _paced(self, samples: int, now: float) -> bool:
        """Token bucket over audio samples: ``max_speed`` × real time, ``burst_s`` of credit."""
        elapsed = max(0.0, now - self._credit_at)
        self._credit = min(
            self._burst, self._credit + elapsed * self.max_speed * self.codec.clock_rate
        )
        self._credit_at = now
        if samples > self._credit:
            return False
        self._credit -= samples
        return True

    def _note_activity(self, samples: int, now: float) -> None:
        second = int(now)
        if self._activity and self._activity[-1][0] == second:
            self._activity[-1][1] += samples
        else:
            self._activity.append([second, samples])

    def flush(self) -> FloatArray:
        """End of stream: everything still buffered, plus the resampler's tail."""
        audio = self._play(self._jitter.flush())
        tail = self._resampler.flush()
        self.samples_out += len(tail)
        return np.concatenate([audio, tail]).astype(np.float32, copy=False)

    @property
    def stats(self) -> dict[str, int]:
        """The jitter buffer's counts for this stream."""
        s = self._jitter.stats
        return {
            "received": s.received,
            "played": s.played,
            "late": s.late,
            "duplicate": s.duplicate,
            "lost": s.lost,
            "lost_samples": s.lost_samples,
            "silence_samples": s.silence_samples,
            "resyncs": s.resyncs,
        }

    def _account(self) -> None:
        # Mirror the jitter buffer's counts into the shared counters as they grow.
        for key in ("late", "duplicate", "lost", "resyncs", "overflow"):
            value = getattr(self._jitter.stats, key)
            if value != self._seen.get(key, 0):
                self.counters[f"rtp_{key}"] += value - self._seen.get(key, 0)
                self._seen[key] = value

    def _play(self, items: list[RtpPacket | Gap]) -> FloatArray:
        self._account()
        if not items:
            return _EMPTY
        pieces: list[FloatArray] = []
        for item in items:
            if isinstance(item, Gap):
                pieces.append(self._fill(item))
            else:
                frame = int16_to_float(self._decode(item.payload))
                self._last_frame = frame[-self.codec.clock_rate // 50 :]
                self._lost_run = 0
                pieces.append(frame)
        audio = self._resampler.process(np.concatenate(pieces).astype(np.float32, copy=False))
        self.samples_out += len(audio)
        return audio

    def _fill(self, gap: Gap) -> FloatArray:
        if not gap.lost or not len(self._last_frame):
            self.counters["rtp_silence_samples"] += gap.samples
            return np.zeros(gap.samples, dtype=np.float32)
        self.counters["rtp_concealed_samples"] += gap.samples
        if self._lost_run == 0:
            self.counters["rtp_concealed_gaps"] += 1
        start = self._lost_run
        self._lost_run += gap.samples
        reps = -(-gap.samples // len(self._last_frame)) + 1
        offset = start % len(self._last_frame)
        tiled = np.tile(self._last_frame, reps)[offset : offset + gap.samples]
        t = np.arange(start, start + gap.samples, dtype=np.float32)
        gain = np.clip(1.0 - t / max(1, self.conceal), 0.0, 1.0)
        out: FloatArray = (tiled * gain).astype(np.float32)
        return out

    def _drop(self, reason: str, addr: tuple[str, int], detail: str = "") -> FloatArray:
        self.counters[f"rtp_{reason}"] += 1
        # The first drop of each kind per stream is worth a warning; a flood is not.
        level = logging.DEBUG if reason in self._warned else logging.WARNING
        self._warned.add(reason)
        log.log(level, "%s: dropped RTP from %s:%s (%s) %s", self.name, *addr, reason, detail)
        return _EMPTY


def starved(
    receivers: Sequence[RtpReceiver], now: float, *, window_s: float, min_ratio: float
) -> bool:
    """Whether a call's media has not been a call's media for the last ``window_s`` seconds.

    A stream that stopped is caught, and so is one that trickles (a packet every few
    seconds keeps "the last packet" recent but carries no conversation): the call needs at
    least ``min_ratio`` × ``window_s`` seconds of accepted audio on some stream in the last
    ``window_s`` seconds, counted from when the streams were set up.
    """
    if not receivers or now - max(r.started_at for r in receivers) < window_s:
        return False
    return max(r.audio_s(now, window_s) for r in receivers) < min_ratio * window_s


def rtp_port_order(low: int, high: int, rng: random.Random) -> Iterator[int]:
    """Even ports of ``low..high`` to try binding, in an unpredictable order.

    A few random picks first (a port in use is rare), then every even port from a random
    offset, so a full range is still searched to the end. RFC 3550 §11: RTP on even ports.
    """
    even = range(low + low % 2, high + 1, 2)
    if not even:
        return
    for _ in range(min(8, len(even))):
        yield even[rng.randrange(len(even))]
    start = rng.randrange(len(even))
    for k in range(len(even)):
        yield even[(start + k) % len(even)]
