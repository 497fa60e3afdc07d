"""RTP packets (RFC 3550) and a receive jitter buffer driven by packet arrival; no I/O, no clock.

The jitter buffer orders packets by RTP timestamp and releases them once the newest packet
is ``depth`` samples ahead, so a packet may arrive up to ``depth`` late (60 ms by default: two
or three 20 ms packets, the reordering one sees on real networks) and still be played in
order. What it cannot fill it reports as a :class:`Gap`: ``lost`` when sequence numbers are
missing (the receiver conceals it), not lost when the sender skipped time on purpose (silence
suppression: the sequence number is contiguous but the timestamp jumped).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from consult_assist.errors import RtpError

__all__ = [
    "Gap",
    "JitterBuffer",
    "JitterStats",
    "RtpPacket",
    "is_rtcp",
    "parse_rtp",
]

_HEADER = struct.Struct("!BBHII")


@dataclass(frozen=True)
class RtpPacket:
    """The fields of an RTP packet the receiver uses."""

    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    marker: bool
    payload: bytes


def is_rtcp(data: bytes) -> bool:
    """Whether a datagram is RTCP (RFC 5761 §4: packet types 200-204 where RTP has PT+M)."""
    return len(data) >= 2 and data[0] >> 6 == 2 and 200 <= data[1] <= 204


def parse_rtp(data: bytes) -> RtpPacket:
    """Parse an RTP packet (CSRCs, header extension and padding are skipped)."""
    if len(data) < _HEADER.size:
        raise RtpError(f"RTP packet of {len(data)} bytes is shorter than its header")
    first, second, sequence, timestamp, ssrc = _HEADER.unpack_from(data)
    if first >> 6 != 2:
        raise RtpError(f"RTP version {first >> 6} is not 2")
    offset = _HEADER.size + 4 * (first & 0x0F)
    if first & 0x10:
        if len(data) < offset + 4:
            raise RtpError("RTP header extension is cut off")
        (words,) = struct.unpack_from("!H", data, offset + 2)
        offset += 4 + 4 * words
    end = len(data)
    if first & 0x20:
        if end == 0 or data[-1] == 0:
            raise RtpError("bad RTP padding")
        end -= data[-1]
    if offset > end:
        raise RtpError("RTP header longer than the packet")
    return RtpPacket(
        payload_type=second & 0x7F,
        sequence=sequence,
        timestamp=timestamp,
        ssrc=ssrc,
        marker=bool(second & 0x80),
        payload=bytes(data[offset:end]),
    )


@dataclass(frozen=True)
class Gap:
    """``samples`` of time with no packet; ``lost`` if packets went missing (else silence)."""

    samples: int
    lost: bool


@dataclass
class JitterStats:
    """Counts since the buffer was made."""

    received: int = 0
    played: int = 0
    late: int = 0
    duplicate: int = 0
    lost: int = 0
    """Sequence numbers skipped at playout: packets that never came or came too late."""
    lost_samples: int = 0
    silence_samples: int = 0
    resyncs: int = 0
    overflow: int = 0


def _signed32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


@dataclass
class _Slot:
    timestamp: int
    sequence: int
    samples: int
    packet: RtpPacket = field(compare=False)


class JitterBuffer:
    """Reorder by timestamp, drop late and duplicate packets, report gaps; bounded.

    ``push(packet, now?)`` returns what may be played now, in order: packets and gaps.
    ``depth`` and ``max_jump`` are in samples of the RTP clock (8000 Hz for G.711).
    A timestamp more than ``max_jump`` away from the expected one starts a new timeline
    (a restarted sender, or a stray packet) instead of filling minutes of silence or
    dropping every packet after it as late. At most ``max_packets`` wait at once.
    """

    def __init__(
        self, *, depth: int = 480, max_jump: int = 8000 * 5, max_packets: int = 64
    ) -> None:
        if depth < 0 or max_jump <= depth or max_packets < 1:
            raise ValueError("need 0 <= depth < max_jump and max_packets >= 1")
        self.depth = depth
        self.max_jump = max_jump
        self.max_packets = max_packets
        self.stats = JitterStats()
        self._slots: dict[int, _Slot] = {}
        self._next: int | None = None  # extended timestamp to play next
        self._ref32 = 0  # the 32-bit timestamp that corresponds to _next
        self._last_seq: int | None = None
        self._newest_end: int = 0
        self._started = False

    def push(self, packet: RtpPacket, samples: int | None = None) -> list[RtpPacket | Gap]:
        """Add a packet (``samples`` long; default one sample per payload byte, as in G.711)."""
        n = len(packet.payload) if samples is None else samples
        self.stats.received += 1
        if n <= 0:
            return []
        if self._next is None:
            self._reset(packet)
        assert self._next is not None
        ext = self._next + _signed32(packet.timestamp - self._ref32)
        if abs(ext - self._next) > self.max_jump:
            self.stats.resyncs += 1
            out = self.flush()
            self._reset(packet)
            ext = packet.timestamp
            assert self._next is not None
        else:
            out = []
        if ext < self._next:
            if not self._started:
                # Reordered start: the first packet to arrive was not the first sent.
                self._next, self._ref32 = ext, packet.timestamp
                self._last_seq = (packet.sequence - 1) & 0xFFFF
            else:
                self.stats.late += 1
                return out
        if ext in self._slots:
            self.stats.duplicate += 1
            return out
        self._slots[ext] = _Slot(ext, packet.sequence, n, packet)
        self._newest_end = max(self._newest_end, ext + n)
        out += self._release(self._newest_end - self.depth)
        while len(self._slots) > self.max_packets:
            self.stats.overflow += 1
            out += self._release(min(self._slots) + 1)
        return out

    def flush(self) -> list[RtpPacket | Gap]:
        """Release everything still waiting (end of the stream)."""
        return self._release(None)

    def _reset(self, packet: RtpPacket) -> None:
        self._slots.clear()
        self._next = packet.timestamp
        self._ref32 = packet.timestamp
        self._last_seq = (packet.sequence - 1) & 0xFFFF
        self._newest_end = packet.timestamp
        self._started = False

    def _release(self, horizon: int | None) -> list[RtpPacket | Gap]:
        out: list[RtpPacket | Gap] = []
        while self._slots and self._next is not None:
            if horizon is not None and self._next >= horizon:
                break
            first = min(self._slots)
            if first > self._next:
                end = first if horizon is None else min(first, horizon)
                slot = self._slots[first]
                missing = (slot.sequence - (self._last_seq or 0) - 1) & 0xFFFF
                gap = Gap(end - self._next, lost=missing != 0)
                if gap.lost:
                    self.stats.lost_samples += gap.samples
                else:
                    self.stats.silence_samples += gap.samples
                out.append(gap)
                self._advance(end)
                continue
            slot = self._slots.pop(first)
            if first < self._next:
                # Overlaps audio already played (packets of odd sizes): nothing new in it.
                self.stats.late += 1
                continue
            missing = (slot.sequence - (self._last_seq or 0) - 1) & 0xFFFF
            if missing < 0x8000:
                self.stats.lost += missing
            self._last_seq = slot.sequence
            self.stats.played += 1
            self._started = True
            out.append(slot.packet)
            self._advance(first + slot.samples)
        return out

    def _advance(self, ext: int) -> None:
        assert self._next is not None
        self._ref32 = (self._ref32 + ext - self._next) & 0xFFFFFFFF
        self._next = ext
        self._started = True
