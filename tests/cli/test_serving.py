"""``serve``, ``tokens``, ``records``: tokens, records list and export, config refusal, SIP."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from clitools import LiveServer, start_server, tone_file
from ports import free_port

from consult_assist.cli import main
from consult_assist.cli.parser import build_parser
from consult_assist.cli.serving import server_config
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
    header, line = capsys.readouterr().out.splitlines()
    assert header.startswith("セッション")
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
    sip_port = free_port()
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


def test_store_connections_reach_the_config_from_serve_and_bench_hub() -> None:
    parser = build_parser()
    args = parser.parse_args(
        ["serve", "--store", "postgresql://ca@db/c", "--store-connections", "8"]
    )
    assert server_config(args).store_connections == 8
    assert server_config(parser.parse_args(["serve"])).store_connections == 4
    bench = parser.parse_args(
        ["bench", "hub", "--store", "postgresql://x", "--store-connections", "1"]
    )
    assert bench.store_connections == 1


# -- issue 15: records found again, one sentence per operator mistake -------------------------


def _err_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("consult-assist: error: ")]
    assert len(lines) == 1, err
    return lines[0]


def _calls(path: Path, jst: None) -> None:
    """Three calls: sato yesterday, sato today, suzuki today (times in Japan time)."""
    days = [("a", "sato", "2026-11-22T10:00:00+09:00", "昨日の相談です"),
            ("b", "sato", "2026-11-23T14:30:00+09:00", "もう死にたいって思うんです"),
            ("c", "suzuki", "2026-11-23T05:40:00+00:00", "泣き声がします")]  # fmt: skip
    with SqliteStore(path) as store:
        for sid, owner, start, text in days:
            seq = Sequencer()
            meta = {"handler": owner, "source": "sip", "started_at": start}
            started = seq.stamp(SessionStarted(session=sid, meta=meta))
            store.append_now(started)
            store.append_now(
                seq.stamp(
                    TranscriptFinal(
                        session=sid, at=2, utterance=1, start=0, end=2, text=text, speaker="caller"
                    )
                )
            )
            store.append_now(seq.stamp(SessionEnded(session=sid, at=90.0, reason="hangup")))


def test_records_list_has_a_header_and_local_times(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jst: None
) -> None:
    db = tmp_path / "calls.db"
    _calls(db, jst)
    assert main(["records", "list", "--db", str(db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["セッション", "開始", "種別", "対応者", "通話時間", "件数", "終了"]
    assert [line.split()[0] for line in lines[1:]] == ["c", "b", "a"]
    assert "2026-11-23 14:40" in lines[1]  # 05:40 UTC, read in Japan time
    # Columns line up whatever the width of the names (cells, not characters).
    assert len({line.index("本番") for line in lines[1:]}) == 1


@pytest.mark.parametrize(
    ("flags", "found"),
    [
        (["--handler", "sato"], ["b", "a"]),
        (["--since", "2026-11-23"], ["c", "b"]),
        (["--since", "2026-11-23T14:35"], ["c"]),
        (["--search", "死にたい"], ["b"]),
        (["--search", "泣き"], ["c"]),  # two characters: shorter than a trigram, still found
        (["--search", "死にたい", "--handler", "suzuki"], []),
        (["--search", "100%_"], []),  # LIKE's own characters are text too
    ],
)
def test_records_list_since_handler_search(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    jst: None,
    flags: list[str],
    found: list[str],
) -> None:
    db = tmp_path / "calls.db"
    _calls(db, jst)
    assert main(["records", "list", "--db", str(db), "--json", *flags]) == 0
    assert [row["id"] for row in json.loads(capsys.readouterr().out)] == found


def test_records_list_since_today_and_days_back(jst: None) -> None:
    from datetime import datetime

    from consult_assist.cli.recordkeeping import parse_since

    now = datetime(2026, 11, 23, 15, 0).astimezone()
    assert parse_since("today", now=now).isoformat() == "2026-11-23T00:00:00+09:00"
    assert parse_since("7d", now=now).isoformat() == "2026-11-16T00:00:00+09:00"
    assert parse_since("2026-11-20T09:30", now=now).isoformat() == "2026-11-20T09:30:00+09:00"


def test_a_bad_since_is_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "calls.db"
    _store(db)
    assert main(["records", "list", "--db", str(db), "--since", "last tuesday"]) == 1
    assert "--since wants a date" in _err_line(capsys)


def test_records_export_into_a_missing_folder_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "calls.db"
    session = _store(db)
    target = tmp_path / "nope" / "record.md"
    assert main(["records", "export", session, "--db", str(db), "-o", str(target)]) == 1
    assert _err_line(capsys) == (
        f"consult-assist: error: cannot write {target}: the folder {target.parent} does not "
        "exist (create it first, or give another -o)"
    )


def test_serve_on_a_port_in_use_is_one_sentence_before_the_model_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        argv = ["serve", "--port", str(port), "--tokens", str(tmp_path / "t.json")]
        argv += ["--db", str(tmp_path / "calls.db"), "--model", str(tmp_path / "no-model")]
        assert main(argv) == 1
    assert _err_line(capsys) == (
        f"consult-assist: error: port {port} on 127.0.0.1 is already in use (another "
        "consult-assist serve?): stop that program or choose another with --port"
    )


def test_replay_for_a_handler_that_does_not_exist_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], live_server: LiveServer
) -> None:
    audio = tone_file(tmp_path / "call.wav", 4.0)
    argv = ["replay", str(audio), "--server", live_server.url]
    argv += ["--token", live_server.tokens["kato"], "--for", "sat0"]
    assert main(argv) == 1
    assert "for must name a handler, and 'sat0' is not one" in _err_line(capsys)


def test_replay_runs_to_the_end_on_a_live_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], live_server: LiveServer
) -> None:
    audio = tone_file(tmp_path / "call.wav", 4.0)
    argv = ["replay", str(audio), "--server", live_server.url, "--speed", "4"]
    argv += ["--token", live_server.tokens["kato"], "--for", "sato"]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip().endswith("done")


def test_replay_notices_a_server_that_went_away_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = start_server(tmp_path)
    audio = tone_file(tmp_path / "long.wav", 60.0)

    def stop_once_live() -> None:
        hub = server.running.hub
        deadline = time.monotonic() + 30 * UNIT
        while not hub.live_sessions() and time.monotonic() < deadline:
            time.sleep(0.05)
        server.stop()  # as a restart does: calls end, connections close (1001)

    stopper = threading.Thread(target=stop_once_live)
    stopper.start()
    argv = ["replay", str(audio), "--server", server.url, "--token", server.tokens["kato"]]
    argv += ["--for", "sato"]
    try:
        assert main(argv) == 1  # it returns (it used to wait for ever) with one sentence
    finally:
        stopper.join()
    sentence = _err_line(capsys)
    assert f"the server at {server.url} closed the connection" in sentence
    assert "was cut off" in sentence and "replay it again once the server is back" in sentence
