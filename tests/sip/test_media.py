"""The received stream's guards: one latch for the whole call, pacing, starvation, SRTP."""

from __future__ import annotations

import itertools
import random
import struct
from collections import Counter

import pylibsrtp
import pytest

from consult_assist.sip.media import RtpReceiver, rtp_port_order, starved
from consult_assist.sip.sdp import Codec
from consult_assist.sip.srtp import SdesKey, SrtpInbound

PCMU = Codec(0, "PCMU")
CALLER = ("10.0.0.1", 4000)


def raw(seq: int, *, ssrc: int = 7, size: int = 160) -> bytes:
    return struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, seq * size, ssrc) + b"\xff" * size


def receiver(counters: Counter[str], **kw: object) -> RtpReceiver:
    return RtpReceiver(PCMU, allowed_hosts={"10.0.0.1"}, now=0.0, counters=counters, **kw)  # type: ignore[arg-type]


def test_another_port_never_takes_the_stream_over_even_after_a_pause() -> None:
    counters: Counter[str] = Counter()
    rx = receiver(counters)
    for i in range(10):
        rx.receive(raw(i), CALLER, i * 0.02)
    # Row 9 of issue 12: 1.5 s of silence, then another port of the same host.
    hijack = ("10.0.0.1", 4002)
    for i in range(10, 60):
        assert len(rx.receive(raw(i, ssrc=666), hijack, 1.7 + i * 0.02)) == 0
    assert rx.source == CALLER
    assert counters["rtp_wrong_source"] == 50
    assert counters["rtp_packets"] == 10
    # The caller itself is still heard.
    rx.receive(raw(60), CALLER, 3.0)
    assert counters["rtp_packets"] == 11


def test_a_reinvite_moves_the_latch() -> None:
    counters: Counter[str] = Counter()
    rx = receiver(counters)
    rx.receive(raw(0), CALLER, 0.0)
    rx.update(allowed_hosts={"10.0.0.9"})
    rx.receive(raw(1), ("10.0.0.9", 5000), 0.02)
    assert rx.source == ("10.0.0.9", 5000)


def test_rtp_faster_than_one_and_a_half_times_real_time_is_dropped() -> None:
    counters: Counter[str] = Counter()
    rx = receiver(counters, max_speed=1.5, burst_s=1.0)
    # 20 s of audio in 1 s: 20 × real time.
    for i in range(1000):
        rx.receive(raw(i), CALLER, i * 0.001)
    accepted = counters["rtp_packets"]
    # At most 1 s of burst plus 1.5 s per second of arrival: 2.5 s = 125 packets.
    assert 120 <= accepted <= 126, accepted
    assert counters["rtp_too_fast"] == 1000 - accepted
    # Only the accepted audio goes on (16 kHz), without gaps standing in for the dropped.
    rx.flush()
    assert counters["rtp_lost"] == 0
    assert rx.samples_out == pytest.approx(accepted * 320, abs=100)


def test_real_time_and_a_late_burst_pass_the_pacer() -> None:
    counters: Counter[str] = Counter()
    rx = receiver(counters)
    for i in range(500):  # 10 s at real time
        rx.receive(raw(i), CALLER, i * 0.02)
    # A 600 ms stall, then the 30 held-up packets at once.
    for i in range(500, 530):
        rx.receive(raw(i), CALLER, 10.6)
    assert counters["rtp_too_fast"] == 0
    assert counters["rtp_packets"] == 530


def test_a_trickling_stream_starves_and_a_real_one_does_not() -> None:
    real, trickle = receiver(Counter()), receiver(Counter())
    for i in range(1500):  # 30 s at real time
        real.receive(raw(i), CALLER, i * 0.02)
    for k in range(4):  # one packet every 10 s
        trickle.receive(raw(k), CALLER, k * 10.0)
    assert not starved([real], 30.0, window_s=20.0, min_ratio=0.25)
    assert starved([trickle], 30.0, window_s=20.0, min_ratio=0.25)
    assert not starved([trickle], 19.0, window_s=20.0, min_ratio=0.25)  # too early to judge
    # A SIPREC call lives while either party is heard.
    assert not starved([trickle, real], 30.0, window_s=20.0, min_ratio=0.25)
    assert starved([real], 60.0, window_s=20.0, min_ratio=0.25)  # it stopped at 30 s


def test_srtp_packets_are_decrypted_and_unauthenticated_ones_dropped() -> None:
    key = bytes(range(30))
    counters: Counter[str] = Counter()
    rx = receiver(counters, srtp=SrtpInbound(SdesKey(1, "AES_CM_128_HMAC_SHA1_80", key)))
    tx = pylibsrtp.Session(
        pylibsrtp.Policy(
            key=key,
            ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND,
            srtp_profile=pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_80,
        )
    )
    # A plain packet first, from another port: it must not latch the stream.
    rx.receive(raw(0), ("10.0.0.1", 4002), 0.0)
    assert rx.source is None
    for i in range(1, 11):
        rx.receive(tx.protect(raw(i)), CALLER, i * 0.02)
    assert rx.source == CALLER
    assert counters["rtp_srtp_refused"] == 1 and counters["rtp_packets"] == 10
    assert len(rx.flush()) > 0


def test_rtp_ports_are_even_in_range_and_unpredictable() -> None:
    rng = random.Random(12)
    first = [next(iter(rtp_port_order(20000, 29999, rng))) for _ in range(20)]
    assert all(20000 <= p <= 29999 and p % 2 == 0 for p in first)
    assert len(set(first)) > 15
    steps = {b - a for a, b in itertools.pairwise(first)}
    assert steps != {2}  # not handed out in order
    # The whole range is still tried when random picks keep hitting busy ports.
    assert set(rtp_port_order(20001, 20010, rng)) == {20002, 20004, 20006, 20008, 20010}
    assert list(rtp_port_order(20001, 20001, rng)) == []
