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


def test_models_install_and_list(tmp_path: Path) -> None:
    assert run("models", "install", "--models-dir", str(tmp_path)).returncode == 0
    listed = run("models", "list", "--models-dir", str(tmp_path))
    assert "whisper-base" in listed.stdout and "verified" in listed.stdout


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
