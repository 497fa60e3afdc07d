"""The entry point: help, exit statuses, one-sentence errors, ``python -m consult_assist.cli``."""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from consult_assist.cli import build_parser, main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "consult_assist.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_help_lists_the_commands() -> None:
    text = build_parser().format_help()
    for command in ("transcribe", "models", "bench", "lookup", "manuals"):
        assert command in text


def test_the_module_runs_as_the_script() -> None:
    done = run("--help")
    assert done.returncode == 0 and "usage: consult-assist" in done.stdout
    for command in ("demo", "serve", "handler", "supervisor", "replay", "devices"):
        assert command in done.stdout


@pytest.mark.parametrize("family", ["models", "manuals", "tokens", "records", "bench"])
def test_a_family_without_its_action_shows_its_help(
    family: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main([family])
    assert done.value.code == 0
    assert f"usage: consult-assist {family}" in capsys.readouterr().out


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage" in capsys.readouterr().out


def test_unreadable_file_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "call.wav"
    bad.write_text("not audio")
    done = run("transcribe", str(bad))
    assert done.returncode == 1
    assert done.stderr.startswith("consult-assist: error: ")
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_missing_file(tmp_path: Path) -> None:
    done = run("transcribe", str(tmp_path / "nope.flac"))
    assert done.returncode == 1 and "no such file" in done.stderr


def test_unknown_model_name_offline_fails_clearly(tmp_path: Path) -> None:
    wav = tmp_path / "tiny.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x00\x00" * 16000)
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "consult_assist.cli",
            "transcribe",
            str(wav),
            "--model",
            "no-such-model-xyz",
            "--device",
            "cpu",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert done.returncode == 1, done.stderr
    assert "could not be downloaded" in done.stderr
    assert "Traceback" not in done.stderr
