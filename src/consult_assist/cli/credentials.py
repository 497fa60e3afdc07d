"""Where a client's access token comes from: a file, the environment or a prompt.

``handler``, ``supervisor`` and ``replay`` take the token, in this order, from ``--token``
(accepted, but visible to every local user in ``ps``: a note says so), ``--token-file PATH``
(mode 0600, checked), ``CONSULT_ASSIST_TOKEN_FILE``, ``CONSULT_ASSIST_TOKEN`` (the process's
environment is readable by its owner only), and last, on a terminal, a hidden prompt.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from consult_assist.errors import ConfigError
from consult_assist.paths import check_private

__all__ = ["client_token", "read_token_file"]

_VISIBLE = (
    "consult-assist: note: a token given with --token is visible to every user of this "
    "machine (ps); use --token-file FILE or CONSULT_ASSIST_TOKEN instead\n"
)


def read_token_file(path: Path) -> str:
    """The token in ``path``: one line, in a file only its owner may read (0600)."""
    check_private(path, "the token file")
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeError) as exc:
        raise ConfigError(f"cannot read the token file {path}: {exc}") from None
    if not text or "\n" in text or any(c.isspace() for c in text):
        raise ConfigError(f"the token file {path} must hold the token alone, on one line")
    return text


def client_token(
    *,
    token: str | None,
    token_file: Path | None,
    environ: Mapping[str, str] = os.environ,
    terminal: TextIO | None = None,
    ask: Callable[[str], str] = getpass.getpass,
    err: TextIO | None = None,
) -> str:
    """The token this client authenticates with (ConfigError, one sentence, if there is none).

    ``terminal`` and ``err`` default to the streams of the moment (not of import time: a
    redirected or replaced stderr is the one written to).
    """
    if token:
        (err or sys.stderr).write(_VISIBLE)
        return token
    file = token_file or (
        Path(environ["CONSULT_ASSIST_TOKEN_FILE"]).expanduser()
        if environ.get("CONSULT_ASSIST_TOKEN_FILE")
        else None
    )
    if file is not None:
        return read_token_file(file)
    if environ.get("CONSULT_ASSIST_TOKEN"):
        return environ["CONSULT_ASSIST_TOKEN"].strip()
    if (terminal or sys.stdin).isatty():
        typed = ask("consult-assist: access token (not shown): ").strip()
        if typed:
            return typed
    raise ConfigError(
        "no access token: give --token-file FILE (chmod 600) or set CONSULT_ASSIST_TOKEN "
        "(or run in a terminal to be asked for it)"
    )
