"""Server configuration: defaults < a TOML file < ``CONSULT_ASSIST_*`` variables < flags.

Every key of :class:`ServerConfig` can be set in all three places under the same name (``tls_cert``
in TOML, ``CONSULT_ASSIST_TLS_CERT`` in the environment, ``--tls-cert`` on the command line);
the later source wins.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consult_assist.errors import ConfigError

__all__ = ["ServerConfig", "is_loopback", "load_server_config"]


@dataclass(frozen=True, kw_only=True)
class ServerConfig:
    """Everything ``consult-assist serve`` needs; units are in the field docs."""

    host: str = "127.0.0.1"
    """Address to listen on. Anything but loopback needs TLS (or ``insecure``)."""
    port: int = 8765
    """Websocket port (0 picks a free one)."""
    tls_cert: Path | None = None
    """PEM certificate chain; with ``tls_key`` the server speaks wss://."""
    tls_key: Path | None = None
    """PEM private key of ``tls_cert``."""
    insecure: bool = False
    """Allow a non-loopback address without TLS (e.g. behind a TLS-terminating proxy)."""
    tokens: Path | None = None
    """Tokens file (default: <data dir>/tokens.json)."""
    db: Path | None = None
    """SQLite store (default: <data dir>/consult-assist.db)."""
    manuals: Path | None = None
    """Manuals folder (default: ./manuals or the checkout's); watched and reloaded on change."""
    model: str = "whisper-base"
    """Speech model: whisper-base, a CTranslate2 directory, or a faster-whisper model name."""
    device: str = "auto"
    """auto, cpu or cuda."""
    compute_type: str = "default"
    """CTranslate2 compute type (default: int8 on CPU, float16 on CUDA)."""
    workers: int = 0
    """Decode workers sharing the model; 0 (``auto``) sizes them to the machine: one per four
    cores on a CPU (one on 2 cores, every core on its batches), two on a GPU."""
    max_live_sessions: int = 64
    """Live calls the server carries at once (any source); past it a new call is refused."""
    max_sessions_per_token: int = 4
    """Live sessions one token may stream at once (0: no limit)."""
    max_audio_speed: float = 1.2
    """Audio per session may arrive at most this many times faster than real time on average
    (with a 10 s burst); the excess is dropped and the sender told."""
    drain_s: float = 10.0
    """On SIGTERM, seconds the server keeps transcribing the audio it already has; past it the
    remaining finals become errors and it stops (plus at most the batch being computed)."""
    sip: str | None = None
    """HOST:PORT to answer SIP calls on (UDP and TCP), or None for no SIP."""
    sip_advertise: str | None = None
    """Address put in SIP Contact/Via and SDP, where peers reach us. Default: the SIP host, or
    for a wildcard host (0.0.0.0, ::) this machine's outward interface address."""
    log_content: bool = False
    """Log transcript text (personal data!) at INFO; off unless asked for explicitly."""
    synchronous: str = "NORMAL"
    """SQLite synchronous mode: NORMAL survives a killed process, FULL also a power cut."""


_BOOLS = {"insecure", "log_content"}
_INTS = {"port", "workers", "max_live_sessions", "max_sessions_per_token"}
_FLOATS = {"max_audio_speed", "drain_s"}
_PATHS = {"tls_cert", "tls_key", "tokens", "db", "manuals"}


def _coerce(key: str, value: Any, where: str) -> Any:
    if value is None:
        return None
    try:
        if key in _BOOLS:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(f"{value!r} is not true or false")
        if key == "workers" and str(value).strip().lower() == "auto":
            return 0
        if key in _INTS:
            if isinstance(value, bool):
                raise ValueError("a number is expected")
            return int(value)
        if key in _FLOATS:
            if isinstance(value, bool):
                raise ValueError("a number is expected")
            return float(value)
        if key in _PATHS:
            return Path(str(value)).expanduser()
        return str(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {key}: {exc}") from None


def load_server_config(
    *,
    file: Path | None = None,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
) -> ServerConfig:
    """Merge defaults < TOML ``file`` < environment < ``flags`` (None values are "not given")."""
    names = {f.name for f in dataclasses.fields(ServerConfig)}
    values: dict[str, Any] = {}
    if file is not None:
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read the config file {file}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML ({exc})") from None
        table = data.get("server", data)
        for key, value in table.items():
            if key not in names:
                raise ConfigError(
                    f"{file}: unknown key {key!r} (known: {', '.join(sorted(names))})"
                )
            values[key] = _coerce(key, value, str(file))
    environ = os.environ if env is None else env
    for key in names:
        raw = environ.get(f"CONSULT_ASSIST_{key.upper()}")
        if raw is not None and raw != "":
            values[key] = _coerce(key, raw, f"CONSULT_ASSIST_{key.upper()}")
    for key, value in (flags or {}).items():
        if key in names and value is not None and value is not False:
            values[key] = _coerce(key, value, f"--{key.replace('_', '-')}")
    config = ServerConfig(**values)
    _validate(config)
    return config


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine."""
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _validate(config: ServerConfig) -> None:
    if not 0 <= config.port <= 65535:
        raise ConfigError(f"port {config.port} is not a TCP port (0-65535)")
    if (config.tls_cert is None) != (config.tls_key is None):
        raise ConfigError("give both --tls-cert and --tls-key, or neither")
    for path in (config.tls_cert, config.tls_key):
        if path is not None and not path.is_file():
            raise ConfigError(f"{path}: no such file")
    if config.tls_cert is None and not config.insecure and not is_loopback(config.host):
        raise ConfigError(
            f"refusing to listen on {config.host} without TLS: callers' words would cross the "
            "network unencrypted. Give --tls-cert and --tls-key, or --insecure if a TLS proxy "
            "in front of this server encrypts the connections"
        )
    if config.workers < 0:
        raise ConfigError("workers must be auto (0) or at least 1")
    if config.max_live_sessions < 1 or config.max_sessions_per_token < 0:
        raise ConfigError("max_live_sessions must be at least 1, max_sessions_per_token >= 0")
    if config.max_audio_speed < 1.0:
        raise ConfigError("max_audio_speed must be at least 1 (real time)")
    if config.drain_s < 0:
        raise ConfigError("drain_s must not be negative")
    if config.synchronous.upper() not in ("NORMAL", "FULL"):
        raise ConfigError("synchronous must be NORMAL or FULL")
