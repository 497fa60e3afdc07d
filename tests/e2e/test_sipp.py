"""Real SIP peers (SIPp 3.6, Debian ``sip-tester``) calling our SipServer on 127.0.0.1.

Each test starts a SipServer feeding a RecordingSink, runs one SIPp scenario from
tests/e2e/sipp/ against it and checks what arrived: audio (duration and correlation with
the decoded original), speakers, meta, end reason and counters.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import socket
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from ports import free_port

from consult_assist.audio.g711 import alaw_encode, ulaw_decode
from consult_assist.audio.pcm import SAMPLE_RATE, FloatArray, Resampler, int16_to_float
from consult_assist.sip.digest import DigestOptions
from consult_assist.sip.server import SipConfig, SipServer
from consult_assist.testing import RecordingSink

pytestmark = [
    pytest.mark.sipp,
    pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp not installed (sip-tester)"),
]

ROOT = Path(__file__).resolve().parents[2]
UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))
SCENARIOS = Path(__file__).parent / "sipp"
PACKET = 160  # 20 ms of 8 kHz G.711


def ulaw_clip(name: str, seconds: float, *, offset_s: float = 2.0) -> bytes:
    """``seconds`` of samples/<name>.tel.wav (8 kHz mu-law WAV) as headerless mu-law bytes."""
    data = (ROOT / "samples" / f"{name}.tel.wav").read_bytes()
    pos = 12
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if chunk == b"fmt ":
            fmt, channels, rate = struct.unpack("<HHI", data[pos + 8 : pos + 16])
            assert (fmt, channels, rate) == (7, 1, 8000), "expected 8 kHz mono mu-law"
        if chunk == b"data":
            start = pos + 8 + int(offset_s * 8000)
            return data[start : start + int(seconds * 8000)]
        pos += 8 + size + size % 2
    raise AssertionError("no data chunk")


def decoded(ulaw: bytes) -> FloatArray:
    resampler = Resampler(8000)
    audio = int16_to_float(ulaw_decode(ulaw))
    return np.concatenate([resampler.process(audio), resampler.flush()])


def ncc(received: FloatArray, reference: FloatArray, *, max_lag: int = 1600) -> float:
    """Peak normalised cross-correlation over lags within ±``max_lag`` samples."""
    n = min(len(received), len(reference))
    a, b = received[:n].astype(np.float64), reference[:n].astype(np.float64)
    size = 1 << (2 * n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(a, size) * np.conj(np.fft.rfft(b, size)), size)
    lags = np.concatenate([corr[: max_lag + 1], corr[-max_lag:]])
    return float(np.max(lags) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


async def run_sipp(
    scenario: str,
    server_port: int,
    workdir: Path,
    *,
    pause_ms: int = 0,
    transport: str = "u1",
    timeout_s: float = 20.0,
    extra: Sequence[str] = (),
) -> tuple[int, str]:
    """Run one SIPp call; return its exit status and the tail of its logs."""
    shutil.copy(SCENARIOS / scenario, workdir / scenario)
    args = ["-sf", scenario, "-s", "hotline", "-m", "1", "-i", "127.0.0.1", *extra]
    args += ["-p", str(free_port(even=True)), "-mp", str(free_port(even=True)), "-t", transport]
    args += ["-d", str(pause_ms), "-nostdin", "-trace_err", "-trace_msg"]
    args += ["-timeout", f"{timeout_s:.0f}s"]
    args += ["-timeout_error", f"127.0.0.1:{server_port}"]
    proc = await asyncio.create_subprocess_exec(
        "sipp",
        *args,
        cwd=workdir,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await asyncio.wait_for(proc.communicate(), timeout_s + 5 * UNIT)
    except (TimeoutError, asyncio.CancelledError):
        proc.kill()
        await proc.wait()
        raise
    return int(proc.returncode or 0), err.decode(errors="replace")[-2000:] + sipp_logs(workdir)


def sipp_logs(workdir: Path) -> str:
    """The tails of SIPp's error and message traces in ``workdir`` (what a failure shows)."""
    logs = sorted(workdir.glob("*errors.log")) + sorted(workdir.glob("*messages.log"))
    return "".join(f"\n--- {p.name}\n" + p.read_text(errors="replace")[-3000:] for p in logs)


async def first_call(
    sink: RecordingSink, sipp: asyncio.Task[tuple[int, str]], workdir: Path, limit_s: float
) -> None:
    """Wait for SIPp's call to reach the sink; if it does not, fail with SIPp's own account.

    A SIPp that exits before calling (a port it could not bind, a scenario error) or a call
    that never arrives would otherwise surface as a bare timeout with nothing to go on.
    """
    arrived = asyncio.ensure_future(sink.wait_for(lambda s: bool(s.calls)))
    done, _ = await asyncio.wait({arrived, sipp}, timeout=limit_s, return_when="FIRST_COMPLETED")
    if arrived in done:
        return
    arrived.cancel()
    if sipp in done:
        rc, logs = sipp.result()
        pytest.fail(f"SIPp ended with rc {rc} before its call reached the server:\n{logs}")
    sipp.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sipp
    still = f"no call reached the server in {limit_s:.0f} s; SIPp was still running:"
    pytest.fail(still + sipp_logs(workdir))


def rtp_packets(ulaw: bytes, *, ssrc: int, pt: int = 0) -> list[bytes]:
    seq0, ts0 = 1000, 123456
    return [
        struct.pack("!BBHII", 0x80, pt, (seq0 + i) & 0xFFFF, ts0 + i * PACKET, ssrc)
        + ulaw[i * PACKET : (i + 1) * PACKET]
        for i in range(len(ulaw) // PACKET)
    ]


async def send_rtp(
    sock: socket.socket, packets: list[bytes], port: int, *, every: int, speed: float = 1.25
) -> None:
    """Send at ``speed`` × real time, ``every`` packets at a time (pacing, not syncing).

    The server drops RTP above 1.5 × real time (``SipConfig.max_rtp_speed``), so a test
    stream keeps under it and still finishes sooner than the call it carries.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    for i, packet in enumerate(packets):
        sock.sendto(packet, ("127.0.0.1", port))
        if i % every == every - 1:
            await asyncio.sleep(max(0.0, start + (i + 1) * 0.02 / speed - loop.time()))


async def test_plain_call_streams_the_callers_audio(tmp_path: Path) -> None:
    ulaw = ulaw_clip("child-violence", 10.0)
    (tmp_path / "call.ulaw").write_bytes(ulaw)
    sink = RecordingSink()
    async with SipServer(sink, "127.0.0.1", 0) as server:
        rc, logs = await run_sipp(
            "uac_stream.xml", server.port, tmp_path, pause_ms=len(ulaw) // 8 + 400
        )
        assert rc == 0, logs
        (call,) = await asyncio.wait_for(sink.wait_ended(1), 5 * UNIT)
        counters = server.counters.copy()
    assert call.source == "sip"
    assert call.speakers == ("unknown",)  # one mixed stream: nobody is named
    assert call.source_rate == 8000
    assert call.meta["caller"] == "0312345678"
    assert call.meta["call_id"]
    assert call.end_reason == "hangup"
    got, want = call.audio(0), decoded(ulaw)
    assert abs(len(got) - len(want)) / SAMPLE_RATE < 0.2, (len(got), len(want))
    assert ncc(got, want) > 0.9
    assert counters["calls_answered"] == 1
    assert counters["internal_errors"] == 0
    assert counters["rtp_late"] == 0


async def test_siprec_call_maps_streams_to_speakers_by_metadata(tmp_path: Path) -> None:
    handler_audio = ulaw_clip("dv-witness", 6.0)
    caller_audio = ulaw_clip("child-violence", 6.0)
    (tmp_path / "call.ulaw").write_bytes(handler_audio)
    sink = RecordingSink()
    async with SipServer(sink, "127.0.0.1", 0) as server:
        sipp = asyncio.create_task(
            run_sipp(
                "uac_siprec.xml", server.port, tmp_path, pause_ms=len(handler_audio) // 8 + 600
            )
        )
        await first_call(sink, sipp, tmp_path, 10 * UNIT)
        info = server.calls[sink.calls[0].meta["call_id"]]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", 0))
            packets = rtp_packets(caller_audio, ssrc=0x5EC0)
            await send_rtp(sock, packets, info.rtp_ports[1], every=4)
        rc, logs = await sipp
        assert rc == 0, logs
        (call,) = await asyncio.wait_for(sink.wait_ended(1), 5 * UNIT)
    assert call.source == "siprec"
    assert call.speakers == ("handler", "caller")
    assert call.meta["speaker_rule"] == "aor"
    assert call.meta["recording_session"] == "hVpd7YQgRW2nD22h7q60JQ=="
    assert call.end_reason == "hangup"
    assert ncc(call.audio(0), decoded(handler_audio)) > 0.9
    assert ncc(call.audio(1), decoded(caller_audio)) > 0.9
    assert ncc(call.audio(1), decoded(handler_audio)) < 0.5


@pytest.mark.parametrize("transport", ["u1", "t1"])
async def test_cancel_before_answer_gives_487_and_no_session(
    tmp_path: Path, transport: str
) -> None:
    sink = RecordingSink()
    config = SipConfig(answer_after_s=60 * UNIT)
    async with SipServer(sink, "127.0.0.1", 0, config=config) as server:
        rc, logs = await run_sipp("uac_cancel.xml", server.port, tmp_path, transport=transport)
        assert rc == 0, logs
        assert sink.calls == []
        assert server.calls == {}
        assert server.counters["calls_cancelled"] == 1
        assert server.counters["sip_sent_4xx"] == 1  # the 487


async def test_lossy_reordered_rtp_is_concealed_and_timeout_ends_the_call(tmp_path: Path) -> None:
    ulaw = ulaw_clip("teen-suicidal", 10.0)
    # The scenario offers PCMA first, so this call is A-law.
    alaw = alaw_encode(ulaw_decode(ulaw))
    rng = random.Random(6)
    packets = rtp_packets(alaw, ssrc=0xCA11, pt=8)
    # Reorder within blocks of three packets (up to 40 ms late: inside the 60 ms jitter
    # buffer), then lose 5 % (never the first or the last, which fix the expected length).
    order: list[int] = []
    for start in range(0, len(packets), 3):
        block = list(range(start, min(start + 3, len(packets))))
        rng.shuffle(block)
        order += block
    kept = [i for i in order if i in (0, len(packets) - 1) or rng.random() >= 0.05]
    order = kept
    sink = RecordingSink()
    config = SipConfig(rtp_timeout_s=1.0 * UNIT)
    async with SipServer(sink, "127.0.0.1", 0, config=config) as server:
        sipp = asyncio.create_task(run_sipp("uac_wait_bye.xml", server.port, tmp_path))
        await first_call(sink, sipp, tmp_path, 10 * UNIT)
        port = server.calls[sink.calls[0].meta["call_id"]].rtp_ports[0]
        with contextlib.ExitStack() as stack:
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
            other = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
            sock.bind(("127.0.0.1", 0))
            other.bind(("127.0.0.1", 0))
            await send_rtp(sock, [packets[i] for i in order[:50]], port, every=4)
            # Noise the receiver must drop: garbage, another SSRC, another source port.
            sock.sendto(b"\x00garbage", ("127.0.0.1", port))
            sock.sendto(rtp_packets(alaw[:PACKET], ssrc=0xBAD, pt=8)[0], ("127.0.0.1", port))
            other.sendto(packets[60], ("127.0.0.1", port))
            await send_rtp(sock, [packets[i] for i in order[50:]], port, every=4)
        rc, logs = await sipp
        assert rc == 0, logs
        (call,) = await asyncio.wait_for(sink.wait_ended(1), 5 * UNIT)
        counters = server.counters.copy()
    assert call.end_reason == "timeout"
    dropped = len(packets) - len(kept)
    assert counters["rtp_lost"] == dropped
    assert counters["rtp_concealed_gaps"] >= 1
    assert counters["rtp_late"] == 0
    assert counters["rtp_malformed"] == 1
    assert counters["rtp_wrong_ssrc"] == 1
    assert counters["rtp_wrong_source"] == 1
    assert counters["rtp_timeouts"] == 1
    got, want = call.audio(0), decoded(ulaw)
    assert abs(len(got) - len(want)) / SAMPLE_RATE < 0.2, (len(got), len(want))
    assert ncc(got, want) > 0.8


# SIPp 3.6, like PBXs older than RFC 8760, reads only the first challenge, so it is given
# the server configured for MD5 alone (``sip_digest_algorithms = "MD5"``).
@pytest.mark.parametrize(("password", "answered"), [("s3cret", True), ("wrong", False)])
async def test_digest_authentication_with_sipp(
    tmp_path: Path, password: str, answered: bool
) -> None:
    ulaw = ulaw_clip("child-violence", 3.0)
    (tmp_path / "call.ulaw").write_bytes(ulaw)
    sink = RecordingSink()
    digest = DigestOptions({"pbx": "s3cret"}, realm="hotline", algorithms=("MD5",))
    async with SipServer(sink, "127.0.0.1", 0, config=SipConfig(digest=digest)) as server:
        rc, logs = await run_sipp(
            "uac_auth.xml",
            server.port,
            tmp_path,
            pause_ms=len(ulaw) // 8 + 400,
            extra=["-au", "pbx", "-ap", password],
            timeout_s=10.0,
        )
        if answered:
            assert rc == 0, logs
            (call,) = await asyncio.wait_for(sink.wait_ended(1), 5 * UNIT)
        counters = server.counters.copy()
    assert counters["sip_auth_challenges"] == 1
    if answered:
        assert call.meta["authenticated_as"] == "pbx"
        assert call.end_reason == "hangup"
        assert ncc(call.audio(0), decoded(ulaw)) > 0.9
    else:
        assert rc != 0
        assert sink.calls == []
        assert counters["sip_refused_auth"] == 1
