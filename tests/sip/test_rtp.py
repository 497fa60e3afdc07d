from __future__ import annotations

import contextlib
import struct
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consult_assist.audio.g711 import ulaw_encode
from consult_assist.errors import RtpError
from consult_assist.sip.media import RtpReceiver
from consult_assist.sip.rtp import Gap, JitterBuffer, RtpPacket, is_rtcp, parse_rtp
from consult_assist.sip.sdp import Codec


def raw(seq: int, ts: int, payload: bytes = b"\xff" * 160, *, pt: int = 0, ssrc: int = 7) -> bytes:
    return struct.pack("!BBHII", 0x80, pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload


def pkt(seq: int, n: int = 160, *, ts0: int = 1000, seq0: int = 0) -> RtpPacket:
    return RtpPacket(
        0, (seq0 + seq) & 0xFFFF, (ts0 + seq * n) & 0xFFFFFFFF, 7, False, bytes([seq % 256]) * n
    )


def test_parse_rtp_skips_csrcs_extension_and_padding() -> None:
    header = struct.pack("!BBHII", 0x80 | 0x20 | 0x10 | 2, 0x80 | 8, 65535, 4294967295, 0xDEADBEEF)
    data = header + b"\x00" * 8 + struct.pack("!HH", 0xBEDE, 1) + b"\x00" * 4 + b"abc" + b"\x00\x02"
    packet = parse_rtp(data)
    assert (packet.payload_type, packet.sequence, packet.timestamp) == (8, 65535, 4294967295)
    assert packet.marker
    assert packet.ssrc == 0xDEADBEEF
    assert packet.payload == b"abc"  # the padding count includes its own byte


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x80\x00",
        bytes(12),
        b"\x8f" + bytes(20),
        b"\x90" + bytes(13),
        b"\xa0" + bytes(11) + b"\x00",
    ],
)
def test_bad_rtp(data: bytes) -> None:
    with pytest.raises(RtpError):
        parse_rtp(data)


def test_rtcp_is_recognised() -> None:
    assert is_rtcp(b"\x80\xc8" + bytes(26))  # sender report
    assert not is_rtcp(raw(1, 1))


def played(items: list[RtpPacket | Gap]) -> list[int | str]:
    return [
        f"gap{i.samples}{'L' if i.lost else 'S'}" if isinstance(i, Gap) else i.sequence
        for i in items
    ]


def push_all(jb: JitterBuffer, packets: list[RtpPacket]) -> list[int | str]:
    out: list[int | str] = []
    for p in packets:
        out += played(jb.push(p))
    return out + played(jb.flush())


def test_in_order_packets_are_released_after_the_depth() -> None:
    jb = JitterBuffer(depth=480)
    assert played(jb.push(pkt(0))) == []
    assert played(jb.push(pkt(1))) == []
    assert played(jb.push(pkt(2))) == []
    assert played(jb.push(pkt(3))) == [0]
    assert played(jb.flush()) == [1, 2, 3]


def test_reordering_within_the_depth_is_repaired() -> None:
    jb = JitterBuffer(depth=480)
    assert push_all(jb, [pkt(i) for i in (1, 0, 2, 4, 3, 5, 7, 6)]) == list(range(8))
    assert jb.stats.late == 0
    assert jb.stats.lost == 0


def test_late_and_duplicate_packets_are_dropped() -> None:
    jb = JitterBuffer(depth=320)
    out = push_all(jb, [pkt(i) for i in (0, 1, 2, 3, 4, 5, 1, 5, 6)])
    assert out == [0, 1, 2, 3, 4, 5, 6]
    assert jb.stats.late == 1
    assert jb.stats.duplicate == 1


def test_loss_is_a_lost_gap_and_silence_suppression_is_not() -> None:
    jb = JitterBuffer(depth=480)
    lost = push_all(jb, [pkt(i) for i in (0, 1, 3, 4, 5, 6)])
    assert lost == [0, 1, "gap160L", 3, 4, 5, 6]
    assert jb.stats.lost == 1
    jb = JitterBuffer(depth=480)
    # Contiguous sequence numbers, timestamp jumps 1 s: the sender stopped talking.
    dtx = [pkt(0), pkt(1), RtpPacket(0, 2, 1000 + 320 + 8000, 7, True, b"\x00" * 160)]
    out = push_all(jb, dtx)
    gaps = out[2:-1]  # released in pieces as the horizon moves
    assert (out[:2], out[-1]) == ([0, 1], 2)
    assert all(str(g).endswith("S") for g in gaps)
    assert sum(int(str(g)[3:-1]) for g in gaps) == 8000
    assert jb.stats.lost == 0


def test_sequence_and_timestamp_wraparound() -> None:
    jb = JitterBuffer(depth=480)
    packets = [pkt(i, ts0=2**32 - 500, seq0=65530) for i in range(12)]
    assert push_all(jb, packets) == [(65530 + i) & 0xFFFF for i in range(12)]
    assert jb.stats.late == jb.stats.lost == 0


def test_a_wild_timestamp_resyncs_instead_of_sticking() -> None:
    jb = JitterBuffer(depth=480)
    stray = RtpPacket(0, 3, 2_000_000_000, 7, False, b"\x00" * 160)
    out = push_all(jb, [pkt(0), pkt(1), pkt(2), stray, pkt(3), pkt(4), pkt(5)])
    assert out == [0, 1, 2, 3, 3, 4, 5]
    assert jb.stats.resyncs == 2


def test_buffer_is_bounded() -> None:
    jb = JitterBuffer(depth=8000, max_jump=16000, max_packets=8)
    for i in range(40):
        jb.push(pkt(i, n=10))
        assert len(jb._slots) <= 8
    assert jb.stats.overflow > 0


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 0xFFFF), st.integers(0, 0xFFFFFFFF), st.integers(0, 400)),
        max_size=80,
    ),
    st.integers(0, 2000),
)
def test_random_packets_come_out_ordered_and_bounded(
    specs: list[tuple[int, int, int]], depth: int
) -> None:
    jb = JitterBuffer(depth=depth, max_jump=depth + 8000, max_packets=16)
    for seq, ts, n in specs:
        items = jb.push(RtpPacket(0, seq, ts, 1, False, b"\x00" * n))
        assert all(i.samples > 0 for i in items if isinstance(i, Gap))
        assert len(jb._slots) <= 16
    jb.flush()
    assert jb.stats.played <= jb.stats.received


@settings(max_examples=200, deadline=None)
@given(st.permutations(list(range(30))), st.sets(st.integers(0, 29), max_size=5))
def test_shuffled_stream_within_depth_plays_in_order(order: list[int], lost: set[int]) -> None:
    # Displace each packet by at most two places, as a network with jitter would.
    order = sorted(range(30), key=lambda i: i + (order[i] % 3))
    jb = JitterBuffer(depth=480)
    out = push_all(jb, [pkt(i) for i in order if i not in lost or i in (0, 29)])
    seqs = [x for x in out if isinstance(x, int)]
    assert seqs == sorted(seqs)
    assert jb.stats.late == 0
    samples = sum(160 if isinstance(x, int) else int(str(x)[3:-1]) for x in out)
    assert samples == 30 * 160


def test_receiver_decodes_and_resamples_to_16k() -> None:
    counters: Counter[str] = Counter()
    rx = RtpReceiver(Codec(0, "PCMU"), allowed_hosts={"10.0.0.1"}, now=0.0, counters=counters)
    tone = (8000 * np.sin(np.arange(8000) * 2 * np.pi * 440 / 8000)).astype(np.int16)
    payload = ulaw_encode(tone)
    out = [
        rx.receive(raw(i, i * 160, payload[i * 160 : (i + 1) * 160]), ("10.0.0.1", 4000), i * 0.02)
        for i in range(50)
    ]
    audio = np.concatenate([*out, rx.flush()])
    assert abs(len(audio) - 16000) < 50
    assert 0.15 < float(np.sqrt(np.mean(audio**2))) < 0.2
    assert counters["rtp_packets"] == 50


def test_receiver_drops_bad_input_and_counts_it() -> None:
    counters: Counter[str] = Counter()
    rx = RtpReceiver(Codec(8, "PCMA"), allowed_hosts={"10.0.0.1"}, now=0.0, counters=counters)
    src = ("10.0.0.1", 4000)
    rx.receive(raw(0, 0, pt=8), src, 0.0)
    assert len(rx.receive(raw(1, 160, pt=8), ("10.6.6.6", 4000), 0.1)) == 0
    assert len(rx.receive(raw(1, 160, pt=8), ("10.0.0.1", 4001), 0.1)) == 0
    assert len(rx.receive(raw(1, 160, pt=8, ssrc=99), src, 0.1)) == 0
    assert len(rx.receive(raw(1, 160, pt=101), src, 0.1)) == 0
    assert len(rx.receive(b"\x00" * 20, src, 0.1)) == 0
    assert len(rx.receive(raw(1, 160, b"\x00" * 2000, pt=8), src, 0.1)) == 0
    rx.receive(b"\x80\xc8" + bytes(26), src, 0.1)
    assert counters == Counter(
        rtp_packets=1,
        rtp_wrong_source=2,
        rtp_wrong_ssrc=1,
        rtp_wrong_payload=1,
        rtp_malformed=1,
        rtp_oversize=1,
        rtcp_ignored=1,
    )
    # A new SSRC after a second of silence is a restarted sender: follow it.
    rx.receive(raw(500, 99999, pt=8, ssrc=99), src, 1.5)
    assert counters["rtp_ssrc_restart"] == 1
    assert counters["rtp_packets"] == 2


def test_concealment_repeats_then_fades_to_silence() -> None:
    counters: Counter[str] = Counter()
    rx = RtpReceiver(Codec(0, "PCMU"), allowed_hosts={"h"}, now=0.0, counters=counters, depth_ms=0)
    loud = ulaw_encode(np.full(160, 8000, dtype=np.int16))
    rx.receive(raw(0, 0, loud), ("h", 1), 0.0)
    rx.receive(raw(1, 160, loud), ("h", 1), 0.0)
    gap = rx.receive(raw(12, 12 * 160, loud), ("h", 1), 0.2)  # ten packets lost: 200 ms
    assert counters["rtp_concealed_gaps"] == 1
    assert counters["rtp_concealed_samples"] == 1600
    assert counters["rtp_lost"] == 10
    # 16 kHz: the first 20 ms of the gap still carries signal, after 60 ms only silence.
    start = 2 * 160 * 2
    assert np.abs(gap[start - 640 : start - 320]).mean() > 0.1
    assert np.abs(gap[start + 1200 : start + 3000]).max() < 1e-3


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_rtp_parser_only_raises_rtp_error(data: bytes) -> None:
    with contextlib.suppress(RtpError):
        parse_rtp(data)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.binary(max_size=200), st.sampled_from(["h", "x"]), st.floats(0, 5)),
        max_size=30,
    )
)
def test_receiver_never_raises_on_random_datagrams(items: list[tuple[bytes, str, float]]) -> None:
    rx = RtpReceiver(Codec(0, "PCMU"), allowed_hosts={"h"}, now=0.0)
    for data, host, now in items:
        out = rx.receive(b"\x80\x00" + data, (host, 1), now)
        assert out.dtype == np.float32
    assert rx.flush().dtype == np.float32
