"""Where things live, and who may read them.

The checkout's folders when run from one, else the user's data folder. What holds callers'
words or credentials is the owner's alone, whatever the umask: folders 0700
(:func:`private_dir`), files 0600 (:func:`private_file`), and a secret file that others could
read is refused (:func:`check_private`).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from consult_assist.errors import ConfigError

__all__ = [
    "check_private",
    "checkout_root",
    "data_dir",
    "default_manuals_dir",
    "default_models_dir",
    "private_dir",
    "private_file",
    "samples_dir",
    "tighten",
    "write_private_text",
]

log = logging.getLogger(__name__)

_ENV_DATA = "CONSULT_ASSIST_DATA"


def checkout_root() -> Path | None:
    """The repository root when the package runs from a source checkout, else None."""
    here = Path(__file__).resolve()
    # src/consult_assist/paths.py -> repository root is three levels up.
    root = here.parents[2]
    if (root / "pyproject.toml").is_file() and (root / "src" / "consult_assist").is_dir():
        return root
    return None


def data_dir() -> Path:
    """The user's data directory ($CONSULT_ASSIST_DATA, else $XDG_DATA_HOME/consult-assist)."""
    env = os.environ.get(_ENV_DATA)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "consult-assist"


def default_models_dir() -> Path:
    """models/ of the checkout, else <data dir>/models."""
    root = checkout_root()
    return root / "models" if root is not None else data_dir() / "models"


def default_manuals_dir() -> Path:
    """manuals/ of the working directory or of the checkout, else <data dir>/manuals."""
    cwd = Path.cwd() / "manuals"
    if cwd.is_dir():
        return cwd
    root = checkout_root()
    if root is not None and (root / "manuals").is_dir():
        return root / "manuals"
    return data_dir() / "manuals"


def samples_dir() -> Path:
    """samples/ of the checkout (or of the working directory)."""
    root = checkout_root()
    if root is not None and (root / "samples").is_dir():
        return root / "samples"
    return Path.cwd() / "samples"


_OTHERS = stat.S_IRWXG | stat.S_IRWXO
"""Permission bits for anyone but the owner."""


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700; an existing one of ours is tightened.

    Only the folders this call creates, and the data folder itself, are tightened: a folder the
    operator chose for the store (``/var/lib/…``) keeps the mode the operator gave it.
    """
    missing = []
    walk = path
    while not walk.exists():
        missing.append(walk)
        walk = walk.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
    if path.resolve() == data_dir().resolve():
        tighten(path, "the data folder", 0o700)
    return path


def private_file(path: Path, what: str = "the file") -> Path:
    """Make sure ``path`` exists as a file only its owner can read and write (0600).

    A new file is created 0600 whatever the umask; an existing one is tightened to 0600 with a
    log line when others could read or write it.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if not path.is_file():
            raise IsADirectoryError(f"{path} is not a file") from None
        tighten(path, what, 0o600)
        return path
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return path


def write_private_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (UTF-8) as a file only its owner can read (0600), whatever
    the umask and whatever mode an earlier file of that name had."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fd = -1
            fh.write(text)
    finally:
        if fd >= 0:
            os.close(fd)


def tighten(path: Path, what: str, mode: int = 0o600) -> bool:
    """Take every permission of others off ``path`` (to ``mode``); True if it had any.

    Logged at WARNING: a file that others could read may already have been read.
    """
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return False
    if not current & _OTHERS:
        return False
    os.chmod(path, mode)
    log.warning("%s %s was open to other users (mode %04o): now %04o", what, path, current, mode)
    return True


def check_private(path: Path, what: str) -> None:
    """Refuse (ConfigError, one sentence) a secret file that anyone but its owner may use."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror}") from None
    if current & _OTHERS:
        raise ConfigError(
            f"{what} {path} can be read by other users (mode {current:04o}): "
            f"run `chmod 600 {path}` and try again"
        )
