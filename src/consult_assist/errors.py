"""The one error tree: every error the package raises on purpose derives from ConsultAssistError.

The core raises; adapters turn errors into ``error`` events or log lines; the CLI prints the
message (one sentence saying what went wrong and how to fix it) and exits non-zero.
"""

from __future__ import annotations

__all__ = [
    "AudioError",
    "ConfigError",
    "ConsultAssistError",
    "ManualError",
    "ModelError",
    "ModelNotInstalledError",
    "ProtocolError",
    "StoreError",
    "UnsupportedAudioError",
]


class ConsultAssistError(Exception):
    """Base of every error raised on purpose by consult_assist."""


class ConfigError(ConsultAssistError):
    """An option, config file or environment variable is invalid."""


class ModelError(ConsultAssistError):
    """The speech model cannot be installed, found or loaded."""


class ModelNotInstalledError(ModelError):
    """The default model is not assembled and its part packages are missing or corrupt."""


class AudioError(ConsultAssistError):
    """Audio could not be read, decoded or captured."""


class UnsupportedAudioError(AudioError):
    """A file or stream is not audio we can decode."""


class ManualError(ConsultAssistError):
    """The manuals folder has problems (see ``consult-assist manuals check``)."""


class ProtocolError(ConsultAssistError):
    """A wire message is malformed or not allowed."""


class StoreError(ConsultAssistError):
    """The event store cannot be opened or written."""
