"""``serve``'s SIP wiring: extensions are handlers, the owner is the Request-URI, the config
reaches the edge, and bad SIP settings stop the server before anything loads."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hubtools import UNIT, make_tokens
from ports import free_port

from consult_assist.asr.recognizer import RecognizerOptions
from consult_assist.config import ServerConfig
from consult_assist.errors import ConfigError
from consult_assist.hub import serve as hub_serve
from consult_assist.hub.serve import RunningServer, run_server
from consult_assist.sip.message import SipResponse, parse_message
from consult_assist.testing import EnergyDetector, FakeTranscriber


@contextlib.asynccontextmanager
async def sip_server(tmp_path: Path, root: Path, **sip: Any) -> AsyncIterator[RunningServer]:
    tokens = tmp_path / "tokens.json"
    make_tokens(tokens)  # handlers sato and suzuki, supervisor tanaka, trainer kato
    config = ServerConfig(
        port=0,
        tokens=tokens,
        db=tmp_path / "store.db",
        manuals=root / "manuals",
        **({"sip": f"127.0.0.1:{free_port()}"} | sip),
    )
    ready: asyncio.Future[RunningServer] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_server(
            config,
            transcriber=FakeTranscriber(),
            options_for=lambda rate: RecognizerOptions(),
            detector_factory=EnergyDetector,
            ready=ready.set_result,
            stop=stop,
        )
    )
    done, _ = await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()
    try:
        yield ready.result()
    finally:
        stop.set()
        await asyncio.wait_for(task, 30 * UNIT)


async def invite(port: int, user: str, to_user: str, *, host: str = "127.0.0.1") -> SipResponse:
    """One INVITE from ``host``; its final response."""
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        sock.setblocking(False)
        me = sock.getsockname()[1]
        sdp = f"v=0\r\no=- 1 1 IN IP4 {host}\r\ns=-\r\nc=IN IP4 {host}\r\nt=0 0\r\n"
        sdp += "m=audio 40000 RTP/AVP 0\r\n"
        data = (
            f"INVITE sip:{user}@127.0.0.1:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {host}:{me};branch=z9hG4bK-{user}-{to_user};rport\r\n"
            f"From: <sip:0312345678@{host}>;tag=x\r\nTo: <sip:{to_user}@127.0.0.1>\r\n"
            f"Call-ID: {user}-{to_user}-{host}\r\nCSeq: 1 INVITE\r\n"
            f"Contact: <sip:pbx@{host}:{me}>\r\nContent-Type: application/sdp\r\n"
            f"Content-Length: {len(sdp)}\r\n\r\n{sdp}"
        ).encode()
        await loop.sock_sendto(sock, data, ("127.0.0.1", port))
        while True:
            raw = await asyncio.wait_for(loop.sock_recv(sock, 65535), 5 * UNIT)
            reply = parse_message(raw)
            assert isinstance(reply, SipResponse)
            if reply.status >= 200:
                return reply


async def test_sip_calls_belong_to_the_handler_in_the_request_uri(
    tmp_path: Path, root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="consult_assist")
    async with sip_server(tmp_path, root, sip_allow="127.0.0.1") as running:
        port = running.sip_server.port
        # A PBX that rewrote the Request-URI to the handler's extension but kept To.
        assert (await invite(port, "sato", "reception")).status == 200
        assert (await invite(port, "reception", "sato")).status == 404  # nobody's call
        assert (await invite(port, "tanaka", "tanaka")).status == 404  # a supervisor
        assert (await invite(port, "sato", "sato", host="127.0.0.2")).status == 403
        (row,) = running.hub.store.sessions()
        counters = running.sip_server.counters.copy()
    assert row.owner == "sato"
    assert row.meta["callee"] == "sato"
    assert row.meta["caller"] == "0312345678"  # stored with the call, for its record
    assert "0312345678" not in caplog.text  # but in no log line without --log-content
    assert counters["sip_refused_unknown_extension"] == 2
    assert counters["sip_refused_untrusted"] == 1


async def test_a_digest_file_others_can_read_stops_the_server_before_the_model(
    tmp_path: Path, root: Path
) -> None:
    secrets_file = tmp_path / "digest"
    secrets_file.write_text("pbx:s3cret\n")
    secrets_file.chmod(0o644)
    loaded = []

    def load() -> FakeTranscriber:
        loaded.append(True)
        return FakeTranscriber()

    config = ServerConfig(
        port=0,
        tokens=tmp_path / "tokens.json",
        db=tmp_path / "store.db",
        sip=f"127.0.0.1:{free_port()}",
        sip_digest_file=secrets_file,
    )
    with pytest.raises(ConfigError, match="chmod 600"):
        await run_server(config, transcriber=load)
    assert loaded == []
    secrets_file.chmod(0o600)
    plan = hub_serve._sip_plan(config)
    assert plan is not None and plan.config.digest is not None
    assert plan.config.digest.credentials == {"pbx": "s3cret"}


def test_the_sip_settings_reach_the_edge(tmp_path: Path) -> None:
    config = ServerConfig(
        sip="127.0.0.1:5070",
        sip_allow="192.0.2.0/24,127.0.0.1",
        sip_rtp_ports="40000-40999",
        sip_max_calls=8,
        sip_calls_per_source=3,
        sip_invite_rate=2.5,
        sip_media_timeout_s=12.0,
        sip_tcp_idle_s=30.0,
        sip_connections_per_source=4,
        sip_max_connections=40,
        log_content=True,
    )
    plan = hub_serve._sip_plan(config)
    assert plan is not None
    edge = plan.config
    assert [str(n) for n in edge.admission.allow] == ["192.0.2.0/24", "127.0.0.1/32"]
    assert edge.rtp_ports == (40000, 40999)
    assert (edge.admission.max_calls, edge.admission.calls_per_source) == (8, 3)
    assert edge.admission.invites_per_s == 2.5
    assert (edge.rtp_timeout_s, edge.tcp_idle_s) == (12.0, 30.0)
    assert (edge.connections_per_source, edge.max_connections) == (4, 40)
    assert edge.log_content and edge.transports == ("udp", "tcp") and edge.tls_port is None


def test_sip_on_every_interface_trusting_only_loopback_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = ServerConfig(sip="0.0.0.0:5060", sip_advertise="192.0.2.10")
    with caplog.at_level(logging.WARNING):
        hub_serve._sip_plan(config)
    assert "--sip-allow" in caplog.text


def test_sip_connections_stay_within_the_file_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    import resource

    monkeypatch.setattr(resource, "getrlimit", lambda which: (1024, 4096))
    assert hub_serve._within_fd_limit(256) == 256
    assert hub_serve._within_fd_limit(1000) == 256


async def test_a_draining_node_answers_a_new_invite_503_so_the_pbx_tries_another(
    tmp_path: Path, root: Path
) -> None:
    async with sip_server(tmp_path, root, sip_allow="127.0.0.1") as running:
        port = running.sip_server.port
        assert (await invite(port, "sato", "sato")).status == 200  # a call it carries on
        assert running.shutdown is not None
        running.shutdown.drain.set()  # as SIGTERM does
        for _ in range(int(5 * UNIT / 0.02)):
            if running.hub.draining:
                break
            await asyncio.sleep(0.02)
        assert (await invite(port, "suzuki", "suzuki")).status == 503
        assert [row.owner for row in running.hub.store.sessions()] == ["sato"]
