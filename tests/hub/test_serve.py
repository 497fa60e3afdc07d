"""``serve``: the server built from a ServerConfig, its start (TLS, recovery) and its stop."""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hubtools import TIMEOUT, UNIT, call_frames, connect, live_server, make_tokens, stream
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidHandshake

from consult_assist.config import ServerConfig
from consult_assist.errors import ConfigError, ConsultAssistError
from consult_assist.events import (
    ErrorEvent,
    Note,
    Sequencer,
    SessionEnded,
    SessionStarted,
    TranscriptFinal,
)
from consult_assist.hub.client import WebSocketHubClient
from consult_assist.hub.limits import ConnectionLimits
from consult_assist.hub.serve import RunningServer, _SipSink, run_server, tls_context
from consult_assist.hub.sqlite_store import SqliteStore
from consult_assist.testing import FakeTranscriber

HERE = Path(__file__).parent


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


async def test_sigterm_stops_within_the_drain_bound_and_ends_every_call(
    tmp_path: Path, root: Path
) -> None:
    # Ten calls' finals need about 8 batches of 3 s each: 24 s to transcribe them all. With a
    # drain of 1 s the server stops after at most 1 s + the batch in flight (3 s) + closing.
    db, tokens_path = tmp_path / "store.db", tmp_path / "tokens.json"
    tokens = make_tokens(tokens_path)
    server = HERE / "slow_server.py"
    args = [str(db), str(tokens_path), str(root / "manuals"), "3.0", "1.0"]
    proc = subprocess.Popen([sys.executable, str(server), *args], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        clients = [await connect(url, tokens["kato"], reconnect=False) for _ in range(10)]
        sessions = [await c.start_session() for c in clients]
        for client in clients:
            await stream(client, call_frames(4))
        await asyncio.sleep(0.5 * UNIT)  # the frames are in; finals queue behind the slow model
        stopped = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        await asyncio.to_thread(proc.wait, 15 * UNIT)  # the bound: 1 + 3 s, with room
        elapsed = time.monotonic() - stopped
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, f"exit {proc.returncode} after {elapsed:.1f} s"
    with SqliteStore(db) as store:
        events = {s: store.events(s) for s in sessions}
    assert all(isinstance(ev[-1], SessionEnded) for ev in events.values())
    assert {ev[-1].reason for ev in events.values()} == {"shutdown"}  # type: ignore[attr-defined]
    # The finals the drain did not reach are errors in the record, not silently missing.
    failed = [e for ev in events.values() for e in ev if isinstance(e, ErrorEvent)]
    finals = [e for ev in events.values() for e in ev if isinstance(e, TranscriptFinal)]
    assert failed and {e.code for e in failed} == {"asr.decode_failed"}
    assert len(failed) + len(finals) == 10 * 4  # every utterance accounted for


async def test_a_token_streams_at_most_its_sessions_and_a_full_server_says_so(
    tmp_path: Path, root: Path
) -> None:
    limits = ConnectionLimits(max_sessions_per_token=2)
    async with live_server(tmp_path, root, limits=limits) as server:
        server.running.hub.max_live = 3
        kato = [await connect(server.url, server.tokens["kato"]) for _ in range(3)]
        await kato[0].start_session()
        await kato[1].start_session()
        with pytest.raises(ConsultAssistError, match="limit per token"):
            await kato[2].start_session()
        sato = [await connect(server.url, server.tokens["sato"]) for _ in range(2)]
        await sato[0].start_session()
        with pytest.raises(ConsultAssistError, match="3 live calls"):
            await sato[1].start_session()
        await asyncio.gather(*(c.close() for c in kato + sato))


async def test_audio_over_the_budget_is_dropped_and_the_sender_told(
    tmp_path: Path, root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    limits = ConnectionLimits(max_audio_speed=1.2, audio_burst_s=3.0)
    async with live_server(tmp_path, root, limits=limits) as server:
        sato = await connect(server.url, server.tokens["sato"])
        session = await sato.start_session()
        with caplog.at_level(logging.WARNING, logger="consult_assist.hub.client"):
            await stream(sato, call_frames(6))  # 13 s of audio at once: 3 s fit
            await sato.end_session(session)
        await sato.close()
    with SqliteStore(Path(server.db)) as store:
        ended = store.events(session)[-1]
    assert isinstance(ended, SessionEnded) and ended.at <= 3.0 + 0.5  # the rest was dropped
    assert any("rate_limited" in r.getMessage() for r in caplog.records)
