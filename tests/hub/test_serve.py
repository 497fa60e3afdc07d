"""``serve``: the server built from a ServerConfig, its start (TLS, recovery) and its stop."""

from __future__ import annotations

import asyncio
import logging
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from hubtools import TIMEOUT, UNIT, connect, live_server, make_tokens
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidHandshake

from consult_assist.config import ServerConfig
from consult_assist.errors import ConfigError
from consult_assist.events import Note, Sequencer, SessionEnded, SessionStarted
from consult_assist.hub.client import WebSocketHubClient
from consult_assist.hub.serve import RunningServer, _SipSink, run_server, tls_context
from consult_assist.hub.sqlite_store import SqliteStore
from consult_assist.testing import FakeTranscriber


def test_no_certificate_means_no_tls_and_a_bad_one_is_one_sentence(tmp_path: Path) -> None:
    assert tls_context(ServerConfig()) is None
    bad = tmp_path / "cert.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ConfigError, match="cannot load the TLS certificate"):
        tls_context(ServerConfig(tls_cert=bad, tls_key=bad))


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


async def test_tls_serves_wss_and_refuses_plain_ws(tmp_path: Path, root: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = _self_signed(tmp_path)
    tokens = make_tokens(tmp_path / "tokens.json")
    config = ServerConfig(
        host="127.0.0.1",
        port=0,
        tls_cert=cert,
        tls_key=key,
        tokens=tmp_path / "tokens.json",
        db=tmp_path / "s.db",
        manuals=root / "manuals",
    )
    ready: asyncio.Future[RunningServer] = asyncio.get_running_loop().create_future()
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_server(config, transcriber=FakeTranscriber(), ready=ready.set_result, stop=stop)
    )
    url = (await asyncio.wait_for(ready, TIMEOUT)).url
    assert url.startswith("wss://")
    context = ssl.create_default_context(cafile=str(cert))
    client = WebSocketHubClient(url, tokens["tanaka"], ssl_context=context)
    identity = await client.connect()
    assert identity.role == "supervisor"
    await client.close()
    with pytest.raises((OSError, InvalidHandshake, TimeoutError)):
        await ws_connect(url.replace("wss://", "ws://"), open_timeout=2 * UNIT)
    stop.set()
    await asyncio.wait_for(task, TIMEOUT)


async def test_calls_left_open_by_a_crash_are_ended_at_start(
    tmp_path: Path, root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seq = Sequencer()
    with SqliteStore(tmp_path / "store.db") as store:
        started = seq.stamp(SessionStarted(session="crashed", meta={"handler": "sato"}))
        assert isinstance(started, SessionStarted)
        store.append_now(started)
        store.append_now(seq.stamp(Note(session="crashed", at=12.0, text="途中")))
    async with live_server(tmp_path, root) as srv:
        assert "recovered after a crash" in caplog.text
        sato = await connect(srv.url, srv.tokens["sato"])
        [info] = await sato.sessions(live_only=False)
        assert (info.id, info.live, info.last_seq) == ("crashed", False, 3)
        await sato.close()
    last = SqliteStore(tmp_path / "store.db").events("crashed")[-1]
    assert isinstance(last, SessionEnded) and (last.reason, last.at) == ("interrupted", 12.0)


async def test_stopping_the_server_ends_live_calls_as_shutdown(tmp_path: Path, root: Path) -> None:
    async with live_server(tmp_path, root) as srv:
        sato = await connect(srv.url, srv.tokens["sato"], reconnect=False)
        session = await sato.start_session()
    await sato.close()
    last = srv.stored(session)[-1]
    assert isinstance(last, SessionEnded) and last.reason == "shutdown"


async def test_a_server_without_tokens_starts_and_says_nobody_can_connect(
    tmp_path: Path, root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    config = ServerConfig(
        port=0, tokens=tmp_path / "none.json", db=tmp_path / "s.db", manuals=root / "manuals"
    )
    stop = asyncio.Event()

    def ready(running: RunningServer) -> None:
        assert running.url.startswith("ws://127.0.0.1:") and not running.url.endswith(":0/")
        assert (running.tokens, running.db, running.sip) == (
            str(config.tokens),
            str(config.db),
            None,
        )
        stop.set()

    await asyncio.wait_for(
        run_server(config, transcriber=FakeTranscriber(), ready=ready, stop=stop), TIMEOUT
    )
    assert "nobody can connect" in caplog.text


async def test_a_sip_call_belongs_to_the_handler_it_was_dialled_for(
    tmp_path: Path, root: Path
) -> None:
    async with live_server(tmp_path, root) as srv:
        sink = _SipSink(srv.running.hub)
        handle = sink.open_call(
            source="sip", speakers=("caller",), source_rate=8_000, meta={"callee": "sato"}
        )
        recorder = sink.open_call(source="siprec", speakers=("",), source_rate=8_000, meta={})
        hub = srv.running.hub
        assert hub.access(handle.session).owner == "sato"  # type: ignore[union-attr]
        assert hub.access(recorder.session).owner == ""  # type: ignore[union-attr]
        handle.end("hangup")
        recorder.end("hangup")
