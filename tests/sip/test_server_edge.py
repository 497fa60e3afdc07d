"""The SIP edge attacked on loopback (real sockets, a hand-written caller): issue 12's rows.

Each test is one row of the issue's table in its own terms: who may call (1), call slots (3),
idle connections (6), RTP hijack and speed (9), the owner from the Request-URI (10), and
responses to a spoofable source (13). Times are scaled down (``UNIT``) but the mechanisms
are the production ones. Numbers worth reporting are printed (``pytest -s``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import resource
import socket
import ssl
from pathlib import Path

import pytest
from sipuac import UNIT, Uac, answered_port, certificate, rtp

from consult_assist.sip.admission import AdmissionOptions, parse_networks
from consult_assist.sip.digest import DigestOptions
from consult_assist.sip.message import SipResponse, parse_message
from consult_assist.sip.server import SipConfig, SipServer
from consult_assist.testing import RecordingSink

HANDLERS = {"sato", "suzuki"}
ONLY_PBX = parse_networks("127.0.0.1/32")


def edge(sink: RecordingSink, **config: object) -> SipServer:
    return SipServer(
        sink,
        "127.0.0.1",
        0,
        config=SipConfig(**config),  # type: ignore[arg-type]
        extension_known=HANDLERS.__contains__,
    )


async def answered(uac: Uac, call_id: str, **kw: object) -> SipResponse:
    uac.invite(call_id, **kw)  # type: ignore[arg-type]
    ok = await uac.response(call_id)
    assert ok.status == 200, ok.status
    uac.ack(ok)
    return ok


async def test_row1_a_caller_outside_sip_allow_gets_403_and_never_a_session(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="consult_assist.sip")
    sink = RecordingSink()
    async with edge(sink, admission=AdmissionOptions(allow=ONLY_PBX)) as server:
        stranger = await Uac(server.port, host="127.0.0.2").open()
        pbx = await Uac(server.port).open()
        try:
            stranger.invite("intruder")
            assert (await stranger.response("intruder")).status == 403
            ok = await answered(pbx, "real")
            pbx.bye(ok)
            await asyncio.wait_for(sink.wait_ended(1), 5 * UNIT)
        finally:
            stranger.close()
            pbx.close()
        assert server.counters["sip_refused_untrusted"] == 1
    assert [c.meta["call_id"] for c in sink.calls] == ["real"]
    # The operator hears of it: once when it happened, and in the edge's report.
    assert "refused SIP from 127.0.0.2 (untrusted)" in caplog.text
    assert "SIP edge since start: sip_refused_untrusted 1" in caplog.text


async def test_row1_digest_sha256_from_a_hand_written_caller() -> None:
    from test_gate import authorization

    sink = RecordingSink()
    digest = DigestOptions({"pbx": "s3cret"}, realm="hotline", algorithms=("SHA-256",))
    async with edge(sink, digest=digest) as server:
        pbx = await Uac(server.port).open()
        try:
            pbx.invite("auth-1")
            challenge = await pbx.response("auth-1")
            assert challenge.status == 401
            pbx.ack(challenge)
            (offer,) = challenge.headers.get_all("WWW-Authenticate")
            header = authorization(offer, "s3cret", uri=f"sip:sato@127.0.0.1:{server.port}")
            await answered(pbx, "auth-1", cseq=2, extra=header)
            (call,) = sink.calls
        finally:
            pbx.close()
    assert call.meta["authenticated_as"] == "pbx"


async def test_row3_trickling_calls_release_their_slots_and_a_real_call_gets_through() -> None:
    """66 INVITEs trickling one RTP packet every 10 s held every slot: here, scaled down."""
    sink = RecordingSink()
    window = 1.0 * UNIT
    admission = AdmissionOptions(max_calls=4, retry_after_s=1, invites_per_s=20.0)
    loop = asyncio.get_running_loop()
    async with edge(sink, admission=admission, rtp_timeout_s=window) as server:
        attacker = await Uac(server.port, host="127.0.0.2").open()
        caller = await Uac(server.port).open()
        trickle = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        trickle.bind(("127.0.0.2", 0))
        try:
            ports = []
            for i in range(6):
                attacker.invite(f"slot-{i}")
                reply = await attacker.response(f"slot-{i}")
                if reply.status == 200:
                    attacker.ack(reply)
                    ports.append(answered_port(reply))
                else:
                    assert (reply.status, reply.headers.get("Retry-After")) == (503, "1")
            assert len(ports) == 4

            async def trickle_forever() -> None:
                for seq in range(10**6):
                    for port in ports:
                        trickle.sendto(rtp(seq), ("127.0.0.1", port))
                    await asyncio.sleep(0.25 * window)  # scaled "one packet every 10 s"

            trickling = asyncio.create_task(trickle_forever())
            start = loop.time()
            caller.invite("real-0")
            first = await caller.response("real-0")
            assert first.status == 503 and first.headers.get("Retry-After") == "1"
            attempt = 0
            while True:
                attempt += 1
                await asyncio.sleep(0.2 * window)  # the PBX's retry
                caller.invite(f"real-{attempt}")
                reply = await caller.response(f"real-{attempt}")
                if reply.status == 200:
                    break
                assert reply.status == 503
                assert loop.time() - start < 10 * window, "the slots were never released"
            waited = loop.time() - start

            def slots_ended(s: RecordingSink) -> bool:
                slots = [c for c in s.calls if c.meta["call_id"].startswith("slot")]
                return all(c.end_reason is not None for c in slots)

            await asyncio.wait_for(sink.wait_for(slots_ended), 10 * window)
            trickling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await trickling
        finally:
            attacker.close()
            caller.close()
            trickle.close()
        ends = [c.end_reason for c in sink.calls if c.meta["call_id"].startswith("slot")]
    print(f"row 3: real call through after {waited:.2f} s (media window {window:.2f} s)")
    assert ends == ["timeout"] * 4
    assert server.counters["rtp_timeouts"] >= 4


async def test_row3_a_per_source_cap_leaves_slots_for_other_sources() -> None:
    sink = RecordingSink()
    admission = AdmissionOptions(max_calls=4, calls_per_source=2)
    async with edge(sink, admission=admission) as server:
        attacker = await Uac(server.port, host="127.0.0.2").open()
        caller = await Uac(server.port).open()
        try:
            statuses = []
            for i in range(6):
                attacker.invite(f"grab-{i}")
                statuses.append((await attacker.response(f"grab-{i}")).status)
            assert statuses == [200, 200, 486, 486, 486, 486]
            await answered(caller, "real")  # at the first attempt
        finally:
            attacker.close()
            caller.close()
        assert server.counters["sip_refused_source_calls"] == 4


async def open_idle(host: str, port: int) -> asyncio.StreamWriter | None:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(host, 0))
    except OSError:
        return None
    return writer


async def test_row6_a_thousand_idle_connections_are_capped_and_time_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2400 and hard != resource.RLIM_INFINITY and hard < 2400:
        pytest.skip(f"needs 2400 file descriptors, the hard limit is {hard}")
    if soft < 2400:
        resource.setrlimit(resource.RLIMIT_NOFILE, (2400, hard))
    caplog.set_level(logging.WARNING, logger="consult_assist.sip")
    sink = RecordingSink()
    idle = 1.0 * UNIT
    config = {"tcp_idle_s": idle, "connections_per_source": 16, "max_connections": 64}
    async with edge(sink, **config) as server:
        writers: list[asyncio.StreamWriter] = []
        most = 0
        try:
            # 1,050 connections from 70 addresses, 15 each: the total cap is what bites.
            for batch in range(70):
                host = f"127.0.1.{batch + 1}"
                opened = await asyncio.gather(*(open_idle(host, server.port) for _ in range(15)))
                writers += [w for w in opened if w is not None]
                most = max(most, server.connections)
            refused = sum(v for k, v in server.counters.items() if "connections_refused" in k)
            # UDP callers are not affected at all.
            caller = await Uac(server.port).open()
            try:
                ok = await answered(caller, "during-flood")
                caller.bye(ok)
            finally:
                caller.close()

            async def all_idle_closed() -> None:
                while server.connections:
                    await asyncio.sleep(0.1 * idle)

            await asyncio.wait_for(all_idle_closed(), 10 * idle)
            # A PBX connecting now is served over TCP.
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", server.port, local_addr=("127.0.0.3", 0)
            )
            writers.append(writer)
            writer.write(
                b"OPTIONS sip:sato@127.0.0.1 SIP/2.0\r\n"
                b"Via: SIP/2.0/TCP 127.0.0.3:5060;branch=z9hG4bK-o1\r\n"
                b"From: <sip:pbx@127.0.0.3>;tag=1\r\nTo: <sip:sato@127.0.0.1>\r\n"
                b"Call-ID: o1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
            )
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5 * UNIT)
            reply = parse_message(head)
            assert isinstance(reply, SipResponse) and reply.status == 200
        finally:
            for writer in writers:
                writer.close()
        counters = server.counters.copy()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    idle_closed = counters["sip_connections_idle_closed"]
    print(
        f"row 6: {len(writers) - 1} connections opened, at most {most} held at once, "
        f"{refused} refused at once, {idle_closed} closed idle, {len(warnings)} warnings"
    )
    assert most <= 64
    # Every one of the 1,050 was refused at once or closed when idle (how many of each
    # depends on how fast the flood came in).
    assert refused + idle_closed == 1050
    assert refused >= 1  # the cap did bite
    assert len(warnings) <= 70 + 5  # one per source at most, not one per connection


async def test_row6_half_open_tls_connections_meet_the_same_caps(tmp_path: Path) -> None:
    cert, _, tls = certificate(tmp_path)
    sink = RecordingSink()
    config = {
        "transports": (),
        "tls_port": 0,
        "tls_handshake_s": 0.5 * UNIT,
        "connections_per_source": 8,
        "max_connections": 32,
    }
    server = SipServer(sink, "127.0.0.1", 0, config=SipConfig(**config), tls=tls)  # type: ignore[arg-type]
    async with server:
        assert server.tls_port is not None
        # 100 connections that never say hello.
        opened = await asyncio.gather(
            *(open_idle("127.0.0.2", server.tls_port) for _ in range(100))
        )
        held = server.connections
        refused = server.counters["sip_connections_refused_per_source"]

        async def handshakes_timed_out() -> None:
            while server.connections:
                await asyncio.sleep(0.05)

        await asyncio.wait_for(handshakes_timed_out(), 10 * UNIT)
        # A real TLS client is still served.
        context = ssl.create_default_context(cafile=str(cert))
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", server.tls_port, ssl=context, server_hostname="127.0.0.1"
        )
        writer.write(
            b"OPTIONS sip:sato@127.0.0.1 SIP/2.0\r\n"
            b"Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK-t1\r\n"
            b"From: <sip:pbx@127.0.0.1>;tag=1\r\nTo: <sip:sato@127.0.0.1>\r\n"
            b"Call-ID: t1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        )
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5 * UNIT)
        reply = parse_message(head)
        writer.close()
        for w in opened:
            if w is not None:
                w.close()
        counters = server.counters.copy()
    assert held == 8 and refused == 92
    assert counters["sip_tls_handshake_failed"] == 8
    assert isinstance(reply, SipResponse) and reply.status == 200


async def test_row6_a_connection_carrying_a_call_is_not_closed_as_idle() -> None:
    sink = RecordingSink()
    idle = 0.3 * UNIT
    sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    sdp += "m=audio 40000 RTP/AVP 0\r\n"

    def request(method: str, cseq: int, to_tag: str = "", body: str = "") -> bytes:
        to = "<sip:sato@127.0.0.1>" + (f";tag={to_tag}" if to_tag else "")
        head = (
            f"{method} sip:sato@127.0.0.1 SIP/2.0\r\n"
            f"Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-t{cseq}{method}\r\n"
            f"From: <sip:pbx@127.0.0.1>;tag=1\r\nTo: {to}\r\nCall-ID: tcp-call\r\n"
            f"CSeq: {cseq} {method}\r\nContact: <sip:pbx@127.0.0.1;transport=tcp>\r\n"
        )
        if body:
            head += "Content-Type: application/sdp\r\n"
        return f"{head}Content-Length: {len(body)}\r\n\r\n{body}".encode()

    async def final(reader: asyncio.StreamReader) -> SipResponse:
        while True:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5 * UNIT)
            length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            message = parse_message(head + await reader.readexactly(length))
            assert isinstance(message, SipResponse)
            if message.status >= 200:
                return message

    async with edge(sink, tcp_idle_s=idle) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            writer.write(request("INVITE", 1, body=sdp))
            ok = await final(reader)
            to_tag = (ok.headers.get("To") or "").partition(";tag=")[2]
            writer.write(request("ACK", 1, to_tag))
            await asyncio.sleep(4 * idle)  # silent for longer than the idle timeout
            assert server.connections == 1
            writer.write(request("BYE", 2, to_tag))
            assert (await final(reader)).status == 200
        finally:
            writer.close()
    (call,) = sink.calls
    assert call.end_reason == "hangup"


async def test_row3_a_call_on_hold_cannot_hold_its_slot_by_trickling() -> None:
    sink = RecordingSink()
    window, hold = 0.5 * UNIT, 1.0 * UNIT
    async with edge(sink, rtp_timeout_s=window, hold_timeout_s=hold) as server:
        caller = await Uac(server.port).open()
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sender.bind(("127.0.0.1", 0))
        try:
            calls = {}
            for name in ("trickle", "music"):
                ok = await answered(caller, name)
                caller.reinvite(ok, cseq=2, direction="inactive")  # on hold
                held = await caller.response(name)
                assert held.status == 200
                caller.ack(held)
                calls[name] = answered_port(ok)

            async def send(port: int, every_s: float, seconds: float) -> None:
                for seq in range(int(seconds / every_s)):
                    sender.sendto(rtp(seq, ssrc=port), ("127.0.0.1", port))
                    await asyncio.sleep(every_s)

            # Music on hold at real time, and a trickle, for three times the hold timeout.
            await asyncio.gather(
                send(calls["music"], 0.02, 3 * hold),
                send(calls["trickle"], 0.25 * window, 3 * hold),
            )
            ended = {c.meta["call_id"]: c.end_reason for c in sink.calls}
        finally:
            caller.close()
            sender.close()
    assert ended == {"trickle": "timeout", "music": None}


async def test_row9_rtp_from_another_port_after_a_pause_never_takes_over() -> None:
    sink = RecordingSink()
    async with edge(sink, rtp_ports=(31000, 31999)) as server:
        caller = await Uac(server.port).open()
        real = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rogue = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        real.bind(("127.0.0.1", 0))
        rogue.bind(("127.0.0.1", 0))
        try:
            ok = await answered(caller, "hijack")
            port = answered_port(ok)
            for seq in range(25):
                real.sendto(rtp(seq), ("127.0.0.1", port))
                await asyncio.sleep(0.02)
            await asyncio.sleep(1.5)  # the pause after which the old code re-latched
            loud = bytes([0x80]) * 160  # a loud injected signal, easy to find if it got in
            for seq in range(25, 75):
                rogue.sendto(rtp(seq, ssrc=0xBAD, payload=loud), ("127.0.0.1", port))
                await asyncio.sleep(0.01)
            for seq in range(75, 80):
                real.sendto(rtp(seq), ("127.0.0.1", port))
            await asyncio.sleep(0.1)
            caller.bye(ok)
            (call,) = await asyncio.wait_for(sink.wait_ended(1), 5 * UNIT)
        finally:
            caller.close()
            real.close()
            rogue.close()
        counters = server.counters.copy()
    assert counters["rtp_wrong_source"] == 50
    assert counters["rtp_packets"] == 30
    assert float(abs(call.audio(0)).max()) < 0.05  # only the silent caller, never the rogue


async def test_row9_rtp_ports_are_random_not_handed_out_in_order() -> None:
    sink = RecordingSink()
    async with edge(sink, rtp_ports=(31000, 31999)) as server:
        caller = await Uac(server.port).open()
        try:
            ports = [answered_port(await answered(caller, f"p{i}")) for i in range(6)]
        finally:
            caller.close()
    assert all(31000 <= p <= 31999 and p % 2 == 0 for p in ports)
    steps = {b - a for a, b in itertools.pairwise(ports)}
    assert steps != {2}, ports


async def test_row9_rtp_faster_than_one_and_a_half_times_real_time_is_dropped() -> None:
    sink = RecordingSink()
    loop = asyncio.get_running_loop()
    async with edge(sink) as server:
        caller = await Uac(server.port).open()
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sender.bind(("127.0.0.1", 0))
        try:
            ok = await answered(caller, "fast")
            port = answered_port(ok)
            start = loop.time()
            for seq in range(1000):  # 20 s of audio as fast as we can send it
                sender.sendto(rtp(seq), ("127.0.0.1", port))
                if seq % 50 == 49:
                    await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)
            elapsed = loop.time() - start
            caller.bye(ok)
            (call,) = await asyncio.wait_for(sink.wait_ended(1), 5 * UNIT)
        finally:
            caller.close()
            sender.close()
        counters = server.counters.copy()
    got_s = len(call.audio(0)) / 16000
    print(f"row 9: 20 s of audio sent in {elapsed:.2f} s; {got_s:.2f} s passed on")
    assert counters["rtp_too_fast"] > 0
    assert counters["rtp_too_fast"] + counters["rtp_packets"] == 1000
    # What reaches the recognizer: 1.5 × real time plus the 1 s burst allowance, and no
    # padding for what was dropped.
    assert got_s <= 1.5 * elapsed + 1.0 + 0.1
    assert abs(got_s - 0.02 * counters["rtp_packets"]) < 0.1


async def test_row10_the_owner_is_the_request_uri_not_to() -> None:
    sink = RecordingSink()
    async with edge(sink) as server:
        pbx = await Uac(server.port).open()
        try:
            await answered(pbx, "rewritten", user="sato", to_user="reception")
            pbx.invite("nobody", user="reception", to_user="sato")
            assert (await pbx.response("nobody")).status == 404
        finally:
            pbx.close()
    (call,) = sink.calls
    assert call.meta["callee"] == "sato"


@pytest.mark.parametrize("case", ["untrusted", "digest", "trusted-no-ack"])
async def test_row13_unanswered_invites_from_a_spoofable_source(case: str) -> None:
    """Two INVITEs whose sender never answers, with a Contact pointing at a bystander."""
    sink = RecordingSink()
    t1 = 0.02 * UNIT
    allow = ONLY_PBX if case == "untrusted" else parse_networks("127.0.0.0/8")
    digest = DigestOptions({"pbx": "x"}) if case == "digest" else None
    async with edge(
        sink, admission=AdmissionOptions(allow=allow), digest=digest, t1_s=t1
    ) as server:
        spoofed = await Uac(server.port, host="127.0.0.2").open()
        bystander = await Uac(server.port, host="127.0.0.3").open()
        try:
            contact = f"<sip:victim@127.0.0.3:{bystander.port}>"
            for i in range(2):
                spoofed.invite(f"spoof-{i}", contact=contact)
            await asyncio.sleep(70 * t1)  # past 64*T1: every timer has run out
            await asyncio.sleep(0.2)
        finally:
            spoofed.close()
            bystander.close()
        counters = server.counters.copy()
    sent = [parse_message(d) for d in spoofed.received]
    size = sum(len(d) for d in spoofed.received)
    print(f"row 13 ({case}): {len(sent)} responses, {size} bytes for 2 INVITEs")
    assert bystander.received == []  # nothing ever goes to the Contact the sender chose
    assert all(isinstance(m, SipResponse) for m in sent)  # no BYE to the source either
    if case == "untrusted":
        assert [m.status for m in sent] == [403, 403]  # type: ignore[union-attr]
    elif case == "digest":
        assert [m.status for m in sent] == [401, 401]  # type: ignore[union-attr]
    else:
        assert counters["sip_bye_withheld"] == 2 and counters["sip_bye_sent"] == 0
        assert len(sent) <= 2 * 12  # 100 + the 200 until 64*T1 (RFC 3261 13.3.1.4)
    assert sink.calls == [] or case == "trusted-no-ack"
