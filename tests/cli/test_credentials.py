"""Where a client's token comes from (issue 12, row 11): a file, the environment or a prompt.

That no part of it reaches a client's log at -vv is tested on a real connection in
tests/hub/test_logredact.py.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from consult_assist.cli.credentials import client_token, read_token_file
from consult_assist.errors import ConfigError

UNIT = float(os.environ.get("CONSULT_ASSIST_TEST_UNIT", "1.0"))


class Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def _file(path: Path, token: str, mode: int = 0o600) -> Path:
    path.write_text(token + "\n", encoding="utf-8")
    path.chmod(mode)
    return path


def _asked(prompt: str) -> str:
    return "ca_typed"


def test_the_token_comes_from_flag_then_file_then_environment_then_a_prompt(
    tmp_path: Path,
) -> None:
    f = _file(tmp_path / "t", "ca_from_file")
    g = _file(tmp_path / "g", "ca_from_env_file")
    env = {"CONSULT_ASSIST_TOKEN": "ca_from_env", "CONSULT_ASSIST_TOKEN_FILE": str(g)}
    tty, err = Terminal(True), io.StringIO()
    common = {"terminal": tty, "ask": _asked, "err": err}
    assert client_token(token="ca_flag", token_file=f, environ=env, **common) == "ca_flag"
    assert "visible to every user of this machine (ps)" in err.getvalue()
    assert client_token(token=None, token_file=f, environ=env, **common) == "ca_from_file"
    assert client_token(token=None, token_file=None, environ=env, **common) == "ca_from_env_file"
    del env["CONSULT_ASSIST_TOKEN_FILE"]
    assert client_token(token=None, token_file=None, environ=env, **common) == "ca_from_env"
    assert client_token(token=None, token_file=None, environ={}, **common) == "ca_typed"


def test_without_a_token_and_without_a_terminal_it_is_one_sentence() -> None:
    with pytest.raises(ConfigError, match="give --token-file FILE"):
        client_token(token=None, token_file=None, environ={}, terminal=Terminal(False))


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_token_file_others_can_read_is_refused_with_the_chmod_to_run(
    tmp_path: Path, mode: int
) -> None:
    path = _file(tmp_path / "sato.token", "ca_x", mode)
    with pytest.raises(ConfigError, match=rf"chmod 600 {path}"):
        read_token_file(path)


def test_a_token_file_holds_one_token_and_nothing_else(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="alone, on one line"):
        read_token_file(_file(tmp_path / "t", "ca_x\nca_y"))
    with pytest.raises(ConfigError, match="alone, on one line"):
        read_token_file(_file(tmp_path / "u", ""))


def test_the_cli_reads_the_token_file_and_never_needs_it_on_the_command_line(
    tmp_path: Path,
) -> None:
    loose = _file(tmp_path / "t", "ca_x", 0o644)
    done = subprocess.run(
        [sys.executable, "-m", "consult_assist.cli", "supervisor", "--server", "ws://127.0.0.1:9/",
         "--token-file", str(loose)],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"consult-assist: error: the token file {loose} can be read by other users (mode 0644): "
        f"run `chmod 600 {loose}` and try again"
    )
