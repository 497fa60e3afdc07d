"""A hand-written SIP caller for loopback tests: UDP from a chosen 127.x address, RTP too.

It sends what a test tells it to and keeps every datagram it receives, so tests can count
responses (amplification) as well as read them. Waiting is always bounded by ``UNIT``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import ssl
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from consult_assist.sip.message import SipRequest, SipResponse, parse_message

UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))
PACKET = 160


class _Inbox(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.items: list[tuple[bytes, tuple[str, int]]] = []
        self.changed = asyncio.Event()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.items.append((data, (str(addr[0]), int(addr[1]))))
        self.changed.set()


@dataclass
class Uac:
    """One UDP SIP endpoint at ``host``; ``server`` is the SIP server's port on 127.0.0.1."""

    server: int
    host: str = "127.0.0.1"
    transport: asyncio.DatagramTransport | None = None
    inbox: _Inbox = field(default_factory=_Inbox)
    port: int = 0
    _read: int = 0

    async def open(self) -> Uac:
        loop = asyncio.get_running_loop()
        self.transport, _ = await loop.create_datagram_endpoint(
            lambda: self.inbox, local_addr=(self.host, 0)
        )
        self.port = self.transport.get_extra_info("sockname")[1]
        return self

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    @property
    def received(self) -> list[bytes]:
        return [data for data, _ in self.inbox.items]

    def send(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.sendto(data, ("127.0.0.1", self.server))

    def invite(
        self,
        call_id: str,
        *,
        user: str = "sato",
        to_user: str | None = None,
        cseq: int = 1,
        branch: str = "",
        contact: str = "",
        rtp_port: int = 40000,
        extra: str = "",
    ) -> bytes:
        sdp = (
            f"v=0\r\no=- 1 1 IN IP4 {self.host}\r\ns=-\r\nc=IN IP4 {self.host}\r\nt=0 0\r\n"
            f"m=audio {rtp_port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
        )
        data = self._request(
            "INVITE",
            call_id,
            user=user,
            to=f"<sip:{to_user or user}@127.0.0.1>",
            cseq=cseq,
            branch=branch or f"z9hG4bK-{call_id}-{cseq}",
            extra=f"Contact: {contact or f'<sip:caller@{self.host}:{self.port}>'}\r\n{extra}"
            "Content-Type: application/sdp\r\n",
            body=sdp,
        )
        self.send(data)
        return data

    def reinvite(
        self, response: SipResponse, *, cseq: int, direction: str, rtp_port: int = 40000
    ) -> None:
        """A re-INVITE in the dialog of ``response`` (hold: ``inactive``; resume: ``sendrecv``)."""
        sdp = (
            f"v=0\r\no=- 1 {cseq} IN IP4 {self.host}\r\ns=-\r\nc=IN IP4 {self.host}\r\n"
            f"t=0 0\r\nm=audio {rtp_port} RTP/AVP 0\r\na={direction}\r\n"
        )
        self.send(
            self._request(
                "INVITE",
                response.call_id,
                user="sato",
                to=response.headers.get("To") or "",
                cseq=cseq,
                branch=f"z9hG4bK-re-{response.call_id}-{cseq}",
                extra=f"Contact: <sip:caller@{self.host}:{self.port}>\r\n"
                "Content-Type: application/sdp\r\n",
                body=sdp,
            )
        )

    def ack(self, response: SipResponse, *, user: str = "sato") -> None:
        cseq = response.cseq[0]
        self.send(
            self._request(
                "ACK",
                response.call_id,
                user=user,
                to=response.headers.get("To") or "",
                cseq=cseq,
                branch=f"z9hG4bK-ack-{response.call_id}-{cseq}",
            )
        )

    def bye(self, response: SipResponse, *, user: str = "sato") -> None:
        self.send(
            self._request(
                "BYE",
                response.call_id,
                user=user,
                to=response.headers.get("To") or "",
                cseq=response.cseq[0] + 1,
                branch=f"z9hG4bK-bye-{response.call_id}",
            )
        )

    def options(self, call_id: str) -> None:
        to = "<sip:sato@127.0.0.1>"
        self.send(self._request("OPTIONS", call_id, user="sato", to=to, cseq=1, branch=""))

    def _request(
        self,
        method: str,
        call_id: str,
        *,
        user: str,
        to: str,
        cseq: int,
        branch: str,
        extra: str = "",
        body: str = "",
    ) -> bytes:
        branch = branch or f"z9hG4bK-{method}-{call_id}"
        head = (
            f"{method} sip:{user}@127.0.0.1:{self.server} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {self.host}:{self.port};branch={branch};rport\r\n"
            f"From: <sip:0312345678@{self.host}>;tag=uac-{call_id}\r\nTo: {to}\r\n"
            f"Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\nMax-Forwards: 70\r\n{extra}"
        )
        return f"{head}Content-Length: {len(body)}\r\n\r\n{body}".encode()

    async def response(self, call_id: str, *, final: bool = True) -> SipResponse:
        """The next unread response for ``call_id`` (a final one unless ``final`` is False)."""

        async def next_one() -> SipResponse:
            while True:
                while self._read < len(self.inbox.items):
                    data, _ = self.inbox.items[self._read]
                    self._read += 1
                    message = parse_message(data)
                    if (
                        isinstance(message, SipResponse)
                        and message.call_id == call_id
                        and (message.status >= 200 or not final)
                    ):
                        return message
                self.inbox.changed.clear()
                await self.inbox.changed.wait()

        return await asyncio.wait_for(next_one(), 5 * UNIT)

    def requests(self) -> list[SipRequest]:
        """Every request the server sent us (BYEs)."""
        out = []
        for data in self.received:
            message = parse_message(data)
            if isinstance(message, SipRequest):
                out.append(message)
        return out


def answered_port(response: SipResponse) -> int:
    """The RTP port in a 200 OK's SDP answer."""
    for line in response.body.decode().splitlines():
        if line.startswith("m=audio "):
            return int(line.split()[1])
    raise AssertionError("no m=audio in the answer")


def rtp(seq: int, *, ssrc: int = 0x5EED, payload: bytes = b"\xff" * PACKET) -> bytes:
    return struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, (seq * PACKET) & 0xFFFFFFFF, ssrc) + (
        payload
    )


def certificate(folder: Path) -> tuple[Path, Path, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1, its key, and a server context with them."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = folder / "sip-cert.pem", folder / "sip-key.pem"
    request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    subject = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    files = ["-keyout", str(key), "-out", str(cert)]
    subprocess.run(["openssl", *request, *subject, *files], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return cert, key, context
