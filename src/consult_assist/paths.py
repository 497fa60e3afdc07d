"""Where things live: the checkout's folders when run from one, else the user's data folder."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["checkout_root", "data_dir", "default_manuals_dir", "default_models_dir", "samples_dir"]

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
