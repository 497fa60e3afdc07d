"""``consult-assist handler|supervisor``: options, env fallbacks and one-sentence errors."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from clitools import LiveServer, self_signed, start_server

from consult_assist import cli
from consult_assist.audio.file import read_audio
from consult_assist.cli import apps
from consult_assist.errors import AuthError, ConfigError, ConsultAssistError
from consult_assist.testing import FakeHubClient


def test_server_and_token_from_options_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSULT_ASSIST_SERVER", "ws://env:8765/")
    monkeypatch.setenv("CONSULT_ASSIST_TOKEN", "ca_env")
    assert apps.server_and_token("", "") == ("ws://env:8765/", "ca_env")
    assert apps.server_and_token("wss://a/", "t") == ("wss://a/", "t")


def test_missing_or_bad_server_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSULT_ASSIST_SERVER", raising=False)
    monkeypatch.delenv("CONSULT_ASSIST_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="pass --server"):
        apps.server_and_token("", "t")
    with pytest.raises(ConfigError, match="pass --token"):
        apps.server_and_token("ws://a/", "")
    with pytest.raises(ConfigError, match="ws:// or wss://"):
        apps.server_and_token("http://a/", "t")


def test_parser_has_both_apps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSULT_ASSIST_SERVER", raising=False)
    args = cli.build_parser().parse_args(
        ["handler", "--server", "ws://h:1/", "--token", "t", "--speed", "2"]
    )
    assert (args.command, args.server, args.token, args.speed) == ("handler", "ws://h:1/", "t", 2)
    args = cli.build_parser().parse_args(["supervisor", "--token", "s"])
    assert (args.command, args.server, args.token) == ("supervisor", "", "s")


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (ConsultAssistError("cannot reach the server at ws://h:1/: refused"), "cannot reach"),
        (AuthError("the server at ws://h:1/ refused the token"), "refused the token"),
    ],
)
@pytest.mark.parametrize("app", ["handler", "supervisor"])
def test_unreachable_server_or_wrong_token_is_one_line_on_stderr(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    app: str,
    error: ConsultAssistError,
    shown: str,
) -> None:
    client = FakeHubClient(role="supervisor", connect_error=error)
    monkeypatch.setattr(apps, "make_client", lambda server, token, ssl_context=None: client)
    monkeypatch.setenv("CONSULT_ASSIST_TOKEN", "t")
    rc = cli.main([app, "--server", "ws://h:1/"])
    err = capsys.readouterr().err
    assert rc == 1
    assert err.startswith("consult-assist: error: ") and shown in err
    assert len(err.strip().splitlines()) == 1
    assert client.closed


def test_a_handler_token_cannot_open_the_supervisor_app(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    client = FakeHubClient(name="sato", role="handler")
    monkeypatch.setattr(apps, "make_client", lambda server, token, ssl_context=None: client)
    monkeypatch.setenv("CONSULT_ASSIST_TOKEN", "t")
    rc = cli.main(["supervisor", "--server", "ws://h:1/"])
    err = capsys.readouterr().err
    assert rc == 1 and "sato's, a handler token" in err and "supervisor token" in err


# -- demo --------------------------------------------------------------------------------------


def test_a_sample_is_found_by_name_or_path(tmp_path: Path) -> None:
    assert apps.resolve_sample("neighbour-night").name == "neighbour-night.flac"
    own = tmp_path / "call.wav"
    own.write_bytes(b"")
    assert apps.resolve_sample(str(own)) == own


def test_an_unknown_sample_lists_the_names() -> None:
    with pytest.raises(ConfigError, match=r"no sample call 'nope'; choose one of: .*neglect"):
        apps.resolve_sample("nope")


@pytest.mark.model
def test_demo_without_a_terminal_prints_the_transcript_and_the_record(
    tmp_path: Path, root: Path
) -> None:
    """The whole system in one process: server, replayed call, live transcript, record."""
    audio = read_audio(root / "samples" / "neglect.flac")
    clip = tmp_path / "clip.wav"
    with wave.open(str(clip), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((audio.mono()[: 16000 * 12] * 32767).astype(np.int16).tobytes())
    argv = [sys.executable, "-m", "consult_assist.cli", "demo", "--no-ui", "--sample", str(clip)]
    argv += ["--speed", "2", "--port", "0", "--device", "cpu"]
    argv += ["--models-dir", str(root / "models"), "--manuals", str(root / "manuals")]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False, cwd=root)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert re.search(r" supervisor --server ws://127\.0\.0\.1:\d+/ --token-file \S+", out)
    assert re.search(r"^\[00:0\d\.\d\] .+  \(\d+\.\d\d s\)$", out, re.MULTILINE), out
    assert "--- the call record draft, ready for review" in out


# -- one sentence for each way a client fails to reach a server (real sockets) -----------------


def _one_sentence(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.strip().splitlines() if line]
    assert lines and lines[-1].startswith("consult-assist: error: "), err
    assert "Traceback" not in err
    return lines[-1]


@pytest.mark.parametrize("app", ["handler", "supervisor"])
def test_an_unreachable_server_is_one_sentence_without_errno(
    capsys: pytest.CaptureFixture[str], app: str
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nobody listens on it once closed
    assert cli.main([app, "--server", f"ws://127.0.0.1:{port}/", "--token", "t"]) == 1
    sentence = _one_sentence(capsys)
    assert sentence == (
        f"consult-assist: error: cannot reach the server at ws://127.0.0.1:{port}/: "
        "connection refused (is the server running, on that port?)"
    )


@pytest.mark.parametrize("app", ["handler", "supervisor"])
def test_a_wrong_token_on_a_real_server_is_one_sentence(
    capsys: pytest.CaptureFixture[str], live_server: LiveServer, app: str
) -> None:
    assert cli.main([app, "--server", live_server.url, "--token", "ca_wrong"]) == 1
    assert "refused the token" in _one_sentence(capsys)


def test_an_untrusted_certificate_names_the_flag_and_a_ca_file_fixes_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cert, key = self_signed(tmp_path)
    server = start_server(tmp_path, tls=(cert, key))
    try:
        url = server.url.replace("127.0.0.1", "localhost")
        token = server.tokens["tanaka"]
        assert cli.main(["supervisor", "--server", url, "--token", token]) == 1
        sentence = _one_sentence(capsys)
        assert "presented a certificate this machine does not trust" in sentence
        assert "self-signed certificate" in sentence and "--ca-file" in sentence
        # With the CA, the connection is made; a wrong token is then the next sentence.
        assert (
            cli.main(["supervisor", "--server", url, "--token", "x", "--ca-file", str(cert)]) == 1
        )
        assert "refused the token" in _one_sentence(capsys)
        skip = ["supervisor", "--server", url, "--token", "x", "--insecure-skip-verify"]
        assert cli.main(skip) == 1
        assert "refused the token" in _one_sentence(capsys)
    finally:
        server.stop()


def test_a_bad_ca_file_is_one_sentence(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["handler", "--server", "wss://localhost:1/", "--token", "t"]
    assert cli.main([*argv, "--ca-file", str(tmp_path / "nope.pem")]) == 1
    assert "cannot use the CA file" in _one_sentence(capsys)


def test_the_demo_prints_a_supervisor_command_that_works_from_the_clone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    script = tmp_path / ".venv" / "bin" / "consult-assist"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [".venv/bin/consult-assist", "demo"])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # the venv is not on PATH, as in the README
    command = apps.supervisor_command("ws://127.0.0.1:8765/", Path("/tmp/demo/supervisor.token"))
    assert command == (
        ".venv/bin/consult-assist supervisor --server ws://127.0.0.1:8765/"
        " --token-file /tmp/demo/supervisor.token"
    )
    monkeypatch.setattr(sys, "argv", [str(tmp_path / "x" / "__main__.py")])
    assert apps.program().endswith(" -m consult_assist.cli")
