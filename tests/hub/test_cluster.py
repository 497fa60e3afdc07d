"""Several nodes on one PostgreSQL: real ``serve`` processes, real websockets, real HAProxy.

Each node is ``node_server.py`` (the real ``run_server`` with the fake recognizer: the model is
not what these tests are about). Leases are short here (lapse 2 s) to keep CI quick.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import wave
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hubtools import ROLES, TIMEOUT, UNIT, Collector, call_frames, connect, ended, stream
from ports import free_port

from consult_assist.cli import serving
from consult_assist.cli.serving import ReplayOptions
from consult_assist.errors import ProtocolError
from consult_assist.events import Event
from consult_assist.hub.postgres_store import PostgresStore
from consult_assist.hub.postgres_tokens import PostgresTokens
from consult_assist.hub.record_markdown import render_markdown
from consult_assist.hub.records import build_record
from consult_assist.testing import tone_call
from consult_assist.wire import event_to_dict

HERE = Path(__file__).parent
LEASE = {"lease_s": 2.0, "lease_renew_s": 0.5}


@dataclass
class Node:
    name: str
    url: str
    metrics: str
    proc: subprocess.Popen[str]
    log: Path

    def metric(self, name: str) -> float:
        text = urllib.request.urlopen(self.metrics, timeout=TIMEOUT).read().decode()
        match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
        assert match, f"{name} not in the metrics"
        return float(match.group(1))

    def health(self) -> int:
        try:
            return int(urllib.request.urlopen(self.url.replace("ws:", "http:") + "healthz").status)
        except urllib.error.HTTPError as exc:
            return exc.code


@contextlib.contextmanager
def nodes(tmp_path: Path, root: Path, store: str, *names: str) -> Iterator[dict[str, Node]]:
    """Start one node process per name (together), stop whatever is left after."""
    procs = {}
    for name in names:
        keys = {"store": store, "node": name, "metrics": "127.0.0.1:0", **LEASE}
        log = tmp_path / f"{name}.log"
        procs[name] = (
            subprocess.Popen(
                [sys.executable, str(HERE / "node_server.py"), str(root / "manuals"),
                 json.dumps(keys)],
                stdout=subprocess.PIPE,
                stderr=log.open("w"),
                text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            ),
            log,
        )  # fmt: skip
    started = {}
    try:
        for name, (proc, log) in procs.items():
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line, f"node {name} did not start: {log.read_text()[-3000:]}"
            info = json.loads(line)
            started[name] = Node(name, info["url"], info["metrics"], proc, log)
        yield started
    finally:
        for proc, _ in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc, _ in procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(TIMEOUT)
            if proc.poll() is None:
                proc.kill()


@pytest.fixture
async def store(pg_url: str) -> AsyncIterator[tuple[str, dict[str, str]]]:
    """A fresh database with the tests' tokens in it."""
    with PostgresStore(pg_url) as opened:
        source = PostgresTokens(opened)
        tokens = {name: source.add(name, role) for name, role in ROLES.items()}
    yield pg_url, tokens


def tone_wav(path: Path) -> Path:
    pcm = (tone_call([(0.3, 1.2)], total_s=1.5) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(pcm.tobytes())
    return path


def stored(url: str, session: str) -> list[Event]:
    with PostgresStore(url) as opened:
        return opened.events(session)


def as_dicts(events: list[Event]) -> list[dict[str, object]]:
    return [event_to_dict(e) for e in events]


async def test_two_nodes_serve_each_others_calls_and_a_stopped_node_drains(
    tmp_path: Path, root: Path, store: tuple[str, dict[str, str]]
) -> None:
    url, tokens = store
    with nodes(tmp_path, root, url, "a", "b") as up:
        a, b = up["a"], up["b"]
        sato = await connect(a.url, tokens["sato"])
        handler_view = Collector(sato)
        tanaka = await connect(b.url, tokens["tanaka"])
        watch = Collector(tanaka)
        await tanaka.subscribe("*")
        session = await sato.start_session()
        await stream(sato, call_frames(3)[:40], 0.01)
        await watch.wait_for(lambda ev: any(e.type == "transcript.final" for e in ev))
        # A help request from the handler on a, picked up by the supervisor on b.
        await sato.help(session, "代わってほしい")
        [help_request] = [
            e for e in await watch.wait_for(lambda ev: any(e.type == "help.request" for e in ev))
            if e.type == "help.request"
        ]  # fmt: skip
        await tanaka.ack(session, help_request.seq)  # forwarded to a, stored there, then ok
        await tanaka.note(session, "対応します")
        for view in (handler_view, watch):
            await view.wait_for(lambda ev: any(e.type == "ack" for e in ev))
            [ack] = view.of(session, "ack")
            assert (ack.ref, ack.by) == (help_request.seq, "tanaka")  # type: ignore[attr-defined]
        assert a.metric("consult_assist_commands_taken_total") == 2
        assert b.metric("consult_assist_commands_forwarded_total") == 2
        assert b.metric("consult_assist_followed_calls") == 1
        assert a.metric("consult_assist_live_calls") == 1
        assert a.metric("consult_assist_store_write_connections") == 4  # the default
        assert a.metric("consult_assist_store_write_wait_seconds_total") >= 0
        assert b.metric('consult_assist_clients{role="supervisor"}') == 1

        # SIGTERM drains a: no new call, but the one it carries goes on to its end.
        a.proc.send_signal(signal.SIGTERM)
        suzuki = await connect(a.url, tokens["suzuki"], reconnect=False)
        for _ in range(int(TIMEOUT / 0.05)):
            if a.health() == 503:
                break
            await asyncio.sleep(0.05)
        assert a.health() == 503 and b.health() == 200
        with pytest.raises(ProtocolError) as refused:
            await suzuki.start_session()
        assert refused.value.code == "draining"
        # replay with both nodes: a draining one is skipped, the call starts on the other.
        out = io.StringIO()
        wav = tone_wav(tmp_path / "short.wav")
        replay = ReplayOptions(file=wav, server=f"{a.url},{b.url}", token=tokens["kato"], speed=0)
        assert await serving._replay(replay, out) == 0
        replayed = out.getvalue().split("training session ")[1].split()[0]
        with PostgresStore(url) as opened:
            assert opened.session(replayed).node == "b"  # type: ignore[union-attr]
        await stream(sato, call_frames(3)[40:], 0.005)
        await sato.end_session(session)
        await watch.wait_for(ended(session))
        assert a.proc.wait(TIMEOUT) == 0  # the call over, a stops by itself
        assert "lease released" in a.log.read_text()
        seen_on_b = watch.of(session)
        await asyncio.gather(sato.close(), tanaka.close(), suzuki.close())
        await asyncio.gather(handler_view.stop(), watch.stop())

    assert as_dicts(seen_on_b) == as_dicts(stored(url, session))
    assert seen_on_b[-1].reason == "end"  # type: ignore[attr-defined]
    assert [e.seq for e in seen_on_b] == list(range(1, len(seen_on_b) + 1))
    with PostgresStore(url) as opened:
        rows = opened.connection().execute("SELECT node FROM node_leases").fetchall()
    assert ("a",) not in rows


def _certificate(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1 as HAProxy wants it (chain + key in one file)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
         "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    pem = folder / "haproxy.pem"
    pem.write_text(cert.read_text() + key.read_text())
    client = ssl.create_default_context(cafile=str(cert))
    return pem, client


def haproxy_config(root: Path, pem: Path, port: int, backends: list[str]) -> str:
    """docs/deploy.md's HAProxy configuration, with the test's address, certificate, nodes."""
    text = (root / "docs" / "deploy.md").read_text(encoding="utf-8")
    config = text.split("```haproxy\n", 1)[1].split("```", 1)[0]
    config = config.replace("bind 0.0.0.0:443", f"bind 127.0.0.1:{port}")
    config = config.replace("/etc/haproxy/consult-assist.pem", str(pem))
    servers = "".join(
        f"    server node{i} {backend.removeprefix('ws://').rstrip('/')}\n"
        for i, backend in enumerate(backends, 1)
    )
    return re.sub(r"(    server node\d .*\n)+", servers, config)


@contextlib.contextmanager
def haproxy(tmp_path: Path, config: str) -> Iterator[subprocess.Popen[bytes]]:
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(binary).exists():
        pytest.skip("HAProxy is not installed (apt-get install haproxy)")
    path = tmp_path / "haproxy.cfg"
    path.write_text(config)
    check = subprocess.run([binary, "-c", "-f", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    proc = subprocess.Popen(
        [binary, "-db", "-f", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "haproxy.log").open("w"),
    )
    port = int(re.findall(r"bind 127\.0\.0\.1:(\d+)", config)[0])
    try:
        for _ in range(int(TIMEOUT / 0.05)):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield proc
    finally:
        proc.terminate()
        proc.wait(TIMEOUT)


async def test_kill_9_of_a_node_its_calls_end_node_lost_and_its_clients_move_to_another(
    tmp_path: Path, root: Path, store: tuple[str, dict[str, str]]
) -> None:
    url, tokens = store
    pem, client_tls = _certificate(tmp_path)
    port = free_port()
    with nodes(tmp_path, root, url, "a", "b") as up:
        a, b = up["a"], up["b"]
        config = haproxy_config(root, pem, port, [a.url, b.url])
        with haproxy(tmp_path, config):
            lb = f"wss://127.0.0.1:{port}/"
            sato = await connect(a.url, tokens["sato"], reconnect=False)
            reference = await connect(b.url, tokens["tanaka"])
            direct = await connect([a.url, b.url], tokens["tanaka"], backoff_s=(0.2,))
            # Two through HAProxy: least connections puts them on different nodes.
            via_lb = [
                await connect(lb, tokens["tanaka"], ssl_context=client_tls, backoff_s=(0.2,))
                for _ in range(2)
            ]
            clients = [reference, direct, *via_lb]
            views = [Collector(c) for c in clients]
            for c in clients:
                await c.subscribe("*")
            session = await sato.start_session()
            await stream(sato, call_frames(4)[:50], 0.01)
            for view in views:
                await view.wait_for(lambda ev: sum(e.type == "transcript.final" for e in ev) >= 2)
            before = {id(v): list(v.of(session)) for v in views}
            a.proc.send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            a.proc.wait(TIMEOUT)
            got = await views[0].wait_for(ended(session))
            lost_after = time.monotonic() - killed_at
            assert got[-1].reason == "node_lost"  # type: ignore[attr-defined]
            assert lost_after <= LEASE["lease_s"] + 2 * UNIT  # within the lease (+ a margin)
            for view in views[1:]:
                await view.wait_for(ended(session))
            lists = [as_dicts(v.of(session)) for v in views]
            moved = [bool(v.states) for v in views]
            await asyncio.gather(*(c.close() for c in [sato, *clients]))
            await asyncio.gather(*(v.stop() for v in views))

    in_store = stored(url, session)
    assert lists[0] == as_dicts(in_store)
    for got_list in lists[1:]:
        assert got_list == lists[0]  # nothing lost or doubled across the move
    for view_id, seen in before.items():
        assert as_dicts(seen) == as_dicts(in_store[: len(seen)]), view_id
    assert moved[1] and any(moved[2:])  # the direct client and one behind HAProxy were on a
    assert [e.type for e in in_store].count("session.ended") == 1
    markdown = render_markdown(build_record(in_store))
    assert "担当サーバー停止により終了" in markdown


async def test_a_token_revoked_closes_its_live_connections_on_every_node(
    tmp_path: Path, root: Path, store: tuple[str, dict[str, str]]
) -> None:
    url, tokens = store
    with nodes(tmp_path, root, url, "a", "b") as up:
        on_a = await connect(up["a"].url, tokens["tanaka"], reconnect=False)
        on_b = await connect(up["b"].url, tokens["tanaka"], reconnect=False)
        views = [Collector(on_a), Collector(on_b)]
        with PostgresStore(url) as opened:
            revoked_at = time.monotonic()
            PostgresTokens(opened).revoke("tanaka")
        for view in views:
            for _ in range(int(TIMEOUT / 0.02)):
                if view.states:
                    break
                await asyncio.sleep(0.02)
        closed_after = time.monotonic() - revoked_at
        details = [v.states[-1].detail for v in views]
        await asyncio.gather(on_a.close(), on_b.close(), *(v.stop() for v in views))
    assert all("4001" in d for d in details), details
    assert closed_after <= 2.0 * UNIT  # the protocol's stated bound
