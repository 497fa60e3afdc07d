"""Where responses and in-dialog requests go: back where they came from, never elsewhere."""

from __future__ import annotations

import pytest

from consult_assist.sip.message import SipRequest, parse_message
from consult_assist.sip.routing import next_hop, reply_peer
from consult_assist.sip.timers import Peer

SOURCE = Peer("udp", "192.0.2.5", 40000)


def options(via: str) -> SipRequest:
    message = parse_message(
        (
            f"OPTIONS sip:a@b SIP/2.0\r\nVia: {via}\r\nFrom: <sip:x@y>;tag=1\r\n"
            "To: <sip:a@b>\r\nCall-ID: r\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        ).encode()
    )
    assert isinstance(message, SipRequest)
    return message


@pytest.mark.parametrize(
    ("via", "dest"),
    [
        ("SIP/2.0/UDP 192.0.2.5:5062;branch=z9hG4bK1;rport", SOURCE),
        ("SIP/2.0/UDP 192.0.2.5:5062;branch=z9hG4bK1", Peer("udp", "192.0.2.5", 5062)),
        ("SIP/2.0/UDP 192.0.2.5;branch=z9hG4bK1", Peer("udp", "192.0.2.5", 5060)),
        # Another host in Via, and a maddr: still the source address.
        (
            "SIP/2.0/UDP 203.0.113.9:7000;maddr=203.0.113.10;branch=z9hG4bK1",
            Peer("udp", "192.0.2.5", 7000),
        ),
    ],
)
def test_responses_go_to_the_source_address(via: str, dest: Peer) -> None:
    assert reply_peer(options(via), SOURCE) == dest


def test_responses_over_a_connection_use_that_connection() -> None:
    tcp = Peer("tcp", "192.0.2.5", 40001)
    assert reply_peer(options("SIP/2.0/TCP 203.0.113.9:5060;branch=z9hG4bK1"), tcp) == tcp


@pytest.mark.parametrize(
    ("target", "dest"),
    [
        ("<sip:pbx@192.0.2.5:5070>", Peer("udp", "192.0.2.5", 5070)),  # same host: its port
        ("<sip:pbx@192.0.2.5>", Peer("udp", "192.0.2.5", 5060)),
        ("<sip:victim@203.0.113.9:5060>", SOURCE),  # another host: back to the verified one
        ("<sip:pbx@pbx.example:5060>", SOURCE),  # a name we would have to resolve
        ("not a uri", SOURCE),
    ],
)
def test_in_dialog_requests_only_go_to_the_verified_host(target: str, dest: Peer) -> None:
    assert next_hop(target, SOURCE) == dest
    tls = Peer("tls", "192.0.2.5", 40002)
    assert next_hop(target, tls) == tls
