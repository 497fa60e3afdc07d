"""The asyncio adapter on loopback with a hand-written peer (SIPp tests are in tests/e2e)."""

from __future__ import annotations

import asyncio
import os
import struct
from typing import Any

import pytest

from consult_assist.errors import ConfigError
from consult_assist.sip.message import SipResponse, parse_message
from consult_assist.sip.server import SipConfig, SipServer
from consult_assist.testing import RecordingSink

UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))


def options(call_id: str = "opt-1", transport: str = "UDP") -> bytes:
    return (
        f"OPTIONS sip:hotline@127.0.0.1 SIP/2.0\r\n"
        f"Via: SIP/2.0/{transport} 127.0.0.1:9;branch=z9hG4bK-{call_id};rport\r\n"
        "From: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:hotline@127.0.0.1>\r\n"
        f"Call-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    ).encode()


class Client(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.received: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.received.put_nowait(data)


async def test_udp_garbage_and_oversize_are_counted_and_the_server_still_answers() -> None:
    loop = asyncio.get_running_loop()
    config = SipConfig(max_message_bytes=2000)
    async with SipServer(RecordingSink(), "127.0.0.1", 0, config=config) as server:
        transport, client = await loop.create_datagram_endpoint(
            Client, remote_addr=("127.0.0.1", server.port)
        )
        try:
            transport.sendto(b"\x00\x01garbage")
            transport.sendto(options() + b"x" * 3000)
            transport.sendto(options())
            reply = parse_message(await asyncio.wait_for(client.received.get(), 5 * UNIT))
        finally:
            transport.close()
        assert isinstance(reply, SipResponse)
        assert reply.status == 200
        assert server.counters["sip_malformed"] == 1
        assert server.counters["sip_oversize"] == 1
        assert server.counters["internal_errors"] == 0


async def test_tcp_messages_are_framed_and_a_broken_stream_is_closed() -> None:
    async with SipServer(RecordingSink(), "127.0.0.1", 0) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        data = options("a", "TCP") + options("b", "TCP")
        for i in range(0, len(data), 50):  # split across segments
            writer.write(data[i : i + 50])
            await writer.drain()
        replies = []
        for _ in range(2):
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5 * UNIT)
            replies.append(parse_message(head))
        assert [r.call_id for r in replies] == ["a", "b"]
        writer.write(b"OPTIONS sip:x SIP/2.0\r\nContent-Length: many\r\n\r\n")
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 5 * UNIT) == b""  # closed by the server
        writer.close()
        assert server.counters["sip_tcp_framing"] == 1


async def test_rtp_port_range_is_used_and_released() -> None:
    sink = RecordingSink()
    config = SipConfig(rtp_ports=(31000, 31999), rtp_timeout_s=0.3 * UNIT)
    loop = asyncio.get_running_loop()
    sdp = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 9 RTP/AVP 0\r\n"
    invite = (
        "INVITE sip:hotline@127.0.0.1 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-inv;rport\r\n"
        "From: <sip:0312345678@127.0.0.1>;tag=1\r\nTo: <sip:hotline@127.0.0.1>\r\n"
        "Call-ID: rtp-1\r\nCSeq: 1 INVITE\r\nContact: <sip:c@127.0.0.1:9>\r\n"
        f"Content-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n{sdp}"
    ).encode()
    async with SipServer(sink, "127.0.0.1", 0, config=config) as server:
        transport, _ = await loop.create_datagram_endpoint(
            Client, remote_addr=("127.0.0.1", server.port)
        )
        try:
            transport.sendto(invite)
            await asyncio.wait_for(sink.wait_for(lambda s: bool(s.calls)), 5 * UNIT)
            (port,) = server.calls["rtp-1"].rtp_ports
            assert 31000 <= port <= 31999 and port % 2 == 0
            rtp, _ = await loop.create_datagram_endpoint(
                asyncio.DatagramProtocol, remote_addr=("127.0.0.1", port)
            )
            for i in range(10):
                rtp.sendto(struct.pack("!BBHII", 0x80, 0, i, i * 160, 1) + b"\xff" * 160)
            rtp.close()
            (call,) = await asyncio.wait_for(sink.wait_ended(1), 5 * UNIT)
        finally:
            transport.close()
        assert call.end_reason == "timeout"  # no ACK needed for that: RTP stopped
        assert len(call.audio(0)) == 10 * 320
        assert server.calls == {}
    # The port is free again.
    probe, _ = await loop.create_datagram_endpoint(
        asyncio.DatagramProtocol, local_addr=("127.0.0.1", port)
    )
    probe.close()


async def test_wildcard_without_advertise_host_is_a_config_error() -> None:
    server = SipServer(RecordingSink(), "0.0.0.0", 0)
    with pytest.raises(ConfigError):
        await server.start()
    await server.close()


async def test_an_ephemeral_port_taken_for_tcp_is_traded_for_another_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Port 0: the UDP port the system picks may be held by a TCP socket; try another."""
    loop = asyncio.get_running_loop()
    real = loop.create_server
    refused: list[int] = []

    async def first_port_taken(*args: Any, **kwargs: Any) -> asyncio.Server:
        if not refused:
            refused.append(int(args[2]))
            raise OSError(98, "address already in use")
        server: asyncio.Server = await real(*args, **kwargs)
        return server

    monkeypatch.setattr(loop, "create_server", first_port_taken)
    async with SipServer(RecordingSink(), "127.0.0.1", 0) as server:
        assert refused and server.port != 0
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(options("tcp-after-retry", "TCP"))
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5 * UNIT)
        writer.close()
        assert parse_message(head).call_id == "tcp-after-retry"
    # The UDP socket of the refused pair was given back.
    probe, _ = await loop.create_datagram_endpoint(
        asyncio.DatagramProtocol, local_addr=("127.0.0.1", refused[0])
    )
    probe.close()


async def test_a_chosen_port_taken_for_tcp_is_an_error_not_another_port() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        server = SipServer(RecordingSink(), "127.0.0.1", port)
        with pytest.raises(OSError):
            await server.start()
    # The UDP socket bound before TCP failed was closed with it (on the loop's next turn).
    await asyncio.sleep(0.01)
    loop = asyncio.get_running_loop()
    probe, _ = await loop.create_datagram_endpoint(
        asyncio.DatagramProtocol, local_addr=("127.0.0.1", port)
    )
    probe.close()
