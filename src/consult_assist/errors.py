"""The one error tree: every error the package raises on purpose derives from ConsultAssistError.

The core raises; adapters turn errors into ``error`` events or log lines; the CLI prints the
message (one sentence saying what went wrong and how to fix it) and exits non-zero.
"""

from __future__ import annotations

__all__ = [
    "AccessError",
    "AudioError",
    "AuthError",
    "CapacityError",
    "ConfigError",
    "ConsultAssistError",
    "ManualError",
    "ModelError",
    "ModelNotInstalledError",
    "ProtocolError",
    "RecordError",
    "RtpError",
    "SdpError",
    "SessionClosed",
    "SipError",
    "StoreError",
    "StoreUnavailable",
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
    """Audio could not be read, decoded or captured; ``code`` is stable, for the apps' words."""

    def __init__(self, message: str, code: str = "audio") -> None:
        super().__init__(message)
        self.code = code


class UnsupportedAudioError(AudioError):
    """A file or stream is not audio we can decode."""


class ManualError(ConsultAssistError):
    """The manuals folder has problems (see ``consult-assist manuals check``)."""


class ProtocolError(ConsultAssistError):
    """A wire message is malformed or not allowed; ``code`` is stable, for machines.

    ``ref`` is the message's ``id`` when it could be read, so the refusal can answer it.
    """

    def __init__(self, message: str, code: str = "protocol", *, ref: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.ref = ref


class AccessError(ConsultAssistError):
    """The client's role or ownership does not allow this (``code`` ``forbidden``)."""

    code = "forbidden"


class CapacityError(ConsultAssistError):
    """The server is at one of its limits (live sessions in all, or per token); ``code`` says
    which: ``server_full`` or ``too_many_sessions``."""

    def __init__(self, message: str, code: str = "server_full") -> None:
        super().__init__(message)
        self.code = code


class AuthError(ConsultAssistError):
    """A token is missing, wrong or revoked, or the tokens file is unusable."""


class RecordError(ConsultAssistError):
    """A call record cannot be built from the events given (none, or from several sessions)."""


class StoreError(ConsultAssistError):
    """The event store cannot be opened or written."""


class StoreUnavailable(StoreError):
    """The store cannot take this write now (connection lost, disk full); retry later."""


class SessionClosed(StoreError):
    """The session was already ended in the store (another node declared this one lost and
    ended its calls): nothing more of it can be stored."""


class SipError(ConsultAssistError):
    """A SIP message (or a body it carries) is malformed or cannot be served.

    ``status`` is the SIP response code that tells the peer why (400 for syntax, 415, 488…);
    ``message`` is whatever could still be parsed (a partial request lets the server answer
    a malformed request instead of dropping it).
    """

    def __init__(self, text: str, *, status: int = 400, message: object = None) -> None:
        super().__init__(text)
        self.status = status
        self.message = message


class SdpError(SipError):
    """A session description (SDP) is malformed or offers nothing we can receive."""


class RtpError(AudioError):
    """An RTP packet is malformed."""
