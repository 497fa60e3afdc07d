"""``serve``, ``tokens``, ``records``: tokens, records list and export, config refusal, SIP."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from consult_assist.cli import main
from consult_assist.cli.parser import build_parser
from consult_assist.events import Sequencer, SessionEnded, SessionStarted, TranscriptFinal
from consult_assist.hub import serve as hub_serve
from consult_assist.hub.auth import add_token
from consult_assist.hub.sqlite_store import SqliteStore
from consult_assist.sip.advertise import advertise_address, outward_address
from consult_assist.sip.message import SipResponse, parse_message

UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))


def _store(path: Path) -> str:
    seq = Sequencer()
    meta = {
        "handler": "sato",
        "training": False,
        "source": "sip",
        "caller": "0312345678",
        "started_at": "2026-11-23T14:30:00+09:00",
    }
    with SqliteStore(path) as store:
        started = seq.stamp(SessionStarted(session="20261123-143000-abcd", meta=meta))
        store.append_now(started)
        store.append_now(
            seq.stamp(
                TranscriptFinal(
                    session=started.session,
                    at=3.0,
                    utterance=1,
                    start=0.5,
                    end=2.5,
                    text="もう死にたいって思うんです",
                    speaker="caller",
                )
            )
        )
        store.append_now(seq.stamp(SessionEnded(session=started.session, at=62.0, reason="hangup")))
    return started.session


def test_tokens_add_prints_the_token_once_and_list_never(tmp_path: Path, capsys) -> None:
    tokens = tmp_path / "tokens.json"
    assert main(["tokens", "add", "sato", "--role", "handler", "--tokens", str(tokens)]) == 0
    out, err = capsys.readouterr()
    token = out.strip()
    assert token.startswith("ca_") and "shown only this once" in err
    assert main(["tokens", "list", "--tokens", str(tokens)]) == 0
    listed = capsys.readouterr().out
    assert "sato" in listed and "handler" in listed and token not in listed


def test_records_list_and_export(tmp_path: Path, capsys) -> None:
    db = tmp_path / "calls.db"
    session = _store(db)
    assert main(["records", "list", "--db", str(db), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["id"] == session and row["owner"] == "sato" and row["live"] is False
    assert main(["records", "export", session[:15], "--db", str(db)]) == 0
    markdown = capsys.readouterr().out
    assert "もう死にたいって思うんです" in markdown and "sato" in markdown
    out = tmp_path / "record.json"
    assert (
        main(["records", "export", session, "--db", str(db), "--format", "json", "-o", str(out)])
        == 0
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [e["type"] for e in data["events"]] == [
        "session.started",
        "transcript.final",
        "session.ended",
    ]


def test_records_export_of_an_unknown_session_is_one_sentence(tmp_path: Path, capsys) -> None:
    db = tmp_path / "calls.db"
    _store(db)
    assert main(["records", "export", "nope", "--db", str(db)]) == 1
    assert "no session 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["serve", "--host", "0.0.0.0"], ["serve", "--tls-cert", "x.pem"]])
def test_serve_refuses_unsafe_or_incomplete_tls_before_loading_anything(argv, capsys) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("consult-assist: error: ") and err.count("\n") == 1


def test_records_list_shows_japanese_labels(tmp_path: Path, capsys) -> None:
    db = tmp_path / "calls.db"
    session = _store(db)
    assert main(["records", "list", "--db", str(db)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(session) and "本番" in line and "sato" in line
    assert line.endswith("終話（電話が切れた）")


# -- SIP on a wildcard address -----------------------------------------------------------------


def test_wildcard_sip_without_an_outward_address_names_the_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No network at all: one sentence that says which flag to give, before the model loads."""
    monkeypatch.setattr(
        hub_serve,
        "advertise_address",
        lambda host, advertise: advertise_address(host, advertise, probe=lambda family: None),
    )
    argv = ["serve", "--sip", "0.0.0.0:5999", "--tokens", str(tmp_path / "t.json")]
    argv += ["--db", str(tmp_path / "calls.db"), "--model", str(tmp_path / "no-model")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("consult-assist: error: ") and err.count("\n") == 1
    assert "--sip-advertise HOST" in err and "0.0.0.0" in err


def _free_port() -> int:
    """A port free for both UDP and TCP right now."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port")


def _certificate(folder: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = folder / "cert.pem", folder / "key.pem"
    request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    subprocess.run(
        ["openssl", *request, "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


class _SipPeer:
    """A UDP SIP client on loopback that reads one response at a time."""

    def __init__(self, server_port: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(10 * UNIT)
        self.port = self.sock.getsockname()[1]
        self.server = ("127.0.0.1", server_port)

    def request(self, method: str, cseq: int, *, to_tag: str = "", body: str = "") -> str:
        to = "<sip:sato@127.0.0.1>" + (f";tag={to_tag}" if to_tag else "")
        head = (
            f"{method} sip:sato@127.0.0.1 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bK-{method}-{cseq};rport\r\n"
            f"From: <sip:0312345678@127.0.0.1>;tag=caller\r\nTo: {to}\r\n"
            f"Call-ID: wildcard-1\r\nCSeq: {cseq} {method}\r\n"
            f"Contact: <sip:caller@127.0.0.1:{self.port}>\r\n"
        )
        if body:
            head += "Content-Type: application/sdp\r\n"
        self.sock.sendto(f"{head}Content-Length: {len(body)}\r\n\r\n{body}".encode(), self.server)
        return head

    def final(self) -> SipResponse:
        """The next final (non-1xx) response."""
        while True:
            reply = parse_message(self.sock.recv(65535))
            assert isinstance(reply, SipResponse)
            if reply.status >= 200:
                return reply


@pytest.fixture
def readme_server(tmp_path: Path, root: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """``consult-assist serve --sip 0.0.0.0:PORT --sip-allow … --host 0.0.0.0 --tls-cert …``.

    The README's line, on free ports, with a throwaway store and tokens and the real model.
    """
    cert, key = _certificate(tmp_path)
    add_token(tmp_path / "tokens.json", "sato", "handler")  # SIP takes calls for handlers only
    sip_port = _free_port()
    argv = [sys.executable, "-m", "consult_assist.cli", "serve", "--sip", f"0.0.0.0:{sip_port}"]
    argv += ["--sip-allow", "127.0.0.1"]  # the README's PBX address; here the test is the PBX
    argv += ["--host", "0.0.0.0", "--tls-cert", str(cert), "--tls-key", str(key), "--port", "0"]
    argv += ["--tokens", str(tmp_path / "tokens.json"), "--db", str(tmp_path / "calls.db")]
    argv += ["--models-dir", str(root / "models"), "--device", "cpu"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("CONSULT_ASSIST_SIP_ADVERTISE", None)
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=root
    )
    try:
        yield proc, sip_port
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30 * UNIT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.mark.model
def test_the_readme_serve_line_answers_sip_on_the_wildcard_address(
    readme_server: tuple[subprocess.Popen[str], int],
) -> None:
    proc, sip_port = readme_server
    outward = outward_address()
    assert proc.stdout is not None
    if outward is None:  # this machine has no network: the sentence that names the flag
        _, err = proc.communicate(timeout=120 * UNIT)
        assert proc.returncode == 1 and "--sip-advertise HOST" in err, err
        return
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("  SIP:"):
            break
    assert lines and lines[0].startswith("consult-assist: serving on wss://0.0.0.0:"), lines
    # --workers auto (the default) says what it chose for this machine.
    assert any(line.startswith("  speech: ") and "(auto for " in line for line in lines), lines
    assert lines[-1].strip() == (
        f"SIP:    0.0.0.0:{sip_port} (UDP and TCP, advertised as {outward})"
    ), lines

    peer = _SipPeer(sip_port)
    peer.request("OPTIONS", 1)
    assert peer.final().status == 200

    sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    sdp += "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
    peer.request("INVITE", 2, body=sdp)
    answer = peer.final()
    assert answer.status == 200
    # The wildcard is never advertised: peers are told the outward address.
    assert f"@{outward}:{sip_port}" in (answer.headers.get("Contact") or "")
    assert f"c=IN IP4 {outward}" in answer.body.decode()
    to_tag = (answer.headers.get("To") or "").partition(";tag=")[2]
    peer.request("ACK", 2, to_tag=to_tag)
    peer.request("BYE", 3, to_tag=to_tag)
    assert peer.final().status == 200


def test_serve_and_bench_capacity_flags_parse() -> None:
    parser = build_parser()
    args = parser.parse_args(["serve", "--workers", "auto", "--max-audio-speed", "1.5"])
    assert (args.workers, args.max_audio_speed) == (0, 1.5)
    assert parser.parse_args(["serve", "--workers", "3", "--drain", "4"]).drain_s == 4.0
    with pytest.raises(SystemExit):
        parser.parse_args(["serve", "--workers", "0"])
    bench = parser.parse_args(["bench", "capacity", "--calls", "1,2,4", "--seconds", "30"])
    assert (bench.calls, bench.seconds, bench.clock) == ((1, 2, 4), 30.0, "live")
    with pytest.raises(SystemExit):
        parser.parse_args(["bench", "capacity", "--calls", "1,x"])
